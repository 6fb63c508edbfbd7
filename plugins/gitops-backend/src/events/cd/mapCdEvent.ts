/*
 * Which (repository, service, environment) an Argo CD Application or Flux
 * Kustomization / HelmRelease is (docs/cd-events.md, "Mapping"):
 * 1. explicit: `gitops2.io/service` and `gitops2.io/environment` (and
 *    optionally `gitops2.io/gitops-repo`) from the Application's annotations
 *    or the Flux alert's event metadata;
 * 2. else by name: the Application named by the pipeline's
 *    `argocd-application` locator, or `<service>-<environment>`, or
 *    `<service>` deploying into the environment's namespace.
 * Anything else, or more than one match, is not mapped.
 */
import { pipelineNames } from '../../cluster/computeStatus';
import type { CdEvent, CdEventTarget } from './types';

export interface StoredRepository {
  id: string;
  pipeline: any;
}

interface Environment {
  name: string;
  cluster?: string;
  namespace?: string;
}

function byName(
  event: CdEvent,
  service: string,
  env: Environment,
  entry: unknown,
): boolean {
  if (
    event.kind === 'Application' &&
    (pipelineNames(entry).applications ?? []).includes(event.name)
  )
    return true;
  if (event.name === `${service}-${env.name}`) return true;
  return (
    event.name === service &&
    !!event.targetNamespace &&
    event.targetNamespace === env.namespace
  );
}

export function mapCdEvent(
  event: CdEvent,
  repositories: StoredRepository[],
  watchedClusters: ReadonlySet<string>,
): { target?: CdEventTarget; matches: number } {
  const { hints } = event;
  const explicit = !!hints.service && !!hints.environment;
  const found: CdEventTarget[] = [];
  for (const repo of repositories) {
    if (hints.repository && hints.repository !== repo.id) continue;
    const services: Record<string, Record<string, unknown>> = repo.pipeline
      ?.services ?? {};
    const environments: Environment[] =
      repo.pipeline?.definition?.environments ?? [];
    for (const env of environments) {
      if (hints.environment && hints.environment !== env.name) continue;
      for (const [service, entries] of Object.entries(services)) {
        if (hints.service && hints.service !== service) continue;
        const entry = entries?.[env.name];
        if (!entry) continue;
        if (!explicit && !byName(event, service, env, entry)) continue;
        found.push({
          repositoryId: repo.id,
          service,
          environment: env.name,
          ...(env.cluster && watchedClusters.has(env.cluster)
            ? { watchedCluster: env.cluster }
            : {}),
        });
      }
    }
  }
  return found.length === 1
    ? { target: found[0], matches: 1 }
    : { matches: found.length };
}
