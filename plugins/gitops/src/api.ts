import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  GitopsApi,
  GitopsMetricsApi,
  GitopsPromotionApi,
} from '@gitops2/plugin-gitops-common';

export type {
  GitopsApi,
  GitopsMetricsApi,
  GitopsPromotionApi,
} from '@gitops2/plugin-gitops-common';

/**
 * What the frontend calls: the read API, the delivery metrics API
 * (`GitopsMetricsApi`) and the promotion API (promote, roll
 * back, approve, merge, cancel, holds). `GitopsClient` implements both.
 *
 * @public
 */
export type GitopsFrontendApi = GitopsApi &
  GitopsPromotionApi &
  GitopsMetricsApi;

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
