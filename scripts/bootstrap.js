#!/usr/bin/env node
/*
 * Bootstrap for a bare machine: `npm start` / `npm test` run this with
 * whatever Node the machine has (20 is enough). It
 *   1. finds a Node 22 or 24: the running one, or one fetched once from the
 *      npm registry (package `node-<platform>-<arch>`) into `.tools/`;
 *   2. points native builds (better-sqlite3 …) at that Node's headers;
 *   3. installs with the pinned yarn (`.yarn/releases`) when the lockfile or a
 *      package.json changed since the last install: `yarn install --immutable`.
 *      Under CI (env CI set, not "false"/"0") a failure stops the run, and
 *      lockfile drift (YN0028) says to run `yarn install` and commit yarn.lock;
 *      on a developer's machine it is retried once without --immutable (which
 *      may update yarn.lock: commit it);
 *   4. runs the requested yarn script under that Node.
 * Second runs only hash a few files: well under a second of overhead.
 *
 * Plain CommonJS with no dependencies on purpose: it must run before
 * anything is installed.
 */
'use strict';

const { spawn, spawnSync, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const TOOLS = path.join(ROOT, '.tools');
const NODE_VERSION = '22.23.3';
const SUPPORTED_MAJORS = [22, 24];
const YARN = path.join(ROOT, '.yarn', 'releases', 'yarn-4.13.0.cjs');
const STAMP = path.join(ROOT, 'node_modules', '.gitops-install-stamp');

/** @param {string} msg */
function log(msg) {
  process.stderr.write(`[bootstrap] ${msg}\n`);
}

/**
 * @param {string} msg
 * @returns {never}
 */
function fail(msg) {
  log(`error: ${msg}`);
  process.exit(1);
}

/** True when `dir` holds a Node's C headers (what node-gyp's --nodedir needs). */
function hasHeaders(/** @type {string} */ dir) {
  return fs.existsSync(path.join(dir, 'include', 'node', 'node.h'));
}

/**
 * A supported Node: the running one, or one fetched into `.tools/`; with the
 * directory of its headers when it has them (native builds then never try to
 * download headers, which cannot work on a closed network).
 * @returns {{ node: string, nodedir: string | undefined }}
 */
function ensureNode() {
  const major = Number(process.versions.node.split('.')[0]);
  if (SUPPORTED_MAJORS.includes(major)) {
    // E.g. bin/node of the `.tools/` package put on PATH, or /usr/local/bin/node:
    // both have include/node next to bin/.
    const prefix = path.dirname(path.dirname(process.execPath));
    return {
      node: process.execPath,
      nodedir: hasHeaders(prefix) ? prefix : undefined,
    };
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
      const tgz = path.join(tmp, out.split('\n').pop() ?? out);
      const extract = path.join(tmp, 'x');
      fs.mkdirSync(extract);
      execFileSync('tar', ['xzf', tgz, '-C', extract], { stdio: 'inherit' });
      fs.renameSync(path.join(extract, 'package'), dir);
    } catch (e) {
      fail(
        `could not obtain ${pkgName}@${NODE_VERSION} from the npm registry: ${
          e instanceof Error ? e.message : e
        }\n` +
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

/** @param {string} nodeVersion */
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

/**
 * @param {NodeJS.ProcessEnv} env
 * @param {string} node
 * @param {string[]} args
 * @returns {number} the exit status
 */
function run(env, node, args) {
  const r = spawnSync(node, [YARN, ...args], {
    cwd: ROOT,
    env,
    stdio: 'inherit',
  });
  if (r.error) fail(r.error.message);
  return r.status ?? 1;
}

/**
 * Runs yarn like run(), showing its output as it comes, and also returns it.
 * @param {NodeJS.ProcessEnv} env
 * @param {string} node
 * @param {string[]} args
 * @returns {Promise<{ status: number, output: string }>}
 */
function runTee(env, node, args) {
  return new Promise(resolve => {
    const child = spawn(node, [YARN, ...args], {
      cwd: ROOT,
      env,
      stdio: ['inherit', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', chunk => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.stderr.on('data', chunk => {
      output += chunk;
      process.stderr.write(chunk);
    });
    child.on('error', e => fail(e.message));
    child.on('close', code => resolve({ status: code ?? 1, output }));
  });
}

/** True under CI: the CI variable set to anything but "false"/"0" (as yarn reads it). */
function inCI() {
  const ci = process.env.CI;
  return !!ci && !/^(false|0)$/i.test(ci);
}

/**
 * `yarn install --immutable`; under CI a failure ends the run, locally it is
 * retried once without --immutable.
 * @param {NodeJS.ProcessEnv} env
 * @param {string} node
 */
async function install(env, node) {
  const { status, output } = await runTee(env, node, [
    'install',
    '--immutable',
  ]);
  if (status === 0) return;
  const drift = /YN0028|lockfile would have been modified/i.test(output);
  if (inCI()) {
    fail(
      drift
        ? 'yarn.lock does not match the package.json files (lockfile drift, YN0028 above). ' +
            'Run `yarn install` (or `npm start`) on your machine and commit the updated yarn.lock. ' +
            'CI installs with --immutable only and never retries without it.'
        : '`yarn install --immutable` failed (see above). CI does not retry without --immutable.',
    );
  }
  log(
    drift
      ? 'yarn.lock does not match the package.json files: installing without --immutable, ' +
          'which updates yarn.lock; commit it (CI fails on this drift)'
      : '`yarn install --immutable` failed; retrying without --immutable',
  );
  // Yarn itself turns --immutable on when it sees CI; a developer's retry must not.
  if (
    run({ ...env, YARN_ENABLE_IMMUTABLE_INSTALLS: 'false' }, node, [
      'install',
    ]) !== 0
  ) {
    fail('yarn install failed');
  }
}

async function main() {
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
    await install(env, node);
    fs.writeFileSync(STAMP, hash);
  }
  process.exit(run(env, node, args));
}

main().catch(e => fail(e instanceof Error ? e.stack ?? e.message : String(e)));
