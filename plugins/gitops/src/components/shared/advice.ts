import type { ClusterConnection } from '@gitops2/plugin-gitops-common';

/**
 * What a person can do about a problem the portal reports: a small registry
 * of recognisers, each turning a message into one sentence of advice. The
 * first that matches wins; unknown problems get none (the message stands).
 */
interface Advice {
  matches(message: string): boolean;
  advice(message: string): string;
}

const ADVICE: Advice[] = [
  {
    // GitHubApiClient: "GitHub API rate limit exhausted for acme/x …; resets
    // at <ISO>" and "GitHub secondary rate limit for acme/x …".
    matches: m => /github\b.*rate limit/i.test(m),
    advice: m => {
      const reset = /(?:resets at|until) (\d{4}-\d\d-\d\dT[\d:.]+Z)/.exec(m);
      const when = reset
        ? ` at ${new Date(reset[1]).toLocaleTimeString(undefined, {
            hour: '2-digit',
            minute: '2-digit',
          })}`
        : ' in a few minutes';
      return `GitHub's API limit for the portal's token is used up; nothing is lost and the portal tries again by itself${when}. If this happens often, give the GitHub integration a GitHub App or a token with a higher limit (integrations.github in app-config).`;
    },
  },
  {
    matches: m => /GitHub rejected the token \(401\)/.test(m),
    advice: () =>
      'Renew the GitHub token of the integration (integrations.github in app-config) and restart the backend.',
  },
];

/** One sentence saying what to do about `message`, if the portal knows. */
export function adviceFor(message: string): string | undefined {
  return ADVICE.find(a => a.matches(message))?.advice(message);
}

/** What to do about a cluster that is not connected. */
export function clusterAdvice(state: ClusterConnection['state']): string {
  switch (state) {
    case 'unauthorized':
      return 'The cluster refuses the backend\u2019s credentials: renew its service account token under gitops.clusters in app-config.';
    case 'connecting':
      return 'The backend is connecting to it; this usually takes a few seconds.';
    default:
      return 'Check that the backend can reach its API server (network, VPN, firewall) and that its URL under gitops.clusters in app-config is right.';
  }
}
