import fs from 'node:fs';
import path from 'node:path';
import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import type { Knex } from 'knex';
import request from 'supertest';

/** The commit the recorded notifications report (the ingested head). */
export const HEAD = '6c1f2e4b9d0a7e3f5c8b1a2d4e6f8a0b2c4d6e8f';

/** A recorded notification body from src/events/__fixtures__. */
export function fixture(name: string): any {
  return JSON.parse(
    fs.readFileSync(
      path.join(__dirname, '..', '__fixtures__', `${name}.json`),
      'utf8',
    ),
  );
}

/**
 * staging runs on the watched cluster `staging`; prod-eu names a cluster the
 * portal has no credentials for and prod-us names none: both are
 * events-only. prod-eu's Argo CD Application is named by its locator.
 */
export const SHOP_PIPELINE = {
  definition: {
    name: 'shop',
    stages: [
      { name: 'staging', environments: ['staging'] },
      { name: 'prod', environments: ['prod-eu', 'prod-us'] },
    ],
    environments: [
      {
        name: 'staging',
        stage: 'staging',
        stageIndex: 0,
        cluster: 'staging',
        namespace: 'guestbook',
      },
      {
        name: 'prod-eu',
        stage: 'prod',
        stageIndex: 1,
        cluster: 'prod-eu',
        namespace: 'guestbook',
      },
      { name: 'prod-us', stage: 'prod', stageIndex: 1, namespace: 'guestbook' },
    ],
  },
  services: {
    'guestbook-ui': {
      staging: { locator: { type: 'kustomize-image', options: {} } },
      'prod-eu': {
        locator: {
          type: 'argocd-application',
          options: { application: 'guestbook-eu' },
        },
      },
      'prod-us': { locator: { type: 'kustomize-image', options: {} } },
    },
    'guestbook-api': {
      staging: { locator: { type: 'kustomize-image', options: {} } },
      'prod-eu': { locator: { type: 'kustomize-image', options: {} } },
      'prod-us': { locator: { type: 'kustomize-image', options: {} } },
    },
  },
  environmentErrors: {},
  fileError: null,
};

/** The `shop` repository at HEAD: guestbook-ui 1.5.0 just rolled out to prod. */
export async function seedShop(knex: Knex) {
  await knex('gitops_repositories').insert({
    id: 'shop',
    last_commit_sha: HEAD,
    pipeline: JSON.stringify(SHOP_PIPELINE),
    commits_ingested: 2,
  });
  let minute = 0;
  for (const environment of ['staging', 'prod-eu', 'prod-us']) {
    for (const [service, version] of [
      ['guestbook-ui', '1.5.0'],
      ['guestbook-api', '2.3.1'],
    ]) {
      await knex('gitops_desired_states').insert({
        repository_id: 'shop',
        service,
        environment,
        version,
        file: `apps/${service}/${environment}/kustomization.yaml`,
      });
    }
    await knex('gitops_rollouts').insert({
      repository_id: 'shop',
      service: 'guestbook-ui',
      environment,
      from_version: '1.4.2',
      to_version: '1.5.0',
      kind: 'promotion',
      commit_sha: HEAD,
      author_name: 'Ada',
      subject: `guestbook-ui 1.5.0 to ${environment}`,
      initiator: 'git',
      file: `apps/guestbook-ui/${environment}/kustomization.yaml`,
      desired_at: new Date(Date.UTC(2026, 10, 30, 21, minute++)),
    });
  }
}

/** What the Argo CD webhook service posts (its `X-Gitops-Secret` header). */
export function postArgoCd(
  server: Server,
  body: unknown,
  secret: string | undefined,
) {
  const req = request(server)
    .post('/api/events/http/gitops.argocd')
    .set('content-type', 'application/json');
  if (secret !== undefined) req.set('x-gitops-secret', secret);
  return req.send(typeof body === 'string' ? body : JSON.stringify(body));
}

/** What Flux's generic-hmac provider posts: `X-Signature: sha256=<hex>`. */
export function postFlux(
  server: Server,
  body: unknown,
  key: string | undefined,
  options: { signedBody?: string } = {},
) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const req = request(server)
    .post('/api/events/http/gitops.flux')
    .set('content-type', 'application/json');
  if (key !== undefined) {
    const mac = createHmac('sha256', key)
      .update(options.signedBody ?? raw)
      .digest('hex');
    req.set('x-signature', `sha256=${mac}`);
  }
  return req.send(raw);
}
