// Core of the GitOps 2.0 demo generator: real Git repositories (three
// application sources and one GitOps repository) built with `git fast-import`.
// No npm dependencies: only node: modules and the git CLI.
//
//   import { createDemo } from './demo-lib.mjs';
//   const summary = createDemo({ dir: '/tmp/demo', now: Date.now() });
//
// See README.md in this folder for the story the data tells.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import {
  BAD_VERSION,
  CONFIG_CHANGES,
  DIRECT_VERSION_CHANGE,
  ENV_INFO,
  ENVIRONMENTS,
  GITHUB,
  GITOPS_PEOPLE,
  GITOPS_START_DAY,
  LAGGING,
  ORG,
  PROMOTERS,
  PROMOTION_DAYS,
  ROLLBACK,
  SOURCES,
  STAGE_HOURS,
  STAGES,
} from './demo-data.mjs';
import { buildFleet } from './fleet-lib.mjs';

/** Bump when the generated content changes: an older demo is then rebuilt. */
export const GENERATOR_VERSION = 5;
export const COMPLETE_FILE = '.complete';
export const SUMMARY_FILE = 'demo-summary.json';
/**
 * The portal's SQLite files (app-config.yaml `backend.database.connection.directory`:
 * `.demo/db`, one `<pluginId>.sqlite` per plugin) live inside the demo, so that
 * rebuilding the repositories (`--force`, a new generator version) resets the
 * database with them: the ledger never describes commits that no longer exist.
 */
export const DATABASE_DIR = 'db';
export const PORTAL_COMMITS_FILE = 'portal-commits.json';

const SEED = 0x5eed1543;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const SHORT = 12;

const FEATURE_ISSUE = 'SAAS-1543';
const PIPELINE_FILE = 'gitops-pipeline.yaml';

// ---------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------

function hashString(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** mulberry32, seeded per stream so one repository never shifts another. */
function rngFor(name) {
  let a = (SEED ^ hashString(name)) >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: arr => arr[Math.floor(next() * arr.length)],
  };
}

// ---------------------------------------------------------------------------
// Git
// ---------------------------------------------------------------------------

const GIT_IDENTITY = { name: 'GitOps Demo', email: 'demo@acme.example' };

/** Environment for every git call: nothing from the user's or system config. */
function gitEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    // GIT_DIR, GIT_INDEX_FILE … of a surrounding hook must not leak in.
    if (!k.startsWith('GIT_')) env[k] = v;
  }
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: os.devNull,
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: GIT_IDENTITY.name,
    GIT_AUTHOR_EMAIL: GIT_IDENTITY.email,
    GIT_COMMITTER_NAME: GIT_IDENTITY.name,
    GIT_COMMITTER_EMAIL: GIT_IDENTITY.email,
    ...extra,
  };
}

const GIT_CONFIG_ARGS = [
  '-c',
  `user.name=${GIT_IDENTITY.name}`,
  '-c',
  `user.email=${GIT_IDENTITY.email}`,
  '-c',
  'commit.gpgsign=false',
  '-c',
  'tag.gpgsign=false',
  '-c',
  'core.autocrlf=false',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'init.defaultBranch=main',
];

/**
 * @param {string} cwd
 * @param {string[]} args
 * @param {{ input?: string, env?: NodeJS.ProcessEnv }} [options]
 */
function git(cwd, args, { input, env } = {}) {
  return execFileSync('git', [...GIT_CONFIG_ARGS, ...args], {
    cwd,
    input,
    env: env ?? gitEnv(),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  });
}

const ident = (p, ms) =>
  `${p.name} <${p.email}> ${Math.floor(ms / 1000)} ${p.tz}`;
const dataBlock = text => `data ${Buffer.byteLength(text, 'utf8')}\n${text}\n`;

/**
 * Writes `commits` (oldest first, parents before children) with one
 * `git fast-import` run, checks out `main` into the work tree and returns
 * mark -> full sha. Each commit: { mark, parents: [mark], author, committer,
 * at, message, files: Map<path, content> } (the full tree; only the
 * difference to the first parent is sent).
 */
function importCommits(repoDir, commits) {
  fs.mkdirSync(repoDir, { recursive: true });
  git(repoDir, ['init', '-q', '-b', 'main']);
  const byMark = new Map(commits.map(c => [c.mark, c]));
  const out = [];
  for (const c of commits) {
    out.push(`commit refs/heads/main\nmark :${c.mark}\n`);
    out.push(
      `author ${ident(c.author, c.at)}\ncommitter ${ident(
        c.committer ?? c.author,
        c.at,
      )}\n`,
    );
    out.push(
      dataBlock(c.message.endsWith('\n') ? c.message : `${c.message}\n`),
    );
    const parent = c.parents.length ? byMark.get(c.parents[0]) : undefined;
    if (c.parents.length) out.push(`from :${c.parents[0]}\n`);
    for (const m of c.parents.slice(1)) out.push(`merge :${m}\n`);
    const before = parent ? parent.files : new Map();
    for (const p of [...before.keys()].sort())
      if (!c.files.has(p)) out.push(`D ${p}\n`);
    for (const p of [...c.files.keys()].sort()) {
      const content = c.files.get(p);
      if (before.get(p) !== content)
        out.push(`M 100644 inline ${p}\n${dataBlock(content)}`);
    }
    out.push('\n');
  }
  out.push('done\n');
  const marksFile = path.join(repoDir, '.git', 'demo-marks');
  git(
    repoDir,
    [
      'fast-import',
      '--quiet',
      '--done',
      '--date-format=raw',
      `--export-marks=${marksFile}`,
    ],
    {
      input: out.join(''),
    },
  );
  const marks = new Map();
  for (const line of fs.readFileSync(marksFile, 'utf8').split('\n')) {
    const m = /^:(\d+) ([0-9a-f]{40})$/.exec(line);
    if (m) marks.set(Number(m[1]), m[2]);
  }
  fs.rmSync(marksFile);
  git(repoDir, ['reset', '-q', '--hard', 'main']);
  return marks;
}

// ---------------------------------------------------------------------------
// Time: everything is relative to the UTC day of `now` (the anchor day).
// ---------------------------------------------------------------------------

function makeClock(nowMs) {
  const anchor = Math.floor(nowMs / DAY) * DAY;
  return {
    anchor,
    /** `daysAgo` days before the anchor day, at hour:minute UTC. */
    at: (daysAgo, hour, minute = 0) =>
      anchor - daysAgo * DAY + hour * HOUR + minute * MINUTE,
  };
}

const iso = ms => new Date(ms).toISOString().replace('.000Z', 'Z');

// ---------------------------------------------------------------------------
// Source file contents (real-looking, deterministic)
// ---------------------------------------------------------------------------

function words(subject) {
  return subject
    .replace(/^[a-z]+(\([^)]*\))?!?:\s*/, '')
    .replace(/[^A-Za-z0-9 ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 5);
}
const camel = ws =>
  ws
    .map((w, i) =>
      i === 0 ? w.toLowerCase() : w[0].toUpperCase() + w.slice(1).toLowerCase(),
    )
    .join('') || 'change';
const snake = ws => ws.map(w => w.toLowerCase()).join('_') || 'change';
const pascalOfFile = p =>
  path
    .basename(p)
    .replace(/\..*$/, '')
    .replace(/(^|[-_])(\w)/g, (_, __, c) => c.toUpperCase());
const describe = subject => {
  const s = subject.replace(/^[a-z]+(\([^)]*\))?!?:\s*/, '');
  return s[0].toUpperCase() + s.slice(1);
};

function uniqueName(content, name) {
  let n = name;
  for (let i = 2; content.includes(n); i++) n = `${name}${i}`;
  return n;
}

function packageJson(repo) {
  const deps =
    repo === 'guestbook-ui'
      ? { react: '^18.2.0', 'react-dom': '^18.2.0' }
      : { fastify: '^4.26.2', pg: '^8.11.3' };
  const devDeps =
    repo === 'guestbook-ui'
      ? { typescript: '^5.3.3', vite: '^5.1.4', vitest: '^1.3.1' }
      : { typescript: '^5.3.3', tsx: '^4.7.1', vitest: '^1.3.1' };
  return `${JSON.stringify(
    {
      name: `@acme/${repo}`,
      version: '1.0.0',
      private: true,
      type: 'module',
      scripts:
        repo === 'guestbook-ui'
          ? { dev: 'vite', build: 'tsc && vite build', test: 'vitest run' }
          : {
              dev: 'tsx watch src/server.ts',
              build: 'tsc',
              start: 'node dist/server.js',
              test: 'vitest run',
            },
      dependencies: deps,
      devDependencies: devDeps,
    },
    null,
    2,
  )}\n`;
}

function bumpSemver(v, part = 'patch') {
  const [a, b, c] = v.split('.').map(Number);
  return part === 'minor' ? `${a}.${b + 1}.0` : `${a}.${b}.${c + 1}`;
}

