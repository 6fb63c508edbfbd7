import type { PermissionsService } from '@backstage/backend-plugin-api';
import {
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  EnvironmentChange,
  environmentCreateRequestSchema,
  environmentRetireRequestSchema,
  gitopsEnvironmentManagePermission,
  PipelineChoices,
  serviceAddRequestSchema,
} from '@gitops2/plugin-gitops-common';
import { databaseMessage, isDatabaseError } from '../database/isDataError';
import { MergeNotRecordedError } from '../git/GitWriter';
import type { MergeIntent } from '../git/mergeIntent';
import { parseInput } from '../service/parseInput';
import type { WriteAudit } from '../promotion/audit/WriteAudit';
import { serviceWriteDenial } from '../promotion/checks/servicePrincipals';
import { environmentResourceRef } from '../promotion/gates/PermissionGate';
import type { Caller, PromotionRepository } from '../promotion/types';
import type { EnvironmentPlan, EnvironmentPlanner } from './EnvironmentPlanner';
import {
  environmentCommitMessage,
  EnvironmentWriter,
  retireCommitMessage,
} from './EnvironmentWriter';
import type { RetirePlanner } from './RetirePlanner';
import type { ServicePlanner } from './ServicePlanner';
import { changeBranch, parseChangeBranch } from './changeBranches';
import type { EnvironmentReview } from './EnvironmentReview';
import { PERMISSION_UNREACHABLE } from '../promotion/gates/permissionUnreachable';

/** Errors that are the request's (the answer says what to change). */
const REFUSALS = new Set(['InputError', 'ConflictError', 'NotFoundError']);

function resultOf(e: Error): 'denied' | 'refused' | 'failed' {
  if (e.name === 'NotAllowedError') return 'denied';
  return REFUSALS.has(e.name) ? 'refused' : 'failed';
}

/**
 * A database error is the service's, never the request's: a 503 in the
 * database's own words (no SQL), saying whether Git has the change.
 */
function answerOf(e: unknown, written: string | undefined): Error {
  if (e instanceof MergeNotRecordedError)
    // The Git host merged: never "nothing was written".
    return new ServiceUnavailableError(
      `the merge of ${e.branch} is in Git as ${e.sha.slice(
        0,
        12,
      )}, but the ledger could not record it (${databaseMessage(
        e.recordingError,
      )}); merge it again to record it`,
    );
  if (!isDatabaseError(e)) return e as Error;
  return new ServiceUnavailableError(
    written
      ? `${written} was written, but the database could not record it (${databaseMessage(
          e,
        )})`
      : `the database could not record the change (${databaseMessage(
          e,
        )}); nothing was written, run it again`,
  );
}

/**
 * `gitops:environment:create` behind every door (HTTP, scaffolder, actions
 * registry): permission first (`gitops.environment.manage`, deny by
 * default), then the plan on the repository's head, then, unless it is a
 * dry run, the write. Every attempt is audited like a promotion, refusals
 * included; a refusal writes nothing.
 */
export class EnvironmentService {
  constructor(
    private readonly options: {
      repositories: Map<string, PromotionRepository>;
      planner: EnvironmentPlanner;
      retirePlanner?: RetirePlanner;
      servicePlanner?: ServicePlanner;
      review?: EnvironmentReview;
      writer?: EnvironmentWriter;
      audit: WriteAudit;
      permissions: PermissionsService;
      /** Clusters the backend knows from its configuration. */
      knownClusters: () => string[];
      /**
       * Records a commit the portal wrote (ingestion trusts its Gitops-*
       * trailers), called before any ref points at it.
       */
      recordPortalCommit?: (repositoryId: string, sha: string) => Promise<void>;
      /**
       * Records a merge about to be asked of a Git host that makes the merge
       * commit itself (GitHub), before it is asked.
       */
      recordPortalMergeIntent?: (
        repositoryId: string,
        intent: MergeIntent,
      ) => Promise<void>;
      /** After a direct commit: ingest it now (a pull request waits for its merge). */
      afterDirectWrite?: (repositoryId: string) => Promise<void>;
    },
  ) {}

  /**
   * The stages, environments, known clusters and services of a repository's
   * pipeline at its head, for the templates' pickers. A read: the caller's
   * gitops.read is checked by the route.
   */
  async choices(repositoryId: string): Promise<PipelineChoices> {
    const repo = this.options.repositories.get(repositoryId);
    if (!repo)
      throw new NotFoundError(
        `GitOps repository "${repositoryId}" is not configured for writing`,
      );
    return this.options.planner.choices(repo, this.options.knownClusters());
  }

  /** `gitops:environment:create`: a new environment copied from another. */
  create(
    repositoryId: string,
    body: unknown,
    caller: Caller,
    dryRun: boolean,
  ): Promise<EnvironmentChange> {
    const named = (body as { name?: unknown } | null)?.name;
    return this.run({
      what: dryRun ? 'environment-preview' : 'environment-create',
      repositoryId,
      environment: typeof named === 'string' ? named : undefined,
      caller,
      dryRun,
      plan: async repo => {
        const request = parseInput(
          environmentCreateRequestSchema,
          body,
          'environment request',
          '(body)',
        );
        const plan = await this.options.planner.plan(
          repo,
          request,
          new Set(this.options.knownClusters()),
        );
        return {
          plan,
          branch: changeBranch({
            kind: 'environment',
            environment: plan.environment,
          }),
          message: environmentCommitMessage(
            plan,
            request.sourceEnvironment,
            caller.initiator,
            request.reason,
          ),
        };
      },
    });
  }

