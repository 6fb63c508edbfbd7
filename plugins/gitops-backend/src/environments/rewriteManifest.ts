import { isScalar, parseAllDocuments, parse, Scalar, visit } from 'yaml';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Replaces the environment's name where it stands as a word of a value
 * (`guestbook-staging`, `staging.example.com`, `overlays/staging/…`), not
 * inside a longer word (`stagingarea`); in every string, however deep.
 */
export function replaceEnvironmentToken(
  value: unknown,
  from: string,
  to: string,
): unknown {
  if (typeof value === 'string') {
    const re = new RegExp(
      `(^|[^A-Za-z0-9])${escape(from)}(?=$|[^A-Za-z0-9])`,
      'g',
    );
    return value.replace(re, (_, before) => `${before}${to}`);
  }
  if (Array.isArray(value))
    return value.map(v => replaceEnvironmentToken(v, from, to));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        replaceEnvironmentToken(v, from, to),
      ]),
    );
  return value;
}

export interface ManifestRewrite {
  fromEnvironment: string;
  toEnvironment: string;
  /** The source environment's namespace, replaced as a whole value. */
  fromNamespace?: string;
  toNamespace: string;
}

/** The new value of one string scalar, or undefined when it stays. */
function rewriteValue(value: string, r: ManifestRewrite): string | undefined {
  if (r.fromNamespace && value === r.fromNamespace) return r.toNamespace;
  const next = replaceEnvironmentToken(
    value,
    r.fromEnvironment,
    r.toEnvironment,
  ) as string;
  return next === value ? undefined : next;
}

/** The scalar written back in its own quoting style (plain only where it stays a string). */
function render(scalar: Scalar, value: string): string {
  if (scalar.type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  if (scalar.type === 'PLAIN') {
    try {
      if (!/[:#\n]/.test(value) && parse(value) === value) return value;
    } catch {
      // not a plain scalar: quote it below
    }
  }
  return JSON.stringify(value);
}

/**
 * A source environment's manifest made the new environment's: the
 * namespace and the values naming the environment are rewritten; each
 * changed value is spliced into the original text, so comments, order and
 * formatting stay. Values in block scalars (`|`, `>`) and keys are left as
 * they are. Returns the new text and the number of values changed.
 */
export function rewriteManifest(
  text: string,
  r: ManifestRewrite,
): { content: string; changed: number } {
  const splices: Array<{ from: number; to: number; text: string }> = [];
  for (const doc of parseAllDocuments(text)) {
    if (!('contents' in doc)) continue;
    visit(doc, {
      Pair(_, pair) {
        const v = pair.value;
        if (!isScalar(v) || typeof v.value !== 'string' || !v.range) return;
        if (v.type === 'BLOCK_LITERAL' || v.type === 'BLOCK_FOLDED') return;
        const next = rewriteValue(v.value, r);
        if (next === undefined) return;
        splices.push({
          from: v.range[0],
          to: v.range[1],
          text: render(v, next),
        });
      },
      Seq(_, seq) {
        for (const v of seq.items) {
          if (!isScalar(v) || typeof v.value !== 'string' || !v.range) continue;
          if (v.type === 'BLOCK_LITERAL' || v.type === 'BLOCK_FOLDED') continue;
          const next = rewriteValue(v.value, r);
          if (next === undefined) continue;
          splices.push({
            from: v.range[0],
            to: v.range[1],
            text: render(v, next),
          });
        }
      },
    });
  }
  splices.sort((a, b) => b.from - a.from);
  let content = text;
  for (const s of splices)
    content = content.slice(0, s.from) + s.text + content.slice(s.to);
  return { content, changed: splices.length };
}
