/**
 * A GitHub REST API double for tests and the demo: a real HTTP server over
 * real bare Git repositories (refs, commits, trees, contents, compare, pull
 * requests and merges), with ETags, rate-limit headers, fault injection,
 * after-effect hooks and request counters. Never a product dependency.
 *
 * @packageDocumentation
 */
export { start } from './server';
export type { GitHubApiDouble, StartOptions } from './api';
export type { RepoSpec } from './ServedRepo';
export type {
  AppPermissions,
  AppSpec,
  Credential,
  Installation,
  InstallationSpec,
  MintedToken,
} from './apps/Apps';
export type { RequestInfo, RequestMatch } from './control/match';
export { Faults } from './control/Faults';
export type { Fault, FaultKind, FaultSpec } from './control/Faults';
export type { AfterEffectHook, PendingReply } from './control/Hooks';
export { runGraphQL } from './handlers/graphql';
export { GraphQLFieldError } from './handlers/graphqlExecute';
export type { GqlObject } from './handlers/graphqlExecute';
export { RateLimit } from './control/RateLimit';
export type { RateLimitState } from './control/RateLimit';
export { SecondaryRateLimit } from './control/SecondaryRateLimit';
export type { SecondaryRateLimitOptions } from './control/SecondaryRateLimit';
export type { PullRequestSummary, PushOptions } from './control/human';
export type { MergeMethod } from './pulls/PullRequests';
export type { DoubleUser } from './shapes/common';
export { GitRepo } from './git/GitRepo';
export type { CommitData, FileChange, TreeEntry } from './git/types';
