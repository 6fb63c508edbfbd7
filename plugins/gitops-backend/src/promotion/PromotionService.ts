import { createHash } from 'node:crypto';
import type {
  BackstageCredentials,
  LoggerService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { PermissionsService } from '@backstage/backend-plugin-api';
import {
  ActionKind,
  ActionPreview,
  EnvironmentDefinition,
  gitopsApprovePermission,
  gitopsPromotePermission,
  gitopsRollbackPermission,
  GateResult,
  GitopsAction,
  Hold,
  ManifestChange,
  PipelineDefinition,
  PromotionRequest,
  RollbackRequest,
} from '@gitops2/plugin-gitops-common';
import { LedgerStore } from '../database/LedgerStore';
import { BranchMovedError, FileWrite, GitWriter } from '../git/GitWriter';
import { GitSource, OversizedFile } from '../git/types';
import { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { ParsedPipeline, ServiceEnvironmentSpec } from '../pipeline/types';
import { ActionStore } from './ActionStore';
import { GateRegistry } from './gates/GateRegistry';
import { environmentResourceRef } from './gates/PermissionGate';
import { manifestDiff } from './manifestDiff';

/** Per repository: where to read and where to write. */
export interface PromotionRepository {
  id: string;
  branch: string;
  source: GitSource;
  writer: GitWriter;
}

export interface Caller {
  credentials: BackstageCredentials | null;
  /** User entity ref, service principal or `policy:auto-promote`. */
  initiator: string;
}

interface Plan {
  kind: ActionKind;
  repositoryId: string;
  service: string;
  version: string;
  sourceEnvironment?: string;
  sourceSince?: string;
  sourceCommit?: string;
  targets: EnvironmentDefinition[];
  changes: ManifestChange[];
  files: FileWrite[];
  baseSha: string;
  mode: 'pull-request' | 'direct';
  requiredApprovals: number;
  approverGroup?: string;
}

const MAX_WRITE_ATTEMPTS = 3;

/** The idempotency key was used before for a different request. */
export class IdempotencyKeyReusedError extends Error {
  constructor(key: string, actionId: string) {
    super(
      `idempotency key "${key}" was already used for a different request (action #${actionId})`,
    );
    this.name = 'IdempotencyKeyReusedError';
  }
}

/**
 * Promotion and rollback through Git: plans the manifest edits with the
 * version locators, runs the gates, records the action (idempotency key),
 * serializes writes per environment (database lock), writes a commit or a
 * pull request branch with compare-and-set, and ingests the result so the
 * ledger records the rollout. Never touches a cluster.
 */
export class PromotionService {
  constructor(
    private readonly options: {
      ledger: LedgerStore;
      actions: ActionStore;
      repositories: Map<string, PromotionRepository>;
      locators: VersionLocatorRegistry;
      gates: GateRegistry;
      permissions: PermissionsService;
      userInfo?: UserInfoService;
      logger: LoggerService;
      /** Called after a write landed on the branch clusters follow. */
      afterMerge?: (repositoryId: string) => Promise<void>;
    },
  ) {}

  // ---------------------------------------------------------------- planning

  private repo(id: string): PromotionRepository {
    const r = this.options.repositories.get(id);
    if (!r) throw new NotFoundError(`unknown GitOps repository "${id}"`);
    return r;
  }

  private async pipeline(repositoryId: string): Promise<{
    definition: PipelineDefinition;
    services: ParsedPipeline['services'];
  }> {
    const row = await this.options.ledger.getRepository(repositoryId);
    const stored = row?.pipeline ? JSON.parse(row.pipeline) : null;
    if (!stored?.definition) {
      throw new ConflictError(
        `the pipeline of repository ${repositoryId} is not ingested yet (or broken); try again after ingestion`,
      );
    }
    return stored;
  }

  private spec(
    pipeline: { services: ParsedPipeline['services'] },
    service: string,
    env: string,
  ): ServiceEnvironmentSpec {
    const entries = pipeline.services[service];
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
        `environment ${env} of ${service} is misconfigured: ${entry.error.message}`,
      );
    return entry;
  }

  /** Reads the manifests at the branch head and computes the edits. */
  private async edits(
    repo: PromotionRepository,
    baseSha: string,
    specs: ServiceEnvironmentSpec[],
    version: string,
  ): Promise<{ changes: ManifestChange[]; files: FileWrite[] }> {
    const contents = await repo.source.readFiles(
      specs.map(s => ({ sha: baseSha, path: s.path })),
    );
    const changes: ManifestChange[] = [];
    const files: FileWrite[] = [];
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i];
      const content = contents[i];
      if (content === undefined)
        throw new ConflictError(
          `${spec.path} does not exist at ${baseSha.slice(0, 12)}`,
        );
      if (content instanceof OversizedFile)
        throw new ConflictError(
          `${spec.path}: ${content.describe('manifest')}`,
        );
      const mode = await repo.writer.fileMode(baseSha, spec.path);
      if (mode !== '100644' && mode !== '100755') {
        // A symlink could point outside the repository: never write through it.
        throw new InputError(
          `${spec.path} is not a regular file in the repository (mode ${
            mode ?? 'unknown'
          }); refusing to write through it`,
        );
      }
      const locator = this.options.locators.get(spec.locator.type);
      if (!locator)
        throw new ConflictError(
          `unknown locator type "${spec.locator.type}" for ${spec.path}`,
        );
      const current = locator.read(content, spec.path, spec.locator.options);
      if (!current.ok)
        throw new ConflictError(
          `${spec.path}${current.error.line ? `:${current.error.line}` : ''}: ${
            current.error.message
          }`,
        );
      if (current.version === version) continue; // already there: nothing to write
      const written = locator.write(
        content,
        spec.path,
        spec.locator.options,
        version,
      );
      if (!written.ok)
        throw new InputError(`${spec.path}: ${written.error.message}`);
      changes.push({
        environment: spec.environment,
        file: spec.path,
        fromVersion: current.version,
        toVersion: version,
        diff: manifestDiff(spec.path, content, written.content),
      });
      files.push({ path: spec.path, content: written.content });
    }
    return { changes, files };
  }

  async planPromotion(
    repositoryId: string,
    service: string,
    request: PromotionRequest,
  ): Promise<Plan> {
    const repo = this.repo(repositoryId);
    const pipeline = await this.pipeline(repositoryId);
    const envs = pipeline.definition.environments;
    const byName = new Map(envs.map(e => [e.name, e]));
    let targetsNames = request.environments;
    const source = request.sourceEnvironment
      ? byName.get(request.sourceEnvironment)
      : undefined;
    if (request.sourceEnvironment && !source)
      throw new NotFoundError(
        `unknown environment "${request.sourceEnvironment}"`,
      );
    if (!targetsNames) {
      const next = pipeline.definition.stages[source!.stageIndex + 1];
      if (!next)
        throw new InputError(
          `${
            source!.name
          } is in the last stage: there is no next environment to promote to`,
        );
      targetsNames = next.environments;
    }
    const targets = [...new Set(targetsNames)].map(n => {
      const env = byName.get(n);
      if (!env) throw new NotFoundError(`unknown environment "${n}"`);
      if (source && env.name === source.name)
        throw new InputError(`cannot promote ${n} into itself`);
      return env;
    });
    const baseSha = await repo.source.headCommit();
    let version = request.version;
    let sourceSince: string | undefined;
    let sourceCommit: string | undefined;
    if (source) {
      const spec = this.spec(pipeline, service, source.name);
      const [content] = await repo.source.readFiles([
        { sha: baseSha, path: spec.path },
      ]);
      if (content instanceof OversizedFile)
        throw new ConflictError(
          `cannot read the version of ${service} in ${source.name}: ${
            spec.path
          }: ${content.describe('manifest')}`,
        );
      const read =
        content === undefined
          ? undefined
          : this.options.locators
              .get(spec.locator.type)
              ?.read(content, spec.path, spec.locator.options);
      if (!read?.ok)
        throw new ConflictError(
          `cannot read the version of ${service} in ${source.name} (${spec.path})`,
        );
      if (version && version !== read.version) {
        throw new InputError(
          `${source.name} runs ${read.version}, not ${version}`,
        );
      }
      version = read.version;
      const state = (
        await this.options.ledger.getDesiredStates(repositoryId, service)
      ).find(s => s.environment === source.name);
      if (state?.version === version && state.change_at)
        sourceSince = new Date(state.change_at as any).toISOString();
      const last = await this.options.ledger.listRollouts({
        repositoryId,
        service,
        environment: source.name,
        limit: 1,
      });
      if (last.rows[0]?.to_version === version)
        sourceCommit = last.rows[0].source_commit_sha ?? undefined;
    }
    const specs = targets.map(t => this.spec(pipeline, service, t.name));
    const { changes, files } = await this.edits(repo, baseSha, specs, version!);
    const policies = targets.map(t => t.promotion);
    return {
      kind: 'promotion',
      repositoryId,
      service,
      version: version!,
      sourceEnvironment: source?.name,
      sourceSince,
      sourceCommit,
      targets,
      changes,
      files,
      baseSha,
      mode: policies.some(p => (p?.mode ?? 'pull-request') === 'pull-request')
        ? 'pull-request'
        : 'direct',
      requiredApprovals: Math.max(0, ...policies.map(p => p?.approvals ?? 0)),
      approverGroup: policies.find(p => p?.approverGroup)?.approverGroup,
    };
  }

  async planRollback(
    repositoryId: string,
    service: string,
    request: RollbackRequest,
  ): Promise<Plan> {
    const repo = this.repo(repositoryId);
    const pipeline = await this.pipeline(repositoryId);
    const env = pipeline.definition.environments.find(
      e => e.name === request.environment,
    );
    if (!env)
      throw new NotFoundError(`unknown environment "${request.environment}"`);
    const spec = this.spec(pipeline, service, env.name);
    let version = request.version;
    if (!version) {
      const last = await this.options.ledger.listRollouts({
        repositoryId,
        service,
        environment: env.name,
        limit: 1,
      });
      version = last.rows[0]?.from_version ?? undefined;
      if (!version)
        throw new ConflictError(
          `${service} has no earlier version in ${env.name} to roll back to`,
        );
    }
    const baseSha = await repo.source.headCommit();
    const { changes, files } = await this.edits(repo, baseSha, [spec], version);
    return {
      kind: 'rollback',
      repositoryId,
      service,
      version,
      targets: [env],
      changes,
      files,
      baseSha,
      mode: request.emergency
        ? 'direct'
        : env.promotion?.mode ?? 'pull-request',
      requiredApprovals: 0,
    };
  }

  private async gates(plan: Plan, caller: Caller): Promise<GateResult[]> {
    const holds = await this.options.actions.activeHolds(
      plan.repositoryId,
      plan.service,
    );
    const results = await this.options.gates.evaluate({
      kind: plan.kind,
      repositoryId: plan.repositoryId,
      service: plan.service,
      version: plan.version,
      sourceEnvironment: plan.sourceEnvironment,
      sourceSince: plan.sourceSince,
      targets: plan.targets,
      credentials: caller.credentials,
      initiator: caller.initiator,
      holds,
      now: new Date(),
    });
    if (plan.requiredApprovals > 0) {
      results.push({
        gate: 'approvals',
        status: 'pending',
        message: `needs ${
          plan.requiredApprovals
        } approval(s) by someone other than the requester${
          plan.approverGroup ? ` in ${plan.approverGroup}` : ''
        }`,
      });
    }
    return results;
  }

  async preview(plan: Plan, caller: Caller): Promise<ActionPreview> {
    const gates = await this.gates(plan, caller);
    return {
      kind: plan.kind,
      service: plan.service,
      version: plan.version,
      sourceEnvironment: plan.sourceEnvironment,
      environments: plan.targets.map(t => t.name),
      changes: plan.changes,
      gates,
      allowed: !gates.some(g => g.status === 'failed'),
    };
  }

  // ---------------------------------------------------------------- requests

  /**
   * Records and (when no approval is needed) executes a promotion or
   * rollback. The same idempotency key with the same request returns the
   * same action; with a different request it is refused (422).
   */
  async request(
    plan: Plan,
    caller: Caller,
    idempotencyKey: string,
    reason?: string,
  ): Promise<{ action: GitopsAction; created: boolean }> {
    const requestHash = createHash('sha256')
      .update(
        JSON.stringify([
          plan.kind,
          plan.repositoryId,
          plan.service,
          plan.version,
          plan.sourceEnvironment ?? null,
          plan.targets.map(t => t.name).sort(),
        ]),
      )
      .digest('hex');
    const audit = (
      result: 'succeeded' | 'denied' | 'failed' | 'refused',
      message: string,
      actionId?: string,
    ) =>
      this.options.actions.audit({
        actor: caller.initiator,
        action: plan.kind,
        repositoryId: plan.repositoryId,
        service: plan.service,
        environments: plan.targets.map(t => t.name),
        fromVersion: plan.changes[0]?.fromVersion ?? null,
        toVersion: plan.version,
        result,
        message,
        actionId,
      });

    // A replay of a known key answers before anything else: by then the
    // plan may say "nothing to change" because the first request did it.
    const known = await this.options.actions.findByKey(idempotencyKey);
    if (known) {
      if (known.requestHash !== requestHash)
        throw new IdempotencyKeyReusedError(idempotencyKey, known.action.id);
      return { action: known.action, created: false };
    }

    const gates = await this.gates(plan, caller);
    const denied = gates.filter(
      g => g.gate === 'permission' && g.status === 'failed',
    );
    if (denied.length) {
      await audit('denied', denied.map(g => g.message).join('; '));
      throw new NotAllowedError(denied.map(g => g.message).join('; '));
    }
    const failed = gates.filter(g => g.status === 'failed');
    if (failed.length) {
      await audit('refused', failed.map(g => g.message).join('; '));
      throw new ConflictError(
        `refused by gates: ${failed
          .map(
            g =>
              `${g.gate}${g.environment ? ` (${g.environment})` : ''}: ${
                g.message
              }`,
          )
          .join('; ')}`,
      );
    }
    if (plan.changes.length === 0) {
      await audit('refused', `already at ${plan.version}`);
      throw new ConflictError(
        `${plan.targets.map(t => t.name).join(', ')} already run${
          plan.targets.length === 1 ? 's' : ''
        } ${plan.version}: nothing to change`,
      );
    }

    const {
      action,
      requestHash: existingHash,
      created,
    } = await this.options.actions.createOrGet({
      idempotencyKey,
      requestHash,
      kind: plan.kind,
      state: plan.requiredApprovals > 0 ? 'awaiting-approval' : 'requested',
      repositoryId: plan.repositoryId,
      service: plan.service,
      sourceEnvironment: plan.sourceEnvironment,
      environments: plan.targets.map(t => t.name),
      version: plan.version,
      mode: plan.mode,
      requestedBy: caller.initiator,
      reason,
      changes: plan.changes,
      gates,
      requiredApprovals: plan.requiredApprovals,
      approverGroup: plan.approverGroup,
      baseSha: plan.baseSha,
    });
    if (!created) {
      if (existingHash !== requestHash) {
        throw new IdempotencyKeyReusedError(idempotencyKey, action.id);
      }
      return { action, created: false };
    }
    await audit(
      'succeeded',
      `${plan.kind} #${action.id} recorded (${action.state})`,
      action.id,
    );
    if (action.state === 'requested') {
      return {
        action: await this.execute(action.id, plan.sourceCommit),
        created: true,
      };
    }
    return { action, created: true };
  }

  /** Writes the change: a direct commit, or a pull request branch. */
  async execute(
    actionId: string,
    sourceCommit?: string,
  ): Promise<GitopsAction> {
    const { actions } = this.options;
    const action = await actions.get(actionId);
    if (!action) throw new NotFoundError(`unknown action #${actionId}`);
    const repo = this.repo(action.repositoryId);
    try {
      await actions.lockEnvironments(
        action.repositoryId,
        action.environments,
        action.id,
      );
    } catch (e) {
      await actions.update(
        action.id,
        { state: 'refused', error: (e as Error).message },
        ['requested'],
      );
      await this.auditAction(
        action,
        action.requestedBy,
        action.kind,
        'refused',
        (e as Error).message,
      );
      throw e;
    }
    const pipeline = await this.pipeline(action.repositoryId);
    const specs = action.environments.map(e =>
      this.spec(pipeline, action.service, e),
    );
    const branch =
      action.mode === 'direct'
        ? repo.branch
        : `gitops/${action.kind}-${action.id}`;
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      try {
        // Crash recovery: a branch or commit of this action may already exist.
        if (
          action.mode !== 'direct' &&
          (await repo.writer.branchHead(branch))
        ) {
          const url = await this.pullRequestFor(
            repo,
            branch,
            action,
            action.changes,
            sourceCommit,
          ).catch(() => repo.writer.pullRequestUrl(branch));
          await actions.update(action.id, {
            state: 'pull-request-open',
            branch,
            pullRequestUrl: url,
          });
          return (await actions.get(action.id))!;
        }
        const head = await repo.source.headCommit();
        const { changes, files } = await this.edits(
          repo,
          head,
          specs,
          action.version,
        );
        if (files.length === 0) {
          // Already written (a retry after a crash, or someone else did it).
          await actions.update(action.id, { state: 'merged', baseSha: head });
          await this.finishMerged(action.id);
          return (await actions.get(action.id))!;
        }
        const sha = await repo.writer.commit({
          baseSha: head,
          branch,
          expectedOld: action.mode === 'direct' ? head : null,
          files,
          message: commitMessage(action, changes, sourceCommit),
          author: authorOf(action.requestedBy),
        });
        if (action.mode === 'direct') {
          await actions.update(action.id, {
            state: 'merged',
            commitSha: sha,
            changes,
            baseSha: head,
          });
          await this.finishMerged(action.id);
        } else {
          const url = await this.pullRequestFor(
            repo,
            branch,
            action,
            changes,
            sourceCommit,
          );
          await actions.update(action.id, {
            state: 'pull-request-open',
            branch,
            commitSha: sha,
            changes,
            baseSha: head,
            pullRequestUrl: url,
          });
        }
        return (await actions.get(action.id))!;
      } catch (e) {
        lastError = e as Error;
        if (!(e instanceof BranchMovedError)) break;
        this.options.logger.info(
          `action #${action.id}: ${e.message} (attempt ${attempt}/${MAX_WRITE_ATTEMPTS})`,
        );
      }
    }
    const message =
      lastError instanceof BranchMovedError
        ? `${lastError.message}; gave up after ${MAX_WRITE_ATTEMPTS} attempts`
        : `writing to Git failed: ${lastError?.message}`;
    await actions.update(action.id, { state: 'failed', error: message });
    await actions.unlockEnvironments(action.repositoryId, action.id);
    await this.auditAction(
      action,
      action.requestedBy,
      action.kind,
      'failed',
      message,
    );
    throw new ConflictError(message);
  }

  /** One audit row about an existing action (who, what, its environments and version). */
  private auditAction(
    action: GitopsAction,
    actor: string,
    what: string,
    result: 'succeeded' | 'denied' | 'failed' | 'refused',
    message?: string,
  ): Promise<void> {
    return this.options.actions.audit({
      actor,
      action: what,
      repositoryId: action.repositoryId,
      service: action.service,
      environments: action.environments,
      toVersion: action.version,
      result,
      message,
      actionId: action.id,
    });
  }

  /** Opens the pull request of a branch where the writer has them (GitHub). */
  private async pullRequestFor(
    repo: PromotionRepository,
    branch: string,
    action: GitopsAction,
    changes: ManifestChange[],
    sourceCommit?: string,
  ): Promise<string | undefined> {
    const known = repo.writer.pullRequestUrl(branch);
    if (known || !repo.writer.openPullRequest) return known;
    const message = commitMessage(action, changes, sourceCommit);
    const [title, , ...body] = message.split('\n');
    return repo.writer.openPullRequest({
      branch,
      base: repo.branch,
      title,
      body: body.join('\n'),
    });
  }

  private async finishMerged(actionId: string): Promise<void> {
    const action = (await this.options.actions.get(actionId))!;
    if (action.kind === 'rollback') {
      for (const change of action.changes) {
        if (change.fromVersion) {
          await this.options.actions.createHold({
            repositoryId: action.repositoryId,
            service: action.service,
            environment: change.environment,
            version: change.fromVersion,
            reason: action.reason ?? 'rolled back',
            createdBy: action.requestedBy,
            actionId: action.id,
          });
        }
      }
    }
    await this.options.actions.unlockEnvironments(
      action.repositoryId,
      action.id,
    );
    await this.options
      .afterMerge?.(action.repositoryId)
      .catch(e =>
        this.options.logger.warn(
          `ingestion after action #${actionId} failed: ${(e as Error).message}`,
        ),
      );
  }

  /** Merges the pull request branch of an action (local repositories). */
  async merge(actionId: string, caller: Caller): Promise<GitopsAction> {
    const { actions } = this.options;
    const action = await actions.get(actionId);
    if (!action) throw new NotFoundError(`unknown action #${actionId}`);
    await this.requireEnvironmentPermission(
      action,
      caller,
      action.kind === 'rollback' ? 'rollback' : 'promote',
    );
    if (action.state === 'merged') return action;
    if (action.state !== 'pull-request-open' || !action.branch) {
      throw new ConflictError(
        `action #${actionId} is ${action.state}, not an open pull request`,
      );
    }
    const repo = this.repo(action.repositoryId);
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      try {
        const head = await repo.source.headCommit();
        const sha = await repo.writer.merge({
          branch: action.branch,
          into: repo.branch,
          expectedOld: head,
          // The trailers again: when main moved, the merge commit is what the
          // first-parent history (and so the ledger) sees.
          message: `Merge ${action.kind} #${action.id} (${action.branch})\n\nGitops-Kind: ${action.kind}\nGitops-Action: ${action.id}\nGitops-Initiator: ${action.requestedBy}\n`,
          author: authorOf(caller.initiator),
        });
        await actions.update(action.id, { state: 'merged', commitSha: sha }, [
          'pull-request-open',
        ]);
        await repo.writer.deleteBranch(action.branch);
        await this.finishMerged(action.id);
        await this.auditAction(
          action,
          caller.initiator,
          'merge',
          'succeeded',
          `merged ${action.branch}`,
        );
        return (await actions.get(action.id))!;
      } catch (e) {
        lastError = e as Error;
        if (!(e instanceof BranchMovedError)) break;
      }
    }
    await this.auditAction(
      action,
      caller.initiator,
      'merge',
      'failed',
      lastError?.message,
    );
    throw new ConflictError(
      `merging ${action.branch} failed: ${lastError?.message}`,
    );
  }

  async approve(
    actionId: string,
    caller: Caller,
    comment?: string,
  ): Promise<GitopsAction> {
    const { actions } = this.options;
    const action = await actions.get(actionId);
    if (!action) throw new NotFoundError(`unknown action #${actionId}`);
    const fail = async (e: Error) => {
      await this.auditAction(
        action,
        caller.initiator,
        'approve',
        e instanceof NotAllowedError ? 'denied' : 'refused',
        e.message,
      );
      throw e;
    };
    if (caller.initiator === action.requestedBy)
      return fail(new NotAllowedError('you cannot approve your own request'));
    try {
      await this.requireEnvironmentPermission(action, caller, 'approve');
    } catch (e) {
      return fail(e as Error);
    }
    const group = await actions.approverGroupOf(action.id);
    if (group && caller.credentials) {
      const info = await this.options.userInfo
        ?.getUserInfo(caller.credentials)
        .catch(() => undefined);
      if (
        !info?.ownershipEntityRefs
          .map(r => r.toLocaleLowerCase('en-US'))
          .includes(group.toLocaleLowerCase('en-US'))
      ) {
        return fail(new NotAllowedError(`approvers must belong to ${group}`));
      }
    }
    if (action.state !== 'awaiting-approval')
      return fail(
        new ConflictError(
          `action #${actionId} is ${action.state}, not awaiting approval`,
        ),
      );
    await actions.addApproval(action.id, caller.initiator, comment);
    await this.auditAction(
      action,
      caller.initiator,
      'approve',
      'succeeded',
      comment,
    );
    const updated = (await actions.get(action.id))!;
    if (updated.approvals.length >= updated.requiredApprovals) {
      // Only one approver's request moves it on (state compare-and-set).
      if (
        await actions.update(action.id, { state: 'requested' }, [
          'awaiting-approval',
        ])
      ) {
        return this.execute(action.id);
      }
    }
    return (await actions.get(action.id))!;
  }

  async cancel(actionId: string, caller: Caller): Promise<GitopsAction> {
    const { actions } = this.options;
    const action = await actions.get(actionId);
    if (!action) throw new NotFoundError(`unknown action #${actionId}`);
    if (caller.initiator !== action.requestedBy) {
      await this.requireEnvironmentPermission(
        action,
        caller,
        action.kind === 'rollback' ? 'rollback' : 'promote',
      );
    }
    if (
      !(await actions.update(action.id, { state: 'cancelled' }, [
        'awaiting-approval',
        'pull-request-open',
        'requested',
      ]))
    ) {
      throw new ConflictError(
        `action #${actionId} is ${action.state} and can no longer be cancelled`,
      );
    }
    if (action.branch)
      await this.repo(action.repositoryId).writer.deleteBranch(action.branch);
    await actions.unlockEnvironments(action.repositoryId, action.id);
    await this.auditAction(action, caller.initiator, 'cancel', 'succeeded');
    return (await actions.get(action.id))!;
  }

  async liftHold(
    holdId: string,
    caller: Caller,
    reason: string,
  ): Promise<Hold> {
    const { actions } = this.options;
    const hold = await actions.getHold(holdId);
    if (!hold) throw new NotFoundError(`unknown hold #${holdId}`);
    const [decision] = await this.authorize(
      caller,
      gitopsRollbackPermission,
      environmentResourceRef(hold.repositoryId, hold.service, hold.environment),
    );
    if (!decision) {
      await actions.audit({
        actor: caller.initiator,
        action: 'lift-hold',
        repositoryId: hold.repositoryId,
        service: hold.service,
        environments: [hold.environment],
        toVersion: hold.version,
        result: 'denied',
      });
      throw new NotAllowedError(
        `gitops.rollback denied for ${hold.environment}`,
      );
    }
    if (!(await actions.liftHold(holdId, caller.initiator, reason)))
      throw new ConflictError(`hold #${holdId} is already lifted`);
    await actions.audit({
      actor: caller.initiator,
      action: 'lift-hold',
      repositoryId: hold.repositoryId,
      service: hold.service,
      environments: [hold.environment],
      toVersion: hold.version,
      result: 'succeeded',
      message: reason,
    });
    return (await actions.getHold(holdId))!;
  }

  /**
   * Moves merged actions on as the clusters report (cluster observation sets
   * the outcome of each rollout): `syncing` while any target progresses,
   * `succeeded` when every target converged on the version, `failed` when one
   * degraded or failed. Without cluster observation they stay `merged`.
   */
  async followOutcomes(): Promise<number> {
    const { actions, ledger } = this.options;
    let moved = 0;
    for (const action of await actions.list({
      states: ['merged', 'syncing'],
      limit: 200,
    })) {
      const outcomes: string[] = [];
      for (const env of action.environments) {
        const { rows } = await ledger.listRollouts({
          repositoryId: action.repositoryId,
          service: action.service,
          environment: env,
          limit: 5,
        });
        const rollout = rows.find(
          r =>
            r.to_version === action.version &&
            Date.parse(String(new Date(r.desired_at as any).toISOString())) >=
              Date.parse(action.createdAt) - 60_000,
        );
        outcomes.push(rollout?.outcome ?? 'pending');
      }
      let next: GitopsAction['state'] | undefined;
      if (outcomes.some(o => o === 'degraded' || o === 'failed'))
        next = 'failed';
      else if (outcomes.every(o => o === 'succeeded')) next = 'succeeded';
      else if (outcomes.some(o => o === 'progressing' || o === 'succeeded'))
        next = 'syncing';
      if (next && next !== action.state) {
        const error =
          next === 'failed'
            ? `the cluster reports ${action.environments
                .filter((_, i) => ['degraded', 'failed'].includes(outcomes[i]))
                .join(', ')} degraded after the change`
            : null;
        if (
          await actions.update(action.id, { state: next, error }, [
            'merged',
            'syncing',
          ])
        )
          moved++;
      }
    }
    return moved;
  }

  /**
   * Finishes what a crash interrupted: actions still `requested` are
   * executed again (idempotent: the edit is re-planned on the current head,
   * and an existing branch or an already-written version is adopted).
   */
  async reconcile(): Promise<number> {
    const stuck = await this.options.actions.list({
      states: ['requested'],
      limit: 100,
    });
    for (const action of stuck) {
      if (Date.now() - Date.parse(action.updatedAt) < 30_000) continue;
      await this.execute(action.id).catch(e =>
        this.options.logger.warn(
          `reconciling action #${action.id} failed: ${(e as Error).message}`,
        ),
      );
    }
    return stuck.length;
  }

  private async authorize(
    caller: Caller,
    permission: typeof gitopsApprovePermission,
    resourceRef: string,
  ): Promise<boolean[]> {
    if (!caller.credentials) return [false];
    try {
      const d = await this.options.permissions.authorize(
        [{ permission, resourceRef }],
        { credentials: caller.credentials },
      );
      return d.map(x => x.result === AuthorizeResult.ALLOW);
    } catch {
      return [false]; // deny when the permission backend cannot be asked
    }
  }

  private async requireEnvironmentPermission(
    action: GitopsAction,
    caller: Caller,
    what: 'promote' | 'rollback' | 'approve',
  ): Promise<void> {
    const permissions = {
      approve: gitopsApprovePermission,
      rollback: gitopsRollbackPermission,
      promote: gitopsPromotePermission,
    };
    const permission = permissions[what];
    for (const env of action.environments) {
      const [ok] = await this.authorize(
        caller,
        permission,
        environmentResourceRef(action.repositoryId, action.service, env),
      );
      if (!ok)
        throw new NotAllowedError(`${permission.name} denied for ${env}`);
    }
  }
}

