/*
 * The object store behind the double: objects per resource type, one global
 * monotonically increasing resourceVersion (like etcd's revision) and a
 * bounded history of change events that watches are served from.
 */
import { randomUUID } from 'node:crypto';
import { validateObject, InvalidObjectError } from './models';
import { apiVersionOf, ResourceType, resourceType } from './resources';

/** The type of a change event. */
export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change, as kept in the history. */
export interface ChangeEvent {
  rv: number;
  type: ChangeType;
  resource: ResourceType;
  /** The object after the change (for DELETED: its last state, with the deletion's resourceVersion). */
  object: any;
  /** The object before the change (MODIFIED and DELETED). */
  previous?: any;
}

const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o));

const keyOf = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;

const nowTimestamp = () => `${new Date().toISOString().slice(0, 19)}Z`;

/** Fields the apiserver owns; ignored when deciding whether an update changes anything. */
function withoutServerFields(obj: any): any {
  const { resourceVersion, uid, creationTimestamp, generation, ...meta } =
    obj.metadata ?? {};
  return { ...obj, metadata: meta };
}

/** Options of {@link ObjectStore}. */
export interface ObjectStoreOptions {
  /** How many change events are kept for watches (default 1000). */
  historyLimit?: number;
  /** Validate objects against the real schemas (default true). */
  validate?: boolean;
  /**
   * The resourceVersion to start from (default 0), e.g. to simulate an
   * apiserver that restarted: a client's old resourceVersion is then too old.
   */
  initialResourceVersion?: number;
}

/** Objects, resourceVersions and change history. */
export class ObjectStore {
  private rv = 0;
  private readonly objects = new Map<ResourceType, Map<string, any>>();
  private history: ChangeEvent[] = [];
  private compactedRv = 0;
  private readonly listeners = new Set<(e: ChangeEvent) => void>();
  private readonly historyLimit: number;
  private readonly validate: boolean;

  constructor(options: ObjectStoreOptions = {}) {
    this.historyLimit = options.historyLimit ?? 1000;
    this.validate = options.validate ?? true;
    this.rv = options.initialResourceVersion ?? 0;
    this.compactedRv = this.rv;
  }

  /** The current (latest) resourceVersion. */
  currentRv(): number {
    return this.rv;
  }

  /** Events with a resourceVersion at or below this one are no longer in the history. */
  oldestWatchableRv(): number {
    return this.compactedRv;
  }

  private bucket(type: ResourceType): Map<string, any> {
    let b = this.objects.get(type);
    if (!b) {
      b = new Map();
      this.objects.set(type, b);
    }
    return b;
  }

  /**
   * Creates or replaces an object (by kind, namespace and name). Sets the
   * server-owned metadata (uid, creationTimestamp, generation,
   * resourceVersion) like the apiserver; an update that changes nothing is a
   * no-op, as on a real cluster. Returns the stored object.
   */
  upsert(input: any): any {
    if (!input || typeof input !== 'object' || typeof input.kind !== 'string') {
      throw new InvalidObjectError('object must have a kind');
    }
    const type = resourceType(input.kind);
    if (input.kind !== type.kind) {
      throw new InvalidObjectError(
        `kind must be "${type.kind}", got "${input.kind}"`,
      );
    }
    const apiVersion = apiVersionOf(type);
    if (input.apiVersion !== apiVersion) {
      throw new InvalidObjectError(
        `${type.kind} must have apiVersion "${apiVersion}", got "${input.apiVersion}"`,
      );
    }
    const obj = clone(input);
    obj.metadata = obj.metadata ?? {};
    const bucket = this.bucket(type);
    const key = keyOf(obj.metadata.namespace, obj.metadata.name);
    const existing = bucket.get(key);

    if (existing) {
      const before = JSON.stringify(withoutServerFields(existing));
      if (
        before ===
        JSON.stringify(
          withoutServerFields({ ...obj, metadata: { ...obj.metadata } }),
        )
      ) {
        return clone(existing);
      }
    }

    obj.metadata.uid =
      existing?.metadata.uid ?? obj.metadata.uid ?? randomUUID();
    obj.metadata.creationTimestamp =
      existing?.metadata.creationTimestamp ??
      obj.metadata.creationTimestamp ??
      nowTimestamp();
    const specChanged =
      existing && JSON.stringify(existing.spec) !== JSON.stringify(obj.spec);
    obj.metadata.generation = existing
      ? existing.metadata.generation + (specChanged ? 1 : 0)
      : 1;
    obj.metadata.resourceVersion = String(this.rv + 1);
    if (this.validate) {
      validateObject(type, obj);
    }
    this.rv += 1;
    bucket.set(key, obj);
    this.record({
      rv: this.rv,
      type: existing ? 'MODIFIED' : 'ADDED',
      resource: type,
      object: obj,
      previous: existing,
    });
    return clone(obj);
  }

  /**
   * Deletes an object. Returns its last state (with the deletion's
   * resourceVersion), or undefined if it did not exist.
   */
  remove(
    kind: string,
    namespace: string | undefined,
    name: string,
  ): any | undefined {
    const type = resourceType(kind);
    const bucket = this.bucket(type);
    const key = keyOf(type.namespaced ? namespace : undefined, name);
    const existing = bucket.get(key);
    if (!existing) {
      return undefined;
    }
    bucket.delete(key);
    this.rv += 1;
    const deleted = {
      ...existing,
      metadata: { ...existing.metadata, resourceVersion: String(this.rv) },
    };
    this.record({
      rv: this.rv,
      type: 'DELETED',
      resource: type,
      object: deleted,
      previous: existing,
    });
    return clone(deleted);
  }

  /** One object (a copy), or undefined. */
  get(
    kind: string,
    namespace: string | undefined,
    name: string,
  ): any | undefined {
    const type = resourceType(kind);
    const obj = this.bucket(type).get(
      keyOf(type.namespaced ? namespace : undefined, name),
    );
    return obj ? clone(obj) : undefined;
  }

  /** Objects of a kind (copies), optionally in one namespace, sorted by namespace and name. */
  list(kind: string, namespace?: string): any[] {
    return this.snapshot(resourceType(kind), namespace).map(clone);
  }

  /**
   * The stored objects (not copies: never mutate them) of a type, sorted by
   * namespace/name like etcd keys.
   */
  snapshot(type: ResourceType, namespace?: string): any[] {
    const items: Array<[string, any]> = [];
    for (const [key, obj] of this.bucket(type)) {
      if (namespace === undefined || obj.metadata.namespace === namespace) {
        items.push([key, obj]);
      }
    }
    items.sort(([a], [b]) => {
      if (a === b) return 0;
      return a < b ? -1 : 1;
    });
    return items.map(([, obj]) => obj);
  }

  /**
   * The change events after `rv`, or `'expired'` when the history no longer
   * reaches back to it (the watch must get 410 Gone).
   */
  eventsSince(rv: number): ChangeEvent[] | 'expired' {
    if (rv < this.compactedRv) {
      return 'expired';
    }
    return this.history.filter(e => e.rv > rv);
  }

  /** Drops the whole history, like an etcd compaction: older resourceVersions become too old to watch from. */
  compact(): void {
    this.history = [];
    this.compactedRv = this.rv;
  }

  /** Listens to every change; returns the unsubscribe function. */
  subscribe(listener: (e: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(event: ChangeEvent) {
    this.history.push(event);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(
        0,
        this.history.length - this.historyLimit,
      );
      this.compactedRv = dropped[dropped.length - 1].rv;
    }
    for (const listener of [...this.listeners]) {
      listener(event);
    }
  }
}
