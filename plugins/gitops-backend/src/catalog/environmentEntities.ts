import { createHash } from 'node:crypto';
import type { Entity } from '@backstage/catalog-model';
import { NAME_PATTERN } from '@gitops2/plugin-gitops-common';
import type { ParsedPipeline } from '../pipeline/types';

/** Annotation naming the pipeline environment a Resource stands for. */
export const ENVIRONMENT_ANNOTATION = 'gitops2.io/environment';
/**
 * The GitOps repository of an environment entity. Not the services'
 * `gitops2.io/gitops-repo`: every view that lists GitOps services finds them
 * by that one, and an environment is not a service.
 */
export const ENVIRONMENT_REPOSITORY_ANNOTATION = 'gitops2.io/environment-repo';

/**
 * Each environment of a repository's pipeline as a catalog `Resource` of
 * type `environment`: named `<repository>.<environment>` (environments of
 * two repositories never collide; see `entityNameOf` past 63 characters), owned by the pipeline's `metadata.owner`
 * (or `fallbackOwner`), linked to its URL, with the services deployed there
 * as `dependencyOf` (component of the same name in the default namespace).
 */
export function environmentEntities(options: {
  repositoryId: string;
  pipeline: ParsedPipeline;
  owner?: string;
  fallbackOwner: string;
  locationKey: string;
}): Entity[] {
  const { repositoryId, pipeline } = options;
  const definition = pipeline.definition;
  if (!definition) return [];
  const out: Entity[] = [];
  for (const env of definition.environments) {
    const name = entityNameOf(repositoryId, env.name);
    const services = Object.keys(pipeline.services)
      .filter(s => {
        const entry = pipeline.services[s][env.name];
        return entry && !('error' in entry);
      })
      .sort();
    out.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name,
        namespace: 'default',
        title: `${env.name} (${repositoryId})`,
        description: `Environment ${env.name} of the ${
          definition.name
        } pipeline, stage ${env.stage}${
          env.cluster ? `, cluster ${env.cluster}` : ''
        }${env.namespace ? `, namespace ${env.namespace}` : ''}.`,
        annotations: {
          [ENVIRONMENT_REPOSITORY_ANNOTATION]: repositoryId,
          [ENVIRONMENT_ANNOTATION]: env.name,
          'backstage.io/managed-by-location': options.locationKey,
          'backstage.io/managed-by-origin-location': options.locationKey,
        },
        tags: ['gitops', 'environment'],
        ...(env.url ? { links: [{ url: env.url, title: env.url }] } : {}),
      },
      spec: {
        type: 'environment',
        owner: options.owner ?? options.fallbackOwner,
        ...(services.length
          ? { dependencyOf: services.map(s => `component:default/${s}`) }
          : {}),
      },
    });
  }
  return out;
}

/**
 * `<repository>.<environment>`, or when that is over the catalog's 63
 * characters its first 54 and a hash of the whole (`-` and 8 hex digits):
 * stable across refreshes and distinct per environment. The title and the
 * annotations keep the full names.
 */
export function entityNameOf(repositoryId: string, environment: string) {
  const full = `${repositoryId}.${environment}`;
  if (NAME_PATTERN.test(full)) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, 54).replace(/[._-]+$/, '')}-${hash}`;
}
