import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemIcon from '@material-ui/core/ListItemIcon';
import ListItemText from '@material-ui/core/ListItemText';
import { makeStyles } from '@material-ui/core/styles';
import { readableText } from '../shared/contrast';
import CheckCircleIcon from '@material-ui/icons/CheckCircle';
import CancelIcon from '@material-ui/icons/Cancel';
import ScheduleIcon from '@material-ui/icons/Schedule';
import RemoveCircleOutlineIcon from '@material-ui/icons/RemoveCircleOutline';
import type { GateResult, GateStatus } from '@gitops2/plugin-gitops-common';

const useStyles = makeStyles(theme => ({
  passed: { color: theme.palette.success?.main ?? '#2e7d32' },
  failed: {
    color: readableText(
      theme.palette.error.main,
      theme.palette.background.paper,
    ),
  },
  pending: { color: theme.palette.warning?.main ?? '#ed6c02' },
  skipped: { color: theme.palette.text.secondary },
  icon: { minWidth: 32 },
}));

const icons: Record<GateStatus, typeof CheckCircleIcon> = {
  passed: CheckCircleIcon,
  failed: CancelIcon,
  pending: ScheduleIcon,
  skipped: RemoveCircleOutlineIcon,
};

/** `hold (prod-eu)`: the gate and the environment it was checked for. */
export function gateLabel(gate: GateResult): string {
  return gate.environment ? `${gate.gate} (${gate.environment})` : gate.gate;
}

/** The gates of a preview, each with an icon for its status. */
export const GateList = (props: { gates: GateResult[] }) => {
  const classes = useStyles();
  return (
    <List dense disablePadding data-testid="gitops-preview-gates">
      {props.gates.map((gate, i) => {
        const Icon = icons[gate.status] ?? ScheduleIcon;
        return (
          <ListItem
            key={`${gate.gate}-${gate.environment ?? ''}-${i}`}
            disableGutters
            data-testid={`gitops-gate-${gate.status}`}
          >
            <ListItemIcon className={classes.icon}>
              <Icon
                fontSize="small"
                className={classes[gate.status] ?? classes.pending}
                titleAccess={gate.status}
              />
            </ListItemIcon>
            <ListItemText primary={gateLabel(gate)} secondary={gate.message} />
          </ListItem>
        );
      })}
    </List>
  );
};
