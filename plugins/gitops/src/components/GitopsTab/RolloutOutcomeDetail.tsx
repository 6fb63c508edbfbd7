import Typography from '@material-ui/core/Typography';

/**
 * Why a rollout's outcome is what it is, when the backend knows: the
 * deployment step that failed and what it saw, the rollback that took the
 * version away.
 */
export const RolloutOutcomeDetail = (props: { detail?: string }) =>
  props.detail ? (
    <Typography
      variant="caption"
      display="block"
      color="textSecondary"
      data-testid="gitops-rollout-outcome-detail"
    >
      {props.detail}
    </Typography>
  ) : null;
