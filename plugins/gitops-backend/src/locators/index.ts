export type {
  LocatorOptions,
  LocatorReadResult,
  VersionLocator,
} from './types';
export { KustomizeImageLocator } from './KustomizeImageLocator';
export { HelmValuesLocator, parseDotPath } from './HelmValuesLocator';
export type { PathSegment } from './HelmValuesLocator';
export {
  ContainerImageLocator,
  isDigest,
  normalizeRepository,
  parseImageRef,
} from './ContainerImageLocator';
export type { ImageRef } from './ContainerImageLocator';
export { ArgoCdApplicationLocator } from './ArgoCdApplicationLocator';
export {
  VersionLocatorRegistry,
  createDefaultLocatorRegistry,
} from './VersionLocatorRegistry';
export { SAFE_VERSION_PATTERN, checkVersionToken } from './yamlSupport';
