import type { Entity } from '@backstage/catalog-model';
import {
  MetricsResponse,
  resolveMetricsWindow,
} from '@gitops2/plugin-gitops-common';
import type { GitopsService } from '../service/GitopsService';
import { MetricsStore } from './MetricsStore';

/** A validated metrics query (metricsQuerySchema). */
export interface MetricsRequest {
  environment?: string;
  service?: string;
  since?: string;
  until?: string;
}

/** The delivery metrics of one entity's service, or of every service. */
export class MetricsService {
  constructor(
    private readonly store: MetricsStore,
    private readonly gitops: Pick<GitopsService, 'resolveEntity'>,
    private readonly now: () => number = Date.now,
  ) {}

  async getEntityMetrics(
    entity: Entity,
    query: MetricsRequest,
  ): Promise<MetricsResponse> {
    const { repo, service } = this.gitops.resolveEntity(entity);
    const window = resolveMetricsWindow(query, this.now());
    const items = await this.store.metrics({
      ...window,
      repositoryId: repo.id,
      service,
      environment: query.environment,
    });
    return { ...window, items };
  }

  async getOrgMetrics(query: MetricsRequest): Promise<MetricsResponse> {
    const window = resolveMetricsWindow(query, this.now());
    const items = await this.store.metrics({
      ...window,
      service: query.service,
      environment: query.environment,
    });
    return { ...window, items };
  }
}
