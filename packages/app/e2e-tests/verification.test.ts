import { APIRequestContext, expect, Page, test } from '@playwright/test';
import {
  demoSummary,
  git,
  open,
  screenshotPath,
  uiVersionAtHead,
} from './helpers';

/**
 * Deployment steps and automatic rollback in the demo (issue #9): the guest
 * promotes guestbook-ui's bad version (#162, in qa, where no smoke test
 * runs) to staging. After the rollout, staging's steps run: wait-healthy
 * passes, the http smoke test against the demo endpoint gets a 500, and the
 * portal rolls staging back through Git (initiator policy:auto-rollback),
 * holds the bad version and notifies the owners.
 *
 * Runs last (alphabetically) and changes only guestbook-ui in staging, which
 * the other files do not assert on after their own runs. It needs a fresh
 * demo (`node scripts/demo/create-demo.mjs --force`, as a CI checkout has):
 * the hold and the once-per-version automatic rollback live in the portal's
 * database, which `.demo/db` keeps across restarts.
 */
test.describe.configure({ mode: 'serial' });

const BACKEND = process.env.PLAYWRIGHT_BACKEND_URL ?? 'http://localhost:7007';
const TAB = '/catalog/default/component/guestbook-ui/gitops';
const ENTITY_API = `${BACKEND}/api/gitops/v1/entities/default/component/guestbook-ui`;

/** What the first test found, for the second. */
const run: { actionId?: string; rollbackId?: string; bad?: string } = {};

async function api(
  request: APIRequestContext,
  token: string,
  path: string,
): Promise<any> {
  const res = await request.get(
    path.startsWith('http') ? path : `${BACKEND}${path}`,
    {
      headers: { authorization: token },
    },
  );
  expect(res.status(), await res.text()).toBe(200);
  return res.json();
}

/** Polls `fn` until it returns a value; returns it. */
async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeout: number,
): Promise<T> {
  let value: T | undefined;
  await expect
    .poll(async () => (value = await fn()) !== undefined, {
      message: what,
      timeout,
      intervals: [1000],
    })
    .toBe(true);
  return value!;
}

/** The token the page itself sends (from its next request to the GitOps API). */
async function pageToken(page: Page, trigger: () => Promise<unknown>) {
  const [req] = await Promise.all([
    page.waitForRequest(r => r.url().includes('/api/gitops/v1/')),
    trigger(),
  ]);
  const token = await req.headerValue('authorization');
  expect(token).toMatch(/^Bearer /);
  return token!;
}

