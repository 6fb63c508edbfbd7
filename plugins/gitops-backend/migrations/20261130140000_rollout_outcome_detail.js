/*
 * Outcomes in the ledger (issue #9): a rollout's outcome is `verified` or
 * `failed` by its deployment steps, `rolled-back` once a later rollback took
 * its version away. outcome_detail says why in one bounded, secret-free line
 * (the failed step and what it saw); rolled_back_by names the rollback's
 * commit and outcome_before_rollback keeps what the outcome was, so a
 * rollback commit force-pushed away gives the rollout its outcome back.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('gitops_rollouts', table => {
    table
      .string('outcome_detail', 500)
      .nullable()
      .comment('Why the outcome is what it is (one line, secret-free)');
    table
      .string('rolled_back_by', 64)
      .nullable()
      .comment('GitOps commit of the rollback that took this version away');
    table
      .string('outcome_before_rollback', 16)
      .nullable()
      .comment(
        'The outcome before rolled-back (restored if that rollback is rewritten)',
      );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('gitops_rollouts', table => {
    table.dropColumn('outcome_detail');
    table.dropColumn('rolled_back_by');
    table.dropColumn('outcome_before_rollback');
  });
};
