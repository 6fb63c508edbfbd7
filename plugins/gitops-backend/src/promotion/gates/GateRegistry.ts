import type { PermissionsService } from '@backstage/backend-plugin-api';
import type { GateResult } from '@gitops2/plugin-gitops-common';
import { FreezeWindowGate } from './FreezeWindowGate';
import { HoldGate } from './HoldGate';
import { PermissionGate } from './PermissionGate';
import { RollbackHistoryGate } from './RollbackHistoryGate';
import { SoakTimeGate } from './SoakTimeGate';
import { ObservedSourceLookup, SourceHealthGate } from './SourceHealthGate';
import { Gate, GateContext } from './types';

/** The gates every promotion and rollback passes; approvals are counted by the engine. */
export class GateRegistry {
  private readonly gates: Gate[] = [];

  register(gate: Gate): this {
    if (this.gates.some(g => g.name === gate.name)) {
      throw new Error(`gate "${gate.name}" is registered twice`);
    }
    this.gates.push(gate);
    return this;
  }

  names(): string[] {
    return this.gates.map(g => g.name);
  }

  /**
   * Every gate that applies to the plan's gate kind. A gate that throws
   * fails (fail closed), naming the gate and the error.
   */
  async evaluate(ctx: GateContext): Promise<GateResult[]> {
    const results: GateResult[] = [];
    for (const gate of this.gates) {
      if (!gate.appliesTo.includes(ctx.gateKind)) continue;
      try {
        results.push(...(await gate.evaluate(ctx)));
      } catch (e) {
        results.push({
          gate: gate.name,
          status: 'failed',
          message: `the ${gate.name} gate could not be evaluated (${
            (e as Error).message
          })`,
        });
      }
    }
    return results;
  }
}

export function createDefaultGateRegistry(
  permissions: PermissionsService,
  observedSource?: ObservedSourceLookup,
): GateRegistry {
  const registry = new GateRegistry()
    .register(new PermissionGate(permissions))
    .register(new RollbackHistoryGate())
    .register(new HoldGate())
    .register(new FreezeWindowGate())
    .register(new SoakTimeGate());
  if (observedSource) registry.register(new SourceHealthGate(observedSource));
  return registry;
}
