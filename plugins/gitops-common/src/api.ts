import { ResponseError } from '@backstage/errors';
import { z } from 'zod';
import type {
  ChangeSet,
  FeatureLookupResponse,
  FeatureQueryKind,
  PendingChangesResponse,
} from './correlation';
import type {
  GitopsMetricsApi,
  MetricsQuery,
  MetricsResponse,
} from './metrics';
import type {
  ActionEntityRef,
  ActionPreview,
  ActionsResponse,
  GitopsAction,
  GitopsPromotionApi,
  Hold,
  HoldsResponse,
  PromotionRequest,
  RollbackRequest,
  StepRunsResponse,
} from './promotion';
import type {
  EnvironmentChange,
  EnvironmentChangeMergeRequest,
  EnvironmentCreateRequest,
  GitopsEnvironmentsApi,
  PipelineChoices,
  ServiceAddRequest,
} from './environments';
import type {
  RepositoriesResponse,
  RepositoryState,
  RolloutPage,
  ServiceStatusResponse,
} from './types';

/**
 * The REST contract of the gitops backend, typed end to end: the backend's
 * router validates with these schemas, the client below is the only caller.
 * Documented in docs/api.md.
 */

/** Names of environments, services and repositories. @public */
export const NAME_PATTERN = /^[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?$/;

/** @public */
export const nameSchema = z
  .string()
  .regex(NAME_PATTERN, 'must be 1-63 letters, digits, ".", "_" or "-"');

/** Path parameters identifying a catalog entity. @public */
export const entityParamsSchema = z.object({
  namespace: nameSchema,
  kind: nameSchema,
  name: nameSchema,
});

const isoDateTime = z.iso.datetime({ offset: true });

/** Query of GET …/rollouts and GET /v1/rollouts. @public */
export const rolloutsQuerySchema = z
  .object({
    environment: nameSchema.optional(),
    /** Only rollouts of this kind. */
    kind: z.enum(['initial', 'promotion', 'rollback', 'direct']).optional(),
    /** Only rollouts desired at or after this time (ISO 8601). */
    since: isoDateTime.optional(),
    /** Only rollouts desired before this time (ISO 8601). */
    until: isoDateTime.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: z
      .string()
      .regex(/^[0-9]{1,18}$/, 'must be a cursor returned by a previous page')
      .optional(),
  })
  .strict();

/** @public */
export type RolloutsQuery = z.input<typeof rolloutsQuerySchema>;

/** Query of GET /v1/rollouts (across services). @public */
export const allRolloutsQuerySchema = rolloutsQuerySchema.extend({
  repository: nameSchema.optional(),
});

/** @public */
export type AllRolloutsQuery = z.input<typeof allRolloutsQuerySchema>;

/** Parameters of GET /v1/rollouts/:id/change-set. @public */
export const rolloutParamsSchema = z.object({
  id: z.string().regex(/^[0-9]{1,18}$/, 'must be a rollout id'),
});

/** Query of GET …/pending. @public */
export const pendingQuerySchema = z
  .object({ from: nameSchema, to: nameSchema })
  .strict();

/** Query of GET /v1/features. @public */
export const featureQuerySchema = z
  .object({ q: z.string().trim().min(1).max(100) })
  .strict();

/**
 * Reads what a feature-tracker search means: an issue key (`SAAS-1543`), a
 * pull request (`#142` or `PR 142`), or a commit sha (7-40 hex digits).
 * @public
 */
export function parseFeatureQuery(
  q: string,
): { kind: FeatureQueryKind; value: string } | { error: string } {
  const t = q.trim();
  if (/^[A-Za-z][A-Za-z0-9_]{0,19}-[0-9]{1,9}$/.test(t)) {
    return { kind: 'issue', value: t.toUpperCase() };
  }
  const pr = /^(?:#|pr\s*#?|pull\s+request\s+#?)([0-9]{1,9})$/i.exec(t);
  if (pr) return { kind: 'pull-request', value: String(Number(pr[1])) };
  if (/^[0-9a-f]{7,40}$/i.test(t))
    return { kind: 'commit', value: t.toLowerCase() };
  return {
    error: `"${t.slice(
      0,
      100,
    )}" is neither an issue key (SAAS-1543), a pull request (#142) nor a commit sha (7-40 hex digits)`,
  };
}

/** Parameters of POST /v1/repositories/:id/refresh. @public */
export const repositoryParamsSchema = z.object({ id: nameSchema });

/** A catalog entity reference, split. @public */
export interface EntityRefParts {
  kind: string;
  namespace: string;
  name: string;
}

/** The typed API of the gitops backend. @public */
export interface GitopsApi {
  getServiceStatus(entity: EntityRefParts): Promise<ServiceStatusResponse>;
  getRollouts(
    entity: EntityRefParts,
    query?: RolloutsQuery,
  ): Promise<RolloutPage>;
  getRepositories(): Promise<RepositoriesResponse>;
  refreshRepository(id: string): Promise<RepositoryState>;
  /** Rollouts of every service, e.g. "deployed to prod-eu yesterday". */
  listRollouts(query?: AllRolloutsQuery): Promise<RolloutPage>;
  getChangeSet(rolloutId: string): Promise<ChangeSet>;
  lookupFeature(q: string): Promise<FeatureLookupResponse>;
  getPendingChanges(
    entity: EntityRefParts,
    from: string,
    to: string,
  ): Promise<PendingChangesResponse>;
}

/** Structural subsets of Backstage's DiscoveryApi and FetchApi. @public */
export interface GitopsClientOptions {
  discoveryApi: { getBaseUrl(pluginId: string): Promise<string> };
  fetchApi: { fetch: typeof fetch };
}

/** HTTP client for the gitops backend, usable in browser and Node. @public */
export class GitopsClient
  implements
    GitopsApi,
    GitopsPromotionApi,
    GitopsMetricsApi,
    GitopsEnvironmentsApi
{
  private readonly discoveryApi: GitopsClientOptions['discoveryApi'];
  private readonly fetchApi: GitopsClientOptions['fetchApi'];

  constructor(options: GitopsClientOptions) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  getServiceStatus(entity: EntityRefParts): Promise<ServiceStatusResponse> {
    return this.request('GET', `${entityPath(entity)}/status`);
  }

  getRollouts(
    entity: EntityRefParts,
    query: RolloutsQuery = {},
  ): Promise<RolloutPage> {
    return this.request('GET', `${entityPath(entity)}/rollouts${qs(query)}`);
  }

  listRollouts(query: AllRolloutsQuery = {}): Promise<RolloutPage> {
    return this.request('GET', `/v1/rollouts${qs(query)}`);
  }

  getChangeSet(rolloutId: string): Promise<ChangeSet> {
    return this.request(
      'GET',
      `/v1/rollouts/${encodeURIComponent(rolloutId)}/change-set`,
    );
  }

  lookupFeature(q: string): Promise<FeatureLookupResponse> {
    return this.request('GET', `/v1/features${qs({ q })}`);
  }

  getPendingChanges(
    entity: EntityRefParts,
    from: string,
    to: string,
  ): Promise<PendingChangesResponse> {
    return this.request(
      'GET',
      `${entityPath(entity)}/pending${qs({ from, to })}`,
    );
  }

  getMetrics(
    entity: EntityRefParts,
    query: MetricsQuery = {},
  ): Promise<MetricsResponse> {
    return this.request('GET', `${entityPath(entity)}/metrics${qs(query)}`);
  }

  getOrgMetrics(query: MetricsQuery = {}): Promise<MetricsResponse> {
    return this.request('GET', `/v1/metrics${qs(query)}`);
  }

  getRepositories(): Promise<RepositoriesResponse> {
    return this.request('GET', '/v1/repositories');
  }

  refreshRepository(id: string): Promise<RepositoryState> {
    return this.request(
      'POST',
      `/v1/repositories/${encodeURIComponent(id)}/refresh`,
    );
  }

  getPipelineChoices(repositoryId: string): Promise<PipelineChoices> {
    return this.request('GET', `${repositoryPath(repositoryId)}/pipeline`);
  }

  previewEnvironment(
    repositoryId: string,
    request: EnvironmentCreateRequest,
  ): Promise<EnvironmentChange> {
    return this.request(
      'POST',
      `${repositoryPath(repositoryId)}/environments/preview`,
      request,
    );
  }

  previewService(
    repositoryId: string,
    request: ServiceAddRequest,
  ): Promise<EnvironmentChange> {
    return this.request(
      'POST',
      `${repositoryPath(repositoryId)}/services/preview`,
      request,
    );
  }

  mergeEnvironmentChange(
    repositoryId: string,
    request: EnvironmentChangeMergeRequest,
  ): Promise<{ branch: string; mergeSha?: string }> {
    return this.request(
      'POST',
      `${repositoryPath(repositoryId)}/environments/merge`,
      request,
    );
  }

  closeEnvironmentChange(
    repositoryId: string,
    branch: string,
  ): Promise<{ branch: string; closed?: boolean }> {
    return this.request(
      'POST',
      `${repositoryPath(repositoryId)}/environments/close`,
      { branch },
    );
  }

  previewPromotion(
    entity: ActionEntityRef,
    request: PromotionRequest,
  ): Promise<ActionPreview> {
    return this.request(
      'POST',
      `${entityPath(entity)}/promotions/preview`,
      request,
    );
  }

  promote(
    entity: ActionEntityRef,
    request: PromotionRequest,
    idempotencyKey: string,
  ): Promise<GitopsAction> {
    return this.request(
      'POST',
      `${entityPath(entity)}/promotions`,
      request,
      idempotencyKey,
    );
  }

  previewRollback(
    entity: ActionEntityRef,
    request: RollbackRequest,
  ): Promise<ActionPreview> {
    return this.request(
      'POST',
      `${entityPath(entity)}/rollbacks/preview`,
      request,
    );
  }

  rollback(
    entity: ActionEntityRef,
    request: RollbackRequest,
    idempotencyKey: string,
  ): Promise<GitopsAction> {
    return this.request(
      'POST',
      `${entityPath(entity)}/rollbacks`,
      request,
      idempotencyKey,
    );
  }

  getActions(entity: ActionEntityRef): Promise<ActionsResponse> {
    return this.request('GET', `${entityPath(entity)}/actions`);
  }

  getHolds(entity: ActionEntityRef): Promise<HoldsResponse> {
    return this.request('GET', `${entityPath(entity)}/holds`);
  }

  getApprovalInbox(): Promise<ActionsResponse> {
    return this.request('GET', '/v1/actions?awaiting=me');
  }

  approve(actionId: string, comment?: string): Promise<GitopsAction> {
    return this.request(
      'POST',
      `/v1/actions/${encodeURIComponent(actionId)}/approve`,
      { comment },
    );
  }

  merge(actionId: string): Promise<GitopsAction> {
    return this.request(
      'POST',
      `/v1/actions/${encodeURIComponent(actionId)}/merge`,
      {},
    );
  }

  cancel(actionId: string): Promise<GitopsAction> {
    return this.request(
      'POST',
      `/v1/actions/${encodeURIComponent(actionId)}/cancel`,
      {},
    );
  }

  getActionSteps(actionId: string): Promise<StepRunsResponse> {
    return this.request(
      'GET',
      `/v1/actions/${encodeURIComponent(actionId)}/steps`,
    );
  }

  liftHold(holdId: string, reason: string): Promise<Hold> {
    return this.request(
      'POST',
      `/v1/holds/${encodeURIComponent(holdId)}/lift`,
      { reason },
    );
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    idempotencyKey?: string,
  ): Promise<T> {
    const base = await this.discoveryApi.getBaseUrl('gitops');
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    const response = await this.fetchApi.fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      const error = await ResponseError.fromResponse(response);
      // Carry the backend's own reason in the message ("gitops.promote
      // denied for prod-us"), not only "Request failed with 403".
      const reason = error.body?.error?.message;
      if (reason) error.message = `${reason} (${response.status})`;
      throw error;
    }
    return (await response.json()) as T;
  }
}

function qs(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null) params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function repositoryPath(id: string): string {
  return `/v1/repositories/${encodeURIComponent(id)}`;
}

function entityPath(e: EntityRefParts): string {
  const enc = (s: string) => encodeURIComponent(s.toLocaleLowerCase('en-US'));
  return `/v1/entities/${enc(e.namespace)}/${enc(e.kind)}/${enc(e.name)}`;
}
