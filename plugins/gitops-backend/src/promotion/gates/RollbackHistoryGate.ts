import type { GateResult } from '@gitops2/plugin-gitops-common';
import { Gate, GateContext } from './types';

/**
 * A rollback restores a version its environment ran before (the ledger
 * says so). Any other version passes the promotion's gates and needs
 * `gitops.promote` too; an emergency rollback may never bring one.
 */
export class RollbackHistoryGate implements Gate {
  readonly name = 'rollback-version';
  readonly appliesTo: Array<'promotion' | 'rollback'> = [
    'promotion',
    'rollback',
  ];

  async evaluate(ctx: GateContext): Promise<GateResult[]> {
    if (ctx.kind !== 'rollback') return [];
    return ctx.targets.map(t => {
      if (ctx.ranBeforeUntil) {
        return {
          gate: this.name,
          environment: t.name,
          status: 'passed',
          message: `${t.name} ran ${ctx.version} before (last set ${ctx.ranBeforeUntil})`,
        };
      }
      if (ctx.emergency) {
        return {
          gate: this.name,
          environment: t.name,
          status: 'failed',
          message: `${t.name} never ran ${ctx.version}: an emergency rollback cannot bring a new version`,
        };
      }
      return {
        gate: this.name,
        environment: t.name,
        status: 'passed',
        message: `${t.name} never ran ${ctx.version}: this rollback passes the promotion gates and needs gitops.promote`,
      };
    });
  }
}
