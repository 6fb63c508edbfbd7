import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { makeStyles } from '@material-ui/core/styles';
import type { Hold } from '@gitops2/plugin-gitops-common';
import { gitopsApiRef } from '../../api';
import { formatAbsoluteTime, formatRelativeTime } from '../shared';
import { backendMessage } from './errors';

const useStyles = makeStyles({
  // The alert's text may shrink below its content's width (for the "…").
  message: { minWidth: 0 },
  line: {
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
});

/**
 * "Hold: 1.4.2 (reason, by, when)": the environment must not get this
 * version again until someone lifts the hold (with a reason).
 */
export const HoldBanner = (props: {
  hold: Hold;
  onLifted(hold: Hold): void;
}) => {
  const { hold } = props;
  const classes = useStyles();
  const api = useApi(gitopsApiRef);
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const lift = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const lifted = await api.liftHold(hold.id, reason.trim());
      setOpen(false);
      props.onLifted(lifted);
    } catch (e) {
      setError(backendMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const by = hold.createdBy.replace(/^user:(default\/)?/, '');
  const detail = `(${hold.reason}, by ${by}, ${formatRelativeTime(
    hold.createdAt,
  )})`;
  return (
    <Box mt={1}>
      {/* The button goes under the text, never beside it: a card of a
          parallel stage is narrow, and nothing may be cut off there. */}
      <Alert
        severity="warning"
        data-testid="gitops-env-hold"
        classes={{ message: classes.message }}
      >
        {/* Two lines that end in "…" rather than wrap (the whole text on
            hover): a long version or reason never widens the card. */}
        <Typography
          variant="body2"
          component="div"
          className={classes.line}
          title={`Hold: ${hold.version}`}
        >
          Hold: <strong>{hold.version}</strong>{' '}
        </Typography>
        <Typography
          variant="body2"
          component="div"
          className={classes.line}
          title={`${detail} ${formatAbsoluteTime(hold.createdAt)}`}
        >
          {detail}
        </Typography>
        <Box mt={0.5}>
          <Button
            color="inherit"
            size="small"
            variant="outlined"
            onClick={() => setOpen(true)}
            data-testid="gitops-env-hold-lift"
          >
            Lift hold
          </Button>
        </Box>
      </Alert>
      {open && (
        <Dialog
          open
          onClose={() => setOpen(false)}
          fullWidth
          maxWidth="sm"
          data-testid="gitops-lift-hold-dialog"
        >
          <DialogTitle>
            Lift the hold on {hold.version} in {hold.environment}
          </DialogTitle>
          <DialogContent>
            <Typography variant="body2" paragraph>
              Promotions of {hold.version} to {hold.environment}, manual or
              automatic, are refused until the hold is lifted.
            </Typography>
            <TextField
              label="Reason"
              required
              value={reason}
              onChange={e => setReason(e.target.value)}
              fullWidth
              multiline
              minRows={2}
              variant="outlined"
              inputProps={{
                maxLength: 1000,
                'data-testid': 'gitops-lift-hold-reason',
              }}
            />
            {error && (
              <Box mt={2}>
                <Alert severity="error" data-testid="gitops-lift-hold-error">
                  {error}
                </Alert>
              </Box>
            )}
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setOpen(false)}>Cancel</Button>
            <Button
              color="primary"
              variant="contained"
              disabled={busy || reason.trim() === ''}
              onClick={lift}
              data-testid="gitops-lift-hold-confirm"
            >
              {busy ? 'Lifting…' : 'Lift hold'}
            </Button>
          </DialogActions>
        </Dialog>
      )}
    </Box>
  );
};
