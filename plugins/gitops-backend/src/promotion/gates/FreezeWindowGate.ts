import type {
  GateResult,
  PromotionPolicy,
} from '@gitops2/plugin-gitops-common';
import { Gate, GateContext } from './types';

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

type Window = NonNullable<PromotionPolicy['freezeWindows']>[number];

/** The window of `env` active at `now` (UTC), if any. */
export function activeFreezeWindow(
  windows: Window[] | undefined,
  now: Date,
): Window | undefined {
  const day = DAY_NAMES[now.getUTCDay()];
  const t = now.getTime();
  return (windows ?? []).find(w => {
    if (w.from && w.to && (t < Date.parse(w.from) || t >= Date.parse(w.to)))
      return false;
    if (w.days && !w.days.includes(day)) return false;
    return true;
  });
}

/**
 * No write into an environment during its freeze windows (UTC), evaluated
 * at every step, so a window that starts after the request still stops the
 * write. Rollbacks pass only windows with `allowRollback`, emergency
 * rollbacks only windows with `allowEmergency`.
 */
export class FreezeWindowGate implements Gate {
  readonly name = 'freeze-window';
  readonly appliesTo: Array<'promotion' | 'rollback'> = [
    'promotion',
    'rollback',
  ];

  async evaluate(ctx: GateContext): Promise<GateResult[]> {
    return ctx.targets.map(env => {
      const active = activeFreezeWindow(env.promotion?.freezeWindows, ctx.now);
      const reason = active?.reason ? ` (${active.reason})` : '';
      if (!active) {
        return {
          gate: this.name,
          environment: env.name,
          status: 'passed',
          message: 'not in a freeze window',
        };
      }
      const allowed = ctx.emergency
        ? active.allowEmergency === true
        : ctx.gateKind === 'rollback' && active.allowRollback === true;
      if (allowed) {
        return {
          gate: this.name,
          environment: env.name,
          status: 'passed',
          message: `${env.name} is frozen${reason}; the window allows ${
            ctx.emergency ? 'emergency rollbacks' : 'rollbacks'
          }`,
        };
      }
      let what = 'no promotion until it ends';
      if (ctx.emergency)
        what = 'emergency rollbacks need allowEmergency on the window';
      else if (ctx.kind === 'rollback')
        what = 'rollbacks need allowRollback on the window';
      return {
        gate: this.name,
        environment: env.name,
        status: 'failed',
        message: `${env.name} is frozen${reason}: ${what}`,
      };
    });
  }
}
