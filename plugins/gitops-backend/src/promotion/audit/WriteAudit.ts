import type {
  AuditorService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import type { AuditEntry, AuditLog } from '../store/AuditLog';
import type { Caller } from '../types';

export type AuditFields = Omit<AuditEntry, 'actor' | 'door' | 'severity'> & {
  severity?: AuditEntry['severity'];
};

/**
 * The one place every write attempt is audited, whatever its door: a row in
 * the ledger's audit table and an event of Backstage's auditor service, with
 * the same fields (actor, door, action, environments, versions, result,
 * message). Writes are `medium`, emergency rollbacks `high` (Backstage's
 * levels: medium for write endpoints, high for permission-level changes).
 */
export class WriteAudit {
  constructor(
    private readonly log: AuditLog,
    private readonly auditor: AuditorService | undefined,
    private readonly logger: LoggerService,
  ) {}

  /** Whether the merge of an action was audited already (a resumed finish). */
  hasMerge(actionId: string): Promise<boolean> {
    return this.log.hasMerge(actionId);
  }

  async record(caller: Caller, fields: AuditFields): Promise<void> {
    const entry: AuditEntry = {
      ...fields,
      severity: fields.severity ?? 'medium',
      actor: caller.initiator,
      door: caller.door,
    };
    await this.log.append(entry);
    if (!this.auditor) return;
    try {
      const event = await this.auditor.createEvent({
        eventId: entry.action,
        severityLevel: entry.severity,
        request: caller.request,
        meta: {
          actor: entry.actor,
          door: entry.door,
          result: entry.result,
          ...(entry.repositoryId ? { repositoryId: entry.repositoryId } : {}),
          ...(entry.service ? { service: entry.service } : {}),
          ...(entry.environments ? { environments: entry.environments } : {}),
          ...(entry.fromVersion ? { fromVersion: entry.fromVersion } : {}),
          ...(entry.toVersion ? { toVersion: entry.toVersion } : {}),
          ...(entry.actionId ? { actionId: entry.actionId } : {}),
        },
      });
      if (entry.result === 'succeeded') {
        await event.success({
          meta: entry.message ? { message: entry.message } : {},
        });
      } else {
        await event.fail({ error: new Error(entry.message ?? entry.result) });
      }
    } catch (e) {
      // The ledger row is written; the auditor's sink failing must not turn
      // an audited attempt into an unaudited crash.
      this.logger.warn(
        `auditor event ${entry.action} failed: ${(e as Error).message}`,
      );
    }
  }

  /** An attempt on an action id that does not exist: audited, then 404. */
  async unknownAction(
    caller: Caller,
    what: string,
    actionId: string,
  ): Promise<never> {
    const message = `unknown action #${actionId}`;
    await this.record(caller, { action: what, result: 'refused', message });
    throw new NotFoundError(message);
  }

  /** One row about an existing action (its environments and version). */
  recordAction(
    caller: Caller,
    action: GitopsAction,
    what: string,
    result: AuditEntry['result'],
    message?: string,
  ): Promise<void> {
    return this.record(caller, {
      action: what,
      severity: action.emergency ? 'high' : 'medium',
      repositoryId: action.repositoryId,
      service: action.service,
      environments: action.environments,
      fromVersion: action.changes[0]?.fromVersion ?? null,
      toVersion: action.version,
      result,
      message,
      actionId: action.id,
    });
  }
}
