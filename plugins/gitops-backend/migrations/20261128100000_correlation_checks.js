/*
 * CI results (check runs and commit statuses) of a rollout's new version, as
 * the source repository's host reported them when the rollout was correlated.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('gitops_rollout_correlations', table => {
    table
      .text('checks')
      .nullable()
      .comment('JSON ChecksSummary of the new version (GitHub)');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('gitops_rollout_correlations', table => {
    table.dropColumn('checks');
  });
};
