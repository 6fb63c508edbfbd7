#!/usr/bin/env node
/*
 * Bootstrap for a bare machine: `npm start` / `npm test` run this with
 * whatever Node the machine has (20 is enough). It
 *   1. finds a Node 22 or 24: the running one, or one fetched once from the
 *      npm registry (package `node-<platform>-<arch>`) into `.tools/`;
 *   2. points native builds (better-sqlite3 …) at that Node's headers;
 *   3. installs with the pinned yarn (`.yarn/releases`) when the lockfile or a
 *      package.json changed since the last install;
 *   4. runs the requested yarn script under that Node.
 * Second runs only hash a few files: well under a second of overhead.
 *
 * Plain CommonJS with no dependencies on purpose: it must run before
 * anything is installed.
 */
'use strict';

const { spawnSync, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const TOOLS = path.join(ROOT, '.tools');
const NODE_VERSION = '22.23.3';
const SUPPORTED_MAJORS = [22, 24];
const YARN = path.join(ROOT, '.yarn', 'releases', 'yarn-4.13.0.cjs');
const STAMP = path.join(ROOT, 'node_modules', '.gitops-install-stamp');

function log(msg) {
  process.stderr.write(`[bootstrap] ${msg}\n`);
}

function fail(msg) {
  log(`error: ${msg}`);
  process.exit(1);
}

/** Returns { node, nodedir } for a supported Node. */
function ensureNode() {
  const major = Number(process.versions.node.split('.')[0]);
  if (SUPPORTED_MAJORS.includes(major)) {
    return { node: process.execPath, nodedir: undefined };
  }
  const pkgName = `node-${process.platform}-${process.arch}`;
  const dir = path.join(TOOLS, `${pkgName}-${NODE_VERSION}`);
  const nodeBin = path.join(dir, 'bin', 'node');
  if (!fs.existsSync(nodeBin)) {
    log(
      `Node ${
        process.versions.node
      } is not supported by Backstage 1.55 (needs ${SUPPORTED_MAJORS.join(
        ' or ',
      )}); fetching ${pkgName}@${NODE_VERSION} from the npm registry (once)`,
    );
    fs.mkdirSync(TOOLS, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(TOOLS, 'dl-'));
    try {
      const out = execFileSync(
        'npm',
        [
          'pack',
          `${pkgName}@${NODE_VERSION}`,
          '--silent',
          '--pack-destination',
          tmp,
        ],
        { cwd: tmp, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      ).trim();
      const tgz = path.join(tmp, out.split('\n').pop());
      const extract = path.join(tmp, 'x');
      fs.mkdirSync(extract);
      execFileSync('tar', ['xzf', tgz, '-C', extract], { stdio: 'inherit' });
      fs.renameSync(path.join(extract, 'package'), dir);
    } catch (e) {
      fail(
        `could not obtain ${pkgName}@${NODE_VERSION} from the npm registry: ${e.message}\n` +
          'Install Node 22 or 24 yourself and run `yarn start` / `yarn test` instead.',
      );
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    fs.chmodSync(nodeBin, 0o755);
  }
  // The package ships headers in include/node: node-gyp uses them instead of
  // downloading them (which cannot work on a closed network).
  return { node: nodeBin, nodedir: dir };
}

function installHash(nodeVersion) {
  const h = crypto.createHash('sha256');
  const files = ['package.json', 'yarn.lock', '.yarnrc.yml'];
  for (const ws of ['packages', 'plugins']) {
    const base = path.join(ROOT, ws);
    if (!fs.existsSync(base)) continue;
    for (const name of fs.readdirSync(base).sort()) {
      const p = path.join(ws, name, 'package.json');
      if (fs.existsSync(path.join(ROOT, p))) files.push(p);
    }
  }
  for (const f of files) {
    h.update(f);
    const full = path.join(ROOT, f);
    if (fs.existsSync(full)) h.update(fs.readFileSync(full));
  }
  h.update(nodeVersion); // native modules depend on the ABI
  return h.digest('hex');
}

function run(env, node, args) {
  const r = spawnSync(node, [YARN, ...args], {
    cwd: ROOT,
    env,
    stdio: 'inherit',
  });
  if (r.error) fail(r.error.message);
  return r.status ?? 1;
}

function main() {
  const args = process.argv.slice(2);
  if (args.length === 0) fail('usage: bootstrap.js <yarn script> [args...]');

  const { node, nodedir } = ensureNode();
  const env = { ...process.env };
  // npm exports its own configuration to scripts; keep only what we mean.
  for (const k of Object.keys(env)) {
    if (k.startsWith('npm_')) delete env[k];
  }
  env.PATH = `${path.dirname(node)}${path.delimiter}${env.PATH}`;
  if (nodedir) env.npm_config_nodedir = nodedir;
  env.GITOPS_BOOTSTRAPPED = '1';

  const nodeVersion = execFileSync(node, ['-p', 'process.versions.node'], {
    encoding: 'utf8',
  }).trim();
  const hash = installHash(nodeVersion);
  const current = fs.existsSync(STAMP) ? fs.readFileSync(STAMP, 'utf8') : '';
  if (current !== hash) {
    log(`installing dependencies with yarn 4 under Node ${nodeVersion}`);
    const status = run(env, node, ['install', '--immutable']);
    if (status !== 0) {
      log('`yarn install --immutable` failed; retrying without --immutable');
      if (run(env, node, ['install']) !== 0) fail('yarn install failed');
    }
    fs.writeFileSync(STAMP, hash);
  }
  process.exit(run(env, node, args));
}

main();
