import { createHmac, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';

const TABLE = 'gitops_signal_key';

/** Shortest `gitops.signals.keySecret` accepted. */
export const MIN_KEY_SECRET_LENGTH = 16;

/**
 * The secret shared by every replica: written once (insert or ignore, so
 * concurrent replicas agree on the first row), then read back.
 */
export async function loadKeySecret(db: Knex): Promise<Buffer> {
  await db(TABLE)
    .insert({
      id: 1,
      secret: randomBytes(32).toString('hex'),
      created_at_ms: Date.now(),
    })
    .onConflict('id')
    .ignore();
  const row = await db(TABLE).where({ id: 1 }).first();
  if (typeof row?.secret !== 'string' || !/^[0-9a-f]{64}$/.test(row.secret)) {
    throw new Error(`${TABLE} holds no valid secret`);
  }
  return Buffer.from(row.secret, 'hex');
}

/** The keys of a service that the status API hands out. */
export interface ServiceChangeKeys {
  changeKey: string;
  repositoryChangeKey: string;
}

/**
 * Opaque change keys of live updates: the first 32 hex characters of
 * HMAC-SHA256(secret, `${repositoryId}\0${service}`); the repository-wide
 * key has an empty service. Without the secret, a key tells nothing of the
 * names; the API gives a service's keys only to who may see the service.
 */
export class ChangeKeys {
  private secret?: Promise<Buffer>;

  constructor(private readonly loadSecret: () => Promise<Buffer>) {}

  /** Keys from `gitops.signals.keySecret`, or from the database's secret. */
  static create(options: { keySecret?: string; db: Knex }): ChangeKeys {
    const { keySecret, db } = options;
    if (keySecret === undefined) return new ChangeKeys(() => loadKeySecret(db));
    if (keySecret.length < MIN_KEY_SECRET_LENGTH) {
      throw new Error(
        `gitops.signals.keySecret must be at least ${MIN_KEY_SECRET_LENGTH} characters`,
      );
    }
    const secret = Buffer.from(keySecret, 'utf8');
    return new ChangeKeys(async () => secret);
  }

  private loadedSecret(): Promise<Buffer> {
    this.secret ??= this.loadSecret().catch(e => {
      this.secret = undefined; // asked again next time
      throw e;
    });
    return this.secret;
  }

  async keyOf(repositoryId: string, service?: string): Promise<string> {
    return createHmac('sha256', await this.loadedSecret())
      .update(`${repositoryId}\u0000${service ?? ''}`)
      .digest('hex')
      .slice(0, 32);
  }

  /**
   * An opaque fingerprint of the secret (8 hex characters of
   * HMAC-SHA256(secret, "gitops-heartbeat"), an input no key has: theirs
   * all contain a NUL): sent with the heartbeat, it changes exactly when
   * the keys change, so that open pages refetch and learn their new keys.
   */
  async fingerprint(): Promise<string> {
    return createHmac('sha256', await this.loadedSecret())
      .update('gitops-heartbeat')
      .digest('hex')
      .slice(0, 8);
  }

  async keysOf(
    repositoryId: string,
    service: string,
  ): Promise<ServiceChangeKeys> {
    return {
      changeKey: await this.keyOf(repositoryId, service),
      repositoryChangeKey: await this.keyOf(repositoryId),
    };
  }
}
