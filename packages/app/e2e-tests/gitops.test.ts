import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, git, open, uiVersionAtHead } from './helpers';

/**
 * The GitOps tab against the demo repository that `npm start` created:
 * versions are read from Git here, independently of the backend.
 */
const ENVIRONMENTS = ['dev', 'qa', 'staging', 'prod-us', 'prod-eu'];

test.beforeAll(() => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

test('the catalog lists the demo services', async ({ page }) => {
  await open(page, '/');
  await expect(page.getByRole('link', { name: 'Guestbook UI' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Guestbook API' })).toBeVisible();
});

test('the GitOps tab of guestbook-ui shows what the demo GitOps repository holds', async ({
  page,
}) => {
  await open(page, '/catalog/default/component/guestbook-ui/gitops');

  for (const env of ENVIRONMENTS) {
    const card = page.getByTestId(`gitops-env-${env}`);
    await expect(card).toBeVisible();
    await expect(card.getByTestId('gitops-env-version')).toHaveText(
      uiVersionAtHead(env),
    );
  }

  // The rollback of the demo history is in the rollout history.
  const rollbackSubject = git(
    'log',
    '--format=%s',
    '--grep=^rollback guestbook-ui',
    '-n',
    '1',
  );
  expect(rollbackSubject).toMatch(/^rollback guestbook-ui in prod-eu/);
  const rollbackRows = page
    .getByTestId('gitops-rollout-row')
    .filter({ hasText: 'rollback' });
  await expect(rollbackRows.first()).toBeVisible();
  await expect(rollbackRows.first()).toContainText('prod-eu');

  await page.screenshot({
    path: path.join(ARTIFACTS, 'gitops-tab.png'),
    fullPage: true,
  });
});

test('the overview card on the entity page shows the environments', async ({
  page,
}) => {
  await open(page, '/catalog/default/component/guestbook-ui');
  const prodEu = uiVersionAtHead('prod-eu');
  await expect(page.getByText(prodEu).first()).toBeVisible();
});
