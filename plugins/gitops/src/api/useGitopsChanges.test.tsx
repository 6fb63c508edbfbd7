import { ReactNode } from 'react';
import { act, renderHook, screen, waitFor } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { gitopsApiRef } from '../api';
import { createFakeGitopsApi, entity } from '../__testUtils__/fixtures';
import { fakeSignals } from '../__testUtils__/fakeSignals';
import { GitopsTab } from '../components/GitopsTab';
import { usePolledAsync } from '../components/live/usePolledAsync';
import {
  CROSS_SERVICE_THROTTLE_MS,
  SERVICE_THROTTLE_MS,
  FALLBACK_POLL_MS,
  useGitopsChanges,
  changeKeysOf,
  matchesChange,
} from './useGitopsChanges';
import { SIGNALS_STALE_MS } from './signalsChannel';
import { GITOPS_SIGNAL_HEARTBEAT_MS } from '@gitops2/plugin-gitops-common';

const CART = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const REPO = 'feed0000feed0000feed0000feed0000';
const OTHER = 'bad00000bad00000bad00000bad00000';

describe('matchesChange', () => {
  it('matches on the opaque key and the kind; without keys any key matches', () => {
    const filter = { keys: [CART, REPO] };
    expect(matchesChange(filter, { key: CART, kind: 'action' })).toBe(true);
    expect(matchesChange(filter, { key: REPO, kind: 'rollouts' })).toBe(true);
    expect(matchesChange(filter, { key: OTHER, kind: 'action' })).toBe(false);
    expect(
      matchesChange({ kinds: ['action'] }, { key: OTHER, kind: 'action' }),
    ).toBe(true);
    expect(
      matchesChange({ kinds: ['action'] }, { key: CART, kind: 'live' }),
    ).toBe(false);
    expect(matchesChange({}, null)).toBe(false);
    expect(matchesChange({}, { kind: 'live' })).toBe(false);
  });

  it('the keys of a status are its changeKey and repositoryChangeKey, once given', () => {
    expect(
      changeKeysOf({ changeKey: CART, repositoryChangeKey: REPO }),
    ).toEqual([CART, REPO]);
    expect(changeKeysOf({})).toBeUndefined();
    expect(changeKeysOf(undefined)).toBeUndefined();
  });

  it('the heartbeat matches no view: it names no key', () => {
    expect(matchesChange({}, { kind: 'heartbeat' } as any)).toBe(false);
  });
});

describe('GitopsTab with signals', () => {
  async function render() {
    const api = createFakeGitopsApi();
    const status = api.getServiceStatus.getMockImplementation()!;
    api.getServiceStatus.mockImplementation(async ref => ({
      ...(await status(ref)),
      changeKey: CART,
      repositoryChangeKey: REPO,
    }));
    const signals = fakeSignals();
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [gitopsApiRef, api],
          [signalApiRef, signals.api],
        ]}
      >
        <EntityProvider entity={entity}>
          <GitopsTab />
        </EntityProvider>
      </TestApiProvider>,
    );
    await waitFor(() => expect(api.getServiceStatus).toHaveBeenCalled());
    await waitFor(() => expect(api.getLive).toHaveBeenCalled());
    return { api, signals };
  }

  // The first render of the tab loads much of the plugin: allow for a slow machine.
  it("refetches the tab's status, actions and live status on its service's change key, not on another key", async () => {
    const { api, signals } = await render();
    // The views of the page share one subscription of the channel.
    await waitFor(() => expect(signals.count()).toBe(1));
    // Listening on the keys once the status gave them.
    await screen.findByTestId('gitops-pipeline');
    await act(async () => {
      await new Promise(r => setTimeout(r, 50));
    });
    expect(signals.count()).toBe(1);
    const before = {
      status: api.getServiceStatus.mock.calls.length,
      actions: api.getActions.mock.calls.length,
      live: api.getLive.mock.calls.length,
    };
    await signals.send({ key: OTHER, kind: 'action' });
    await signals.send({ key: OTHER, kind: 'live' });
    await new Promise(r => setTimeout(r, 50));
    expect(api.getServiceStatus.mock.calls.length).toBe(before.status);
    expect(api.getActions.mock.calls.length).toBe(before.actions);
    expect(api.getLive.mock.calls.length).toBe(before.live);

    await signals.send({ key: CART, kind: 'action' });
    await waitFor(() => {
      expect(api.getServiceStatus.mock.calls.length).toBeGreaterThan(
        before.status,
      );
      expect(api.getActions.mock.calls.length).toBeGreaterThan(before.actions);
    });
    await signals.send({ key: CART, kind: 'live' });
    await waitFor(() =>
      expect(api.getLive.mock.calls.length).toBeGreaterThan(before.live),
    );
  }, 30_000);
});

