import { expect, test } from '@playwright/test';
import { demoSummary, open, screenshotPath } from './helpers';

/**
 * Feature-to-deployment correlation on the demo: the change set of each
 * rollout, the feature tracker for SAAS-1543, and what the rollback removed.
 */

test('the rollout history shows the pull requests and issue keys each rollout carried', async ({
  page,
}) => {
  await open(page, '/catalog/default/component/guestbook-ui/gitops');
  const promotion = page
    .getByTestId('gitops-rollout-row')
    .filter({ hasText: 'prod-us' })
    .filter({ hasText: 'promotion' })
    .first();
  await promotion.getByRole('button', { name: 'Show changes' }).click();
  const changeSet = page.getByTestId('gitops-change-set').first();
  await expect(changeSet).toBeVisible();
  await expect(
    changeSet.getByTestId('gitops-change-set-pr').first(),
  ).toBeVisible();
  await expect(
    changeSet.getByTestId('gitops-change-set-issue').first(),
  ).toBeVisible();
  await expect(changeSet).toContainText('SAAS-1543');
});

test('the rollback of prod-eu shows the features it removed', async ({
  page,
}) => {
  await open(page, '/catalog/default/component/guestbook-ui/gitops');
  const rollback = page
    .getByTestId('gitops-rollout-row')
    .filter({ hasText: 'prod-eu' })
    .filter({ hasText: 'rollback' })
    .first();
  await rollback.getByRole('button', { name: 'Show changes' }).click();
  const removed = page.getByTestId('gitops-change-set-removed').first();
  await expect(removed).toBeVisible();
  await expect(removed).toContainText('SAAS-1543');
});

test('the feature tracker tells where SAAS-1543 runs, since when, and its dwell in staging', async ({
  page,
}) => {
  const summary = demoSummary();
  const where = summary.issues['SAAS-1543'];
  await open(page, '/gitops/features?q=SAAS-1543');
  const service = page.getByTestId('gitops-feature-service-guestbook-ui');
  await expect(service).toBeVisible();
  for (const env of ['dev', 'qa', 'staging', 'prod-us', 'prod-eu']) {
    const expected =
      where.environments?.[env]?.deployed ?? where[env]?.deployed;
    const row = service.getByTestId(`gitops-feature-env-${env}`);
    await expect(row).toBeVisible();
    if (expected !== undefined) {
      await expect(row).toContainText(expected ? 'present' : 'absent');
    }
  }
  await expect(service.getByTestId(`gitops-feature-env-prod-us`)).toContainText(
    'present',
  );
  await expect(service.getByTestId(`gitops-feature-env-prod-eu`)).toContainText(
    'absent',
  );
  await expect(
    service.getByTestId('gitops-feature-removed').first(),
  ).toBeVisible();
  // How long it stayed in staging before prod-us, against the demo's own dates.
  const envs = where.environments;
  const minutes = Math.floor(
    (Date.parse(envs['prod-us'].deployedAt) -
      Date.parse(envs.staging.deployedAt)) /
      60_000,
  );
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  await expect(
    service
      .getByTestId('gitops-feature-dwell')
      .filter({ hasText: 'in staging before prod-us' }),
  ).toContainText(`${days} d ${hours} h in staging before prod-us`);
  await page.screenshot({
    path: screenshotPath('feature-tracker.png'),
    fullPage: true,
  });
});
