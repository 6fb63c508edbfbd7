/*
 * A repository the double serves: `owner/name`, its bare Git repository,
 * its pull requests, and a lock that runs its writes one at a time.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { GitRepo } from './git/GitRepo';
import { PullRequests } from './pulls/PullRequests';
import { RepoUrls } from './shapes/common';
import { Mutex } from './util';

/** How to serve a repository. */
export interface RepoSpec {
  /** `owner/name` */
  slug: string;
  /** A local repository (path or file:// URL) to `git clone --bare` into the double's work directory. */
  from?: string;
  /** An existing bare repository to serve in place (writes change it). */
  bare?: string;
  /** Default branch (default: the bare repository's HEAD, else `main`). */
  defaultBranch?: string;
}

export class ServedRepo {
  readonly lock = new Mutex();
  /** CI results per commit sha (GraphQL `statusCheckRollup` context nodes), set by tests. */
  readonly checks = new Map<string, unknown[]>();

  private constructor(
    readonly owner: string,
    readonly name: string,
    readonly id: number,
    readonly git: GitRepo,
    readonly pulls: PullRequests,
    readonly defaultBranch: string,
    readonly createdAt: string,
  ) {}

  get slug(): string {
    return `${this.owner}/${this.name}`;
  }

  static async create(
    spec: RepoSpec,
    options: {
      id: number;
      workDir: string;
      clock: () => string;
      nextId: () => number;
    },
  ): Promise<ServedRepo> {
    const m = spec.slug.match(/^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/);
    if (!m) throw new Error(`repository slug "${spec.slug}" is not owner/name`);
    const [, owner, name] = m;
    let git: GitRepo;
    if (spec.bare && !spec.from) {
      git = await GitRepo.open(spec.bare);
    } else if (spec.from) {
      const target = path.join(options.workDir, `${owner}+${name}.git`);
      await fs.rm(target, { recursive: true, force: true });
      git = await GitRepo.cloneBare(spec.from, target);
    } else {
      throw new Error(`repository ${spec.slug}: give \`from\` or \`bare\``);
    }
    const defaultBranch =
      spec.defaultBranch ?? (await git.headBranch()) ?? 'main';
    const pulls = new PullRequests(git, owner, options.clock, options.nextId);
    return new ServedRepo(
      owner,
      name,
      options.id,
      git,
      pulls,
      defaultBranch,
      options.clock(),
    );
  }

  urls(api: string, html: string): RepoUrls {
    return { api, html, owner: this.owner, name: this.name, id: this.id };
  }
}
