import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  GitopsApi,
  GitopsEnvironmentsApi,
  GitopsMetricsApi,
  GitopsPromotionApi,
} from '@gitops2/plugin-gitops-common';
import type { GitopsLiveApi } from './api/GitopsLiveClient';

export type { GitopsLiveApi } from './api/GitopsLiveClient';
export type {
  GitopsApi,
  GitopsEnvironmentsApi,
  GitopsMetricsApi,
  GitopsPromotionApi,
} from '@gitops2/plugin-gitops-common';

/**
 * What the frontend calls: the read API, the delivery metrics API
 * (`GitopsMetricsApi`) and the promotion API (promote, roll
 * back, approve, merge, cancel, holds) and cluster observation (live
 * status, dashboard). `GitopsLiveClient` (a `GitopsClient`) implements all.
 *
 * @public
 */
export type GitopsFrontendApi = GitopsApi &
  GitopsPromotionApi &
  GitopsLiveApi &
  GitopsMetricsApi &
  GitopsEnvironmentsApi;

/**
 * The typed client of the gitops backend. The default implementation is
 * `GitopsClient` from `@gitops2/plugin-gitops-common`, registered by both the
 * legacy and the new frontend system plugin.
 *
 * @public
 */
export const gitopsApiRef = createApiRef<GitopsFrontendApi>().with({
  id: 'plugin.gitops.api',
  pluginId: 'gitops',
});
