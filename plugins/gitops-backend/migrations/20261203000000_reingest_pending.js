/*
 * A re-ingest (gitops.repositories[].reingest) is written aside and made
 * visible at once: while the whole history is read again, batch by batch,
 * readers (the API, the write path's gates) keep reading the repository's
 * current ledger; the run's last transaction replaces it with the pending one
 * (src/database/finishReingest.ts). A run that dies in the middle leaves the
 * current ledger as it was, and the next run resumes the pending one.
 *
 * - gitops_reingest_runs: one per repository being re-ingested: the value
 *   asked for and the walk's own cursor, pipeline and look-back commit.
 * - gitops_reingest_rollouts, gitops_reingest_desired_states,
 *   gitops_reingest_errors: the rows the walk wrote so far, with the columns
 *   of gitops_rollouts, gitops_desired_states and gitops_ingestion_errors.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('gitops_reingest_runs', table => {
    table.comment('Re-ingests in progress: the walk written aside so far');
    table.string('repository_id', 63).primary().notNullable();
    table
      .string('value', 255)
      .notNullable()
      .comment('The gitops.repositories[].reingest value being applied');
    table
      .string('last_commit_sha', 64)
      .nullable()
      .comment("The walk's cursor (null: nothing written yet)");
    table.bigInteger('commits_ingested').notNullable().defaultTo(0);
    table
      .text('pipeline_good_content')
      .nullable()
      .comment('The pipeline file in force at the cursor');
    table
      .string('retro_until_sha', 64)
      .nullable()
      .comment('While the history before the pipeline is read: its commit');
    table
      .timestamp('started_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('gitops_reingest_rollouts', table => {
    table.comment('Rollouts of a re-ingest in progress (gitops_rollouts)');
    table.bigIncrements('id').primary();
    table.string('repository_id', 63).notNullable();
    table.string('service', 63).notNullable();
    table.string('environment', 63).notNullable();
    table.string('from_version', 255).nullable();
    table.string('to_version', 255).notNullable();
    table.string('kind', 16).notNullable();
    table.string('outcome', 16).notNullable().defaultTo('pending');
    table.string('outcome_detail', 500).nullable();
    table.string('rolled_back_by', 64).nullable();
    table.string('outcome_before_rollback', 16).nullable();
    table.string('commit_sha', 64).notNullable();
    table.string('author_name', 255).notNullable();
    table.string('author_email', 255).nullable();
    table.string('subject', 1024).notNullable();
    table.string('initiator', 255).notNullable();
    table.string('file', 1024).notNullable();
    table.string('source_commit_sha', 64).nullable();
    table.timestamp('desired_at', { useTz: true }).notNullable();
    table.timestamp('observed_at', { useTz: true }).nullable();
    table
      .timestamp('recorded_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    table.timestamp('rewritten_at', { useTz: true }).nullable();
    table.unique(['repository_id', 'commit_sha', 'service', 'environment'], {
      indexName: 'gitops_reingest_rollouts_commit_uniq',
    });
    table.index(
      ['repository_id', 'service', 'environment', 'id'],
      'gitops_reingest_rollouts_history_idx',
    );
  });

  await knex.schema.createTable('gitops_reingest_desired_states', table => {
    table.comment(
      'Desired states of a re-ingest in progress (gitops_desired_states)',
    );
    table.string('repository_id', 63).notNullable();
    table.string('service', 63).notNullable();
    table.string('environment', 63).notNullable();
    table.string('version', 255).nullable();
    table.string('file', 1024).notNullable();
    table.integer('line').nullable();
    table.text('error').nullable();
    table.string('change_sha', 64).nullable();
    table.timestamp('change_at', { useTz: true }).nullable();
    table.string('change_author', 255).nullable();
    table.string('change_author_email', 255).nullable();
    table.string('change_subject', 1024).nullable();
    table.primary(['repository_id', 'service', 'environment']);
  });

  await knex.schema.createTable('gitops_reingest_errors', table => {
    table.comment(
      'Ingestion errors of a re-ingest in progress (gitops_ingestion_errors)',
    );
    table.bigIncrements('id').primary();
    table.string('repository_id', 63).notNullable();
    table.string('commit_sha', 64).notNullable();
    table.string('service', 63).notNullable().defaultTo('');
    table.string('environment', 63).notNullable().defaultTo('');
    table.text('message').notNullable();
    table
      .timestamp('recorded_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    table.unique(['repository_id', 'commit_sha', 'service', 'environment'], {
      indexName: 'gitops_reingest_errors_uniq',
    });
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gitops_reingest_errors');
  await knex.schema.dropTable('gitops_reingest_desired_states');
  await knex.schema.dropTable('gitops_reingest_rollouts');
  await knex.schema.dropTable('gitops_reingest_runs');
};
