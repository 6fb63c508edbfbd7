import { expect, test } from '@playwright/test';
import { open, screenshotPath, uiVersionAtHead } from './helpers';

/**
 * Cluster observation in the demo: the in-process Kubernetes doubles play
 * Argo CD for the demo GitOps repository (a few seconds after startup), and
 * the rollout of guestbook-worker in staging degrades (CrashLoopBackOff).
 * The dashboard and the tab poll our backend, so they change without reload.
 */
const ENVIRONMENTS = ['dev', 'qa', 'staging', 'prod-us', 'prod-eu'];

test('the dashboard shows each environment live: staging ERROR, the others deployed, and the versions matrix', async ({
  page,
}) => {
  await open(page, '/gitops/dashboard');

  for (const env of ENVIRONMENTS) {
    await expect(page.getByTestId(`gitops-dashboard-env-${env}`)).toBeVisible();
  }
  // The degraded rollout of guestbook-worker makes staging ERROR.
  const staging = page.getByTestId('gitops-dashboard-env-staging');
  await expect(staging.getByTestId('gitops-dashboard-status')).toHaveText(
    'ERROR',
    { timeout: 90_000 },
  );
  await expect(
    staging.getByTestId('gitops-dashboard-deployments'),
  ).toContainText(/[1-9]\d* degraded/);

  // Another environment is DEPLOYED (all healthy).
  const deployed = page
    .locator('[data-testid^="gitops-dashboard-env-"]')
    .filter({
      has: page
        .getByTestId('gitops-dashboard-status')
        .filter({ hasText: /^DEPLOYED$/ }),
    });
  await expect(deployed.first()).toBeVisible({ timeout: 90_000 });

  // Counts, connection and recent rollouts are there.
  const dev = page.getByTestId('gitops-dashboard-env-dev');
  await expect(dev.getByTestId('gitops-dashboard-connection')).toContainText(
    'connected',
  );
  await expect(dev.getByTestId('gitops-dashboard-pods')).toContainText(
    'running',
  );
  await expect(
    dev.getByTestId('gitops-dashboard-rollout').first(),
  ).toBeVisible();

  // The matrix: guestbook-ui's versions are what Git holds per environment.
  const matrix = page.getByTestId('gitops-dashboard-matrix');
  await expect(matrix).toBeVisible();
  for (const env of ENVIRONMENTS) {
    await expect(
      matrix
        .getByTestId(`gitops-matrix-guestbook-ui-${env}`)
        .getByTestId('gitops-matrix-version'),
    ).toHaveText(uiVersionAtHead(env));
  }

  await page.screenshot({
    path: screenshotPath('dashboard.png'),
    fullPage: true,
  });
});

test('the GitOps tab of guestbook-worker shows staging Degraded, with live status per environment', async ({
  page,
}) => {
  await open(page, '/catalog/default/component/guestbook-worker/gitops');
  const staging = page.getByTestId('gitops-env-staging');
  await expect(staging).toBeVisible();
  await expect(staging.getByTestId('gitops-env-health')).toHaveText(
    'Degraded',
    { timeout: 90_000 },
  );
  await expect(staging.getByTestId('gitops-env-replicas')).toContainText(
    'replicas ready',
  );
  await expect(
    page.getByTestId('gitops-env-dev').getByTestId('gitops-env-health'),
  ).toBeVisible();
  await expect(page.getByTestId('gitops-env-compare')).toBeVisible();
  // The ledger records the degraded rollout as such.
  const degraded = page
    .getByTestId('gitops-rollout-row')
    .filter({ hasText: 'staging' })
    .filter({ hasText: 'degraded' });
  await expect(degraded.first()).toBeVisible();
  await page.screenshot({
    path: screenshotPath('gitops-tab-live.png'),
    fullPage: true,
  });
});
