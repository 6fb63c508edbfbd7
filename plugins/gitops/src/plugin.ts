import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { gitopsApiRef } from './api';
import { GitopsLiveClient } from './api/GitopsLiveClient';
import {
  approvalsRouteRef,
  entityContentRouteRef,
  featuresRouteRef,
  rootRouteRef,
} from './routes';

/**
 * The GitOps plugin for the legacy frontend system. Apps on the new frontend
 * system use the default export of `@gitops2/plugin-gitops/alpha` instead.
 *
 * @public
 */
export const gitopsPlugin = createPlugin({
  id: 'gitops',
  apis: [
    // GitopsLiveClient (a GitopsClient) implements GitopsApi,
    // GitopsPromotionApi and GitopsLiveApi.
    createApiFactory({
      api: gitopsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new GitopsLiveClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: {
    root: rootRouteRef,
    entityContent: entityContentRouteRef,
    features: featuresRouteRef,
    approvals: approvalsRouteRef,
  },
});

/**
 * The GitOps tab of an entity page. Show it for entities that pass
 * `isGitopsAvailable`.
 *
 * @public
 */
export const EntityGitopsContent = gitopsPlugin.provide(
  createRoutableExtension({
    name: 'EntityGitopsContent',
    component: () => import('./components/GitopsTab').then(m => m.GitopsTab),
    mountPoint: entityContentRouteRef,
  }),
);

/**
 * A compact card for the entity overview page.
 *
 * @public
 */
export const EntityGitopsOverviewCard = gitopsPlugin.provide(
  createComponentExtension({
    name: 'EntityGitopsOverviewCard',
    component: {
      lazy: () =>
        import('./components/GitopsOverviewCard').then(
          m => m.GitopsOverviewCard,
        ),
    },
  }),
);

/**
 * The GitOps page: configured repositories, recent deployments, the feature
 * tracker at `/gitops/features` and the approval inbox at `/gitops/approvals`. Mount it at `/gitops` (sub-routes
 * are its own).
 *
 * @public
 */
export const GitopsPage = gitopsPlugin.provide(
  createRoutableExtension({
    name: 'GitopsPage',
    component: () => import('./components/GitopsPage').then(m => m.GitopsPage),
    mountPoint: rootRouteRef,
  }),
);
