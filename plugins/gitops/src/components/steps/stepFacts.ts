/** One fact of a step's output, as the timeline shows it. */
export interface StepFact {
  key: string;
  text: string;
  /** A link to open (only http and https URLs). */
  href?: string;
}

/** At most this many facts per step, each at most this long. */
export const MAX_FACTS = 10;
const MAX_TEXT = 200;

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  if (
    Array.isArray(value) &&
    value.every(v => ['string', 'number', 'boolean'].includes(typeof v))
  )
    return value.join(', ');
  return undefined;
}

/** A URL the browser may open: http or https only (never `javascript:`). */
export function safeHref(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:'
      ? url.toString()
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The facts of a step's output (small and secret-free, as the backend
 * stores them): the HTTP status, the value of a query, successes out of
 * the count asked for, a link; then the other plain values. Nested
 * objects (label sets) are left out.
 */
export function stepFacts(output?: { [key: string]: unknown }): StepFact[] {
  if (!output) return [];
  const facts: StepFact[] = [];
  const used = new Set<string>();
  const add = (key: string, text: string, href?: string) => {
    used.add(key);
    facts.push({ key, text: clip(text), ...(href ? { href } : {}) });
  };

  if (typeof output.status === 'number') add('status', `HTTP ${output.status}`);
  if ('value' in output && scalar(output.value) !== undefined)
    add('value', `value ${scalar(output.value)}`);
  if (
    typeof output.successes === 'number' &&
    typeof output.count === 'number'
  ) {
    add('successes', `${output.successes} of ${output.count} successes`);
    used.add('count');
  }
  if (output.refused === true) add('refused', 'target refused');
  if (output.timedOut === true) add('timedOut', 'timed out');
  for (const key of ['link', 'url']) {
    const text = scalar(output[key]);
    if (text !== undefined) add(key, text, safeHref(output[key]));
  }

  for (const [key, value] of Object.entries(output)) {
    if (used.has(key)) continue;
    const text = scalar(value);
    if (text) add(key, `${key} ${text}`);
  }
  return facts.slice(0, MAX_FACTS);
}
