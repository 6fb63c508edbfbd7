import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  AuditorService,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ServerPermissionClient } from '@backstage/plugin-permission-node';
import { ConfigReader } from '@backstage/config';
import type { Server } from 'node:http';
import {
  GitHubApiDouble,
  start as startGitHub,
} from '@gitops2/github-api-double';
import request from 'supertest';
import knexFactory from 'knex';
import { gitopsPlugin } from '../../plugin';
import { GitRepoFixture, kustomization } from '../../testing/GitRepoFixture';

/**
 * A pipeline with every policy the write path enforces: staging is written
 * directly, prod-us and prod-eu need one approval each from their own
 * approver group, through a pull request.
 */
export const POLICY_PIPELINE = `apiVersion: gitops2.io/v1alpha1
kind: Pipeline
metadata:
  name: shop
spec:
  stages:
    - name: dev
      environments: [dev]
    - name: staging
      environments: [staging]
    - name: prod
      environments: [prod-us, prod-eu]
  environments:
    dev:
      cluster: dev-cluster
      promotion:
        mode: direct
    staging:
      cluster: staging-cluster
      promotion:
        mode: direct
    prod-us:
      cluster: prod-us-cluster
      promotion:
        approvals: 1
        approverGroup: group:default/release-us
    prod-eu:
      cluster: prod-eu-cluster
      promotion:
        approvals: 1
        approverGroup: group:default/release-eu
  services:
    cart:
      path: apps/cart/{environment}/kustomization.yaml
      locator:
        type: kustomize-image
        image: ghcr.io/acme/cart
    ledger:
      path: apps/ledger/{environment}/kustomization.yaml
      locator:
        type: kustomize-image
        image: ghcr.io/acme/cart
`;

const component = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: { 'gitops2.io/gitops-repo': 'demo' },
  },
  spec: {
    type: 'service',
    owner: `group:default/team-${name}`,
    lifecycle: 'production',
  },
});

/** Who may do what: `(user, permission, resourceRef) => allowed`. */
export type Policy = (
  user: string,
  permission: string,
  resourceRef: string | undefined,
) => boolean;

/** Everyone may read; writes as the test's policy says. */
export const allowAll: Policy = () => true;

export interface AuditorEvent {
  eventId: string;
  severityLevel?: string;
  meta?: any;
  outcome?: 'success' | 'fail';
  error?: string;
}

/**
 * The plugin as installed (startTestBackend), on a real Git repository,
 * with a policy, approver groups, catalog visibility, notifications and
 * the auditor that tests can change and read. Test code drives it over
 * HTTP, as the portal does.
 */
export class WritePathHarness {
  readonly repo = new GitRepoFixture();
  policy: Policy = allowAll;
  /**
   * Decide service principals as Backstage's own permission client does
   * (it allows any service principal without access restrictions).
   */
  realServicePermissions = false;
  /** user name → groups (`group:default/x`) for approver checks. */
  readonly groups = new Map<string, string[]>();
  /** user name → entity names they may NOT see in the catalog. */
  readonly hidden = new Map<string, string[]>();
  readonly notifications: any[] = [];
  /** The actions registry the first backend registers its MCP actions in. */
  actionsRegistry = actionsRegistryServiceMock();
  private backends = 0;
  readonly auditorEvents: AuditorEvent[] = [];
  /** More catalog annotations per entity name (`github.com/project-slug` …), set before `start`. */
  readonly entityAnnotations = new Map<string, Record<string, string>>();
  server!: Server;
  knex!: import('knex').Knex;

  constructor(pipeline = POLICY_PIPELINE) {
    this.repo.write('gitops-pipeline.yaml', pipeline);
    for (const svc of ['cart', 'ledger']) {
      for (const env of ['dev', 'staging', 'prod-us', 'prod-eu']) {
        this.repo.write(
          `apps/${svc}/${env}/kustomization.yaml`,
          kustomization('v1'),
        );
      }
    }
    this.repo.commit('bootstrap');
  }

