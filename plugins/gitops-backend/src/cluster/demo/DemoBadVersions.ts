/*
 * Demo only: the versions the demo's smoke endpoint answers 500 for, read
 * from `gitops.demoCluster.badVersionsFile` (the demo generator's
 * demo-summary.json, `badVersions: [{ service, version }]`). Read again when
 * the file changes (the demo can be rebuilt while the backend runs), bounded
 * in size. A file that cannot be read or has no such list is an error that
 * names the key and the file: the endpoint then answers nothing is known
 * rather than calling every version good.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { z } from 'zod';

const KEY = 'gitops.demoCluster.badVersionsFile';
const MAX_BYTES = 16 * 1024 * 1024;

const fileSchema = z.object({
  badVersions: z
    .array(
      z.object({
        service: z.string().min(1).max(63),
        version: z.string().min(1).max(128),
      }),
    )
    .max(100),
});

export interface BadVersion {
  service: string;
  version: string;
}

export type BadVersionsResult =
  | { ok: true; badVersions: BadVersion[] }
  | { ok: false; error: string };

export class DemoBadVersions {
  private cache?: { stamp: string; result: BadVersionsResult };

  /** Without a file no version is bad. */
  constructor(private readonly file?: string) {}

  /**
   * `gitops.demoCluster.badVersionsFile`, resolved against the backend's
   * working directory (like `portalCommitsFile`). A value that is not a
   * non-empty string fails startup.
   */
  static fromConfig(config: Config, cwd = process.cwd()): DemoBadVersions {
    let value: string | undefined;
    try {
      value = config.getOptionalString(KEY);
    } catch {
      throw new InputError(
        `Invalid gitops configuration: ${KEY}: must be a file path`,
      );
    }
    if (value !== undefined && !value.trim()) {
      throw new InputError(
        `Invalid gitops configuration: ${KEY}: must be a file path`,
      );
    }
    return new DemoBadVersions(value ? path.resolve(cwd, value) : undefined);
  }

  get source(): string | undefined {
    return this.file;
  }

  /** The bad versions, or why they are not known. */
  async read(): Promise<BadVersionsResult> {
    if (!this.file) return { ok: true, badVersions: [] };
    let stamp: string;
    try {
      const stat = await fs.stat(this.file);
      if (stat.size > MAX_BYTES) {
        return this.fail(
          `it has ${stat.size} bytes; at most ${MAX_BYTES} are read`,
        );
      }
      stamp = `${stat.mtimeMs}:${stat.size}`;
    } catch (e) {
      return this.fail((e as Error).message);
    }
    if (this.cache?.stamp === stamp) return this.cache.result;
    let result: BadVersionsResult;
    try {
      const parsed = fileSchema.safeParse(
        JSON.parse(await fs.readFile(this.file, 'utf8')),
      );
      result = parsed.success
        ? { ok: true, badVersions: parsed.data.badVersions }
        : this.fail(
            `expected {"badVersions": [{"service": …, "version": …}]} (${parsed.error.issues
              .map(i => `${i.path.join('.') || '(file)'}: ${i.message}`)
              .join('; ')})`,
          );
    } catch (e) {
      result = this.fail((e as Error).message);
    }
    this.cache = { stamp, result };
    return result;
  }

  private fail(why: string): BadVersionsResult {
    return { ok: false, error: `${KEY} ${this.file} cannot be used: ${why}` };
  }
}
