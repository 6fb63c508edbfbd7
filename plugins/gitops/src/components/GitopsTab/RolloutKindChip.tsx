import Chip from '@material-ui/core/Chip';
import { makeStyles } from '@material-ui/core/styles';
import type { RolloutKind } from '@gitops2/plugin-gitops-common';

const useStyles = makeStyles(theme => ({
  rollback: {
    backgroundColor: theme.palette.warning.main,
    color: theme.palette.warning.contrastText,
  },
}));

/** The kind of a rollout; rollbacks stand out in the warning colour. */
export const RolloutKindChip = (props: { kind: RolloutKind }) => {
  const classes = useStyles();
  const { kind } = props;
  return (
    <Chip
      size="small"
      label={kind}
      variant={kind === 'direct' ? 'outlined' : 'default'}
      color={kind === 'promotion' ? 'primary' : 'default'}
      className={kind === 'rollback' ? classes.rollback : undefined}
      data-testid={`gitops-rollout-kind-${kind}`}
    />
  );
};
