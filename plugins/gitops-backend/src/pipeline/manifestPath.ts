/**
 * Checks a manifest path after placeholder substitution: relative to the
 * repository root, normalized, inside the repository, a YAML file.
 * Returns a message, or undefined when the path is fine.
 */
export function checkManifestPath(path: string): string | undefined {
  const shown = JSON.stringify(path);
  if (path === '') return 'path is empty';
  // Control characters would end up in file names, logs and the UI.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path))
    return `path ${shown} contains control characters`;
  if (path.includes('\\'))
    return `path ${shown} must use "/" as separator (found a backslash)`;
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    return `path ${shown} must be relative to the repository root (found an absolute path)`;
  }
  const segments = path.split('/');
  if (segments.includes('..')) {
    return `path ${shown} must stay inside the repository (found a ".." segment)`;
  }
  if (segments.some(s => s === '' || s === '.')) {
    const normalized = segments.filter(s => s !== '' && s !== '.').join('/');
    return `path ${shown} is not normalized (found an empty or "." segment); write ${JSON.stringify(
      normalized,
    )}`;
  }
  if (!/\.ya?ml$/.test(path))
    return `path ${shown} must name a YAML file ending in .yaml or .yml`;
  return undefined;
}

/** Replaces `{environment}` and `{service}`. */
export function substitute(
  value: string,
  service: string,
  environment: string,
): string {
  return value
    .replace(/\{environment\}/g, environment)
    .replace(/\{service\}/g, service);
}

/** Replaces the placeholders in every string of `value`, however deep. */
export function substituteDeep(
  value: unknown,
  service: string,
  environment: string,
): unknown {
  if (typeof value === 'string') return substitute(value, service, environment);
  if (Array.isArray(value))
    return value.map(v => substituteDeep(v, service, environment));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        substituteDeep(v, service, environment),
      ]),
    );
  }
  return value;
}
