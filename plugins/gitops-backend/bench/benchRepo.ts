/*
 * The benchmarks' generated GitOps repository (bench/ingest.ts,
 * bench/replicas.ts): S services × 5 environments, a bootstrap commit that
 * deploys v0 everywhere, then N - 1 commits that each bump one service in one
 * environment (a deterministic pseudo-random walk), written with git
 * fast-import.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export const BENCH_ENVS = ['dev', 'qa', 'staging', 'prod-us', 'prod-eu'];

export interface BenchRepoOptions {
  services: number;
  /** Commits in all, the bootstrap commit included. */
  commits: number;
  /** Seed of the walk (42: bench/ingest.ts's history). */
  seed?: number;
}

/**
 * The rollouts a full ingestion records: one `initial` per service ×
 * environment (the bootstrap commit) and one per later commit (each changes a
 * version).
 */
export function expectedRollouts(o: BenchRepoOptions): number {
  return o.services * BENCH_ENVS.length + (o.commits - 1);
}

export function benchPipelineFile(services: number): string {
  const entries = Array.from(
    { length: services },
    (_, i) => `    svc-${i}:
      path: apps/svc-${i}/{environment}/kustomization.yaml
      locator:
        type: kustomize-image
        image: ghcr.io/acme/svc-${i}
`,
  ).join('');
  return `apiVersion: gitops2.io/v1alpha1
kind: Pipeline
metadata:
  name: bench
spec:
  stages:
    - name: dev
      environments: [dev]
    - name: qa
      environments: [qa]
    - name: staging
      environments: [staging]
    - name: prod
      environments: [prod-us, prod-eu]
  environments:
${BENCH_ENVS.map(
  e => `    ${e}:\n      cluster: ${e}-cluster\n      namespace: bench\n`,
).join('')}  services:
${entries}`;
}

export const benchKustomization = (svc: number, tag: string) =>
  `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base\nimages:\n  - name: ghcr.io/acme/svc-${svc}\n    newTag: ${tag}\n`;

/** Writes the history with git fast-import (seconds instead of minutes); returns the head sha. */
export function generateBenchRepo(dir: string, o: BenchRepoOptions): string {
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  const lines: string[] = [];
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}`;
  let t = Date.parse('2025-01-01T00:00:00Z') / 1000;
  let mark = 0;
  const commit = (msg: string, files: Array<[string, string]>) => {
    mark++;
    t += 600;
    const from = mark > 1 ? `from :${mark - 1}\n` : '';
    const changes = files
      .map(([p, c]) => `M 100644 inline ${p}\n${data(c)}`)
      .join('\n');
    lines.push(
      `commit refs/heads/main\nmark :${mark}\ncommitter Bench Bot <bench@example.com> ${t} +0000\n${data(
        msg,
      )}\n${from}${changes}\n`,
    );
  };
  const initial: Array<[string, string]> = [
    ['gitops-pipeline.yaml', benchPipelineFile(o.services)],
  ];
  for (let s = 0; s < o.services; s++) {
    for (const e of BENCH_ENVS)
      initial.push([
        `apps/svc-${s}/${e}/kustomization.yaml`,
        benchKustomization(s, 'v0'),
      ]);
  }
  commit('bootstrap', initial);
  // Deterministic pseudo-random walk: each commit bumps one service in one environment.
  let seed = o.seed ?? 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const version = new Map<string, number>();
  for (let i = 1; i < o.commits; i++) {
    const s = rand(o.services);
    const e = BENCH_ENVS[rand(BENCH_ENVS.length)];
    const k = `${s}/${e}`;
    const v = (version.get(k) ?? 0) + 1;
    version.set(k, v);
    commit(`bump svc-${s} to v${v} in ${e}`, [
      [`apps/svc-${s}/${e}/kustomization.yaml`, benchKustomization(s, `v${v}`)],
    ]);
  }
  const r = spawnSync('git', ['fast-import', '--quiet'], {
    cwd: dir,
    input: lines.join(''),
  });
  if (r.status !== 0) throw new Error(`fast-import failed: ${r.stderr}`);
  return execFileSync('git', ['-C', dir, 'rev-parse', 'main'])
    .toString()
    .trim();
}
