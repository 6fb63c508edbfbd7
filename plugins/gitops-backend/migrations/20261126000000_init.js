/*
 * The rollout ledger. Append-only in spirit: rows of gitops_rollouts are never
 * deleted by the plugin; later issues add outcome columns through new
 * migrations, never by rewriting this one.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('gitops_repositories', table => {
    table.comment('Ingestion cursor and pipeline of each GitOps repository');
    table.string('id', 63).primary().notNullable();
    table.string('last_commit_sha', 64).nullable();
    table.timestamp('last_ingested_at', { useTz: true }).nullable();
    table
      .text('last_error')
      .nullable()
      .comment('JSON SourceError of the last failed run');
    table
      .text('pipeline')
      .nullable()
      .comment('JSON of the last parsed pipeline (definition + entry errors)');
    table
      .text('pipeline_error')
      .nullable()
      .comment('JSON SourceError when the pipeline file at HEAD is broken');
    table
      .text('pipeline_good_content')
      .nullable()
      .comment('Raw text of the last pipeline file that parsed');
    table.bigInteger('commits_ingested').notNullable().defaultTo(0);
  });

  await knex.schema.createTable('gitops_desired_states', table => {
    table.comment(
      'What Git says each service runs in each environment, at the ingested head',
    );
    table.string('repository_id', 63).notNullable();
    table.string('service', 63).notNullable();
    table.string('environment', 63).notNullable();
    table.string('version', 255).nullable();
    table.string('file', 1024).notNullable();
    table.integer('line').nullable();
    table
      .text('error')
      .nullable()
      .comment('JSON SourceError; version keeps the last good value');
    table.string('change_sha', 64).nullable();
    table.timestamp('change_at', { useTz: true }).nullable();
    table.string('change_author', 255).nullable();
    table.string('change_author_email', 255).nullable();
    table.string('change_subject', 1024).nullable();
    table.primary(['repository_id', 'service', 'environment']);
  });

  await knex.schema.createTable('gitops_rollouts', table => {
    table.comment('One change of version of one service in one environment');
    table.bigIncrements('id').primary();
    table.string('repository_id', 63).notNullable();
    table.string('service', 63).notNullable();
    table.string('environment', 63).notNullable();
    table.string('from_version', 255).nullable();
    table.string('to_version', 255).notNullable();
    table.string('kind', 16).notNullable();
    table.string('outcome', 16).notNullable().defaultTo('pending');
    table.string('commit_sha', 64).notNullable();
    table.string('author_name', 255).notNullable();
    table.string('author_email', 255).nullable();
    table.string('subject', 1024).notNullable();
    table.string('initiator', 255).notNullable();
    table.string('file', 1024).notNullable();
    table
      .string('source_commit_sha', 64)
      .nullable()
      .comment('Source commit named by a Gitops-Source-Commit trailer');
    table.timestamp('desired_at', { useTz: true }).notNullable();
    table.timestamp('observed_at', { useTz: true }).nullable();
    table
      .timestamp('recorded_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    // The ledger's idempotency: a commit changes a (service, environment) once.
    table.unique(['repository_id', 'commit_sha', 'service', 'environment'], {
      indexName: 'gitops_rollouts_commit_uniq',
    });
    table.index(
      ['repository_id', 'service', 'environment', 'id'],
      'gitops_rollouts_history_idx',
    );
    table.index(
      ['repository_id', 'service', 'id'],
      'gitops_rollouts_service_idx',
    );
    table.index(['desired_at'], 'gitops_rollouts_desired_at_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gitops_rollouts');
  await knex.schema.dropTable('gitops_desired_states');
  await knex.schema.dropTable('gitops_repositories');
};