/** Content of `file` after the change `op` ({ subject, key, repo }). */
function touchFile(file, before, op) {
  const ws = words(op.subject);
  const desc = describe(op.subject);
  const keyNote = op.key ? ` (${op.key})` : '';
  const base = path.basename(file);
  const ext = path.extname(file);
  const bump = /bump (\S+) to (\S+)/.exec(op.subject);
  const release = /^chore\(release\): (\S+)/.exec(op.subject);

  if (base === 'package.json') {
    if (before === undefined) return packageJson(op.repo);
    const pkg = JSON.parse(before);
    if (release) pkg.version = release[1];
    else if (bump) {
      const where = pkg.dependencies[bump[1]]
        ? pkg.dependencies
        : pkg.devDependencies;
      where[bump[1]] = `^${bump[2]}`;
    } else {
      /** @type {Array<[RegExp, string, string]>} */
      const extras = [
        [/virtualize/, '@tanstack/react-virtual', '^3.2.0'],
        [/^feat\(auth\)/, 'jose', '^5.2.3'],
        [/^feat\(metrics\)/, 'prom-client', '^15.1.0'],
      ];
      const extra = extras.find(([re]) => re.test(op.subject));
      if (extra) pkg.dependencies[extra[1]] = extra[2];
      pkg.version = bumpSemver(pkg.version, 'minor');
    }
    return `${JSON.stringify(pkg, null, 2)}\n`;
  }
  if (base === 'pyproject.toml') {
    let t =
      before ??
      [
        '[project]',
        'name = "guestbook-worker"',
        'version = "0.5.0"',
        'requires-python = ">=3.11"',
        'dependencies = [',
        '  "redis>=5.0.1",',
        '  "httpx>=0.27.0",',
        ']',
        '',
        '[project.scripts]',
        'guestbook-worker = "guestbook_worker.main:run"',
        '',
        '[tool.pytest.ini_options]',
        'testpaths = ["tests"]',
        '',
      ].join('\n');
    if (before === undefined) return t;
    if (release)
      return t.replace(/^version = ".*"$/m, `version = "${release[1]}"`);
    if (bump) {
      const re = new RegExp(`^  "${bump[1]}>=[^"]*",$`, 'mi');
      if (re.test(t)) return t.replace(re, `  "${bump[1]}>=${bump[2]}",`);
      return t.replace(/^]$/m, `  "${bump[1]}>=${bump[2]}",\n]`);
    }
    if (/thumbnails/.test(op.subject) && !t.includes('pillow'))
      t = t.replace(/^]$/m, '  "pillow>=10.2.0",\n]');
    return t.replace(
      /^version = "(.*)"$/m,
      (_, v) => `version = "${bumpSemver(v, 'minor')}"`,
    );
  }
  if (base === 'CHANGELOG.md') {
    const head = '# Changelog\n\n';
    const entry = `## ${release ? release[1] : 'Unreleased'}\n\n- ${
      op.changelog ?? desc
    }\n\n`;
    return before === undefined
      ? head + entry
      : before.replace(head, head + entry);
  }
  if (base === 'README.md') {
    if (before === undefined) {
      const run =
        op.repo === 'guestbook-worker'
          ? 'pip install -e .\nguestbook-worker --queue guestbook-events'
          : 'yarn install\nyarn dev';
      return `# ${op.repo}\n\nPart of the guestbook system (${ORG}). Images: \`ghcr.io/${ORG}/${op.repo}\`, tagged with the\n12-character commit sha; deployed through the guestbook GitOps repository.\n\n\`\`\`sh\n${run}\n\`\`\`\n`;
    }
    return `${before}\n## ${desc}\n\nSee the source under \`src/\`; issues are tracked in the SAAS project.\n`;
  }
  if (base === '.gitignore') {
    return op.repo === 'guestbook-worker'
      ? '__pycache__/\n*.egg-info/\n.venv/\n'
      : 'node_modules/\ndist/\ncoverage/\n';
  }
  if (base === 'Dockerfile') {
    if (op.repo === 'guestbook-ui') {
      return 'FROM node:20-alpine AS build\nWORKDIR /app\nCOPY . .\nRUN yarn install --immutable && yarn build\n\nFROM nginx:1.25-alpine\nCOPY nginx.conf /etc/nginx/conf.d/default.conf\nCOPY --from=build /app/dist /usr/share/nginx/html\n';
    }
    if (op.repo === 'guestbook-api') {
      return 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN yarn install --immutable && yarn build\nUSER node\nEXPOSE 8080\nCMD ["node", "dist/server.js"]\n';
    }
    return 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir .\nUSER nobody\nENTRYPOINT ["guestbook-worker"]\n';
  }
  if (base === 'nginx.conf') {
    return 'server {\n  listen 8080;\n  root /usr/share/nginx/html;\n  location / {\n    try_files $uri /index.html;\n  }\n}\n';
  }
  if (base === 'index.html') {
    return '<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="UTF-8" />\n    <title>Guestbook</title>\n  </head>\n  <body>\n    <div id="root"></div>\n    <script type="module" src="/src/main.tsx"></script>\n  </body>\n</html>\n';
  }
  if (base === 'tsconfig.json') {
    return `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'bundler',
          strict: true,
          jsx: op.repo === 'guestbook-ui' ? 'react-jsx' : undefined,
          outDir: 'dist',
        },
        include: ['src'],
      },
      null,
      2,
    )}\n`;
  }
  if (base === 'vite.config.ts') {
    return "import { defineConfig } from 'vite';\nimport react from '@vitejs/plugin-react';\n\nexport default defineConfig({\n  plugins: [react()],\n  server: { port: 3000 },\n});\n";
  }
  if (file.endsWith('.github/workflows/ci.yml')) {
    if (before === undefined) {
      const steps =
        op.repo === 'guestbook-worker'
          ? '      - uses: actions/setup-python@v5\n        with:\n          python-version: "3.12"\n      - run: pip install -e . pytest\n      - run: pytest\n'
          : '      - uses: actions/setup-node@v4\n        with:\n          node-version: 20\n      - run: yarn install --immutable\n      - run: yarn test\n      - run: yarn build\n';
      return `name: ci\non:\n  push:\n    branches: [main]\n  pull_request:\n\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n${steps}`;
    }
    if (/cache/.test(op.subject)) {
      return before.replace(
        '          node-version: 20\n',
        '          node-version: 20\n          cache: yarn\n',
      );
    }
    return before.replace(
      '      - run: pytest\n',
      '      - run: pytest --cov=guestbook_worker --cov-report=xml\n',
    );
  }
  if (ext === '.json') {
    // i18n catalogues
    const lang = base.replace('.json', '');
    const titles = { en: 'Guestbook', de: 'Gästebuch', fr: "Livre d'or" };
    const obj =
      before === undefined
        ? {
            'app.title': titles[lang] ?? 'Guestbook',
            'form.submit':
              lang === 'de' ? 'Eintragen' : lang === 'fr' ? 'Signer' : 'Sign',
          }
        : JSON.parse(before);
    obj[`${ws[0]?.toLowerCase() ?? 'misc'}.${camel(ws.slice(1, 3))}`] = desc;
    return `${JSON.stringify(obj, null, 2)}\n`;
  }
  if (ext === '.sql') return `-- ${desc}${keyNote}\n`;
  if (ext === '.css') {
    const cls = ws
      .slice(0, 3)
      .map(w => w.toLowerCase())
      .join('-');
    const rule = /dark|palette/.test(op.subject)
      ? `@media (prefers-color-scheme: dark) {\n  :root {\n    --bg: #121417;\n    --fg: #e6e8eb;\n  }\n}\n`
      : `.${cls} {\n  outline: 2px solid var(--focus, #4c8bf5);\n  color: var(--fg, inherit);\n}\n`;
    return before === undefined
      ? `:root {\n  --bg: #ffffff;\n  --fg: #1b1d21;\n}\n\n${rule}`
      : `${before}\n${rule}`;
  }
  if (ext === '.txt') {
    return file.endsWith('_de.txt')
      ? 'Hallo {owner},\n\n{author} hat sich in dein Gästebuch eingetragen:\n\n{body}\n'
      : 'Hello {owner},\n\n{author} signed your guestbook:\n\n{body}\n';
  }
  if (ext === '.yaml') {
    return (
      before ??
      'openapi: 3.0.3\ninfo:\n  title: guestbook-api\n  version: 2.0.0\npaths:\n  /entries:\n    get:\n      summary: List entries (keyset pagination)\n    post:\n      summary: Create an entry\n'
    );
  }
  if (ext === '.py') {
    const fn = snake(ws);
    if (/(^|\/)test_[^/]*\.py$/.test(file)) {
      const t = `def test_${uniqueName(before ?? '', fn)}():\n    assert ${
        fn.length
      } > 0  # ${desc}\n`;
      return before === undefined
        ? `import pytest\n\n\n${t}`
        : `${before}\n\n${t}`;
    }
    if (base === '__init__.py')
      return '"""Background jobs of the guestbook: notifications, spam, thumbnails."""\n\n__version__ = "0.5.0"\n';
    const name = uniqueName(before ?? '', fn);
    const body = `def ${name}(job: dict) -> dict:\n    """${desc}${keyNote}."""\n    log.info("${name}", extra={"job": job.get("id")})\n    return job\n`;
    if (before === undefined) {
      return `"""${pascalOfFile(
        file,
      )}: ${desc.toLowerCase()}."""\n\nfrom __future__ import annotations\n\nimport logging\n\nlog = logging.getLogger(__name__)\n\n\n${body}`;
    }
    return `${before}\n\n${body}`;
  }
  if (ext === '.ts' || ext === '.tsx') {
    if (/\.test\.tsx?$/.test(file)) {
      const t = `  it('${desc.replace(
        /'/g,
        '',
      )}', () => {\n    expect(${JSON.stringify(
        camel(ws),
      )}).toBeTruthy();\n  });\n`;
      if (before === undefined) {
        return `import { describe, expect, it } from 'vitest';\n\ndescribe('${pascalOfFile(
          file,
        )}', () => {\n${t}});\n`;
      }
      return before.replace(/\}\);\n$/, `\n${t}});\n`);
    }
    if (ext === '.tsx' && before === undefined) {
      const comp = pascalOfFile(file);
      if (comp === 'Main') {
        return "import { createRoot } from 'react-dom/client';\nimport { App } from './App';\n\ncreateRoot(document.getElementById('root')!).render(<App />);\n";
      }
      return `import { useState } from 'react';\n\n/** ${desc}${keyNote}. */\nexport function ${comp}() {\n  const [open, setOpen] = useState(false);\n  return (\n    <section className="${comp
        .replace(/([a-z])([A-Z])/g, '$1-$2')
        .toLowerCase()}" data-open={open}>\n      <button type="button" onClick={() => setOpen(!open)}>\n        ${comp}\n      </button>\n    </section>\n  );\n}\n`;
    }
    const name = uniqueName(before ?? '', camel(ws));
    if (ext === '.tsx')
      return `${before}\n/** ${desc}${keyNote}. */\nexport const ${name}Enabled = true;\n`;
    const fn = file.includes('/routes/')
      ? `export async function ${name}(app: FastifyInstance): Promise<void> {\n  // ${desc}${keyNote}\n  app.log.debug('${name} registered');\n}\n`
      : `/** ${desc}${keyNote}. */\nexport function ${name}(input: string): string {\n  return input.trim();\n}\n`;
    if (before === undefined) {
      const header = file.includes('/routes/')
        ? "import type { FastifyInstance } from 'fastify';\n\n"
        : '';
      return `${header}${fn}`;
    }
    return `${before}\n${fn}`;
  }
  // Anything else: append a comment line.
  return `${before ?? ''}# ${desc}${keyNote}\n`;
}

