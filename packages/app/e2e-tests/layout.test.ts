import { expect, Page, test } from '@playwright/test';
import { open, screenshotPath } from './helpers';

/**
 * Layouts that fit (issue #13): at the widths people use, the pipeline view
 * (five environments, prod-us and prod-eu in parallel) and the dashboard
 * never scroll sideways, measured with element geometry on the demo.
 */
const WIDTHS = [1280, 1440, 1920];

/** scrollWidth and clientWidth of an element, and of the page. */
async function overflowOf(page: Page, testId: string) {
  return page.getByTestId(testId).evaluate(el => ({
    scrollWidth: el.scrollWidth,
    clientWidth: el.clientWidth,
    right: el.getBoundingClientRect().right,
    pageScrollWidth: document.documentElement.scrollWidth,
    pageClientWidth: document.documentElement.clientWidth,
  }));
}

/** Elements inside `testId` whose right edge lies beyond its own. */
async function cutOff(page: Page, testId: string, selector: string) {
  return page.getByTestId(testId).evaluate((root, sel) => {
    const edge = root.getBoundingClientRect().right + 1;
    return Array.from(root.querySelectorAll(sel))
      .filter(e => e.getBoundingClientRect().right > edge)
      .map(e => e.getAttribute('data-testid') ?? e.tagName);
  }, selector);
}

for (const width of WIDTHS) {
  test(`the pipeline view of guestbook-ui fits at ${width} px, every card inside it`, async ({
    page,
  }) => {
    await page.setViewportSize({ width, height: 900 });
    await open(page, '/catalog/default/component/guestbook-ui/gitops');
    const pipeline = page.getByTestId('gitops-pipeline');
    await expect(pipeline).toBeVisible();
    for (const env of ['dev', 'qa', 'staging', 'prod-us', 'prod-eu'])
      await expect(page.getByTestId(`gitops-env-${env}`)).toBeVisible();
    // Let the live sections and pending changes fill the cards.
    await expect(
      page.getByTestId('gitops-env-dev').getByTestId('gitops-env-pending'),
    ).toBeVisible();
    const m = await overflowOf(page, 'gitops-pipeline');
    expect(m.scrollWidth).toBeLessThanOrEqual(m.clientWidth);
    expect(m.pageScrollWidth).toBeLessThanOrEqual(m.pageClientWidth);
    expect(
      await cutOff(page, 'gitops-pipeline', '[data-testid^="gitops-env-"]'),
    ).toEqual([]);
    // prod-us and prod-eu share the prod stage's column.
    const us = await page.getByTestId('gitops-env-prod-us').boundingBox();
    const eu = await page.getByTestId('gitops-env-prod-eu').boundingBox();
    expect(Math.round(us!.x)).toBe(Math.round(eu!.x));
    await page.screenshot({
      path: screenshotPath(`layout-tab-${width}.png`),
      fullPage: true,
    });
  });

  test(`the dashboard fits at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await open(page, '/gitops/dashboard');
    await expect(
      page.getByTestId('gitops-dashboard-env-prod-eu'),
    ).toBeVisible();
    await expect(page.getByTestId('gitops-dashboard-matrix')).toBeVisible();
    const m = await overflowOf(page, 'gitops-dashboard');
    expect(m.scrollWidth).toBeLessThanOrEqual(m.clientWidth);
    expect(m.pageScrollWidth).toBeLessThanOrEqual(m.pageClientWidth);
    expect(
      await cutOff(
        page,
        'gitops-dashboard',
        '[data-testid^="gitops-dashboard-env-"]',
      ),
    ).toEqual([]);
  });
}

test('table headers and outcomes never break inside a word', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await open(page, '/catalog/default/component/guestbook-ui/gitops');
  const history = page.getByRole('table', { name: 'Rollout history' });
  await expect(history).toBeVisible();
  // The lines an element's text occupies: distinct tops of its text boxes.
  const linesOf = (els: Element[]) =>
    els
      .filter(el => (el.textContent ?? '').trim() !== '')
      .map(el => {
        const tops = new Set<number>();
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          if (!(n.textContent ?? '').trim()) continue;
          const range = document.createRange();
          range.selectNodeContents(n);
          for (const r of Array.from(range.getClientRects()))
            if (r.width > 0) tops.add(Math.round(r.top));
        }
        return { text: el.textContent ?? '', lines: tops.size };
      });
  const headers = await history.locator('th').evaluateAll(linesOf);
  expect(headers.length).toBeGreaterThan(0);
  for (const h of headers) expect(h.lines, h.text).toBe(1);
  // Outcomes ("succeeded", "not observed") are not broken over lines either.
  const outcomes = await history
    .getByTestId('gitops-rollout-outcome')
    .evaluateAll(linesOf);
  expect(outcomes.length).toBeGreaterThan(0);
  for (const o of outcomes) expect(o.lines, o.text).toBe(1);
});

test('the history row of the prod-us promotion shows what it carried; historic rollouts read "not observed"', async ({
  page,
}) => {
  await open(page, '/catalog/default/component/guestbook-ui/gitops');
  const rows = page.getByTestId('gitops-rollout-row');
  await expect(rows.first()).toBeVisible();
  const summary = page
    .getByTestId('gitops-rollout-row')
    .getByTestId('gitops-change-summary')
    .first();
  await expect(summary).toBeVisible();
  await expect(summary).toContainText(/\d+ commits?/);
  await expect(summary).toContainText(/[A-Z][A-Z0-9]+-\d+|#\d+/);
  // The demo's dark mode feature (SAAS-1543, #150/#151) is on a row at a glance.
  await expect(
    page
      .getByTestId('gitops-change-summary')
      .filter({ hasText: 'SAAS-1543' })
      .first(),
  ).toBeVisible();
  // Older rollouts were ingested from history: never seen by a cluster.
  await expect(rows.filter({ hasText: 'not observed' }).first()).toBeVisible();
});
