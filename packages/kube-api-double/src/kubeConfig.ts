/*
 * KubeConfig for @kubernetes/client-node pointing at a double.
 */
import type { KubeConfig } from '@kubernetes/client-node';

/** Options for `KubeConfig.loadFromOptions` that point at a double. */
export function kubeConfigOptionsFor(
  url: string,
  token?: string,
  name = 'kube-api-double',
) {
  return {
    clusters: [{ name, server: url, skipTLSVerify: true }],
    users: [{ name, ...(token !== undefined ? { token } : {}) }],
    contexts: [{ name, cluster: name, user: name }],
    currentContext: name,
  };
}

/**
 * A client-node `KubeConfig` for the double at `url` (plain http, which
 * client-node only accepts with `skipTLSVerify`), with a bearer token.
 *
 * `@kubernetes/client-node` is loaded lazily so that the double itself does
 * not depend on it: whoever calls this has it (the product does).
 */
export function kubeConfigFor(url: string, token?: string): KubeConfig {
  type ClientNode = typeof import('@kubernetes/client-node');
  // eslint-disable-next-line @backstage/no-undeclared-imports
  const k8s: ClientNode = require('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions(kubeConfigOptionsFor(url, token));
  return kc;
}
