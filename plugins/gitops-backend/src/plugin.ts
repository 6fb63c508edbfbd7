import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { gitopsPermissions } from '@gitops2/plugin-gitops-common';
import { readGitopsConfig } from './config';
import { LedgerStore } from './database/LedgerStore';
import { createGitSource } from './git/createGitSource';
import { IngestionManager } from './ingestion/IngestionManager';
import { createDefaultLocatorRegistry } from './locators/VersionLocatorRegistry';
import { GitopsService } from './service/GitopsService';
import { createRouter } from './service/router';

/**
 * The gitops backend plugin: wiring only (see src/service and src/ingestion).
 * @public
 */
export const gitopsPlugin = createBackendPlugin({
  pluginId: 'gitops',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        catalog: catalogServiceRef,
      },
      async init(deps) {
        const gitopsConfig = readGitopsConfig(deps.config);
        deps.permissionsRegistry.addPermissions(gitopsPermissions);
        const store = await LedgerStore.create({ database: deps.database });
        const locators = createDefaultLocatorRegistry();
        const sources = new Map(
          gitopsConfig.repositories.map(r => [r.id, createGitSource(r, deps.config, deps.logger)]),
        );
        const ingestion = new IngestionManager({
          config: gitopsConfig,
          store,
          locators,
          logger: deps.logger,
          createSource: r => sources.get(r.id)!,
        });
        const service = new GitopsService(store, gitopsConfig.repositories, sources);
        await ingestion.schedule(deps.scheduler);
        if (gitopsConfig.repositories.length === 0) {
          deps.logger.info('no gitops.repositories configured; the GitOps tab will show nothing');
        }
        deps.httpRouter.use(
          await createRouter({ ...deps, service, ingestion }),
        );
        deps.httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
