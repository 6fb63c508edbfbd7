/**
 * GitOps 2.0 backend plugin: the rollout ledger fed by GitOps repositories.
 *
 * @packageDocumentation
 */
export { gitopsPlugin as default } from './plugin';
export { gitopsScaffolderModule } from './actions/scaffolderModule';
export { gitopsCdEventsModule } from './events/cd/cdEventsModule';
export { gitopsEnvironmentsCatalogModule } from './catalog/catalogModule';
export { createGitopsPromoteAction } from './actions/createGitopsPromoteAction';
export type { VersionLocator, LocatorReadResult } from './locators/types';
export type { GitSource, GitCommit } from './git/types';