function applyFiles(files, list, op) {
  for (const f of list) {
    if (typeof f === 'string') files.set(f, touchFile(f, files.get(f), op));
    else files.set(f.path, f.content);
  }
}

// ---------------------------------------------------------------------------
// Source repositories
// ---------------------------------------------------------------------------

function keyTrailer(rng, key) {
  return `${rng.pick(['Refs', 'Closes', 'Fixes', 'Jira:'])} ${key}`;
}

/**
 * Plans one source repository. Returns the commits for importCommits and
 * `mainLine`: first-parent commits of main, oldest first, with their
 * metadata (deployable, issue keys …).
 */
function planSource(spec, clock) {
  const rng = rngFor(`source:${spec.name}`);
  const commits = [];
  const mainLine = [];
  let mark = 0;
  let files = new Map();
  const snapshots = []; // per main-line index: files map
  let prevTime = -Infinity;

  for (const e of spec.main) {
    const author = spec.authors[e.a];
    let at = clock.at(e.d, e.h ?? rng.int(8, 17), rng.int(0, 59));
    if (at <= prevTime) at = prevTime + 7 * MINUTE;
    const op = { subject: e.subject, key: e.key, repo: spec.name };
    const parentMark = mainLine.length
      ? mainLine[mainLine.length - 1].mark
      : undefined;
    const issueKeys = new Set();
    const branchCommits = [];

    if (e.kind === 'merge') {
      // Branch forks from the tip (or `forkBack` main-line commits earlier).
      const forkIdx = mainLine.length - 1 - (e.forkBack ?? 0);
      const fork = mainLine[forkIdx];
      const forkFiles = new Map(snapshots[forkIdx]);
      const branchFiles = new Map(forkFiles);
      const start = fork.at + HOUR;
      const span = at - 30 * MINUTE - start;
      let parent = fork.mark;
      const changed = new Set();
      for (const [k, bc] of e.commits.entries()) {
        const bat =
          start +
          Math.floor((span * (k + 1)) / (e.commits.length + 1) / MINUTE) *
            MINUTE +
          rng.int(0, 20) * MINUTE;
        const bop = { subject: bc.subject, repo: spec.name };
        applyFiles(branchFiles, bc.files, bop);
        for (const f of bc.files)
          changed.add(typeof f === 'string' ? f : f.path);
        const msg = bc.body
          ? `${bc.subject}\n\n${bc.body}\n`
          : `${bc.subject}\n`;
        for (const m of msg.matchAll(/SAAS-\d+/g)) issueKeys.add(m[0]);
        const c = {
          mark: ++mark,
          parents: [parent],
          author: spec.authors[bc.a],
          at: bat,
          message: msg,
          files: new Map(branchFiles),
        };
        commits.push(c);
        branchCommits.push(c);
        parent = c.mark;
      }
      // Merge: replay the branch's changes on top of main.
      const mainFiles = new Map(files);
      for (const f of changed) {
        if (
          mainFiles.get(f) !== forkFiles.get(f) &&
          branchFiles.get(f) !== forkFiles.get(f)
        ) {
          throw new Error(
            `${spec.name}: PR #${e.pr} and main both change ${f}; pick other files`,
          );
        }
        mainFiles.set(f, branchFiles.get(f));
      }
      files = mainFiles;
      const message = `Merge pull request #${e.pr} from ${ORG}/${e.branch}\n\n${e.title}\n`;
      for (const m of `${e.branch}`.matchAll(/SAAS-\d+/g)) issueKeys.add(m[0]);
      const c = {
        mark: ++mark,
        parents: [parentMark, parent],
        author,
        committer: GITHUB,
        at,
        message,
        files,
      };
      commits.push(c);
      mainLine.push({
        ...meta(c, e, issueKeys),
        branchCommits,
        branch: `${ORG}/${e.branch}`,
      });
    } else {
      files = new Map(files);
      applyFiles(files, e.files, op);
      let message;
      if (e.kind === 'squash') {
        const paras = [`${e.subject} (#${e.pr})`];
        if (e.body) paras.push(e.body);
        const trailers = [];
        if (e.key) trailers.push(keyTrailer(rng, e.key));
        if (e.coAuthor !== undefined) {
          const co = spec.authors[e.coAuthor];
          trailers.push(`Co-authored-by: ${co.name} <${co.email}>`);
        }
        if (trailers.length) paras.push(trailers.join('\n'));
        message = `${paras.join('\n\n')}\n`;
      } else {
        message = e.body ? `${e.subject}\n\n${e.body}\n` : `${e.subject}\n`;
      }
      for (const m of message.matchAll(/SAAS-\d+/g)) issueKeys.add(m[0]);
      const c = {
        mark: ++mark,
        parents: parentMark === undefined ? [] : [parentMark],
        author,
        committer: e.kind === 'squash' ? GITHUB : author,
        at,
        message,
        files,
      };
      commits.push(c);
      mainLine.push(meta(c, e, issueKeys));
    }
    snapshots.push(files);
    prevTime = at;
  }
  return { commits, mainLine };

  function meta(c, e, issueKeys) {
    return {
      mark: c.mark,
      at: c.at,
      subject: c.message.split('\n')[0],
      kind: e.kind,
      pr: e.pr,
      issueKeys: [...issueKeys].sort(),
      keyOnlyInBranch: Boolean(e.keyOnlyInBranch),
      deployable: !/^(docs|ci)(\(|:)/.test(e.subject),
      author: spec.authors[e.a].name,
    };
  }
}

// ---------------------------------------------------------------------------
// GitOps repository: rendering
// ---------------------------------------------------------------------------

const SERVICES = ['guestbook-ui', 'guestbook-api', 'guestbook-worker'];

const SERVICE_SPECS = {
  'guestbook-ui': {
    pathTemplate: 'apps/guestbook-ui/overlays/{environment}/kustomization.yaml',
    locator: { type: 'kustomize-image', image: 'ghcr.io/acme/guestbook-ui' },
  },
  'guestbook-api': {
    pathTemplate: 'apps/guestbook-api/{environment}/values.yaml',
    locator: { type: 'helm-values', path: 'image.tag' },
  },
  'guestbook-worker': {
    pathTemplate: 'apps/guestbook-worker/{environment}/deployment.yaml',
    locator: { type: 'container-image', container: 'worker' },
  },
};

const fileOf = (service, env) =>
  SERVICE_SPECS[service].pathTemplate.replace('{environment}', env);

/** A YAML plain scalar when safe, else double-quoted (e.g. all digits, 1e5). */
function yamlTag(tag) {
  return /^(\d+|\d*\.?\d+[eE][-+]?\d+|[0-9]+e[0-9]+)$/.test(tag)
    ? `"${tag}"`
    : tag;
}

const perEnv = v =>
  Object.fromEntries(
    ENVIRONMENTS.map(e => [e, typeof v === 'function' ? v(e) : v]),
  );

function initialState() {
  return {
    versions: Object.fromEntries(SERVICES.map(s => [s, perEnv(null)])),
    ui: {
      replicas: perEnv(e => (e.startsWith('prod') ? 2 : 1)),
      nginx: '1.25.4-alpine',
      pdb: perEnv(false),
    },
    api: {
      replicas: perEnv(e => (e.startsWith('prod') ? 3 : 1)),
      poolSize: perEnv(e => (e.startsWith('prod') ? 10 : 5)),
      logLevel: perEnv('info'),
      rateLimit: perEnv(30),
      resources: perEnv(false),
      readOnly: perEnv(false),
    },
    worker: {
      replicas: perEnv(e => (e.startsWith('prod') ? 2 : 1)),
      concurrency: perEnv(4),
      fluentBit: '2.2.2',
      spread: perEnv(false),
    },
    pipelineUrls: perEnv(e => e === 'dev' || e.startsWith('prod')),
    docs: { runbook: false, sreOwners: false },
  };
}

/**
 * The demo's deployment steps (docs/pipeline.md "Steps"), the defaults of
 * every environment: after a rollout, wait until the cluster runs the
 * version, then smoke-test it through the backend's demo endpoint, which
 * answers like the deployed guestbook would (500 for a bad version,
 * gitops.demoCluster.badVersionsFile); tell the owners either way. The
 * endpoint is the one target app-config.yaml allows
 * (gitops.steps.allowedTargets). Timings are short so that a failed
 * verification and its automatic rollback take well under a minute.
 */
export const DEMO_SMOKE_URL =
  'http://127.0.0.1:7007/api/gitops/demo/apps/{service}/{environment}/healthz';

const DEMO_STEPS = [
  '',
  '  # Deployment steps of every environment (dev and qa opt out below).',
  '  steps:',
  '    after:',
  '      - type: wait-healthy',
  '        timeout: 2m',
  '        options:',
  '          interval: 2s',
  '      - type: http',
  '        name: smoke',
  '        timeout: 1m',
  '        options:',
  `          url: ${DEMO_SMOKE_URL}`,
  `          successExpression: '$.status == "ok" and $.version == version'`,
  '          failureStatus: [500]',
  '          interval: 2s',
  '      - type: notify',
  '        name: notify-failed',
  '        when: onFailure',
  '        options:',
  "          title: '{service} {version} failed its post-rollout checks in {environment}'",
  '          description: The portal rolls {environment} back through Git unless it changed since.',
  '          severity: high',
  '          link: /catalog/default/component/{service}/gitops',
  '      - type: notify',
  '        name: notify-verified',
  '        options:',
  "          title: '{service} {version} verified in {environment}'",
  '          severity: low',
  '          link: /catalog/default/component/{service}/gitops',
];

const VERIFICATION_POLICY = [
  '        onFailedVerification: rollback',
  '        verificationWindow: 30m',
];

function renderPipeline(state) {
  const L = [
    'apiVersion: gitops2.io/v1alpha1',
    'kind: Pipeline',
    'metadata:',
    '  name: guestbook',
    'spec:',
    '  # Promotion order: dev -> qa -> staging -> prod (prod-us and prod-eu together).',
    '  stages:',
  ];
  for (const s of STAGES)
    L.push(
      `    - name: ${s.name}`,
      `      environments: [${s.environments.join(', ')}]`,
    );
  L.push(...DEMO_STEPS);
  L.push('', '  environments:');
  for (const e of ENVIRONMENTS) {
    const i = ENV_INFO[e];
    L.push(
      `    ${e}:`,
      `      cluster: ${i.cluster}`,
      `      namespace: ${i.namespace}`,
    );
    if (state.pipelineUrls[e]) L.push(`      url: https://${i.host}`);
    // Promotion policies (docs/pipeline.md): qa and staging are written
    // directly; prod needs a pull request approved by a release manager.
    // A failed verification in staging and prod rolls back through Git.
    if (e === 'qa') L.push('      promotion:', '        mode: direct');
    if (e === 'staging')
      L.push(
        '      promotion:',
        '        mode: direct',
        ...VERIFICATION_POLICY,
      );
    if (e.startsWith('prod'))
      L.push(
        '      promotion:',
        '        approvals: 1',
        '        approverGroup: group:default/release-managers',
        ...VERIFICATION_POLICY,
      );
    // The steps above are the defaults; dev and qa run none (so the bad
    // version went through qa unnoticed).
    if (e === 'dev' || e === 'qa')
      L.push('      steps:', '        after: [] # no verification here');
  }
  L.push(
    '',
    '  services:',
    '    guestbook-ui:',
    `      path: ${SERVICE_SPECS['guestbook-ui'].pathTemplate}`,
    '      locator:',
    '        type: kustomize-image',
    '        image: ghcr.io/acme/guestbook-ui',
    '    guestbook-api:',
    '      # Helm values of the guestbook-api chart (oci://ghcr.io/acme/charts/guestbook-api).',
    `      path: ${SERVICE_SPECS['guestbook-api'].pathTemplate}`,
    '      locator:',
    '        type: helm-values',
    '        path: image.tag',
    '    guestbook-worker:',
    '      # Plain manifests: a metrics Service and the Deployment (with a log-shipper sidecar).',
    `      path: ${SERVICE_SPECS['guestbook-worker'].pathTemplate}`,
    '      locator:',
    '        type: container-image',
    '        container: worker',
    '',
  );
  return L.join('\n');
}

function renderUiOverlay(env, state, tag) {
  const i = ENV_INFO[env];
  const L = [
    `# guestbook-ui, ${env} overlay (cluster ${i.cluster}).`,
    '# The guestbook-ui tag is the 12-character commit sha of acme/guestbook-ui;',
    '# it changes through promotions, see gitops-pipeline.yaml.',
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    `namespace: ${i.namespace}`,
    'resources:',
    '  - ../../base',
  ];
  if (state.ui.pdb[env]) L.push('  - pdb.yaml');
  L.push(
    'labels:',
    '  - pairs:',
    '      app.kubernetes.io/part-of: guestbook',
    `      acme.example/environment: ${env}`,
    'replicas:',
    '  - name: guestbook-ui',
    `    count: ${state.ui.replicas[env]}`,
    'configMapGenerator:',
    '  - name: guestbook-ui-config',
    '    behavior: merge',
    '    literals:',
    `      - API_URL=https://${i.host}/api`,
    `      - ENVIRONMENT=${env}`,
    'images:',
    '  # edge-proxy container',
    '  - name: nginx',
    `    newTag: ${state.ui.nginx}`,
    '  - name: ghcr.io/acme/guestbook-ui',
    `    newTag: ${yamlTag(tag)}`,
    '',
  );
  return L.join('\n');
}

const UI_BASE = {
  'apps/guestbook-ui/base/kustomization.yaml':
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n  - service.yaml\nconfigMapGenerator:\n  - name: guestbook-ui-config\n    literals:\n      - ENVIRONMENT=base\n',
  'apps/guestbook-ui/base/deployment.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: guestbook-ui',
    '  labels:',
    '    app.kubernetes.io/name: guestbook-ui',
    '    backstage.io/kubernetes-id: guestbook-ui',
    'spec:',
    '  replicas: 1',
    '  selector:',
    '    matchLabels:',
    '      app.kubernetes.io/name: guestbook-ui',
    '  template:',
    '    metadata:',
    '      labels:',
    '        app.kubernetes.io/name: guestbook-ui',
    '        backstage.io/kubernetes-id: guestbook-ui',
    '    spec:',
    '      containers:',
    '        - name: web',
    '          image: ghcr.io/acme/guestbook-ui:latest',
    '          ports:',
    '            - containerPort: 8080',
    '          envFrom:',
    '            - configMapRef:',
    '                name: guestbook-ui-config',
    '        - name: edge-proxy',
    '          image: nginx:latest',
    '          ports:',
    '            - name: http',
    '              containerPort: 80',
    '',
  ].join('\n'),
  'apps/guestbook-ui/base/service.yaml':
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: guestbook-ui\nspec:\n  selector:\n    app.kubernetes.io/name: guestbook-ui\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n',
};

