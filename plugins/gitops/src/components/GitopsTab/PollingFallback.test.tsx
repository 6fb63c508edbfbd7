import { act, screen, waitFor } from '@testing-library/react';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import { identityApiRef } from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { gitopsApiRef } from '../../api';
import {
  MockGitopsApi,
  createFakeGitopsApi,
  currentUser,
  entity,
} from '../../__testUtils__/fixtures';
import { fakeSignals } from '../../__testUtils__/fakeSignals';
import { GitopsTab } from './GitopsTab';

/** Issue #11: polling is a slow fallback, every 60 s, while signals are not connected. */
const FALLBACK_MS = 60_000;
/** The backend's heartbeat on the channel (docs/configuration.md#live-updates). */
const HEARTBEAT_MS = 20_000;

const CART = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const REPO = 'feed0000feed0000feed0000feed0000';

// The whole tab renders: seconds on 2 loaded cores.
jest.setTimeout(60_000);

/** What the tab asks the backend for, per endpoint. */
function calls(api: MockGitopsApi) {
  return {
    status: api.getServiceStatus.mock.calls.length,
    rollouts: api.getRollouts.mock.calls.length,
    actions: api.getActions.mock.calls.length,
    holds: api.getHolds.mock.calls.length,
    live: api.getLive.mock.calls.length,
    dashboard: api.getDashboard.mock.calls.length,
  };
}
type Calls = ReturnType<typeof calls>;

function expectEveryEndpointAskedAgain(api: MockGitopsApi, before: Calls) {
  const now = calls(api);
  for (const endpoint of Object.keys(before) as Array<keyof Calls>) {
    expect({ endpoint, asked: now[endpoint] > before[endpoint] }).toEqual({
      endpoint,
      asked: true,
    });
  }
}

const advance = (ms: number) =>
  act(async () => {
    jest.advanceTimersByTime(ms);
  });

/** Renders the tab, with or without a signals API, and waits for its first loads. */
async function renderTab(signals?: ReturnType<typeof fakeSignals>) {
  const api = createFakeGitopsApi();
  const status = api.getServiceStatus.getMockImplementation()!;
  api.getServiceStatus.mockImplementation(async ref => ({
    ...(await status(ref)),
    changeKey: CART,
    repositoryChangeKey: REPO,
  }));
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [gitopsApiRef, api],
        [identityApiRef, mockApis.identity({ userEntityRef: currentUser })],
        ...(signals ? [[signalApiRef, signals.api] as const] : []),
      ]}
    >
      <EntityProvider entity={entity}>
        <GitopsTab />
      </EntityProvider>
    </TestApiProvider>,
  );
  // Under fake timers a wait's timeout is fake time: allow the slow first render.
  const slow = { timeout: 20_000 };
  await screen.findByTestId('gitops-pipeline', {}, slow);
  await screen.findAllByTestId('gitops-action-row', {}, slow);
  await waitFor(() => {
    const c = calls(api);
    for (const n of Object.values(c)) expect(n).toBeGreaterThan(0);
  }, slow);
  // The first loads settle (the dashboard follows the status).
  await act(async () => {
    await new Promise(r => setTimeout(r, 50));
  });
  return api;
}

/** Advances `ms`, the backend's heartbeat arriving every 20 s meanwhile. */
async function advanceWithHeartbeats(
  signals: ReturnType<typeof fakeSignals>,
  ms: number,
) {
  for (let left = ms; left > 0; left -= HEARTBEAT_MS) {
    await advance(Math.min(HEARTBEAT_MS, left));
    await signals.heartbeat();
  }
}

describe('GitopsTab: polling fallback while signals are not connected', () => {
  beforeEach(() => jest.useFakeTimers({ advanceTimers: true }));
  afterEach(() => jest.useRealTimers());

  it('without the signals API, refetches status, rollouts, actions, holds, live status and dashboard every 60 s, and not before', async () => {
    const api = await renderTab();
    const before = calls(api);
    await advance(FALLBACK_MS / 2);
    expect(calls(api)).toEqual(before);
    await advance(FALLBACK_MS / 2);
    await waitFor(() => expectEveryEndpointAskedAgain(api, before));

    const second = calls(api);
    await advance(FALLBACK_MS);
    await waitFor(() => expectEveryEndpointAskedAgain(api, second));
  });

  it('with the signals API but no message ever received (socket never connected), polls the same way', async () => {
    const signals = fakeSignals();
    const api = await renderTab(signals);
    await waitFor(() => expect(signals.count()).toBeGreaterThan(0));
    const before = calls(api);
    await advance(FALLBACK_MS);
    await waitFor(() => expectEveryEndpointAskedAgain(api, before));
  });
});

describe('GitopsTab: signals connected', () => {
  beforeEach(() => jest.useFakeTimers({ advanceTimers: true }));
  afterEach(() => jest.useRealTimers());

  it('does not poll while heartbeats arrive; a change signal of its key refetches status and rollouts', async () => {
    const signals = fakeSignals();
    const api = await renderTab(signals);
    await waitFor(() => expect(signals.count()).toBeGreaterThan(0));
    await signals.heartbeat();
    const before = calls(api);
    await advanceWithHeartbeats(signals, 3 * FALLBACK_MS);
    expect(calls(api)).toEqual(before);

    await signals.send({ key: REPO, kind: 'rollouts' });
    await waitFor(() => {
      const now = calls(api);
      expect(now.status).toBeGreaterThan(before.status);
      expect(now.rollouts).toBeGreaterThan(before.rollouts);
    });
  });

  it("a live-status signal of its key refetches the live status and the dashboard, not the service's status, rollouts, actions or holds", async () => {
    const signals = fakeSignals();
    const api = await renderTab(signals);
    await waitFor(() => expect(signals.count()).toBeGreaterThan(0));
    await signals.heartbeat();
    const before = calls(api);

    await signals.send({ key: CART, kind: 'live' });
    await waitFor(() => expect(calls(api).live).toBeGreaterThan(before.live));
    // Whatever else it would refetch has been asked for by now.
    await act(async () => {
      await new Promise(r => setTimeout(r, 100));
    });
    const now = calls(api);
    expect(now.dashboard).toBeGreaterThan(before.dashboard);
    expect({
      status: now.status,
      rollouts: now.rollouts,
      actions: now.actions,
      holds: now.holds,
    }).toEqual({
      status: before.status,
      rollouts: before.rollouts,
      actions: before.actions,
      holds: before.holds,
    });
  });

  it('when the heartbeats stop, refetches at once and polls every 60 s; when they come back, refetches once and stops polling', async () => {
    const signals = fakeSignals();
    const api = await renderTab(signals);
    await waitFor(() => expect(signals.count()).toBeGreaterThan(0));
    await signals.heartbeat();
    await advanceWithHeartbeats(signals, FALLBACK_MS);
    const connected = calls(api);

    // Silence: three heartbeats missed (60 s) → counted as lost.
    await advance(FALLBACK_MS);
    await waitFor(() => expectEveryEndpointAskedAgain(api, connected));
    const lost = calls(api);
    await advance(FALLBACK_MS);
    await waitFor(() => expectEveryEndpointAskedAgain(api, lost));

    // Back: one refetch (what was signalled meanwhile), then no polling.
    const beforeBack = calls(api);
    await signals.heartbeat();
    await waitFor(() => expectEveryEndpointAskedAgain(api, beforeBack));
    await act(async () => {
      await new Promise(r => setTimeout(r, 50));
    });
    const back = calls(api);
    await advanceWithHeartbeats(signals, 3 * FALLBACK_MS);
    expect(calls(api)).toEqual(back);
  });
});
