/**
 * Reading feature references out of commit messages: pull request numbers
 * (GitHub squash and merge subjects), branch names and issue keys.
 */

/** `Merge pull request #150 from acme/SAAS-1543-dark-mode` */
const MERGE_SUBJECT = /^Merge pull request #([0-9]{1,9}) from (\S+)/;
/** `feat(i18n): add French translation (#130)` (the last `(#n)` of the subject) */
const SQUASH_SUBJECT = /\(#([0-9]{1,9})\)\s*$/;
const CO_AUTHOR = /^Co-authored-by:\s*(.+?)\s*(<[^>]*>)?\s*$/gim;

export interface MergeInfo {
  number: number;
  branch: string;
  /** The pull request title GitHub puts in the merge body. */
  title?: string;
}

/** The pull request a merge commit merged, from its message. */
export function parseMergeMessage(message: string): MergeInfo | undefined {
  const [subject, ...rest] = message.split('\n');
  const m = MERGE_SUBJECT.exec(subject);
  if (!m) return undefined;
  const title = rest.map(l => l.trim()).find(l => l.length > 0);
  return { number: Number(m[1]), branch: m[2], title: title?.slice(0, 1024) };
}

/** The pull request of a squash commit `… (#130)`. */
export function parseSquashSubject(subject: string): number | undefined {
  const m = SQUASH_SUBJECT.exec(subject);
  return m ? Number(m[1]) : undefined;
}

/** Names of `Co-authored-by:` trailers. */
export function coAuthorsOf(message: string): string[] {
  const names: string[] = [];
  for (const m of message.matchAll(CO_AUTHOR)) {
    if (m[1] && !names.includes(m[1])) names.push(m[1]);
  }
  return names;
}

/**
 * Finds issue keys with the configured patterns. A match must not be glued to
 * a preceding letter or digit (`XSAAS-1` is not `SAAS-1`); keys are upper-cased
 * and deduplicated in order of appearance.
 */
export class IssueKeyExtractor {
  private readonly patterns: RegExp[];

  constructor(patterns: string[]) {
    this.patterns = patterns.map(p => new RegExp(p, 'g'));
  }

  extract(...texts: Array<string | undefined>): string[] {
    const keys: string[] = [];
    for (const text of texts) {
      if (!text) continue;
      for (const re of this.patterns) {
        re.lastIndex = 0;
        for (const m of text.matchAll(re)) {
          const before = m.index! > 0 ? text[m.index! - 1] : '';
          if (/[A-Za-z0-9]/.test(before) || m[0].length === 0) continue;
          const key = m[0].toUpperCase().slice(0, 255);
          if (!keys.includes(key)) keys.push(key);
        }
      }
    }
    return keys;
  }
}
