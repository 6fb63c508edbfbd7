/*
 * Deployment steps (issue #9, docs/promotion.md "Steps"): one row per step
 * of an action's phase (before / after) and target environment. The state
 * lives here, not in memory, so a step survives a restart: any replica
 * continues it under a lease (claimed_by, claim_expires_at_ms,
 * claim_generation), one attempt at a time.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('gitops_step_runs', table => {
    table.comment('Deployment steps of promotions and rollbacks');
    table.bigIncrements('id').primary();
    table.bigInteger('action_id').notNullable();
    table.string('environment', 63).notNullable();
    table.string('phase', 8).notNullable().comment('before | after');
    table.integer('position').notNullable();
    table.string('name', 63).notNullable();
    table.string('type', 63).notNullable();
    table.text('definition').notNullable().comment('JSON PipelineStep');
    table
      .string('state', 16)
      .notNullable()
      .comment('pending | running | passed | failed | skipped | cancelled');
    table.integer('attempt').notNullable().defaultTo(0);
    table.bigInteger('started_at_ms').nullable();
    table.bigInteger('next_at_ms').nullable();
    table.bigInteger('finished_at_ms').nullable();
    table.text('message').nullable();
    table.text('output').nullable().comment('JSON, secret-free');
    table.text('step_state').nullable().comment("JSON, the step's own");
    table.string('claimed_by', 255).nullable();
    table.bigInteger('claim_expires_at_ms').nullable();
    table.integer('claim_generation').notNullable().defaultTo(0);
    table.unique(['action_id', 'environment', 'phase', 'position'], {
      indexName: 'gitops_step_runs_position_unique',
    });
    table.index(['state', 'next_at_ms'], 'gitops_step_runs_due_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gitops_step_runs');
};