  /** Sets a service's version in environments with one commit by a person. */
  bump(service: string, envs: string[], version: string, message?: string) {
    for (const env of envs)
      this.repo.write(
        `apps/${service}/${env}/kustomization.yaml`,
        kustomization(version),
      );
    return this.repo.commit(
      message ?? `bump ${service} to ${version} in ${envs.join(', ')}`,
    );
  }

  private config: Record<string, unknown> = {};
  private realScheduler = false;
  private rootConfig: Record<string, unknown> = {};
  private features: NonNullable<
    Parameters<typeof startTestBackend>[0]['features']
  > = [];

  /**
   * `realScheduler`: Backstage's own scheduler runs the plugin's tasks on
   * their frequency (reconciliation), instead of the test double.
   * `rootConfig`: more app-config beside `gitops` (integrations, events);
   * `features`: more plugins and modules (the events backend …).
   */
  async start(
    databases: TestDatabases,
    databaseId: Parameters<TestDatabases['init']>[0],
    config: Record<string, unknown> = {},
    options: {
      realScheduler?: boolean;
      rootConfig?: Record<string, unknown>;
      features?: NonNullable<
        Parameters<typeof startTestBackend>[0]['features']
      >;
    } = {},
  ): Promise<Server> {
    this.knex = await databases.init(databaseId);
    this.config = config;
    this.realScheduler = options.realScheduler ?? false;
    this.rootConfig = options.rootConfig ?? {};
    this.features = options.features ?? [];
    this.server = await this.startBackend();
    await this.refresh();
    return this.server;
  }

  /**
   * Serves this repository as `slug` on the GitHub API double and starts the
   * backend reading and writing it through GitHub (a token integration on
   * the double), with more app-config and features when given. Returns the
   * double; the caller closes it.
   */
  async startOnGitHub(
    databases: TestDatabases,
    databaseId: Parameters<TestDatabases['init']>[0],
    options: {
      slug?: string;
      rootConfig?: Record<string, unknown>;
      features?: NonNullable<
        Parameters<typeof startTestBackend>[0]['features']
      >;
    } = {},
  ): Promise<GitHubApiDouble> {
    const slug = options.slug ?? 'acme/gitops';
    const double = await startGitHub({
      repos: [{ slug, from: this.repo.dir }],
    });
    await this.start(
      databases,
      databaseId,
      {
        repositories: [
          { id: 'demo', provider: 'github', url: `https://github.com/${slug}` },
        ],
      },
      {
        rootConfig: {
          integrations: {
            github: [
              { host: 'github.com', apiBaseUrl: double.url, token: 'x' },
            ],
          },
          ...options.rootConfig,
        },
        features: options.features,
      },
    );
    return double;
  }

  /** A second backend on the same database and repository: another replica. */
  startReplica(): Promise<Server> {
    return this.startBackend();
  }

