import { act } from '@testing-library/react';
import type { SignalApi } from '@backstage/plugin-signals-react';
import { GITOPS_SIGNAL_CHANNEL } from '@gitops2/plugin-gitops-common';

/**
 * A signals API whose messages the test sends on `gitops:changes`: nothing
 * arrives unless the test sends it, like a socket that never connected.
 * `heartbeat()` sends what the backend sends every 20 s.
 */
export function fakeSignals() {
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
  const heartbeat = () => send({ kind: 'heartbeat' });
  const count = () => subscribers.get(GITOPS_SIGNAL_CHANNEL)?.size ?? 0;
  return { api, send, heartbeat, count };
}
