import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Alert from '@material-ui/lab/Alert';
import useAsync from 'react-use/esm/useAsync';
import { gitopsApiRef } from '../../api';
import { ChangeSetView } from '../shared';

/** The change set of one rollout, fetched when first shown. */
export const RolloutChangeSet = (props: { rolloutId: string }) => {
  const api = useApi(gitopsApiRef);
  const { rolloutId } = props;
  const changeSet = useAsync(
    () => api.getChangeSet(rolloutId),
    [api, rolloutId],
  );

  if (changeSet.loading) {
    return <Progress />;
  }
  if (changeSet.error) {
    return (
      <Alert severity="error" data-testid="gitops-change-set-error">
        Could not load the change set: {changeSet.error.message}
      </Alert>
    );
  }
  if (!changeSet.value) return null;
  return <ChangeSetView changeSet={changeSet.value} />;
};
