import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  EnvironmentDefinition,
  GitopsAction,
} from '@gitops2/plugin-gitops-common';
import type { StepContext, StepDefinition } from '../types';

/** A promotion of guestbook-ui 1.4.2 to staging, merged. */
export const promotion: GitopsAction = {
  id: '42',
  kind: 'promotion',
  state: 'merged',
  repositoryId: 'demo',
  service: 'guestbook-ui',
  sourceEnvironment: 'qa',
  environments: ['staging'],
  version: '1.4.2',
  mode: 'direct',
  requestedBy: 'user:default/alice',
  createdAt: '2026-11-30T10:00:00.000Z',
  updatedAt: '2026-11-30T10:01:00.000Z',
  changes: [],
  gates: [],
  approvals: [],
  requiredApprovals: 0,
  entityRef: 'component:default/guestbook-ui',
  commitSha: '0123456789abcdef0123456789abcdef01234567',
};

export const staging: EnvironmentDefinition = {
  name: 'staging',
  stage: 'staging',
  stageIndex: 2,
  cluster: 'staging-cluster',
  namespace: 'guestbook-staging',
  url: 'https://staging.guestbook.example.com',
};

/** Everything a logger was asked to write, to prove secrets never are. */
export function capturingLogger(): LoggerService & { lines: string[] } {
  const lines: string[] = [];
  const logger = {
    lines,
    error: (m: string, meta?: unknown) =>
      lines.push(`${m} ${JSON.stringify(meta ?? {})}`),
    warn: (m: string, meta?: unknown) =>
      lines.push(`${m} ${JSON.stringify(meta ?? {})}`),
    info: (m: string, meta?: unknown) =>
      lines.push(`${m} ${JSON.stringify(meta ?? {})}`),
    debug: (m: string, meta?: unknown) =>
      lines.push(`${m} ${JSON.stringify(meta ?? {})}`),
    child: () => logger,
  };
  return logger as unknown as LoggerService & { lines: string[] };
}

export function stepDefinition(
  type: string,
  options: StepDefinition['options'],
  extra: Partial<StepDefinition> = {},
): StepDefinition {
  return {
    type,
    name: type,
    when: 'onSuccess',
    timeoutSeconds: 300,
    options,
    ...extra,
  };
}

/** A context whose capabilities fail loudly unless the test gives them. */
export function stepContext(overrides: Partial<StepContext> = {}): StepContext {
  const unexpected = (what: string) => () => {
    throw new Error(
      `the step called ctx.${what}, which this test did not expect`,
    );
  };
  return {
    action: promotion,
    environment: staging,
    phase: 'after',
    attempt: 1,
    startedAtMs: Date.now(),
    state: {},
    signal: new AbortController().signal,
    logger: capturingLogger(),
    fetch: unexpected('fetch') as StepContext['fetch'],
    secret: () => undefined,
    observed: unexpected('observed') as StepContext['observed'],
    checks: unexpected('checks') as StepContext['checks'],
    notify: unexpected('notify') as StepContext['notify'],
    ...overrides,
  };
}

/**
 * Calls `run` the way the engine does: again with the state it returned,
 * while it says `running`, at most `maxAttempts` times (no waiting: the
 * tests move `startedAtMs` instead of the clock).
 */
export async function runUntilDone(
  run: (ctx: StepContext) => Promise<import('../types').StepAttemptResult>,
  ctx: StepContext,
  maxAttempts = 20,
) {
  const attempts = [];
  let current = ctx;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const result = await run(current);
    attempts.push(result);
    if (result.status !== 'running') break;
    current = { ...current, attempt: attempt + 1, state: result.state ?? {} };
  }
  return attempts;
}
