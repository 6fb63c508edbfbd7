/*
 * The merge of an environment change that takes environments away (a
 * retirement) holds the environment locks of those environments, like an
 * action does, so no promotion opens there between its checks and its
 * merge (docs/environments.md). Such a lock has no action (action_id 0): it
 * is a lease, renewed while the merge runs, released when it ends, and free
 * for anyone once expired (a replica that crashed mid-merge).
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('gitops_environment_locks', table => {
    table
      .string('holder', 255)
      .nullable()
      .comment(
        'An environment change holding the lock (action_id 0): what it is',
      );
    table
      .string('lease_token', 64)
      .nullable()
      .comment('The lease of an environment change holding the lock');
    table
      .bigInteger('expires_at_ms')
      .nullable()
      .comment('Expiry of that lease: an expired one is free');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('gitops_environment_locks', table => {
    table.dropColumn('holder');
    table.dropColumn('lease_token');
    table.dropColumn('expires_at_ms');
  });
};
