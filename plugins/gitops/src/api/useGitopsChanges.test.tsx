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
  SIGNALS_FALLBACK_POLL_MS,
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

describe('matchesChange', () => {
  it('matches on the repository, the service and the kind; a signal without a service concerns every service', () => {
    const filter = { repositoryId: 'demo', service: 'cart' };
    expect(
      matchesChange(filter, {
        repositoryId: 'demo',
        service: 'cart',
        kind: 'action',
      }),
    ).toBe(true);
    expect(
      matchesChange(filter, { repositoryId: 'demo', kind: 'rollouts' }),
    ).toBe(true);
    expect(
      matchesChange(filter, {
        repositoryId: 'demo',
        service: 'ledger',
        kind: 'action',
      }),
    ).toBe(false);
    expect(
      matchesChange(filter, {
        repositoryId: 'other',
        service: 'cart',
        kind: 'action',
      }),
    ).toBe(false);
    expect(
      matchesChange({ kinds: ['action'] }, { repositoryId: 'x', kind: 'live' }),
    ).toBe(false);
    expect(matchesChange({}, null)).toBe(false);
    expect(matchesChange({}, { kind: 'live' } as any)).toBe(false);
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
  it("refetches the tab's status, actions and live status when its service changes, not for another service", async () => {
    const { api, signals } = await render();
    expect(signals.count()).toBeGreaterThan(0);
    const before = {
      status: api.getServiceStatus.mock.calls.length,
      actions: api.getActions.mock.calls.length,
      live: api.getLive.mock.calls.length,
    };
    await signals.send({
      repositoryId: 'platform-gitops',
      service: 'other-service',
      kind: 'action',
    });
    await new Promise(r => setTimeout(r, 50));
    expect(api.getServiceStatus.mock.calls.length).toBe(before.status);
    expect(api.getLive.mock.calls.length).toBe(before.live);

    await signals.send({
      repositoryId: 'platform-gitops',
      service: 'guestbook-ui',
      kind: 'action',
    });
    await waitFor(() => {
      expect(api.getServiceStatus.mock.calls.length).toBeGreaterThan(
        before.status,
      );
      expect(api.getActions.mock.calls.length).toBeGreaterThan(before.actions);
    });
    await signals.send({
      repositoryId: 'platform-gitops',
      service: 'guestbook-ui',
      kind: 'live',
    });
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
          repositoryId: 'demo',
          service: 'cart',
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
    await signals.send({ repositoryId: 'demo', service: 'cart', kind: 'live' });
    expect(fn).toHaveBeenCalledTimes(2);
    await signals.send({
      repositoryId: 'demo',
      service: 'ledger',
      kind: 'live',
    });
    expect(fn).toHaveBeenCalledTimes(2);
    await advance(SIGNALS_FALLBACK_POLL_MS);
    expect(fn).toHaveBeenCalledTimes(3);
  });
});
