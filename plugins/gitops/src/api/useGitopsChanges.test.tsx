import { ReactNode } from 'react';
import { act, renderHook, waitFor } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { SignalApi, signalApiRef } from '@backstage/plugin-signals-react';
import { GITOPS_SIGNAL_CHANNEL } from '@gitops2/plugin-gitops-common';
import { gitopsApiRef } from '../api';
import { createFakeGitopsApi, entity } from '../__testUtils__/fixtures';
import { GitopsTab } from '../components/GitopsTab';
import {
  LIVE_POLL_INTERVAL_MS,
  usePolledAsync,
} from '../components/live/usePolledAsync';
import {
  CROSS_SERVICE_THROTTLE_MS,
  SIGNALS_FALLBACK_POLL_MS,
  useGitopsChanges,
  changeKeysOf,
  matchesChange,
  pollInterval,
} from './useGitopsChanges';

/** A signals API whose messages the test sends. */
function fakeSignals() {
  const subscribers = new Map<string, Set<(m: any) => void>>();
  const api: SignalApi = {
    subscribe(channel, onMessage) {
      if (!subscribers.has(channel)) subscribers.set(channel, new Set());
      subscribers.get(channel)!.add(onMessage as any);
      return {
        unsubscribe: () => subscribers.get(channel)!.delete(onMessage as any),
      };
    },
  };
  const send = (message: object) =>
    act(() => {
      for (const s of subscribers.get(GITOPS_SIGNAL_CHANNEL) ?? []) s(message);
    });
  const count = () => subscribers.get(GITOPS_SIGNAL_CHANNEL)?.size ?? 0;
  return { api, send, count };
}

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

  it('polls only every 60 s while signals are available', () => {
    expect(pollInterval(5000, false)).toBe(5000);
    expect(pollInterval(5000, true)).toBe(60_000);
    expect(pollInterval(120_000, true)).toBe(120_000);
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
    await waitFor(() => expect(signals.count()).toBeGreaterThan(0));
    // Subscribed once the status gave the keys.
    await waitFor(() => expect(signals.count()).toBeGreaterThanOrEqual(3));
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
      () =>
        usePolledAsync(fn, 'id', [], LIVE_POLL_INTERVAL_MS, true, {
          keys: [CART],
        }),
      { wrapper },
    );
    const advance = (ms: number) =>
      act(() => {
        jest.advanceTimersByTime(ms);
      });
    return { fn, signals, advance };
  }

  it('polls every 5 s without signals', async () => {
    const { fn, advance } = renderPolled(false);
    expect(fn).toHaveBeenCalledTimes(1);
    await advance(LIVE_POLL_INTERVAL_MS);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('with signals, refetches on a matching signal and otherwise only every 60 s', async () => {
    const { fn, signals, advance } = renderPolled(true);
    expect(fn).toHaveBeenCalledTimes(1);
    await advance(LIVE_POLL_INTERVAL_MS * 2);
    expect(fn).toHaveBeenCalledTimes(1);
    await signals.send({ key: CART, kind: 'live' });
    expect(fn).toHaveBeenCalledTimes(2);
    await signals.send({ key: OTHER, kind: 'live' });
    expect(fn).toHaveBeenCalledTimes(2);
    await advance(SIGNALS_FALLBACK_POLL_MS);
    expect(fn).toHaveBeenCalledTimes(3);
  });
});

describe('useGitopsChanges for cross-service views', () => {
  afterEach(() => jest.useRealTimers());

  it('with throttleMs, a burst of signals of the shown kinds calls onChange once, after the window', async () => {
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
    for (const key of [CART, REPO, OTHER])
      await signals.send({ key, kind: 'action' });
    await signals.send({ key: CART, kind: 'live' });
    expect(onChange).not.toHaveBeenCalled();
    await act(() => {
      jest.advanceTimersByTime(CROSS_SERVICE_THROTTLE_MS);
    });
    expect(onChange).toHaveBeenCalledTimes(1);
    await signals.send({ key: CART, kind: 'live' });
    await act(() => {
      jest.advanceTimersByTime(CROSS_SERVICE_THROTTLE_MS);
    });
    expect(onChange).toHaveBeenCalledTimes(1);
  });
});
