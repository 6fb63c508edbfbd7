import { EmptyState, InfoCard, Progress } from '@backstage/core-components';
import Alert from '@material-ui/lab/Alert';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import { ActionsTable, backendMessage } from '../promotion';
import type { RefreshableAsyncState } from '../shared/useRefreshableAsync';

/**
 * "Promotions and rollbacks" of the service, newest first, with Approve
 * (not for one's own requests), Merge and Cancel, and the deployment steps
 * of each (live while one runs; the tab refetches when they finished).
 */
export const PromotionsSection = (props: {
  actions: RefreshableAsyncState<{ items: GitopsAction[] }>;
  currentUser?: string;
  onChanged(): void;
}) => {
  const { actions } = props;
  let body;
  if (actions.loading && !actions.value) {
    body = <Progress />;
  } else if (actions.error && !actions.value) {
    body = (
      <Alert severity="error" data-testid="gitops-actions-error">
        Could not load promotions and rollbacks: {backendMessage(actions.error)}
      </Alert>
    );
  } else if (!actions.value || actions.value.items.length === 0) {
    body = (
      <EmptyState
        missing="data"
        title="No promotions or rollbacks yet"
        description="Promote an environment's version to the next stage, or roll an environment back, from its card above."
      />
    );
  } else {
    body = (
      <ActionsTable
        actions={actions.value.items}
        currentUser={props.currentUser}
        cancellable
        steps
        rowTestId="gitops-action-row"
        onChanged={() => props.onChanged()}
      />
    );
  }
  return (
    <InfoCard title="Promotions and rollbacks" noPadding={false}>
      {actions.error && actions.value && (
        <Alert severity="warning" data-testid="gitops-actions-error">
          Could not refresh promotions and rollbacks:{' '}
          {backendMessage(actions.error)}
        </Alert>
      )}
      <div data-testid="gitops-actions">{body}</div>
    </InfoCard>
  );
};
