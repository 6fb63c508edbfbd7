import type { SourceError } from '@gitops2/plugin-gitops-common';
import type { DesiredStateRow } from '../database/tables';

/** Per (service, environment) state carried through the history walk. */
export interface EnvState {
  version: string | null;
  file: string;
  line: number | null;
  error: SourceError | null;
  change?: {
    sha: string;
    at: string;
    author: string;
    email: string;
    subject: string;
  };
}

export const stateKey = (service: string, env: string) =>
  `${service}\u0000${env}`;

export function fromDesiredStateRow(row: DesiredStateRow): EnvState {
  return {
    version: row.version,
    file: row.file,
    line: row.line,
    error: row.error ? JSON.parse(row.error) : null,
    change: row.change_sha
      ? {
          sha: row.change_sha,
          at: new Date(row.change_at as any).toISOString(),
          author: row.change_author ?? '',
          email: row.change_author_email ?? '',
          subject: row.change_subject ?? '',
        }
      : undefined,
  };
}

export function toDesiredStateRow(
  repositoryId: string,
  k: string,
  s: EnvState,
): DesiredStateRow {
  const [service, environment] = k.split('\u0000');
  return {
    repository_id: repositoryId,
    service,
    environment,
    version: s.version,
    file: s.file.slice(0, 1024),
    line: s.line,
    error: s.error ? JSON.stringify(s.error) : null,
    change_sha: s.change?.sha ?? null,
    change_at: s.change ? (new Date(s.change.at) as any) : null,
    change_author: s.change?.author.slice(0, 255) ?? null,
    change_author_email: s.change?.email.slice(0, 255) ?? null,
    change_subject: s.change?.subject.slice(0, 1024) ?? null,
  };
}
