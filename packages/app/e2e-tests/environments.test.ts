import { APIRequestContext, expect, Page, test } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { git, open, ROOT, screenshotPath, uiVersionAtHead } from './helpers';

/**
 * Environments from the portal (issue #10), in the scaffolder's own UI on
 * the demo: Rita (release manager, the demo's only holder of
 * gitops.environment.manage) runs "New environment" to add perf after
 * staging, reviews the diff the form previews, and merges the change from
 * the portal; every service then shows perf at the version staging runs,
 * a promotion from staging targets perf, and the perf environment is in
 * the catalog with its GitOps tab. Then "New region" adds prod-asia to the
 * prod stage and a promotion from the stage before prod targets all three
 * regions at once. Both environments are retired again at the end (through
 * the same API), so the tests after this file see the demo's pipeline.
 */
test.describe.configure({ mode: 'serial' });
// The scaffolder's pages compile on first use in the dev portal.
test.setTimeout(240_000);

const BACKEND = process.env.PLAYWRIGHT_BACKEND_URL ?? 'http://localhost:7007';
const SERVICES = ['guestbook-ui', 'guestbook-api', 'guestbook-worker'];
const DOCS_IMAGES = path.join(ROOT, 'docs/images');

function pipelineAtHead(): string {
  return git('show', 'main:gitops-pipeline.yaml');
}

/** Screenshots the page for the artifacts and, when asked, for docs/images. */
async function shoot(page: Page, name: string) {
  await page.screenshot({ path: screenshotPath(name), fullPage: true });
  if (process.env.GITOPS_DOCS_SCREENSHOTS) {
    fs.copyFileSync(screenshotPath(name), path.join(DOCS_IMAGES, name));
  }
}

/** The scaffolder's "Next" (or "Review" on the last page). */
async function next(page: Page) {
  await page.getByRole('button', { name: /^(Next|Review)$/ }).click();
}

/** A picker fed by the backend: wait for its choices, then choose. */
async function choose(page: Page, testId: string, value: string) {
  const select = page.getByTestId(testId);
  await expect(select.locator(`option[value="${value}"]`)).toHaveCount(1);
  await select.selectOption(value);
}

/**
 * The form's last page: the change planned by the backend. Returns the
 * paths it previews; the pipeline diff removes no line but `removed` (every
 * comment and blank line of the file stays).
 */
async function reviewPreview(
  page: Page,
  environment: string,
  removed: string[] = [],
) {
  const preview = page.getByTestId('gitops-change-preview');
  await expect(preview).toBeVisible();
  const files = preview.getByTestId('gitops-change-preview-file');
  const pipeline = files.and(page.locator('[data-purpose="pipeline"]'));
  await expect(pipeline).toHaveCount(1);
  await expect(pipeline).toContainText(`+    ${environment}:`);
  await expect(pipeline.locator('[data-diff-line="removed"]')).toHaveText(
    removed,
  );
  const manifests = files.and(page.locator('[data-purpose="manifest"]'));
  const paths = await manifests.evaluateAll(els =>
    els.map(e => e.getAttribute('data-path') ?? ''),
  );
  return paths;
}

/** Create, then merge the change from the page the task's result links to. */
async function createAndMerge(page: Page, environment: string) {
  await page.getByRole('button', { name: 'Create' }).click();
  const merge = page.getByRole('link', {
    name: /Merge or close it in the portal/,
  });
  await expect(merge).toBeVisible();
  // Written on a branch for review, not on the branch clusters follow.
  expect(pipelineAtHead()).not.toContain(`    ${environment}:`);
  await merge.click();
  await expect(page.getByTestId('gitops-environment-change')).toContainText(
    `gitops/environment-${environment}`,
  );
  await page.getByTestId('gitops-environment-change-merge').click();
  await expect(
    page.getByTestId('gitops-environment-change-merged'),
  ).toBeVisible();
  expect(pipelineAtHead()).toContain(`    ${environment}:`);
}

/** The version a service's tab shows for an environment. */
function versionOn(page: Page, env: string) {
  return page
    .getByTestId(`gitops-env-${env}`)
    .getByTestId('gitops-env-version');
}

