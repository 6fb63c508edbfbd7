import type { GateResult, HealthStatus } from '@gitops2/plugin-gitops-common';
import { Gate, GateContext } from './types';

/** What the cluster observation says about one service in one environment. */
export interface ObservedSource {
  health: HealthStatus | string;
  sync: string;
  observedVersions: string[];
}

export type ObservedSourceLookup = (
  repositoryId: string,
  service: string,
  environment: string,
) => Promise<ObservedSource | undefined>;

/**
 * The source environment must be healthy, synced and actually running the
 * version being promoted. Without cluster observation for that environment
 * the gate is skipped (and says so): Git alone cannot tell health.
 */
export class SourceHealthGate implements Gate {
  readonly name = 'source-healthy';
  readonly appliesTo: Array<'promotion' | 'rollback'> = ['promotion'];

  constructor(private readonly lookup: ObservedSourceLookup) {}

  async evaluate(ctx: GateContext): Promise<GateResult[]> {
    const env = ctx.sourceEnvironment;
    if (!env) {
      return [
        {
          gate: this.name,
          status: 'skipped',
          message: 'an explicit version has no source environment to check',
        },
      ];
    }
    const observed = await this.lookup(
      ctx.repositoryId,
      ctx.service,
      env,
    ).catch(() => undefined);
    if (!observed) {
      return [
        {
          gate: this.name,
          environment: env,
          status: 'skipped',
          message: `no cluster observation for ${env}`,
        },
      ];
    }
    const problems: string[] = [];
    if (observed.health !== 'Healthy')
      problems.push(`${env} is ${observed.health}`);
    if (observed.sync === 'OutOfSync')
      problems.push(`${env} is out of sync with Git`);
    if (
      !observed.observedVersions.some(
        v =>
          v === ctx.version ||
          v.endsWith(`:${ctx.version}`) ||
          v.endsWith(`@${ctx.version}`),
      )
    ) {
      problems.push(
        `${env} does not run ${ctx.version} yet (observed: ${
          observed.observedVersions.join(', ') || 'nothing'
        })`,
      );
    }
    return [
      problems.length
        ? {
            gate: this.name,
            environment: env,
            status: 'failed',
            message: problems.join('; '),
          }
        : {
            gate: this.name,
            environment: env,
            status: 'passed',
            message: `${env} is healthy and synced on ${ctx.version}`,
          },
    ];
  }
}
