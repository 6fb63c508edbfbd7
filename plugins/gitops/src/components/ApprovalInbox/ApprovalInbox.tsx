import { useCallback, useState } from 'react';
import { EmptyState, InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Alert from '@material-ui/lab/Alert';
import { gitopsApiRef } from '../../api';
import { CROSS_SERVICE_THROTTLE_MS } from '../../api/useGitopsChanges';
import { useLiveRefresh } from '../../api/useLiveRefresh';
import { ActionsTable, backendMessage, useCurrentUser } from '../promotion';
import { useRefreshableAsync } from '../shared';

/**
 * The approval inbox (`/gitops/approvals`): promotions and rollbacks of
 * others awaiting an approval or a merge, across services, with Approve
 * (with a comment) and Merge.
 *
 * @public
 */
export const ApprovalInbox = () => {
  const api = useApi(gitopsApiRef);
  const currentUser = useCurrentUser();
  const [refreshKey, setRefreshKey] = useState(0);
  const refresh = useCallback(() => setRefreshKey(k => k + 1), []);
  const inbox = useRefreshableAsync(() => api.getApprovalInbox(), 'inbox', [
    api,
    refreshKey,
  ]);

  // Any action change refetches the inbox (at most every 2 s; the API
  // filters it by permission); without connected live updates it polls
  // every 60 s, also when empty (a new request must show up).
  useLiveRefresh(
    { kinds: ['action'], throttleMs: CROSS_SERVICE_THROTTLE_MS },
    refresh,
  );

  let body;
  if (inbox.loading && !inbox.value) {
    body = <Progress />;
  } else if (inbox.error && !inbox.value) {
    body = (
      <Alert severity="error" data-testid="gitops-inbox-error">
        Could not load the approval inbox: {backendMessage(inbox.error)}
      </Alert>
    );
  } else if (!inbox.value || inbox.value.items.length === 0) {
    body = (
      <EmptyState
        missing="data"
        title="Nothing to approve"
        description="Promotions and rollbacks of others that need an approval or a merge show up here."
      />
    );
  } else {
    body = (
      <ActionsTable
        actions={inbox.value.items}
        currentUser={currentUser}
        showService
        rowTestId="gitops-inbox-row"
        onChanged={refresh}
      />
    );
  }

  return (
    <InfoCard
      title="Approval inbox"
      subheader="Awaiting an approval or a merge"
    >
      {inbox.error && inbox.value && (
        <Alert severity="warning" data-testid="gitops-inbox-error">
          Could not refresh the approval inbox: {backendMessage(inbox.error)}
        </Alert>
      )}
      <div data-testid="gitops-inbox">{body}</div>
    </InfoCard>
  );
};
