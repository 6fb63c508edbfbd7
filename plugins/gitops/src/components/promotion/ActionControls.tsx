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
import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import { gitopsApiRef } from '../../api';
import { backendMessage } from './errors';

/** `promotion #15 of guestbook-ui 1.4.2 to prod-us, prod-eu`. */
export function describeAction(action: GitopsAction): string {
  const envs = action.environments.join(', ');
  return action.kind === 'rollback'
    ? `rollback #${action.id} of ${action.service} in ${envs} to ${action.version}`
    : `promotion #${action.id} of ${action.service} ${action.version} to ${envs}`;
}

/** Approve with an optional comment (a small dialog). */
const ApproveButton = (props: {
  action: GitopsAction;
  onDone(action: GitopsAction): void;
  onError(message: string): void;
}) => {
  const api = useApi(gitopsApiRef);
  const [open, setOpen] = useState(false);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const updated = await api.approve(
        props.action.id,
        comment.trim() || undefined,
      );
      setOpen(false);
      setComment('');
      props.onDone(updated);
    } catch (e) {
      setError(backendMessage(e));
      props.onError(backendMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button
        size="small"
        variant="outlined"
        color="primary"
        onClick={() => setOpen(true)}
        data-testid="gitops-action-approve"
      >
        Approve
      </Button>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        fullWidth
        maxWidth="sm"
        data-testid="gitops-approve-dialog"
      >
        <DialogTitle>Approve {describeAction(props.action)}</DialogTitle>
        <DialogContent>
          {props.action.reason && (
            <Typography variant="body2" paragraph>
              Reason: {props.action.reason}
            </Typography>
          )}
          <TextField
            label="Comment (optional)"
            value={comment}
            onChange={e => setComment(e.target.value)}
            fullWidth
            multiline
            minRows={2}
            variant="outlined"
            inputProps={{ 'data-testid': 'gitops-approve-comment' }}
          />
          {error && (
            <Box mt={2}>
              <Alert severity="error">{error}</Alert>
            </Box>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)}>Close</Button>
          <Button
            color="primary"
            variant="contained"
            disabled={busy}
            onClick={submit}
            data-testid="gitops-approve-confirm"
          >
            {busy ? 'Approving…' : 'Approve'}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
};

/**
 * The buttons of an action: Approve (awaiting approval, not for one's own
 * request), Merge (pull request open), Cancel (still waiting). The error of a
 * refused call is shown as the backend wrote it.
 */
export const ActionControls = (props: {
  action: GitopsAction;
  currentUser?: string;
  /** Offer Cancel (the tab does; the inbox does not). */
  cancellable?: boolean;
  onChanged(action: GitopsAction): void;
}) => {
  const { action, currentUser } = props;
  const api = useApi(gitopsApiRef);
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();

  const run = async (what: string, call: () => Promise<GitopsAction>) => {
    setBusy(what);
    setError(undefined);
    try {
      props.onChanged(await call());
    } catch (e) {
      setError(backendMessage(e));
    } finally {
      setBusy(undefined);
    }
  };

  const own =
    currentUser !== undefined &&
    action.requestedBy.toLocaleLowerCase('en-US') ===
      currentUser.toLocaleLowerCase('en-US');
  const waiting =
    action.state === 'awaiting-approval' ||
    action.state === 'pull-request-open' ||
    action.state === 'requested';

  return (
    <Box display="flex" flexDirection="column" alignItems="flex-start">
      <Box display="flex" flexWrap="wrap" style={{ gap: 4 }}>
        {action.state === 'awaiting-approval' && !own && (
          <ApproveButton
            action={action}
            onDone={updated => {
              setError(undefined);
              props.onChanged(updated);
            }}
            onError={() => {}}
          />
        )}
        {action.state === 'pull-request-open' && (
          <Button
            size="small"
            variant="outlined"
            color="primary"
            disabled={busy !== undefined}
            onClick={() => run('merge', () => api.merge(action.id))}
            data-testid="gitops-action-merge"
          >
            {busy === 'merge' ? 'Merging…' : 'Merge'}
          </Button>
        )}
        {props.cancellable && waiting && (
          <Button
            size="small"
            disabled={busy !== undefined}
            onClick={() => run('cancel', () => api.cancel(action.id))}
            data-testid="gitops-action-cancel"
          >
            {busy === 'cancel' ? 'Cancelling…' : 'Cancel'}
          </Button>
        )}
      </Box>
      {error && (
        <Typography
          variant="caption"
          color="error"
          role="alert"
          data-testid="gitops-action-error"
        >
          {error}
        </Typography>
      )}
    </Box>
  );
};
