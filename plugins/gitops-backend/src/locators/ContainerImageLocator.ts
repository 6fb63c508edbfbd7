import { Alias, isMap, isSeq, Scalar, YAMLMap } from 'yaml';
import type { LocatorOptions } from './types';
import {
  checkOptions,
  Located,
  lineOf,
  mapGet,
  nonEmptyDocs,
  parseYamlFile,
  quoteList,
  resolveAlias,
  Result,
  sourceError,
  stringValue,
  YamlFile,
} from './yamlSupport';
import { YamlVersionLocator } from './YamlVersionLocator';

const OPTIONS = {
  container: { required: false, describe: 'the name of the container' },
  image: {
    required: false,
    describe: 'the image repository to match, e.g. ghcr.io/acme/api',
  },
};

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** A container image reference split into its parts. */
export interface ImageRef {
  repository: string;
  tag?: string;
  digest?: string;
}

/** Splits `registry:5000/repo/name:tag@sha256:…`. */
export function parseImageRef(ref: string): ImageRef {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const rest = at >= 0 ? ref.slice(0, at) : ref;
  // A ":" after the last "/" is the tag; before it, it is a registry port.
  const colon = rest.lastIndexOf(':');
  const slash = rest.lastIndexOf('/');
  if (colon > slash) {
    return {
      repository: rest.slice(0, colon),
      tag: rest.slice(colon + 1),
      digest,
    };
  }
  return { repository: rest, digest };
}

/** `nginx` and `docker.io/library/nginx` name the same repository. */
export function normalizeRepository(repository: string): string {
  const parts = repository.split('/');
  const first = parts[0];
  const hasRegistry =
    parts.length > 1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) {
    return first === 'index.docker.io'
      ? ['docker.io', ...parts.slice(1)].join('/')
      : repository;
  }
  return parts.length === 1
    ? `docker.io/library/${repository}`
    : `docker.io/${repository}`;
}

const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST_PATTERN = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[A-Za-z0-9=_-]{32,}$/;

/** True for `sha256:…`-style digests, which are written after `@`. */
export function isDigest(version: string): boolean {
  return DIGEST_PATTERN.test(version);
}

/**
 * `container-image`: the tag (or `@sha256:` digest) of a container image in
 * a Deployment, StatefulSet or DaemonSet. Documents are searched in order;
 * the first container matching `container` (name) and `image` (repository)
 * wins, or the first container at all when neither is given.
 */
export class ContainerImageLocator extends YamlVersionLocator {
  readonly type = 'container-image';

  validateOptions(options: LocatorOptions): string | undefined {
    return checkOptions(options, OPTIONS);
  }

  protected checkVersion(v: string): string | undefined {
    return TAG_PATTERN.test(v) || isDigest(v)
      ? undefined
      : `refusing to write version ${JSON.stringify(
          v,
        )}: it is neither an image tag ` +
          `(letters, digits, "_", "." or "-") nor a digest (e.g. sha256:…)`;
  }

