/*
 * Label and field selectors, with the syntax and semantics of the apiserver.
 */

/** Thrown for a selector the apiserver would reject (HTTP 400). */
export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

type Requirement =
  | { op: 'exists' | 'notexists'; key: string }
  | { op: 'in' | 'notin'; key: string; values: string[] };

/** Matches an object's labels. */
export type LabelMatcher = (
  labels: Record<string, string> | undefined,
) => boolean;

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map(p => p.trim()).filter(p => p.length > 0);
}

const KEY = /^([a-z0-9A-Z.\-_/]+)$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, selector: string) {
  if (!KEY.test(key)) {
    throw new SelectorError(
      `unable to parse requirement: invalid label key "${key}" in "${selector}"`,
    );
  }
}

function checkValue(value: string, selector: string) {
  if (value.length > 63 || !VALUE.test(value)) {
    throw new SelectorError(
      `unable to parse requirement: invalid label value "${value}" in "${selector}"`,
    );
  }
}

function parseRequirement(part: string, selector: string): Requirement {
  const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (setMatch) {
    const [, key, op, list] = setMatch;
    checkKey(key, selector);
    const values = list
      .split(',')
      .map(v => v.trim())
      .filter(v => v.length > 0);
    if (values.length === 0) {
      throw new SelectorError(
        `unable to parse requirement: for '${op}' operator, values set can't be empty`,
      );
    }
    values.forEach(v => checkValue(v, selector));
    return { op: op as 'in' | 'notin', key, values };
  }
  const eqMatch = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (eqMatch) {
    const [, key, op, value] = eqMatch;
    checkKey(key, selector);
    checkValue(value, selector);
    return { op: op === '!=' ? 'notin' : 'in', key, values: [value] };
  }
  if (part.startsWith('!')) {
    const key = part.slice(1).trim();
    checkKey(key, selector);
    return { op: 'notexists', key };
  }
  checkKey(part, selector);
  return { op: 'exists', key: part };
}

/**
 * Parses a label selector (`app=web,tier in (a,b),!canary`).
 * An empty or missing selector matches everything.
 */
export function parseLabelSelector(
  selector: string | null | undefined,
): LabelMatcher {
  if (!selector || !selector.trim()) {
    return () => true;
  }
  const requirements = splitTopLevel(selector).map(p =>
    parseRequirement(p, selector),
  );
  return labels => {
    const l = labels ?? {};
    return requirements.every(r => {
      const has = Object.prototype.hasOwnProperty.call(l, r.key);
      switch (r.op) {
        case 'exists':
          return has;
        case 'notexists':
          return !has;
        case 'in':
          return has && r.values.includes(l[r.key]);
        case 'notin':
          return !has || !r.values.includes(l[r.key]);
        default:
          return false;
      }
    });
  };
}

/** Matches an object's fields. */
export type FieldMatcher = (obj: any) => boolean;

const FIELD_GETTERS: Record<string, (obj: any) => string | undefined> = {
  'metadata.name': o => o?.metadata?.name,
  'metadata.namespace': o => o?.metadata?.namespace,
};

const POD_FIELDS: Record<string, (obj: any) => string | undefined> = {
  'spec.nodeName': o => o?.spec?.nodeName ?? '',
  'status.phase': o => o?.status?.phase ?? '',
};

/**
 * Parses a field selector. Like the apiserver, every kind supports
 * `metadata.name` and `metadata.namespace` (`=`, `==`, `!=`); pods also
 * support `spec.nodeName` and `status.phase`. Anything else is rejected with
 * "field label not supported".
 */
export function parseFieldSelector(
  selector: string | null | undefined,
  kind: string,
): FieldMatcher {
  if (!selector || !selector.trim()) {
    return () => true;
  }
  const tests = splitTopLevel(selector).map(part => {
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) {
      throw new SelectorError(
        `invalid selector: '${selector}'; can't understand '${part}'`,
      );
    }
    const [, field, op, value] = m;
    const getter =
      FIELD_GETTERS[field] ?? (kind === 'Pod' ? POD_FIELDS[field] : undefined);
    if (!getter) {
      throw new SelectorError(`field label not supported: ${field}`);
    }
    return (obj: any) => (getter(obj) === value) === (op !== '!=');
  });
  return obj => tests.every(t => t(obj));
}
