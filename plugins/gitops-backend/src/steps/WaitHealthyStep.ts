import { z } from 'zod';
import {
  ObservedSource,
  runsVersion,
} from '../promotion/gates/SourceHealthGate';
import { errorMessage, notYet } from './support/attempts';
import { durationOption, parseDurationMs } from './support/options';
import type { StepAttemptResult, StepContext, StepDefinition } from './types';
import { SchemaStep } from './support/SchemaStep';

const schema = z
  .object({
    /** How often cluster observation is read again. Default 10s. */
    interval: durationOption(1000).default('10s'),
  })
  .strict();

/**
 * The environment runs the action's version, synced and healthy, as a
 * cluster that is connected right now reports it; until the step's
 * `timeout`. A cluster that is unreachable is not healthy, and an
 * environment no cluster observes cannot be verified at all (failed, not
 * skipped: verification never passes silently).
 */
export class WaitHealthyStep extends SchemaStep<z.infer<typeof schema>> {
  readonly type = 'wait-healthy';
  protected readonly schema = schema;

  protected async attempt(
    options: z.infer<typeof schema>,
    step: StepDefinition,
    ctx: StepContext,
  ): Promise<StepAttemptResult> {
    const intervalMs = parseDurationMs(options.interval)!;
    const env = ctx.environment.name;
    const { service, version } = ctx.action;

    let observed: ObservedSource | undefined;
    try {
      observed = await ctx.observed();
    } catch (e) {
      return notYet(step, ctx, intervalMs, {
        message: `cluster observation of ${env} could not be read (${errorMessage(
          e,
        )})`,
      });
    }
    if (!observed) {
      return {
        status: 'failed',
        message: `no cluster observation covers ${env}: wait-healthy cannot verify it (give the environment a cluster of gitops.clusters)`,
      };
    }

    const { connection, status } = observed;
    const output = {
      ...(connection
        ? { cluster: connection.cluster, connection: connection.state }
        : {}),
      ...(status
        ? {
            health: status.health,
            sync: status.sync,
            observedVersions: status.observedVersions,
          }
        : {}),
    };
    if (connection && connection.state !== 'connected') {
      return notYet(step, ctx, intervalMs, {
        message: `cluster ${connection.cluster} of ${env} is ${
          connection.state
        }${
          connection.message ? ` (${connection.message})` : ''
        }: its last known status does not count`,
        output,
      });
    }
    if (!status) {
      return notYet(step, ctx, intervalMs, {
        message: `no status of ${service} in ${env} was observed yet`,
        output,
      });
    }
    const problems: string[] = [];
    if (!runsVersion(status.observedVersions, version)) {
      problems.push(
        `${env} does not run ${version} yet (observed: ${
          status.observedVersions.join(', ') || 'nothing'
        })`,
      );
    }
    if (status.health !== 'Healthy')
      problems.push(`${env} is ${status.health}`);
    if (status.sync !== 'Synced') {
      problems.push(`${env} is ${status.sync}, not Synced with Git`);
    }
    if (problems.length > 0) {
      return notYet(step, ctx, intervalMs, {
        message: problems.join('; '),
        output,
      });
    }
    return {
      status: 'passed',
      message: `${env} runs ${version}, healthy and synced`,
      output,
    };
  }
}
