import Chip from '@material-ui/core/Chip';

/** Marks a rollback that the verification policy requested, not a person. */
export const AutomaticRollbackChip = () => (
  <Chip
    size="small"
    variant="outlined"
    label="automatic rollback"
    data-testid="gitops-action-auto-rollback"
  />
);
