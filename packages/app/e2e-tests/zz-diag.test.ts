import { expect, test } from '@playwright/test';
import { open } from './helpers';

test('diag signals', async ({ page }) => {
  page.on('websocket', ws => {
    console.log(`WS open ${ws.url()}`);
    ws.on('framereceived', f => console.log(`WS recv ${String(f.payload).slice(0, 200)}`));
    ws.on('framesent', f => console.log(`WS sent ${String(f.payload).slice(0, 200)}`));
    ws.on('close', () => console.log('WS closed'));
    ws.on('socketerror', e => console.log(`WS error ${e}`));
  });
  page.on('console', m => console.log(`console ${m.type()}: ${m.text().slice(0, 300)}`));
  await open(page, '/catalog/default/component/guestbook-worker/gitops');
  await expect(page.getByTestId('gitops-env-dev')).toBeVisible();
  await page.waitForTimeout(5000);
});
