/*
 * Many repositories, many replicas (issue #12 point 5): the replica running
 * a repository's ingestion holds a lease on it, renewed while the run lasts,
 * so that no other replica starts a run of that repository meanwhile, even
 * when the run outlasts the scheduler's task timeout. A replica that dies
 * mid-run stops renewing; its lease expires (gitops.ingestion.leaseSeconds).
 *
 * - run_holder: `<host>:<pid>#<run>` of the run holding the lease, null when
 *   no run does.
 * - run_expires_at_ms: epoch milliseconds after which another replica may
 *   take the repository.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('gitops_repositories', table => {
    table
      .string('run_holder', 255)
      .nullable()
      .comment('The ingestion run holding the repository (<host>:<pid>#<run>)');
    table
      .bigInteger('run_expires_at_ms')
      .nullable()
      .comment('Epoch ms; after it another replica may take the repository');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('gitops_repositories', table => {
    table.dropColumn('run_holder');
    table.dropColumn('run_expires_at_ms');
  });
};
