/*
 * Ingestion integrity (docs/architecture.md, "Ingestion"):
 * - gitops_ingestion_errors: a commit (or one service × environment of it)
 *   that could not be ingested; ingestion records it and moves on.
 * - gitops_rollouts.rewritten_at: the rollout's GitOps commit left the
 *   branch's first-parent history (force-push). The row is kept, and left out
 *   of metrics, feature answers and outcome tracking.
 * - gitops_portal_commits: commits the portal itself wrote; only their
 *   Gitops-Kind / Gitops-Action / Gitops-Initiator trailers are trusted.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('gitops_ingestion_errors', table => {
    table.comment(
      'Commits of a GitOps repository that could not be ingested (skipped, not retried)',
    );
    table.bigIncrements('id').primary();
    table.string('repository_id', 63).notNullable();
    table.string('commit_sha', 64).notNullable();
    table
      .string('service', 63)
      .notNullable()
      .defaultTo('')
      .comment('empty when the whole commit failed');
    table.string('environment', 63).notNullable().defaultTo('');
    table.text('message').notNullable();
    table
      .timestamp('recorded_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    // A re-run records the same error once.
    table.unique(['repository_id', 'commit_sha', 'service', 'environment'], {
      indexName: 'gitops_ingestion_errors_uniq',
    });
    table.index(['repository_id', 'id'], 'gitops_ingestion_errors_repo_idx');
  });

  await knex.schema.alterTable('gitops_rollouts', table => {
    table
      .timestamp('rewritten_at', { useTz: true })
      .nullable()
      .comment(
        'Set when the GitOps commit left the branch history (force-push)',
      );
  });

  await knex.schema.createTable('gitops_portal_commits', table => {
    table.comment(
      'Commits written by the portal: their Gitops-* trailers are trusted',
    );
    table.string('repository_id', 63).notNullable();
    table.string('sha', 64).notNullable();
    table.string('action_id', 64).nullable();
    table
      .timestamp('created_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    table.primary(['repository_id', 'sha']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gitops_portal_commits');
  await knex.schema.alterTable('gitops_rollouts', table => {
    table.dropColumn('rewritten_at');
  });
  await knex.schema.dropTable('gitops_ingestion_errors');
};
