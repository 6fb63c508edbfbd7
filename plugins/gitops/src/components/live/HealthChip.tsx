import Chip from '@material-ui/core/Chip';
import { makeStyles } from '@material-ui/core/styles';
import type { HealthStatus } from '@gitops2/plugin-gitops-common';

const useStyles = makeStyles(theme => ({
  chip: {
    fontWeight: 600,
    color: theme.palette.common.white,
  },
  Healthy: { backgroundColor: theme.palette.success.main },
  Progressing: { backgroundColor: theme.palette.info.main },
  Degraded: { backgroundColor: theme.palette.error.main },
  Missing: { backgroundColor: theme.palette.warning.dark },
  Unknown: {
    backgroundColor: theme.palette.grey[500],
  },
}));

/** Health of a service in an environment, coloured. */
export const HealthChip = (props: {
  health: HealthStatus;
  'data-testid'?: string;
}) => {
  const classes = useStyles();
  const health = classes[props.health] ? props.health : 'Unknown';
  return (
    <Chip
      size="small"
      label={props.health}
      className={`${classes.chip} ${classes[health]}`}
      data-testid={props['data-testid']}
      data-health={props.health}
    />
  );
};
