import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import type { RolloutOutcome } from '@gitops2/plugin-gitops-common';

const OutcomeStatus = (props: { outcome: RolloutOutcome }) => {
  switch (props.outcome) {
    case 'succeeded':
      return <StatusOK>succeeded</StatusOK>;
    case 'verified':
      return <StatusOK>verified</StatusOK>;
    case 'progressing':
      return <StatusRunning>progressing</StatusRunning>;
    case 'degraded':
      return <StatusWarning>degraded</StatusWarning>;
    case 'failed':
      return <StatusError>failed</StatusError>;
    case 'rolled-back':
      return <StatusAborted>rolled back</StatusAborted>;
    case 'not-observed':
      return (
        <span title="No watched cluster reported on this rollout: it is history, or its environment has no cluster the portal watches">
          <StatusAborted>not observed</StatusAborted>
        </span>
      );
    case 'superseded':
      return (
        <span title="A later rollout replaced it before the cluster was seen running it">
          <StatusAborted>superseded</StatusAborted>
        </span>
      );
    case 'pending':
    default:
      return <StatusPending>{props.outcome}</StatusPending>;
  }
};

/**
 * The outcome of a rollout, with a status icon and always in words (never
 * colour alone). The API already presents it (`presentRolloutOutcome`):
 * `pending` only for the latest rollout of a watched environment.
 */
export const RolloutOutcomeStatus = (props: { outcome: RolloutOutcome }) => (
  // One line: the word never breaks ("succeed ed").
  <span style={{ whiteSpace: 'nowrap' }} data-testid="gitops-rollout-outcome">
    <OutcomeStatus outcome={props.outcome} />
  </span>
);
