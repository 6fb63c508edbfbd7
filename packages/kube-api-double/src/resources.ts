/*
 * The resource types the double serves. Each one names the real
 * `kubernetes-models` class used to validate what it stores.
 */

/** Where the schema-checking model class for a resource type lives. */
export interface ModelRef {
  /** npm package holding the model, e.g. `kubernetes-models`. */
  pkg: string;
  /** File inside the package, e.g. `apps/v1/Deployment.js`. */
  file: string;
  /** Exported class name, e.g. `Deployment`. */
  exportName: string;
}

/** A resource type the double serves. */
export interface ResourceType {
  /** API group, `''` for the core group. */
  group: string;
  version: string;
  /** Plural resource name used in URLs, e.g. `deployments`. */
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  /**
   * Built-in types: a real apiserver omits `kind`/`apiVersion` on list items
   * (they are set on CRD list items), and the double does the same.
   */
  builtin: boolean;
  shortNames: string[];
  model: ModelRef;
}

const core = (
  plural: string,
  singular: string,
  kind: string,
  shortNames: string[] = [],
): ResourceType => ({
  group: '',
  version: 'v1',
  plural,
  singular,
  kind,
  namespaced: true,
  builtin: true,
  shortNames,
  model: { pkg: 'kubernetes-models', file: `v1/${kind}.js`, exportName: kind },
});

const builtin = (
  group: string,
  version: string,
  plural: string,
  singular: string,
  kind: string,
  shortNames: string[] = [],
): ResourceType => ({
  group,
  version,
  plural,
  singular,
  kind,
  namespaced: true,
  builtin: true,
  shortNames,
  model: {
    pkg: 'kubernetes-models',
    file: `${group}/${version}/${kind}.js`,
    exportName: kind,
  },
});

const apps = (
  plural: string,
  singular: string,
  kind: string,
  shortNames: string[],
): ResourceType => ({
  group: 'apps',
  version: 'v1',
  plural,
  singular,
  kind,
  namespaced: true,
  builtin: true,
  shortNames,
  model: {
    pkg: 'kubernetes-models',
    file: `apps/v1/${kind}.js`,
    exportName: kind,
  },
});

/** Every resource type served by the double. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  core('pods', 'pod', 'Pod', ['po']),
  core('secrets', 'secret', 'Secret'),
  {
    ...core('namespaces', 'namespace', 'Namespace', ['ns']),
    namespaced: false,
  },
  apps('deployments', 'deployment', 'Deployment', ['deploy']),
  apps('statefulsets', 'statefulset', 'StatefulSet', ['sts']),
  apps('replicasets', 'replicaset', 'ReplicaSet', ['rs']),
  // Served (usually empty) so that the Backstage Kubernetes backend, which
  // fetches these for every entity, gets real answers in the benchmark.
  core('services', 'service', 'Service', ['svc']),
  core('configmaps', 'configmap', 'ConfigMap', ['cm']),
  core('limitranges', 'limitrange', 'LimitRange', ['limits']),
  core('resourcequotas', 'resourcequota', 'ResourceQuota', ['quota']),
  apps('daemonsets', 'daemonset', 'DaemonSet', ['ds']),
  builtin('batch', 'v1', 'jobs', 'job', 'Job'),
  builtin('batch', 'v1', 'cronjobs', 'cronjob', 'CronJob', ['cj']),
  builtin(
    'autoscaling',
    'v2',
    'horizontalpodautoscalers',
    'horizontalpodautoscaler',
    'HorizontalPodAutoscaler',
    ['hpa'],
  ),
  builtin('networking.k8s.io', 'v1', 'ingresses', 'ingress', 'Ingress', [
    'ing',
  ]),
  {
    group: 'argoproj.io',
    version: 'v1alpha1',
    plural: 'applications',
    singular: 'application',
    kind: 'Application',
    namespaced: true,
    builtin: false,
    shortNames: ['app'],
    model: {
      pkg: '@kubernetes-models/argo-cd',
      file: 'argoproj.io/v1alpha1/Application.js',
      exportName: 'Application',
    },
  },
  {
    group: 'kustomize.toolkit.fluxcd.io',
    version: 'v1',
    plural: 'kustomizations',
    singular: 'kustomization',
    kind: 'Kustomization',
    namespaced: true,
    builtin: false,
    shortNames: ['ks'],
    model: {
      pkg: '@kubernetes-models/flux-cd',
      file: 'kustomize.toolkit.fluxcd.io/v1/Kustomization.js',
      exportName: 'Kustomization',
    },
  },
  {
    group: 'helm.toolkit.fluxcd.io',
    version: 'v2',
    plural: 'helmreleases',
    singular: 'helmrelease',
    kind: 'HelmRelease',
    namespaced: true,
    builtin: false,
    shortNames: ['hr'],
    model: {
      pkg: '@kubernetes-models/flux-cd',
      file: 'helm.toolkit.fluxcd.io/v2/HelmRelease.js',
      exportName: 'HelmRelease',
    },
  },
];

/** `apps/v1`, or `v1` for the core group. */
export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** `deployments.apps`, or `pods` for the core group (as in real error messages). */
export function qualifiedName(type: ResourceType): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

/**
 * Finds a resource type by kind (`Deployment`), plural (`deployments`),
 * singular or short name. Kinds are unique among the served types.
 */
export function findResourceType(name: string): ResourceType | undefined {
  const lower = name.toLowerCase();
  return RESOURCE_TYPES.find(
    t =>
      t.kind === name ||
      t.kind.toLowerCase() === lower ||
      t.plural === lower ||
      t.singular === lower ||
      t.shortNames.includes(lower),
  );
}

/** Like {@link findResourceType} but throws for an unknown name. */
export function resourceType(name: string): ResourceType {
  const type = findResourceType(name);
  if (!type) {
    throw new Error(
      `kube-api-double does not serve "${name}"; it serves ${RESOURCE_TYPES.map(
        t => t.kind,
      ).join(', ')}`,
    );
  }
  return type;
}

/** The resource type served at group/version/plural, if any. */
export function resourceTypeAt(
  group: string,
  version: string,
  plural: string,
): ResourceType | undefined {
  return RESOURCE_TYPES.find(
    t => t.group === group && t.version === version && t.plural === plural,
  );
}
