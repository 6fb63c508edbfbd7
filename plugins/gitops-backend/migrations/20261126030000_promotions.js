/*
 * Promotions and rollbacks through Git: the action records (with their
 * idempotency keys), approvals, holds, the per-environment lock that
 * serializes writes across replicas, and the audit trail.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('gitops_actions', table => {
    table.comment('Promotion and rollback requests and their lifecycle');
    table.bigIncrements('id').primary();
    table.string('idempotency_key', 128).notNullable().unique();
    table
      .string('request_hash', 64)
      .notNullable()
      .comment('sha256 of the normalized request');
    table.string('kind', 16).notNullable();
    table.string('state', 24).notNullable();
    table.string('repository_id', 63).notNullable();
    table.string('service', 63).notNullable();
    table.string('source_environment', 63).nullable();
    table
      .text('environments')
      .notNullable()
      .comment('JSON array of target environments');
    table.string('version', 255).notNullable();
    table.string('mode', 16).notNullable();
    table.string('requested_by', 255).notNullable();
    table.text('reason').nullable();
    table.text('changes').notNullable().comment('JSON ManifestChange[]');
    table
      .text('gates')
      .notNullable()
      .comment('JSON GateResult[] at the last evaluation');
    table.integer('required_approvals').notNullable().defaultTo(0);
    table.string('approver_group', 255).nullable();
    table
      .string('base_sha', 64)
      .nullable()
      .comment('GitOps head the change was planned on');
    table.string('branch', 255).nullable();
    table.string('pull_request_url', 1024).nullable();
    table.string('commit_sha', 64).nullable();
    table.text('error').nullable();
    table
      .timestamp('created_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    table
      .timestamp('updated_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    table.index(
      ['repository_id', 'service', 'id'],
      'gitops_actions_service_idx',
    );
    table.index(['state'], 'gitops_actions_state_idx');
  });

  await knex.schema.createTable('gitops_approvals', table => {
    table.bigInteger('action_id').notNullable();
    table.string('approver', 255).notNullable();
    table.text('comment').nullable();
    table
      .timestamp('created_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    table.primary(['action_id', 'approver']);
  });

  await knex.schema.createTable('gitops_holds', table => {
    table.comment(
      'Rolled-back versions that must not be promoted again until lifted',
    );
    table.bigIncrements('id').primary();
    table.string('repository_id', 63).notNullable();
    table.string('service', 63).notNullable();
    table.string('environment', 63).notNullable();
    table.string('version', 255).notNullable();
    table.text('reason').notNullable();
    table.bigInteger('action_id').nullable();
    table.string('created_by', 255).notNullable();
    table
      .timestamp('created_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    table.string('lifted_by', 255).nullable();
    table.timestamp('lifted_at', { useTz: true }).nullable();
    table.text('lift_reason').nullable();
    table.index(
      ['repository_id', 'service', 'environment'],
      'gitops_holds_env_idx',
    );
  });

  await knex.schema.createTable('gitops_environment_locks', table => {
    table.comment('One write at a time per environment, across replicas');
    table.string('repository_id', 63).notNullable();
    table.string('environment', 63).notNullable();
    table.bigInteger('action_id').notNullable();
    table
      .timestamp('acquired_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    table.primary(['repository_id', 'environment']);
  });

  await knex.schema.createTable('gitops_audit', table => {
    table.comment('Every write attempt: allowed, denied or failed');
    table.bigIncrements('id').primary();
    table
      .timestamp('at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    table.string('actor', 255).notNullable();
    table.string('action', 32).notNullable();
    table.string('repository_id', 63).nullable();
    table.string('service', 63).nullable();
    table.text('environments').nullable();
    table.string('from_version', 255).nullable();
    table.string('to_version', 255).nullable();
    table
      .string('result', 16)
      .notNullable()
      .comment('succeeded | denied | failed | refused');
    table.text('message').nullable();
    table.bigInteger('action_id').nullable();
    table.index(['at'], 'gitops_audit_at_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gitops_audit');
  await knex.schema.dropTable('gitops_environment_locks');
  await knex.schema.dropTable('gitops_holds');
  await knex.schema.dropTable('gitops_approvals');
  await knex.schema.dropTable('gitops_actions');
};
