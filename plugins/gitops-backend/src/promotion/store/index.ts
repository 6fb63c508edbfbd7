import { Knex } from 'knex';
import { ActionLeases } from './ActionLeases';
import { ActionStore } from './ActionStore';
import { AuditLog } from './AuditLog';
import { EnvironmentLocks } from './EnvironmentLocks';
import { HoldStore } from './HoldStore';
import { StepRunStore } from '../../steps/engine/StepRunStore';

/** The write path's tables, one store each, on the ledger's database. */
export interface PromotionStores {
  actions: ActionStore;
  leases: ActionLeases;
  locks: EnvironmentLocks;
  holds: HoldStore;
  auditLog: AuditLog;
  /** Deployment steps of actions. */
  steps: StepRunStore;
}

export function createPromotionStores(db: Knex): PromotionStores {
  return {
    actions: new ActionStore(db),
    leases: new ActionLeases(db),
    locks: new EnvironmentLocks(db),
    holds: new HoldStore(db),
    auditLog: new AuditLog(db),
    steps: new StepRunStore(db),
  };
}

export { ActionStore, ActionLeases, AuditLog, EnvironmentLocks, HoldStore };