test('promoting the bad version to staging: wait-healthy passes, the smoke test gets a 500, the portal rolls back through Git and holds the version', async ({
  page,
  request,
}) => {
  const [badVersion] = demoSummary().badVersions;
  expect(badVersion.service).toBe('guestbook-ui');
  const bad: string = badVersion.version;
  const before = uiVersionAtHead('staging');
  expect(uiVersionAtHead('qa')).toBe(bad);
  expect(
    before,
    'staging already runs the bad version: stop the portal and run `node scripts/demo/create-demo.mjs --force`',
  ).not.toBe(bad);

  await open(page, TAB);
  const token = await pageToken(page, () => page.reload());
  const held = await api(request, token, `${ENTITY_API}/holds`);
  expect(
    held.items.filter((h: any) => h.version === bad),
    'this demo already held the bad version (the hold is kept across restarts in .demo/db): stop the portal and run `node scripts/demo/create-demo.mjs --force`',
  ).toEqual([]);

  // qa runs the bad version, healthy (the source-healthy gate wants that).
  const qa = page.getByTestId('gitops-env-qa');
  await expect(qa.getByTestId('gitops-env-version')).toHaveText(bad);
  await expect(qa.getByTestId('gitops-env-health')).toHaveText('Healthy', {
    timeout: 90_000,
  });

  // 1. The guest promotes qa → staging through the dialog (staging is written directly).
  await qa.getByTestId('gitops-env-promote').click();
  const dialog = page.getByTestId('gitops-promote-dialog');
  await expect(dialog).toContainText(`${bad} from qa to staging`);
  await dialog
    .getByTestId('gitops-promote-reason')
    .fill('German plural forms for the staging load test');
  const started = Date.now();
  const [response] = await Promise.all([
    page.waitForResponse(
      r => r.url().endsWith('/promotions') && r.request().method() === 'POST',
    ),
    dialog.getByTestId('gitops-promote-confirm').click(),
  ]);
  expect(response.status()).toBe(201);
  const action = await response.json();
  expect(action).toMatchObject({
    kind: 'promotion',
    version: bad,
    environments: ['staging'],
    requestedBy: 'user:default/guest',
  });
  run.actionId = action.id;
  run.bad = bad;
  await expect(dialog.getByTestId('gitops-action-result')).toContainText(
    `Promotion #${action.id}`,
  );

  // 2. Its steps, as the API gives them to the page: wait-healthy passed, the smoke test failed with 500.
  const steps: any[] = await until(
    'the steps of staging to finish',
    async () => {
      const { items } = await api(
        request,
        token,
        `/api/gitops/v1/actions/${action.id}/steps`,
      );
      return items.length > 0 &&
        items.every((s: any) => !['pending', 'running'].includes(s.state))
        ? items
        : undefined;
    },
    90_000,
  );
  const byName = Object.fromEntries(steps.map((s: any) => [s.name, s]));
  expect(steps.map((s: any) => [s.environment, s.phase, s.type])).toEqual([
    ['staging', 'after', 'wait-healthy'],
    ['staging', 'after', 'http'],
    ['staging', 'after', 'notify'],
    ['staging', 'after', 'notify'],
  ]);
  expect(byName['wait-healthy']).toMatchObject({
    state: 'passed',
    message: `staging runs ${bad}, healthy and synced`,
  });
  expect(byName.smoke).toMatchObject({
    type: 'http',
    state: 'failed',
    output: { status: 500 },
  });
  expect(byName.smoke.message).toContain('HTTP 500');
  expect(byName['notify-failed']).toMatchObject({
    state: 'passed',
    message: `notified: guestbook-ui ${bad} failed its post-rollout checks in staging`,
  });
  expect(byName['notify-verified'].state).toBe('skipped');

  // 3. The automatic rollback: an action of policy:auto-rollback, merged, back to the version staging ran before.
  const rollback = await until(
    'the automatic rollback to be merged',
    async () =>
      (
        await api(request, token, `${ENTITY_API}/actions`)
      ).items.find(
        (a: any) =>
          a.kind === 'rollback' &&
          a.requestedBy === 'policy:auto-rollback' &&
          a.commitSha &&
          Date.parse(a.createdAt) >= Date.parse(action.createdAt),
      ),
    60_000,
  );
  run.rollbackId = rollback.id;
  const rolledBackIn = Date.now() - started;
  expect(rollback).toMatchObject({
    environments: ['staging'],
    version: before,
    mode: 'direct',
  });
  expect(['merged', 'syncing', 'succeeded']).toContain(rollback.state);
  const timing = `promote → automatic rollback merged: ${(
    rolledBackIn / 1000
  ).toFixed(1)} s`;
  test.info().annotations.push({ type: 'timing', description: timing });
  // eslint-disable-next-line no-console -- the run's timing, shown by the list reporter
  console.log(timing);

  // The promotion itself ends failed, with the step that failed.
  await expect
    .poll(
      async () =>
        (
          await api(request, token, `${ENTITY_API}/actions`)
        ).items.find((a: any) => a.id === action.id),
      { timeout: 30_000 },
    )
    .toMatchObject({
      state: 'failed',
      error: expect.stringContaining('verification failed in staging: smoke'),
    });

  // 4. The demo GitOps repository has the rollback commit on main; staging is back.
  git('merge-base', '--is-ancestor', rollback.commitSha, 'main');
  const message = git('log', '-1', '--format=%B', rollback.commitSha);
  expect(message).toMatch(/^rollback guestbook-ui in staging to /);
  expect(message).toContain('Gitops-Kind: rollback');
  expect(message).toContain('Gitops-Initiator: policy:auto-rollback');
  expect(message).toContain(`automatic rollback: the verification of ${bad}`);
  expect(uiVersionAtHead('staging')).toBe(before);

  // 5. The hold refuses the bad version: the API answers 409, the tab and the dialog show it.
  const holds = await api(request, token, `${ENTITY_API}/holds`);
  // (promotion.test.ts, run before, leaves a hold in prod-eu.)
  expect(holds.items.filter((h: any) => h.environment === 'staging')).toEqual([
    expect.objectContaining({
      environment: 'staging',
      version: bad,
      createdBy: 'policy:auto-rollback',
    }),
  ]);
  const again = await request.post(`${ENTITY_API}/promotions`, {
    headers: {
      authorization: token,
      'idempotency-key': `verification-again-${Date.now()}`,
    },
    data: { sourceEnvironment: 'qa' },
  });
  expect(again.status()).toBe(409);
  expect((await again.json()).error.message).toContain('hold');

  await page.reload();
  await expect(
    page.getByTestId('gitops-env-staging').getByTestId('gitops-env-hold'),
  ).toContainText(bad);
  await page
    .getByTestId('gitops-env-qa')
    .getByTestId('gitops-env-promote')
    .click();
  const blocked = page.getByTestId('gitops-promote-dialog');
  await expect(blocked.getByTestId('gitops-promote-blocked')).toContainText(
    'hold',
  );
  await expect(blocked.getByTestId('gitops-promote-confirm')).toBeDisabled();
  await page.screenshot({
    path: screenshotPath('verification-hold.png'),
    fullPage: true,
  });
  await page.keyboard.press('Escape');

  // 6. The rollback's own verification passes (staging runs the old version again).
  await expect
    .poll(
      async () =>
        (
          await api(request, token, `${ENTITY_API}/actions`)
        ).items.find((a: any) => a.id === rollback.id)?.state,
      { message: 'the rollback to be verified', timeout: 60_000 },
    )
    .toBe('succeeded');

  // 7. The notifications page (its sidebar item) shows the notifications of
  // the service's owners: the guest is in the owning group (and asked).
  await page
    .getByRole('link', { name: /Notifications/ })
    .first()
    .click();
  await expect(page).toHaveURL(/\/notifications/);
  // (Rows of the page link to the tab, an absolute link says it opens a new
  // window; a toast may repeat the newest one.)
  // Other files' promotions notify the guest too: show this test's only.
  await page.getByPlaceholder('Filter').fill('in staging');
  for (const title of [
    `guestbook-ui ${bad} failed its post-rollout checks in staging`,
    `guestbook-ui ${bad} failed verification in staging`,
    `guestbook-ui ${before} verified in staging`,
  ]) {
    await expect(page.getByRole('link', { name: title })).toBeVisible();
  }
  await page.screenshot({
    path: screenshotPath('verification-notifications.png'),
    fullPage: true,
  });
});

