import type {
  SignalApi,
  SignalSubscriber,
} from '@backstage/plugin-signals-react';
import {
  GITOPS_SIGNAL_CHANNEL,
  GITOPS_SIGNAL_HEARTBEAT_MS,
} from '@gitops2/plugin-gitops-common';

/**
 * Without a message on the channel for this long (three heartbeats
 * missed), live updates count as lost and pages poll again.
 */
export const SIGNALS_STALE_MS = 3 * GITOPS_SIGNAL_HEARTBEAT_MS;

/**
 * `connecting`: subscribed, nothing received yet; `connected`: a message
 * (a change or the backend's heartbeat) arrived within SIGNALS_STALE_MS;
 * `lost`: none for that long (the socket closed or never opened, or the
 * backend's signals do not reach this page).
 */
export type SignalsState = 'connecting' | 'connected' | 'lost';

/**
 * A heartbeat this long after the previous one means one did not reach the
 * page (they come every GITOPS_SIGNAL_HEARTBEAT_MS, give or take the
 * backend scheduler's 5 s): the socket dropped and reconnected meanwhile.
 */
export const HEARTBEAT_MISSED_MS = 2 * GITOPS_SIGNAL_HEARTBEAT_MS;

export interface SignalsListener {
  onMessage(message: unknown): void;
  onState(state: SignalsState): void;
  /**
   * Signals may have been missed: live updates were lost, came back after
   * a loss, a heartbeat was missed, or the change keys changed (another
   * fingerprint in the heartbeat). Views refetch once.
   */
  onResync(): void;
}

function heartbeatOf(message: unknown): { keys?: string } | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as { kind?: unknown; keys?: unknown };
  if (m.kind !== 'heartbeat') return undefined;
  return { keys: typeof m.keys === 'string' ? m.keys : undefined };
}

/**
 * The `gitops:changes` channel of one signals API, shared by every view of
 * the page: one subscription, and one answer to "are live updates
 * connected?". Backstage's SignalApi only subscribes (its client opens the
 * socket and reconnects silently, and tells nobody), so the answer is
 * taken from what arrives: the backend sends a heartbeat every
 * GITOPS_SIGNAL_HEARTBEAT_MS, and the channel counts as connected while a
 * message came within SIGNALS_STALE_MS. That proves the whole way, from
 * the backend's publish through the events bus to this page's socket.
 */
export class SignalsChannel {
  private readonly listeners = new Set<SignalsListener>();
  private subscription?: SignalSubscriber;
  private staleTimer?: ReturnType<typeof setTimeout>;
  private current: SignalsState = 'connecting';
  private lastHeartbeatAt?: number;
  private keysFingerprint?: string;

  constructor(private readonly signals: SignalApi) {}

  get state(): SignalsState {
    return this.current;
  }

  /** Listens to the channel; returns the function that stops listening. */
  listen(listener: SignalsListener): () => void {
    this.listeners.add(listener);
    this.open();
    return () => {
      this.listeners.delete(listener);
      // A view that re-subscribes (new keys, another page) does so in the
      // same render: close only if nobody listens after it.
      void Promise.resolve().then(() => {
        if (this.listeners.size === 0) this.close();
      });
    };
  }

  private open() {
    if (this.subscription) return;
    this.current = 'connecting';
    this.armStaleTimer();
    this.subscription = this.signals.subscribe(GITOPS_SIGNAL_CHANNEL, m =>
      this.received(m),
    );
  }

  private close() {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    if (this.staleTimer !== undefined) clearTimeout(this.staleTimer);
    this.staleTimer = undefined;
    this.current = 'connecting';
    this.lastHeartbeatAt = undefined;
  }

  private received(message: unknown) {
    this.armStaleTimer();
    let missed = false;
    const heartbeat = heartbeatOf(message);
    if (heartbeat) {
      const now = Date.now();
      missed =
        this.current === 'connected' &&
        this.lastHeartbeatAt !== undefined &&
        now - this.lastHeartbeatAt > HEARTBEAT_MISSED_MS;
      this.lastHeartbeatAt = now;
      if (heartbeat.keys) {
        missed ||=
          this.keysFingerprint !== undefined &&
          heartbeat.keys !== this.keysFingerprint;
        this.keysFingerprint = heartbeat.keys;
      }
    }
    this.setState('connected');
    if (missed) this.resync();
    for (const l of [...this.listeners]) l.onMessage(message);
  }

  private resync() {
    for (const l of [...this.listeners]) l.onResync();
  }

  private armStaleTimer() {
    if (this.staleTimer !== undefined) clearTimeout(this.staleTimer);
    this.staleTimer = setTimeout(() => {
      this.staleTimer = undefined;
      this.setState('lost');
    }, SIGNALS_STALE_MS);
  }

  private setState(state: SignalsState) {
    const before = this.current;
    if (before === state) return;
    this.current = state;
    for (const l of [...this.listeners]) l.onState(state);
    // Lost, or back after a loss: what was signalled meanwhile never came.
    if (
      (before === 'connected' && state === 'lost') ||
      (before === 'lost' && state === 'connected')
    ) {
      this.resync();
    }
  }
}

const channels = new WeakMap<SignalApi, SignalsChannel>();

/** The page's one channel of this signals API. */
export function signalsChannelOf(signals: SignalApi): SignalsChannel {
  let channel = channels.get(signals);
  if (!channel) {
    channel = new SignalsChannel(signals);
    channels.set(signals, channel);
  }
  return channel;
}
