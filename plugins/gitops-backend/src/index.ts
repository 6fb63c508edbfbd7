/**
 * GitOps 2.0 backend plugin: the rollout ledger fed by GitOps repositories.
 *
 * @packageDocumentation
 */
export { gitopsPlugin as default } from './plugin';
export type { VersionLocator, LocatorReadResult } from './locators/types';
export type { GitSource, GitCommit } from './git/types';
