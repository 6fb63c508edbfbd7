/*
 * Indexes on the action a portal commit or merge intent was written for: the
 * write path asks, before its gates, whether a commit it wrote for an action
 * is on the branch already (a crash between the write and recording it
 * merged), and reconciliation whether a merged pull request was merged by
 * the portal or by hand.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('gitops_portal_commits', table => {
    table.index(
      ['repository_id', 'action_id'],
      'gitops_portal_commits_action_idx',
    );
  });
  await knex.schema.alterTable('gitops_portal_merge_intents', table => {
    table.index(
      ['repository_id', 'action_id'],
      'gitops_portal_merge_intents_action_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('gitops_portal_merge_intents', table => {
    table.dropIndex(
      ['repository_id', 'action_id'],
      'gitops_portal_merge_intents_action_idx',
    );
  });
  await knex.schema.alterTable('gitops_portal_commits', table => {
    table.dropIndex(
      ['repository_id', 'action_id'],
      'gitops_portal_commits_action_idx',
    );
  });
};
