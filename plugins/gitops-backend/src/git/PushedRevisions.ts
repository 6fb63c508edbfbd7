import { LruCache } from './LruCache';

const SHA = /^[0-9a-f]{40}$/;
const PREFIX = /^[0-9a-f]{7,39}$/;
/** The short forms images are usually tagged with (`git rev-parse --short`, 12 …). */
const PREFIX_LENGTHS = [7, 8, 9, 10, 11, 12];

/** What a `push` webhook says of a source repository's commits. */
export interface PushedCommits {
  /** Full shas of the pushed commits (the payload's `commits[].id`, `head_commit.id`). */
  shas: string[];
}

/**
 * Revisions of a GitHub source repository learnt from its `push` webhooks
 * (issue #11: "keep its commits from the payload so correlation needs fewer
 * requests"): the full shas of the pushed commits and their short forms,
 * so that resolving a new version built from one (an image tagged with its
 * short sha) costs no request. Only what a payload states
 * outright is kept: a commit's parents and files are not in a payload, so
 * comparisons still ask GitHub. A short form two pushed commits share is
 * left to GitHub. Bounded (LRU), per backend replica: a replica that did
 * not receive the push asks GitHub as before.
 */
export class PushedRevisions {
  private readonly refs: LruCache<string | null>;

  constructor(max = 50_000) {
    this.refs = new LruCache(max);
  }

  remember(push: PushedCommits): number {
    let kept = 0;
    for (const sha of push.shas) {
      if (!SHA.test(sha)) continue;
      this.refs.set(sha, sha);
      for (const n of PREFIX_LENGTHS) {
        const prefix = sha.slice(0, n);
        const known = this.refs.get(prefix);
        // null: ambiguous among pushed commits, for good.
        if (known === undefined) this.refs.set(prefix, sha);
        else if (known !== null && known !== sha) this.refs.set(prefix, null);
      }
      kept++;
    }
    return kept;
  }

  /** The full sha a revision names, when a push said so. */
  resolve(ref: string): string | undefined {
    return SHA.test(ref) || PREFIX.test(ref)
      ? this.refs.get(ref) ?? undefined
      : undefined;
  }
}