function renderUiPdb() {
  return 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: guestbook-ui\nspec:\n  minAvailable: 2\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: guestbook-ui\n';
}

function renderApiValues(env, state, tag) {
  const i = ENV_INFO[env];
  const a = state.api;
  const L = [
    `# guestbook-api values for ${env}.`,
    '# Chart: oci://ghcr.io/acme/charts/guestbook-api (version pinned in Chart.lock of the platform repo).',
    `replicaCount: ${a.replicas[env]}`,
    '',
    'image:',
    '  repository: ghcr.io/acme/guestbook-api',
    '  # Set by promotions: 12-character commit sha of acme/guestbook-api.',
    `  tag: "${tag}"`,
    '  pullPolicy: IfNotPresent',
    '',
    'imagePullSecrets:',
    '  - name: ghcr-pull',
    '',
    'service:',
    '  type: ClusterIP',
    '  port: 8080',
    '',
    'ingress:',
    '  enabled: true',
    `  host: ${i.host}`,
    '  path: /api',
    '',
    'env:',
    `  LOG_LEVEL: ${a.logLevel[env]}`,
    `  DATABASE_POOL_SIZE: "${a.poolSize[env]}"`,
    `  RATE_LIMIT_PER_MINUTE: "${a.rateLimit[env]}"`,
  ];
  if (a.readOnly[env])
    L.push(
      '  # SAAS-1602: read-only until the qa database rebuild is done',
      '  READ_ONLY: "true"',
    );
  L.push('');
  if (a.resources[env]) {
    L.push(
      'resources:',
      '  requests:',
      '    cpu: 250m',
      '    memory: 256Mi',
      '  limits:',
      '    memory: 512Mi',
    );
  } else {
    L.push('resources: {}');
  }
  L.push(
    '',
    '# The database runs outside the cluster; the subchart stays disabled.',
    'postgresql:',
    '  enabled: false',
    '  image:',
    '    tag: "16.2"',
    '',
  );
  return L.join('\n');
}

