import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isPermission,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  gitopsApprovePermission,
  gitopsEnvironmentManagePermission,
  gitopsPromotePermission,
  gitopsReadPermission,
  gitopsRefreshPermission,
  gitopsRollbackEmergencyPermission,
  gitopsRollbackPermission,
} from '@gitops2/plugin-gitops-common';

const TEAM = 'group:default/guestbook-team';
const RELEASE_MANAGERS = 'group:default/release-managers';

/**
 * The demo portal's policy. GitOps write actions are denied by default and
 * granted by group: members of the guestbook team and release managers may
 * promote and roll back; only release managers approve, roll back in an
 * emergency (a direct commit, without pull request or approval) and add
 * environments (gitops.environment.manage). Reads and a manual
 * ingestion refresh are allowed to signed-in users. The guestbook system's
 * entities are readable in the catalog only by the guestbook team and the
 * release managers: the visitor (demoVisitorAuth.ts) does not see them, so
 * the portal's answers to someone who may not read a service can be tried.
 * Everything else behaves like Backstage's allow-all demo policy.
 */
export class DemoPermissionPolicy implements PermissionPolicy {
  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const p = request.permission;
    const groups = new Set(
      user?.info.ownershipEntityRefs.map(r => r.toLocaleLowerCase('en-US')) ??
        [],
    );
    if (
      isPermission(p, gitopsPromotePermission) ||
      isPermission(p, gitopsRollbackPermission)
    ) {
      return {
        result:
          groups.has(TEAM) || groups.has(RELEASE_MANAGERS)
            ? AuthorizeResult.ALLOW
            : AuthorizeResult.DENY,
      };
    }
    if (
      isPermission(p, gitopsApprovePermission) ||
      isPermission(p, gitopsRollbackEmergencyPermission) ||
      isPermission(p, gitopsEnvironmentManagePermission)
    ) {
      return {
        result: groups.has(RELEASE_MANAGERS)
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
      };
    }
    if (
      isPermission(p, gitopsReadPermission) ||
      isPermission(p, gitopsRefreshPermission)
    ) {
      return { result: user ? AuthorizeResult.ALLOW : AuthorizeResult.DENY };
    }
    if (
      isResourcePermission(p, 'catalog-entity') &&
      p.attributes.action === 'read' &&
      user &&
      !groups.has(TEAM) &&
      !groups.has(RELEASE_MANAGERS)
    ) {
      return createCatalogConditionalDecision(p, {
        not: catalogConditions.hasSpec({ key: 'system', value: 'guestbook' }),
      });
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'gitops-demo-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new DemoPermissionPolicy());
      },
    });
  },
});
