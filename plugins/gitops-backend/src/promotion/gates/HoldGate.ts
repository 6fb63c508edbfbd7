import type { GateResult } from '@gitops2/plugin-gitops-common';
import { Gate, GateContext } from './types';

/**
 * A rolled-back version stays out of its environment until the hold is
 * lifted: neither a promotion nor a rollback may bring it back.
 */
export class HoldGate implements Gate {
  readonly name = 'hold';
  readonly appliesTo: Array<'promotion' | 'rollback'> = [
    'promotion',
    'rollback',
  ];

  async evaluate(ctx: GateContext): Promise<GateResult[]> {
    return ctx.targets.map(t => {
      const hold = ctx.holds.find(
        h => h.environment === t.name && h.version === ctx.version,
      );
      return hold
        ? {
            gate: this.name,
            environment: t.name,
            status: 'failed',
            message: `${ctx.version} was rolled back from ${t.name} by ${hold.createdBy} (${hold.reason}); lift hold #${hold.id} first`,
          }
        : {
            gate: this.name,
            environment: t.name,
            status: 'passed',
            message: 'no hold on this version',
          };
    });
  }
}
