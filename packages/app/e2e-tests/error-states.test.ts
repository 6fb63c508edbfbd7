import { expect, test } from '@playwright/test';
import { open } from './helpers';

/**
 * Empty and error states in the browser (issue #13, point 7): the demo's
 * checkout-worker names the fleet repository, whose pipeline has no entry
 * for it. The tab and the overview card say so once, with what to do, not
 * an error on each of the eleven environments. (Broken pipeline files,
 * unreachable clusters and GitHub rate limits are covered by component
 * tests: the demo cannot produce them on demand.)
 */
test('a service without a pipeline entry: said once on the tab and the card, with what to do', async ({
  page,
}) => {
  await open(page, '/catalog/default/component/checkout-worker/gitops');
  const notice = page.getByTestId('gitops-not-in-pipeline');
  await expect(notice).toBeVisible();
  await expect(notice).toContainText(
    'checkout-worker is not in the pipeline of fleet',
  );
  await expect(notice).toContainText('under spec.services');
  await expect(notice).toContainText('Add it there');
  await expect(page.getByTestId('gitops-pipeline')).toHaveCount(0);
  await expect(
    page.getByText(/is not listed under spec\.services/),
  ).toHaveCount(0);

  await open(page, '/catalog/default/component/checkout-worker');
  await expect(
    page.getByTestId('gitops-overview-not-in-pipeline'),
  ).toContainText('checkout-worker is not in the pipeline of fleet');
  await expect(
    page.locator('[data-testid^="gitops-overview-env-"]'),
  ).toHaveCount(0);
});