function renderWorkerDeployment(env, state, tag) {
  const i = ENV_INFO[env];
  const w = state.worker;
  const L = [
    `# guestbook-worker in ${env}: metrics Service + Deployment.`,
    '# Promotions change only the image of the `worker` container; the',
    '# log-shipper sidecar is maintained by the platform team.',
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: guestbook-worker-metrics',
    `  namespace: ${i.namespace}`,
    '  labels:',
    '    app.kubernetes.io/name: guestbook-worker',
    'spec:',
    '  selector:',
    '    app.kubernetes.io/name: guestbook-worker',
    '  ports:',
    '    - name: metrics',
    '      port: 9102',
    '      targetPort: metrics',
    '---',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: guestbook-worker',
    `  namespace: ${i.namespace}`,
    '  labels:',
    '    app.kubernetes.io/name: guestbook-worker',
    '    app.kubernetes.io/part-of: guestbook',
    '    backstage.io/kubernetes-id: guestbook-worker',
    'spec:',
    `  replicas: ${w.replicas[env]}`,
    '  selector:',
    '    matchLabels:',
    '      app.kubernetes.io/name: guestbook-worker',
    '  template:',
    '    metadata:',
    '      labels:',
    '        app.kubernetes.io/name: guestbook-worker',
    '        backstage.io/kubernetes-id: guestbook-worker',
    '    spec:',
  ];
  if (w.spread[env]) {
    L.push(
      '      topologySpreadConstraints:',
      '        - maxSkew: 1',
      '          topologyKey: topology.kubernetes.io/zone',
      '          whenUnsatisfiable: ScheduleAnyway',
      '          labelSelector:',
      '            matchLabels:',
      '              app.kubernetes.io/name: guestbook-worker',
    );
  }
  L.push(
    '      containers:',
    '        - name: log-shipper',
    `          image: cr.fluentbit.io/fluent/fluent-bit:${w.fluentBit}`,
    '          resources:',
    '            limits:',
    '              memory: 64Mi',
    '        - name: worker',
    `          image: ghcr.io/acme/guestbook-worker:${tag}`,
    '          args: ["--queue", "guestbook-events"]',
    '          env:',
    '            - name: WORKER_CONCURRENCY',
    `              value: "${w.concurrency[env]}"`,
    '            - name: ENVIRONMENT',
    `              value: ${env}`,
    '          ports:',
    '            - name: metrics',
    '              containerPort: 9102',
    '',
  );
  return L.join('\n');
}

const GITOPS_README = `# guestbook GitOps repository

The clusters follow the \`main\` branch of this repository.

- \`gitops-pipeline.yaml\`: promotion order dev -> qa -> staging -> prod (prod-us + prod-eu)
  and where each service's version is.
- \`apps/guestbook-ui/\`: Kustomize base and one overlay per environment (\`images[].newTag\`).
- \`apps/guestbook-api/<env>/values.yaml\`: Helm values (\`image.tag\`).
- \`apps/guestbook-worker/<env>/deployment.yaml\`: plain manifests (container \`worker\`).

Versions are 12-character commit shas of the service's source repository. CI deploys every
merge to dev; promotions copy a version to the next stage (commit trailers
\`Gitops-Kind\` and \`Gitops-Source-Commit\`).
`;

const RUNBOOK = `# Rollback runbook

1. Find the last good version of the service in the environment (GitOps tab, rollouts).
2. Commit the old tag to the environment's manifest with the subject
   \`rollback <service> in <env> to <tag>\` and the trailer \`Gitops-Kind: rollback\`.
3. Open an incident (INC-…) and link it in the commit body.
4. Do not promote the service to that environment again until the incident is closed.
`;

function renderGitops(state, tagOf) {
  const files = new Map();
  files.set('README.md', GITOPS_README);
  files.set(
    '.github/CODEOWNERS',
    `* @acme/platform\n${
      state.docs.sreOwners
        ? 'apps/guestbook-*/prod-*/ @acme/sre\napps/guestbook-ui/overlays/prod-*/ @acme/sre\n'
        : ''
    }`,
  );
  files.set(PIPELINE_FILE, renderPipeline(state));
  if (state.docs.runbook) files.set('docs/runbooks/rollback.md', RUNBOOK);
  for (const [p, c] of Object.entries(UI_BASE)) files.set(p, c);
  for (const env of ENVIRONMENTS) {
    const v = state.versions;
    files.set(
      fileOf('guestbook-ui', env),
      renderUiOverlay(
        env,
        state,
        tagOf('guestbook-ui', v['guestbook-ui'][env]),
      ),
    );
    if (state.ui.pdb[env])
      files.set(`apps/guestbook-ui/overlays/${env}/pdb.yaml`, renderUiPdb());
    files.set(
      fileOf('guestbook-api', env),
      renderApiValues(
        env,
        state,
        tagOf('guestbook-api', v['guestbook-api'][env]),
      ),
    );
    files.set(
      fileOf('guestbook-worker', env),
      renderWorkerDeployment(
        env,
        state,
        tagOf('guestbook-worker', v['guestbook-worker'][env]),
      ),
    );
  }
  return files;
}

/** The version of a service as written in a manifest (what a locator reads). */
export function readVersionFromManifest(service, content) {
  const re = {
    'guestbook-ui':
      /- name: ghcr\.io\/acme\/guestbook-ui\n\s+newTag: "?([0-9a-f]+)"?/,
    'guestbook-api': /^image:\n(?:  .*\n)*?  tag: "([0-9a-f]+)"/m,
    'guestbook-worker':
      /- name: worker\n\s+image: ghcr\.io\/acme\/guestbook-worker:([0-9a-f]+)/,
  }[service];
  return re.exec(content)?.[1];
}

// ---------------------------------------------------------------------------
// GitOps repository: history
// ---------------------------------------------------------------------------

const stageIndexOf = env => STAGES.findIndex(s => s.environments.includes(env));

/** Rollout kind per docs/pipeline.md "How rollouts are derived". */
function deriveKind(message, service, env, version, versionsAfter) {
  const paras = message.trim().split(/\n\s*\n/);
  const last = paras.length > 1 ? paras[paras.length - 1] : '';
  const t = /^Gitops-Kind:\s*(promotion|rollback|direct)\s*$/im.exec(last);
  if (t) return t[1].toLowerCase();
  if (/rollback|roll back|revert/i.test(paras[0])) return 'rollback';
  const si = stageIndexOf(env);
  if (
    si > 0 &&
    STAGES[si - 1].environments.some(e => versionsAfter[service][e] === version)
  )
    return 'promotion';
  return 'direct';
}

/**
 * A rollout the GitOps history plans (one per service and environment whose
 * version a commit changes).
 * @typedef {{ service: string, environment: string, fromIdx: number | null,
 *   toIdx: number | null, kind: string, mark: number, at: number,
 *   author: string, file: string }} PlannedRollout
 */
/**
 * A commit of the planned GitOps history.
 * @typedef {{ mark: number, parents: number[],
 *   author: { name: string, email: string, tz: string }, at: number,
 *   message: string, files: ReturnType<typeof renderGitops>,
 *   rollouts: PlannedRollout[], branchOnly: boolean }} PlannedCommit
 */

