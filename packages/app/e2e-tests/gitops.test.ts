import { expect, Page, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The GitOps tab against the demo repository that `npm start` created:
 * versions are read from Git here, independently of the backend.
 */
const ROOT = path.resolve(__dirname, '../../..');
const GITOPS = path.join(ROOT, '.demo/gitops');
const ARTIFACTS = path.join(ROOT, 'e2e-artifacts');
const ENVIRONMENTS = ['dev', 'qa', 'staging', 'prod-us', 'prod-eu'];

function git(...args: string[]): string {
  return execFileSync('git', ['-C', GITOPS, ...args], { encoding: 'utf8' }).trim();
}

function uiVersionAtHead(env: string): string {
  const file = git('show', `HEAD:apps/guestbook-ui/overlays/${env}/kustomization.yaml`);
  const m = /name:\s*ghcr\.io\/acme\/guestbook-ui\s*\n\s*newTag:\s*["']?([^"'\s#]+)/.exec(file);
  if (!m) throw new Error(`no newTag in the ${env} overlay`);
  return m[1];
}

/** Opens a page of the portal, signing in as guest when asked to. */
async function open(page: Page, url: string) {
  await page.goto(url);
  const enter = page.getByRole('button', { name: 'Enter', exact: true });
  const content = page.getByRole('link', { name: 'GitOps', exact: true });
  await expect(enter.or(content).first()).toBeVisible();
  if (await enter.isVisible()) await enter.click();
  await expect(content).toBeVisible();
}

test.beforeAll(() => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

test('the catalog lists the demo services', async ({ page }) => {
  await open(page, '/');
  await expect(page.getByRole('link', { name: 'Guestbook UI' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Guestbook API' })).toBeVisible();
});

test('the GitOps tab of guestbook-ui shows what the demo GitOps repository holds', async ({ page }) => {
  await open(page, '/catalog/default/component/guestbook-ui/gitops');

  for (const env of ENVIRONMENTS) {
    const card = page.getByTestId(`gitops-env-${env}`);
    await expect(card).toBeVisible();
    await expect(card.getByTestId('gitops-env-version')).toHaveText(uiVersionAtHead(env));
  }

  // The rollback of the demo history is in the rollout history.
  const rollbackSubject = git('log', '--format=%s', '--grep=^rollback guestbook-ui', '-n', '1');
  expect(rollbackSubject).toMatch(/^rollback guestbook-ui in prod-eu/);
  const rollbackRows = page.getByTestId('gitops-rollout-row').filter({ hasText: 'rollback' });
  await expect(rollbackRows.first()).toBeVisible();
  await expect(rollbackRows.first()).toContainText('prod-eu');

  await page.screenshot({ path: path.join(ARTIFACTS, 'gitops-tab.png'), fullPage: true });
});

test('the overview card on the entity page shows the environments', async ({ page }) => {
  await open(page, '/catalog/default/component/guestbook-ui');
  const prodEu = uiVersionAtHead('prod-eu');
  await expect(page.getByText(prodEu).first()).toBeVisible();
});
