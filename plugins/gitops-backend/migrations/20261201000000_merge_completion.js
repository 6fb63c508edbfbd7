/*
 * Finishing a merge is several writes after the compare-and-set to `merged`
 * (the hold of a rollback, the `after` steps, the environment locks, the
 * audit). merged_at_ms is set in that compare-and-set; merge_completed_at_ms
 * once every follow-up is done. A row with the first and not the second was
 * cut by a crash, and reconciliation finishes it (each follow-up is
 * idempotent). Rows merged before this migration have neither: they are not
 * revisited.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('gitops_actions', table => {
    table
      .bigInteger('merged_at_ms')
      .nullable()
      .comment('When the action was recorded merged (epoch ms)');
    table
      .bigInteger('merge_completed_at_ms')
      .nullable()
      .comment(
        'When every follow-up of the merge (hold, steps, audit) was done (epoch ms)',
      );
    table.index(
      ['merge_completed_at_ms', 'merged_at_ms'],
      'gitops_actions_unfinished_merges_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('gitops_actions', table => {
    table.dropIndex([], 'gitops_actions_unfinished_merges_idx');
    table.dropColumn('merged_at_ms');
    table.dropColumn('merge_completed_at_ms');
  });
};
