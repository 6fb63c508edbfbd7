/*
 * The trustworthy write path (docs/promotion.md):
 * - idempotency keys are scoped to the caller: unique (requested_by, key),
 *   and the hash covers the whole request body;
 * - a replica works on an action under a lease (claimed_by, claim_expires_at,
 *   claim_generation): renewed while it works, taken over by reconciliation
 *   when it expires, fenced by the generation;
 * - the approval requirements of every target environment, the entity the
 *   action is about (catalog visibility), emergency rollbacks;
 * - the audit trail records the door (http, scaffolder, actions, scheduler,
 *   reconciliation) and the severity of every attempt.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('gitops_actions', table => {
    table.dropUnique(['idempotency_key']);
  });
  await knex.schema.alterTable('gitops_actions', table => {
    table.unique(['requested_by', 'idempotency_key'], {
      indexName: 'gitops_actions_caller_key_unique',
    });
    table
      .string('entity_ref', 255)
      .nullable()
      .comment('Catalog entity of the service, for visibility checks');
    table.boolean('emergency').notNullable().defaultTo(false);
    table
      .text('approval_requirements')
      .nullable()
      .comment(
        'JSON [{environment, approvals, group?}] of every target at request time',
      );
    table
      .string('door', 32)
      .nullable()
      .comment('http | scaffolder | actions | scheduler | reconciliation');
    table
      .string('claimed_by', 255)
      .nullable()
      .comment('Replica working on the action now (lease owner)');
    table
      .bigInteger('claim_expires_at_ms')
      .nullable()
      .comment('Lease expiry; an expired lease is taken over');
    table
      .integer('claim_generation')
      .notNullable()
      .defaultTo(0)
      .comment('Incremented on every claim: fences a replica that lost it');
  });
  await knex.schema.alterTable('gitops_approvals', table => {
    table
      .text('verified_groups')
      .nullable()
      .comment('JSON: the approver groups membership was checked against');
  });
  await knex.schema.alterTable('gitops_audit', table => {
    table.string('door', 32).nullable();
    table.string('severity', 16).nullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('gitops_approvals', table => {
    table.dropColumn('verified_groups');
  });
  await knex.schema.alterTable('gitops_audit', table => {
    table.dropColumn('door');
    table.dropColumn('severity');
  });
  await knex.schema.alterTable('gitops_actions', table => {
    table.dropUnique([], 'gitops_actions_caller_key_unique');
    table.dropColumn('entity_ref');
    table.dropColumn('emergency');
    table.dropColumn('approval_requirements');
    table.dropColumn('door');
    table.dropColumn('claimed_by');
    table.dropColumn('claim_expires_at_ms');
    table.dropColumn('claim_generation');
  });
  await knex.schema.alterTable('gitops_actions', table => {
    table.unique(['idempotency_key']);
  });
};
