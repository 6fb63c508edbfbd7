import Chip from '@material-ui/core/Chip';
import { makeStyles } from '@material-ui/core/styles';
import type { HealthStatus } from '@gitops2/plugin-gitops-common';
import { filled } from '../shared/contrast';

const useStyles = makeStyles(theme => ({
  chip: {
    fontWeight: 600,
  },
  Healthy: filled(theme.palette.success.main),
  Progressing: filled(theme.palette.info.main),
  Degraded: filled(theme.palette.error.main),
  Missing: filled(theme.palette.warning.dark),
  Unknown: filled(theme.palette.grey[500]),
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
