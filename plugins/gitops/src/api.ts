import { createApiRef } from '@backstage/frontend-plugin-api';
import type { GitopsApi } from '@gitops2/plugin-gitops-common';

export type { GitopsApi } from '@gitops2/plugin-gitops-common';

/**
 * The typed client of the gitops backend. The default implementation is
 * `GitopsClient` from `@gitops2/plugin-gitops-common`, registered by both the
 * legacy and the new frontend system plugin.
 *
 * @public
 */
export const gitopsApiRef = createApiRef<GitopsApi>().with({
  id: 'plugin.gitops.api',
  pluginId: 'gitops',
});
