import path from 'node:path';
import {
  BackendFeature,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { createHmac, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import request from 'supertest';

/** The repository part of a webhook payload, as GitHub sends it. */
export function repositoryPayload(slug: string) {
  const [owner, name] = slug.split('/');
  return {
    id: 17273051,
    node_id: 'MDEwOlJlcG9zaXRvcnkxNzI3MzA1MQ==',
    name,
    full_name: slug,
    private: true,
    owner: { login: owner, id: 6752317, type: 'Organization' },
    html_url: `https://github.com/${slug}`,
    url: `https://api.github.com/repos/${slug}`,
    default_branch: 'main',
  };
}

/** A `push` payload (the fields GitHub sends that matter here, and a few more). */
export function pushPayload(slug: string, branch: string, after: string) {
  return {
    ref: `refs/heads/${branch}`,
    before: '0'.repeat(40),
    after,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `https://github.com/${slug}/compare/000000000000...${after.slice(
      0,
      12,
    )}`,
    commits: [],
    head_commit: null,
    repository: repositoryPayload(slug),
    pusher: { name: 'ada', email: 'ada@example.com' },
    sender: { login: 'ada', id: 1, type: 'User' },
  };
}

/** A `pull_request` payload for the portal's branch of an action. */
export function pullRequestPayload(options: {
  slug: string;
  action: 'closed' | 'reopened' | 'synchronize' | 'opened';
  number: number;
  headRef: string;
  headSha: string;
  merged: boolean;
}) {
  const { slug, number } = options;
  return {
    action: options.action,
    number,
    pull_request: {
      url: `https://api.github.com/repos/${slug}/pulls/${number}`,
      html_url: `https://github.com/${slug}/pull/${number}`,
      number,
      state: options.action === 'closed' ? 'closed' : 'open',
      locked: false,
      title: 'Promote',
      merged: options.merged,
      merged_at: options.merged ? new Date().toISOString() : null,
      closed_at: options.action === 'closed' ? new Date().toISOString() : null,
      head: {
        label: `${slug.split('/')[0]}:${options.headRef}`,
        ref: options.headRef,
        sha: options.headSha,
        repo: repositoryPayload(slug),
      },
      base: { ref: 'main', repo: repositoryPayload(slug) },
    },
    repository: repositoryPayload(slug),
    sender: { login: 'ada', id: 1, type: 'User' },
  };
}

/** GitHub's signature of a body: `sha256=` and the HMAC-SHA256 in hex. */
export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** POSTs a webhook delivery to the events backend's GitHub ingress. */
export function deliver(
  server: Server,
  options: {
    event: string;
    payload: unknown;
    secret: string;
    delivery?: string;
    signature?: string;
  },
) {
  const body = JSON.stringify(options.payload);
  return request(server)
    .post('/api/events/http/github')
    .set('content-type', 'application/json')
    .set('x-github-event', options.event)
    .set('x-github-delivery', options.delivery ?? randomUUID())
    .set('x-hub-signature-256', options.signature ?? sign(options.secret, body))
    .send(body);
}

/**
 * The GitHub events module's two modules (signature-checked ingress on
 * topic `github`, router to `github.<event>`), loaded from its files: its
 * default export loads them with a dynamic import, which Jest cannot run.
 */
export function githubEventsModules(): BackendFeature[] {
  const dir = path.dirname(
    require.resolve(
      '@backstage/plugin-events-backend-module-github/package.json',
    ),
  );
  return [
    require(path.join(dir, 'dist/service/eventsModuleGithubWebhook.cjs.js'))
      .default,
    require(path.join(dir, 'dist/service/eventsModuleGithubEventRouter.cjs.js'))
      .default,
  ];
}

/**
 * One in-process events service for all plugins of a test backend (the
 * default mock gives each plugin its own, so the events backend's ingress
 * would never reach the gitops plugin).
 */
export function sharedEventsService() {
  const shared = mockServices.events();
  return createServiceFactory({
    service: eventsServiceRef,
    deps: {},
    factory: () => shared,
  });
}
