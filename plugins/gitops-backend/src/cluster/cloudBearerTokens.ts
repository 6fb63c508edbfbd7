/*
 * Bearer tokens of the clusters whose provider is a cloud (aws,
 * googleServiceAccount), from the Kubernetes plugin's own auth strategies,
 * so they read the backend's credentials exactly as the Kubernetes plugin
 * does (docs/clusters.md):
 * - aws: AwsIamStrategy, the AWS SDK chain (or the `aws` integration
 *   config), optionally assuming `kubernetes.io/aws-assume-role` with
 *   `kubernetes.io/aws-external-id`; the token is a presigned STS
 *   GetCallerIdentity URL for `kubernetes.io/x-k8s-aws-id` (default: the
 *   cluster name), which EKS accepts for 15 minutes;
 * - googleServiceAccount: GoogleServiceAccountStrategy, the key of
 *   `kubernetes.googleServiceAccountCredentials` or Application Default
 *   Credentials; an OAuth access token.
 * The Kubernetes plugin is loaded only when such a cluster is configured.
 */
import type { Config } from '@backstage/config';
import { BearerTokens, CachedBearerToken } from './CachedBearerToken';
import type { CloudAuthProvider, CloudClusterConfig } from './clusterConfig';

/**
 * How long a token is reused: well within its validity (an EKS token is
 * accepted 15 minutes after it was signed; Google's metadata server hands
 * out tokens with at least 5 minutes left, a service account key's last 60).
 */
export const TOKEN_TTL_MS: Record<CloudAuthProvider, number> = {
  aws: 10 * 60_000,
  googleServiceAccount: 4 * 60_000,
};

interface Strategy {
  getCredential(
    clusterDetails: {
      name: string;
      url: string;
      authMetadata: Record<string, string>;
    },
    auth: {},
  ): Promise<{ type: string; token?: string }>;
}

/**
 * Returns the token source of each cloud cluster. One strategy per
 * provider, shared by the clusters (as in the Kubernetes plugin); one
 * cached token per cluster.
 */
export function cloudBearerTokens(
  config: Config,
  options: { now?: () => number } = {},
): (cluster: CloudClusterConfig) => BearerTokens {
  const strategies = new Map<CloudAuthProvider, Strategy>();
  const strategyOf = (provider: CloudAuthProvider): Strategy => {
    let strategy = strategies.get(provider);
    if (!strategy) {
      const {
        AwsIamStrategy,
        GoogleServiceAccountStrategy,
      }: typeof import('@backstage/plugin-kubernetes-backend') = require('@backstage/plugin-kubernetes-backend');
      strategy =
        provider === 'aws'
          ? new AwsIamStrategy({ config })
          : new GoogleServiceAccountStrategy({ config });
      strategies.set(provider, strategy);
    }
    return strategy;
  };
  return cluster =>
    new CachedBearerToken({
      provider: cluster.authProvider,
      ttlMs: TOKEN_TTL_MS[cluster.authProvider],
      now: options.now,
      fetch: async () => {
        const credential = await strategyOf(cluster.authProvider).getCredential(
          {
            name: cluster.name,
            url: cluster.url,
            authMetadata: {
              'kubernetes.io/auth-provider': cluster.authProvider,
              ...cluster.authMetadata,
            },
          },
          {},
        );
        if (credential.type !== 'bearer token' || !credential.token) {
          throw new Error(`the credentials gave no bearer token`);
        }
        return credential.token;
      },
    });
}
