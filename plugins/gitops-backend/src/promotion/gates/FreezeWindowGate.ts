import type { GateResult } from '@gitops2/plugin-gitops-common';
import { Gate, GateContext } from './types';

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** No promotion into an environment during its freeze windows (UTC). Rollbacks are never frozen. */
export class FreezeWindowGate implements Gate {
  readonly name = 'freeze-window';
  readonly appliesTo: Array<'promotion' | 'rollback'> = ['promotion'];

  async evaluate(ctx: GateContext): Promise<GateResult[]> {
    const day = DAY_NAMES[ctx.now.getUTCDay()];
    const t = ctx.now.getTime();
    return ctx.targets.map(env => {
      const active = (env.promotion?.freezeWindows ?? []).find(w => {
        if (w.from && w.to && (t < Date.parse(w.from) || t >= Date.parse(w.to)))
          return false;
        if (w.days && !w.days.includes(day)) return false;
        return true;
      });
      return active
        ? {
            gate: this.name,
            environment: env.name,
            status: 'failed',
            message: `${env.name} is frozen${
              active.reason ? ` (${active.reason})` : ''
            }`,
          }
        : {
            gate: this.name,
            environment: env.name,
            status: 'passed',
            message: 'not in a freeze window',
          };
    });
  }
}
