import type { SourceError } from '@gitops2/plugin-gitops-common';

/** What a locator found in a manifest. */
export type LocatorReadResult =
  | { ok: true; version: string; line?: number }
  | { ok: false; error: SourceError };

/** Locator options as written in the pipeline file (minus `type`). */
export type LocatorOptions = Record<string, unknown>;

/**
 * Reads (and, for promotions, writes) the version an environment runs in one
 * manifest file. One small unit per manifest shape; see docs/pipeline.md.
 */
export interface VersionLocator {
  /** The `locator.type` of the pipeline file, e.g. `kustomize-image`. */
  readonly type: string;
  /**
   * Checks the options; returns a message naming the bad key, or undefined
   * when they are fine.
   */
  validateOptions(options: LocatorOptions): string | undefined;
  /** Reads the version. Never throws: a broken file is an error result. */
  read(
    content: string,
    file: string,
    options: LocatorOptions,
  ): LocatorReadResult;
  /**
   * Returns the file with the version replaced, changing nothing else
   * (comments, key order, quoting style and formatting survive).
   */
  write(
    content: string,
    file: string,
    options: LocatorOptions,
    version: string,
  ): { ok: true; content: string } | { ok: false; error: SourceError };
}