function planGitops(clock, sources) {
  const rng = rngFor('gitops');
  const P = GITOPS_PEOPLE;
  // idx -> tag per service (main-line index).
  const tagOf = (svc, idx) => sources[svc].mainLine[idx].sha.slice(0, SHORT);
  const fullOf = (svc, idx) => sources[svc].mainLine[idx].sha;

  // ---- events ----
  const events = [];
  const add = (at, ev) => events.push({ at, seq: events.length, ...ev });
  const start = clock.at(GITOPS_START_DAY, 9, 12);
  add(start, { type: 'init' });
  for (const svc of SERVICES) {
    for (const [idx, m] of sources[svc].mainLine.entries()) {
      if (m.deployable && m.at > start)
        add(m.at + rng.int(14, 38) * MINUTE, { type: 'dev', svc, idx });
    }
    for (const [stage, days] of Object.entries(PROMOTION_DAYS[svc])) {
      for (const d of days) {
        add(clock.at(d, STAGE_HOURS[stage], rng.int(0, 50)), {
          type: 'promote',
          svc,
          stage,
          author: rng.pick(PROMOTERS),
        });
      }
    }
  }
  add(clock.at(ROLLBACK.day, ROLLBACK.hour, rng.int(5, 40)), {
    type: 'rollback',
  });
  add(
    clock.at(
      DIRECT_VERSION_CHANGE.day,
      DIRECT_VERSION_CHANGE.hour,
      rng.int(5, 40),
    ),
    { type: 'directVersion' },
  );
  for (const c of CONFIG_CHANGES) {
    add(clock.at(c.day, c.hour, rng.int(0, 50)), {
      type: c.pr ? 'prMerge' : 'config',
      change: c,
    });
    for (const [k, bc] of (c.commits ?? []).entries()) {
      add(clock.at(c.day, bc.hour, rng.int(0, 50)), {
        type: 'prCommit',
        change: c,
        k,
      });
    }
  }
  // The bad version's promotion (a fixed minute: the draws above stay as they were).
  add(clock.at(BAD_VERSION.day, BAD_VERSION.hour, 12), {
    type: 'promote',
    svc: BAD_VERSION.service,
    stage: BAD_VERSION.stage,
    author: BAD_VERSION.author,
    bad: true,
  });
  events.sort((a, b) => a.at - b.at || a.seq - b.seq);

  // ---- simulation ----
  let state = initialState();
  const history = Object.fromEntries(SERVICES.map(s => [s, perEnv(() => [])])); // version idx history
  const commits = [];
  const rollouts = [];
  const specials = {};
  let mark = 0;
  let prevAt = -Infinity;
  /** @type {PlannedCommit | undefined} */
  let head; // last main commit
  const prBranches = {};

  const setVersion = (st, svc, env, idx, { allowBackwards = false } = {}) => {
    const cur = st.versions[svc][env];
    if (cur !== null && idx < cur && !allowBackwards) {
      throw new Error(
        `demo: ${svc} in ${env} would move backwards (${cur} -> ${idx})`,
      );
    }
    st.versions[svc][env] = idx;
  };

  /**
   * @param {{ at: number, author: { name: string, email: string, tz: string },
   *   message: string, next: ReturnType<typeof initialState>,
   *   parents?: number[], branchOnly?: boolean }} c
   */
  const commit = ({ at, author, message, next, parents, branchOnly }) => {
    if (at <= prevAt) at = prevAt + MINUTE;
    prevAt = at;
    const files = renderGitops(next, tagOf);
    /** @type {PlannedCommit} */
    const c = {
      mark: ++mark,
      parents: parents ?? (head ? [head.mark] : []),
      author,
      at,
      message,
      files,
      rollouts: [],
      branchOnly: Boolean(branchOnly),
    };
    commits.push(c);
    if (branchOnly) return c;
    for (const svc of SERVICES) {
      for (const env of ENVIRONMENTS) {
        const from = state.versions[svc][env];
        const to = next.versions[svc][env];
        if (from === to) continue;
        const r = {
          service: svc,
          environment: env,
          fromIdx: from,
          toIdx: to,
          // The first version an environment has is `initial`.
          kind:
            from === null || from === undefined
              ? 'initial'
              : deriveKind(message, svc, env, to, next.versions),
          mark: c.mark,
          at,
          author: author.name,
          file: fileOf(svc, env),
        };
        rollouts.push(r);
        c.rollouts.push(r);
        history[svc][env].push(to);
      }
    }
    state = next;
    head = c;
    return c;
  };

  const clone = s => structuredClone(s);

  for (const ev of events) {
    if (ev.type === 'init') {
      const next = clone(state);
      for (const svc of SERVICES) {
        const deployable = sources[svc].mainLine
          .map((m, idx) => ({ m, idx }))
          .filter(({ m }) => m.deployable && m.at < ev.at)
          .map(({ idx }) => idx);
        const j = deployable.length - 1;
        const pickIdx = k => deployable[Math.max(0, j - k)];
        setVersion(next, svc, 'dev', pickIdx(0));
        setVersion(next, svc, 'qa', pickIdx(1));
        setVersion(next, svc, 'staging', pickIdx(2));
        setVersion(next, svc, 'prod-us', pickIdx(3));
        setVersion(next, svc, 'prod-eu', pickIdx(3));
      }
      commit({
        at: ev.at,
        author: P.tom,
        message:
          'Import the guestbook manifests\n\nguestbook-ui (Kustomize), guestbook-api (Helm values) and guestbook-worker\n(plain manifests) for dev, qa, staging, prod-us and prod-eu, with the\npromotion pipeline in gitops-pipeline.yaml.\n',
        next,
      });
    } else if (ev.type === 'dev') {
      const { svc, idx } = ev;
      if (state.versions[svc].dev >= idx) continue;
      const next = clone(state);
      setVersion(next, svc, 'dev', idx);
      const src = sources[svc].mainLine[idx];
      commit({
        at: ev.at,
        author: P.bot,
        message: `deploy ${svc} ${tagOf(
          svc,
          idx,
        )} to dev\n\nBuilt from ${ORG}/${svc} main: ${
          src.subject
        }\n\nGitops-Source-Commit: ${fullOf(svc, idx)}\n`,
        next,
      });
    } else if (ev.type === 'promote') {
      const { svc, stage } = ev;
      const si = STAGES.findIndex(s => s.name === stage);
      const fromEnv = STAGES[si - 1].environments[0];
      const idx = state.versions[svc][fromEnv];
      const targets = STAGES[si].environments.filter(
        e => state.versions[svc][e] < idx,
      );
      if (!targets.length) continue;
      const next = clone(state);
      for (const e of targets) setVersion(next, svc, e, idx);
      const tag = tagOf(svc, idx);
      const prev = targets
        .map(e => `${e} ${tagOf(svc, state.versions[svc][e])}`)
        .join(', ');
      const c = commit({
        at: ev.at,
        author: P[ev.author],
        message: `promote ${svc} ${tag} from ${fromEnv} to ${targets.join(
          ', ',
        )}\n\n${
          sources[svc].mainLine[idx].subject
        }\nPreviously: ${prev}.\n\nGitops-Kind: promotion\nGitops-Source-Commit: ${fullOf(
          svc,
          idx,
        )}\n`,
        next,
      });
      if (ev.bad) {
        if (sources[svc].mainLine[idx].pr !== BAD_VERSION.pr)
          throw new Error(
            `demo: the bad version must be ${svc} #${BAD_VERSION.pr}, not ${sources[svc].mainLine[idx].subject}`,
          );
        specials.bad = { svc, idx, mark: c.mark, at: c.at, env: targets[0] };
      }
    } else if (ev.type === 'rollback') {
      const { service: svc, environment: env } = ROLLBACK;
      const h = history[svc][env];
      const fromIdx = state.versions[svc][env];
      const toIdx = h[h.length - 2];
      const next = clone(state);
      setVersion(next, svc, env, toIdx, { allowBackwards: true });
      const reason = ROLLBACK.reason.replaceAll('{from}', tagOf(svc, fromIdx));
      const c = commit({
        at: ev.at,
        author: P[ROLLBACK.author],
        message: `rollback ${svc} in ${env} to ${tagOf(
          svc,
          toIdx,
        )}\n\n${reason}\n\nGitops-Kind: rollback\nGitops-Source-Commit: ${fullOf(
          svc,
          toIdx,
        )}\n`,
        next,
      });
      specials.rollback = {
        svc,
        env,
        fromIdx,
        toIdx,
        mark: c.mark,
        at: c.at,
        subject: c.message.split('\n')[0],
      };
    } else if (ev.type === 'directVersion') {
      const { service: svc, environment: env } = DIRECT_VERSION_CHANGE;
      const idx = state.versions[svc].dev;
      const fromIdx = state.versions[svc][env];
      const prevStage = STAGES[stageIndexOf(env) - 1].environments[0];
      if (!(idx > fromIdx && idx > state.versions[svc][prevStage])) {
        throw new Error(
          'demo: the direct version change must skip ahead of the previous stage',
        );
      }
      const next = clone(state);
      setVersion(next, svc, env, idx);
      const subject = DIRECT_VERSION_CHANGE.subject.replace(
        '{tag}',
        tagOf(svc, idx),
      );
      const c = commit({
        at: ev.at,
        author: P[DIRECT_VERSION_CHANGE.author],
        message: `${subject}\n\n${
          DIRECT_VERSION_CHANGE.body
        }\n\nGitops-Kind: direct\nGitops-Source-Commit: ${fullOf(svc, idx)}\n`,
        next,
      });
      specials.direct = {
        svc,
        env,
        fromIdx,
        toIdx: idx,
        mark: c.mark,
        at: c.at,
        subject,
      };
    } else if (ev.type === 'config') {
      const ch = ev.change;
      const next = clone(state);
      ch.mutate(next);
      commit({
        at: ev.at,
        author: P[ch.author],
        message: ch.body ? `${ch.subject}\n\n${ch.body}\n` : `${ch.subject}\n`,
        next,
      });
    } else if (ev.type === 'prCommit') {
      // A pull request of the GitOps repository: forks from main's head at
      // its first commit, merged later (the merge keeps what main got since).
      const ch = ev.change;
      const bc = ch.commits[ev.k];
      const br = (prBranches[ch.pr] ??= { tip: head, state: clone(state) });
      bc.mutate(br.state);
      br.tip = commit({
        at: ev.at,
        author: P[bc.author],
        message: `${bc.subject}\n`,
        next: clone(br.state),
        parents: [br.tip.mark],
        branchOnly: true,
      });
    } else if (ev.type === 'prMerge') {
      const ch = ev.change;
      const br = prBranches[ch.pr];
      const next = clone(state);
      for (const bc of ch.commits) bc.mutate(next);
      if (!head)
        throw new Error('demo: a pull request merged before the first commit');
      const c = commit({
        at: ev.at,
        author: P[ch.author],
        message: `Merge pull request #${ch.pr} from ${ORG}/${ch.branch}\n\n${ch.title}\n`,
        next,
        parents: [head.mark, br.tip.mark],
      });
      specials.configPr = { mark: c.mark };
    }
  }
  return { commits, rollouts, specials, state, history, head, tagOf, fullOf };
}

