/**
 * Version → source commit strategies. Each names the candidate commit a
 * version points at, or says why it cannot; the correlator verifies all
 * candidates of a rollout in one git process and takes the first that
 * resolves, in registry order. Nothing is ever guessed: when no strategy
 * yields a commit, the rollout is `unmapped` with the notes of every strategy.
 */

export interface VersionContext {
  /** The version (image tag) as written in the manifest. */
  version: string;
  /** `Gitops-Source-Commit` trailer of a GitOps commit that deployed this version. */
  trailerSha?: string;
}

export type StrategyResult =
  | { candidate: string; note: string }
  | { note: string };

export interface VersionStrategy {
  readonly name: string;
  candidate(ctx: VersionContext): StrategyResult;
}

/** The `Gitops-Source-Commit: <sha>` trailer (stored by ingestion). */
export const trailerStrategy: VersionStrategy = {
  name: 'trailer',
  candidate: ({ trailerSha }) =>
    trailerSha
      ? {
          candidate: trailerSha.toLowerCase(),
          note: `Gitops-Source-Commit trailer ${trailerSha}`,
        }
      : { note: 'no Gitops-Source-Commit trailer deployed this version' },
};

/** The tag itself is a short (7+) or full commit sha. */
export const shaTagStrategy: VersionStrategy = {
  name: 'sha-tag',
  candidate: ({ version }) =>
    /^[0-9a-f]{7,40}$/i.test(version)
      ? {
          candidate: version.toLowerCase(),
          note: `tag "${version}" as a commit sha`,
        }
      : { note: `tag "${version}" is not a commit sha` },
};

/** `gitops.correlation.tagPattern`: a regex with a named group `sha`. */
export function tagPatternStrategy(pattern: string): VersionStrategy {
  const re = new RegExp(pattern);
  return {
    name: 'tag-pattern',
    candidate: ({ version }) => {
      const sha = re.exec(version)?.groups?.sha;
      return sha && /^[0-9a-f]{4,64}$/i.test(sha)
        ? {
            candidate: sha.toLowerCase(),
            note: `tag pattern ${pattern} → ${sha}`,
          }
        : {
            note: `tag "${version}" does not match gitops.correlation.tagPattern ${pattern}`,
          };
    },
  };
}

/**
 * The OCI label `org.opencontainers.image.revision` would need access to the
 * image registry, which the backend does not have: documented, never used.
 */
export const ociLabelStrategy: VersionStrategy = {
  name: 'oci-label',
  candidate: () => ({
    note: 'OCI label org.opencontainers.image.revision not read (no registry access)',
  }),
};

export class VersionStrategyRegistry {
  constructor(readonly strategies: VersionStrategy[]) {}

  static create(options: { tagPattern?: string }): VersionStrategyRegistry {
    return new VersionStrategyRegistry([
      trailerStrategy,
      shaTagStrategy,
      ...(options.tagPattern ? [tagPatternStrategy(options.tagPattern)] : []),
      ociLabelStrategy,
    ]);
  }

  candidates(
    ctx: VersionContext,
  ): Array<{ strategy: string } & StrategyResult> {
    return this.strategies.map(s => ({
      strategy: s.name,
      ...s.candidate(ctx),
    }));
  }
}

export type VersionResolution =
  | { status: 'mapped'; sha: string; strategy: string }
  | { status: 'unmapped' | 'unknown-commit'; message: string };

/** Picks the first verified candidate, or explains what was tried. */
export function resolveVersion(
  ctx: VersionContext,
  registry: VersionStrategyRegistry,
  verified: Map<string, string>,
  repositoryId: string,
): VersionResolution {
  const tried = registry.candidates(ctx);
  for (const t of tried) {
    if ('candidate' in t && verified.has(t.candidate)) {
      return {
        status: 'mapped',
        sha: verified.get(t.candidate)!,
        strategy: t.strategy,
      };
    }
  }
  const missing = tried.filter(t => 'candidate' in t);
  const notes = tried.map(t =>
    'candidate' in t ? `${t.note}: not a commit of ${repositoryId}` : t.note,
  );
  if (missing.length > 0) {
    return {
      status: 'unknown-commit',
      message: `version ${ctx.version}: ${notes.join(
        '; ',
      )} (force-pushed or deleted?)`,
    };
  }
  return {
    status: 'unmapped',
    message: `version ${
      ctx.version
    } could not be mapped to a source commit: ${notes.join('; ')}`,
  };
}
