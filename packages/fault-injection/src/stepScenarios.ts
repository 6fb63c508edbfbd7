/*
 * Deployment steps under faults (issue #9 acceptance: "a restart of the
 * backend in the middle of an `after` step resumes it"). Environment qa of
 * the local repository gets an `http` smoke test after each rollout,
 * against the suite's counting target (allowlisted in both replicas'
 * config), and `onFailedVerification: rollback`. The target holds the
 * first request of a version open, so the backend running the step is
 * killed (kill -9) while the attempt is in flight.
 *
 * The attempt rule asserted: an attempt is recorded when it ends, so the
 * attempt cut by the kill is never recorded and the replica that takes the
 * step over runs it again under the same number. Hence the target sees
 * exactly one request more than the attempts recorded (the one cut off,
 * seen as aborted), every recorded attempt is one answered request, and
 * never two requests of one step are open at once.
 */

import type { Deployment } from './Deployment';
import type { Replica } from './Replica';

/** What the write-path suite shares with these scenarios (one deployment for both). */
export interface FaultSuite {
  deployment: Deployment;
  /** The replica is up (waits for a restart under way). */
  up(r: Replica): Promise<void>;
  /** Starts the replica again in the background after a kill. */
  restartLater(r: Replica): void;
  figures: Array<Record<string, unknown>>;
}

const AUTO_ROLLBACK = 'policy:auto-rollback';
/**
 * Step leases follow gitops.promotion.leaseSeconds (4 s in this suite) and
 * the steps task runs every 2 s: a lease, a round, and slack for a loaded
 * machine.
 */
const TAKEOVER_BOUND_MS = 4_000 + 2 * 2_000 + 2_000;

/** qa: a smoke test after each rollout, and a rollback when it fails. */
export function prepareStepScenarios(d: Deployment): void {
  d.editPipeline(doc => {
    const qa = ['spec', 'environments', 'qa'];
    doc.setIn([...qa, 'promotion', 'onFailedVerification'], 'rollback');
    doc.setIn([...qa, 'steps'], {
      after: [
        {
          type: 'http',
          name: 'smoke',
          timeout: '2m',
          options: {
            url: `${d.target.url}/smoke/{service}?version={version}`,
            failureStatus: [500],
            interval: '1s',
            requestTimeout: '20s',
          },
        },
      ],
    });
  }, 'qa: a smoke test after each rollout, rolled back when it fails');
}

/**
 * The target answers the cut request's re-run with 503 (not yet), then
 * 200: the step passes on the replica that took it over.
 */
export async function resumedAfterKill(suite: FaultSuite): Promise<void> {
  const d = suite.deployment;
  for (const r of d.replicas) await suite.up(r);
  const version = 'fi-steps-resume';
  d.target.script(version, ['hang', 503, 200]);
  const action = await promoteToQa(d, d.replicas[0], 'guestbook-ui', version);
  const { victim, killedAt } = await killStepRunner(suite, action.id, version);
  // The victim may still be starting again when the step has passed.
  const survivor = d.replicas.find(r => r !== victim)!;

  const resumed = await d.waitFor('the step resumed', async () =>
    d.target.of(version).find(r => r.index === 2),
  );
  const takeoverMs = resumed.value.startedAt - killedAt;
  expect(takeoverMs).toBeLessThan(TAKEOVER_BOUND_MS);
  await d.waitFor(
    'verified: action succeeded',
    actionIs(d, action.id, 'succeeded'),
  );

  const step = await stepOf(d, action.id);
  expect(step).toMatchObject({
    state: 'passed',
    attempt: 2,
    claimed_by: null,
  });
  expect(JSON.parse(step.output)).toMatchObject({ status: 200 });
  // The cut request, then the survivor's attempts 1 (503, not yet) and 2.
  expect(seen(d, version)).toEqual(['aborted', 503, 200]);
  expect(d.target.of(version)).toHaveLength(step.attempt + 1);
  expect(d.target.maxConcurrent(version)).toBe(1);
  expect(await rolloutOutcome(d, 'guestbook-ui', version)).toBe('verified');
  // The timeline as the portal reads it.
  const timeline = await d.api(
    survivor,
    d.tokens.guest,
    'GET',
    `/v1/actions/${action.id}/steps`,
  );
  expect(timeline.body.items).toEqual([
    expect.objectContaining({
      name: 'smoke',
      phase: 'after',
      state: 'passed',
      attempt: 2,
    }),
  ]);
  expect(await d.action(action.id)).toMatchObject({ claimed_by: null });
  expect(
    await d.db('gitops_environment_locks').where({ action_id: action.id }),
  ).toEqual([]);
  suite.figures.push({
    scenario: 'kill -9 during an after step (http, request in flight)',
    stepLeaseSeconds: 4,
    takeoverMs,
    requests: d.target.of(version).length,
    attemptsRecorded: step.attempt,
    outcome: 'verified',
  });
}