async function tokenOf(request: APIRequestContext) {
  const res = await request.post(
    `${BACKEND}/api/auth/release-manager/refresh?env=development`,
    { headers: { 'x-requested-with': 'XMLHttpRequest' } },
  );
  expect(res.ok(), await res.text()).toBe(true);
  return (await res.json()).backstageIdentity.token as string;
}

/** Whether the catalog has the environment entity (as Rita sees it). */
async function catalogHas(request: APIRequestContext, name: string) {
  const token = await tokenOf(request);
  const res = await request.get(
    `${BACKEND}/api/catalog/entities/by-name/resource/default/${name}`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  return res.ok();
}

test.beforeAll(() => {
  const pipeline = pipelineAtHead();
  expect(
    !/^\s+perf:/m.test(pipeline) && !/^\s+prod-asia:/m.test(pipeline),
    'the demo already has perf or prod-asia: stop the portal and run `node scripts/demo/create-demo.mjs --force`',
  ).toBe(true);
});

/**
 * Back to the demo's pipeline for the files after this one: an open change
 * is closed, a merged environment retired (and that retirement merged),
 * through the portal's API as Rita.
 */
test.afterAll(async ({ playwright }) => {
  const request = await playwright.request.newContext();
  const token = await tokenOf(request);
  const call = async (p: string, body: unknown) => {
    const res = await request.post(
      `${BACKEND}/api/gitops/v1/repositories/demo/${p}`,
      { headers: { authorization: `Bearer ${token}` }, data: body },
    );
    expect(res.ok(), `${p}: ${await res.text()}`).toBe(true);
    return res.json();
  };
  for (const env of ['prod-asia', 'perf']) {
    const branch = `gitops/environment-${env}`;
    if (git('branch', '--list', branch))
      await call('environments/close', { branch });
    if (new RegExp(`^\\s+${env}:`, 'm').test(pipelineAtHead())) {
      const retired = await call('environments/retire', {
        environment: env,
        reason: 'e2e clean-up',
      });
      await call('environments/merge', {
        branch: retired.branch,
        commitSha: retired.commitSha,
      });
    }
  }
  await request.dispose();
});

test('"New environment" adds perf after staging: the form previews the pipeline edit and one manifest per service, the change is merged from the portal, every service shows perf at the version staging runs, promotions from staging target perf, and perf is in the catalog with its GitOps tab', async ({
  page,
}) => {
  const stagingUi = uiVersionAtHead('staging');
  await open(
    page,
    '/create/templates/default/gitops-new-environment',
    'release-manager',
  );
  // 1. The environment: the repository and the source are choices.
  await expect(page.getByTestId('gitops-picker-repository')).toHaveValue(
    'demo',
  );
  await page.locator('#root_name').fill('perf');
  await choose(page, 'gitops-picker-environment-sourceEnvironment', 'staging');
  await shoot(page, 'new-environment-form.png');
  await next(page);
  // 2. Its place: a new stage after staging (the stages are choices).
  await choose(page, 'gitops-picker-stage-afterStage', 'staging');
  await next(page);
  // 3. Where it runs: the clusters the portal knows.
  await choose(page, 'gitops-picker-cluster-cluster', 'staging-cluster');
  await page.locator('#root_namespace').fill('guestbook-perf');
  await page.locator('#root_url').fill('https://perf.guestbook.example.com');
  await next(page);
  // 4. The promotion policy: its defaults (a pull request, no approval).
  await next(page);
  // 5. The change, planned by the backend before anything is written.
  const manifests = await reviewPreview(page, 'perf');
  expect(manifests).toEqual([
    'apps/guestbook-ui/overlays/perf/kustomization.yaml',
    'apps/guestbook-api/perf/values.yaml',
    'apps/guestbook-worker/perf/deployment.yaml',
  ]);
  await expect(
    page.getByTestId('gitops-change-preview-file').first(),
  ).toContainText('+    - name: perf');
  await shoot(page, 'new-environment-review.png');
  await next(page);
  await createAndMerge(page, 'perf');
  await shoot(page, 'environment-change.png');
  expect(uiVersionAtHead('perf')).toBe(stagingUi);

  // The perf environment entity, refreshed on ingestion, with its tab.
  await expect
    .poll(async () => catalogHas(page.request, 'demo.perf'), {
      timeout: 60_000,
    })
    .toBe(true);
  await page.goto('/catalog/default/resource/demo.perf/gitops');
  await expect(page.getByTestId('gitops-environment-tab')).toBeVisible();
  const row = (service: string) =>
    page.getByTestId(`gitops-environment-service-${service}`);
  await expect(
    row('guestbook-ui').getByTestId('gitops-environment-version'),
  ).toHaveText(stagingUi);
  await shoot(page, 'environment-tab.png');

  // Every service's own tab shows perf at the version staging runs (reached
  // from the environment's tab, without reloading the app).
  for (const service of SERVICES) {
    const version = await row(service)
      .getByTestId('gitops-environment-version')
      .textContent();
    await row(service).getByRole('link', { name: service }).click();
    await expect(versionOn(page, 'perf')).toHaveText(version ?? '');
    await expect(versionOn(page, 'staging')).toHaveText(version ?? '');
    if (service === 'guestbook-ui') {
      // Promoting from staging now targets perf, and only perf.
      await page
        .getByTestId('gitops-env-staging')
        .getByTestId('gitops-env-promote')
        .click();
      const dialog = page.getByTestId('gitops-promote-dialog');
      await expect(
        dialog.getByTestId('gitops-preview-target-perf'),
      ).toBeVisible();
      await expect(
        dialog.getByTestId('gitops-preview-target-prod-us'),
      ).toHaveCount(0);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
    }
    await page.goBack();
    await expect(page.getByTestId('gitops-environment-tab')).toBeVisible();
  }
});

test('"New region" adds prod-asia to the prod stage: a promotion from the stage before prod then targets prod-us, prod-eu and prod-asia in one change', async ({
  page,
}) => {
  await open(
    page,
    '/create/templates/default/gitops-new-region',
    'release-manager',
  );
  await expect(page.getByTestId('gitops-picker-stage-stage')).toHaveValue(
    'prod',
  );
  await page.locator('#root_name').fill('prod-asia');
  // Only the regions of the chosen stage are offered as the source.
  const source = page.getByTestId(
    'gitops-picker-environment-sourceEnvironment',
  );
  await expect(source.locator('option[value="prod-eu"]')).toHaveCount(1);
  await expect(source.locator('option[value="staging"]')).toHaveCount(0);
  await source.selectOption('prod-eu');
  await next(page);
  await choose(page, 'gitops-picker-cluster-cluster', 'prod-eu-cluster');
  await page.locator('#root_namespace').fill('guestbook-asia');
  await next(page);
  // The stage's flow list is the one line edited in place.
  const manifests = await reviewPreview(page, 'prod-asia', [
    '-      environments: [prod-us, prod-eu]',
  ]);
  expect(manifests).toEqual(
    expect.arrayContaining([
      'apps/guestbook-ui/overlays/prod-asia/kustomization.yaml',
      'apps/guestbook-api/prod-asia/values.yaml',
      'apps/guestbook-worker/prod-asia/deployment.yaml',
    ]),
  );
  await expect(
    page.getByTestId('gitops-change-preview-file').first(),
  ).toContainText('environments: [prod-us, prod-eu, prod-asia]');
  await shoot(page, 'new-region-review.png');
  await next(page);
  await createAndMerge(page, 'prod-asia');

  // The stage before prod is now perf: one promotion, three regions.
  await page.goto('/catalog/default/component/guestbook-ui/gitops');
  await expect(versionOn(page, 'prod-asia')).toHaveText(
    uiVersionAtHead('prod-eu'),
  );
  await page
    .getByTestId('gitops-env-perf')
    .getByTestId('gitops-env-promote')
    .click();
  const dialog = page.getByTestId('gitops-promote-dialog');
  for (const env of ['prod-us', 'prod-eu', 'prod-asia'])
    await expect(
      dialog.getByTestId(`gitops-preview-target-${env}`),
    ).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
});
