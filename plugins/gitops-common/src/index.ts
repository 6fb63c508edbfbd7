/**
 * Shared types, permissions, annotations and the typed REST API contract of
 * the GitOps 2.0 plugins.
 *
 * @packageDocumentation
 */
export * from './types';
export * from './outcome';
export * from './permissions';
export * from './annotations';
export * from './api';
export * from './correlation';
export * from './promotion';
export * from './cluster';
export * from './metrics';
export * from './signals';
export * from './environments';
