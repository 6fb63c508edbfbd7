/** Levenshtein distance (insertions, deletions, substitutions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLocaleLowerCase('en-US');
  const t = b.toLocaleLowerCase('en-US');
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[t.length];
}

/**
 * The `max` candidates nearest to `wanted`, nearest first (ties by name). A
 * candidate that contains the wanted name (or the reverse) counts as near.
 */
export function closestNames(
  wanted: string,
  candidates: string[],
  max = 3,
): string[] {
  const w = wanted.toLocaleLowerCase('en-US');
  return [...new Set(candidates)]
    .map(name => {
      const n = name.toLocaleLowerCase('en-US');
      const contains = n.includes(w) || w.includes(n);
      return { name, d: contains ? 0.5 : editDistance(w, n) };
    })
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .slice(0, max)
    .map(c => c.name);
}
