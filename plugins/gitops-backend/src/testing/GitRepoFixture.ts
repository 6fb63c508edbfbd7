import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A real Git repository in a temp dir, for tests: write files and commit them
 * with controlled authors and dates.
 */
export class GitRepoFixture {
  readonly dir: string;
  private clock: number;

  constructor(prefix = 'gitops-fixture-') {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.clock = Date.parse('2026-10-01T09:00:00Z');
    this.git('init', '-q', '-b', 'main');
  }

  git(...args: string[]): string {
    return execFileSync('git', ['-c', 'commit.gpgsign=false', ...args], {
      cwd: this.dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: this.author.name,
        GIT_AUTHOR_EMAIL: this.author.email,
        GIT_COMMITTER_NAME: this.author.name,
        GIT_COMMITTER_EMAIL: this.author.email,
        GIT_AUTHOR_DATE: new Date(this.clock).toISOString(),
        GIT_COMMITTER_DATE: new Date(this.clock).toISOString(),
      },
    }).trim();
  }

  author = { name: 'Ada Lovelace', email: 'ada@example.com' };

  write(file: string, content: string): this {
    const full = path.join(this.dir, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
    return this;
  }

  remove(file: string): this {
    fs.rmSync(path.join(this.dir, file));
    return this;
  }

  /** Commits everything; returns the new sha. Each commit is 1 hour later. */
  commit(message: string, author?: { name: string; email: string }): string {
    if (author) this.author = author;
    this.clock += 3600_000;
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD');
  }

  head(): string {
    return this.git('rev-parse', 'HEAD');
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A small pipeline: dev → staging → prod-us + prod-eu, one Kustomize service. */
export const TWO_STAGE_PIPELINE = `apiVersion: gitops2.io/v1alpha1
kind: Pipeline
metadata:
  name: shop
spec:
  stages:
    - name: dev
      environments: [dev]
    - name: staging
      environments: [staging]
    - name: prod
      environments: [prod-us, prod-eu]
  environments:
    dev:
      cluster: dev-cluster
      namespace: shop-dev
      url: https://dev.shop.example.com
    staging:
      cluster: staging-cluster
      namespace: shop
    prod-us:
      cluster: prod-us-cluster
      namespace: shop
    prod-eu:
      cluster: prod-eu-cluster
      namespace: shop
  services:
    cart:
      path: apps/cart/{environment}/kustomization.yaml
      locator:
        type: kustomize-image
        image: ghcr.io/acme/cart
`;

export function kustomization(tag: string): string {
  return `# cart overlay
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../base
images:
  - name: ghcr.io/acme/cart
    newTag: ${tag} # bumped by CI
`;
}
