import { mockServices } from '@backstage/backend-test-utils';
import { kubeConfigOf, ClientNodeKubeClient } from '../kubeClient';
import { ClusterWatcher, ClusterWatcherOptions } from '../ClusterWatcher';

export const TOKEN = 'sa-token-9f8e7d6c5b4a-never-in-a-response';

export function clientFor(url: string, token = TOKEN, name = 'c1') {
  return new ClientNodeKubeClient(
    kubeConfigOf({
      name,
      url,
      authProvider: 'serviceAccount',
      serviceAccountToken: token,
      skipTLSVerify: true,
    }),
  );
}

/** A watcher with short backoff and silence timeout, for tests. */
export function testWatcher(
  url: string,
  options: Partial<ClusterWatcherOptions> = {},
) {
  return new ClusterWatcher({
    cluster: 'c1',
    client: clientFor(url),
    logger: mockServices.logger.mock(),
    backoff: { initialMs: 20, maxMs: 200 },
    silenceTimeoutMs: 1500,
    ...options,
  });
}
