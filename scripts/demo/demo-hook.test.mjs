// Tests of the demo's push hook (demo-hook.mjs) and its sender (push-webhook.mjs).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { hookScript, installPushHook } from './demo-hook.mjs';
import { DEMO_WEB_URL, pushDelivery, sendPush } from './push-webhook.mjs';

/** A repository with two commits on main. */
function repository() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-hook-'));
  /** @param {string[]} args */
  const git = (...args) =>
    execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  for (const n of [1, 2]) {
    fs.writeFileSync(path.join(dir, 'f.txt'), String(n));
    git('add', '.');
    git(
      '-c',
      'user.name=Ada',
      '-c',
      'user.email=ada@example.com',
      'commit',
      '-qm',
      `change ${n}\n\nbody`,
    );
  }
  return { dir, git };
}

test('the push delivery names the branch, both commits and the web address, signed with HMAC-SHA256', () => {
  const { dir, git } = repository();
  const { body, headers } = pushDelivery({ dir, secret: 's3cret' });
  const payload = JSON.parse(body);
  assert.equal(payload.ref, 'refs/heads/main');
  assert.equal(payload.after, git('rev-parse', 'HEAD'));
  assert.equal(payload.before, git('rev-parse', 'HEAD~1'));
  assert.equal(payload.repository.html_url, DEMO_WEB_URL);
  assert.equal(payload.repository.full_name, 'acme/gitops');
  assert.equal(payload.head_commit.message, 'change 2\n\nbody');
  assert.deepEqual(payload.head_commit.author, {
    name: 'Ada',
    email: 'ada@example.com',
  });
  assert.equal(headers['x-github-event'], 'push');
  assert.match(headers['x-github-delivery'], /^[0-9a-f-]{36}$/);
  assert.equal(
    headers['x-hub-signature-256'],
    `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test('sendPush posts the delivery and returns the status; 0 when nothing listens', async () => {
  const { dir } = repository();
  /** @type {Array<{ headers: http.IncomingHttpHeaders, body: string }>} */
  const got = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', c => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(202).end();
    });
  });
  await new Promise(r => server.listen(0, '127.0.0.1', () => r(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (
    server.address()
  );
  const status = await sendPush({ dir, url: `http://127.0.0.1:${port}/x` });
  assert.equal(status, 202);
  assert.equal(got.length, 1);
  assert.equal(got[0].headers['x-github-event'], 'push');
  await new Promise(r => server.close(() => r(undefined)));
  assert.equal(await sendPush({ dir, url: `http://127.0.0.1:${port}/x` }), 0);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('installPushHook writes an executable post-commit hook once, and leaves a directory without .git alone', () => {
  const { dir } = repository();
  assert.equal(installPushHook(dir), true);
  const file = path.join(dir, '.git/hooks/post-commit');
  assert.equal(fs.readFileSync(file, 'utf8'), hookScript());
  assert.equal(fs.statSync(file).mode & 0o111, 0o111);
  assert.equal(installPushHook(dir), false);
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-hook-none-'));
  assert.equal(installPushHook(empty), false);
  assert.equal(fs.existsSync(path.join(empty, '.git')), false);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(empty, { recursive: true, force: true });
});
