import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createGitopsPromoteAction } from './createGitopsPromoteAction';
import { createGitopsEnvironmentCreateAction } from './createGitopsEnvironmentCreateAction';
import { createGitopsEnvironmentRetireAction } from './createGitopsEnvironmentRetireAction';
import { createGitopsServiceAddAction } from './createGitopsServiceAddAction';

/**
 * Adds `gitops:promote`, `gitops:environment:create`,
 * `gitops:environment:retire` and `gitops:service:add` to the scaffolder.
 * @public
 */
export const gitopsScaffolderModule = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'gitops',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ scaffolder, discovery, auth }) {
        scaffolder.addActions(
          createGitopsPromoteAction({ discovery, auth }),
          createGitopsEnvironmentCreateAction({ discovery, auth }),
          createGitopsEnvironmentRetireAction({ discovery, auth }),
          createGitopsServiceAddAction({ discovery, auth }),
        );
      },
    });
  },
});
