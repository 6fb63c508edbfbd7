import { z } from 'zod';
import { errorMessage } from './support/attempts';
import { templateOption } from './support/options';
import { renderTemplate, templateValues } from './support/templates';
import type { StepAttemptResult, StepContext, StepDefinition } from './types';
import { SchemaStep } from './support/SchemaStep';

const schema = z
  .object({
    title: templateOption()
      .pipe(z.string().min(1).max(200))
      .default('{action.kind} of {service} {version} to {environment}'),
    description: templateOption().optional(),
    severity: z.enum(['critical', 'high', 'normal', 'low']).default('normal'),
    /** An http(s) URL or a path of the portal, e.g. a dashboard. */
    link: templateOption()
      .refine(
        v => /^(https?:\/\/|\/|\{environment\.url\})/i.test(v),
        'must be an http(s) URL, a path starting with / or start with {environment.url}',
      )
      .optional(),
  })
  .strict();

/**
 * A Backstage notification to the service's owners and the requester
 * (the engine's `ctx.notify`, which sends through the notifications
 * service with one `scope` per action, so updates replace each other;
 * Slack or e-mail come from the portal's notification processors). It
 * passes unless sending throws.
 */
export class NotifyStep extends SchemaStep<z.infer<typeof schema>> {
  readonly type = 'notify';
  protected readonly schema = schema;

  protected async attempt(
    options: z.infer<typeof schema>,
    _step: StepDefinition,
    ctx: StepContext,
  ): Promise<StepAttemptResult> {
    const values = templateValues(ctx);
    let notification: Parameters<StepContext['notify']>[0];
    try {
      notification = {
        title: renderTemplate(options.title, values),
        severity: options.severity,
        ...(options.description
          ? { description: renderTemplate(options.description, values) }
          : {}),
        ...(options.link ? { link: renderTemplate(options.link, values) } : {}),
      };
    } catch (e) {
      return { status: 'failed', message: errorMessage(e) };
    }
    try {
      await ctx.notify(notification);
    } catch (e) {
      return {
        status: 'failed',
        message: `the notification could not be sent: ${errorMessage(e)}`,
        output: { title: notification.title },
      };
    }
    return {
      status: 'passed',
      message: `notified: ${notification.title}`,
      output: { title: notification.title, severity: notification.severity },
    };
  }
}