  protected locateValid(
    content: string,
    file: string,
    options: LocatorOptions,
  ): Result<{ yaml: YamlFile; located: Located }> {
    const wantName = options.container as string | undefined;
    const wantImage = options.image as string | undefined;

    const parsed = parseYamlFile(content, file);
    if (!parsed.ok) return parsed;
    const yaml = parsed.value;
    const fail = (message: string, node?: unknown) =>
      ({ ok: false, error: sourceError(yaml, message, node) } as const);

    const kinds: string[] = [];
    const seen: string[] = [];
    // Closest node for the "not found" message: the first containers list.
    let closest: unknown;
    let workloads = 0;
    for (const doc of nonEmptyDocs(yaml)) {
      const root = doc.contents;
      if (!isMap(root)) continue;
      const kind = stringValue(mapGet(doc, root, 'kind')?.value);
      if (kind) kinds.push(kind);
      if (!kind || !WORKLOAD_KINDS.includes(kind)) continue;
      workloads += 1;
      const metadata = mapGet(doc, root, 'metadata')?.value;
      const workloadName =
        (isMap(metadata) &&
          stringValue(mapGet(doc, metadata, 'name')?.value)) ||
        '(unnamed)';
      const what = `${kind} "${workloadName}"`;

      // spec.template.spec.containers, following aliases.
      let node: unknown = root;
      let containers: unknown;
      let reached: unknown = root;
      // Set when the pod spec is reached through an alias or merge key.
      let pathShared = false;
      for (const key of ['spec', 'template', 'spec', 'containers']) {
        if (!isMap(node)) break;
        const entry = mapGet(doc, node, key);
        if (!entry) break;
        node = entry.value;
        reached = node;
        pathShared = pathShared || entry.viaMerge || entry.raw !== entry.value;
        if (key === 'containers') containers = node;
      }
      if (!isSeq(containers)) {
        closest ??= reached;
        seen.push(`${what} without spec.template.spec.containers`);
        continue;
      }
      closest ??= containers;
      for (const item of containers.items) {
        const container = resolveAlias(doc, item);
        if (!isMap(container)) continue;
        const name = stringValue(mapGet(doc, container, 'name')?.value) ?? '';
        const imageEntry = mapGet(doc, container, 'image');
        const image = stringValue(imageEntry?.value);
        seen.push(`"${name}" (${image ?? 'no image'}) in ${what}`);
        if (wantName !== undefined && name !== wantName) continue;
        if (wantImage !== undefined) {
          if (image === undefined) continue;
          const repo = parseImageRef(image).repository;
          if (normalizeRepository(repo) !== normalizeRepository(wantImage))
            continue;
        }
        return this.located(
          yaml,
          container,
          name,
          what,
          imageEntry,
          pathShared || item !== container,
        );
      }
    }

    if (workloads === 0) {
      return fail(
        `no Deployment, StatefulSet or DaemonSet in the file (found kinds: ${quoteList(
          kinds,
        )})`,
        nonEmptyDocs(yaml)[0]?.contents,
      );
    }
    const looked = [
      wantName !== undefined ? `named "${wantName}"` : undefined,
      wantImage !== undefined ? `with image "${wantImage}"` : undefined,
    ]
      .filter(Boolean)
      .join(' ');
    return fail(
      `no container${looked ? ` ${looked}` : ''} in the file (found: ${
        seen.length ? seen.join(', ') : 'none'
      })`,
      closest,
    );
  }

  private located(
    yaml: YamlFile,
    container: YAMLMap,
    name: string,
    what: string,
    imageEntry: ReturnType<typeof mapGet>,
    containerShared: boolean,
  ): Result<{ yaml: YamlFile; located: Located }> {
    const fail = (message: string, node?: unknown) =>
      ({ ok: false, error: sourceError(yaml, message, node) } as const);
    const image = stringValue(imageEntry?.value);
    if (!imageEntry || image === undefined) {
      return fail(
        `container "${name}" in ${what} has no image`,
        imageEntry?.value ?? container,
      );
    }
    const ref = parseImageRef(image);
    const version = ref.tag ?? ref.digest;
    if (!version) {
      return fail(
        `container "${name}" in ${what} has image "${image}" without a tag or digest`,
        imageEntry.raw,
      );
    }
    const located: Located = {
      node: imageEntry.raw as Scalar | Alias,
      version,
      line: lineOf(yaml, imageEntry.raw as Scalar),
      // Only the tag/digest changes; a new tag replaces a stale digest too.
      render: v => `${ref.repository}${isDigest(v) ? '@' : ':'}${v}`,
    };
    if (containerShared || imageEntry.viaMerge) {
      located.shared = `container "${name}" in ${what} is shared through an alias or merge key`;
    }
    return { ok: true, value: { yaml, located } };
  }
}
