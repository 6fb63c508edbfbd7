import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { gitopsPlugin } from '../../../plugin';

const ROOT = path.resolve(__dirname, '../../../../../..');
export const DEMO_SERVICES = [
  'guestbook-ui',
  'guestbook-api',
  'guestbook-worker',
];
export const APP_BASE_URL = 'http://portal.example:3000';

const component = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: {
      'gitops2.io/gitops-repo': 'demo',
      'gitops2.io/source-repo': `demo:${name}`,
    },
  },
  spec: { type: 'service', owner: 'group:default/guests', lifecycle: 'prod' },
});

/**
 * The plugin as the demo portal runs it (startTestBackend), on the demo
 * repositories that scripts/demo makes (generated into a temp dir, ingested
 * and correlated), with a mock actions registry: a test asks the same
 * question through an action and through the HTTP API, as the same user.
 *
 * Users: `guest` (requests), `rita` (release manager: approves),
 * `outsider` (may not see guestbook-ui in the catalog), `mallory` (no
 * gitops.read), `broken` (the permission backend cannot be asked for them).
 */
export class DemoPortal {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-demo-mcp-'));
  readonly actionsRegistry = actionsRegistryServiceMock();
  /** user → entity names they may not see in the catalog. */
  readonly hidden = new Map<string, string[]>([['outsider', ['guestbook-ui']]]);
  summary: any;
  server!: Server;

  constructor() {
    fs.rmSync(this.dir, { recursive: true });
    execFileSync(
      process.execPath,
      [path.join(ROOT, 'scripts/demo/create-demo.mjs'), '--dir', this.dir],
      { encoding: 'utf8' },
    );
    this.summary = JSON.parse(
      fs.readFileSync(path.join(this.dir, 'demo-summary.json'), 'utf8'),
    );
  }

  async start(
    databases: TestDatabases,
    databaseId: Parameters<TestDatabases['init']>[0],
  ): Promise<void> {
    const knex = await databases.init(databaseId);
    const entities = DEMO_SERVICES.map(component);
    const catalog = catalogServiceMock({ entities });
    // eslint-disable-next-line consistent-this -- read inside mocked services
    const portal = this;
    const userOf = (options: any): string =>
      String(options?.credentials?.principal?.userEntityRef ?? '').replace(
        'user:default/',
        '',
      );
    const visible = (options: any) => {
      const hidden = portal.hidden.get(userOf(options)) ?? [];
      return (e: Entity) => !hidden.includes(e.metadata.name);
    };
    const { server } = await startTestBackend({
      features: [
        gitopsPlugin,
        mockServices.database.factory({ knex }),
        createServiceFactory({
          service: catalogServiceRef,
          deps: {},
          factory: () =>
            ({
              ...catalog,
              getEntities: async (req: any, options: any) => {
                const all = await catalog.getEntities(req, options);
                return { items: all.items.filter(visible(options)) };
              },
              getEntityByRef: async (ref: any, options: any) => {
                const e = await catalog.getEntityByRef(ref, options);
                return e && visible(options)(e) ? e : undefined;
              },
            } as any),
        }),
        createServiceFactory({
          service: actionsRegistryServiceRef,
          deps: {},
          factory: () => this.actionsRegistry,
        }),
        createServiceFactory({
          service: notificationService,
          deps: {},
          factory: () => ({ send: async () => {} }),
        }),
        mockServices.userInfo.mock({
          getUserInfo: async (credentials: any) => {
            const ref = credentials.principal.userEntityRef as string;
            return {
              userEntityRef: ref,
              ownershipEntityRefs:
                ref === 'user:default/rita'
                  ? [ref, 'group:default/release-managers']
                  : [ref],
            };
          },
        }).factory,
        mockServices.permissions.mock({
          authorize: async (requests: any[], options: any) => {
            const who = userOf(options);
            if (who === 'broken')
              throw new Error('connect ECONNREFUSED permission backend');
            return requests.map(r => ({
              result:
                who === 'mallory' ||
                (r.permission.name === 'gitops.approve' && who !== 'rita')
                  ? AuthorizeResult.DENY
                  : AuthorizeResult.ALLOW,
            })) as any;
          },
        }).factory,
        mockServices.rootConfig.factory({
          data: {
            app: { baseUrl: APP_BASE_URL },
            gitops: {
              repositories: [
                {
                  id: 'demo',
                  provider: 'local',
                  url: path.join(this.dir, 'gitops'),
                  portalCommitsFile: path.join(this.dir, 'portal-commits.json'),
                },
              ],
              sourceRoots: [
                {
                  id: 'demo',
                  provider: 'local',
                  path: path.join(this.dir, 'sources'),
                  commitUrlTemplate:
                    'https://git.acme.example/acme/{repo}/commit/{sha}',
                  pullRequestUrlTemplate:
                    'https://git.acme.example/acme/{repo}/pull/{number}',
                },
              ],
              correlation: {
                issueKeyPatterns: ['[A-Z][A-Z0-9]+-[0-9]+'],
                issueUrlTemplate: 'https://jira.acme.example/browse/{key}',
              },
              ingestion: { frequency: { minutes: 60 } },
              promotion: { reconcileFrequency: { minutes: 60 } },
            },
          },
        }),
      ],
    });
    this.server = server;
    const refreshed = await this.http('guest').post(
      '/v1/repositories/demo/refresh',
    );
    if (refreshed.status !== 200)
      throw new Error(`refresh failed: ${JSON.stringify(refreshed.body)}`);
    await this.correlated();
  }

  /** Waits until the newest rollout's change set is computed. */
  private async correlated(): Promise<void> {
    const until = Date.now() + 60_000;
    for (;;) {
      const newest = (await this.http('guest').get('/v1/rollouts?limit=1')).body
        .items?.[0];
      if (newest) {
        const cs = await this.http('guest').get(
          `/v1/rollouts/${newest.id}/change-set`,
        );
        if (cs.body.status && cs.body.status !== 'pending') return;
      }
      if (Date.now() > until) throw new Error('the demo was not correlated');
      await new Promise(r => setTimeout(r, 250));
    }
  }

  /** The HTTP API as a user, like the portal's pages call it. */
  http(user: string) {
    const auth = mockCredentials.user.header(`user:default/${user}`);
    return {
      get: (p: string) =>
        request(this.server).get(`/api/gitops${p}`).set('authorization', auth),
      post: (p: string, body: object = {}, key?: string) => {
        const r = request(this.server)
          .post(`/api/gitops${p}`)
          .set('authorization', auth);
        if (key) r.set('idempotency-key', key);
        return r.send(body);
      },
    };
  }

  /** An action of the registry as a user, like the MCP backend invokes it. */
  async invoke(name: string, user: string, input: object): Promise<any> {
    const { output } = await this.actionsRegistry.invoke({
      id: `test:${name}`,
      input: input as any,
      credentials: mockCredentials.user(`user:default/${user}`),
    });
    return output;
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
