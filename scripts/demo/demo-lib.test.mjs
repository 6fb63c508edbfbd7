// Tests of the demo generator: node --test scripts/demo/
// Generates into a temporary directory; never touches <repo root>/.demo.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { DATABASE_DIR, createDemo } from './demo-lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const NOW = Date.parse('2026-03-18T09:30:00Z');
const ENVS = ['dev', 'qa', 'staging', 'prod-us', 'prod-eu'];
const SERVICES = ['guestbook-ui', 'guestbook-api', 'guestbook-worker'];
const FILES = {
  'guestbook-ui': e => `apps/guestbook-ui/overlays/${e}/kustomization.yaml`,
  'guestbook-api': e => `apps/guestbook-api/${e}/values.yaml`,
  'guestbook-worker': e => `apps/guestbook-worker/${e}/deployment.yaml`,
};

// Independent of the generator: what each locator would read.
function versionIn(service, content) {
  if (service === 'guestbook-ui') {
    // images: entry named ghcr.io/acme/guestbook-ui, then its newTag
    const m =
      /^ {2}- name: ghcr\.io\/acme\/guestbook-ui\n {4}newTag: (?:"([^"]+)"|(\S+))$/m.exec(
        content,
      );
    return m && (m[1] ?? m[2]);
  }
  if (service === 'guestbook-api') {
    // top-level `image:` map, its `tag:` key (other `tag:` keys are nested deeper)
    const block = /^image:\n((?: {2}.*\n|\s*\n)*)/m.exec(content)?.[1] ?? '';
    const m = /^ {2}tag: (?:"([^"]+)"|(\S+))$/m.exec(block);
    return m && (m[1] ?? m[2]);
  }
  // the container named `worker` of the Deployment document
  const deployment =
    content.split(/^---$/m).find(d => /^kind: Deployment$/m.test(d)) ?? '';
  const m = /- name: worker\n\s+image: [^:\s]+:(\S+)/.exec(deployment);
  return m && m[1];
}

const gitEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: os.devNull,
};
for (const k of Object.keys(gitEnv))
  if (/^GIT_(DIR|WORK_TREE|INDEX_FILE)$/.test(k)) delete gitEnv[k];
const git = (cwd, ...args) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: gitEnv,
    maxBuffer: 256 * 1024 * 1024,
  });

/** Reads many `rev:path` blobs with one `git cat-file --batch`. */
function readBlobs(cwd, specs) {
  const out = execFileSync('git', ['cat-file', '--batch'], {
    cwd,
    input: `${specs.join('\n')}\n`,
    env: gitEnv,
    maxBuffer: 1024 * 1024 * 1024,
  });
  const result = [];
  let pos = 0;
  for (let i = 0; i < specs.length; i++) {
    const nl = out.indexOf(10, pos);
    const header = out.subarray(pos, nl).toString();
    if (header.endsWith(' missing')) {
      result.push(undefined);
      pos = nl + 1;
      continue;
    }
    const size = Number(header.split(' ')[2]);
    result.push(out.subarray(nl + 1, nl + 1 + size).toString('utf8'));
    pos = nl + 1 + size + 1;
  }
  return result;
}

function fingerprint(dir) {
  const rows = [];
  const walk = d => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const st = fs.statSync(p);
      rows.push(
        `${path.relative(dir, p)} ${e.isDirectory() ? 'd' : st.size} ${
          st.mtimeMs
        }`,
      );
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return rows.sort().join('\n');
}

const heads = dir =>
  Object.fromEntries(
    ['gitops', ...SERVICES.map(s => `sources/${s}`)].map(r => [
      r,
      git(path.join(dir, r), 'rev-parse', 'HEAD').trim(),
    ]),
  );

let tmp;
let dir;
let summary;
let gitopsDir;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-demo-test-'));
  dir = path.join(tmp, 'demo');
  const t0 = process.hrtime.bigint();
  summary = createDemo({ dir, now: NOW });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(
    `# demo created in ${(ms / 1000).toFixed(2)} s (${
      summary.counts.gitopsCommits
    } GitOps commits)`,
  );
  gitopsDir = path.join(dir, 'gitops');
});

