import { ConflictError, NotFoundError } from '@backstage/errors';
import type {
  EnvironmentDefinition,
  SourceError,
} from '@gitops2/plugin-gitops-common';
import { VersionLocatorRegistry } from '../../locators/VersionLocatorRegistry';
import { OversizedFile } from '../../git/types';
import { parsePipeline } from '../../pipeline/parsePipeline';
import type { StepTypeCatalog } from '../../pipeline/parseSteps';
import type {
  ParsedPipeline,
  ServiceEnvironmentSpec,
} from '../../pipeline/types';
import type { PromotionRepository } from '../types';

const where = (e: SourceError) =>
  `${e.file ?? 'pipeline file'}${e.line ? `:${e.line}` : ''}`;

/**
 * The pipeline file as it is at the commit a write is planned on, parsed
 * there and then, never the last good copy reads fall back to: a broken file
 * or a broken environment entry blocks writes (it could have dropped a
 * policy: approvals, freeze windows, soak time), with a message saying where.
 */
export class WritablePipeline {
  private constructor(
    readonly sha: string,
    private readonly parsed: ParsedPipeline,
  ) {}

  static async at(
    repo: PromotionRepository,
    sha: string,
    locators: VersionLocatorRegistry,
    stepTypes?: StepTypeCatalog,
  ): Promise<WritablePipeline> {
    const [content] = repo.externalPipeline
      ? [await repo.externalPipeline.read()]
      : await repo.source.readFiles([{ sha, path: repo.pipelineFile }]);
    if (content instanceof OversizedFile) {
      throw new ConflictError(
        `${repo.pipelineFile}: ${content.describe(
          'pipeline file',
        )}; writes to repository ${repo.id} are blocked until it is fixed`,
      );
    }
    if (typeof content !== 'string') {
      throw new ConflictError(
        `the pipeline file ${repo.pipelineFile} cannot be read at ${sha.slice(
          0,
          12,
        )} of repository ${repo.id}; writes are blocked until it is there`,
      );
    }
    const parsed = parsePipeline(
      content,
      repo.pipelineFile,
      locators,
      stepTypes,
    );
    if (parsed.fileError || !parsed.definition) {
      const e = parsed.fileError ?? { message: 'no definition' };
      throw new ConflictError(
        `the pipeline file is broken at ${sha.slice(0, 12)} (${where(e)}: ${
          e.message
        }); writes to repository ${repo.id} are blocked until it is fixed`,
      );
    }
    return new WritablePipeline(sha, parsed);
  }

  get stages() {
    return this.parsed.definition!.stages;
  }

  /** The file as parsed (services and their per-environment entries). */
  get parsedFile(): ParsedPipeline {
    return this.parsed;
  }

  /** Whether `spec.environments` names the environment (sound or not). */
  hasEnvironmentEntry(name: string): boolean {
    return (
      this.parsed.definition!.environments.some(e => e.name === name) ||
      name in this.parsed.environmentErrors
    );
  }

  /** An environment whose entry is sound; anything else blocks the write. */
  environment(name: string): EnvironmentDefinition {
    const env = this.parsed.definition!.environments.find(e => e.name === name);
    if (!env) {
      const broken = this.parsed.environmentErrors[name];
      if (!broken) throw new NotFoundError(`unknown environment "${name}"`);
    }
    const error = this.parsed.environmentErrors[name];
    if (error) {
      throw new ConflictError(
        `environment ${name} has an error in the pipeline file (${where(
          error,
        )}: ${
          error.message
        }); writes to it are blocked until it is fixed, since its promotion policy cannot be trusted`,
      );
    }
    return env!;
  }

  /** Where a service's version is in an environment. */
  spec(service: string, env: string): ServiceEnvironmentSpec {
    const entries = this.parsed.services[service];
    if (!entries)
      throw new NotFoundError(
        `service "${service}" is not listed in the pipeline file`,
      );
    const entry = entries[env];
    if (!entry)
      throw new NotFoundError(
        `service "${service}" is not deployed to environment "${env}"`,
      );
    if ('error' in entry)
      throw new ConflictError(
        `environment ${env} of ${service} is misconfigured (${where(
          entry.error,
        )}: ${entry.error.message}); writes are blocked until it is fixed`,
      );
    return entry;
  }
}