/**
 * The target answers the cut request's re-run with 500 (fails at once);
 * the replica handing the failed phase on is killed while it writes the
 * automatic rollback (right after `main` moved). Both replicas are down
 * for a while: the first one back finishes everything.
 */
export async function rolledBackOnceDespiteKills(
  suite: FaultSuite,
): Promise<void> {
  const d = suite.deployment;
  for (const r of d.replicas) await suite.up(r);
  const version = 'fi-steps-rollback';
  d.target.script(version, ['hang', 500]);
  const action = await promoteToQa(d, d.replicas[1], 'guestbook-api', version);
  const previous = action.changes[0].fromVersion as string;
  expect(previous).toBeTruthy();
  const first = await killStepRunner(suite, action.id, version);

  const survivor = d.replicas.find(r => r !== first.victim)!;
  d.killOnLocalRefUpdate(' refs/heads/main');
  await d.waitFor('the rollback writer killed', async () =>
    !survivor.running ? true : undefined,
  );
  d.disarmLocal();
  suite.restartLater(survivor);

  const failed = await d.waitFor(
    'the promotion failed its verification',
    actionIs(d, action.id, 'failed'),
    180_000,
  );
  expect(failed.value.error).toMatch(/verification failed in qa: smoke/);
  const rollbacks = await d
    .db('gitops_actions')
    .where({ requested_by: AUTO_ROLLBACK, service: 'guestbook-api' });
  expect(rollbacks.map(r => [r.kind, r.version])).toEqual([
    ['rollback', previous],
  ]);
  const rollbackId = String(rollbacks[0].id);
  await d.waitFor(
    'the rollback verified',
    actionIs(d, rollbackId, 'succeeded'),
    120_000,
  );

  const step = await stepOf(d, action.id);
  expect(step).toMatchObject({
    state: 'failed',
    attempt: 1,
    claimed_by: null,
  });
  expect(seen(d, version)).toEqual(['aborted', 500]);
  expect(d.target.of(version)).toHaveLength(step.attempt + 1);
  expect(d.target.maxConcurrent(version)).toBe(1);
  // One rollback commit on main.
  expect(
    d
      .git(
        'log',
        'main',
        '--format=%H',
        `--grep=^Gitops-Action: ${rollbackId}$`,
      )
      .split('\n')
      .filter(Boolean),
  ).toHaveLength(1);
  // Its rollout failed, then the rollback took it away.
  expect(await rolloutOf(d, 'guestbook-api', version)).toMatchObject({
    outcome: 'rolled-back',
    outcome_before_rollback: 'failed',
    outcome_detail: expect.stringMatching(/step smoke \(http\) failed in qa/),
  });
  // The action's state and its rollout's outcome are written one after
  // the other (the outcome once ingestion recorded the rollback's commit).
  await d.waitFor('the restored rollout verified', async () =>
    (await rolloutOutcome(d, 'guestbook-api', previous)) === 'verified'
      ? true
      : undefined,
  );
  const holds = await d
    .db('gitops_holds')
    .where({ service: 'guestbook-api', environment: 'qa', version })
    .whereNull('lifted_at');
  expect(holds).toHaveLength(1);
  // The policy's decision is recorded once, by the backend that handed
  // the failed phase on after the kill: it found the rollback requested.
  const policy = await d
    .db('gitops_audit')
    .where({ action: 'verification-policy', action_id: action.id });
  expect(policy.map(p => p.message)).toEqual([
    expect.stringMatching(
      new RegExp(
        `^qa: smoke failed; already rolling back: action #${rollbackId} `,
      ),
    ),
  ]);
  for (const id of [action.id, rollbackId]) {
    // No lease stays: one a live replica holds for a moment (finishing the
    // action's follow-ups) is let go within seconds.
    await d.waitFor(
      `action #${id} let go by every replica`,
      async () => ((await d.action(id)).claimed_by === null ? true : undefined),
      15_000,
    );
    expect(
      await d.db('gitops_environment_locks').where({ action_id: id }),
    ).toEqual([]);
  }
  expect(
    await d
      .db('gitops_step_runs')
      .whereIn('action_id', [action.id, rollbackId])
      .whereNotNull('claimed_by'),
  ).toEqual([]);
  suite.figures.push({
    scenario:
      'kill -9 during a failing after step, then during its automatic rollback',
    stepLeaseSeconds: 4,
    failedRecordedAfterSecondKillMs: failed.afterMs,
    requests: d.target.of(version).length,
    attemptsRecorded: step.attempt,
    rollbacks: rollbacks.length,
  });
}

