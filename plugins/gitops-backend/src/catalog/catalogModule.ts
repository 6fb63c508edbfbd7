import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { readGitopsConfig } from '../config';
import { createGitSource } from '../git/createGitSource';
import { createDefaultLocatorRegistry } from '../locators';
import { createDefaultStepRegistry } from '../steps';
import { GitopsEnvironmentProvider } from './GitopsEnvironmentProvider';

/**
 * Publishes the environments of every GitOps pipeline in the catalog as
 * `Resource` entities of type `environment` (docs/environments.md).
 * @public
 */
export const gitopsEnvironmentsCatalogModule = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'gitops-environments',
  register(reg) {
    reg.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
      },
      async init({ catalog, config, logger, scheduler }) {
        const gitops = readGitopsConfig(config);
        const provider = new GitopsEnvironmentProvider({
          repositories: gitops.repositories.map(r => ({
            id: r.id,
            pipelineFile: r.pipelineFile,
            source: createGitSource(
              r,
              config,
              logger,
              gitops.limits.maxManifestBytes,
            ),
          })),
          locators: createDefaultLocatorRegistry(),
          stepTypes: createDefaultStepRegistry(),
          fallbackOwner: gitops.environmentOwner,
          logger: logger.child({ task: 'gitops-environments' }),
        });
        catalog.addEntityProvider(provider);
        await scheduler.scheduleTask({
          id: 'gitops-environments-refresh',
          frequency: { minutes: 5 },
          timeout: { minutes: 2 },
          initialDelay: { seconds: 15 },
          fn: () => provider.refresh(),
        });
      },
    });
  },
});
