import {
  ApiBlueprint,
  PageBlueprint,
  SubPageBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  compatWrapper,
  convertLegacyRouteRef,
} from '@backstage/core-compat-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import { Content } from '@backstage/core-components';
import CallSplitIcon from '@material-ui/icons/CallSplit';
import { GITOPS_ANNOTATIONS } from '@gitops2/plugin-gitops-common';
import { gitopsApiRef } from '../api';
import { GitopsLiveClient } from '../api/GitopsLiveClient';
import { approvalsRouteRef, featuresRouteRef, rootRouteRef } from '../routes';

/**
 * Entities tied to a GitOps repository. A filter predicate rather than a
 * function, so that adopters can see and override it in app-config.
 */
const annotationPath =
  `metadata.annotations.${GITOPS_ANNOTATIONS.repository}` as const;
const hasGitopsRepository = { [annotationPath]: { $exists: true } };

/** Environment entities (catalog/environmentEntities.ts of the backend). */
const isGitopsEnvironment = {
  'spec.type': 'environment',
  'metadata.annotations.gitops2.io/environment-repo': { $exists: true },
};

const root = convertLegacyRouteRef(rootRouteRef);
const features = convertLegacyRouteRef(featuresRouteRef);
const approvals = convertLegacyRouteRef(approvalsRouteRef);

/**
 * The gitops API: reads, and promotion, rollback, approval and holds
 * (`GitopsApi & GitopsPromotionApi`) and cluster observation
 * (`GitopsLiveApi`), all implemented by GitopsLiveClient.
 *
 * @alpha
 */
export const gitopsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: gitopsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new GitopsLiveClient({ discoveryApi, fetchApi }),
    }),
});

/** @alpha */
export const gitopsEntityContent = EntityContentBlueprint.make({
  params: {
    path: 'gitops',
    title: 'GitOps',
    group: 'deployment',
    filter: hasGitopsRepository,
    loader: () =>
      import('../components/GitopsTab').then(m =>
        compatWrapper(<m.GitopsTab />),
      ),
  },
});

/**
 * The GitOps tab of an environment entity (a Resource of type
 * `environment`): every service's version, health, pending changes and
 * recent rollouts there. @alpha
 */
export const gitopsEnvironmentEntityContent = EntityContentBlueprint.make({
  name: 'environment',
  params: {
    path: 'gitops',
    title: 'GitOps',
    group: 'deployment',
    filter: isGitopsEnvironment,
    loader: () =>
      import('../components/EnvironmentTab').then(m =>
        compatWrapper(<m.EnvironmentTab />),
      ),
  },
});

/**
 * `/gitops/environment-change?repository=…&branch=…&commit=…`: merge or
 * close an environment change (where the environment templates lead). @alpha
 */
export const gitopsEnvironmentChangeSubPage = SubPageBlueprint.make({
  name: 'environment-change',
  params: {
    path: 'environment-change',
    title: 'Environment change',
    loader: () =>
      import('../components/EnvironmentChange').then(m =>
        compatWrapper(
          <Content>
            <m.EnvironmentChangeReview />
          </Content>,
        ),
      ),
  },
});

/** Scaffolder fields fed by the gitops backend (docs/environments.md#pickers). @alpha */
export const gitopsRepositoryPickerFormField = FormFieldBlueprint.make({
  name: 'gitops-repository-picker',
  params: {
    field: () =>
      import('../components/scaffolder/formFields').then(
        m => m.gitopsRepositoryPickerField,
      ),
  },
});
/** @alpha */
export const gitopsStagePickerFormField = FormFieldBlueprint.make({
  name: 'gitops-stage-picker',
  params: {
    field: () =>
      import('../components/scaffolder/formFields').then(
        m => m.gitopsStagePickerField,
      ),
  },
});
/** @alpha */
export const gitopsEnvironmentPickerFormField = FormFieldBlueprint.make({
  name: 'gitops-environment-picker',
  params: {
    field: () =>
      import('../components/scaffolder/formFields').then(
        m => m.gitopsEnvironmentPickerField,
      ),
  },
});
/** @alpha */
export const gitopsClusterPickerFormField = FormFieldBlueprint.make({
  name: 'gitops-cluster-picker',
  params: {
    field: () =>
      import('../components/scaffolder/formFields').then(
        m => m.gitopsClusterPickerField,
      ),
  },
});
/** @alpha */
export const gitopsChangePreviewFormField = FormFieldBlueprint.make({
  name: 'gitops-change-preview',
  params: {
    field: () =>
      import('../components/scaffolder/formFields').then(
        m => m.gitopsChangePreviewField,
      ),
  },
});

