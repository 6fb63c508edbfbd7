/**
 * Annotations of the environment entities the catalog module publishes
 * (plugins/gitops-backend/src/catalog/environmentEntities.ts).
 */
export const ENVIRONMENT_ANNOTATIONS = {
  repository: 'gitops2.io/environment-repo',
  environment: 'gitops2.io/environment',
} as const;

/** Whether an entity is a GitOps environment (a Resource of type environment). */
export function isGitopsEnvironment(entity: {
  metadata: { annotations?: Record<string, string> };
}): boolean {
  const a = entity.metadata.annotations ?? {};
  return Boolean(
    a[ENVIRONMENT_ANNOTATIONS.repository] &&
      a[ENVIRONMENT_ANNOTATIONS.environment],
  );
}
