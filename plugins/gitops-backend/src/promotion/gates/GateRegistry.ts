import type { PermissionsService } from '@backstage/backend-plugin-api';
import type { GateResult } from '@gitops2/plugin-gitops-common';
import { FreezeWindowGate } from './FreezeWindowGate';
import { HoldGate } from './HoldGate';
import { PermissionGate } from './PermissionGate';
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

  async evaluate(ctx: GateContext): Promise<GateResult[]> {
    const results: GateResult[] = [];
    for (const gate of this.gates) {
      if (!gate.appliesTo.includes(ctx.kind)) continue;
      results.push(...(await gate.evaluate(ctx)));
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
    .register(new HoldGate())
    .register(new FreezeWindowGate())
    .register(new SoakTimeGate());
  if (observedSource) registry.register(new SourceHealthGate(observedSource));
  return registry;
}
