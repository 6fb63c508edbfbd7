import fs from 'node:fs';
import path from 'node:path';
import { Deployment, GH_SLUG } from './Deployment';
import {
  prepareStepScenarios,
  resumedAfterKill,
  rolledBackOnceDespiteKills,
} from './stepScenarios';
import { Replica } from './Replica';
import {
  countAcross,
  githubOnTheBus,
  handledLine,
  INGESTION_RUN,
  post,
  runsAfterSettling,
  signedPush,
  WITHOUT_DELIVERY_ID,
} from './webhookScenarios';

jest.setTimeout(20 * 60_000);

const PULLS = 'POST /repos/{owner}/{repo}/pulls';
const REFS = 'POST /repos/{owner}/{repo}/git/refs';
const MERGE = 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge';
const COMMITS = 'POST /repos/{owner}/{repo}/git/commits';

/** Figures the suite prints (and docs/benchmarks.md quotes). */
const figures: Array<Record<string, unknown>> = [];

/**
 * The write path under faults (issue #8 acceptance), on two real backend
 * processes of the demo portal sharing one PostgreSQL database, with the
 * local Git source (repository `demo`) and the GitHub API double
 * (repository `demo-gh`). Leases last 4 s, reconciliation runs every 1 s.
 */
describe('write path under faults: two backend processes, one PostgreSQL', () => {
  let d: Deployment;
  let a: Replica;
  let b: Replica;
  const restarting = new Map<Replica, Promise<void>>();

  beforeAll(async () => {
    d = await Deployment.create();
    [a, b] = d.replicas;
  });

  afterAll(async () => {
    await d?.cleanup();
    const out = path.resolve(
      __dirname,
      '../../../node_modules/.cache/fault-injection.json',
    );
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(figures, null, 2));
    // eslint-disable-next-line no-console
    console.log(
      `write path under faults:\n${figures
        .map(f => `  ${JSON.stringify(f)}`)
        .join('\n')}`,
    );
  });

  /** The replica is up (waits for a restart after a kill). */
  async function up(r: Replica) {
    await restarting.get(r);
    if (!r.running) await r.start();
  }

  function restartLater(r: Replica) {
    restarting.set(r, r.start());
  }

  const entity = (service: string, gh: boolean) =>
    `/v1/entities/default/component/${service}${gh ? '-gh' : ''}`;

  const promote = (
    r: Replica,
    service: string,
    gh: boolean,
    body: object,
    key: string,
  ) =>
    d.api(
      r,
      d.tokens.guest,
      'POST',
      `${entity(service, gh)}/promotions`,
      body,
      {
        'idempotency-key': key,
      },
    );
  const approve = (r: Replica, id: string) =>
    d.api(r, d.tokens.rita, 'POST', `/v1/actions/${id}/approve`, {});
  const merge = (r: Replica, id: string) =>
    d.api(r, d.tokens.guest, 'POST', `/v1/actions/${id}/merge`, {});

  /** A request that dies with its replica: the connection is reset. */
  const dying = (p: Promise<unknown>) => p.catch(e => ({ error: String(e) }));

  const stateIs = (id: string, state: string) => async () => {
    const row = await d.action(id);
    return row?.state === state && row;
  };

  /** Pull requests of an action's branch on the GitHub double. */
  const pullRequestsOf = async (id: string) =>
    (await d.gh.pullRequests(GH_SLUG)).filter(
      p => p.head === `gitops/promotion-${id}`,
    );

  const lockOf = (id: string) =>
    d.db('gitops_environment_locks').where({ action_id: id });

  /** Promotion to prod-us waiting for Rita's approval. */
  async function requested(
    r: Replica,
    service: string,
    gh: boolean,
    version: string,
    env = 'prod-us',
  ): Promise<string> {
    const res = await promote(
      r,
      service,
      gh,
      { version, environments: [env] },
      `faults-${version}`,
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ state: 'awaiting-approval' });
    return res.body.id;
  }

  it('tokens of one replica are accepted by the other', async () => {
    const res = await d.api(b, d.tokens.guest, 'GET', '/v1/repositories');
    expect(res.status).toBe(200);
    expect(res.body.items.map((r: any) => r.id).sort()).toEqual([
      'demo',
      'demo-gh',
    ]);
  });

  // GitHub webhooks across the two replicas (issue #11): see
  // webhookScenarios.ts for what is counted and why the bus does not copy.
  describe('GitHub webhooks on two replicas', () => {
    it('the same signed push delivery posted to both replicas is handled once and starts one ingestion run', async () => {
      const push = signedPush(d.git('rev-parse', 'main'));
      const runs = countAcross(d, INGESTION_RUN);
      const statuses = await Promise.all([post(a, push), post(b, push)]);
      expect(statuses).toEqual([202, 202]);
      const started = await runsAfterSettling(d, runs, 1);
      expect(started).toBe(1);
      expect(countAcross(d, handledLine(push.delivery))).toBe(1);
      // GitHub's redelivery of it later, to either replica: dropped.
      expect(await post(b, push)).toBe(202);
      expect(await post(a, push)).toBe(202);
      await new Promise(r => setTimeout(r, 1000));
      expect(countAcross(d, handledLine(push.delivery))).toBe(1);
      expect(countAcross(d, INGESTION_RUN) - runs).toBe(1);
      figures.push({
        scenario: 'one delivery posted to both replicas, then twice again',
        handled: countAcross(d, handledLine(push.delivery)),
        ingestionRuns: countAcross(d, INGESTION_RUN) - runs,
      });
    });

    it('distinct deliveries to one replica are each handled once, there only, one ingestion run each; the events bus (in use) stores no copy for the other replica', async () => {
      const runs = countAcross(d, INGESTION_RUN);
      const bRuns = b.countLines(INGESTION_RUN);
      const deliveries: string[] = [];
      for (let i = 0; i < 3; i++) {
        const push = signedPush(d.git('rev-parse', 'main'));
        deliveries.push(push.delivery);
        expect(await post(a, push)).toBe(202);
        // The next push after this one's run: pushes closer together coalesce.
        expect(await runsAfterSettling(d, runs, i + 1)).toBe(i + 1);
      }
      for (const delivery of deliveries) {
        expect(a.countLines(handledLine(delivery))).toBe(1);
        expect(b.countLines(handledLine(delivery))).toBe(0);
      }
      expect(b.countLines(INGESTION_RUN)).toBe(bRuns);
      expect(countAcross(d, WITHOUT_DELIVERY_ID)).toBe(0);
      const bus = await githubOnTheBus(d);
      expect(bus).toEqual({ subscribed: true, events: 0 });
      figures.push({
        scenario: '3 distinct deliveries to replica A',
        handledOnA: deliveries.map(x => a.countLines(handledLine(x))),
        handledOnB: deliveries.map(x => b.countLines(handledLine(x))),
        ingestionRuns: countAcross(d, INGESTION_RUN) - runs,
        githubEventsOnTheBus: bus.events,
      });
    });
  });

  it.each([
    ['the GitHub double', true],
    ['the local Git source', false],
  ])(
    '10 concurrent identical promotions across both replicas make 1 action and 1 pull request; 10 approvals and 5 merges make 1 merge (%s)',
    async (_name, gh) => {
      const version = `fi-concurrent-${gh ? 'gh' : 'local'}`;
      const before = {
        pulls: d.gh.count(PULLS),
        refs: d.gh.count(REFS),
        merges: d.gh.count(MERGE),
      };
      const mainBefore = d.git('rev-parse', 'main');
      const body = { version, environments: ['prod-us'] };
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          promote(i % 2 ? b : a, 'guestbook-ui', gh, body, `faults-${version}`),
        ),
      );
      expect(results.map(r => r.status).sort()).toEqual([
        200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
      ]);
      const ids = new Set(results.map(r => r.body.id));
      expect(ids.size).toBe(1);
      const [id] = [...ids];
      const rows = await d.db('gitops_actions').where({ version });
      expect(rows).toHaveLength(1);

      const approvals = await Promise.all(
        Array.from({ length: 10 }, (_, i) => approve(i % 2 ? b : a, id)),
      );
      expect(approvals.filter(r => r.status === 200).length).toBeGreaterThan(0);
      await d.waitFor('pull request open', stateIs(id, 'pull-request-open'));
      const merges = await Promise.all(
        Array.from({ length: 5 }, (_, i) => merge(i % 2 ? b : a, id)),
      );
      expect(
        merges.filter(r => r.body?.state === 'merged').length,
      ).toBeGreaterThan(0);
      await d.waitFor('merged', stateIs(id, 'merged'));
      expect(await lockOf(id)).toEqual([]);

      const counts = gh
        ? {
            pullRequests: d.gh.count(PULLS) - before.pulls,
            branches: d.gh.count(REFS) - before.refs,
            merges: d.gh.count(MERGE) - before.merges,
          }
        : {
            branchCommits: d
              .git(
                'log',
                '--all',
                '--no-merges',
                '--format=%H',
                `--grep=^Gitops-Action: ${id}$`,
              )
              .split('\n')
              .filter(Boolean).length,
            mergeCommitsOnMain: d
              .git('log', '--format=%H', '--merges', `${mainBefore}..main`)
              .split('\n')
              .filter(Boolean).length,
          };
      // Locally the merge is a fast-forward (0) or one merge commit (1).
      const merged = (counts as any).mergeCommitsOnMain ?? 0;
      expect(counts).toEqual(
        gh
          ? { pullRequests: 1, branches: 1, merges: 1 }
          : { branchCommits: 1, mergeCommitsOnMain: merged },
      );
      expect([0, 1]).toContain(merged);
      figures.push({
        scenario: `10 concurrent promotions, 10 approvals, 5 merges (${
          gh ? 'GitHub' : 'local'
        })`,
        actions: rows.length,
        ...counts,
      });
    },
  );

  /** Kills `victim` when its write reaches `point`; the other replica must finish. */
  async function killDuring(
    gh: boolean,
    point: 'branch' | 'pull request' | 'merge',
    victim: Replica,
    survivor: Replica,
    service: string,
  ) {
    await up(victim);
    await up(survivor);
    const version = `fi-kill-${gh ? 'gh' : 'local'}-${point.replace(' ', '-')}`;
    const before = {
      pulls: d.gh.count(PULLS),
      merges: d.gh.count(MERGE),
    };
    let killedAt = 0;
    const kill = async () => {
      killedAt = Date.now();
      await victim.kill();
    };
    const id = await requested(victim, service, gh, version);
    if (point === 'merge') {
      // Written normally; the merge is where it dies.
      expect((await approve(victim, id)).body.state).toBe('pull-request-open');
      if (gh) d.gh.afterEffect(MERGE, kill, { once: true });
      else d.killOnLocalRefUpdate(' refs/heads/main');
      await dying(merge(victim, id));
    } else {
      if (gh)
        d.gh.afterEffect(point === 'branch' ? REFS : PULLS, kill, {
          once: true,
        });
      else d.killOnLocalRefUpdate(' refs/heads/gitops/');
      await dying(approve(victim, id));
    }
    // The process is reaped a moment after its connections drop.
    await d
      .waitFor('victim dead', async () => !victim.running || undefined, 30_000)
      .catch(() => undefined);
    killedAt = killedAt || Date.now();
    d.disarmLocal();
    expect(victim.running).toBe(false);
    restartLater(victim);

    let takeoverMs: number;
    if (point === 'merge') {
      // The merge landed; reconciliation on the survivor finds it and finishes.
      const { afterMs } = await d.waitFor(
        'reconciled as merged',
        stateIs(id, 'merged'),
      );
      takeoverMs = afterMs;
    } else {
      const { afterMs } = await d.waitFor(
        'taken over: pull request open',
        stateIs(id, 'pull-request-open'),
      );
      takeoverMs = afterMs;
      // The survivor finished and let its lease go.
      await d.waitFor('lease released', async () => {
        const row = await d.action(id);
        return row.claimed_by === null;
      });
      const merged = await merge(survivor, id);
      expect(merged.body).toMatchObject({ state: 'merged' });
    }
    // The state and the lock are two writes: the lock goes a moment after
    // the state says merged (or at the next reconciliation round).
    await d.waitFor('lock released', async () =>
      (await lockOf(id)).length === 0 ? true : undefined,
    );
    const lockReleasedAfterMs = Date.now() - killedAt;
    const row = await d.action(id);
    expect(row.state).toBe('merged');
    const counts = gh
      ? {
          pullRequests: d.gh.count(PULLS) - before.pulls,
          merges: d.gh.count(MERGE) - before.merges,
        }
      : {
          commitsOfAction: d
            .git('log', '--all', '--format=%H', `--grep=^Gitops-Action: ${id}$`)
            .split('\n')
            .filter(Boolean).length,
        };
    // Exactly one pull request and one merge, whoever made them; locally
    // the branch commit and at most a merge commit.
    const prs = gh ? (await pullRequestsOf(id)).length : 1;
    expect({ prs, merges: (counts as any).merges ?? 1 }).toEqual({
      prs: 1,
      merges: 1,
    });
    expect((counts as any).commitsOfAction ?? 1).toBeLessThanOrEqual(2);
    figures.push({
      scenario: `kill -9 after ${point} (${gh ? 'GitHub' : 'local'})`,
      leaseSeconds: 4,
      takeoverMs,
      lockReleasedAfterMs,
      ...counts,
    });
  }

  it('kill -9 of the replica holding the lock after the branch (GitHub): the other replica opens the one pull request; one merge', async () => {
    await killDuring(true, 'branch', a, b, 'guestbook-ui');
  });

  it('GitHub 5xx and secondary rate limits during writes: retried or a clear failed state, never two pull requests', async () => {
    await up(b);
    // The pull request is created, but the answer is a 502: the retry finds it.
    d.gh.faults.inject({
      match: PULLS,
      kind: 'error',
      status: 502,
      phase: 'after',
      times: 1,
    });
    const before = d.gh.count(PULLS);
    const first = await requested(b, 'guestbook-api', true, 'fi-502-after');
    const opened = await approve(b, first);
    expect(opened.body).toMatchObject({ state: 'pull-request-open' });
    expect(await pullRequestsOf(first)).toHaveLength(1);
    const pullRequestRequests = d.gh.count(PULLS) - before;
    expect((await merge(b, first)).body.state).toBe('merged');

    // A secondary rate limit on the branch: retried after retry-after.
    d.gh.faults.secondaryRateLimit(REFS, { retryAfter: 1, times: 1 });
    const second = await requested(b, 'guestbook-api', true, 'fi-secondary');
    const t0 = Date.now();
    const opened2 = await approve(b, second);
    const secondaryMs = Date.now() - t0;
    expect(opened2.body).toMatchObject({ state: 'pull-request-open' });
    expect((await merge(b, second)).body.state).toBe('merged');

    // GitHub keeps failing: a clear failed state, nothing left locked or open.
    d.gh.faults.failNext(COMMITS, 503, 50);
    const third = await requested(b, 'guestbook-api', true, 'fi-503');
    const failed = await approve(b, third);
    expect(failed.status).toBe(409);
    expect(failed.body.error.message).toMatch(/writing to Git failed: .*503/);
    d.gh.faults.reset();
    const row = await d.action(third);
    expect(row.state).toBe('failed');
    expect(await lockOf(third)).toEqual([]);
    expect(await pullRequestsOf(third)).toHaveLength(0);
    figures.push({
      scenario: 'GitHub faults during writes',
      '502 after the pull request was created': {
        pullRequestRequests,
        pullRequests: 1,
      },
      'secondary rate limit on the branch (retry-after 1 s)': {
        approvalMs: secondaryMs,
        pullRequests: 1,
      },
      '503 on every commit': { state: row.state, pullRequests: 0, locks: 0 },
    });
  });

  it('pull requests merged and closed on GitHub by hand are reconciled within a reconciliation period', async () => {
    await up(b);
    const toMerge = await requested(
      b,
      'guestbook-worker',
      true,
      'fi-by-hand-merge',
      'prod-us',
    );
    const toClose = await requested(
      b,
      'guestbook-worker',
      true,
      'fi-by-hand-close',
      'prod-eu',
    );
    expect((await approve(b, toMerge)).body.state).toBe('pull-request-open');
    expect((await approve(b, toClose)).body.state).toBe('pull-request-open');
    const numberOf = async (id: string) => (await pullRequestsOf(id))[0].number;
    await d.gh.mergePullRequest(GH_SLUG, await numberOf(toMerge));
    await d.gh.closePullRequest(GH_SLUG, await numberOf(toClose));
    const merged = await d.waitFor(
      'merged by hand',
      stateIs(toMerge, 'merged'),
      10_000,
    );
    const closed = await d.waitFor(
      'closed by hand',
      stateIs(toClose, 'cancelled'),
      10_000,
    );
    expect(await lockOf(toMerge)).toEqual([]);
    expect(await lockOf(toClose)).toEqual([]);
    // One reconciliation period is 1 s; a round on both replicas plus the
    // GitHub lookups stays well inside 5 s.
    expect(merged.afterMs).toBeLessThan(5000);
    expect(closed.afterMs).toBeLessThan(5000);
    figures.push({
      scenario: 'pull requests changed on GitHub by hand (reconcile every 1 s)',
      mergedReconciledMs: merged.afterMs,
      closedReconciledMs: closed.afterMs,
    });
  });

  it('kill -9 of the replica holding the lock after the pull request (GitHub): the other replica adopts it; one pull request, one merge', async () => {
    await killDuring(true, 'pull request', b, a, 'guestbook-worker');
  });

  it('kill -9 of the replica holding the lock after the merge (GitHub): reconciliation finishes it; exactly one merge', async () => {
    await killDuring(true, 'merge', a, b, 'guestbook-api');
  });

  it('kill -9 of the replica holding the lock after the branch (local Git): the other replica finishes it', async () => {
    await killDuring(false, 'branch', b, a, 'guestbook-api');
  });

  it('kill -9 of the replica holding the lock after the merge (local Git): reconciliation finishes it', async () => {
    await killDuring(false, 'merge', a, b, 'guestbook-worker');
  });

  // Deployment steps (issue #9) on the same deployment: starting two
  // backends costs most of a minute. See stepScenarios.ts for the rules.
  describe('deployment steps under faults', () => {
    const suite = () => ({ deployment: d, up, restartLater, figures });
    beforeAll(() => prepareStepScenarios(d));

    it('kill -9 of the backend running an after step mid-request: another backend resumes it within the lease; the step passes, the cut attempt is sent once more, the rollout is verified', async () => {
      await resumedAfterKill(suite());
    });

    it('kill -9 while an after step fails, and again while its automatic rollback is written: the rollback happens exactly once; the action fails, its rollout failed then rolled back, the version held', async () => {
      await rolledBackOnceDespiteKills(suite());
    });
  });
});
