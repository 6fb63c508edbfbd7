import type { GateResult } from '@gitops2/plugin-gitops-common';
import { Gate, GateContext } from './types';

/**
 * The version must have run long enough in the source environment. Fails
 * (never skips) when that cannot be known, e.g. for an explicit version.
 */
export class SoakTimeGate implements Gate {
  readonly name = 'soak-time';
  readonly appliesTo: Array<'promotion' | 'rollback'> = ['promotion'];

  async evaluate(ctx: GateContext): Promise<GateResult[]> {
    return ctx.targets.flatMap(env => {
      const need = env.promotion?.soakTimeSeconds;
      if (!need) return [];
      if (!ctx.sourceEnvironment || !ctx.sourceSince) {
        return [
          {
            gate: this.name,
            environment: env.name,
            status: 'failed' as const,
            message: `needs ${need}s in the source environment, which is unknown for an explicit version`,
          },
        ];
      }
      const soaked = (ctx.now.getTime() - Date.parse(ctx.sourceSince)) / 1000;
      return [
        {
          gate: this.name,
          environment: env.name,
          status: soaked >= need ? ('passed' as const) : ('failed' as const),
          message:
            soaked >= need
              ? `${Math.floor(soaked)}s in ${
                  ctx.sourceEnvironment
                } (needs ${need}s)`
              : `only ${Math.floor(soaked)}s in ${ctx.sourceEnvironment}; ${
                  env.name
                } needs ${need}s`,
        },
      ];
    });
  }
}
