import { useState } from 'react';
import { Progress } from '@backstage/core-components';
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
import type {
  EntityRefParts,
  GitopsAction,
} from '@gitops2/plugin-gitops-common';
import useAsync from 'react-use/esm/useAsync';
import { gitopsApiRef } from '../../api';
import { ChangeSetView } from '../shared';
import { ActionResult } from './ActionResult';
import { DiffView } from './DiffView';
import { GateList, gateLabel } from './GateList';
import { backendMessage, newIdempotencyKey } from './errors';
import { VersionChanges } from './VersionChanges';

/**
 * Promote the version of `source` to the next stage: the preview (targets,
 * versions, manifest diff, change set, gates), a reason, and the request.
 * Mount it when it opens: the idempotency key is made once per opening, so
 * a double click or a retry after an error sends the same key.
 */
export const PromoteDialog = (props: {
  entity: EntityRefParts;
  source: string;
  /** The first environment of the next stage (for the change set). */
  next: string;
  onClose(): void;
  /** After a request or a merge: refetch what the tab shows. */
  onChanged(action: GitopsAction): void;
}) => {
  const { entity, source, next } = props;
  const { kind, namespace, name } = entity;
  const api = useApi(gitopsApiRef);
  const [idempotencyKey] = useState(newIdempotencyKey);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [action, setAction] = useState<GitopsAction>();

  const preview = useAsync(
    () =>
      api.previewPromotion(
        { kind, namespace, name },
        { sourceEnvironment: source },
      ),
    [api, kind, namespace, name, source],
  );
  const pending = useAsync(
    () => api.getPendingChanges({ kind, namespace, name }, source, next),
    [api, kind, namespace, name, source, next],
  );

  const failedGates = preview.value?.gates.filter(g => g.status === 'failed');
  const blocked = !preview.value || (failedGates?.length ?? 0) > 0;

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await api.promote(
        { kind, namespace, name },
        { sourceEnvironment: source, reason: reason.trim() || undefined },
        idempotencyKey,
      );
      setAction(result);
      props.onChanged(result);
    } catch (e) {
      setError(backendMessage(e));
    } finally {
      setBusy(false);
    }
  };

  let body;
  if (preview.loading) {
    body = <Progress />;
  } else if (preview.error) {
    body = (
      <Alert severity="error" data-testid="gitops-promote-error">
        Could not preview the promotion: {backendMessage(preview.error)}
      </Alert>
    );
  } else if (preview.value) {
    const p = preview.value;
    const changeSet = pending.value?.changeSet;
    body = (
      <>
        <Typography variant="subtitle2">
          {p.version} from {source} to {p.environments.join(' + ')}
        </Typography>
        <VersionChanges preview={p} />

        <Box mt={2}>
          <Typography variant="subtitle2">Manifest diff</Typography>
          <DiffView changes={p.changes} />
        </Box>

        <Box mt={2} data-testid="gitops-promote-change-set">
          <Typography variant="subtitle2">What it brings to {next}</Typography>
          {pending.loading && <Progress />}
          {pending.error && (
            <Typography variant="body2" color="error">
              Could not tell what it brings: {backendMessage(pending.error)}
            </Typography>
          )}
          {changeSet && (
            <ChangeSetView
              changeSet={changeSet}
              testId="gitops-promote-change-set-view"
            />
          )}
        </Box>

        <Box mt={2}>
          <Typography variant="subtitle2">Gates</Typography>
          <GateList gates={p.gates} />
          {failedGates && failedGates.length > 0 && (
            <Alert severity="error" data-testid="gitops-promote-blocked">
              Cannot promote:{' '}
              {failedGates.map(g => `${gateLabel(g)}: ${g.message}`).join('; ')}
            </Alert>
          )}
        </Box>

        {!action && (
          <Box mt={2}>
            <TextField
              label="Reason"
              value={reason}
              onChange={e => setReason(e.target.value)}
              fullWidth
              multiline
              minRows={2}
              variant="outlined"
              inputProps={{
                maxLength: 1000,
                'data-testid': 'gitops-promote-reason',
              }}
            />
          </Box>
        )}
      </>
    );
  }

  return (
    <Dialog
      open
      onClose={props.onClose}
      fullWidth
      maxWidth="md"
      data-testid="gitops-promote-dialog"
    >
      <DialogTitle>
        Promote {name} from {source}
      </DialogTitle>
      <DialogContent dividers>
        {body}
        {error && (
          <Box mt={2}>
            <Alert severity="error" data-testid="gitops-promote-error">
              {error}
            </Alert>
          </Box>
        )}
        {action && (
          <Box mt={2}>
            <ActionResult
              action={action}
              onChanged={updated => {
                setAction(updated);
                props.onChanged(updated);
              }}
            />
          </Box>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>{action ? 'Close' : 'Cancel'}</Button>
        {!action && (
          <Button
            color="primary"
            variant="contained"
            disabled={blocked || busy}
            onClick={confirm}
            data-testid="gitops-promote-confirm"
          >
            {busy ? 'Requesting…' : 'Request promotion'}
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
};
