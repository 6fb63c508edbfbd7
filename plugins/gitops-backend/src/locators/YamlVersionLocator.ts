import type {
  LocatorOptions,
  LocatorReadResult,
  VersionLocator,
} from './types';
import {
  Located,
  neverThrow,
  Result,
  writeVersion,
  YamlFile,
} from './yamlSupport';

/**
 * What every YAML locator shares: options are validated first, `read` and
 * `write` never throw, and `write` splices the value that `locate` found.
 * A locator only says how to validate its options and where the version is.
 */
export abstract class YamlVersionLocator implements VersionLocator {
  abstract readonly type: string;

  abstract validateOptions(options: LocatorOptions): string | undefined;

  /** Finds the version node; the options are already valid. */
  protected abstract locateValid(
    content: string,
    file: string,
    options: LocatorOptions,
  ): Result<{ yaml: YamlFile; located: Located }>;

  /** Extra refusal of a version this locator cannot write (e.g. not an image tag). */
  protected checkVersion(_version: string): string | undefined {
    return undefined;
  }

  read(
    content: string,
    file: string,
    options: LocatorOptions,
  ): LocatorReadResult {
    return neverThrow(file, (): LocatorReadResult => {
      const found = this.locate(content, file, options);
      if (!found.ok) return found;
      const { version, line } = found.value.located;
      return { ok: true, version, line };
    });
  }

  write(
    content: string,
    file: string,
    options: LocatorOptions,
    version: string,
  ) {
    return neverThrow(file, () =>
      writeVersion(
        content,
        file,
        version,
        c => this.locate(c, file, options),
        v => this.checkVersion(v),
      ),
    );
  }

  protected locate(
    content: string,
    file: string,
    options: LocatorOptions,
  ): Result<{ yaml: YamlFile; located: Located }> {
    const bad = this.validateOptions(options);
    if (bad) {
      return {
        ok: false,
        error: { message: `invalid locator options: ${bad}`, file },
      };
    }
    return this.locateValid(content, file, options);
  }
}
