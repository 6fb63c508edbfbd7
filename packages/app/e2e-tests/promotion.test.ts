import { expect, test } from '@playwright/test';
import { git, open, screenshotPath, uiVersionAtHead } from './helpers';

/**
 * Promotion and rollback through Git in the demo, by two people: the guest
 * developer promotes staging to prod-us + prod-eu, Rita (release manager)
 * is notified, approves and merges; the guest may not roll back in an emergency, Rita
 * may, and the hold refuses the rolled-back version. Runs last (it changes
 * the demo repository).
 */
test.describe.configure({ mode: 'serial' });

const TAB = '/catalog/default/component/guestbook-ui/gitops';

test('promote staging to prod-us + prod-eu, approved by a second user, lands in Git and the ledger', async ({
  browser,
}) => {
  const staging = uiVersionAtHead('staging');
  // The flow needs a demo where staging is ahead of prod (a fresh one, as in CI).
  expect(
    staging !== uiVersionAtHead('prod-us') ||
      staging !== uiVersionAtHead('prod-eu'),
    'the demo was already promoted: stop the portal and run `node scripts/demo/create-demo.mjs --force`',
  ).toBe(true);

  // 1. The developer asks for the promotion, after the preview.
  const dev = await browser.newPage();
  await open(dev, TAB);
  await dev
    .getByTestId('gitops-env-staging')
    .getByTestId('gitops-env-promote')
    .click();
  const dialog = dev.getByTestId('gitops-promote-dialog');
  await expect(dialog).toBeVisible();
  const diff = dialog.getByTestId('gitops-preview-diff').first();
  await expect(diff).toContainText(`+    newTag: ${staging}`);
  await expect(
    dialog.getByTestId('gitops-preview-target-prod-us'),
  ).toBeVisible();
  await expect(
    dialog.getByTestId('gitops-preview-target-prod-eu'),
  ).toBeVisible();
  // The features it brings: issue keys and pull requests of the change set.
  const brings = dialog.getByTestId('gitops-promote-change-set');
  await expect(brings).toContainText(/SAAS-\d+/);
  await expect(brings).toContainText(/#\d+/);
  await dialog
    .getByTestId('gitops-promote-reason')
    .fill('release dark mode to Europe');
  await dev.screenshot({
    path: screenshotPath('promote-preview.png'),
    fullPage: true,
  });
  await dialog.getByTestId('gitops-promote-confirm').click();
  await expect(dialog.getByTestId('gitops-action-result')).toHaveAttribute(
    'data-state',
    'awaiting-approval',
  );
  const headBefore = git('rev-parse', 'main');

  // 2. Rita approves and merges from her inbox.
  const rmContext = await browser.newContext();
  const rm = await rmContext.newPage();
  // She was told: the request is in her notifications (issue #11).
  await open(rm, '/notifications', 'release-manager');
  await expect(
    rm
      .getByText(/#\d+ waits for your approval: guestbook-ui .*prod-us/)
      .first(),
  ).toBeVisible();
  await open(rm, '/gitops/approvals', 'release-manager');
  const row = rm
    .getByTestId('gitops-inbox-row')
    .filter({ hasText: 'guestbook-ui' })
    .first();
  await expect(row).toBeVisible();
  await row.getByTestId('gitops-action-approve').click();
  await rm
    .getByTestId('gitops-approve-comment')
    .fill('approved for the EU window');
  await rm.getByTestId('gitops-approve-confirm').click();
  await expect(row.getByTestId('gitops-action-merge')).toBeVisible();
  expect(git('rev-parse', 'main')).toBe(headBefore); // a pull request, not yet on main
  await row.getByTestId('gitops-action-merge').click();
  await expect.poll(() => uiVersionAtHead('prod-eu')).toBe(staging);
  expect(uiVersionAtHead('prod-us')).toBe(staging);
  const trailers = git('log', '-1', '--format=%B', 'main');
  expect(trailers).toContain('Gitops-Kind: promotion');
  expect(trailers).toContain('Gitops-Initiator: user:default/guest');
  await rmContext.close();

  // 3. The tab shows the new versions and the ledger's promotion rows.
  await dev.reload();
  for (const env of ['prod-us', 'prod-eu']) {
    await expect(
      dev.getByTestId(`gitops-env-${env}`).getByTestId('gitops-env-version'),
    ).toHaveText(staging);
  }
  const rows = dev
    .getByTestId('gitops-rollout-row')
    .filter({ hasText: staging })
    .filter({ hasText: 'promotion' });
  await expect(rows.filter({ hasText: 'prod-eu' }).first()).toBeVisible();
  await dev.close();
});

test('roll back prod-eu in an emergency: only with gitops.rollback.emergency; Git holds the old version, the hold is shown and refuses the bad version until lifted', async ({
  browser,
}) => {
  const bad = uiVersionAtHead('prod-eu');
  // The developer may roll back through a pull request, not in an emergency.
  const dev = await browser.newPage();
  await open(dev, TAB);
  await dev
    .getByTestId('gitops-env-prod-eu')
    .getByTestId('gitops-env-rollback')
    .click();
  const devDialog = dev.getByTestId('gitops-rollback-dialog');
  await devDialog
    .getByTestId('gitops-rollback-reason')
    .fill('checkout errors in the EU');
  await devDialog.getByTestId('gitops-rollback-emergency').check();
  // The preview's permission gate says so, and nothing can be sent.
  await expect(devDialog).toContainText(
    'gitops.rollback.emergency denied for prod-eu',
  );
  await expect(devDialog.getByTestId('gitops-rollback-confirm')).toBeDisabled();
  expect(uiVersionAtHead('prod-eu')).toBe(bad);
  await dev.close();

  // Rita (release manager) holds the emergency permission.
  const rmContext = await browser.newContext();
  const page = await rmContext.newPage();
  await open(page, TAB, 'release-manager');
  const card = page.getByTestId('gitops-env-prod-eu');
  await card.getByTestId('gitops-env-rollback').click();
  const dialog = page.getByTestId('gitops-rollback-dialog');
  await dialog
    .getByTestId('gitops-rollback-reason')
    .fill('checkout errors in the EU');
  await dialog.getByTestId('gitops-rollback-emergency').check();
  await dialog.getByTestId('gitops-rollback-confirm').click();
  await expect(dialog.getByTestId('gitops-action-result')).toHaveAttribute(
    'data-state',
    'merged',
  );
  const restored = uiVersionAtHead('prod-eu');
  expect(restored).not.toBe(bad);
  expect(git('log', '-1', '--format=%B', 'main')).toContain(
    'Gitops-Kind: rollback',
  );

  await page.reload();
  const hold = page
    .getByTestId('gitops-env-prod-eu')
    .getByTestId('gitops-env-hold');
  await expect(hold).toContainText(bad);
  await page.screenshot({
    path: screenshotPath('rollback-hold.png'),
    fullPage: true,
  });

  // Promoting the rolled-back version again is refused by the hold.
  await page
    .getByTestId('gitops-env-staging')
    .getByTestId('gitops-env-promote')
    .click();
  const promote = page.getByTestId('gitops-promote-dialog');
  await expect(promote.getByTestId('gitops-promote-blocked')).toContainText(
    'hold',
  );
  await expect(promote.getByTestId('gitops-promote-confirm')).toBeDisabled();
  await rmContext.close();
});
