/* Parses `git diff-tree -r -M -z` output (`--raw` and `--numstat`) into GitHub's file changes. */
import type { FileChange } from './types';

const STATUS: Record<string, FileChange['status']> = {
  A: 'added',
  D: 'removed',
  R: 'renamed',
  C: 'copied',
  T: 'changed',
  M: 'modified',
};

function numstats(numstat: string): Map<string, { add: number; del: number }> {
  const counts = new Map<string, { add: number; del: number }>();
  const n = numstat.split('\x00');
  for (let i = 0; i < n.length; i++) {
    const m = n[i].match(/^(-|\d+)\t(-|\d+)\t(.*)$/s);
    if (!m) continue;
    let file = m[3];
    if (file === '') {
      // A rename or copy: `<add>\t<del>\t\0<from>\0<to>\0`
      file = n[i + 2];
      i += 2;
    }
    counts.set(file, {
      add: m[1] === '-' ? 0 : Number(m[1]), // binary: `-`
      del: m[2] === '-' ? 0 : Number(m[2]),
    });
  }
  return counts;
}

/** File changes in diff-tree order; a mode-only change is `changed`, as GitHub says. */
export function parseDiffTree(raw: string, numstat: string): FileChange[] {
  const counts = numstats(numstat);
  const changes: FileChange[] = [];
  const r = raw.split('\x00');
  for (let i = 0; i < r.length; i++) {
    const m = r[i].match(
      /^:(\d+) (\d+) ([0-9a-f]+) ([0-9a-f]+) ([AMDRCT])(\d*)$/,
    );
    if (!m) continue;
    const [, oldMode, newMode, oldSha, newSha, letter] = m;
    let previousFilename: string | undefined;
    let filename = r[++i];
    if (letter === 'R' || letter === 'C') {
      previousFilename = filename;
      filename = r[++i];
    }
    let status = STATUS[letter];
    if (letter === 'M' && oldSha === newSha && oldMode !== newMode) {
      status = 'changed';
    }
    const c = counts.get(filename) ?? { add: 0, del: 0 };
    changes.push({
      status,
      filename,
      ...(previousFilename ? { previousFilename } : {}),
      sha: letter === 'D' ? oldSha : newSha,
      additions: c.add,
      deletions: c.del,
    });
  }
  return changes;
}
