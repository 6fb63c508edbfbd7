/**
 * A step's outbound request was refused before anything was sent: the
 * target is not in `gitops.steps.allowedTargets`, resolves to a private,
 * loopback or link-local address, or redirects outside the list.
 */
export class TargetRefusedError extends Error {
  /** The refused URL, without credentials. */
  readonly url: string;

  constructor(url: string, readonly reason: string) {
    const shown = withoutCredentials(url);
    super(`refused ${shown}: ${reason}`);
    this.name = 'TargetRefusedError';
    this.url = shown;
  }
}

function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return url.length > 200 ? `${url.slice(0, 200)}…` : url;
  }
}
