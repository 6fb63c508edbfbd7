import type { ChecksSummary } from '@gitops2/plugin-gitops-common';

/** A pull request GitHub associates with a commit. */
export interface HostedPullRequest {
  number: number;
  title?: string;
  body?: string;
  branch?: string;
}

type CheckConclusion = ChecksSummary['items'][number]['conclusion'];

/** Check runs and commit statuses (GraphQL statusCheckRollup) → ChecksSummary. */
export function summarizeChecks(nodes: any[]): ChecksSummary {
  const items: ChecksSummary['items'] = [];
  for (const n of nodes) {
    let name: string | undefined;
    let conclusion: CheckConclusion;
    let url: string | undefined;
    if (n?.__typename === 'CheckRun') {
      name = n.name;
      url = n.detailsUrl ?? undefined;
      const c = String(n.conclusion ?? '').toUpperCase();
      if (String(n.status ?? '').toUpperCase() !== 'COMPLETED')
        conclusion = 'pending';
      else if (c === 'SUCCESS') conclusion = 'success';
      else if (c === 'NEUTRAL' || c === 'STALE') conclusion = 'neutral';
      else if (c === 'SKIPPED') conclusion = 'skipped';
      else conclusion = 'failure';
    } else if (n?.__typename === 'StatusContext') {
      name = n.context;
      url = n.targetUrl ?? undefined;
      const st = String(n.state ?? '').toUpperCase();
      if (st === 'SUCCESS') conclusion = 'success';
      else if (st === 'PENDING' || st === 'EXPECTED') conclusion = 'pending';
      else conclusion = 'failure';
    } else {
      continue;
    }
    if (typeof name !== 'string') continue;
    items.push({
      name: name.slice(0, 255),
      conclusion,
      ...(url ? { url: String(url).slice(0, 1024) } : {}),
    });
  }
  return {
    total: items.length,
    passed: items.filter(i => i.conclusion === 'success').length,
    failed: items.filter(i => i.conclusion === 'failure').length,
    pending: items.filter(i => i.conclusion === 'pending').length,
    items,
  };
}