  /**
   * `gitops:environment:retire`: removes an environment, or disables one
   * service in it, by pull request; refused while it has an open action or
   * a hold.
   */
  retire(
    repositoryId: string,
    body: unknown,
    caller: Caller,
    dryRun: boolean,
  ): Promise<EnvironmentChange> {
    const named = (body as { environment?: unknown } | null)?.environment;
    return this.run({
      what: dryRun ? 'retire-preview' : 'environment-retire',
      repositoryId,
      environment: typeof named === 'string' ? named : undefined,
      caller,
      dryRun,
      plan: async repo => {
        if (!this.options.retirePlanner)
          throw new NotFoundError('retiring environments is not configured');
        const request = parseInput(
          environmentRetireRequestSchema,
          body,
          'retire request',
          '(body)',
        );
        const plan = await this.options.retirePlanner.plan(repo, request);
        return {
          plan,
          branch: changeBranch({
            kind: 'retire',
            environment: plan.environment,
            service: request.service,
          }),
          message: retireCommitMessage(
            plan,
            request.service,
            caller.initiator,
            request.reason,
          ),
        };
      },
    });
  }

  /**
   * `gitops:service:add`: onboards a service whose manifests are in the
   * repository (its pipeline entry, the locator checked on every file, the
   * versions asked for), by pull request. The resource ref is
   * `<repository>:<service>:*`.
   */
  addService(
    repositoryId: string,
    body: unknown,
    caller: Caller,
    dryRun: boolean,
  ): Promise<EnvironmentChange> {
    const named = (body as { service?: unknown } | null)?.service;
    return this.run({
      what: dryRun ? 'service-preview' : 'service-add',
      repositoryId,
      environment: typeof named === 'string' ? named : undefined,
      resourceRef:
        typeof named === 'string'
          ? environmentResourceRef(repositoryId, named, '*')
          : undefined,
      caller,
      dryRun,
      plan: async repo => {
        if (!this.options.servicePlanner)
          throw new NotFoundError('onboarding services is not configured');
        const request = parseInput(
          serviceAddRequestSchema,
          body,
          'service request',
          '(body)',
        );
        const plan = await this.options.servicePlanner.plan(repo, request);
        return {
          plan,
          branch: changeBranch({ kind: 'service', service: request.service }),
          message: `add service ${
            request.service
          } to the pipeline (${request.environments.join(', ')})\n\n${
            request.reason ? `${request.reason}\n\n` : ''
          }${plan.services
            .map(s => `- ${s.environment}: ${s.version} (${s.file})`)
            .join('\n')}\n\nGitops-Initiator: ${caller.initiator}\n`,
        };
      },
    });
  }

  /**
   * Merges the reviewed commit of an environment change's branch (body
   * `{ branch, commitSha }`), or closes it (`{ branch }`, `close: true`).
   */
  async review(
    repositoryId: string,
    body: unknown,
    caller: Caller,
    op: 'merge' | 'close',
  ): Promise<{ branch: string; mergeSha?: string; closed?: boolean }> {
    const b = (body ?? {}) as { branch?: unknown; commitSha?: unknown };
    const branch = typeof b.branch === 'string' ? b.branch : '';
    const change = parseChangeBranch(branch);
    const environment =
      change && 'environment' in change ? change.environment : undefined;
    const fields = {
      action: `environment-${op}`,
      repositoryId: repositoryId.slice(0, 63),
      environments: environment ? [environment] : [],
    };
    let written: string | undefined;
    try {
      // The branch's name does not prove what its commit changes (nor which
      // service a retire is about): merging or closing one needs the
      // permission on every environment of the repository until changes are
      // recorded and checked against their plan (fail closed).
      await this.authorize(
        caller,
        repositoryId,
        environment ?? '*',
        environmentResourceRef(repositoryId, '*', '*'),
      );
      if (!change)
        throw new InputError(
          `branch must be an environment change's branch (gitops/environment-<env>, gitops/retire-<env>, gitops/retire-<service>@<env> or gitops/service-<service>)`,
        );
      const repo = this.options.repositories.get(repositoryId);
      if (!repo || !this.options.review)
        throw new NotFoundError(
          `GitOps repository "${repositoryId}" is not configured for writing`,
        );
      let out: { branch: string; mergeSha?: string; closed?: boolean };
      if (op === 'merge') {
        if (
          typeof b.commitSha !== 'string' ||
          !/^[0-9a-f]{40}$/.test(b.commitSha)
        )
          throw new InputError(
            'commitSha must be the 40-character sha that was reviewed',
          );
        const { mergeSha } = await this.options.review.merge(
          repo,
          branch,
          b.commitSha,
          caller.initiator,
          {
            onIntent: this.intentRecorder(repositoryId),
            onCreated: this.recorder(repositoryId),
          },
        );
        out = { branch, mergeSha };
        written = `the merge of ${branch} (${mergeSha.slice(0, 12)})`;
      } else {
        await this.options.review.close(repo, branch);
        out = { branch, closed: true };
        written = `closing ${branch}`;
      }
      await this.options.audit.record(caller, {
        ...fields,
        result: 'succeeded',
        message: out.mergeSha
          ? `merged ${branch} as ${out.mergeSha.slice(0, 12)}`
          : `closed ${branch}`,
      });
      if (op === 'merge')
        await this.options.afterDirectWrite?.(repositoryId).catch(() => {});
      return out;
    } catch (e) {
      const answer = answerOf(e, written);
      await this.options.audit
        .record(caller, {
          ...fields,
          result: resultOf(answer),
          message: answer.message,
        })
        .catch(() => {}); // the database failing: the answer says so
      throw answer;
    }
  }