describe('GitopsTab: what each change signal refetches', () => {
  async function renderTab() {
    const api = createFakeGitopsApi();
    const status = api.getServiceStatus.getMockImplementation()!;
    api.getServiceStatus.mockImplementation(async ref => ({
      ...(await status(ref)),
      changeKey: CART,
      repositoryChangeKey: REPO,
    }));
    const signals = fakeSignals();
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [gitopsApiRef, api],
          [signalApiRef, signals.api],
        ]}
      >
        <EntityProvider entity={entity}>
          <GitopsTab />
        </EntityProvider>
      </TestApiProvider>,
    );
    await screen.findByTestId('gitops-pipeline');
    await waitFor(() => expect(api.getLive).toHaveBeenCalled());
    await waitFor(() => expect(api.getDashboard).toHaveBeenCalled());
    await act(async () => {
      await new Promise(r => setTimeout(r, 100));
    });
    const counts = () => ({
      status: api.getServiceStatus.mock.calls.length,
      actions: api.getActions.mock.calls.length,
      holds: api.getHolds.mock.calls.length,
      rollouts: api.getRollouts.mock.calls.length,
      metrics: api.getMetrics.mock.calls.length,
      live: api.getLive.mock.calls.length,
      dashboard: api.getDashboard.mock.calls.length,
    });
    // Past the tab's window (SERVICE_THROTTLE_MS): a burst's trailing refetch ran.
    const settle = () =>
      act(async () => {
        await new Promise(r => setTimeout(r, SERVICE_THROTTLE_MS + 500));
      });
    return { api, signals, counts, settle };
  }

  it('an action signal refetches the actions, holds and status, not the rollouts, metrics, live status or dashboard row', async () => {
    const { signals, counts, settle } = await renderTab();
    const before = counts();
    await signals.send({ key: CART, kind: 'action' });
    await settle();
    const after = counts();
    expect(after.actions).toBe(before.actions + 1);
    expect(after.holds).toBe(before.holds + 1);
    expect(after.status).toBe(before.status + 1);
    expect({
      rollouts: after.rollouts,
      metrics: after.metrics,
      live: after.live,
      dashboard: after.dashboard,
    }).toEqual({
      rollouts: before.rollouts,
      metrics: before.metrics,
      live: before.live,
      dashboard: before.dashboard,
    });
  }, 30_000);

  it('a rollouts signal refetches the status, rollouts, metrics and dashboard row, not the actions and holds', async () => {
    const { signals, counts, settle } = await renderTab();
    const before = counts();
    await signals.send({ key: REPO, kind: 'rollouts' });
    await settle();
    const after = counts();
    expect(after.status).toBe(before.status + 1);
    expect(after.rollouts).toBeGreaterThan(before.rollouts);
    expect(after.metrics).toBe(before.metrics + 1);
    expect(after.dashboard).toBe(before.dashboard + 1);
    expect({ actions: after.actions, holds: after.holds }).toEqual({
      actions: before.actions,
      holds: before.holds,
    });
  }, 30_000);

  it("a burst of the service's signals within its window (a push: rollouts, correlation, outcome, live) refetches each endpoint at most twice", async () => {
    const { signals, counts, settle } = await renderTab();
    const before = counts();
    for (const kind of ['rollouts', 'rollouts', 'outcome', 'live', 'live'])
      await signals.send({ key: kind === 'rollouts' ? REPO : CART, kind });
    await settle();
    const after = counts();
    const extra = Object.fromEntries(
      Object.keys(after).map(k => [
        k,
        after[k as keyof typeof after] - before[k as keyof typeof after],
      ]),
    );
    for (const [endpoint, n] of Object.entries(extra))
      expect([endpoint, n <= 2]).toEqual([endpoint, true]);
    // The first signal of the burst shows at once.
    expect(extra.status).toBeGreaterThanOrEqual(1);
  }, 30_000);
});

