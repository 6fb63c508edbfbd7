import { InputError } from '@backstage/errors';

/** What an environment change's branch is about. */
export type ChangeBranch =
  | { kind: 'environment'; environment: string }
  | { kind: 'retire'; environment: string; service?: string }
  | { kind: 'service'; service: string };

/** A pipeline name (NAME_PATTERN): letters, digits, ".", "_", "-"; never "@" or "/". */
const NAME = '[a-zA-Z0-9](?:[a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?';
const BRANCH = new RegExp(
  `^gitops/(environment|retire|service)-(${NAME})(?:@(${NAME}))?$`,
);

/**
 * The branch of an environment change: `gitops/environment-<env>`,
 * `gitops/retire-<env>`, `gitops/retire-<service>@<env>`,
 * `gitops/service-<service>`. Names keep their case and never contain "@",
 * so two different changes never share a branch (a "-" joining a service and
 * an environment could: prod + eu-cart, prod-eu + cart), and no branch is a
 * directory of another (Git could not hold both).
 */
export function changeBranch(change: ChangeBranch): string {
  for (const name of [
    'environment' in change ? change.environment : undefined,
    'service' in change ? change.service : undefined,
  ])
    if (name && (name.includes('..') || name.endsWith('.lock')))
      throw new InputError(
        `"${name}" cannot be part of a Git branch name (".." or a ".lock" ending): rename it in the pipeline file to change it from the portal`,
      );
  switch (change.kind) {
    case 'environment':
      return `gitops/environment-${change.environment}`;
    case 'service':
      return `gitops/service-${change.service}`;
    default:
      return change.service
        ? `gitops/retire-${change.service}@${change.environment}`
        : `gitops/retire-${change.environment}`;
  }
}

/** What a branch named by changeBranch is about; undefined for any other branch. */
export function parseChangeBranch(branch: string): ChangeBranch | undefined {
  const m = BRANCH.exec(branch);
  if (!m) return undefined;
  const [, kind, name, env] = m;
  if (kind === 'retire')
    return env
      ? { kind, environment: env, service: name }
      : { kind, environment: name };
  if (env) return undefined;
  return kind === 'service'
    ? { kind, service: name }
    : { kind: 'environment', environment: name };
}
