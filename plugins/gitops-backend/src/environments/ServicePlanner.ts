import { ConflictError, InputError } from '@backstage/errors';
import { assertPipelineEditable } from '../pipeline/pipelineLocation';
import type {
  EnvironmentFileChange,
  ServiceAddRequest,
} from '@gitops2/plugin-gitops-common';
import type { FileWrite } from '../git/GitWriter';
import type { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { parsePipeline } from '../pipeline/parsePipeline';
import type { StepTypeCatalog } from '../pipeline/parseSteps';
import { manifestDiff } from '../promotion/manifestDiff';
import { WritablePipeline } from '../promotion/planning/WritablePipeline';
import type { PromotionRepository } from '../promotion/types';
import { editPipelineForService } from './editPipelineForService';
import type { EnvironmentPlan } from './EnvironmentPlanner';

/**
 * Plans onboarding a service whose manifests are in the repository: the
 * pipeline entry, checked by parsing the edited file, and the locator run
 * on the manifest of every environment it is enabled in (it must find the
 * version there, or say where it looked); a requested version is written
 * with the locator. The plan's `environment` is the service's name.
 */
export class ServicePlanner {
  constructor(
    private readonly locators: VersionLocatorRegistry,
    private readonly stepTypes?: StepTypeCatalog,
  ) {}

  async plan(
    repo: PromotionRepository,
    request: ServiceAddRequest,
  ): Promise<EnvironmentPlan> {
    const baseSha = await repo.source.headCommit();
    const pipeline = await WritablePipeline.at(
      repo,
      baseSha,
      this.locators,
      this.stepTypes,
    );
    const { service } = request;
    if (pipeline.parsedFile.services[service])
      throw new ConflictError(
        `service "${service}" is already in the pipeline`,
      );
    const all = pipeline.stages.flatMap(s => s.environments);
    const unknown = request.environments.filter(e => !all.includes(e));
    if (unknown.length)
      throw new InputError(
        `unknown environments ${unknown.join(', ')} (environments: ${all.join(
          ', ',
        )})`,
      );
    if (!this.locators.get(request.locator.type))
      throw new InputError(`unknown locator type "${request.locator.type}"`);
    for (const env of Object.keys(request.versions ?? {}))
      if (!request.environments.includes(env))
        throw new InputError(
          `a version is given for ${env}, where ${service} is not enabled`,
        );

    assertPipelineEditable(repo);
    const [text] = await repo.source.readFiles([
      { sha: baseSha, path: repo.pipelineFile },
    ]);
    if (typeof text !== 'string')
      throw new ConflictError(`${repo.pipelineFile} cannot be read`);
    const edited = editPipelineForService({
      text,
      file: repo.pipelineFile,
      request,
      allEnvironments: all,
    });
    const after = parsePipeline(
      edited,
      repo.pipelineFile,
      this.locators,
      this.stepTypes,
    );
    if (after.fileError)
      throw new ConflictError(
        `the edited pipeline file would not be sound (${after.fileError.message}); nothing was written`,
      );
    const entries = after.services[service] ?? {};
    const files: FileWrite[] = [{ path: repo.pipelineFile, content: edited }];
    const changes: EnvironmentFileChange[] = [
      {
        path: repo.pipelineFile,
        purpose: 'pipeline',
        diff: manifestDiff(repo.pipelineFile, text, edited),
      },
    ];
    const services: EnvironmentPlan['services'] = [];
    for (const env of request.environments) {
      const spec = entries[env];
      if (!spec) throw new ConflictError(`${service} would not run in ${env}`);
      if ('error' in spec)
        throw new InputError(`${env}: ${spec.error.message}`);
      const mode = await repo.writer.fileMode(baseSha, spec.path);
      if (mode !== '100644' && mode !== '100755')
        throw new InputError(
          `${spec.path} ${
            mode === undefined
              ? 'does not exist; commit the manifests of the service first'
              : `is not a regular file (mode ${mode})`
          }`,
        );
      const [content] = await repo.source.readFiles([
        { sha: baseSha, path: spec.path },
      ]);
      if (typeof content !== 'string')
        throw new ConflictError(`${spec.path} cannot be read`);
      const locator = this.locators.get(spec.locator.type)!;
      const read = locator.read(content, spec.path, spec.locator.options);
      if (!read.ok)
        throw new InputError(
          `the locator finds no version in ${spec.path}${
            read.error.line ? `:${read.error.line}` : ''
          }: ${read.error.message}`,
        );
      let version = read.version;
      const wanted = request.versions?.[env];
      if (wanted && wanted !== version) {
        const written = locator.write(
          content,
          spec.path,
          spec.locator.options,
          wanted,
        );
        if (!written.ok)
          throw new InputError(`${spec.path}: ${written.error.message}`);
        files.push({ path: spec.path, content: written.content });
        changes.push({
          path: spec.path,
          purpose: 'manifest',
          service,
          diff: manifestDiff(spec.path, content, written.content),
        });
        version = wanted;
      }
      services.push({ service, environment: env, version, file: spec.path });
    }
    return {
      repositoryId: repo.id,
      environment: service,
      baseSha,
      mode: 'pull-request',
      services,
      files,
      changes,
    };
  }
}
