import type { GitopsAction, StepRun } from '@gitops2/plugin-gitops-common';
import { action } from './fixtures';

const BASE = Date.parse('2026-03-07T10:00:00.000Z');
const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();

function step(
  partial: Partial<StepRun> &
    Pick<StepRun, 'id' | 'phase' | 'position' | 'name' | 'type' | 'state'>,
): StepRun {
  return {
    actionId: '31',
    environment: 'staging',
    attempt: 1,
    ...partial,
  };
}

/**
 * Promotion #31 of 1.4.3 to staging, verification failed: the CI checks
 * passed before the write; after the merge wait-healthy passed, the smoke
 * test answered HTTP 500 (third attempt), the error-rate query passed and
 * the notification went out.
 */
export function makeFailedVerificationSteps(): StepRun[] {
  return [
    step({
      id: '101',
      phase: 'before',
      position: 0,
      name: 'checks',
      type: 'checks',
      state: 'passed',
      startedAt: at(0),
      finishedAt: at(0.8),
      message: 'all 2 checks passed on 1.4.3',
      output: { checks: 2, failed: [], pending: [] },
    }),
    step({
      id: '102',
      phase: 'after',
      position: 0,
      name: 'wait-healthy',
      type: 'wait-healthy',
      state: 'passed',
      attempt: 3,
      startedAt: at(10),
      finishedAt: at(52),
      message: 'staging runs 1.4.3, healthy and synced',
      output: {
        cluster: 'staging-cluster',
        connection: 'connected',
        health: 'Healthy',
        sync: 'Synced',
        observedVersions: ['1.4.3'],
      },
    }),
    step({
      id: '103',
      phase: 'after',
      position: 1,
      name: 'smoke',
      type: 'http',
      state: 'failed',
      attempt: 3,
      startedAt: at(52),
      finishedAt: at(67.5),
      message:
        'GET https://staging.guestbook.example.com/healthz: HTTP 500, failureStatus "5xx"',
      output: {
        url: 'https://staging.guestbook.example.com/healthz',
        status: 500,
      },
    }),
    step({
      id: '104',
      phase: 'after',
      position: 2,
      name: 'error-rate',
      type: 'prometheus',
      state: 'passed',
      startedAt: at(67.5),
      finishedAt: at(68),
      message: 'error rate 0.002 < 0.01',
      output: {
        server: 'default',
        query: 'sum(rate(http_errors_total[5m]))',
        value: 0.002,
        successes: 1,
        count: 1,
      },
    }),
    step({
      id: '105',
      phase: 'after',
      position: 3,
      name: 'tell-owners',
      type: 'notify',
      state: 'passed',
      startedAt: at(68),
      finishedAt: at(68.2),
      message: 'notified group:default/team-a',
      output: {
        title: 'guestbook-ui 1.4.3 failed its verification in staging',
      },
    }),
  ];
}

const NOT_STARTED = {
  startedAt: undefined,
  finishedAt: undefined,
  message: undefined,
  output: undefined,
};

/**
 * The same verification while the smoke test runs (its second attempt)
 * and the later steps wait.
 */
export function makeRunningVerificationSteps(): StepRun[] {
  const [checks, waitHealthy, smoke, errorRate, notify] =
    makeFailedVerificationSteps();
  return [
    checks,
    waitHealthy,
    {
      ...smoke,
      state: 'running',
      attempt: 2,
      finishedAt: undefined,
      message:
        'GET https://staging.guestbook.example.com/healthz: HTTP 200, success 1 of 3',
      output: {
        url: 'https://staging.guestbook.example.com/healthz',
        status: 200,
        successes: 1,
        count: 3,
      },
    },
    { ...errorRate, state: 'pending', attempt: 0, ...NOT_STARTED },
    { ...notify, state: 'pending', attempt: 0, ...NOT_STARTED },
  ];
}

/** Promotion #31 of 1.4.3 to staging, merged and verifying. */
export function makeVerifyingPromotion(): GitopsAction {
  return action({
    id: '31',
    kind: 'promotion',
    state: 'merged',
    sourceEnvironment: 'qa',
    environments: ['staging'],
    version: '1.4.3',
    requestedBy: 'user:default/alice',
    commitSha: 'a'.repeat(40),
    createdAt: at(-30),
    updatedAt: at(5),
  });
}

/**
 * #31 after its smoke test failed, and rollback #32 to 1.4.2 that the
 * verification policy requested (newest first, as the backend lists them).
 */
export function makeAutoRolledBack(): GitopsAction[] {
  const failed: GitopsAction = {
    ...makeVerifyingPromotion(),
    state: 'failed',
    error:
      'verification failed in staging: smoke: GET https://staging.guestbook.example.com/healthz: HTTP 500, failureStatus "5xx"',
    updatedAt: at(70),
  };
  const rollback = action({
    id: '32',
    kind: 'rollback',
    state: 'merged',
    environments: ['staging'],
    version: '1.4.2',
    mode: 'direct',
    requestedBy: 'policy:auto-rollback',
    reason: 'automatic rollback: the verification of 1.4.3 (action #31) failed',
    commitSha: 'b'.repeat(40),
    createdAt: at(69),
    updatedAt: at(69),
  });
  return [rollback, failed];
}