  private async startBackend(): Promise<Server> {
    const config = this.config;
    // Each backend (replica) has its own registry; tests use the first one's.
    const registry =
      this.backends++ === 0
        ? this.actionsRegistry
        : actionsRegistryServiceMock();
    // eslint-disable-next-line consistent-this -- read inside mocked services
    const harness = this;
    const entities = [component('cart'), component('ledger')].map(e => ({
      ...e,
      metadata: {
        ...e.metadata,
        annotations: {
          ...e.metadata.annotations,
          ...this.entityAnnotations.get(e.metadata.name),
        },
      },
    }));
    const userOf = (options: any): string =>
      String(options?.credentials?.principal?.userEntityRef ?? '').replace(
        'user:default/',
        '',
      );
    const visibleTo = (options: any) => {
      const hidden = harness.hidden.get(userOf(options)) ?? [];
      return entities.filter(e => !hidden.includes(e.metadata.name));
    };
    const catalog = catalogServiceMock({ entities });
    const auditor: AuditorService = {
      async createEvent(options) {
        const event: AuditorEvent = {
          eventId: options.eventId,
          severityLevel: options.severityLevel,
          meta: options.meta,
        };
        harness.auditorEvents.push(event);
        return {
          async success() {
            event.outcome = 'success';
          },
          async fail({ error }) {
            event.outcome = 'fail';
            event.error = error.message;
          },
        };
      },
    };
    const { server } = await startTestBackend({
      features: [
        gitopsPlugin,
        ...this.features,
        ...(this.realScheduler ? [schedulerServiceFactory] : []),
        // The ledger's database is the gitops plugin's; any other plugin
        // started with it (the events backend) has an in-memory SQLite.
        createServiceFactory({
          service: coreServices.database,
          deps: { pluginMetadata: coreServices.pluginMetadata },
          factory: ({ pluginMetadata }) =>
            mockServices.database({
              knex:
                pluginMetadata.getId() === 'gitops'
                  ? this.knex
                  : knexFactory({
                      client: 'better-sqlite3',
                      connection: ':memory:',
                      useNullAsDefault: true,
                    }),
            }),
        }),
        createServiceFactory({
          service: catalogServiceRef,
          deps: {},
          factory: () =>
            ({
              ...catalog,
              getEntities: async (req: any, options: any) => {
                const all = await catalog.getEntities(req, options);
                const visible = new Set(
                  visibleTo(options).map(e => e.metadata.name),
                );
                return {
                  items: all.items.filter(e => visible.has(e.metadata.name)),
                };
              },
              getEntityByRef: async (ref: any, options: any) => {
                const e = await catalog.getEntityByRef(ref, options);
                return e &&
                  visibleTo(options).some(
                    v => v.metadata.name === e.metadata.name,
                  )
                  ? e
                  : undefined;
              },
            } as any),
        }),
        createServiceFactory({
          service: actionsRegistryServiceRef,
          deps: {},
          factory: () => registry,
        }),
        createServiceFactory({
          service: notificationService,
          deps: {},
          factory: () => ({
            send: async (n: any) => {
              harness.notifications.push(n);
            },
          }),
        }),
        createServiceFactory({
          service: coreServices.auditor,
          deps: {},
          factory: () => auditor,
        }),
        mockServices.userInfo.mock({
          getUserInfo: async (credentials: any) => {
            const ref = credentials.principal.userEntityRef as string;
            const name = ref.replace('user:default/', '');
            return {
              userEntityRef: ref,
              ownershipEntityRefs: [ref, ...(harness.groups.get(name) ?? [])],
            };
          },
        }).factory,
        mockServices.permissions.mock({
          authorize: async (requests: any[], options: any) => {
            if (
              harness.realServicePermissions &&
              options?.credentials?.principal?.type === 'service'
            ) {
              return ServerPermissionClient.fromConfig(
                new ConfigReader({ permission: { enabled: true } }),
                {
                  auth: mockServices.auth(),
                  discovery: mockServices.discovery(),
                },
              ).authorize(requests, options);
            }
            const who = userOf(options);
            return requests.map(r => ({
              result: harness.policy(who, r.permission.name, r.resourceRef)
                ? AuthorizeResult.ALLOW
                : AuthorizeResult.DENY,
            })) as any;
          },
        }).factory,
        mockServices.rootConfig.factory({
          data: {
            ...this.rootConfig,
            gitops: {
              repositories: [
                { id: 'demo', provider: 'local', url: this.repo.dir },
              ],
              ingestion: { frequency: { minutes: 60 } },
              promotion: {
                leaseSeconds: 2,
                reconcileFrequency: { minutes: 60 },
              },
              ...config,
            },
          },
        }),
      ],
    });
    return server;
  }

  async refresh(): Promise<void> {
    const r = await request(this.server)
      .post('/api/gitops/v1/repositories/demo/refresh')
      .set('authorization', mockCredentials.user.header('user:default/alice'));
    if (r.status !== 200)
      throw new Error(`refresh failed: ${r.status} ${JSON.stringify(r.body)}`);
  }

