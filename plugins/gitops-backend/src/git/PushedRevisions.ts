import { LruCache } from './LruCache';

const SHA = /^[0-9a-f]{40}$/;

/** What a `push` webhook says of a source repository's commits. */
export interface PushedCommits {
  /** Full shas of the pushed commits (the payload's `commits[].id`, `head_commit.id`). */
  shas: string[];
}

/**
 * Commits of a GitHub source repository learnt from its `push` webhooks
 * (issue #11: "keep its commits from the payload so correlation needs fewer
 * requests"): resolving a new version tagged with a pushed commit's full
 * sha costs no request. Short forms are left to GitHub: a 7-character
 * prefix is unique among the commits one replica saw, not in the
 * repository, and a commit sharing it can be crafted in seconds and pushed
 * to any branch (hostile review). Only what a payload states outright is
 * kept (no parents, no files: comparisons still ask GitHub). Bounded (LRU),
 * per backend replica: a replica that did not receive the push asks GitHub
 * as before.
 */
export class PushedRevisions {
  private readonly shas: LruCache<true>;

  constructor(max = 50_000) {
    this.shas = new LruCache(max);
  }

  remember(push: PushedCommits): number {
    let kept = 0;
    for (const sha of push.shas) {
      if (!SHA.test(sha)) continue;
      this.shas.set(sha, true);
      kept++;
    }
    return kept;
  }

  /** The full sha, when a push named that commit. */
  resolve(ref: string): string | undefined {
    return SHA.test(ref) && this.shas.get(ref) ? ref : undefined;
  }
}
