import { runGit } from '../git/runGit';
import { Direction, RawCommit } from './analyzeCommits';
import { Comparison, SourceRepository } from './types';

const RS = '\x1e';
const US = '\x1f';
const FORMAT = `--format=${RS}%m${US}%H${US}%P${US}%an${US}%ae${US}%cI${US}%B`;

/** A source repository on the backend's file system, read with the git CLI. */
export class LocalSourceRepository implements SourceRepository {
  constructor(
    /** e.g. `demo:guestbook-ui` */
    readonly id: string,
    readonly dir: string,
    private readonly templates: {
      commitUrlTemplate?: string;
      pullRequestUrlTemplate?: string;
    } = {},
  ) {}

  commitUrl(sha: string): string | undefined {
    return this.templates.commitUrlTemplate?.replace(/\{sha\}/g, sha);
  }

  pullRequestUrl(n: number): string | undefined {
    return this.templates.pullRequestUrlTemplate?.replace(
      /\{number\}/g,
      String(n),
    );
  }

  /**
   * Which candidate revisions name a commit of this repository: one
   * `git cat-file --batch-check` process for all of them. Returns candidate →
   * full sha for those that resolve (unique prefix or full sha).
   */
  async resolveFirst(groups: string[][]): Promise<Map<string, string>> {
    return this.verify(groups.flat());
  }

  async verify(candidates: string[]): Promise<Map<string, string>> {
    const unique = [
      ...new Set(candidates.filter(c => /^[0-9a-f]{4,64}$/.test(c))),
    ];
    const result = new Map<string, string>();
    if (unique.length === 0) return result;
    const out = await runGit(
      this.dir,
      ['cat-file', '--batch-check=%(objectname) %(objecttype)'],
      { input: `${unique.map(c => `${c}^{commit}`).join('\n')}\n` },
    );
    const lines = out.split('\n');
    unique.forEach((c, i) => {
      const m = /^([0-9a-f]{40,64}) commit$/.exec(lines[i] ?? '');
      if (m) result.set(c, m[1]);
    });
    return result;
  }

  /**
   * The commits of `to` not in `from` (added) and of `from` not in `to`
   * (removed), in one `git log --left-right` process. Without `from` (first
   * deployment): up to `baselineMax` commits reachable from `to` (baseline).
   * Newest first.
   */
  async compare(
    from: string | null,
    to: string,
    baselineMax: number,
  ): Promise<Comparison> {
    const args = from
      ? ['log', '--topo-order', '--left-right', FORMAT, `${from}...${to}`, '--']
      : [
          'log',
          '--topo-order',
          `--max-count=${baselineMax + 1}`,
          FORMAT,
          to,
          '--',
        ];
    if (!from && baselineMax === 0) return { commits: [], truncated: true };
    const out = await runGit(this.dir, args);
    const commits: RawCommit[] = [];
    for (const record of out.split(RS)) {
      if (!record.trim()) continue;
      const [
        mark,
        sha,
        parents,
        authorName,
        authorEmail,
        committedAt,
        ...message
      ] = record.split(US);
      let direction: Direction = 'baseline';
      if (from) direction = mark === '<' ? 'removed' : 'added';
      commits.push({
        sha,
        parents: parents ? parents.split(' ') : [],
        authorName,
        authorEmail,
        committedAt: new Date(committedAt).toISOString(),
        message: message.join(US).replace(/\n+$/, ''),
        direction,
      });
    }
    if (!from && commits.length > baselineMax) {
      commits.length = baselineMax;
      return { commits, truncated: true };
    }
    return { commits, truncated: false };
  }
}
