import { externalPipelineOf } from '../pipeline/pipelineLocation';
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { readGitopsConfig } from '../config';
import { createGitSource } from '../git/createGitSource';
import { createDefaultLocatorRegistry } from '../locators';
import { createDefaultStepRegistry } from '../steps';
import { GitopsEnvironmentProvider } from './GitopsEnvironmentProvider';
import { refreshOnIngestion } from './refreshOnIngestion';

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
        events: eventsServiceRef,
      },
      async init({ catalog, config, logger, scheduler, events }) {
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
            externalPipeline: externalPipelineOf(r, from =>
              createGitSource(
                from,
                config,
                logger,
                gitops.limits.maxManifestBytes,
              ),
            ),
          })),
          locators: createDefaultLocatorRegistry(),
          stepTypes: createDefaultStepRegistry(),
          fallbackOwner: gitops.environmentOwner,
          logger: logger.child({ task: 'gitops-environments' }),
        });
        catalog.addEntityProvider(provider);
        // At once after an ingestion that read new commits (an environment
        // merged from the portal); the schedule stays the fallback.
        await refreshOnIngestion(events, () => provider.refresh());
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
