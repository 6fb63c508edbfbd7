import Chip from '@material-ui/core/Chip';
import { makeStyles } from '@material-ui/core/styles';
import type { DashboardEnvironment } from '@gitops2/plugin-gitops-common';

const useStyles = makeStyles(theme => ({
  chip: { fontWeight: 700, color: theme.palette.common.white },
  DEPLOYED: { backgroundColor: theme.palette.success.main },
  'IN PROGRESS': { backgroundColor: theme.palette.info.main },
  ERROR: { backgroundColor: theme.palette.error.main },
  UNKNOWN: { backgroundColor: theme.palette.grey[500] },
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