describe('usePolledAsync with change signals', () => {
  afterEach(() => jest.useRealTimers());

  function renderPolled(withSignals: boolean) {
    jest.useFakeTimers();
    const signals = fakeSignals();
    const fn = jest.fn(async () => 'value');
    const wrapper = ({ children }: { children: ReactNode }) => (
      <TestApiProvider
        apis={withSignals ? [[signalApiRef, signals.api]] : ([] as any)}
      >
        {children}
      </TestApiProvider>
    );
    renderHook(
      () => usePolledAsync(fn, 'id', [], undefined, true, { keys: [CART] }),
      { wrapper },
    );
    const advance = (ms: number) =>
      act(() => {
        jest.advanceTimersByTime(ms);
      });
    return { fn, signals, advance };
  }

  it('polls every 60 s without signals, and not before', async () => {
    const { fn, advance } = renderPolled(false);
    expect(fn).toHaveBeenCalledTimes(1);
    await advance(FALLBACK_POLL_MS - 1);
    expect(fn).toHaveBeenCalledTimes(1);
    await advance(1);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('with the signals API but nothing received, polls every 60 s all the same', async () => {
    const { fn, advance } = renderPolled(true);
    await advance(FALLBACK_POLL_MS);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('once a message arrived, refetches on a matching signal only, never polls', async () => {
    const { fn, signals, advance } = renderPolled(true);
    await signals.heartbeat();
    expect(fn).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 9; i++) {
      await advance(SIGNALS_STALE_MS / 3);
      await signals.heartbeat();
    }
    expect(fn).toHaveBeenCalledTimes(1);
    await signals.send({ key: CART, kind: 'live' });
    expect(fn).toHaveBeenCalledTimes(2);
    await signals.send({ key: OTHER, kind: 'live' });
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('counts the signals as lost after SIGNALS_STALE_MS of silence: refetches at once, then polls', async () => {
    const { fn, signals, advance } = renderPolled(true);
    await signals.heartbeat();
    await advance(SIGNALS_STALE_MS - 1);
    expect(fn).toHaveBeenCalledTimes(1);
    await advance(1);
    expect(fn).toHaveBeenCalledTimes(2);
    await advance(FALLBACK_POLL_MS);
    expect(fn).toHaveBeenCalledTimes(3);
    // Back: one refetch, then quiet.
    await signals.heartbeat();
    expect(fn).toHaveBeenCalledTimes(4);
    await advance(FALLBACK_POLL_MS / 2);
    await signals.heartbeat();
    await advance(FALLBACK_POLL_MS / 2);
    expect(fn).toHaveBeenCalledTimes(4);
  });
});

describe('usePolledAsync: signals missed while connected', () => {
  afterEach(() => jest.useRealTimers());

  function renderConnected() {
    jest.useFakeTimers();
    const signals = fakeSignals();
    const fn = jest.fn(async () => 'value');
    const wrapper = ({ children }: { children: ReactNode }) => (
      <TestApiProvider apis={[[signalApiRef, signals.api]]}>
        {children}
      </TestApiProvider>
    );
    renderHook(
      () => usePolledAsync(fn, 'id', [], undefined, true, { keys: [CART] }),
      { wrapper },
    );
    const advance = (ms: number) =>
      act(() => {
        jest.advanceTimersByTime(ms);
      });
    return { fn, signals, advance };
  }

  it('a heartbeat that comes more than two intervals after the last one (one missed: the socket dropped meanwhile) refetches once', async () => {
    const { fn, signals, advance } = renderConnected();
    await signals.send({ kind: 'heartbeat', keys: 'aaaa0000' });
    await advance(GITOPS_SIGNAL_HEARTBEAT_MS);
    await signals.send({ kind: 'heartbeat', keys: 'aaaa0000' });
    expect(fn).toHaveBeenCalledTimes(1);
    await advance(2 * GITOPS_SIGNAL_HEARTBEAT_MS + 1000);
    await signals.send({ kind: 'heartbeat', keys: 'aaaa0000' });
    expect(fn).toHaveBeenCalledTimes(2);
    await advance(GITOPS_SIGNAL_HEARTBEAT_MS);
    await signals.send({ kind: 'heartbeat', keys: 'aaaa0000' });
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('a heartbeat with another keys fingerprint (the key secret changed) refetches once: the view learns its new keys', async () => {
    const { fn, signals, advance } = renderConnected();
    await signals.send({ kind: 'heartbeat', keys: 'aaaa0000' });
    await advance(GITOPS_SIGNAL_HEARTBEAT_MS);
    await signals.send({ kind: 'heartbeat', keys: 'bbbb1111' });
    expect(fn).toHaveBeenCalledTimes(2);
    await advance(GITOPS_SIGNAL_HEARTBEAT_MS);
    await signals.send({ kind: 'heartbeat', keys: 'bbbb1111' });
    expect(fn).toHaveBeenCalledTimes(2);
  });
});

describe('useGitopsChanges for cross-service views', () => {
  afterEach(() => jest.useRealTimers());

  it('with throttleMs, the first signal of the shown kinds calls onChange at once; the rest of the burst once, at the end of the window', async () => {
    jest.useFakeTimers();
    const signals = fakeSignals();
    const onChange = jest.fn();
    const wrapper = ({ children }: { children: ReactNode }) => (
      <TestApiProvider apis={[[signalApiRef, signals.api]]}>
        {children}
      </TestApiProvider>
    );
    renderHook(
      () =>
        useGitopsChanges(
          { kinds: ['action'], throttleMs: CROSS_SERVICE_THROTTLE_MS },
          onChange,
        ),
      { wrapper },
    );
    await signals.send({ key: CART, kind: 'action' });
    // On screen at once: nothing was signalled for a window.
    expect(onChange).toHaveBeenCalledTimes(1);
    for (const key of [REPO, OTHER])
      await signals.send({ key, kind: 'action' });
    await signals.send({ key: CART, kind: 'live' });
    expect(onChange).toHaveBeenCalledTimes(1);
    await act(() => {
      jest.advanceTimersByTime(CROSS_SERVICE_THROTTLE_MS);
    });
    // The rest of the burst: once.
    expect(onChange).toHaveBeenCalledTimes(2);
    // A kind the view does not show never calls it; a quiet window ends.
    await signals.send({ key: CART, kind: 'live' });
    await act(() => {
      jest.advanceTimersByTime(2 * CROSS_SERVICE_THROTTLE_MS);
    });
    expect(onChange).toHaveBeenCalledTimes(2);
    await signals.send({ key: OTHER, kind: 'action' });
    expect(onChange).toHaveBeenCalledTimes(3);
  });
});
