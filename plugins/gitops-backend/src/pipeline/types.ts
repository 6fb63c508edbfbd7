import type {
  PipelineDefinition,
  SourceError,
} from '@gitops2/plugin-gitops-common';

/** Where one service's version is, in one environment. */
export interface ServiceEnvironmentSpec {
  service: string;
  environment: string;
  /** Manifest path relative to the repository root (validated: no `..`). */
  path: string;
  locator: { type: string; options: Record<string, unknown> };
}

/** The pipeline file, parsed and validated. */
export interface ParsedPipeline {
  /** Null when the file cannot be used at all (syntax error, wrong kind). */
  definition: PipelineDefinition | null;
  /**
   * service -> environment -> spec, or the error of that entry (bad path,
   * unknown locator type, bad locator options …).
   */
  services: Record<
    string,
    Record<string, ServiceEnvironmentSpec | { error: SourceError }>
  >;
  /** Errors that make one environment unusable (e.g. missing definition). */
  environmentErrors: Record<string, SourceError>;
  /** Error of the whole file: YAML syntax, wrong apiVersion/kind, no stages. */
  fileError: SourceError | null;
}
