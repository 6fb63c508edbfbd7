/*
 * Adopting an existing repository keeps its past (issue #12 point 6): the
 * pipeline is applied to the history before it first appeared.
 *
 * - retro_until_sha: while that history is read, the commit where the
 *   pipeline first appeared (commits before it are read with its pipeline);
 *   null once the walk passed it. A run resumed after a crash needs it.
 * - legacy_history: the repository was ingested before this migration, so
 *   its ledger starts at the pipeline's first commit. Its past is read only
 *   when an operator asks for a re-ingest (gitops.repositories[].reingest):
 *   appending older rollouts after newer ones would break the ledger's order.
 * - reingest: the value of gitops.repositories[].reingest last applied.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('gitops_repositories', table => {
    table
      .string('retro_until_sha', 64)
      .nullable()
      .comment(
        'While the history before the pipeline is read: the commit it first appeared in',
      );
    table
      .boolean('legacy_history')
      .notNullable()
      .defaultTo(false)
      .comment(
        'Ingested before pipelines applied to earlier history: its past is not read until a re-ingest',
      );
    table
      .string('reingest', 255)
      .nullable()
      .comment('The gitops.repositories[].reingest value last applied');
  });
  await knex('gitops_repositories')
    .whereNotNull('last_commit_sha')
    .update({ legacy_history: true });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('gitops_repositories', table => {
    table.dropColumn('retro_until_sha');
    table.dropColumn('legacy_history');
    table.dropColumn('reingest');
  });
};
