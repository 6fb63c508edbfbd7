/*
 * GitHub webhook deliveries seen (issue #11): the `X-GitHub-Delivery` id of
 * each event the plugin handled, so that a delivery GitHub sends again (its
 * retries, a redelivery by hand) or that two replicas both receive is handled
 * once. The first insert wins; rows older than the retention are pruned.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('gitops_webhook_deliveries', table => {
    table.comment('Webhook deliveries handled once (X-GitHub-Delivery)');
    table
      .string('delivery_id', 100)
      .primary()
      .notNullable()
      .comment('The X-GitHub-Delivery header');
    table.string('topic', 64).notNullable().comment('Events topic');
    table
      .bigInteger('received_at_ms')
      .notNullable()
      .index()
      .comment('When it was first handled (epoch ms), for the retention');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gitops_webhook_deliveries');
};