// ---------------------------------------------------------------------------
// Directory handling: idempotent, atomic (build in <dir>.tmp-<pid>, rename)
// ---------------------------------------------------------------------------

/** The `.complete` marker of a demo directory, or undefined. */
export function readComplete(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, COMPLETE_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Empty, or holding only the portal's database: a backend started before the
 * demo existed made it, and it describes no repository, so it goes too.
 */
function onlyDatabaseIn(dir) {
  try {
    return fs.readdirSync(dir).every(name => name === DATABASE_DIR);
  } catch {
    return true;
  }
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return /** @type {NodeJS.ErrnoException} */ (e).code === 'EPERM';
  }
}

/** Removes `<dir>.tmp-<pid>` / `<dir>.old-<pid>` left by runs that died. */
function removeStaleSiblings(dir) {
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  let names = [];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const n of names) {
    const m = new RegExp(
      `^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-(\\d+)$`,
    ).exec(n);
    if (m && Number(m[2]) !== process.pid && !pidAlive(Number(m[2]))) {
      fs.rmSync(path.join(parent, n), { recursive: true, force: true });
    }
  }
}

// ---------------------------------------------------------------------------
// Build
// ---------------------------------------------------------------------------

function build(root, nowMs) {
  const clock = makeClock(nowMs);

  // 1. Source repositories.
  const sources = {};
  for (const spec of SOURCES) {
    const { commits, mainLine } = planSource(spec, clock);
    const dir = path.join(root, 'sources', spec.name);
    const marks = importCommits(dir, commits);
    for (const c of commits) c.sha = marks.get(c.mark);
    for (const m of mainLine) {
      m.sha = marks.get(m.mark);
      for (const b of m.branchCommits ?? []) b.sha = marks.get(b.mark);
    }
    sources[spec.name] = { spec, commits, mainLine, marks };
  }

  // 2. GitOps repository.
  const g = planGitops(clock, sources);
  const gitopsDir = path.join(root, 'gitops');
  const gmarks = importCommits(gitopsDir, g.commits);
  const shaOf = mark => gmarks.get(mark);
  writePortalCommits(root, g, shaOf);

  // 3. The second GitOps repository: a real fleet's shape (fleet-lib.mjs).
  const fleet = buildFleet(root, clock.anchor, importCommits);

  return { ...summarize({ clock, nowMs, sources, g, shaOf }), fleet };
}

/**
 * The promotions and the rollback of the generated history stand for commits
 * the portal wrote: the ledger trusts their Gitops-* trailers only when it
 * knows that (gitops_portal_commits). The backend imports this file at
 * startup (gitops.repositories[].portalCommitsFile in app-config.yaml). CI
 * deploys and hand-made commits (the hotfix) are not in it.
 */
function writePortalCommits(root, g, shaOf) {
  const commits = g.commits
    .filter(c => !c.branchOnly && portalKindOf(c.message))
    .map(c => ({
      sha: shaOf(c.mark),
      kind: portalKindOf(c.message),
      subject: c.message.split('\n')[0],
    }));
  fs.writeFileSync(
    path.join(root, PORTAL_COMMITS_FILE),
    `${JSON.stringify(
      {
        about:
          'GitOps commits of the demo that the portal wrote (promotions, rollbacks); imported by the backend at startup so their Gitops-* trailers are trusted',
        repository: 'gitops',
        commits,
      },
      null,
      2,
    )}\n`,
  );
}

/** `promotion` / `rollback` when a commit message carries the portal's Gitops-Kind trailer. */
function portalKindOf(message) {
  const paras = message.trim().split(/\n\s*\n/);
  const last = paras.length > 1 ? paras[paras.length - 1] : '';
  return /^Gitops-Kind:\s*(promotion|rollback)\s*$/im.exec(last)?.[1];
}

