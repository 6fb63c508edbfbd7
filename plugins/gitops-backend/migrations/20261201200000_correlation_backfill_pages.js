/*
 * Correlation backfill (issue #12): the GitHub history pages a backfill has
 * fetched for a source repository, so that a restart continues where it
 * stopped instead of asking GitHub for the same pages again. The rows of a
 * source repository are deleted once its backfill is done.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('gitops_correlation_backfill_pages', table => {
    table.comment('History pages fetched by a correlation backfill');
    table.string('source_repository', 255).notNullable();
    table.integer('page').notNullable().comment('1 = newest');
    table
      .string('head_sha', 40)
      .notNullable()
      .comment('The commit whose history is paged (fixed for a backfill)');
    table
      .bigInteger('max_rollout_id')
      .notNullable()
      .comment('Newest rollout of the backfill; newer ones are incremental');
    table.string('end_cursor', 255).nullable();
    table.boolean('has_next').notNullable();
    table
      .text('commits', 'longtext')
      .notNullable()
      .comment('JSON array of commits');
    table.bigInteger('fetched_at_ms').notNullable();
    table.primary(['source_repository', 'page']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gitops_correlation_backfill_pages');
};
