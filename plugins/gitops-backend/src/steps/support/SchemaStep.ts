import type { z } from 'zod';
import type {
  StepAttemptResult,
  StepContext,
  StepDefinition,
  StepType,
} from '../types';
import { parseOptions, validateWith } from './options';

/**
 * A step type whose options are a zod schema: validating them (for the
 * pipeline parser, with `file:line`) and reading them at each attempt (a
 * definition that no longer validates fails the attempt, never skips it)
 * are the same for every type; a type only says what one attempt does.
 */
export abstract class SchemaStep<T> implements StepType {
  abstract readonly type: string;
  protected abstract readonly schema: z.ZodType<T>;

  validateOptions(options: unknown): string | undefined {
    return validateWith(this.type, this.schema, options);
  }

  async run(
    step: StepDefinition,
    ctx: StepContext,
  ): Promise<StepAttemptResult> {
    const parsed = parseOptions(this.type, this.schema, step.options);
    if ('problem' in parsed)
      return { status: 'failed', message: parsed.problem };
    return this.attempt(parsed.options, step, ctx);
  }

  /** One attempt with the step's valid options. */
  protected abstract attempt(
    options: T,
    step: StepDefinition,
    ctx: StepContext,
  ): Promise<StepAttemptResult>;
}