function summarize({ clock, nowMs, sources, g, shaOf }) {
  const { tagOf, fullOf } = g;
  const mainCommits = g.commits.filter(c => !c.branchOnly);
  const lastChange = {};
  for (const r of g.rollouts) lastChange[`${r.service}/${r.environment}`] = r;

  const services = {};
  const headFiles = g.head.files;
  for (const svc of SERVICES) {
    const envs = {};
    for (const env of ENVIRONMENTS) {
      const idx = g.state.versions[svc][env];
      const file = fileOf(svc, env);
      const content = headFiles.get(file);
      const version = tagOf(svc, idx);
      const line = content.split('\n').findIndex(l => l.includes(version)) + 1;
      const lc = lastChange[`${svc}/${env}`];
      envs[env] = {
        version,
        sourceCommit: fullOf(svc, idx),
        sourceSubject: sources[svc].mainLine[idx].subject,
        file,
        line,
        lastChange: {
          gitopsCommit: shaOf(lc.mark),
          kind: lc.kind,
          at: iso(lc.at),
        },
      };
    }
    services[svc] = {
      ...SERVICE_SPECS[svc],
      image: sources[svc].spec.image,
      environments: envs,
    };
  }

  const rb = g.specials.rollback;
  const rollback = {
    service: rb.svc,
    environment: rb.env,
    from: tagOf(rb.svc, rb.fromIdx),
    to: tagOf(rb.svc, rb.toIdx),
    fromSourceCommit: fullOf(rb.svc, rb.fromIdx),
    toSourceCommit: fullOf(rb.svc, rb.toIdx),
    gitopsCommit: shaOf(rb.mark),
    subject: rb.subject,
    at: iso(rb.at),
    file: fileOf(rb.svc, rb.env),
  };
  if (g.state.versions[rb.svc][rb.env] !== rb.toIdx)
    throw new Error('demo: prod-eu must stay on the rolled-back version');

  const dv = g.specials.direct;
  const directVersionChange = {
    service: dv.svc,
    environment: dv.env,
    from: tagOf(dv.svc, dv.fromIdx),
    to: tagOf(dv.svc, dv.toIdx),
    gitopsCommit: shaOf(dv.mark),
    subject: dv.subject,
    at: iso(dv.at),
  };

  // The bad version: promoted to qa, where no smoke test runs; staging still
  // runs an older version, so a person can promote it there.
  const bad = g.specials.bad;
  if (!bad) throw new Error('demo: the bad version was never promoted');
  const badRunsIn = ENVIRONMENTS.filter(
    e => g.state.versions[bad.svc][e] === bad.idx,
  );
  if (
    !badRunsIn.includes(bad.env) ||
    g.state.versions[bad.svc].staging >= bad.idx
  )
    throw new Error(
      'demo: the bad version must run in qa and be newer than staging',
    );
  const badVersions = [
    {
      service: bad.svc,
      version: tagOf(bad.svc, bad.idx),
      sourceCommit: fullOf(bad.svc, bad.idx),
      sourceSubject: sources[bad.svc].mainLine[bad.idx].subject,
      environments: badRunsIn,
      promotedTo: bad.env,
      gitopsCommit: shaOf(bad.mark),
      at: iso(bad.at),
      reason: BAD_VERSION.reason,
    },
  ];

  // Lagging environment.
  const lsvc = LAGGING.service;
  const lenv = LAGGING.environment;
  const lagIdx = g.state.versions[lsvc][lenv];
  const devIdx = g.state.versions[lsvc].dev;
  const devVersionsSince = new Set(
    g.rollouts
      .filter(
        r => r.service === lsvc && r.environment === 'dev' && r.toIdx > lagIdx,
      )
      .map(r => r.toIdx),
  );
  const laggingChange = lastChange[`${lsvc}/${lenv}`];
  const lagging = {
    service: lsvc,
    environment: lenv,
    version: tagOf(lsvc, lagIdx),
    since: iso(laggingChange.at),
    lastChange: shaOf(laggingChange.mark),
    comparedTo: { environment: 'dev', version: tagOf(lsvc, devIdx) },
    versionsBehind: devVersionsSince.size,
    sameVersion: ENVIRONMENTS.filter(
      e => e !== lenv && g.state.versions[lsvc][e] === lagIdx,
    ),
    reason: LAGGING.reason,
  };
  if (lagging.versionsBehind < 4)
    throw new Error(
      'demo: the lagging environment must be several versions behind',
    );

  // Where the feature issue went.
  const ui = sources['guestbook-ui'];
  const featureCommits = [];
  let minIdx = Infinity;
  let maxIdx = -Infinity;
  for (const [idx, m] of ui.mainLine.entries()) {
    const hits = [];
    for (const b of m.branchCommits ?? []) {
      const c = ui.commits.find(x => x.mark === b.mark);
      if (c.message.includes(FEATURE_ISSUE))
        hits.push({
          sha: b.sha,
          subject: c.message.split('\n')[0],
          keyIn: 'message',
          onMainLine: false,
        });
    }
    const mc = ui.commits.find(x => x.mark === m.mark);
    if (mc.message.includes(FEATURE_ISSUE)) {
      hits.push({
        sha: m.sha,
        subject: m.subject,
        keyIn: m.kind === 'merge' ? 'branch name' : 'message',
        onMainLine: true,
      });
    }
    if (hits.length) {
      featureCommits.push(...hits);
      minIdx = Math.min(minIdx, idx);
      maxIdx = Math.max(maxIdx, idx);
    }
  }
  const featureEnvs = {};
  for (const env of ENVIRONMENTS) {
    const idx = g.state.versions['guestbook-ui'][env];
    const first = g.rollouts.find(
      r =>
        r.service === 'guestbook-ui' &&
        r.environment === env &&
        r.toIdx >= maxIdx &&
        (r.fromIdx ?? -1) < maxIdx,
    );
    const removed = g.rollouts.find(
      r =>
        r.service === 'guestbook-ui' &&
        r.environment === env &&
        r.toIdx < minIdx &&
        r.fromIdx >= maxIdx,
    );
    featureEnvs[env] = {
      deployed: idx >= maxIdx,
      version: tagOf('guestbook-ui', idx),
      ...(first
        ? { deployedBy: shaOf(first.mark), deployedAt: iso(first.at) }
        : {}),
      ...(removed
        ? { removedBy: shaOf(removed.mark), removedAt: iso(removed.at) }
        : {}),
    };
  }
  for (const env of ENVIRONMENTS) {
    if (featureEnvs[env].deployed !== (env !== rb.env))
      throw new Error(`demo: ${FEATURE_ISSUE} story broken in ${env}`);
  }
  if (!(rb.fromIdx >= maxIdx && rb.toIdx < minIdx))
    throw new Error(`demo: the rollback must remove ${FEATURE_ISSUE}`);

  const kob = ui.mainLine.find(m => m.keyOnlyInBranch);
  const keyOnlyInBranchName = {
    repo: 'guestbook-ui',
    issue: kob.issueKeys[0],
    mergeCommit: kob.sha,
    subject: kob.subject,
    branch: kob.branch,
    branchCommits: kob.branchCommits.map(b => b.sha),
  };

  const byKind = { initial: 0, promotion: 0, rollback: 0, direct: 0 };
  for (const r of g.rollouts) byKind[r.kind]++;

  const summary = {
    generatorVersion: GENERATOR_VERSION,
    anchorDay: iso(clock.anchor).slice(0, 10),
    now: iso(nowMs),
    gitops: {
      path: 'gitops',
      branch: 'main',
      head: shaOf(g.head.mark),
      commits: g.commits.length,
      firstCommitAt: iso(g.commits[0].at),
      lastCommitAt: iso(g.head.at),
      pipelineFile: PIPELINE_FILE,
      stages: STAGES,
      environments: ENVIRONMENTS.map(e => ({
        name: e,
        ...ENV_INFO[e],
        url: `https://${ENV_INFO[e].host}`,
      })).map(({ host, ...rest }) => rest),
      configPullRequestMerge: shaOf(g.specials.configPr.mark),
    },
    sources: Object.fromEntries(
      SOURCES.map(s => {
        const src = sources[s.name];
        return [
          s.name,
          {
            path: `sources/${s.name}`,
            branch: 'main',
            head: src.mainLine[src.mainLine.length - 1].sha,
            commits: src.commits.length,
            mainLineCommits: src.mainLine.length,
            mergeCommits: src.mainLine.filter(m => m.kind === 'merge').length,
            authors: s.authors.map(a => a.name),
            image: s.image,
            firstCommitAt: iso(src.commits[0].at),
            lastCommitAt: iso(src.mainLine[src.mainLine.length - 1].at),
          },
        ];
      }),
    ),
    services,
    rollback,
    lagging,
    directVersionChange,
    badVersions,
    issues: {
      [FEATURE_ISSUE]: {
        repo: 'guestbook-ui',
        title: 'Dark mode',
        commits: featureCommits,
        firstVersion: tagOf('guestbook-ui', maxIdx),
        environments: featureEnvs,
      },
    },
    keyOnlyInBranchName,
    rollouts: g.rollouts.map(r => ({
      service: r.service,
      environment: r.environment,
      from: r.fromIdx === null ? null : tagOf(r.service, r.fromIdx),
      to: tagOf(r.service, r.toIdx),
      kind: r.kind,
      gitopsCommit: shaOf(r.mark),
      at: iso(r.at),
      author: r.author,
      file: r.file,
    })),
    counts: {
      gitopsCommits: g.commits.length,
      gitopsFirstParentCommits: mainCommits.length,
      rollouts: g.rollouts.length,
      rolloutsByKind: byKind,
    },
  };
  return summary;
}

/**
 * Creates the demo under `dir` once. Returns the summary (the content of
 * demo-summary.json) plus `dir`, `skipped` (true when an up-to-date demo was
 * already there) and `durationMs`.
 *
 * @param {{ dir?: string, now?: number | Date | string, force?: boolean }} [options]
 *   `dir` is required (checked at run time)
 */
export function createDemo({ dir, now = Date.now(), force = false } = {}) {
  if (!dir) throw new Error('createDemo: `dir` is required');
  const t0 = performance.now();
  dir = path.resolve(dir);
  const nowMs = typeof now === 'number' ? now : new Date(now).getTime();
  if (!Number.isFinite(nowMs))
    throw new Error(`createDemo: bad \`now\`: ${now}`);

  const existing = readComplete(dir);
  if (existing?.generatorVersion === GENERATOR_VERSION && !force) {
    const summary = JSON.parse(
      fs.readFileSync(path.join(dir, SUMMARY_FILE), 'utf8'),
    );
    return {
      ...summary,
      dir,
      skipped: true,
      durationMs: performance.now() - t0,
    };
  }
  if (fs.existsSync(dir) && !existing && !onlyDatabaseIn(dir)) {
    throw new Error(
      `${dir} exists but is not a demo directory (no ${COMPLETE_FILE}); remove it or choose another --dir`,
    );
  }

  fs.mkdirSync(path.dirname(dir), { recursive: true });
  removeStaleSiblings(dir);
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  let summary;
  try {
    summary = build(tmp, nowMs);
    fs.writeFileSync(
      path.join(tmp, SUMMARY_FILE),
      `${JSON.stringify(summary, null, 2)}\n`,
    );
    fs.writeFileSync(
      path.join(tmp, COMPLETE_FILE),
      `${JSON.stringify({
        generatorVersion: GENERATOR_VERSION,
        anchorDay: summary.anchorDay,
        createdAt: iso(Date.now()),
      })}\n`,
    );
    // Swap into place.
    if (fs.existsSync(dir)) {
      const old = `${dir}.old-${process.pid}`;
      fs.renameSync(dir, old);
      fs.renameSync(tmp, dir);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      try {
        fs.renameSync(tmp, dir);
      } catch (e) {
        // Another run finished first: keep its demo when it is current.
        if (readComplete(dir)?.generatorVersion !== GENERATOR_VERSION) throw e;
        fs.rmSync(tmp, { recursive: true, force: true });
        const theirs = JSON.parse(
          fs.readFileSync(path.join(dir, SUMMARY_FILE), 'utf8'),
        );
        return {
          ...theirs,
          dir,
          skipped: true,
          durationMs: performance.now() - t0,
        };
      }
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return {
    ...summary,
    dir,
    skipped: false,
    durationMs: performance.now() - t0,
  };
}
