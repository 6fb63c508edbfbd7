import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { GitHubApiDouble, start } from '@gitops2/github-api-double';
import knexFactory, { Knex } from 'knex';
import { parseDocument, Document } from 'yaml';
import { Replica } from './Replica';
import { StepTarget } from './StepTarget';

const ROOT = path.resolve(__dirname, '../../..');
export const PG_URL =
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
  'postgresql://postgres@127.0.0.1:5432';
export const GH_SLUG = 'acme/gitops';
const GH_TOKEN = 'fault-injection-token';
/** The GitHub webhook secret of both replicas (events.modules.github). */
export const WEBHOOK_SECRET = 'fault-injection-webhook-secret';

/** The demo's services, again under the repository served by the GitHub double. */
const GH_ENTITIES = ['guestbook-ui', 'guestbook-api', 'guestbook-worker']
  .map(
    name => `---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}-gh
  annotations:
    gitops2.io/gitops-repo: demo-gh
    gitops2.io/service: ${name}
spec:
  type: service
  owner: guestbook-team
  lifecycle: production
  system: guestbook
`,
  )
  .join('');

/**
 * Kills the backend that runs a `git update-ref` matching the armed
 * pattern, right after the ref moved (`committed`): git runs the hook, the
 * backend (node) is git's parent.
 */
const KILL_HOOK = `#!/bin/sh
[ "$1" = committed ] || { cat >/dev/null; exit 0; }
flag="$(git rev-parse --git-dir)/kill-when"
[ -f "$flag" ] || { cat >/dev/null; exit 0; }
pattern="$(cat "$flag")"
if grep -q -- "$pattern"; then
  rm -f "$flag"
  backend="$(ps -o ppid= -p $PPID | tr -d ' ')"
  kill -9 "$backend"
fi
exit 0
`;

/** A port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ApiResponse {
  status: number;
  body: any;
}

/**
 * What the suite runs against: the demo's Git repositories in a temp dir,
 * the GitHub API double serving a copy of the GitOps repository, two
 * backend replicas on one PostgreSQL database (a fresh set of databases
 * per run, dropped afterwards), and the two demo identities' tokens.
 */
export class Deployment {
  readonly replicas: Replica[] = [];
  tokens: { guest: string; rita: string } = { guest: '', rita: '' };
  gh!: GitHubApiDouble;
  db!: Knex;
  /** The target of deployment steps (allowlisted in both replicas' config). */
  target!: StepTarget;

  private constructor(readonly workDir: string, readonly prefix: string) {}

  get demoGitops(): string {
    return path.join(this.workDir, 'demo', 'gitops');
  }

  static async create(): Promise<Deployment> {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-faults-'));
    const prefix = `gf${randomBytes(4).toString('hex')}_`;
    const d = new Deployment(workDir, prefix);
    try {
      await d.setUp();
    } catch (e) {
      await d.cleanup();
      throw e;
    }
    return d;
  }

