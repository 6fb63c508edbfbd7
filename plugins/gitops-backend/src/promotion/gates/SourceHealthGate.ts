import type { GateResult, HealthStatus } from '@gitops2/plugin-gitops-common';
import { Gate, GateContext } from './types';

/** What cluster observation knows about one service in one environment. */
export interface ObservedSource {
  /** The cluster's watch connection: only `connected` makes a status current. */
  connection?: { cluster: string; state: string; message?: string };
  /** The last status written for the service there, if any. */
  status?: {
    health: HealthStatus | string;
    sync: string;
    observedVersions: string[];
  };
}

/**
 * Does one of the observed versions (tags or image references read from
 * the running containers) stand for `version`?
 */
export function runsVersion(observedVersions: string[], version: string) {
  return observedVersions.some(
    v =>
      v === version || v.endsWith(`:${version}`) || v.endsWith(`@${version}`),
  );
}

/**
 * Undefined when no cluster observation covers the environment at all
 * (Git alone cannot tell health: the gate is skipped and says so).
 */
export type ObservedSourceLookup = (
  repositoryId: string,
  service: string,
  environment: string,
) => Promise<ObservedSource | undefined>;

/**
 * The source environment must be healthy, synced and actually running the
 * version being promoted, as a cluster that is reachable right now reports
 * it. An unreachable cluster's last status does not count, and a lookup
 * that fails is a failure, not a pass.
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
    const fail = (message: string): GateResult[] => [
      { gate: this.name, environment: env, status: 'failed', message },
    ];
    let observed: ObservedSource | undefined;
    try {
      observed = await this.lookup(ctx.repositoryId, ctx.service, env);
    } catch (e) {
      return fail(
        `cluster observation of ${env} could not be read (${
          (e as Error).message
        })`,
      );
    }
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
    const { connection, status } = observed;
    if (connection && connection.state !== 'connected') {
      return fail(
        `cluster ${connection.cluster} of ${env} is ${connection.state}${
          connection.message ? ` (${connection.message})` : ''
        }: its last known status does not count`,
      );
    }
    if (!status) {
      return fail(`no status of ${ctx.service} in ${env} was observed yet`);
    }
    const problems: string[] = [];
    if (status.health !== 'Healthy')
      problems.push(`${env} is ${status.health}`);
    if (status.sync === 'OutOfSync')
      problems.push(`${env} is out of sync with Git`);
    if (!runsVersion(status.observedVersions, ctx.version)) {
      problems.push(
        `${env} does not run ${ctx.version} yet (observed: ${
          status.observedVersions.join(', ') || 'nothing'
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
