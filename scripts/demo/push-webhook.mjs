#!/usr/bin/env node
// Demo only: tells the local portal about the newest commit of a GitOps
// repository the way GitHub's `push` webhook would (a signed delivery to
// Backstage's events endpoint), so a commit made by hand shows within
// seconds, without waiting for the scheduled ingestion. The demo GitOps
// repository's post-commit hook runs it (installed by create-demo.mjs).
//
//   node scripts/demo/push-webhook.mjs [<repository dir>]
//
// Environment: GITOPS_DEMO_EVENTS_URL (default
// http://localhost:7007/api/events/http/github). Exits 0 quietly when the
// portal is not running: a commit never fails because of it.

import { execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The demo's webhook secret (app-config.yaml `events.modules.github.webhookSecret`). */
export const DEMO_WEBHOOK_SECRET = 'gitops-demo-webhook-secret';
/** The demo GitOps repository's web address (app-config.yaml `webUrl`). */
export const DEMO_WEB_URL = 'https://git.acme.example/acme/gitops';
export const DEFAULT_EVENTS_URL =
  'http://localhost:7007/api/events/http/github';

/**
 * A GitHub-shaped `push` delivery about the HEAD of `dir` (its branch, the
 * previous and the new commit), with its headers and HMAC-SHA256 signature.
 * @param {{ dir: string, secret?: string, webUrl?: string }} options
 */
export function pushDelivery({
  dir,
  secret = DEMO_WEBHOOK_SECRET,
  webUrl = DEMO_WEB_URL,
}) {
  /** @param {string[]} args */
  const git = (...args) =>
    execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();
  const branch = git('symbolic-ref', '--short', 'HEAD');
  const after = git('rev-parse', 'HEAD');
  let before = '0'.repeat(40);
  try {
    before = git('rev-parse', 'HEAD~1');
  } catch {
    // the first commit
  }
  const [name, email, timestamp, ...message] = git(
    'log',
    '-1',
    '--format=%an%n%ae%n%aI%n%B',
  ).split('\n');
  const fullName = new URL(webUrl).pathname.replace(/^\/|\/$/g, '');
  const headCommit = {
    id: after,
    message: message.join('\n').trim(),
    timestamp,
    url: `${webUrl}/commit/${after}`,
    author: { name, email },
    committer: { name, email },
  };
  const body = JSON.stringify({
    ref: `refs/heads/${branch}`,
    before,
    after,
    created: false,
    deleted: false,
    forced: false,
    commits: [headCommit],
    head_commit: headCommit,
    repository: {
      name: fullName.split('/').pop(),
      full_name: fullName,
      html_url: webUrl,
      default_branch: branch,
    },
    pusher: { name, email },
  });
  const signature = `sha256=${createHmac('sha256', secret)
    .update(body)
    .digest('hex')}`;
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': signature,
    },
  };
}

/**
 * Posts the delivery; resolves to the HTTP status, or 0 when nothing answers.
 * @param {{ dir: string, url?: string, secret?: string, webUrl?: string }} options
 */
export async function sendPush({ url = DEFAULT_EVENTS_URL, ...options }) {
  const { body, headers } = pushDelivery(options);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(5000),
    });
    return res.status;
  } catch {
    return 0;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = path.resolve(process.argv[2] ?? process.cwd());
  const status = await sendPush({
    dir,
    url: process.env.GITOPS_DEMO_EVENTS_URL || DEFAULT_EVENTS_URL,
  });
  if (process.env.GITOPS_DEMO_HOOK_VERBOSE)
    console.log(`push webhook: ${status || 'no portal answered'}`);
}
