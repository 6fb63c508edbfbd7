/*
 * Fencing of the elected leader's writes: every acquisition of a lease
 * (not a renewal) increments its generation; the leader's writes re-check
 * that the row still has the holder and generation they were elected with
 * (src/cluster/LeaseFence.ts).
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('gitops_cluster_leases', table => {
    table
      .bigInteger('generation')
      .notNullable()
      .defaultTo(0)
      .comment(
        'Incremented by every acquisition; writes of a former holder are refused',
      );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('gitops_cluster_leases', table => {
    table.dropColumn('generation');
  });
};
