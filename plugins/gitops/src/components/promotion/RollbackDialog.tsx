import { useEffect, useState, type InputHTMLAttributes } from 'react';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import type {
  EntityRefParts,
  GitopsAction,
  Rollout,
} from '@gitops2/plugin-gitops-common';
import useAsync from 'react-use/esm/useAsync';
import { gitopsApiRef } from '../../api';
import { ActionResult } from './ActionResult';
import { DiffView } from './DiffView';
import { GateList, gateLabel } from './GateList';
import { backendMessage, newIdempotencyKey } from './errors';
import { VersionChanges } from './VersionChanges';

const PREVIOUS = '';

/**
 * Earlier versions of an environment from its rollouts (newest first):
 * every version it ran, except the current one.
 */
export function earlierVersions(
  rollouts: Rollout[],
  current: string | undefined,
): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of rollouts) {
    for (const v of [r.toVersion, r.fromVersion]) {
      if (v && v !== current && !seen.has(v)) {
        seen.add(v);
        out.push(v);
      }
    }
  }
  return out;
}

/**
 * Roll an environment back to an earlier version, through Git: the version
 * (the previous one by default), a required reason, "emergency" (write
 * straight to the branch), the preview, and the request. After the rollback
 * the backend puts a hold on the rolled-back version.
 */
export const RollbackDialog = (props: {
  entity: EntityRefParts;
  environment: string;
  currentVersion?: string;
  onClose(): void;
  onChanged(action: GitopsAction): void;
}) => {
  const { entity, environment, currentVersion } = props;
  const { kind, namespace, name } = entity;
  const api = useApi(gitopsApiRef);
  const [version, setVersion] = useState(PREVIOUS);
  const [emergency, setEmergency] = useState(false);
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [action, setAction] = useState<GitopsAction>();
  // One key per intent: a retry of the same rollback reuses it, choosing
  // another version or mode is another request.
  const [idempotencyKey, setIdempotencyKey] = useState(newIdempotencyKey);
  useEffect(() => {
    setIdempotencyKey(newIdempotencyKey());
  }, [version, emergency]);

  const history = useAsync(
    () =>
      api.getRollouts({ kind, namespace, name }, { environment, limit: 50 }),
    [api, kind, namespace, name, environment],
  );
  const versions = earlierVersions(history.value?.items ?? [], currentVersion);

  const preview = useAsync(
    () =>
      api.previewRollback(
        { kind, namespace, name },
        {
          environment,
          ...(version ? { version } : {}),
          // The preview validates the request; the reason is not used.
          reason: reason.trim() || 'preview',
          ...(emergency ? { emergency } : {}),
        },
      ),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, kind, namespace, name, environment, version, emergency],
  );

  const failedGates = preview.value?.gates.filter(g => g.status === 'failed');
  const missingReason = reason.trim() === '';
  const blocked =
    !preview.value || (failedGates?.length ?? 0) > 0 || missingReason;

  const confirm = async () => {
    setTouched(true);
    if (missingReason) return;
    setBusy(true);
    setError(undefined);
    try {
      const result = await api.rollback(
        { kind, namespace, name },
        {
          environment,
          reason: reason.trim(),
          ...(version ? { version } : {}),
          ...(emergency ? { emergency } : {}),
        },
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

  let previewBody;
  if (preview.loading) {
    previewBody = <Progress />;
  } else if (preview.error) {
    previewBody = (
      <Alert severity="error" data-testid="gitops-rollback-preview-error">
        Could not preview the rollback: {backendMessage(preview.error)}
      </Alert>
    );
  } else if (preview.value) {
    const p = preview.value;
    previewBody = (
      <>
        <VersionChanges preview={p} />
        <Box mt={2}>
          <Typography variant="subtitle2">Manifest diff</Typography>
          <DiffView changes={p.changes} />
        </Box>
        <Box mt={2}>
          <Typography variant="subtitle2">Gates</Typography>
          <GateList gates={p.gates} />
          {failedGates && failedGates.length > 0 && (
            <Alert severity="error">
              Cannot roll back:{' '}
              {failedGates.map(g => `${gateLabel(g)}: ${g.message}`).join('; ')}
            </Alert>
          )}
        </Box>
      </>
    );
  }

  return (
    <Dialog
      open
      onClose={props.onClose}
      fullWidth
      maxWidth="md"
      data-testid="gitops-rollback-dialog"
    >
      <DialogTitle>
        Roll back {name} in {environment}
      </DialogTitle>
      <DialogContent dividers>
        {!action && (
          <>
            <Box display="flex" flexWrap="wrap" style={{ gap: 16 }}>
              <TextField
                select
                label="Version to return to"
                id="gitops-rollback-version"
                value={version}
                onChange={e => setVersion(e.target.value)}
                SelectProps={{ native: true }}
                InputLabelProps={{ shrink: true }}
                variant="outlined"
                size="small"
                inputProps={{ 'data-testid': 'gitops-rollback-version' }}
              >
                <option value={PREVIOUS}>
                  previous version
                  {preview.value && !version
                    ? ` (${preview.value.version})`
                    : ''}
                </option>
                {versions.map(v => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </TextField>
              <FormControlLabel
                control={
                  <Checkbox
                    checked={emergency}
                    onChange={e => setEmergency(e.target.checked)}
                    inputProps={
                      {
                        'data-testid': 'gitops-rollback-emergency',
                      } as InputHTMLAttributes<HTMLInputElement>
                    }
                  />
                }
                label="Emergency: commit directly, without pull request or approval (needs gitops.rollback.emergency; only versions this environment ran)"
              />
            </Box>
            {history.error && (
              <Typography variant="caption" color="error" component="p">
                Could not load earlier versions: {backendMessage(history.error)}
              </Typography>
            )}
            <Box mt={2}>
              <TextField
                label="Reason"
                required
                value={reason}
                onChange={e => setReason(e.target.value)}
                onBlur={() => setTouched(true)}
                error={touched && missingReason}
                helperText={
                  touched && missingReason
                    ? 'A reason is required: it is recorded with the rollback and its hold.'
                    : 'Recorded with the rollback and the hold it puts on the rolled-back version.'
                }
                fullWidth
                multiline
                minRows={2}
                variant="outlined"
                inputProps={{
                  maxLength: 1000,
                  'data-testid': 'gitops-rollback-reason',
                }}
              />
            </Box>
          </>
        )}
        <Box mt={2}>{previewBody}</Box>
        {error && (
          <Box mt={2}>
            <Alert severity="error" data-testid="gitops-rollback-error">
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
            color="secondary"
            variant="contained"
            disabled={blocked || busy}
            onClick={confirm}
            data-testid="gitops-rollback-confirm"
          >
            {busy ? 'Requesting…' : 'Roll back'}
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
};
