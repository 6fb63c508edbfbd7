import type { Knex } from 'knex';

/** The longest delivery id kept (GitHub's are 36-character GUIDs). */
export const MAX_DELIVERY_ID_LENGTH = 100;

/**
 * Webhook deliveries handled, across replicas (table
 * gitops_webhook_deliveries): the first replica to insert a delivery id
 * handles it, every later copy is dropped; a delivery whose handling
 * failed is forgotten, so a redelivery is handled. Rows live for the
 * retention.
 */
export class DeliveryLog {
  constructor(
    private readonly db: Knex,
    private readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * True when this call is the first to record the delivery (handle it),
   * false when it was seen before (drop it). Insert-or-ignore decides, so two
   * replicas racing on one delivery get one true.
   */
  async firstSeen(deliveryId: string, topic: string): Promise<boolean> {
    if (!deliveryId || deliveryId.length > MAX_DELIVERY_ID_LENGTH) {
      throw new Error(
        `delivery id must be 1-${MAX_DELIVERY_ID_LENGTH} characters`,
      );
    }
    const inserted = await this.db('gitops_webhook_deliveries')
      .insert({
        delivery_id: deliveryId,
        topic: topic.slice(0, 64),
        received_at_ms: this.now(),
      })
      .onConflict('delivery_id')
      .ignore()
      .returning('delivery_id');
    return insertedOne(inserted);
  }

  /**
   * Forgets a delivery whose handling failed, so that GitHub's redelivery
   * (or a copy on another replica) is handled rather than dropped.
   */
  async forget(deliveryId: string): Promise<void> {
    await this.db('gitops_webhook_deliveries')
      .where({ delivery_id: deliveryId })
      .delete();
  }

  /** Forgets deliveries older than the retention; returns how many. */
  async prune(): Promise<number> {
    return this.db('gitops_webhook_deliveries')
      .where('received_at_ms', '<', this.now() - this.retentionMs)
      .delete();
  }
}

/**
 * PostgreSQL and SQLite both return the inserted rows with `returning`;
 * an ignored conflict returns none.
 */
function insertedOne(result: unknown): boolean {
  return Array.isArray(result) && result.length === 1;
}
