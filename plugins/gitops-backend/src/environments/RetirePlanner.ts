import { ConflictError, NotFoundError } from '@backstage/errors';
import { assertPipelineEditable } from '../pipeline/pipelineLocation';
import type {
  EnvironmentFileChange,
  EnvironmentRetireRequest,
} from '@gitops2/plugin-gitops-common';
import type { FileWrite } from '../git/GitWriter';
import type { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { parsePipeline } from '../pipeline/parsePipeline';
import type { StepTypeCatalog } from '../pipeline/parseSteps';
import { manifestDiff } from '../promotion/manifestDiff';
import { WritablePipeline } from '../promotion/planning/WritablePipeline';
import type { PromotionRepository } from '../promotion/types';
import { editPipelineForRetire } from './editPipelineForRetire';
import { assertUnreferenced } from './manifestReferences';
import type { EnvironmentPlan } from './EnvironmentPlanner';

/** Why an environment (or one service there) cannot be retired now, if it cannot. */
export type OpenWork = (
  repositoryId: string,
  environment: string,
  services: string[],
) => Promise<string | undefined>;

/**
 * Plans retiring an environment, or disabling one service in it, on the
 * head of the GitOps repository: the pipeline edit and the manifests to
 * delete (each listed in the preview), never one another environment still
 * uses. Refused while the environment has an open action or a hold.
 */
export class RetirePlanner {
  constructor(
    private readonly locators: VersionLocatorRegistry,
    private readonly openWork: OpenWork,
    private readonly stepTypes?: StepTypeCatalog,
  ) {}

  async plan(
    repo: PromotionRepository,
    request: EnvironmentRetireRequest,
  ): Promise<EnvironmentPlan> {
    const baseSha = await repo.source.headCommit();
    const pipeline = await WritablePipeline.at(
      repo,
      baseSha,
      this.locators,
      this.stepTypes,
    );
    const { environment, service } = request;
    const all = pipeline.stages.flatMap(s => s.environments);
    if (!all.includes(environment))
      throw new NotFoundError(
        `unknown environment "${environment}" (environments: ${all.join(
          ', ',
        )})`,
      );
    if (all.length === 1)
      throw new ConflictError(
        `${environment} is the only environment of the pipeline; a pipeline needs one`,
      );
    const parsed = pipeline.parsedFile;
    const servicesThere = Object.keys(parsed.services).filter(
      s => parsed.services[s][environment],
    );
    if (service && !servicesThere.includes(service))
      throw new NotFoundError(
        `service "${service}" is not deployed to ${environment}`,
      );
    const affected = service ? [service] : servicesThere;
    const open = await this.openWork(repo.id, environment, affected);
    if (open) throw new ConflictError(open);

    assertPipelineEditable(repo);
    const [text] = await repo.source.readFiles([
      { sha: baseSha, path: repo.pipelineFile },
    ]);
    if (typeof text !== 'string')
      throw new ConflictError(`${repo.pipelineFile} cannot be read`);
    const edited = editPipelineForRetire({
      text,
      file: repo.pipelineFile,
      environment,
      service,
    });
    const after = parsePipeline(
      edited,
      repo.pipelineFile,
      this.locators,
      this.stepTypes,
    );
    const stillThere = after.definition?.environments.some(
      e => e.name === environment,
    );
    if (
      after.fileError ||
      !after.definition ||
      (service ? after.services[service]?.[environment] : stillThere)
    ) {
      throw new ConflictError(
        `the edited pipeline file would not be sound${
          after.fileError ? ` (${after.fileError.message})` : ''
        }; nothing was written`,
      );
    }

    // Files other environments still use (a shared manifest) are kept.
    const usedElsewhere = new Set<string>();
    for (const entries of Object.values(after.services))
      for (const entry of Object.values(entries))
        if (!('error' in entry)) usedElsewhere.add(entry.path);
    const files: FileWrite[] = [{ path: repo.pipelineFile, content: edited }];
    const changes: EnvironmentFileChange[] = [
      {
        path: repo.pipelineFile,
        purpose: 'pipeline',
        diff: manifestDiff(repo.pipelineFile, text, edited),
      },
    ];
    const services: EnvironmentPlan['services'] = [];
    for (const s of affected) {
      const entry = parsed.services[s][environment];
      if (!entry || 'error' in entry) continue;
      if (usedElsewhere.has(entry.path) || entry.path === repo.pipelineFile)
        continue;
      const mode = await repo.writer.fileMode(baseSha, entry.path);
      if (mode === undefined) continue; // nothing to delete
      if (mode !== '100644' && mode !== '100755')
        throw new ConflictError(
          `${entry.path} is not a regular file (mode ${mode}); refusing to delete it`,
        );
      const [content] = await repo.source.readFiles([
        { sha: baseSha, path: entry.path },
      ]);
      // An oversized or unreadable file is deleted all the same; its diff is empty.
      const before = typeof content === 'string' ? content : '';
      const version = this.locators
        .get(entry.locator.type)
        ?.read(before, entry.path, entry.locator.options);
      files.push({ path: entry.path, content: '', delete: true });
      changes.push({
        path: entry.path,
        purpose: 'manifest',
        service: s,
        deleted: true,
        diff: manifestDiff(entry.path, before, ''),
      });
      services.push({
        service: s,
        version: version?.ok ? version.version : '',
        file: entry.path,
      });
    }
    const keptSpecs = Object.values(after.services).flatMap(entries =>
      Object.values(entries).flatMap(e => ('error' in e ? [] : [e])),
    );
    await assertUnreferenced(
      repo,
      keptSpecs,
      baseSha,
      files.filter(f => f.delete).map(f => f.path),
      'nothing was written',
    );
    return {
      repositoryId: repo.id,
      environment,
      baseSha,
      // A retirement is always reviewed.
      mode: 'pull-request',
      services,
      files,
      changes,
    };
  }
}
