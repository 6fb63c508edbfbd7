import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type {
  PromotionRequest,
  RollbackRequest,
} from '@gitops2/plugin-gitops-common';
import { LedgerStore } from '../../database/LedgerStore';
import { VersionLocatorRegistry } from '../../locators/VersionLocatorRegistry';
import type { StepTypeCatalog } from '../../pipeline/parseSteps';
import type { Plan, PromotionRepository } from '../types';
import { approvalRequirementsOf, writeModeOf } from './approvalRequirements';
import { ManifestEditor } from './ManifestEditor';
import { WritablePipeline } from './WritablePipeline';

/**
 * Plans promotions and rollbacks on the current head of the GitOps
 * repository: which environments, which version, which manifest edits, and
 * under which rules (mode, approvals, the gates of a promotion or of a
 * rollback). Reads only; the pipeline file is parsed at that head.
 */
export class ActionPlanner {
  private readonly editor: ManifestEditor;

  constructor(
    private readonly options: {
      ledger: LedgerStore;
      repositories: Map<string, PromotionRepository>;
      locators: VersionLocatorRegistry;
      stepTypes?: StepTypeCatalog;
    },
  ) {
    this.editor = new ManifestEditor(options.locators);
  }

  repository(id: string): PromotionRepository {
    const r = this.options.repositories.get(id);
    if (!r) throw new NotFoundError(`unknown GitOps repository "${id}"`);
    return r;
  }

  hasRepository(id: string): boolean {
    return this.options.repositories.has(id);
  }

  /** The ids of the repositories the portal writes to. */
  repositoryIds(): string[] {
    return [...this.options.repositories.keys()];
  }

  get manifests(): ManifestEditor {
    return this.editor;
  }

  pipelineAt(repo: PromotionRepository, sha: string) {
    return WritablePipeline.at(
      repo,
      sha,
      this.options.locators,
      this.options.stepTypes,
    );
  }

  async planPromotion(
    repositoryId: string,
    service: string,
    request: PromotionRequest,
  ): Promise<Plan> {
    const repo = this.repository(repositoryId);
    const baseSha = await repo.source.headCommit();
    const pipeline = await this.pipelineAt(repo, baseSha);
    const source = request.sourceEnvironment
      ? pipeline.environment(request.sourceEnvironment)
      : undefined;
    let targetNames = request.environments;
    if (!targetNames) {
      const next = pipeline.stages[source!.stageIndex + 1];
      if (!next)
        throw new InputError(
          `${
            source!.name
          } is in the last stage: there is no next environment to promote to`,
        );
      targetNames = next.environments;
    }
    const targets = [...new Set(targetNames)].map(n => {
      if (source && n === source.name)
        throw new InputError(`cannot promote ${n} into itself`);
      const target = pipeline.environment(n);
      // A version reaches a stage from the stage before it: skipping one
      // would measure soak time and health where they do not count.
      if (source && source.stageIndex !== target.stageIndex - 1) {
        const before = pipeline.stages[target.stageIndex - 1];
        throw new InputError(
          before
            ? `${n} (stage ${target.stage}) is promoted from stage ${
                before.name
              } (${before.environments.join(', ')}), not from ${
                source.name
              }; name an explicit version to skip stages`
            : `${n} is in the first stage: promote an explicit version to it`,
        );
      }
      return target;
    });
    let version = request.version;
    let sourceSince: string | undefined;
    let sourceCommit: string | undefined;
    if (source) {
      const current = await this.editor.versionAt(
        repo,
        baseSha,
        pipeline.spec(service, source.name),
      );
      if (version && version !== current)
        throw new InputError(`${source.name} runs ${current}, not ${version}`);
      version = current;
      ({ sourceSince, sourceCommit } = await this.sourceHistory(
        repositoryId,
        service,
        source.name,
        version,
      ));
    }
    const specs = targets.map(t => pipeline.spec(service, t.name));
    const { changes, files } = await this.editor.edits(
      repo,
      baseSha,
      specs,
      version!,
    );
    return {
      kind: 'promotion',
      gateKind: 'promotion',
      repositoryId,
      service,
      version: version!,
      emergency: false,
      sourceEnvironment: source?.name,
      sourceSince,
      sourceCommit,
      targets,
      changes,
      files,
      baseSha,
      mode: writeModeOf(targets),
      approvalRequirements: approvalRequirementsOf(targets, 'promotion'),
    };
  }

  /**
   * A rollback restores a version the environment ran before (by default the
   * one before the current). Any other version is a promotion in disguise: it
   * passes the promotion's gates and approvals. An emergency rollback (a
   * direct commit) may only restore a version the environment ran.
   */
  async planRollback(
    repositoryId: string,
    service: string,
    request: RollbackRequest,
  ): Promise<Plan> {
    const repo = this.repository(repositoryId);
    const baseSha = await repo.source.headCommit();
    const pipeline = await this.pipelineAt(repo, baseSha);
    const env = pipeline.environment(request.environment);
    const spec = pipeline.spec(service, env.name);
    const current = await this.editor.versionAt(repo, baseSha, spec);
    let version = request.version;
    if (!version) {
      const last = await this.options.ledger.listRollouts({
        repositoryId,
        service,
        environment: env.name,
        limit: 1,
      });
      const latest = last.rows[0];
      version =
        latest && latest.to_version === current
          ? latest.from_version ?? undefined
          : undefined;
      if (!version)
        throw new ConflictError(
          `${service} has no earlier version in ${env.name} to roll back to`,
        );
    }
    if (version === current)
      throw new ConflictError(
        `${env.name} already runs ${version}: nothing to roll back`,
      );
    const ran = (
      await this.options.ledger.versionsRanIn(repositoryId, service, env.name)
    ).find(v => v.version === version);
    const emergency = request.emergency === true;
    if (emergency && !ran)
      throw new ConflictError(
        `an emergency rollback restores a version ${env.name} ran before; ${service} never ran ${version} there (promote it instead)`,
      );
    const gateKind = ran ? 'rollback' : 'promotion';
    const { changes, files } = await this.editor.edits(
      repo,
      baseSha,
      [spec],
      version,
    );
    return {
      kind: 'rollback',
      gateKind,
      repositoryId,
      service,
      version,
      emergency,
      targets: [env],
      changes,
      files,
      baseSha,
      mode: emergency ? 'direct' : writeModeOf([env]),
      approvalRequirements: emergency
        ? []
        : approvalRequirementsOf([env], gateKind),
      ranBeforeUntil: ran?.lastSetAt,
    };
  }

  /** Since when the source runs the version, and its source commit. */
  async sourceHistory(
    repositoryId: string,
    service: string,
    environment: string,
    version: string,
  ): Promise<{ sourceSince?: string; sourceCommit?: string }> {
    const state = (
      await this.options.ledger.getDesiredStates(repositoryId, service)
    ).find(s => s.environment === environment);
    const sourceSince =
      state?.version === version && state.change_at
        ? new Date(state.change_at as any).toISOString()
        : undefined;
    const last = await this.options.ledger.listRollouts({
      repositoryId,
      service,
      environment,
      limit: 1,
    });
    const sourceCommit =
      last.rows[0]?.to_version === version
        ? last.rows[0].source_commit_sha ?? undefined
        : undefined;
    return { sourceSince, sourceCommit };
  }
}
