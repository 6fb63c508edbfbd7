import { ResponseError } from '@backstage/errors';
import {
  GitopsClient,
  type DashboardResponse,
  type EntityRefParts,
  type GitopsClientOptions,
  type ServiceLiveResponse,
} from '@gitops2/plugin-gitops-common';

/**
 * Cluster observation as the frontend reads it: what the clusters run, from
 * the gitops backend's store (never from a cluster).
 *
 * @public
 */
export interface GitopsLiveApi {
  /** Live health, sync, replicas, pods and drift of a service per environment. */
  getLive(entity: EntityRefParts): Promise<ServiceLiveResponse>;
  /** The multi-environment dashboard of a repository (optional with one). */
  getDashboard(repositoryId?: string): Promise<DashboardResponse>;
}

/**
 * `GitopsClient` plus the cluster observation endpoints
 * (`GET …/live`, `GET /v1/dashboard`), with the same error handling: a
 * `ResponseError` carrying the backend's message.
 *
 * @public
 */
export class GitopsLiveClient extends GitopsClient implements GitopsLiveApi {
  private readonly liveDiscovery: GitopsClientOptions['discoveryApi'];
  private readonly liveFetch: GitopsClientOptions['fetchApi'];

  constructor(options: GitopsClientOptions) {
    super(options);
    this.liveDiscovery = options.discoveryApi;
    this.liveFetch = options.fetchApi;
  }

  getLive(entity: EntityRefParts): Promise<ServiceLiveResponse> {
    const enc = (s: string) => encodeURIComponent(s.toLocaleLowerCase('en-US'));
    return this.get(
      `/v1/entities/${enc(entity.namespace)}/${enc(entity.kind)}/${enc(
        entity.name,
      )}/live`,
    );
  }

  getDashboard(repositoryId?: string): Promise<DashboardResponse> {
    const query = repositoryId
      ? `?${new URLSearchParams({ repository: repositoryId })}`
      : '';
    return this.get(`/v1/dashboard${query}`);
  }

  private async get<T>(path: string): Promise<T> {
    const base = await this.liveDiscovery.getBaseUrl('gitops');
    const response = await this.liveFetch.fetch(`${base}${path}`, {
      method: 'GET',
    });
    if (!response.ok) {
      const error = await ResponseError.fromResponse(response);
      // The backend's own reason, not only "Request failed with 500".
      const reason = error.body?.error?.message;
      if (reason) error.message = `${reason} (${response.status})`;
      throw error;
    }
    return (await response.json()) as T;
  }
}