async function promoteToQa(
  d: Deployment,
  r: Replica,
  service: string,
  version: string,
) {
  const res = await d.api(
    r,
    d.tokens.guest,
    'POST',
    `/v1/entities/default/component/${service}/promotions`,
    { version, environments: ['qa'] },
    { 'idempotency-key': `faults-${version}` },
  );
  // qa is written directly: merged at once, its smoke test planned.
  expect(res).toMatchObject({
    status: 201,
    body: { state: 'merged', mode: 'direct' },
  });
  return res.body as { id: string; changes: Array<any> };
}

/** Waits for the step's request to hang at the target, then kills the replica holding the step. */
async function killStepRunner(
  suite: FaultSuite,
  actionId: string,
  version: string,
) {
  const d = suite.deployment;
  await d.waitFor(
    'the smoke request in flight',
    async () => d.target.of(version).some(r => r.outcome === 'open'),
    30_000,
  );
  const claimedBy = String((await stepOf(d, actionId))?.claimed_by ?? '');
  const victim = d.replicas.find(
    r => r.pid === Number(claimedBy.split(':')[0]),
  );
  if (!victim) throw new Error(`no replica holds the step (${claimedBy})`);
  await victim.kill();
  const killedAt = Date.now();
  suite.restartLater(victim);
  return { victim, killedAt };
}

function stepOf(d: Deployment, actionId: string) {
  return d.db('gitops_step_runs').where({ action_id: actionId }).first();
}

function actionIs(d: Deployment, id: string, state: string) {
  return async () => {
    const row = await d.action(id);
    return row?.state === state && row;
  };
}

async function rolloutOutcome(d: Deployment, service: string, version: string) {
  return (await rolloutOf(d, service, version))?.outcome;
}

/** The latest rollout of a version to qa, as the ledger has it. */
function rolloutOf(d: Deployment, service: string, version: string) {
  return d
    .db('gitops_rollouts')
    .where({ repository_id: 'demo', service, environment: 'qa' })
    .where({ to_version: version })
    .whereNull('rewritten_at')
    .orderBy('id', 'desc')
    .first('outcome', 'outcome_before_rollback', 'outcome_detail');
}

/** How each request of a version ended: its status, or aborted. */
function seen(d: Deployment, version: string) {
  return d.target.of(version).map(r => r.status ?? r.outcome);
}
