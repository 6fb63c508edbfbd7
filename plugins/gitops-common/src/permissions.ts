import {
  createPermission,
  type BasicPermission,
  type ResourcePermission,
} from '@backstage/plugin-permission-common';

/**
 * Resource type of environment-scoped write permissions: the resource ref is
 * `<repositoryId>:<service>:<environment>`, so policies can allow e.g.
 * promotion to every environment but prod.
 * @public
 */
export const GITOPS_ENVIRONMENT_RESOURCE_TYPE = 'gitops-environment';

/** Read pipelines, versions and the rollout ledger. @public */
export const gitopsReadPermission: BasicPermission = createPermission({
  name: 'gitops.read',
  attributes: { action: 'read' },
});

/** Ask the backend to ingest a GitOps repository now. @public */
export const gitopsRefreshPermission: BasicPermission = createPermission({
  name: 'gitops.refresh',
  attributes: { action: 'update' },
});

/** Promote a version into an environment. @public */
export const gitopsPromotePermission: ResourcePermission<
  typeof GITOPS_ENVIRONMENT_RESOURCE_TYPE
> = createPermission({
  name: 'gitops.promote',
  attributes: { action: 'update' },
  resourceType: GITOPS_ENVIRONMENT_RESOURCE_TYPE,
});

/** Roll an environment back to an earlier version. @public */
export const gitopsRollbackPermission: ResourcePermission<
  typeof GITOPS_ENVIRONMENT_RESOURCE_TYPE
> = createPermission({
  name: 'gitops.rollback',
  attributes: { action: 'update' },
  resourceType: GITOPS_ENVIRONMENT_RESOURCE_TYPE,
});

/**
 * Roll back with a direct commit to the branch clusters follow (no pull
 * request, no approvals): its own permission, meant to be denied by default,
 * granted to the few who answer incidents. @public
 */
export const gitopsRollbackEmergencyPermission: ResourcePermission<
  typeof GITOPS_ENVIRONMENT_RESOURCE_TYPE
> = createPermission({
  name: 'gitops.rollback.emergency',
  attributes: { action: 'update' },
  resourceType: GITOPS_ENVIRONMENT_RESOURCE_TYPE,
});

/** Approve someone else's promotion. @public */
export const gitopsApprovePermission: ResourcePermission<
  typeof GITOPS_ENVIRONMENT_RESOURCE_TYPE
> = createPermission({
  name: 'gitops.approve',
  attributes: { action: 'update' },
  resourceType: GITOPS_ENVIRONMENT_RESOURCE_TYPE,
});

/**
 * Add an environment to a GitOps repository's pipeline, or retire one: it
 * changes the pipeline file and every service's manifests, so it is its own
 * permission, meant to be denied by default and granted to platform
 * engineers. The resource ref is `<repositoryId>:*:<environment>`. @public
 */
export const gitopsEnvironmentManagePermission: ResourcePermission<
  typeof GITOPS_ENVIRONMENT_RESOURCE_TYPE
> = createPermission({
  name: 'gitops.environment.manage',
  attributes: { action: 'create' },
  resourceType: GITOPS_ENVIRONMENT_RESOURCE_TYPE,
});

/** Every permission of the plugin, for registration. @public */
export const gitopsPermissions = [
  gitopsReadPermission,
  gitopsRefreshPermission,
  gitopsPromotePermission,
  gitopsRollbackPermission,
  gitopsRollbackEmergencyPermission,
  gitopsApprovePermission,
  gitopsEnvironmentManagePermission,
];