  /** HTTP as a user (`alice`, `bob` …), to the first backend or another one. */
  as(user: string, server?: Server) {
    const auth = mockCredentials.user.header(`user:default/${user}`);
    const target = server ?? this.server;
    const entity = (name = 'cart') =>
      `/api/gitops/v1/entities/default/component/${name}`;
    return {
      promote: (body: object, key: string, service = 'cart') =>
        request(target)
          .post(`${entity(service)}/promotions`)
          .set('authorization', auth)
          .set('idempotency-key', key)
          .send(body),
      previewPromotion: (body: object, service = 'cart') =>
        request(target)
          .post(`${entity(service)}/promotions/preview`)
          .set('authorization', auth)
          .send(body),
      rollback: (body: object, key: string, service = 'cart') =>
        request(target)
          .post(`${entity(service)}/rollbacks`)
          .set('authorization', auth)
          .set('idempotency-key', key)
          .send(body),
      previewRollback: (body: object, service = 'cart') =>
        request(target)
          .post(`${entity(service)}/rollbacks/preview`)
          .set('authorization', auth)
          .send(body),
      approve: (id: string, comment?: string) =>
        request(target)
          .post(`/api/gitops/v1/actions/${id}/approve`)
          .set('authorization', auth)
          .send(comment ? { comment } : {}),
      merge: (id: string) =>
        request(target)
          .post(`/api/gitops/v1/actions/${id}/merge`)
          .set('authorization', auth)
          .send({}),
      cancel: (id: string) =>
        request(target)
          .post(`/api/gitops/v1/actions/${id}/cancel`)
          .set('authorization', auth)
          .send({}),
      liftHold: (id: string, reason: string) =>
        request(target)
          .post(`/api/gitops/v1/holds/${id}/lift`)
          .set('authorization', auth)
          .send({ reason }),
      get: (path: string) =>
        request(target).get(`/api/gitops${path}`).set('authorization', auth),
      actions: (service = 'cart') =>
        request(target)
          .get(`${entity(service)}/actions`)
          .set('authorization', auth),
      holds: (service = 'cart') =>
        request(target)
          .get(`${entity(service)}/holds`)
          .set('authorization', auth),
    };
  }

  /** Polls until `check` holds (or fails after `ms`). */
  async eventually<T>(
    check: () => Promise<T | undefined | false>,
    ms = 15_000,
  ): Promise<T> {
    const until = Date.now() + ms;
    for (;;) {
      const v = await check();
      if (v) return v;
      if (Date.now() > until) throw new Error('condition not met in time');
      await new Promise(r => setTimeout(r, 200));
    }
  }

  async action(id: string): Promise<Record<string, any>> {
    const r = await this.as('alice').actions();
    return r.body.items.find((a: any) => a.id === id);
  }

  /**
   * Makes ref updates of pull request branches slow (a Git hook sleeps
   * before the update is committed), like a slow GitHub write.
   */
  slowBranchWrites(seconds: number): void {
    const hook = `${this.repo.dir}/.git/hooks/reference-transaction`;
    require('node:fs').writeFileSync(
      hook,
      `#!/bin/sh\n[ "$1" = prepared ] || exit 0\nif grep -q ' refs/heads/gitops/' ; then sleep ${seconds}; fi\nexit 0\n`,
      { mode: 0o755 },
    );
  }

  fileAt(ref: string, service: string, env: string): string {
    return this.repo.git(
      'show',
      `${ref}:apps/${service}/${env}/kustomization.yaml`,
    );
  }

  /** The tag main sets for a service in an environment. */
  versionOnMain(service: string, env: string): string | undefined {
    return /newTag: (\S+)/.exec(this.fileAt('main', service, env))?.[1];
  }

  async audit(): Promise<Array<Record<string, any>>> {
    return this.knex('gitops_audit').orderBy('id');
  }

  cleanup(): void {
    this.repo.cleanup();
  }
}

export const entityRefOf = (name: string) =>
  stringifyEntityRef({ kind: 'component', namespace: 'default', name });
