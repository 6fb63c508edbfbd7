import { ResponseError } from '@backstage/errors';
import { z } from 'zod';
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

/** Query of GET …/rollouts. @public */
export const rolloutsQuerySchema = z
  .object({
    environment: nameSchema.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: z
      .string()
      .regex(/^[0-9]{1,18}$/, 'must be a cursor returned by a previous page')
      .optional(),
  })
  .strict();

/** @public */
export type RolloutsQuery = z.input<typeof rolloutsQuerySchema>;

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
}

/** Structural subsets of Backstage's DiscoveryApi and FetchApi. @public */
export interface GitopsClientOptions {
  discoveryApi: { getBaseUrl(pluginId: string): Promise<string> };
  fetchApi: { fetch: typeof fetch };
}

/** HTTP client for the gitops backend, usable in browser and Node. @public */
export class GitopsClient implements GitopsApi {
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
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined) params.set(k, String(v));
    }
    const qs = params.toString();
    return this.request(
      'GET',
      `${entityPath(entity)}/rollouts${qs ? `?${qs}` : ''}`,
    );
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

  private async request<T>(method: string, path: string): Promise<T> {
    const base = await this.discoveryApi.getBaseUrl('gitops');
    const response = await this.fetchApi.fetch(`${base}${path}`, { method });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}

function entityPath(e: EntityRefParts): string {
  const enc = (s: string) => encodeURIComponent(s.toLocaleLowerCase('en-US'));
  return `/v1/entities/${enc(e.namespace)}/${enc(e.kind)}/${enc(e.name)}`;
}