after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('createDemo', () => {
  it('creates checked-out repositories, the summary and the marker', () => {
    assert.equal(summary.skipped, false);
    for (const r of ['gitops', ...SERVICES.map(s => `sources/${s}`)]) {
      const cwd = path.join(dir, r);
      assert.equal(
        git(cwd, 'rev-parse', '--abbrev-ref', 'HEAD').trim(),
        'main',
        r,
      );
      assert.equal(
        git(cwd, 'status', '--porcelain').trim(),
        '',
        `${r} work tree is clean`,
      );
    }
    assert.equal(
      fs.readFileSync(path.join(gitopsDir, 'gitops-pipeline.yaml'), 'utf8'),
      git(gitopsDir, 'show', 'HEAD:gitops-pipeline.yaml'),
    );
    const onDisk = JSON.parse(
      fs.readFileSync(path.join(dir, 'demo-summary.json'), 'utf8'),
    );
    assert.equal(onDisk.gitops.head, summary.gitops.head);
    assert.ok(fs.existsSync(path.join(dir, '.complete')));
    assert.deepEqual(
      fs.readdirSync(tmp),
      ['demo'],
      'no .tmp-<pid> left behind',
    );
    const n = summary.counts.gitopsCommits;
    assert.ok(n >= 150 && n <= 300, `${n} GitOps commits`);
  });

  it('is idempotent: a second run changes nothing', () => {
    const before1 = fingerprint(dir);
    const heads1 = heads(dir);
    const t0 = process.hrtime.bigint();
    const again = createDemo({ dir, now: NOW + 5 * 86400000 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(`# second run: ${ms.toFixed(1)} ms`);
    assert.equal(again.skipped, true);
    assert.equal(again.gitops.head, summary.gitops.head);
    assert.deepEqual(heads(dir), heads1);
    assert.equal(fingerprint(dir), before1);
  });

  it('the CLI exits at once with one line when the demo is complete', () => {
    const cli = path.join(here, 'create-demo.mjs');
    const t0 = process.hrtime.bigint();
    const out = execFileSync(process.execPath, [cli, '--dir', dir], {
      encoding: 'utf8',
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(`# CLI on a complete demo: ${ms.toFixed(0)} ms`);
    assert.equal(out.trim().split('\n').length, 1, out);
    assert.match(out, /is complete/);
  });

  it('is deterministic for a given day, and --force rebuilds in place', () => {
    const other = path.join(tmp, 'other');
    const s2 = createDemo({ dir: other, now: NOW + 3 * 3600000 }); // same UTC day
    assert.deepEqual(heads(other), heads(dir));
    assert.equal(s2.gitops.head, summary.gitops.head);
    const s3 = createDemo({ dir: other, now: NOW, force: true });
    assert.equal(s3.skipped, false);
    assert.deepEqual(heads(other), heads(dir));
    assert.deepEqual(fs.readdirSync(tmp).sort(), ['demo', 'other']);
    fs.rmSync(other, { recursive: true, force: true });
  });

  it('refuses to replace a directory that is not a demo', () => {
    const foreign = path.join(tmp, 'foreign');
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'keep.txt'), 'mine');
    assert.throws(
      () => createDemo({ dir: foreign, now: NOW }),
      /not a demo directory/,
    );
    assert.equal(
      fs.readFileSync(path.join(foreign, 'keep.txt'), 'utf8'),
      'mine',
    );
    fs.rmSync(foreign, { recursive: true });
  });

  it("keeps the portal's database on a second run and resets it with the repositories on --force", () => {
    const other = path.join(tmp, 'with-db');
    createDemo({ dir: other, now: NOW });
    const db = path.join(other, DATABASE_DIR, 'gitops.sqlite');
    fs.mkdirSync(path.dirname(db));
    fs.writeFileSync(db, 'holds and actions');
    assert.equal(createDemo({ dir: other, now: NOW }).skipped, true);
    assert.equal(fs.readFileSync(db, 'utf8'), 'holds and actions');
    createDemo({ dir: other, now: NOW, force: true });
    assert.equal(
      fs.existsSync(db),
      false,
      'the database went with the repositories',
    );
    assert.ok(fs.existsSync(path.join(other, 'gitops', '.git')));
    fs.rmSync(other, { recursive: true, force: true });
  });

  it('replaces a directory that holds only a database made before the demo', () => {
    const early = path.join(tmp, 'early');
    fs.mkdirSync(path.join(early, DATABASE_DIR), { recursive: true });
    fs.writeFileSync(path.join(early, DATABASE_DIR, 'gitops.sqlite'), 'x');
    assert.equal(createDemo({ dir: early, now: NOW }).skipped, false);
    assert.equal(fs.existsSync(path.join(early, DATABASE_DIR)), false);
    assert.ok(fs.existsSync(path.join(early, '.complete')));
    fs.rmSync(early, { recursive: true, force: true });
  });
});

describe('source repositories', () => {
  for (const svc of SERVICES) {
    it(`${svc}: 30-40 commits over ~8 weeks by 4-6 authors, with PR merges and squashes`, () => {
      const cwd = path.join(dir, 'sources', svc);
      const count = Number(git(cwd, 'rev-list', '--count', 'main').trim());
      assert.ok(count >= 30 && count <= 40, `${count} commits`);
      const authors = new Set(
        git(cwd, 'log', '--format=%an', 'main').trim().split('\n'),
      );
      assert.ok(
        authors.size >= 4 && authors.size <= 6,
        `${authors.size} authors`,
      );
      const merges = git(cwd, 'log', '--merges', '--format=%s', 'main')
        .trim()
        .split('\n');
      assert.ok(merges.length >= 3);
      for (const s of merges)
        assert.match(s, /^Merge pull request #\d+ from acme\/SAAS-\d+-/);
      const subjects = git(
        cwd,
        'log',
        '--no-merges',
        '--first-parent',
        '--format=%s',
        'main',
      );
      assert.match(subjects, /^\w+(\([\w-]+\))?: .+ \(#\d+\)$/m);
      const times = git(cwd, 'log', '--format=%ct', 'main')
        .trim()
        .split('\n')
        .map(Number);
      const days = (Math.max(...times) - Math.min(...times)) / 86400;
      assert.ok(days > 45 && days < 60, `${days} days`);
      assert.ok(Math.max(...times) * 1000 < NOW);
    });
  }

  it('guestbook-ui has a PR whose issue key is only in its branch name', () => {
    const k = summary.keyOnlyInBranchName;
    const cwd = path.join(dir, 'sources', 'guestbook-ui');
    assert.match(
      git(cwd, 'log', '-1', '--format=%s', k.mergeCommit),
      new RegExp(`from acme/${k.issue}-`),
    );
    assert.doesNotMatch(
      git(cwd, 'log', '-1', '--format=%b', k.mergeCommit),
      new RegExp(k.issue),
    );
    for (const c of k.branchCommits)
      assert.doesNotMatch(
        git(cwd, 'log', '-1', '--format=%B', c),
        new RegExp(k.issue),
      );
    assert.equal(
      git(cwd, 'log', '--format=%H', '--grep', k.issue, 'main').trim(),
      k.mergeCommit,
    );
  });
});

describe('GitOps repository', () => {
  it('every version is a real commit of its own source repository, moving forward except the rollback', () => {
    const commits = git(
      gitopsDir,
      'rev-list',
      '--first-parent',
      '--reverse',
      'main',
    )
      .trim()
      .split('\n');
    const specs = [];
    for (const c of commits)
      for (const svc of SERVICES)
        for (const e of ENVS) specs.push(`${c}:${FILES[svc](e)}`);
    const blobs = readBlobs(gitopsDir, specs);
    const order = {};
    const allShas = {};
    for (const svc of SERVICES) {
      const cwd = path.join(dir, 'sources', svc);
      const fp = git(cwd, 'rev-list', '--first-parent', '--reverse', 'main')
        .trim()
        .split('\n');
      order[svc] = new Map(fp.map((sha, i) => [sha.slice(0, 12), i]));
      allShas[svc] = git(cwd, 'rev-list', '--all').trim().split('\n');
    }
    let i = 0;
    const last = {};
    const backwards = [];
    for (const c of commits) {
      for (const svc of SERVICES) {
        for (const e of ENVS) {
          const content = blobs[i++];
          assert.ok(content, `${c}:${FILES[svc](e)} exists`);
          const v = versionIn(svc, content);
          assert.match(v ?? '', /^[0-9a-f]{12}$/, `${svc}/${e} at ${c}: ${v}`);
          assert.ok(
            order[svc].has(v),
            `${v} (${svc}/${e}) is a main-line commit of ${svc}`,
          );
          for (const other of SERVICES.filter(s => s !== svc)) {
            assert.ok(
              !allShas[other].some(s => s.startsWith(v)),
              `${v} is not a commit of ${other}`,
            );
          }
          const k = `${svc}/${e}`;
          if (last[k] && order[svc].get(v) < order[svc].get(last[k].v))
            backwards.push({ k, c, from: last[k].v, to: v });
          last[k] = { v };
        }
      }
    }
    const rb = summary.rollback;
    assert.deepEqual(backwards, [
      {
        k: `${rb.service}/${rb.environment}`,
        c: rb.gitopsCommit,
        from: rb.from,
        to: rb.to,
      },
    ]);
  });

  it('the summary matches what HEAD holds', () => {
    for (const svc of SERVICES) {
      for (const e of ENVS) {
        const s = summary.services[svc].environments[e];
        assert.equal(s.file, FILES[svc](e));
        const content = git(gitopsDir, 'show', `HEAD:${s.file}`);
        assert.equal(versionIn(svc, content), s.version, `${svc}/${e}`);
        assert.ok(s.sourceCommit.startsWith(s.version));
        assert.ok(
          content.split('\n')[s.line - 1].includes(s.version),
          `${svc}/${e} line ${s.line}`,
        );
        assert.equal(
          git(
            path.join(dir, 'sources', svc),
            'cat-file',
            '-t',
            s.sourceCommit,
          ).trim(),
          'commit',
        );
      }
    }
    assert.equal(
      git(gitopsDir, 'rev-parse', 'HEAD').trim(),
      summary.gitops.head,
    );
    assert.equal(
      Number(git(gitopsDir, 'rev-list', '--count', 'HEAD').trim()),
      summary.counts.gitopsCommits,
    );
  });

  it('has exactly one rollback: guestbook-ui in prod-eu, still in force at HEAD', () => {
    const rb = summary.rollback;
    // Commits that touch manifests (`docs: rollback runbook` does not: the
    // word in its subject must not make it a rollout).
    const log = git(
      gitopsDir,
      'log',
      '--first-parent',
      '--format=%H%x00%s%x00%b%x01',
      'main',
      '--',
      'apps/',
    )
      .split('\x01')
      .map(x => x.trim())
      .filter(Boolean);
    assert.match(
      git(gitopsDir, 'log', '--format=%s', 'main'),
      /^docs: rollback runbook$/m,
    );
    const rollbacks = log
      .map(x => x.split('\0'))
      .filter(
        ([, s, b]) =>
          /rollback|roll back|revert/i.test(s) ||
          /Gitops-Kind: rollback/.test(b),
      );
    assert.equal(rollbacks.length, 1);
    const [sha, subject, body] = rollbacks[0];
    assert.equal(sha, rb.gitopsCommit);
    assert.equal(subject, `rollback guestbook-ui in prod-eu to ${rb.to}`);
    assert.match(body, /^Gitops-Kind: rollback$/m);
    assert.deepEqual(
      git(gitopsDir, 'diff', '--name-only', `${sha}^`, sha).trim().split('\n'),
      [rb.file],
    );
    assert.equal(
      versionIn('guestbook-ui', git(gitopsDir, 'show', `${sha}^:${rb.file}`)),
      rb.from,
    );
    assert.equal(
      summary.services['guestbook-ui'].environments['prod-eu'].version,
      rb.to,
    );
    assert.equal(
      summary.services['guestbook-ui'].environments['prod-us'].version,
      rb.from,
    );
    // "a few days ago"
    const age = (NOW - Date.parse(rb.at)) / 86400000;
    assert.ok(age > 1 && age < 6, `${age} days`);
  });

  it('promotions carry Gitops-Kind and Gitops-Source-Commit trailers', () => {
    const log = git(
      gitopsDir,
      'log',
      '--first-parent',
      '--format=%s%x00%b%x01',
      'main',
    )
      .split('\x01')
      .map(x => x.trim())
      .filter(Boolean);
    const promotions = log
      .map(x => x.split('\0'))
      .filter(([s]) => s.startsWith('promote '));
    assert.ok(promotions.length >= 40, `${promotions.length} promotions`);
    for (const [s, b] of promotions) {
      assert.match(
        s,
        /^promote guestbook-[a-z]+ [0-9a-f]{12} from (dev|qa|staging) to [a-z-]+(, [a-z-]+)*$/,
      );
      assert.match(b, /^Gitops-Kind: promotion$/m);
      const src = /^Gitops-Source-Commit: ([0-9a-f]{40})$/m.exec(b);
      assert.ok(src, s);
      assert.ok(src[1].startsWith(s.split(' ')[2]), s);
    }
    // config-only commits exist and change no version
    const cfg = summary.rollouts.map(r => r.gitopsCommit);
    const configOnly = git(
      gitopsDir,
      'log',
      '--first-parent',
      '--format=%H %s',
      'main',
    )
      .trim()
      .split('\n')
      .filter(
        l =>
          !/ (deploy|promote|rollback|hotfix|Import) /.test(
            ` ${l.split(' ').slice(1).join(' ')}`,
          ),
      );
    assert.ok(
      configOnly.length >= 10,
      `${configOnly.length} config-only commits`,
    );
    for (const l of configOnly) assert.ok(!cfg.includes(l.split(' ')[0]), l);
  });

  it('lists the promotions and the rollback, and nothing else, as portal commits (portal-commits.json)', () => {
    const file = JSON.parse(
      fs.readFileSync(path.join(dir, 'portal-commits.json'), 'utf8'),
    );
    const listed = new Map(file.commits.map(c => [c.sha, c.kind]));
    assert.equal(listed.get(summary.rollback.gitopsCommit), 'rollback');
    assert.ok(!listed.has(summary.directVersionChange.gitopsCommit), 'hotfix');
    const firstParent = git(
      gitopsDir,
      'log',
      '--first-parent',
      '--format=%H%x00%s',
      'main',
    )
      .trim()
      .split('\n')
      .map(l => l.split('\0'));
    const expected = firstParent
      .filter(([, s]) => /^(promote|rollback) /.test(s))
      .map(([sha]) => sha)
      .sort();
    assert.deepEqual([...listed.keys()].sort(), expected);
    for (const [sha, kind] of listed) {
      assert.match(
        git(gitopsDir, 'log', '-1', '--format=%B', sha),
        new RegExp(`^Gitops-Kind: ${kind}$`, 'm'),
      );
    }
  });

  it('has one direct version change and one lagging environment', () => {
    const d = summary.directVersionChange;
    assert.match(
      git(gitopsDir, 'log', '-1', '--format=%B', d.gitopsCommit),
      /^Gitops-Kind: direct$/m,
    );
    const lag = summary.lagging;
    assert.equal(lag.service, 'guestbook-api');
    assert.equal(
      summary.services[lag.service].environments[lag.environment].version,
      lag.version,
    );
    assert.notEqual(
      summary.services[lag.service].environments.dev.version,
      lag.version,
    );
    assert.ok(lag.versionsBehind >= 4, `${lag.versionsBehind} versions behind`);
    assert.ok((NOW - Date.parse(lag.since)) / 86400000 > 14);
  });

  it('the pipeline file names five environments in four stages', () => {
    const text = git(gitopsDir, 'show', 'HEAD:gitops-pipeline.yaml');
    assert.match(text, /^apiVersion: gitops2\.io\/v1alpha1$/m);
    assert.match(text, /^kind: Pipeline$/m);
    const stages = [
      ...text.matchAll(/^ {4}- name: (\S+)\n {6}environments: \[([^\]]*)\]$/gm),
    ].map(m => [m[1], m[2].split(/,\s*/)]);
    assert.deepEqual(stages, [
      ['dev', ['dev']],
      ['qa', ['qa']],
      ['staging', ['staging']],
      ['prod', ['prod-us', 'prod-eu']],
    ]);
    const envMatch = /^ {2}environments:\n((?: {4}.*\n|\n)*)/m.exec(text);
    assert.ok(envMatch, 'an environments block');
    const envBlock = envMatch[1];
    const envs = [
      ...envBlock.matchAll(
        /^ {4}([\w.-]+):\n {6}cluster: (\S+)\n {6}namespace: (\S+)\n {6}url: (https:\/\/\S+)$/gm,
      ),
    ];
    assert.deepEqual(
      envs.map(m => m[1]),
      ENVS,
    );
    for (const svc of SERVICES)
      assert.match(text, new RegExp(`^ {4}${svc}:$`, 'm'));
    assert.match(text, /^ {8}container: worker$/m);
    assert.doesNotMatch(text, /\t/);
  });

  it('has one bad version: guestbook-ui #162, in qa (no smoke test there) and newer than staging', () => {
    assert.equal(summary.badVersions.length, 1);
    const [bad] = summary.badVersions;
    const envs = summary.services[bad.service].environments;
    assert.equal(bad.service, 'guestbook-ui');
    assert.match(bad.sourceSubject, /\(#162\)$/);
    assert.equal(envs.qa.version, bad.version);
    assert.notEqual(envs.staging.version, bad.version);
    assert.deepEqual(
      ENVS.filter(e => envs[e].version === bad.version),
      bad.environments,
    );
    // Promoted from dev to qa by the portal, after yesterday's staging promotion.
    assert.match(
      git(gitopsDir, 'log', '-1', '--format=%B', bad.gitopsCommit),
      new RegExp(
        `^promote guestbook-ui ${bad.version} from dev to qa\\n[^]*^Gitops-Kind: promotion$`,
        'm',
      ),
    );
    assert.equal(
      git(gitopsDir, 'rev-parse', 'HEAD').trim(),
      bad.gitopsCommit,
      'the last commit of the history',
    );
    const stagingChange = Date.parse(envs.staging.lastChange.at);
    assert.ok(Date.parse(bad.at) > stagingChange);
    // staging is one promotion away: its version is older than the bad one.
    const cwd = path.join(dir, 'sources', 'guestbook-ui');
    git(cwd, 'merge-base', '--is-ancestor', envs.staging.version, bad.version);
  });

  it('the pipeline runs the smoke test through the demo endpoint in staging and prod, and rolls back there', () => {
    const text = git(gitopsDir, 'show', 'HEAD:gitops-pipeline.yaml');
    const defaults = /^ {2}steps:\n((?: {4}.*\n)*)/m.exec(text)?.[1] ?? '';
    const types = [...defaults.matchAll(/^ {6}- type: (\S+)$/gm)].map(
      m => m[1],
    );
    assert.deepEqual(types, ['wait-healthy', 'http', 'notify', 'notify']);
    assert.match(
      defaults,
      /^ {10}url: http:\/\/127\.0\.0\.1:7007\/api\/gitops\/demo\/apps\/\{service\}\/\{environment\}\/healthz$/m,
    );
    assert.match(defaults, /^ {8}when: onFailure$/m);
    const envBlock = name =>
      new RegExp(`^ {4}${name}:\\n((?: {6}.*\\n)*)`, 'm').exec(text)?.[1] ?? '';
    for (const env of ['dev', 'qa']) {
      assert.match(envBlock(env), /^ {6}steps:\n {8}after: \[\]/m, env);
      assert.doesNotMatch(envBlock(env), /onFailedVerification/, env);
    }
    for (const env of ['staging', 'prod-us', 'prod-eu']) {
      assert.doesNotMatch(envBlock(env), /^ {6}steps:/m, env);
      assert.match(
        envBlock(env),
        /^ {8}onFailedVerification: rollback\n {8}verificationWindow: 30m$/m,
        env,
      );
    }
  });

  it('has data for "yesterday" and spans about six weeks', () => {
    const times = git(gitopsDir, 'log', '--format=%ct', 'main')
      .trim()
      .split('\n')
      .map(t => Number(t) * 1000);
    const dayStart = Math.floor(NOW / 86400000) * 86400000;
    assert.ok(
      times.some(t => t >= dayStart - 86400000 && t < dayStart),
      'commits yesterday',
    );
    assert.ok(times.every(t => t < NOW));
    const weeks = (Math.max(...times) - Math.min(...times)) / (7 * 86400000);
    assert.ok(weeks > 5 && weeks < 7, `${weeks} weeks`);
  });
});

describe('SAAS-1543', () => {
  it('is in dev, qa, staging and prod-us, and was removed from prod-eu by the rollback', () => {
    const issue = summary.issues['SAAS-1543'];
    const cwd = path.join(dir, 'sources', 'guestbook-ui');
    const found = git(cwd, 'log', '--all', '--format=%H', '--grep', 'SAAS-1543')
      .trim()
      .split('\n')
      .sort();
    assert.deepEqual(found, issue.commits.map(c => c.sha).sort());
    const isAncestor = (a, b) => {
      try {
        git(cwd, 'merge-base', '--is-ancestor', a, b);
        return true;
      } catch {
        return false;
      }
    };
    for (const e of ENVS) {
      const v = summary.services['guestbook-ui'].environments[e].version;
      const inEnv = issue.commits.every(c => isAncestor(c.sha, v));
      const none = issue.commits.every(c => !isAncestor(c.sha, v));
      if (e === 'prod-eu') {
        assert.ok(none, 'prod-eu runs none of the SAAS-1543 commits');
        assert.equal(issue.environments[e].deployed, false);
        assert.equal(
          issue.environments[e].removedBy,
          summary.rollback.gitopsCommit,
        );
        assert.ok(
          issue.commits.every(c => isAncestor(c.sha, summary.rollback.from)),
          'the rolled-back version had it',
        );
      } else {
        assert.ok(inEnv, `${e} runs every SAAS-1543 commit`);
        assert.equal(issue.environments[e].deployed, true);
      }
    }
  });
});

describe('fleet repository (a real pipeline shape)', () => {
  it('has five stages and eleven environments, three regions in parallel in staging, canary and prod', () => {
    const fleetDir = path.join(dir, 'fleet');
    const text = git(fleetDir, 'show', 'HEAD:gitops-pipeline.yaml');
    const stages = [
      ...text.matchAll(/^ {4}- name: (\S+)\n {6}environments: \[([^\]]*)\]$/gm),
    ].map(m => [m[1], m[2].split(/,\s*/)]);
    assert.deepEqual(
      stages.map(([name, envs]) => [name, envs.length]),
      [
        ['dev', 1],
        ['qa', 1],
        ['staging', 3],
        ['canary', 3],
        ['prod', 3],
      ],
    );
    const envs = stages.flatMap(([, e]) => e);
    assert.equal(envs.length, 11);
    // Every environment's values file holds the version the summary names.
    for (const env of envs) {
      const values = git(
        fleetDir,
        'show',
        `HEAD:apps/checkout-service/${env}/values.yaml`,
      );
      assert.match(
        values,
        new RegExp(`^  tag: "${summary.fleet.versions[env]}"$`, 'm'),
      );
    }
    assert.notEqual(
      summary.fleet.versions.dev,
      summary.fleet.versions['prod-eu-west-1'],
    );
  });

  it('ends before the guestbook history, so the newest rollout stays a guestbook one', () => {
    const last = Date.parse(
      git(path.join(dir, 'fleet'), 'log', '-1', '--format=%cI').trim(),
    );
    assert.ok(last < Date.parse(summary.gitops.lastCommitAt));
  });
});
