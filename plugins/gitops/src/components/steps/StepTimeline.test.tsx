import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import { gitopsApiRef } from '../../api';
import {
  MockGitopsApi,
  backendError,
  createFakeGitopsApi,
} from '../../__testUtils__/fixtures';
import {
  makeAutoRolledBack,
  makeFailedVerificationSteps,
  makeRunningVerificationSteps,
  makeVerifyingPromotion,
} from '../../__testUtils__/stepFixtures';
import { LiveActionsContext } from '../promotion';
import { StepTimeline } from './StepTimeline';
import { SETTLE_FOLLOW_UPS, STEPS_POLL_LIMIT_MS } from './useActionSteps';

function render(
  api: MockGitopsApi,
  action: GitopsAction,
  options: { actions?: GitopsAction[]; onSettled?: () => void } = {},
) {
  return renderInTestApp(
    <TestApiProvider apis={[[gitopsApiRef, api]]}>
      <LiveActionsContext.Provider value={options.actions}>
        <StepTimeline action={action} onSettled={options.onSettled} />
      </LiveActionsContext.Provider>
    </TestApiProvider>,
  );
}

const timeline = () =>
  screen.getByRole('region', { name: 'Deployment steps of action #31' });
const stepItem = (name: string) =>
  screen
    .getAllByTestId('gitops-step')
    .find(s => s.getAttribute('data-step-name') === name)!;

describe('StepTimeline', () => {
  it('lists each step by environment and phase with its state, type, attempt, timing, message and output', async () => {
    const api = createFakeGitopsApi();
    api.getActionSteps.mockResolvedValue({
      items: makeFailedVerificationSteps(),
    });
    const [, failed] = makeAutoRolledBack();
    await render(api, failed);
    await screen.findAllByTestId('gitops-step');
    expect(api.getActionSteps).toHaveBeenCalledWith('31');

    const region = within(timeline());
    expect(
      region
        .getByRole('list', { name: 'staging: steps before the write' })
        .querySelectorAll('li'),
    ).toHaveLength(1);
    const after = region.getByRole('list', {
      name: 'staging: steps after the merge (verification)',
    });
    // In pipeline order.
    expect(
      Array.from(after.querySelectorAll('li'), li =>
        li.getAttribute('data-step-name'),
      ),
    ).toEqual(['wait-healthy', 'smoke', 'error-rate', 'tell-owners']);

    const smoke = stepItem('smoke');
    expect(smoke).toHaveAttribute('data-state', 'failed');
    expect(smoke).toHaveTextContent('smoke');
    expect(smoke).toHaveTextContent('http');
    expect(smoke).toHaveTextContent('failed');
    expect(smoke).toHaveTextContent('attempt 3');
    expect(smoke).toHaveTextContent('took 16 s');
    expect(smoke).toHaveTextContent('HTTP 500');
    expect(smoke).toHaveTextContent('failureStatus "5xx"');
    expect(within(smoke).getByRole('link')).toHaveAttribute(
      'href',
      'https://staging.guestbook.example.com/healthz',
    );

    const waitHealthy = stepItem('wait-healthy');
    expect(waitHealthy).toHaveTextContent('passed');
    expect(waitHealthy).toHaveTextContent('took 42 s');
    expect(waitHealthy).toHaveTextContent('health Healthy');
    expect(waitHealthy).toHaveTextContent('observedVersions 1.4.3');

    const errorRate = stepItem('error-rate');
    expect(errorRate).toHaveTextContent('value 0.002');
    expect(errorRate).toHaveTextContent('1 of 1 successes');
    expect(errorRate).toHaveTextContent(
      'query sum(rate(http_errors_total[5m]))',
    );
    expect(stepItem('checks')).toHaveTextContent('took 800 ms');
  });

  it('says that the pipeline defines no steps for an environment, instead of an empty list', async () => {
    const api = createFakeGitopsApi();
    await render(api, {
      ...makeVerifyingPromotion(),
      state: 'succeeded',
      environments: ['prod-us', 'prod-eu'],
    });
    const empty = await screen.findAllByTestId('gitops-steps-empty');
    expect(empty.map(e => e.textContent)).toEqual([
      'No deployment steps for prod-us: the pipeline defines none',
      'No deployment steps for prod-eu: the pipeline defines none',
    ]);
    expect(screen.queryByTestId('gitops-step')).not.toBeInTheDocument();
  });

  it('says that steps run later while the request awaits approval', async () => {
    const api = createFakeGitopsApi();
    await render(api, {
      ...makeVerifyingPromotion(),
      state: 'awaiting-approval',
    });
    expect(await screen.findByTestId('gitops-steps-empty')).toHaveTextContent(
      'No deployment steps for staging yet: they run when the change is written and once it is merged',
    );
  });

  it("shows the endpoint's error as a message, not a crash", async () => {
    const api = createFakeGitopsApi();
    api.getActionSteps.mockRejectedValue(
      await backendError(
        404,
        'Not Found',
        'NotFoundError',
        'unknown action #31',
      ),
    );
    await render(api, makeVerifyingPromotion());
    expect(await screen.findByTestId('gitops-steps-error')).toHaveTextContent(
      'Could not load the deployment steps: unknown action #31',
    );
    expect(timeline()).toBeInTheDocument();
  });

  it('shows what the verification policy did: the automatic rollback', async () => {
    const api = createFakeGitopsApi();
    api.getActionSteps.mockResolvedValue({
      items: makeFailedVerificationSteps(),
    });
    const actions = makeAutoRolledBack();
    await render(api, actions[1], { actions });
    expect(
      await screen.findByTestId('gitops-step-auto-rollback'),
    ).toHaveTextContent(
      'Verification failed: the verification policy rolled staging back automatically to 1.4.2, rollback #32 (merged).',
    );
  });

  it('says nothing about a rollback that undoes another action', async () => {
    const api = createFakeGitopsApi();
    const [rollback, failed] = makeAutoRolledBack();
    const other = { ...failed, id: '3' };
    await render(api, other, { actions: [rollback, other] });
    await screen.findByTestId('gitops-steps-empty');
    expect(
      screen.queryByTestId('gitops-step-auto-rollback'),
    ).not.toBeInTheDocument();
  });
});

