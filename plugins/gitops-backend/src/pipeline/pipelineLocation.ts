import { ConflictError, InputError } from '@backstage/errors';
import { stringify } from 'yaml';
import type { RepositoryConfig } from '../config';
import type { FileContent, GitSource } from '../git/types';
import type { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { parsePipeline } from './parsePipeline';
import type { StepTypeCatalog } from './parseSteps';

/**
 * A pipeline defined outside the GitOps repository
 * (`gitops.repositories[].pipeline` or `pipelineFrom`): it is not versioned
 * with the repository, so the whole history is read with it, and the
 * portal never edits it.
 */
export interface ExternalPipeline {
  /** Where it is, for messages (RepositoryConfig.pipelineFile). */
  readonly label: string;
  /** The pipeline text as it is now. */
  read(): Promise<FileContent>;
}

/** The pipeline written inline in app-config, as YAML text. */
export function inlinePipelineText(repo: RepositoryConfig): string {
  return stringify(repo.pipeline);
}

/**
 * The external pipeline of a repository, undefined when the pipeline is a
 * file of the repository itself. `createSource` builds the Git source of
 * `pipelineFrom` (same providers and credentials as a GitOps repository).
 */
export function externalPipelineOf(
  repo: RepositoryConfig,
  createSource: (from: RepositoryConfig) => GitSource,
): ExternalPipeline | undefined {
  if (repo.pipeline) {
    const text = inlinePipelineText(repo);
    return { label: repo.pipelineFile, read: async () => text };
  }
  const from = repo.pipelineFrom;
  if (from) {
    const source = createSource({
      ...repo,
      provider: from.provider,
      url: from.url,
      branch: from.branch,
      pipelineFile: from.path,
      pipeline: undefined,
      pipelineFrom: undefined,
      webUrl: undefined,
    });
    return {
      label: repo.pipelineFile,
      read: async () => {
        const head = await source.headCommit();
        const [content] = await source.readFiles([
          { sha: head, path: from.path },
        ]);
        return content;
      },
    };
  }
  return undefined;
}

/**
 * Checks the pipelines written in app-config at startup: a pipeline that
 * does not parse, or an environment or service entry with an error, stops
 * the backend with a message naming the repository.
 */
export function validateInlinePipelines(
  repositories: RepositoryConfig[],
  locators: VersionLocatorRegistry,
  stepTypes?: StepTypeCatalog,
): void {
  repositories.forEach((repo, i) => {
    if (!repo.pipeline) return;
    const key = `gitops.repositories.${i}.pipeline`;
    const parsed = parsePipeline(
      inlinePipelineText(repo),
      repo.pipelineFile,
      locators,
      stepTypes,
    );
    const problems: string[] = [];
    if (parsed.fileError) problems.push(parsed.fileError.message);
    for (const [env, e] of Object.entries(parsed.environmentErrors))
      problems.push(`environment ${env}: ${e.message}`);
    for (const [service, envs] of Object.entries(parsed.services)) {
      for (const [env, entry] of Object.entries(envs)) {
        if ('error' in entry)
          problems.push(`service ${service} in ${env}: ${entry.error.message}`);
      }
    }
    if (problems.length > 0) {
      throw new InputError(
        `Invalid gitops configuration: ${key} (repository ${
          repo.id
        }): ${problems.slice(0, 5).join('; ')}${
          problems.length > 5 ? `; and ${problems.length - 5} more` : ''
        }`,
      );
    }
  });
}

/**
 * Writes that edit the pipeline (new environment, new service, retiring)
 * need it to be a file of the GitOps repository: one defined in app-config
 * or another repository is edited there, by whoever owns it.
 */
export function assertPipelineEditable(repo: {
  id: string;
  pipelineFile: string;
  externalPipeline?: ExternalPipeline;
}): void {
  if (repo.externalPipeline) {
    throw new ConflictError(
      `the pipeline of repository ${repo.id} is not a file of it (${repo.pipelineFile}); edit it there: the portal changes only pipeline files of GitOps repositories`,
    );
  }
}
