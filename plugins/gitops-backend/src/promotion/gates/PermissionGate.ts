import type { PermissionsService } from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  gitopsPromotePermission,
  gitopsRollbackPermission,
  GateResult,
} from '@gitops2/plugin-gitops-common';
import { Gate, GateContext } from './types';

/** The resource ref policies see: `<repository>:<service>:<environment>`. */
export const environmentResourceRef = (
  repo: string,
  service: string,
  env: string,
) => `${repo}:${service}:${env}`;

/**
 * Asks the permission framework, per target environment. Deny by default:
 * an unreachable permission backend or a conditional decision counts as a
 * denial. Automatic promotions (no credentials) pass: the pipeline file's
 * policy is their authority.
 */
export class PermissionGate implements Gate {
  readonly name = 'permission';
  readonly appliesTo = ['promotion', 'rollback'] as const as Array<
    'promotion' | 'rollback'
  >;

  constructor(private readonly permissions: PermissionsService) {}

  async evaluate(ctx: GateContext): Promise<GateResult[]> {
    if (!ctx.credentials) {
      return ctx.targets.map(t => ({
        gate: this.name,
        environment: t.name,
        status: 'passed',
        message: `automatic promotion by ${ctx.initiator}`,
      }));
    }
    const permission =
      ctx.kind === 'rollback'
        ? gitopsRollbackPermission
        : gitopsPromotePermission;
    let decisions;
    try {
      decisions = await this.permissions.authorize(
        ctx.targets.map(t => ({
          permission,
          resourceRef: environmentResourceRef(
            ctx.repositoryId,
            ctx.service,
            t.name,
          ),
        })),
        { credentials: ctx.credentials },
      );
    } catch (e) {
      return ctx.targets.map(t => ({
        gate: this.name,
        environment: t.name,
        status: 'failed',
        message: `denied: the permission backend could not be asked (${
          (e as Error).message
        })`,
      }));
    }
    return ctx.targets.map((t, i) => ({
      gate: this.name,
      environment: t.name,
      status:
        decisions[i].result === AuthorizeResult.ALLOW ? 'passed' : 'failed',
      message:
        decisions[i].result === AuthorizeResult.ALLOW
          ? `${permission.name} allowed`
          : `${permission.name} denied for ${t.name}`,
    }));
  }
}
