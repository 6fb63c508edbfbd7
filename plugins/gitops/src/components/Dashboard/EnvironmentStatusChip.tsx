import Chip from '@material-ui/core/Chip';
import { makeStyles } from '@material-ui/core/styles';
import { filled } from '../shared/contrast';
import type { DashboardEnvironment } from '@gitops2/plugin-gitops-common';

const useStyles = makeStyles(theme => ({
  chip: { fontWeight: 700 },
  DEPLOYED: filled(theme.palette.success.main),
  'IN PROGRESS': filled(theme.palette.info.main),
  ERROR: filled(theme.palette.error.main),
  UNKNOWN: filled(theme.palette.grey[500]),
}));

/** DEPLOYED (green), IN PROGRESS (blue), ERROR (red), UNKNOWN (grey). */
export const EnvironmentStatusChip = (props: {
  status: DashboardEnvironment['status'];
}) => {
  const classes = useStyles();
  const status = classes[props.status] ? props.status : 'UNKNOWN';
  return (
    <Chip
      label={props.status}
      size="small"
      className={`${classes.chip} ${classes[status]}`}
      data-testid="gitops-dashboard-status"
      data-status={props.status}
    />
  );
};
