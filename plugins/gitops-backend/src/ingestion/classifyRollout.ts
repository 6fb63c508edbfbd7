import type { RolloutKind } from '@gitops2/plugin-gitops-common';

/** Trailers of a commit message (`Key: value` lines of the last paragraph). */
export function parseTrailers(message: string): Record<string, string> {
  const paragraphs = message.trim().split(/\n\s*\n/);
  if (paragraphs.length < 2) return {};
  const last = paragraphs[paragraphs.length - 1].split('\n');
  const trailers: Record<string, string> = {};
  for (const line of last) {
    const m = /^([A-Za-z][A-Za-z0-9-]*):\s*(.+)$/.exec(line.trim());
    if (!m) return {}; // not a trailer block
    trailers[m[1].toLowerCase()] = m[2].trim();
  }
  return trailers;
}

const ROLLBACK_SUBJECT = /\b(roll(ed|ing)?[\s-]?back|revert(ed|s)?)\b/i;

/**
 * The kind of a rollout, by precedence: the first version an environment
 * ever had is `initial` (nothing was promoted over or rolled back from);
 * then explicit trailer, subject wording, the version coming from the
 * previous stage, else a direct change.
 */
export function classifyRollout(options: {
  trailers: Record<string, string>;
  subject: string;
  /** The version before; null when the environment had none. */
  fromVersion: string | null;
  toVersion: string;
  previousStageVersions: Array<string | null | undefined>;
}): RolloutKind {
  if (options.fromVersion === null) return 'initial';
  const explicit = options.trailers['gitops-kind']?.toLowerCase();
  if (
    explicit === 'promotion' ||
    explicit === 'rollback' ||
    explicit === 'direct'
  ) {
    return explicit;
  }
  if (ROLLBACK_SUBJECT.test(options.subject)) return 'rollback';
  if (options.previousStageVersions.some(v => v === options.toVersion)) {
    return 'promotion';
  }
  return 'direct';
}
