import { expect, Page, test } from '@playwright/test';
import { open, screenshotPath } from './helpers';

/**
 * Layouts that fit (issue #13): at the widths people use, the pipeline view
 * and the dashboard never scroll sideways, measured with element geometry,
 * on the demo (five environments, prod-us and prod-eu in parallel) and on the
 * demo's `fleet` repository, a real company's shape: 5 stages, 11
 * environments, three regions in parallel (scripts/demo/fleet-lib.mjs).
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

/**
 * Text that does not fit where it is: elements with text of their own whose
 * content is wider than their box, unless they end in "…" and say it all on
 * hover (a title on them or an ancestor); and words broken over two lines.
 */
async function textProblems(page: Page, testId: string) {
  return page.getByTestId(testId).evaluate(root => {
    const problems: string[] = [];
    const ownText = (el: Element) =>
      Array.from(el.childNodes)
        .filter(n => n.nodeType === Node.TEXT_NODE)
        .map(n => n.textContent ?? '')
        .join('')
        .trim();
    for (const el of Array.from(root.querySelectorAll('*'))) {
      const text = ownText(el);
      if (!text || (el as HTMLElement).offsetParent === null) continue;
      // Text for screen readers only (", Opens in a new window"): 1 px boxes.
      const box = el.getBoundingClientRect();
      if (box.width <= 1 || box.height <= 1) continue;
      if (el.scrollWidth > el.clientWidth + 1) {
        const style = getComputedStyle(el);
        const titled = el.closest('[title]')?.getAttribute('title') ?? '';
        if (style.textOverflow !== 'ellipsis' || !titled.includes(text))
          problems.push(`cut off without "…" and tooltip: ${text}`);
      }
    }
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const content = n.textContent ?? '';
      for (const m of Array.from(content.matchAll(/\S+/g))) {
        const range = document.createRange();
        range.setStart(n, m.index!);
        range.setEnd(n, m.index! + m[0].length);
        const tops = new Set(
          Array.from(range.getClientRects())
            .filter(r => r.width > 0)
            .map(r => Math.round(r.top / 4)),
        );
        if (tops.size > 1) problems.push(`word broken over lines: ${m[0]}`);
      }
    }
    return problems;
  });
}

const FLEET_STAGES = {
  dev: ['dev'],
  qa: ['qa'],
  staging: ['staging-us-east-1', 'staging-eu-west-1', 'staging-ap-southeast-2'],
  canary: ['canary-us-east-1', 'canary-eu-west-1', 'canary-ap-southeast-2'],
  prod: ['prod-us-east-1', 'prod-eu-west-1', 'prod-ap-southeast-2'],
};
const FLEET_ENVIRONMENTS = Object.values(FLEET_STAGES).flat();

