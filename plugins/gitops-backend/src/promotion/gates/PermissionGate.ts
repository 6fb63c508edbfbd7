import type { PermissionsService } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  gitopsPromotePermission,
  gitopsRollbackEmergencyPermission,
  gitopsRollbackPermission,
  GateResult,
} from '@gitops2/plugin-gitops-common';
import { serviceWriteDenial } from '../checks/servicePrincipals';
import { AUTO_PROMOTE_INITIATOR, AUTO_ROLLBACK_INITIATOR } from '../types';
import { Gate, GateContext } from './types';
import { PERMISSION_UNREACHABLE } from './permissionUnreachable';

/** The resource ref policies see: `<repository>:<service>:<environment>`. */
export const environmentResourceRef = (
  repo: string,
  service: string,
  env: string,
) => `${repo}:${service}:${env}`;

/** The permissions a write needs on each target environment. */
export function writePermissionsOf(ctx: {
  kind: GateContext['kind'];
  gateKind: GateContext['gateKind'];
  emergency: boolean;
}): ResourcePermission<'gitops-environment'>[] {
  const needed: ResourcePermission<'gitops-environment'>[] = [];
  if (ctx.kind === 'rollback') needed.push(gitopsRollbackPermission);
  if (ctx.gateKind === 'promotion') needed.push(gitopsPromotePermission);
  if (ctx.emergency) needed.push(gitopsRollbackEmergencyPermission);
  return needed;
}

/**
 * Asks the permission framework, per target environment, whether the
 * caller may make this write now: `gitops.promote`, `gitops.rollback`, both
 * for a rollback to a version the environment never ran, and
 * `gitops.rollback.emergency` for a direct rollback. Deny by default: an
 * unreachable permission backend, a conditional decision or missing
 * credentials are denials. The system doors: the automatic-promotion policy
 * may promote (the pipeline file is its authority) but never roll back; the
 * automatic-rollback policy (a failed verification) may only restore a
 * version the environment ran, never in an emergency;
 * reconciliation only finishes actions authorized when they were written.
 * A pull request branch written on an approval needs no write permission
 * (it changes nothing clusters follow); its merge does. Service principals
 * need an explicit grant in their token's access restrictions
 * (checks/servicePrincipals.ts).
 */
export class PermissionGate implements Gate {
  readonly name = 'permission';
  readonly appliesTo: Array<'promotion' | 'rollback'> = [
    'promotion',
    'rollback',
  ];

  constructor(private readonly permissions: PermissionsService) {}

  async evaluate(ctx: GateContext): Promise<GateResult[]> {
    const each = (status: GateResult['status'], message: string) =>
      ctx.targets.map(t => ({
        gate: this.name,
        environment: t.name,
        status,
        message,
      }));
    if (ctx.step === 'branch') {
      return each(
        'passed',
        'pull request branch written on approval; merging it needs the write permission',
      );
    }
    if (!ctx.credentials) {
      if (ctx.door === 'reconciliation' && ctx.actionId) {
        return each(
          'skipped',
          `reconciliation finishes action #${ctx.actionId}, authorized when it was written`,
        );
      }
      if (
        ctx.door === 'scheduler' &&
        ctx.initiator === AUTO_PROMOTE_INITIATOR &&
        ctx.kind === 'promotion'
      ) {
        return each('passed', `automatic promotion by ${ctx.initiator}`);
      }
      if (
        ctx.door === 'scheduler' &&
        ctx.initiator === AUTO_ROLLBACK_INITIATOR &&
        ctx.kind === 'rollback' &&
        ctx.gateKind === 'rollback' &&
        !ctx.emergency
      ) {
        return each(
          'passed',
          'automatic rollback after a failed verification, to a version the environment ran',
        );
      }
      return each('failed', 'denied: no credentials');
    }
    const needed = writePermissionsOf(ctx);
    const serviceDenials = needed
      .map(p => serviceWriteDenial(ctx.credentials!, p.name))
      .filter((m): m is string => Boolean(m));
    if (serviceDenials.length) return each('failed', serviceDenials.join('; '));
    const requests = ctx.targets.flatMap(t =>
      needed.map(permission => ({
        permission,
        resourceRef: environmentResourceRef(
          ctx.repositoryId,
          ctx.service,
          t.name,
        ),
      })),
    );
    let decisions;
    try {
      decisions = await this.permissions.authorize(requests, {
        credentials: ctx.credentials,
      });
    } catch {
      return each('failed', PERMISSION_UNREACHABLE);
    }
    return ctx.targets.map((t, i) => {
      const mine = decisions.slice(i * needed.length, (i + 1) * needed.length);
      const denied = needed.filter(
        (_, j) => mine[j]?.result !== AuthorizeResult.ALLOW,
      );
      return denied.length
        ? {
            gate: this.name,
            environment: t.name,
            status: 'failed' as const,
            message: `${denied.map(p => p.name).join(' and ')} denied for ${
              t.name
            }`,
          }
        : {
            gate: this.name,
            environment: t.name,
            status: 'passed' as const,
            message: `${needed.map(p => p.name).join(' and ')} allowed`,
          };
    });
  }
}
