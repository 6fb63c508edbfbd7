/*
 * The events backend's HTTP ingresses for Argo CD and Flux notifications
 * (docs/cd-events.md): `/api/events/http/gitops.argocd` and
 * `/api/events/http/gitops.flux`, each with its validator. A topic without
 * its secret is not registered: its events are refused (fail closed).
 */
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { RequestValidator } from '@backstage/plugin-events-node';
import { eventsExtensionPoint } from '@backstage/plugin-events-node/alpha';
import { argoCdSecretValidator, fluxHmacValidator } from './cdValidators';
import { CD_TOPICS, CdTool } from './types';

const MIN_SECRET_LENGTH = 16;

const VALIDATORS: Record<CdTool, (secret: string) => RequestValidator> = {
  argocd: argoCdSecretValidator,
  flux: fluxHmacValidator,
};

/** The ingresses to register, from `gitops.events.<tool>.secret`. */
export function cdIngresses(
  config: Config,
  logger: LoggerService,
): Array<{ topic: string; validator: RequestValidator }> {
  const open = new Set(
    config.getOptionalStringArray('events.http.topics') ?? [],
  );
  const out = [];
  for (const tool of Object.keys(CD_TOPICS) as CdTool[]) {
    const topic = CD_TOPICS[tool];
    const key = `gitops.events.${tool}.secret`;
    if (open.has(topic)) {
      logger.error(
        `events.http.topics lists ${topic}: that ingress takes unsigned events; remove it (this module registers ${topic} with its validator)`,
      );
    }
    const secret = config.getOptionalString(key);
    if (!secret || secret.length < MIN_SECRET_LENGTH) {
      // Not set: the tool is simply not used. Too short: a mistake, said louder.
      (secret ? logger.warn : logger.info).call(
        logger,
        `${key} is ${
          secret ? `shorter than ${MIN_SECRET_LENGTH} characters` : 'not set'
        }: /api/events/http/${topic} is not registered, ${tool} events are refused`,
      );
      continue;
    }
    out.push({ topic, validator: VALIDATORS[tool](secret) });
  }
  return out;
}

/**
 * Argo CD and Flux notifications in, through the events backend.
 * @public
 */
export const gitopsCdEventsModule = createBackendModule({
  pluginId: 'events',
  moduleId: 'gitops-cd-tools',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        events: eventsExtensionPoint,
      },
      async init({ config, logger, events }) {
        for (const ingress of cdIngresses(config, logger)) {
          events.addHttpPostIngress(ingress);
        }
      },
    });
  },
});
