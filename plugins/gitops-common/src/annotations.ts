/**
 * Catalog annotations read by the GitOps plugins (docs/annotations.md).
 * @public
 */
export const GITOPS_ANNOTATIONS = {
  /** Id of the GitOps repository (app-config `gitops.repositories[].id`). */
  repository: 'gitops2.io/gitops-repo',
  /** Name of the service in the pipeline file, when it differs. */
  service: 'gitops2.io/service',
  /** Source repository of the service, when it is not on GitHub. */
  sourceRepository: 'gitops2.io/source-repo',
  /** Reused: GitHub source repository `owner/name`. */
  githubProjectSlug: 'github.com/project-slug',
  /** Reused: the service's id in Kubernetes. */
  kubernetesId: 'backstage.io/kubernetes-id',
} as const;

/** Minimal entity shape, to avoid depending on catalog-model here. @public */
export interface EntityLike {
  metadata: { name: string; annotations?: Record<string, string> };
}

/**
 * The service name of an entity in the pipeline file: the explicit
 * annotation, else the Kubernetes id, else the entity name.
 * @public
 */
export function serviceNameOf(entity: EntityLike): string {
  const a = entity.metadata.annotations ?? {};
  return (
    a[GITOPS_ANNOTATIONS.service] ??
    a[GITOPS_ANNOTATIONS.kubernetesId] ??
    entity.metadata.name
  );
}

/** Whether an entity is tied to a GitOps repository. @public */
export function isGitopsAvailable(entity: EntityLike): boolean {
  return Boolean(entity.metadata.annotations?.[GITOPS_ANNOTATIONS.repository]);
}
