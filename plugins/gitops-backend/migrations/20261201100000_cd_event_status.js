/*
 * Live status from Argo CD and Flux notifications (issue #11, events-only
 * mode): where the portal has no credentials for an environment's cluster,
 * the last event of each (service, environment) is its live status. One row
 * per (repository, service, environment); an older event never overwrites a
 * newer one.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('gitops_cd_event_status', table => {
    table.comment('Live status from Argo CD / Flux notifications');
    table.string('repository_id', 63).notNullable();
    table.string('service', 63).notNullable();
    table.string('environment', 63).notNullable();
    table.string('tool', 16).notNullable().comment('argocd or flux');
    table
      .string('app', 253)
      .notNullable()
      .comment('namespace/name of the Application or Kustomization');
    table.string('health', 16).notNullable();
    table.string('sync', 16).notNullable();
    table.string('operation_phase', 16).nullable();
    table.string('revision', 64).nullable();
    table
      .text('observed_versions')
      .notNullable()
      .comment('JSON array of versions read from the event');
    table.string('reason', 64).nullable();
    table.string('message', 512).nullable();
    table
      .bigInteger('event_at_ms')
      .notNullable()
      .comment('When the tool says the event happened (epoch ms)');
    table.bigInteger('received_at_ms').notNullable();
    table.primary(['repository_id', 'service', 'environment']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gitops_cd_event_status');
};
