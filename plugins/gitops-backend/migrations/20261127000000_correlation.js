/*
 * Feature-to-deployment correlation: which source commits each rollout added
 * or removed, the pull requests and issue keys of those commits, and an index
 * of feature references for fast "where is SAAS-1543?" lookups.
 * Written by src/correlation/CorrelationStore.ts, one transaction per rollout.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('gitops_service_sources', table => {
    table.comment(
      'Source repository of each service, from the catalog (refreshed by the correlation task)',
    );
    table.string('repository_id', 63).notNullable();
    table.string('service', 63).notNullable();
    table
      .string('source_repository', 255)
      .nullable()
      .comment('e.g. demo:guestbook-ui or github:acme/guestbook-ui');
    table.string('entity_ref', 255).notNullable();
    table
      .timestamp('updated_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    table.primary(['repository_id', 'service']);
    table.index(['source_repository'], 'gitops_service_sources_source_idx');
  });

  await knex.schema.createTable('gitops_source_commits', table => {
    table.comment('Commits of source repositories that some rollout carried');
    table.string('source_repository', 255).notNullable();
    table.string('sha', 64).notNullable();
    table.string('subject', 1024).notNullable();
    table.string('author_name', 255).notNullable();
    table.string('author_email', 255).nullable();
    table.timestamp('committed_at', { useTz: true }).notNullable();
    table
      .text('co_authors')
      .nullable()
      .comment('JSON array of Co-authored-by names');
    table.primary(['source_repository', 'sha']);
    table.index(['sha'], 'gitops_source_commits_sha_idx');
  });

  await knex.schema.createTable('gitops_source_pull_requests', table => {
    table.comment(
      'Pull requests seen in source repositories (merge subjects, squash subjects)',
    );
    table.string('source_repository', 255).notNullable();
    table.integer('number').notNullable();
    table.string('title', 1024).nullable();
    table.string('branch', 255).nullable();
    table.string('merge_sha', 64).nullable();
    table.primary(['source_repository', 'number']);
  });

  await knex.schema.createTable('gitops_change_set_commits', table => {
    table.comment(
      'Change-set membership: the commits a rollout added or removed (baseline: first deployment)',
    );
    table.bigInteger('rollout_id').notNullable();
    table
      .string('direction', 8)
      .notNullable()
      .comment('added | removed | baseline');
    table.string('source_repository', 255).notNullable();
    table.string('sha', 64).notNullable();
    table.integer('position').notNullable().comment('0 = newest');
    table.primary(['rollout_id', 'direction', 'sha']);
    table.index(
      ['source_repository', 'sha'],
      'gitops_change_set_commits_sha_idx',
    );
  });

  await knex.schema.createTable('gitops_feature_refs', table => {
    table.comment(
      'Index of feature references: pull request numbers and issue keys → commits',
    );
    table.string('kind', 8).notNullable().comment('pr | issue');
    table.string('value', 255).notNullable();
    table.string('source_repository', 255).notNullable();
    table.string('sha', 64).notNullable();
    table.primary(['kind', 'value', 'source_repository', 'sha']);
    table.index(['source_repository', 'sha'], 'gitops_feature_refs_commit_idx');
  });

  await knex.schema.createTable('gitops_rollout_correlations', table => {
    table.comment(
      'Correlation status of each rollout: resolved, unmapped, unknown-commit, no-source',
    );
    table.bigInteger('rollout_id').primary().notNullable();
    table.string('status', 16).notNullable();
    table.text('message').nullable();
    table.string('source_repository', 255).nullable();
    table.string('from_commit', 64).nullable();
    table.string('to_commit', 64).nullable();
    table.string('from_strategy', 32).nullable();
    table.string('to_strategy', 32).nullable();
    table.integer('added_count').notNullable().defaultTo(0);
    table.integer('removed_count').notNullable().defaultTo(0);
    table
      .timestamp('correlated_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    table.index(['status'], 'gitops_rollout_correlations_status_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gitops_rollout_correlations');
  await knex.schema.dropTable('gitops_feature_refs');
  await knex.schema.dropTable('gitops_change_set_commits');
  await knex.schema.dropTable('gitops_source_pull_requests');
  await knex.schema.dropTable('gitops_source_commits');
  await knex.schema.dropTable('gitops_service_sources');
};