function authorOf(initiator: string): { name: string; email: string } {
  const name = initiator.replace(/^user:(default\/)?/, '');
  return {
    name,
    email: `${name.replace(
      /[^A-Za-z0-9._-]/g,
      '-',
    )}@users.noreply.gitops2.invalid`,
  };
}

function commitMessage(
  action: GitopsAction,
  changes: ManifestChange[],
  sourceCommit?: string,
): string {
  const envs = action.environments.join(', ');
  const subject =
    action.kind === 'rollback'
      ? `rollback ${action.service} in ${envs} to ${action.version}`
      : `promote ${action.service} ${action.version}${
          action.sourceEnvironment ? ` from ${action.sourceEnvironment}` : ''
        } to ${envs}`;
  const lines = changes.map(
    c =>
      `- ${c.environment}: ${c.fromVersion ?? '(none)'} → ${c.toVersion} (${
        c.file
      })`,
  );
  const trailers = [
    `Gitops-Kind: ${action.kind}`,
    `Gitops-Action: ${action.id}`,
    `Gitops-Initiator: ${action.requestedBy}`,
    ...(sourceCommit ? [`Gitops-Source-Commit: ${sourceCommit}`] : []),
  ];
  return `${subject}\n\n${
    action.reason ? `${action.reason}\n\n` : ''
  }${lines.join('\n')}\n\n${trailers.join('\n')}\n`;
}
