import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { open } from './helpers';

/**
 * Automated accessibility checks (axe) on the five pages of the plugin, with
 * the demo's data on screen: no serious or critical violation.
 */
const PAGES: Array<{ name: string; url: string; ready: string }> = [
  {
    name: 'the GitOps tab',
    url: '/catalog/default/component/guestbook-ui/gitops',
    ready: 'gitops-pipeline',
  },
  {
    name: 'the dashboard',
    url: '/gitops/dashboard',
    ready: 'gitops-dashboard',
  },
  {
    name: 'the feature tracker',
    url: '/gitops/features?q=SAAS-1543',
    ready: 'gitops-feature-service-guestbook-ui',
  },
  { name: 'the approvals', url: '/gitops/approvals', ready: '' },
  { name: 'the delivery metrics', url: '/gitops/metrics', ready: '' },
];

for (const p of PAGES) {
  test(`${p.name} has no serious or critical accessibility violation`, async ({
    page,
  }) => {
    await open(page, p.url);
    if (p.ready) await expect(page.getByTestId(p.ready)).toBeVisible();
    else await page.waitForLoadState('networkidle');
    await expect(page.getByRole('progressbar')).toHaveCount(0);
    const result = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      // Backstage UI's PluginHeader (the page's sub-page tabs, not ours)
      // renders react-aria tabs without tab panels: their aria-controls
      // names no element (aria-valid-attr-value). Everything else is checked.
      .exclude('[id^="react-aria"][role="tab"]')
      .analyze();
    const blocking = result.violations
      .filter(v => v.impact === 'serious' || v.impact === 'critical')
      .map(v => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
        html: v.nodes.slice(0, 2).map(n => n.html.slice(0, 300)),
      }));
    expect(blocking).toEqual([]);
  });
}
