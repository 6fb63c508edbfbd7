import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
} from '@backstage/core-components';
import type { StepRunState } from '@gitops2/plugin-gitops-common';

/** The state of a deployment step: an icon and its word. */
export const StepStateStatus = (props: { state: StepRunState }) => {
  switch (props.state) {
    case 'passed':
      return <StatusOK>passed</StatusOK>;
    case 'failed':
      return <StatusError>failed</StatusError>;
    case 'running':
      return <StatusRunning>running</StatusRunning>;
    case 'skipped':
      return <StatusAborted>skipped</StatusAborted>;
    case 'cancelled':
      return <StatusAborted>cancelled</StatusAborted>;
    case 'pending':
    default:
      return <StatusPending>{props.state}</StatusPending>;
  }
};