/*
 * The live timeline of deployment steps (issue #9, point 4): on the GitOps
 * tab, a region "Deployment steps of action #<id>" per action, each step an
 * item with its state, message and output.
 */
test('the GitOps tab shows the steps of both actions: wait-healthy passed and http failed (HTTP 500), the automatic rollback, then its own steps passed', async ({
  page,
}) => {
  expect(run.actionId, 'the promotion of the first test').toBeDefined();
  await open(page, TAB);
  const timeline = (id: string) =>
    page.getByRole('region', {
      name: new RegExp(`Deployment steps of action #${id}$`),
    });
  const step = (id: string, type: string) =>
    timeline(id)
      .getByRole('listitem')
      .and(page.locator(`[data-step-type="${type}"]`));

  const promotion = run.actionId!;
  await expect(timeline(promotion)).toBeVisible();
  await expect(step(promotion, 'wait-healthy')).toHaveAttribute(
    'data-state',
    'passed',
  );
  await expect(step(promotion, 'wait-healthy')).toContainText('passed');
  await expect(step(promotion, 'http')).toHaveAttribute('data-state', 'failed');
  await expect(step(promotion, 'http')).toContainText('failed');
  await expect(step(promotion, 'http')).toContainText('HTTP 500');
  // What the verification policy did: the automatic rollback, by its number.
  await expect(
    timeline(promotion).getByTestId('gitops-step-auto-rollback'),
  ).toContainText(`rollback #${run.rollbackId}`);

  // The rollback's own verification: staging answers 200 again.
  const rollback = run.rollbackId!;
  await expect(timeline(rollback)).toBeVisible();
  await expect(step(rollback, 'wait-healthy')).toHaveAttribute(
    'data-state',
    'passed',
  );
  await expect(step(rollback, 'http')).toHaveAttribute('data-state', 'passed');
  await expect(step(rollback, 'http')).toContainText('HTTP 200');
  await page.screenshot({
    path: screenshotPath('verification-timeline.png'),
    fullPage: true,
  });
});
