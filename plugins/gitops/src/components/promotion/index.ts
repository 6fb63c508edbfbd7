export { PromoteDialog } from './PromoteDialog';
export { RollbackDialog, earlierVersions } from './RollbackDialog';
export { HoldBanner } from './HoldBanner';
export { ActionsTable } from './ActionsTable';
export { ActionStateChip, isWaiting } from './ActionStateChip';
export { DiffView, diffLineKind } from './DiffView';
export { GateList } from './GateList';
export { useCurrentUser } from './useCurrentUser';
export { backendMessage, newIdempotencyKey } from './errors';
export { LiveActionsContext, useLiveAction } from './LiveActions';
export {
  AUTO_ROLLBACK_INITIATOR,
  automaticRollbacksOf,
  isAutomaticRollback,
} from './automaticRollback';
