import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isPermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  gitopsApprovePermission,
  gitopsPromotePermission,
  gitopsReadPermission,
  gitopsRefreshPermission,
  gitopsRollbackPermission,
} from '@gitops2/plugin-gitops-common';

/**
 * The demo portal's policy. GitOps write actions (promote, roll back,
 * approve) are denied by default: a deployment grants them explicitly in its
 * own policy. Reads and a manual ingestion refresh are allowed to signed-in
 * users; everything else behaves like Backstage's allow-all demo policy.
 */
export class DemoPermissionPolicy implements PermissionPolicy {
  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const p = request.permission;
    if (
      isPermission(p, gitopsPromotePermission) ||
      isPermission(p, gitopsRollbackPermission) ||
      isPermission(p, gitopsApprovePermission)
    ) {
      return { result: AuthorizeResult.DENY };
    }
    if (isPermission(p, gitopsReadPermission) || isPermission(p, gitopsRefreshPermission)) {
      return { result: user ? AuthorizeResult.ALLOW : AuthorizeResult.DENY };
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