  private async setUp(): Promise<void> {
    const workDir = this.workDir;
    const prefix = this.prefix;
    const demo = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'scripts/demo/create-demo.mjs'),
        '--dir',
        path.join(workDir, 'demo'),
      ],
      { encoding: 'utf8' },
    );
    if (demo.status !== 0) throw new Error(`demo: ${demo.stderr}`);
    // The demo verifies staging and prod after each rollout (wait-healthy
    // and a smoke test against the demo cluster, off here) and rolls back
    // when that fails: the write-path scenarios are about writes, so their
    // environments get no steps (the steps scenarios declare their own).
    this.editPipeline(doc => {
      doc.deleteIn(['spec', 'steps']);
    }, 'fault injection: no deployment steps by default');
    fs.writeFileSync(
      path.join(this.demoGitops, '.git/hooks/reference-transaction'),
      KILL_HOOK,
      { mode: 0o755 },
    );
    this.gh = await start({
      repos: [{ slug: GH_SLUG, from: this.demoGitops }],
      token: GH_TOKEN,
    });
    fs.writeFileSync(path.join(workDir, 'gh-entities.yaml'), GH_ENTITIES);
    this.target = await StepTarget.start();
    for (const name of ['replica-a', 'replica-b']) {
      const port = await freePort();
      const overlay = path.join(workDir, `${name}.yaml`);
      fs.writeFileSync(overlay, JSON.stringify(this.overlay(port), null, 2));
      this.replicas.push(
        new Replica(
          name,
          port,
          [path.join(ROOT, 'app-config.yaml'), overlay],
          workDir,
        ),
      );
    }
    // One after the other: on a fresh database the first replica runs the
    // migrations (knex's migration lock table is not safe to create twice
    // at once).
    for (const r of this.replicas) await r.start();
    this.db = knexFactory({
      client: 'pg',
      connection: `${PG_URL}/${prefix}gitops`,
      pool: { min: 0, max: 4 },
    });
    this.tokens = {
      guest: await this.token(this.replicas[0], 'guest'),
      rita: await this.token(this.replicas[0], 'release-manager'),
    };
  }

  private overlay(port: number) {
    return {
      backend: {
        baseUrl: `http://localhost:${port}`,
        listen: { port },
        database: { client: 'pg', connection: PG_URL, prefix: this.prefix },
      },
      events: { modules: { github: { webhookSecret: WEBHOOK_SECRET } } },
      integrations: {
        github: [
          { host: 'github.com', apiBaseUrl: this.gh.url, token: GH_TOKEN },
        ],
      },
      catalog: {
        locations: [
          {
            type: 'file',
            target: path.join(ROOT, 'examples/org.yaml'),
            rules: [{ allow: ['User', 'Group'] }],
          },
          {
            type: 'file',
            target: path.join(ROOT, 'examples/gitops-demo.yaml'),
            rules: [{ allow: ['Component', 'System', 'Group', 'User'] }],
          },
          {
            type: 'file',
            target: path.join(this.workDir, 'gh-entities.yaml'),
            rules: [{ allow: ['Component'] }],
          },
        ],
      },
      gitops: {
        repositories: [
          {
            id: 'demo',
            provider: 'local',
            url: this.demoGitops,
            branch: 'main',
            pipelineFile: 'gitops-pipeline.yaml',
          },
          {
            id: 'demo-gh',
            provider: 'github',
            url: `https://github.com/${GH_SLUG}`,
            branch: 'main',
            pipelineFile: 'gitops-pipeline.yaml',
          },
        ],
        sourceRoots: [
          {
            id: 'demo',
            provider: 'local',
            path: path.join(this.workDir, 'demo', 'sources'),
          },
        ],
        ingestion: { frequency: { seconds: 2 } },
        demoCluster: { enabled: false },
        promotion: { leaseSeconds: 4, reconcileFrequency: { seconds: 1 } },
        steps: { allowedTargets: [`${this.target.url}/smoke/`] },
      },
    };
  }

  /** A user token from a demo sign-in (waits for the catalog to know the user). */
  private async token(replica: Replica, provider: string): Promise<string> {
    const until = Date.now() + 120_000;
    let last = '';
    while (Date.now() < until) {
      const res = await fetch(`${replica.url}/api/auth/${provider}/refresh`, {
        headers: { 'x-requested-with': 'XMLHttpRequest' },
      });
      const body: any = await res.json().catch(() => ({}));
      if (res.ok && body.backstageIdentity?.token)
        return body.backstageIdentity.token;
      last = JSON.stringify(body).slice(0, 200);
      await new Promise(r => setTimeout(r, 1000));
    }
    throw new Error(`no ${provider} token: ${last}`);
  }

  async api(
    replica: Replica,
    token: string,
    method: string,
    apiPath: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse> {
    const res = await fetch(`${replica.url}/api/gitops${apiPath}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  }

  /** Arms the local repository's hook: the next matching ref update kills its writer. */
  killOnLocalRefUpdate(refPattern: string): void {
    fs.writeFileSync(path.join(this.demoGitops, '.git/kill-when'), refPattern);
  }

  disarmLocal(): void {
    fs.rmSync(path.join(this.demoGitops, '.git/kill-when'), { force: true });
  }

  git(...args: string[]): string {
    return this.gitWith({}, ...args);
  }

  private gitWith(
    options: { env?: Record<string, string>; input?: string },
    ...args: string[]
  ): string {
    const r = spawnSync('git', args, {
      cwd: this.demoGitops,
      encoding: 'utf8',
      input: options.input,
      env: { ...process.env, ...options.env },
    });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  }

  /**
   * Changes the pipeline file of the local repository on `main`, the way the
   * backends write (plumbing, compare-and-swap on the ref): the checked-out
   * work tree is never used, since the backends move `main` under it.
   */
  editPipeline(edit: (pipeline: Document) => void, message: string): string {
    const file = 'gitops-pipeline.yaml';
    const head = this.git('rev-parse', 'main');
    const doc = parseDocument(this.git('show', `${head}:${file}`));
    edit(doc);
    const blob = this.gitWith(
      { input: doc.toString() },
      'hash-object',
      '-w',
      '--stdin',
    );
    const index = path.join(this.workDir, 'pipeline-edit.index');
    const env = {
      GIT_INDEX_FILE: index,
      GIT_AUTHOR_NAME: 'Fault Injection',
      GIT_AUTHOR_EMAIL: 'faults@example.com',
      GIT_COMMITTER_NAME: 'Fault Injection',
      GIT_COMMITTER_EMAIL: 'faults@example.com',
    };
    this.gitWith({ env }, 'read-tree', head);
    this.gitWith(
      { env },
      'update-index',
      '--cacheinfo',
      `100644,${blob},${file}`,
    );
    const tree = this.gitWith({ env }, 'write-tree');
    fs.rmSync(index, { force: true });
    const commit = this.gitWith(
      { env, input: message },
      'commit-tree',
      tree,
      '-p',
      head,
    );
    this.git('update-ref', 'refs/heads/main', commit, head);
    return commit;
  }

  async action(id: string): Promise<any> {
    return this.db('gitops_actions').where({ id }).first();
  }

  async waitFor<T>(
    what: string,
    check: () => Promise<T | undefined | false>,
    ms = 60_000,
  ): Promise<{ value: T; afterMs: number }> {
    const started = Date.now();
    for (;;) {
      const v = await check();
      if (v) return { value: v, afterMs: Date.now() - started };
      if (Date.now() - started > ms)
        throw new Error(
          `${what}: not within ${ms} ms\n${this.replicas
            .map(r => `--- ${r.name}\n${r.tail(25)}`)
            .join('\n')}`,
        );
      await new Promise(r => setTimeout(r, 100));
    }
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.replicas.map(r => r.stop()));
    await this.gh?.close();
    await this.target?.close();
    await this.db?.destroy();
    const admin = knexFactory({ client: 'pg', connection: PG_URL });
    try {
      const { rows } = await admin.raw(
        'select datname from pg_database where datname like ?',
        [`${this.prefix}%`],
      );
      for (const { datname } of rows)
        await admin.raw(`drop database if exists "${datname}" with (force)`);
    } finally {
      await admin.destroy();
    }
    if (!process.env.GITOPS_FAULTS_KEEP)
      fs.rmSync(this.workDir, { recursive: true, force: true });
  }
}
