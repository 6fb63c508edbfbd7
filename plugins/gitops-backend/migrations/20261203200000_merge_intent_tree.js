/*
 * A merge intent pins the content of the merge commit it stands for: the
 * tree GitHub's merge must have (the reviewed head's tree when the base is
 * an ancestor of it). A merge commit with the intent's parents and message
 * but another tree (made by hand) is not trusted; intents recorded before
 * this migration have none and are no longer trusted (their merge commits
 * are recorded by sha once the host answered).
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('gitops_portal_merge_intents', table => {
    table
      .string('tree_sha', 64)
      .nullable()
      .comment('The tree the merge commit must have; null: never trusted');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('gitops_portal_merge_intents', table => {
    table.dropColumn('tree_sha');
  });
};
