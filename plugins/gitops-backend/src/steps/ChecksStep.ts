import type { ChecksSummary } from '@gitops2/plugin-gitops-common';
import { z } from 'zod';
import { errorMessage, notYet } from './support/attempts';
import { durationOption, parseDurationMs } from './support/options';
import type { StepAttemptResult, StepContext, StepDefinition } from './types';
import { SchemaStep } from './support/SchemaStep';

const schema = z
  .object({
    /** Only these checks (check run or status names); default all. */
    names: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
    /** How often the collected checks are read again. Default 30s. */
    interval: durationOption(1000).default('30s'),
  })
  .strict();

type Conclusion = ChecksSummary['items'][number]['conclusion'];
const GREEN: Conclusion[] = ['success', 'neutral', 'skipped'];

/** failure over pending over green, when a name appears more than once. */
function worst(conclusions: Conclusion[]): 'failure' | 'pending' | 'green' {
  if (conclusions.includes('failure')) return 'failure';
  if (conclusions.some(c => !GREEN.includes(c))) return 'pending';
  return 'green';
}

/**
 * The CI checks (GitHub check runs and statuses, as correlation collected
 * them) of the version's source commit are green: all of them, or the
 * named ones. Pending checks are waited for until the step's timeout; a
 * failed one fails at once; a named check that is not there fails, naming
 * what is.
 */
export class ChecksStep extends SchemaStep<z.infer<typeof schema>> {
  readonly type = 'checks';
  protected readonly schema = schema;

  protected async attempt(
    options: z.infer<typeof schema>,
    step: StepDefinition,
    ctx: StepContext,
  ): Promise<StepAttemptResult> {
    const { names } = options;
    const intervalMs = parseDurationMs(options.interval)!;
    const { version } = ctx.action;

    let summary: ChecksSummary | undefined;
    try {
      summary = await ctx.checks();
    } catch (e) {
      return notYet(step, ctx, intervalMs, {
        message: `the checks of ${version} could not be read (${errorMessage(
          e,
        )})`,
      });
    }
    if (!summary) {
      return notYet(step, ctx, intervalMs, {
        message: `no CI checks of the source commit of ${version} were collected yet`,
      });
    }

    const byName = new Map<string, Conclusion[]>();
    for (const item of summary.items) {
      byName.set(item.name, [
        ...(byName.get(item.name) ?? []),
        item.conclusion,
      ]);
    }
    const wanted = names ?? [...byName.keys()].sort();
    if (wanted.length === 0) {
      return {
        status: 'failed',
        message: `the source commit of ${version} has no CI checks`,
      };
    }
    const missing = wanted.filter(n => !byName.has(n));
    if (missing.length > 0) {
      return {
        status: 'failed',
        message: `${missing.map(n => `"${n}"`).join(', ')} ${
          missing.length === 1 ? 'is' : 'are'
        } not among the checks of ${version} (found: ${
          [...byName.keys()].sort().join(', ') || 'none'
        })`,
        output: { missing },
      };
    }
    const failed = wanted.filter(n => worst(byName.get(n)!) === 'failure');
    const pending = wanted.filter(n => worst(byName.get(n)!) === 'pending');
    const output = { checks: wanted.length, failed, pending };
    if (failed.length > 0) {
      return {
        status: 'failed',
        message: `${failed.join(', ')} failed on ${version}`,
        output,
      };
    }
    if (pending.length > 0) {
      return notYet(step, ctx, intervalMs, {
        message: `waiting for ${pending.join(', ')}`,
        output,
      });
    }
    return {
      status: 'passed',
      message: names
        ? `${wanted.join(', ')} passed on ${version}`
        : `all ${wanted.length} checks passed on ${version}`,
      output,
    };
  }
}
