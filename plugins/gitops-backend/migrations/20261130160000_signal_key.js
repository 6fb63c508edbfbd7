/*
 * The secret of the opaque change keys of live updates (issue #11): one row,
 * a random 32-byte secret written by the first replica that needs it (insert
 * or ignore, then read back), so every replica and every restart computes
 * the same keys. Unused when `gitops.signals.keySecret` is configured.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('gitops_signal_key', table => {
    table.comment('Secret of the opaque change keys of live updates (one row)');
    table.integer('id').primary().notNullable().comment('Always 1');
    table
      .string('secret', 64)
      .notNullable()
      .comment('32 random bytes, hex; never sent to browsers or logs');
    table
      .bigInteger('created_at_ms')
      .notNullable()
      .comment('When the first replica wrote it (epoch ms)');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gitops_signal_key');
};
