import { ConflictError, InputError } from '@backstage/errors';
import { assertPipelineEditable } from '../pipeline/pipelineLocation';
import type {
  EnvironmentChange,
  EnvironmentCreateRequest,
  EnvironmentFileChange,
  PipelineChoices,
} from '@gitops2/plugin-gitops-common';
import type { FileWrite } from '../git/GitWriter';
import { OversizedFile } from '../git/types';
import type { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { parsePipeline } from '../pipeline/parsePipeline';
import type { StepTypeCatalog } from '../pipeline/parseSteps';
import { manifestDiff } from '../promotion/manifestDiff';
import { WritablePipeline } from '../promotion/planning/WritablePipeline';
import type { PromotionRepository } from '../promotion/types';
import { checkNewFile } from './checkNewFile';
import { pipelineChoices } from './pipelineChoices';
import { editPipelineFile } from './editPipelineFile';
import { rewriteManifest } from './rewriteManifest';
import { siblingsToCopy } from './siblingFiles';
import { validateEnvironmentRequest } from './validateEnvironmentRequest';

/** What creating an environment writes, planned on one commit. */
export interface EnvironmentPlan {
  repositoryId: string;
  environment: string;
  baseSha: string;
  mode: 'pull-request' | 'direct';
  services: EnvironmentChange['services'];
  files: FileWrite[];
  changes: EnvironmentFileChange[];
}

/**
 * Plans a new environment on the head of the GitOps repository: validates
 * the request, edits the pipeline file in place, and copies the manifest of
 * every service enabled in the source environment to the new environment's
 * path, with its environment values rewritten and the source's version.
 * Reads only; the resulting pipeline is parsed again and must be sound.
 */
export class EnvironmentPlanner {
  constructor(
    private readonly locators: VersionLocatorRegistry,
    private readonly stepTypes?: StepTypeCatalog,
  ) {}

  /** What the templates' forms offer (docs/environments.md#pickers). */
  choices(
    repo: PromotionRepository,
    configuredClusters: string[],
  ): Promise<PipelineChoices> {
    return pipelineChoices(repo, {
      locators: this.locators,
      stepTypes: this.stepTypes,
      configuredClusters,
    });
  }

  async plan(
    repo: PromotionRepository,
    request: EnvironmentCreateRequest,
    knownClusters: ReadonlySet<string>,
  ): Promise<EnvironmentPlan> {
    const baseSha = await repo.source.headCommit();
    const pipeline = await WritablePipeline.at(
      repo,
      baseSha,
      this.locators,
      this.stepTypes,
    );
    const clusters = new Set(knownClusters);
    for (const s of pipeline.stages)
      for (const e of s.environments) {
        const cluster = soundEnvironment(pipeline, e)?.cluster;
        if (cluster) clusters.add(cluster);
      }
    validateEnvironmentRequest(request, pipeline, clusters);
    const { name, sourceEnvironment: source } = request;
    const sourceEnv = pipeline.environment(source);

    assertPipelineEditable(repo);
    const [text] = await repo.source.readFiles([
      { sha: baseSha, path: repo.pipelineFile },
    ]);
    if (typeof text !== 'string')
      throw new ConflictError(`${repo.pipelineFile} cannot be read`);
    const edited = editPipelineFile({
      text,
      file: repo.pipelineFile,
      parsed: pipeline.parsedFile,
      request,
    });
    const after = parsePipeline(
      edited,
      repo.pipelineFile,
      this.locators,
      this.stepTypes,
    );
    const newEnv = after.definition?.environments.find(e => e.name === name);
    const error = after.fileError ?? after.environmentErrors[name];
    if (!newEnv || error) {
      throw new ConflictError(
        `the edited pipeline file would not be sound (${
          error?.line ? `line ${error.line}: ` : ''
        }${error?.message ?? `${name} is missing`}); nothing was written`,
      );
    }

    const files: FileWrite[] = [{ path: repo.pipelineFile, content: edited }];
    const changes: EnvironmentFileChange[] = [
      {
        path: repo.pipelineFile,
        purpose: 'pipeline',
        diff: manifestDiff(repo.pipelineFile, text, edited),
      },
    ];
    const services: EnvironmentPlan['services'] = [];
    const targets = new Set<string>();
    for (const [service, entries] of Object.entries(after.services)) {
      const from = pipeline.parsedFile.services[service]?.[source];
      const to = entries[name];
      if (!from) {
        if (to)
          throw new ConflictError(
            `service "${service}" would be enabled in ${name} but is not in ${source}`,
          );
        continue;
      }
      if ('error' in from)
        throw new ConflictError(
          `service "${service}" is misconfigured in ${source} (${from.error.message}); fix it before copying ${source}`,
        );
      if (!to || 'error' in to)
        throw new ConflictError(
          `service "${service}" would not be usable in ${name}${
            to && 'error' in to ? ` (${to.error.message})` : ''
          }`,
        );
      if (to.path === from.path || targets.has(to.path))
        throw new InputError(
          `service "${service}" would write ${to.path}, which is not the new environment's own file (its path does not contain {environment})`,
        );
      targets.add(to.path);
      await checkNewFile(repo.writer, baseSha, to.path);
      const mode = await repo.writer.fileMode(baseSha, from.path);
      if (mode !== '100644' && mode !== '100755')
        throw new InputError(
          `${from.path} is not a regular file (mode ${
            mode ?? 'unknown'
          }); refusing to copy it`,
        );
      const [content] = await repo.source.readFiles([
        { sha: baseSha, path: from.path },
      ]);
      if (content instanceof OversizedFile)
        throw new ConflictError(
          `${from.path}: ${content.describe('manifest')}`,
        );
      if (typeof content !== 'string')
        throw new ConflictError(`${from.path} cannot be read`);
      const locator = this.locators.get(from.locator.type);
      const version = locator?.read(content, from.path, from.locator.options);
      if (!locator || !version?.ok)
        throw new ConflictError(
          `cannot read the version of ${service} in ${source} (${from.path})`,
        );
      let copied = rewriteManifest(content, {
        fromEnvironment: source,
        toEnvironment: name,
        fromNamespace: sourceEnv.namespace,
        toNamespace: request.namespace,
      }).content;
      // The new environment starts at the source's version, even where a
      // rewritten value was part of it.
      const read = locator.read(copied, to.path, to.locator.options);
      if (!read.ok || read.version !== version.version) {
        const written = locator.write(
          copied,
          to.path,
          to.locator.options,
          version.version,
        );
        if (!written.ok)
          throw new ConflictError(`${to.path}: ${written.error.message}`);
        copied = written.content;
      }
      files.push({ path: to.path, content: copied });
      changes.push({
        path: to.path,
        purpose: 'manifest',
        service,
        diff: manifestDiff(to.path, '', copied),
      });
      for (const sibling of await siblingsToCopy(
        repo,
        baseSha,
        from.path,
        to.path,
        content,
        targets,
      )) {
        const siblingContent = rewriteManifest(sibling.content, {
          fromEnvironment: source,
          toEnvironment: name,
          fromNamespace: sourceEnv.namespace,
          toNamespace: request.namespace,
        }).content;
        files.push({ path: sibling.to, content: siblingContent });
        changes.push({
          path: sibling.to,
          purpose: 'manifest',
          service,
          diff: manifestDiff(sibling.to, '', siblingContent),
        });
      }
      services.push({ service, version: version.version, file: to.path });
    }
    return {
      repositoryId: repo.id,
      environment: name,
      baseSha,
      mode: writeModeOfRepository(pipeline),
      services,
      files,
      changes,
    };
  }
}

/**
 * A pipeline change is reviewed: a pull request, unless every environment
 * of the repository is written directly (a repository without review).
 */
function writeModeOfRepository(
  pipeline: WritablePipeline,
): 'pull-request' | 'direct' {
  const envs = pipeline.stages.flatMap(s => s.environments);
  return envs.length > 0 &&
    envs.every(e => soundEnvironment(pipeline, e)?.promotion?.mode === 'direct')
    ? 'direct'
    : 'pull-request';
}

function soundEnvironment(pipeline: WritablePipeline, name: string) {
  try {
    return pipeline.environment(name);
  } catch {
    return undefined; // a broken entry counts for nothing (and blocks being copied)
  }
}
