import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A GitOps repository with a long history, written in one `git fast-import`
 * run (hundreds of commits in well under a second), and one source
 * repository per service whose commits are the versions deployed.
 */

export interface Person {
  name: string;
  email: string;
}

/** One version change: one commit of the GitOps repository. */
export interface VersionChange {
  service: string;
  environment: string;
  /** 1-based release number of the service. */
  release: number;
  /** The deployed tag: the first 12 hex digits of the source commit. */
  version: string;
  /** Epoch milliseconds (whole seconds) of the commit. */
  at: number;
  author: Person;
  /** Filled in after the import. */
  sha: string;
}

export interface GeneratedHistory {
  /** Oldest first. */
  changes: VersionChange[];
  /** The commit that adds the pipeline file, if any (the last one). */
  pipelineCommit?: { sha: string; at: number; author: Person };
  /** Source commit shas per service, release 1 first. */
  sourceShas: Record<string, string[]>;
  /** Issue key of a release: `<SERVICE>-<release>` in its commit message. */
  issueKey(service: string, release: number): string;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

const AUTHORS: Person[] = [
  'Ada Lovelace',
  'Grace Hopper',
  'Alan Turing',
  'Katherine Johnson',
  'Edsger Dijkstra',
  'Barbara Liskov',
  'Ken Thompson',
  'Margaret Hamilton',
].map(name => ({
  name,
  email: `${name.split(' ')[0].toLowerCase()}@acme.example`,
}));

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function git(dir: string, args: string[], input?: string): string {
  return execFileSync('git', ['-c', 'commit.gpgsign=false', ...args], {
    cwd: dir,
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
  });
}

const ident = (p: Person, at: number) =>
  `${p.name} <${p.email}> ${Math.floor(at / 1000)} +0000`;

function data(text: string): string {
  return `data ${Buffer.byteLength(text)}\n${text}\n`;
}

export function kustomizationOf(service: string, tag: string): string {
  return `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
images:
  - name: ghcr.io/acme/${service}
    newTag: ${tag}
`;
}

/** dev → qa → staging → prod, one Kustomize overlay per service and environment. */
export function yearPipeline(services: string[]): string {
  return `apiVersion: gitops2.io/v1alpha1
kind: Pipeline
metadata:
  name: shop
spec:
  stages:
    - name: dev
      environments: [dev]
    - name: qa
      environments: [qa]
    - name: staging
      environments: [staging]
    - name: prod
      environments: [prod]
  environments:
    dev: { cluster: dev-cluster, namespace: shop-dev }
    qa: { cluster: dev-cluster, namespace: shop-qa }
    staging: { cluster: staging-cluster, namespace: shop }
    prod: { cluster: prod-cluster, namespace: shop }
  services:
${services
  .map(
    s => `    ${s}:
      path: apps/${s}/{environment}/kustomization.yaml
      locator:
        type: kustomize-image
        image: ghcr.io/acme/${s}`,
  )
  .join('\n')}
`;
}

export const YEAR_ENVIRONMENTS = ['dev', 'qa', 'staging', 'prod'];

/**
 * Writes the history: every release of every service goes dev → qa →
 * staging → prod within 11 days, a release every 14 days per service, from
 * `start` for `releases` releases (26 releases: a year). Each version
 * change is its own commit by one of 8 authors; a housekeeping commit
 * (no version change) every 10th. With `pipeline`, a last commit adds the
 * pipeline file.
 */
export function generateHistory(options: {
  gitopsDir: string;
  sourcesDir: string;
  services: string[];
  releases: number;
  start: number;
  pipeline?: { file: string; content: string };
  seed?: number;
}): GeneratedHistory {
  const rnd = random(options.seed ?? 12);
  const { services, releases, start } = options;
  const issueKey = (service: string, release: number) =>
    `${service.toUpperCase().replace(/[^A-Z]/g, '')}-${release}`;

  // Source repositories: one commit per release.
  const sourceShas: Record<string, string[]> = {};
  for (const service of services) {
    const dir = path.join(options.sourcesDir, service);
    fs.mkdirSync(dir, { recursive: true });
    git(dir, ['init', '-q', '-b', 'main']);
    let stream = '';
    for (let r = 1; r <= releases; r++) {
      const at = start + (r - 1) * 14 * DAY - DAY;
      const author = AUTHORS[(r * 3) % AUTHORS.length];
      stream += `commit refs/heads/main\nmark :${r}\n`;
      stream += `author ${ident(author, at)}\ncommitter ${ident(author, at)}\n`;
      stream += data(
        `feat(${service}): change ${r}\n\nCloses ${issueKey(service, r)}`,
      );
      if (r > 1) stream += `from :${r - 1}\n`;
      stream += `M 100644 inline CHANGELOG.md\n${data(`release ${r}\n`)}\n`;
    }
    git(dir, ['fast-import', '--quiet'], stream);
    sourceShas[service] = git(dir, ['rev-list', '--reverse', 'main'])
      .trim()
      .split('\n');
  }

  // Version changes, in time order.
  const changes: VersionChange[] = [];
  services.forEach((service, s) => {
    for (let r = 1; r <= releases; r++) {
      let at = start + (r - 1) * 14 * DAY + s * 5 * HOUR;
      at += Math.floor(rnd() * 2 * DAY);
      for (const [e, environment] of YEAR_ENVIRONMENTS.entries()) {
        if (e > 0) at += DAY + Math.floor(rnd() * 2 * DAY);
        changes.push({
          service,
          environment,
          release: r,
          version: sourceShas[service][r - 1].slice(0, 12),
          at: Math.floor(at / 1000) * 1000,
          author: AUTHORS[Math.floor(rnd() * AUTHORS.length)],
          sha: '',
        });
      }
    }
  });
  changes.sort((a, b) => a.at - b.at);
  // Distinct commit times (a second apart at least), still in order.
  for (let i = 1; i < changes.length; i++) {
    if (changes[i].at <= changes[i - 1].at)
      changes[i].at = changes[i - 1].at + 1000;
  }

  const dir = options.gitopsDir;
  fs.mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'main']);
  let stream = '';
  let mark = 0;
  const marks: Array<{ mark: number; change?: VersionChange }> = [];
  const commit = (
    at: number,
    author: Person,
    message: string,
    files: Array<{ path: string; content: string }>,
    change?: VersionChange,
  ) => {
    mark++;
    stream += `commit refs/heads/main\nmark :${mark}\n`;
    stream += `author ${ident(author, at)}\ncommitter ${ident(author, at)}\n`;
    stream += data(message);
    if (mark > 1) stream += `from :${mark - 1}\n`;
    for (const f of files)
      stream += `M 100644 inline ${f.path}\n${data(f.content)}`;
    stream += '\n';
    marks.push({ mark, change });
  };
  changes.forEach((c, i) => {
    if (i % 10 === 9) {
      commit(c.at - 500, AUTHORS[i % AUTHORS.length], 'docs: housekeeping', [
        { path: 'README.md', content: `# shop gitops\n\nrevision ${i}\n` },
      ]);
    }
    commit(
      c.at,
      c.author,
      `deploy ${c.service} ${c.version} to ${c.environment}`,
      [
        {
          path: `apps/${c.service}/${c.environment}/kustomization.yaml`,
          content: kustomizationOf(c.service, c.version),
        },
      ],
      c,
    );
  });
  let pipelineCommit: GeneratedHistory['pipelineCommit'];
  if (options.pipeline) {
    const at = changes[changes.length - 1].at + DAY;
    const author = { name: 'Pat Adopter', email: 'pat@acme.example' };
    commit(at, author, 'adopt the GitOps portal', [
      { path: options.pipeline.file, content: options.pipeline.content },
    ]);
    pipelineCommit = { sha: '', at, author };
  }
  const marksFile = path.join(dir, '.git', 'generated-marks');
  git(dir, ['fast-import', '--quiet', `--export-marks=${marksFile}`], stream);
  const shaOf = new Map<number, string>();
  for (const line of fs.readFileSync(marksFile, 'utf8').split('\n')) {
    const m = /^:(\d+) ([0-9a-f]{40})$/.exec(line);
    if (m) shaOf.set(Number(m[1]), m[2]);
  }
  for (const m of marks) if (m.change) m.change.sha = shaOf.get(m.mark)!;
  if (pipelineCommit) pipelineCommit.sha = shaOf.get(mark)!;
  return { changes, pipelineCommit, sourceShas, issueKey };
}
