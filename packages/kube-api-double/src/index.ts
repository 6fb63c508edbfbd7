/**
 * A Kubernetes API server double for tests and the demo: list + watch over
 * HTTP with resourceVersions, bookmarks, 410 Gone, fault injection and request
 * counters. Never a product dependency.
 *
 * @packageDocumentation
 */
export { start } from './server';
export type {
  Counters,
  Faults,
  KubeApiDouble,
  RequestInfo,
  RouteMatch,
  StartOptions,
  Verb,
} from './server';
export { kubeConfigFor, kubeConfigOptionsFor } from './kubeConfig';
export { ObjectStore } from './store';
export type { ChangeEvent, ChangeType, ObjectStoreOptions } from './store';
export { InvalidObjectError, validateObject } from './models';
export {
  RESOURCE_TYPES,
  apiVersionOf,
  findResourceType,
  resourceType,
} from './resources';
export type { ResourceType } from './resources';
export {
  parseLabelSelector,
  parseFieldSelector,
  SelectorError,
} from './selectors';
export * as fixtures from './fixtures';
export { simulateRollout } from './simulate';
export type { RolloutOptions, RolloutStep, RolloutTarget } from './simulate';
