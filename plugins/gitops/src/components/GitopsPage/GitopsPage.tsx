import { Header, Page, TabbedLayout } from '@backstage/core-components';
import { ApprovalInbox } from '../ApprovalInbox';
import { Dashboard } from '../Dashboard';
import { OrgMetrics } from '../DeliveryMetrics';
import { EnvironmentChangeReview } from '../EnvironmentChange';
import { FeatureTracker } from '../FeatureTracker';
import { OverviewContent } from './OverviewContent';

/**
 * The GitOps page (legacy app): the configured repositories and recent
 * deployments (`/gitops`), the feature tracker (`/gitops/features`) and the
 * approval inbox (`/gitops/approvals`) and the delivery metrics
 * (`/gitops/metrics`).
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
      <TabbedLayout.Route path="/dashboard" title="Dashboard">
        <Dashboard />
      </TabbedLayout.Route>
      <TabbedLayout.Route path="/" title="Overview">
        <OverviewContent />
      </TabbedLayout.Route>
      <TabbedLayout.Route path="/features" title="Feature tracker">
        <FeatureTracker />
      </TabbedLayout.Route>
      <TabbedLayout.Route path="/approvals" title="Approvals">
        <ApprovalInbox />
      </TabbedLayout.Route>
      <TabbedLayout.Route path="/metrics" title="Delivery metrics">
        <OrgMetrics />
      </TabbedLayout.Route>
      <TabbedLayout.Route path="/environment-change" title="Environment change">
        <EnvironmentChangeReview />
      </TabbedLayout.Route>
    </TabbedLayout>
  </Page>
);