/** @alpha */
export const gitopsEntityCard = EntityCardBlueprint.make({
  name: 'overview',
  params: {
    filter: hasGitopsRepository,
    loader: () =>
      import('../components/GitopsOverviewCard').then(m =>
        compatWrapper(<m.GitopsOverviewCard />),
      ),
  },
});

/**
 * The GitOps page: its tabs are the sub-pages below (`/gitops` opens the
 * first one).
 *
 * @alpha
 */
export const gitopsPage = PageBlueprint.make({
  params: {
    path: '/gitops',
    title: 'GitOps',
    routeRef: root,
  },
});

/**
 * `/gitops/dashboard`: the multi-environment dashboard (the first tab, where
 * `/gitops` leads). @alpha
 */
export const gitopsDashboardSubPage = SubPageBlueprint.make({
  name: 'dashboard',
  params: {
    path: 'dashboard',
    title: 'Dashboard',
    loader: () =>
      import('../components/Dashboard').then(m =>
        compatWrapper(
          <Content>
            <m.Dashboard />
          </Content>,
        ),
      ),
  },
});

/** `/gitops/overview`: repositories and recent deployments. @alpha */
export const gitopsOverviewSubPage = SubPageBlueprint.make({
  name: 'overview',
  params: {
    path: 'overview',
    title: 'Overview',
    loader: () =>
      import('../components/GitopsPage').then(m =>
        compatWrapper(
          <Content>
            <m.OverviewContent />
          </Content>,
        ),
      ),
  },
});

/** `/gitops/features`: the feature tracker (`?q=SAAS-1543`). @alpha */
export const gitopsFeaturesSubPage = SubPageBlueprint.make({
  name: 'features',
  params: {
    path: 'features',
    title: 'Feature tracker',
    loader: () =>
      import('../components/FeatureTracker').then(m =>
        compatWrapper(
          <Content>
            <m.FeatureTracker />
          </Content>,
        ),
      ),
  },
});

/** `/gitops/approvals`: the approval inbox. @alpha */
export const gitopsApprovalsSubPage = SubPageBlueprint.make({
  name: 'approvals',
  params: {
    path: 'approvals',
    title: 'Approvals',
    loader: () =>
      import('../components/ApprovalInbox').then(m =>
        compatWrapper(
          <Content>
            <m.ApprovalInbox />
          </Content>,
        ),
      ),
  },
});

/** `/gitops/metrics`: delivery metrics of every service and environment. @alpha */
export const gitopsMetricsSubPage = SubPageBlueprint.make({
  name: 'metrics',
  params: {
    path: 'metrics',
    title: 'Delivery metrics',
    loader: () =>
      import('../components/DeliveryMetrics').then(m =>
        compatWrapper(
          <Content>
            <m.OrgMetrics />
          </Content>,
        ),
      ),
  },
});

/**
 * The GitOps plugin for the new frontend system: the API, the GitOps entity
 * tab, the overview card and the `/gitops` page (which also shows up in the
 * sidebar) with its tabs: overview, feature tracker and approval inbox.
 *
 * @alpha
 */
export const gitopsPlugin = createFrontendPlugin({
  pluginId: 'gitops',
  title: 'GitOps',
  icon: <CallSplitIcon fontSize="inherit" />,
  routes: { root, features, approvals },
  extensions: [
    gitopsApi,
    gitopsEntityContent,
    gitopsEntityCard,
    gitopsPage,
    gitopsDashboardSubPage,
    gitopsOverviewSubPage,
    gitopsFeaturesSubPage,
    gitopsApprovalsSubPage,
    gitopsMetricsSubPage,
    gitopsEnvironmentChangeSubPage,
    gitopsEnvironmentEntityContent,
    gitopsRepositoryPickerFormField,
    gitopsStagePickerFormField,
    gitopsEnvironmentPickerFormField,
    gitopsClusterPickerFormField,
    gitopsChangePreviewFormField,
  ],
});
