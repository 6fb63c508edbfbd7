/*
 * GitHub webhooks on two replicas (issue #11 acceptance: "two backend
 * replicas with the events bus on PostgreSQL → each delivery handled
 * once"). Deliveries are signed with the replicas' webhook secret and
 * posted to Backstage's events endpoint (`/api/events/http/github`, the
 * events backend's HTTP ingress, signature checked by its GitHub module).
 *
 * What counts: each replica logs `github.<event> delivery <id> handled` for
 * a delivery it handled, and `push: ingesting repository <id>` for each
 * ingestion run a push started. Both lines come after the delivery table's
 * insert-or-ignore, so a replica handling a delivery the other already
 * handled shows as a second line.
 *
 * The events bus (`events.useEventBus`, on PostgreSQL here) hands an event
 * to each subscriber id that the publishing replica did not notify itself.
 * Every replica runs the gitops plugin, whose subscriber id is the same
 * everywhere and notified in the process that received the request, so a
 * delivery is handled where it arrived and the bus does not copy it to the
 * other replica (it would arrive there without its headers: the bus of this
 * Backstage version carries topic and payload only, and a GitHub event
 * without X-GitHub-Delivery is ignored with a warning, asserted absent).
 */

import { createHmac, randomUUID } from 'node:crypto';
import knexFactory from 'knex';
import { Deployment, GH_SLUG, PG_URL, WEBHOOK_SECRET } from './Deployment';
import type { Replica } from './Replica';

/** Pushes closer than this make one run (PUSH_MAX_WAIT_MS of the plugin, and slack). */
const SETTLE_MS = 3_000;

export const INGESTION_RUN = /push: ingesting repository demo-gh\b/;
export const WITHOUT_DELIVERY_ID = /event without a valid X-GitHub-Delivery/;

export function handledLine(delivery: string): RegExp {
  return new RegExp(`github\\.push delivery ${delivery} handled`);
}

/** A signed GitHub `push` to the branch of `acme/gitops` (repository demo-gh). */
export function signedPush(head: string, delivery = randomUUID()) {
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: head,
    created: false,
    deleted: false,
    forced: false,
    commits: [],
    head_commit: null,
    repository: {
      name: GH_SLUG.split('/')[1],
      full_name: GH_SLUG,
      html_url: `https://github.com/${GH_SLUG}`,
      default_branch: 'main',
    },
    pusher: { name: 'ada', email: 'ada@example.com' },
  });
  const signature = `sha256=${createHmac('sha256', WEBHOOK_SECRET)
    .update(body)
    .digest('hex')}`;
  return {
    delivery,
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': delivery,
      'x-hub-signature-256': signature,
    },
  };
}

/** Posts a delivery to a replica's events endpoint; resolves to the status. */
export async function post(
  replica: Replica,
  push: ReturnType<typeof signedPush>,
): Promise<number> {
  const res = await fetch(`${replica.url}/api/events/http/github`, {
    method: 'POST',
    headers: push.headers,
    body: push.body,
  });
  await res.text();
  return res.status;
}

/** Lines matching across both replicas' logs. */
export function countAcross(d: Deployment, pattern: RegExp): number {
  return d.replicas.reduce((n, r) => n + r.countLines(pattern), 0);
}

/**
 * Waits until `expected` ingestion runs happened since `before`, then
 * SETTLE_MS more (a second run from a second copy would start by then);
 * resolves to the runs counted.
 */
export async function runsAfterSettling(
  d: Deployment,
  before: number,
  expected: number,
): Promise<number> {
  await d.waitFor(
    `${expected} ingestion run(s) started by webhooks`,
    async () => countAcross(d, INGESTION_RUN) - before >= expected,
    // A run starts once the replica's previous one ended, correlation
    // included (the first after a start correlates the whole demo).
    90_000,
  );
  await new Promise(r => setTimeout(r, SETTLE_MS));
  return countAcross(d, INGESTION_RUN) - before;
}

/**
 * The events bus in the events plugin's database: whether the plugin's
 * GitHub subscription is registered there (the bus is in use, not fallen
 * back to in-process delivery), and how many events of github topics it
 * stored for a subscriber the publishing replica had not notified.
 */
export async function githubOnTheBus(
  d: Deployment,
): Promise<{ subscribed: boolean; events: number }> {
  const db = knexFactory({
    client: 'pg',
    connection: `${PG_URL}/${d.prefix}events`,
    pool: { min: 0, max: 1 },
  });
  try {
    const subscriptions = await db('event_bus_subscriptions')
      .where({ id: 'gitops.gitops-github-webhooks' })
      .select('topics');
    const [{ count }] = await db('event_bus_events')
      .where('topic', 'like', 'github%')
      .count({ count: '*' });
    return {
      subscribed: subscriptions.some(row =>
        (row.topics as string[]).includes('github.push'),
      ),
      events: Number(count),
    };
  } finally {
    await db.destroy();
  }
}
