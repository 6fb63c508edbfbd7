import { createRouteRef, createSubRouteRef } from '@backstage/core-plugin-api';

/** Route of the GitOps page (`/gitops`). @public */
export const rootRouteRef = createRouteRef({ id: 'gitops' });

/** Route of the GitOps tab on an entity page (legacy app). @public */
export const entityContentRouteRef = createRouteRef({
  id: 'gitops:entity-content',
});

/** Route of the GitOps tab of an environment entity (legacy app). @public */
export const environmentContentRouteRef = createRouteRef({
  id: 'gitops:environment-content',
});

/** Route of the feature tracker (`/gitops/features?q=…`). @public */
export const featuresRouteRef = createSubRouteRef({
  id: 'gitops:features',
  parent: rootRouteRef,
  path: '/features',
});

/** Route of the approval inbox (`/gitops/approvals`). @public */
export const approvalsRouteRef = createSubRouteRef({
  id: 'gitops:approvals',
  parent: rootRouteRef,
  path: '/approvals',
});
