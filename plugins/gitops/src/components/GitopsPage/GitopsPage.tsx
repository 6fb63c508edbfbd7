import { Header, Page, TabbedLayout } from '@backstage/core-components';
import { FeatureTracker } from '../FeatureTracker';
import { OverviewContent } from './OverviewContent';

/**
 * The GitOps page (legacy app): the configured repositories and recent
 * deployments (`/gitops`), and the feature tracker (`/gitops/features`).
 *
 * @public
 */
export const GitopsPage = () => (
  <Page themeId="tool">
    <Header
      title="GitOps"
      subtitle="GitOps repositories, deployments and features"
    />
    <TabbedLayout>
      <TabbedLayout.Route path="/" title="Overview">
        <OverviewContent />
      </TabbedLayout.Route>
      <TabbedLayout.Route path="/features" title="Feature tracker">
        <FeatureTracker />
      </TabbedLayout.Route>
    </TabbedLayout>
  </Page>
);