  /**
   * Permission first (a caller without it learns nothing more), then the
   * plan, then (unless a dry run) the write; every attempt audited.
   */
  private async run(options: {
    what: string;
    repositoryId: string;
    environment: string | undefined;
    /** Default `<repository>:*:<environment>`. */
    resourceRef?: string;
    caller: Caller;
    dryRun: boolean;
    plan: (
      repo: PromotionRepository,
    ) => Promise<{ plan: EnvironmentPlan; branch: string; message: string }>;
  }): Promise<EnvironmentChange> {
    const { what, repositoryId, caller, dryRun } = options;
    const fields = {
      action: what,
      repositoryId: repositoryId.slice(0, 63),
      environments: options.environment
        ? [options.environment.slice(0, 63)]
        : [],
    };
    let written: string | undefined;
    try {
      await this.authorize(
        caller,
        repositoryId,
        options.environment ?? '*',
        options.resourceRef,
      );
      const repo = this.options.repositories.get(repositoryId);
      if (!repo)
        throw new NotFoundError(
          `GitOps repository "${repositoryId}" is not configured for writing`,
        );
      const { plan, branch, message } = await options.plan(repo);
      const change: EnvironmentChange = {
        repositoryId,
        environment: plan.environment,
        baseSha: plan.baseSha,
        mode: plan.mode,
        services: plan.services,
        files: plan.changes,
        dryRun,
      };
      if (dryRun) {
        await this.options.audit.record(caller, {
          ...fields,
          severity: 'low',
          result: 'succeeded',
          message: `preview: ${plan.files.length} files`,
        });
        return change;
      }
      const result = await (
        this.options.writer ?? new EnvironmentWriter()
      ).write(
        repo,
        plan,
        message,
        caller.initiator,
        branch,
        this.recorder(repositoryId),
      );
      written = `${plan.mode === 'direct' ? 'commit' : 'branch'} ${
        result.branch
      } at ${result.commitSha.slice(0, 12)}`;
      await this.options.audit.record(caller, {
        ...fields,
        result: 'succeeded',
        message: result.pullRequestUrl
          ? `pull request ${result.pullRequestUrl}`
          : written,
      });
      if (plan.mode === 'direct')
        await this.options.afterDirectWrite?.(repositoryId).catch(() => {});
      return { ...change, ...result };
    } catch (e) {
      const answer = answerOf(e, written);
      await this.options.audit
        .record(caller, {
          ...fields,
          result: resultOf(answer),
          message: answer.message,
        })
        .catch(() => {}); // the database failing: the answer says so
      throw answer;
    }
  }

  private recorder(repositoryId: string) {
    const record = this.options.recordPortalCommit;
    return record ? (sha: string) => record(repositoryId, sha) : undefined;
  }

  private intentRecorder(repositoryId: string) {
    const record = this.options.recordPortalMergeIntent;
    return record
      ? (intent: MergeIntent) => record(repositoryId, intent)
      : undefined;
  }

  /** gitops.environment.manage on `<repository>:*:<environment>`; deny when it cannot be asked. */
  private async authorize(
    caller: Caller,
    repositoryId: string,
    env: string,
    resourceRef = environmentResourceRef(repositoryId, '*', env),
  ) {
    const permission = gitopsEnvironmentManagePermission;
    const denied = `${permission.name} denied for ${env} in ${repositoryId}`;
    if (!caller.credentials)
      throw new NotAllowedError(`${denied}: no credentials`);
    const serviceDenial = serviceWriteDenial(
      caller.credentials,
      permission.name,
    );
    if (serviceDenial) throw new NotAllowedError(serviceDenial);
    let decision;
    try {
      [decision] = await this.options.permissions.authorize(
        [
          {
            permission,
            resourceRef,
          },
        ],
        { credentials: caller.credentials },
      );
    } catch {
      throw new NotAllowedError(
        `${denied}: ${PERMISSION_UNREACHABLE.slice(8)}`,
      );
    }
    if (decision?.result !== AuthorizeResult.ALLOW)
      throw new NotAllowedError(denied);
  }
}