/** The left edges of elements, rounded: equal for elements in one column. */
async function lefts(page: Page, testIds: string[]) {
  const xs = [];
  for (const id of testIds)
    xs.push(Math.round((await page.getByTestId(id).boundingBox())!.x));
  return xs;
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

for (const width of WIDTHS) {
  test(`a pipeline of 5 stages and 11 environments fits at ${width} px: regions stacked per stage, no source repository said once, long values ellipsised`, async ({
    page,
  }) => {
    await page.setViewportSize({ width, height: 900 });
    await open(page, '/catalog/default/component/checkout-service/gitops');
    await expect(page.getByTestId('gitops-pipeline')).toBeVisible();
    for (const env of FLEET_ENVIRONMENTS)
      await expect(page.getByTestId(`gitops-env-${env}`)).toBeVisible();
    // The service has no source repository: said once, above the pipeline.
    const notice = page.getByTestId('gitops-pipeline-no-source');
    await expect(notice).toBeVisible();
    await expect(notice).toContainText('source-repo');
    await expect(
      page.getByTestId('gitops-pipeline').getByText(/source-repo/),
    ).toHaveCount(0);
    await expect(page.getByText(/has no gitops2\.io\/source-repo/)).toHaveCount(
      1,
    );

    const m = await overflowOf(page, 'gitops-pipeline');
    expect(m.scrollWidth).toBeLessThanOrEqual(m.clientWidth);
    expect(m.pageScrollWidth).toBeLessThanOrEqual(m.pageClientWidth);
    expect(
      await cutOff(page, 'gitops-pipeline', '[data-testid^="gitops-env-"]'),
    ).toEqual([]);
    // The three regions of each stage share its column.
    for (const envs of Object.values(FLEET_STAGES)) {
      const xs = await lefts(
        page,
        envs.map(e => `gitops-env-${e}`),
      );
      expect(new Set(xs).size).toBe(1);
    }
    expect(await textProblems(page, 'gitops-pipeline')).toEqual([]);
    // A long value is cut with "…" and says it all on hover.
    const cluster = page
      .getByTestId('gitops-env-prod-ap-southeast-2')
      .getByTitle(/prod-ap-southeast-2-payments-platform-primary/);
    await expect(cluster).toBeVisible();
    await page.screenshot({
      path: screenshotPath(`layout-fleet-tab-${width}.png`),
      fullPage: true,
    });
  });

  test(`the dashboard of the 11-environment fleet fits at ${width} px in one grid, parallel regions grouped`, async ({
    page,
  }) => {
    await page.setViewportSize({ width, height: 900 });
    await open(page, '/gitops/dashboard');
    await page.getByTestId('gitops-dashboard-repository').selectOption('fleet');
    for (const env of FLEET_ENVIRONMENTS)
      await expect(
        page.getByTestId(`gitops-dashboard-env-${env}`),
      ).toBeVisible();
    await expect(page.getByTestId('gitops-dashboard-matrix')).toBeVisible();
    const m = await overflowOf(page, 'gitops-dashboard');
    expect(m.scrollWidth).toBeLessThanOrEqual(m.clientWidth);
    expect(m.pageScrollWidth).toBeLessThanOrEqual(m.pageClientWidth);
    expect(
      await cutOff(
        page,
        'gitops-dashboard',
        '[data-testid^="gitops-dashboard-env-"], [data-testid^="gitops-matrix-"]',
      ),
    ).toEqual([]);
    // One grid: a column per stage (its regions stacked in it), and the
    // first environment of every stage on one row.
    const columns = [];
    for (const [stage, envs] of Object.entries(FLEET_STAGES)) {
      const xs = await lefts(page, [
        `gitops-dashboard-stage-${stage}`,
        ...envs.map(e => `gitops-dashboard-env-${e}`),
      ]);
      expect(new Set(xs).size, stage).toBe(1);
      columns.push(xs[0]);
    }
    expect([...columns].sort((a, b) => a - b)).toEqual(columns);
    const tops = [];
    for (const envs of Object.values(FLEET_STAGES))
      tops.push(
        Math.round(
          (await page
            .getByTestId(`gitops-dashboard-env-${envs[0]}`)
            .boundingBox())!.y,
        ),
      );
    expect(new Set(tops).size).toBe(1);
    expect(await textProblems(page, 'gitops-dashboard')).toEqual([]);
    await page.screenshot({
      path: screenshotPath(`layout-fleet-dashboard-${width}.png`),
      fullPage: true,
    });
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

test('the GitOps card comes first on the overview of guestbook-ui, one line per environment', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await open(page, '/catalog/default/component/guestbook-ui');
  const rows = page.locator('[data-testid^="gitops-overview-env-"]');
  await expect(rows).toHaveCount(5);
  const card = page
    .locator('.MuiCard-root')
    .filter({ has: page.getByTestId('gitops-overview-env-dev') })
    .last();
  const box = (await card.boundingBox())!;
  // On the first screen, and no card of its column above it.
  expect(box.y).toBeLessThan(900);
  const above = await page
    .locator('.MuiCard-root')
    .evaluateAll(
      (cards, b) =>
        cards
          .map(c => c.getBoundingClientRect())
          .filter(r => Math.abs(r.x - b.x) < 2 && r.y < b.y - 2 && r.height > 0)
          .length,
      box,
    );
  expect(above).toBe(0);
  // Each environment on one line.
  const lines = await rows.evaluateAll(els =>
    els.map(el => {
      const tops = new Set<number>();
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(n);
        for (const r of Array.from(range.getClientRects()))
          if (r.width > 0) tops.add(Math.round(r.top / 4));
      }
      return tops.size;
    }),
  );
  expect(lines).toEqual([1, 1, 1, 1, 1]);
  await card.screenshot({ path: screenshotPath('overview-card.png') });
});
