import type { z as zod } from 'zod/v3';
import type { LiveService } from '../../cluster/LiveService';
import type { MetricsService } from '../../metrics/MetricsService';
import type { ActionStore } from '../../promotion/store';
import type { CorrelationService } from '../../service/CorrelationService';
import type { GitopsService } from '../../service/GitopsService';
import type { ActionAccess } from './ActionAccess';
import type { PortalLinks } from './portalLinks';

/** The zod (v3) the actions registry hands to schema builders. */
export type Zod = typeof zod;

/** What the read actions answer from: the same services as the HTTP API. */
export interface ReadActionDeps {
  access: ActionAccess;
  links: PortalLinks;
  gitops: GitopsService;
  correlation: CorrelationService;
  live?: LiveService;
  metrics?: MetricsService;
  actions?: Pick<ActionStore, 'list'>;
  now?: () => number;
}

/** Every read action: reads the ledger only, the same answer for the same question. */
export const READ_ONLY = {
  readOnly: true,
  destructive: false,
  idempotent: true,
} as const;

/** `entityRef` input, as every action names a service. */
export const entityRefInput = (z: Zod) =>
  z
    .string()
    .min(1)
    .max(255)
    .describe(
      'The service: its catalog entity ref (component:default/guestbook-ui) or just its name (guestbook-ui)',
    );

/** Paging over an answer already bounded in memory: `cursor` is an offset (past the end: nothing). */
export const cursorInput = (z: Zod) =>
  z
    .string()
    .regex(/^[0-9]{1,6}$/)
    .optional()
    .describe('nextCursor of the previous answer, to get the next page');

export function page<T>(
  items: T[],
  limit: number,
  cursor: string | undefined,
): { items: T[]; nextCursor?: string } {
  const offset = cursor ? Number(cursor) : 0;
  const slice = items.slice(offset, offset + limit);
  const next = offset + slice.length;
  return {
    items: slice,
    ...(next < items.length ? { nextCursor: String(next) } : {}),
  };
}

/** "2d 1h 40m", "35m", "0m": durations a reader takes in at a glance. */
export function humanDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const parts = [
    d ? `${d}d` : '',
    h ? `${h}h` : '',
    m || (!d && !h) ? `${m}m` : '',
  ];
  return parts.filter(Boolean).join(' ');
}

/** A source commit, as the answers list it. */
export const commitOutput = (z: Zod) =>
  z.object({
    sha: z.string(),
    subject: z.string(),
    authorName: z.string(),
    committedAt: z.string(),
    pullRequests: z.array(z.number()),
    issueKeys: z.array(z.string()),
    url: z.string().optional(),
  });

export function compactCommit(c: {
  sha: string;
  subject: string;
  authorName: string;
  committedAt: string;
  pullRequests: number[];
  issueKeys: string[];
  url?: string;
}) {
  return {
    sha: c.sha,
    subject: c.subject,
    authorName: c.authorName,
    committedAt: c.committedAt,
    pullRequests: c.pullRequests,
    issueKeys: c.issueKeys,
    ...(c.url ? { url: c.url } : {}),
  };
}
