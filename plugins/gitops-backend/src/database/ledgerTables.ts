/**
 * The tables one ingestion walk writes: the repository's current ledger, or
 * the pending one of a re-ingest in progress (migration
 * 20261203000000_reingest_pending.js), made current at its end.
 */
export interface LedgerTables {
  rollouts: string;
  desiredStates: string;
  errors: string;
}

/** What readers (the API, the write path's gates) read. */
export const CURRENT_LEDGER: LedgerTables = {
  rollouts: 'gitops_rollouts',
  desiredStates: 'gitops_desired_states',
  errors: 'gitops_ingestion_errors',
};

/** A re-ingest in progress, read by nothing but the re-ingest itself. */
export const PENDING_LEDGER: LedgerTables = {
  rollouts: 'gitops_reingest_rollouts',
  desiredStates: 'gitops_reingest_desired_states',
  errors: 'gitops_reingest_errors',
};
