import { expect, Locator, Page, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, open } from './helpers';

/**
 * Keyboard only (issue #13, point 6): a developer promotes and a release
 * manager approves and merges, then rolls back, with Tab, Enter, Space and
 * Escape; dialogs keep the focus inside while open and give it back to the
 * button that opened them.
 * On the demo's fleet repository (checkout-service, canary → prod), so the
 * guestbook demo the other tests play stays as it is.
 */
test.describe.configure({ mode: 'serial' });

const TAB = '/catalog/default/component/checkout-service/gitops';
const FLEET = path.join(ROOT, '.demo/fleet');

function prodVersion(region: string): string {
  const file = execFileSync(
    'git',
    [
      '-C',
      FLEET,
      'show',
      `main:apps/checkout-service/prod-${region}/values.yaml`,
    ],
    { encoding: 'utf8' },
  );
  return /tag: "([^"]+)"/.exec(file)![1];
}

const isFocused = (l: Locator) =>
  l.evaluate(
    el => el === document.activeElement || el.contains(document.activeElement),
  );

/** Presses Tab until `target` has the focus (at most `max` times). */
async function tabTo(page: Page, target: Locator, max = 250) {
  for (let i = 0; i < max; i++) {
    if (await isFocused(target)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target}`);
}

/** Tab cycles inside the open dialog: the focus never leaves it. */
async function expectFocusTrapped(page: Page, dialog: Locator, presses = 25) {
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press('Tab');
    expect(await isFocused(dialog), `Tab #${i + 1} left the dialog`).toBe(true);
  }
}

test('promote canary to prod and approve it with the keyboard only: focus trapped in the dialogs and returned', async ({
  browser,
}) => {
  const dev = await browser.newPage();
  await open(dev, TAB);
  const canary = dev.getByTestId('gitops-env-canary-us-east-1');
  const version = (
    await canary.getByTestId('gitops-env-version').textContent()
  )?.trim();
  expect(
    version !== prodVersion('us-east-1'),
    'the fleet was already promoted: stop the portal and run `node scripts/demo/create-demo.mjs --force`',
  ).toBe(true);

  // 1. The developer reaches Promote with Tab and opens the dialog with Enter.
  const promote = canary.getByTestId('gitops-env-promote');
  await tabTo(dev, promote);
  await dev.keyboard.press('Enter');
  const dialog = dev.getByTestId('gitops-promote-dialog');
  await expect(dialog).toBeVisible();
  await expect.poll(() => isFocused(dialog)).toBe(true);
  await expectFocusTrapped(dev, dialog);

  // Escape closes it and gives the focus back to Promote.
  await dev.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect.poll(() => isFocused(promote)).toBe(true);

  // 2. Again, this time with a reason, confirmed with Enter.
  await dev.keyboard.press('Enter');
  await expect(dialog).toBeVisible();
  await tabTo(dev, dialog.getByTestId('gitops-promote-reason'), 40);
  await dev.keyboard.type('keyboard-only release to prod');
  await tabTo(dev, dialog.getByTestId('gitops-promote-confirm'), 40);
  await dev.keyboard.press('Enter');
  await expect(dialog.getByTestId('gitops-action-result')).toHaveAttribute(
    'data-state',
    'awaiting-approval',
  );
  await dev.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect.poll(() => isFocused(promote)).toBe(true);

  // 3. The release manager approves and merges from the inbox.
  const rmContext = await browser.newContext();
  const rm = await rmContext.newPage();
  await open(rm, '/gitops/approvals', 'release-manager');
  const row = rm
    .getByTestId('gitops-inbox-row')
    .filter({ hasText: 'checkout-service' })
    .first();
  await expect(row).toBeVisible();
  const approve = row.getByTestId('gitops-action-approve');
  await tabTo(rm, approve);
  await rm.keyboard.press('Enter');
  const approveDialog = rm.getByTestId('gitops-approve-dialog');
  await expect(approveDialog).toBeVisible();
  await expect.poll(() => isFocused(approveDialog)).toBe(true);
  await expectFocusTrapped(rm, approveDialog, 10);
  await tabTo(rm, approveDialog.getByTestId('gitops-approve-comment'), 20);
  await rm.keyboard.type('approved from the keyboard');
  await tabTo(rm, approveDialog.getByTestId('gitops-approve-confirm'), 20);
  await rm.keyboard.press('Enter');
  await expect(approveDialog).toBeHidden();
  const merge = row.getByTestId('gitops-action-merge');
  await expect(merge).toBeVisible();
  await tabTo(rm, merge);
  await rm.keyboard.press('Enter');
  await expect
    .poll(() => prodVersion('us-east-1'), { timeout: 60_000 })
    .toBe(version);
  expect(prodVersion('ap-southeast-2')).toBe(version);
  await rmContext.close();
});

test('roll back prod-eu-west-1 in an emergency with the keyboard only: checkbox with Space, focus returned to Roll back', async ({
  browser,
}) => {
  const before = prodVersion('eu-west-1');
  const rmContext = await browser.newContext();
  const page = await rmContext.newPage();
  await open(page, TAB, 'release-manager');
  const rollback = page
    .getByTestId('gitops-env-prod-eu-west-1')
    .getByTestId('gitops-env-rollback');
  await tabTo(page, rollback);
  await page.keyboard.press('Enter');
  const dialog = page.getByTestId('gitops-rollback-dialog');
  await expect(dialog).toBeVisible();
  await expect.poll(() => isFocused(dialog)).toBe(true);
  await expectFocusTrapped(page, dialog, 15);
  await tabTo(page, dialog.getByTestId('gitops-rollback-reason'), 40);
  await page.keyboard.type('keyboard-only rollback');
  await tabTo(page, dialog.getByTestId('gitops-rollback-emergency'), 40);
  await page.keyboard.press('Space');
  await expect(dialog.getByTestId('gitops-rollback-emergency')).toBeChecked();
  const confirm = dialog.getByTestId('gitops-rollback-confirm');
  await expect(confirm).toBeEnabled();
  await tabTo(page, confirm, 40);
  await page.keyboard.press('Enter');
  await expect(dialog.getByTestId('gitops-action-result')).toHaveAttribute(
    'data-state',
    'merged',
  );
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect.poll(() => isFocused(rollback)).toBe(true);
  expect(prodVersion('eu-west-1')).not.toBe(before);
  await rmContext.close();
});