describe('StepTimeline: live updates', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const tick = (ms: number) =>
    act(async () => {
      jest.advanceTimersByTime(ms);
    });

  it('polls every 5 s while a step is open, and stops once every step is final', async () => {
    const api = createFakeGitopsApi();
    api.getActionSteps
      .mockResolvedValueOnce({ items: makeRunningVerificationSteps() })
      .mockResolvedValue({ items: makeFailedVerificationSteps() });
    const onSettled = jest.fn();
    await render(api, makeVerifyingPromotion(), { onSettled });
    await waitFor(() =>
      expect(stepItem('smoke')).toHaveAttribute('data-state', 'running'),
    );
    expect(stepItem('smoke')).toHaveTextContent('1 of 3 successes');
    expect(stepItem('error-rate')).toHaveTextContent('pending');
    expect(stepItem('error-rate')).toHaveTextContent('not started');
    expect(timeline()).toHaveAttribute('data-live', 'true');
    expect(api.getActionSteps).toHaveBeenCalledTimes(1);

    await tick(5000);
    await waitFor(() =>
      expect(stepItem('smoke')).toHaveAttribute('data-state', 'failed'),
    );
    expect(api.getActionSteps).toHaveBeenCalledTimes(2);
    await waitFor(() => expect(onSettled).toHaveBeenCalledTimes(1));
    expect(timeline()).toHaveAttribute('data-live', 'false');

    await tick(60_000);
    expect(api.getActionSteps).toHaveBeenCalledTimes(2);
    // The action still says merged (nobody refetched it here): asked a few
    // more times to refetch it, then no more.
    expect(onSettled).toHaveBeenCalledTimes(1 + SETTLE_FOLLOW_UPS);
  });

  it('does not poll when every step is final from the start', async () => {
    const api = createFakeGitopsApi();
    api.getActionSteps.mockResolvedValue({
      items: makeFailedVerificationSteps(),
    });
    const onSettled = jest.fn();
    await render(api, makeAutoRolledBack()[1], { onSettled });
    await screen.findAllByTestId('gitops-step');
    await tick(60_000);
    expect(api.getActionSteps).toHaveBeenCalledTimes(1);
    expect(onSettled).not.toHaveBeenCalled();
  });

  it('keeps the last steps on screen when a poll fails', async () => {
    const api = createFakeGitopsApi();
    api.getActionSteps
      .mockResolvedValueOnce({ items: makeRunningVerificationSteps() })
      .mockRejectedValueOnce(new Error('backend restarting'));
    await render(api, makeVerifyingPromotion());
    await waitFor(() =>
      expect(stepItem('smoke')).toHaveAttribute('data-state', 'running'),
    );
    await tick(5000);
    expect(await screen.findByTestId('gitops-steps-error')).toHaveTextContent(
      'Could not refresh the deployment steps, showing what was loaded before: backend restarting',
    );
    expect(stepItem('smoke')).toHaveAttribute('data-state', 'running');
  });

  it('stops live updates after an hour of open steps, and Refresh starts them again', async () => {
    const api = createFakeGitopsApi();
    api.getActionSteps.mockResolvedValue({
      items: makeRunningVerificationSteps(),
    });
    await render(api, makeVerifyingPromotion());
    await waitFor(() =>
      expect(timeline()).toHaveAttribute('data-live', 'true'),
    );
    await tick(STEPS_POLL_LIMIT_MS);
    expect(
      await screen.findByText('Live updates stopped after an hour.'),
    ).toBeInTheDocument();
    expect(timeline()).toHaveAttribute('data-live', 'false');
    const calls = api.getActionSteps.mock.calls.length;
    await tick(60_000);
    expect(api.getActionSteps).toHaveBeenCalledTimes(calls);

    fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() =>
      expect(api.getActionSteps).toHaveBeenCalledTimes(calls + 1),
    );
    expect(timeline()).toHaveAttribute('data-live', 'true');
  });
});
