import { structuredPatch } from 'diff';

/**
 * Lines inserted or removed (a new stage in the pipeline file, a new or
 * deleted file): jsdiff's line diff, so that a reviewer sees only what was
 * added or removed, every other line as context (two lines).
 */
function lineDiff(
  header: string,
  file: string,
  before: string,
  after: string,
): string {
  const { hunks } = structuredPatch(file, file, before, after, '', '', {
    context: 2,
  });
  return (
    header +
    hunks
      .map(
        h =>
          `@@ -${h.oldLines === 0 ? h.oldStart - 1 : h.oldStart},${
            h.oldLines
          } +${h.newLines === 0 ? h.newStart - 1 : h.newStart},${
            h.newLines
          } @@\n${h.lines
            .filter(l => !l.startsWith('\\'))
            .map(l => `${l}\n`)
            .join('')}`,
      )
      .join('')
  );
}

/**
 * A unified diff of a manifest whose edit only replaced text inside lines
 * (what version locators do): changed lines with two lines of context.
 */
export function manifestDiff(
  file: string,
  before: string,
  after: string,
): string {
  const a = before.split('\n');
  const b = after.split('\n');
  const header = `--- a/${file}\n+++ b/${file}\n`;
  if (a.length !== b.length) return lineDiff(header, file, before, after);
  const changed = a.map((l, i) => l !== b[i]);
  const hunks: string[] = [];
  let i = 0;
  while (i < a.length) {
    if (!changed[i]) {
      i++;
      continue;
    }
    const start = Math.max(0, i - 2);
    let end = i;
    while (
      end + 1 < a.length &&
      (changed[end + 1] || changed.slice(end + 1, end + 4).some(Boolean))
    )
      end++;
    end = Math.min(a.length - 1, end + 2);
    const lines: string[] = [];
    for (let j = start; j <= end; j++) {
      if (changed[j]) lines.push(`-${a[j]}`, `+${b[j]}`);
      else lines.push(` ${a[j]}`);
    }
    const n = end - start + 1;
    hunks.push(
      `@@ -${start + 1},${n} +${start + 1},${n} @@\n${lines.join('\n')}\n`,
    );
    i = end + 1;
  }
  return hunks.length ? header + hunks.join('') : '';
}
