import { NotifyStep } from './NotifyStep';
import { stepContext, stepDefinition } from './__testUtils__/stepContext';
import type { StepContext } from './types';

const step = new NotifyStep();

describe('NotifyStep', () => {
  it('sends the notification with its templates filled', async () => {
    const sent: Array<Parameters<StepContext['notify']>[0]> = [];
    const result = await step.run(
      stepDefinition('notify', {
        title: '{service} {version} is live in {environment}',
        description: 'requested by {action.requestedBy}',
        severity: 'low',
        link: '{environment.url}/about',
      }),
      stepContext({ notify: async n => void sent.push(n) }),
    );
    expect(sent).toEqual([
      {
        title: 'guestbook-ui 1.4.2 is live in staging',
        description: 'requested by user:default/alice',
        severity: 'low',
        link: 'https://staging.guestbook.example.com/about',
      },
    ]);
    expect(result).toEqual({
      status: 'passed',
      message: 'notified: guestbook-ui 1.4.2 is live in staging',
      output: {
        title: 'guestbook-ui 1.4.2 is live in staging',
        severity: 'low',
      },
    });
  });

  it('has a default title and severity', async () => {
    const sent: Array<Parameters<StepContext['notify']>[0]> = [];
    await step.run(
      stepDefinition('notify', {}),
      stepContext({ notify: async n => void sent.push(n) }),
    );
    expect(sent).toEqual([
      {
        title: 'promotion of guestbook-ui 1.4.2 to staging',
        severity: 'normal',
      },
    ]);
  });

  it('fails with the message when sending throws', async () => {
    const result = await step.run(
      stepDefinition('notify', {}),
      stepContext({
        notify: async () => {
          throw new Error('notifications service unavailable');
        },
      }),
    );
    expect(result).toMatchObject({
      status: 'failed',
      message:
        'the notification could not be sent: notifications service unavailable',
    });
  });

  it('fails when a template has no value', async () => {
    const result = await step.run(
      stepDefinition('notify', { link: '{environment.url}/about' }),
      stepContext({
        environment: { name: 'qa', stage: 'qa', stageIndex: 1 },
        notify: async () => undefined,
      }),
    );
    expect(result).toEqual({
      status: 'failed',
      message:
        '{environment.url} is used but environment "qa" has no url in the pipeline file',
    });
  });
});
