/*
 * Demo only (gitops.demoCluster.enabled): mounts the demo services' health
 * endpoints (demoAppRouter.ts) on the plugin's router, without
 * authentication for that path only, and says at startup whether the bad
 * versions of gitops.demoCluster.badVersionsFile could be read.
 */
import type {
  HttpRouterService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import type { LiveService } from '../LiveService';
import { DemoBadVersions } from './DemoBadVersions';
import { createDemoAppRouter, DEMO_APPS_PATH } from './demoAppRouter';

export async function mountDemoApps(options: {
  config: Config;
  logger: LoggerService;
  httpRouter: HttpRouterService;
  live: Pick<LiveService, 'getServiceLive'>;
  repositoryIds: string[];
}): Promise<void> {
  const badVersions = DemoBadVersions.fromConfig(options.config);
  const known = await badVersions.read();
  if (!known.ok) {
    options.logger.error(
      `demo smoke endpoint: ${known.error}; it answers 503 until the file can be read`,
    );
  } else if (badVersions.source) {
    options.logger.info(
      `demo smoke endpoint: bad versions ${
        known.badVersions.map(b => `${b.service} ${b.version}`).join(', ') ||
        'none'
      } (${badVersions.source})`,
    );
  }
  options.httpRouter.use(
    createDemoAppRouter({
      live: options.live,
      repositoryIds: options.repositoryIds,
      badVersions,
    }),
  );
  options.httpRouter.addAuthPolicy({
    path: DEMO_APPS_PATH,
    allow: 'unauthenticated',
  });
}
