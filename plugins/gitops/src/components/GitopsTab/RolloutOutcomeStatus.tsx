import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import type { RolloutOutcome } from '@gitops2/plugin-gitops-common';

/** The outcome of a rollout, with a status icon. */
export const RolloutOutcomeStatus = (props: { outcome: RolloutOutcome }) => {
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
    case 'pending':
    default:
      return <StatusPending>{props.outcome}</StatusPending>;
  }
};
