/*
 * Cluster observation: the watcher lease (leader election across replicas),
 * the compact live status per (service, environment), the state of each
 * cluster connection, and out-of-band drift seen in clusters.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('gitops_cluster_leases', table => {
    table.comment(
      'Leader election: the replica holding the lease watches the clusters',
    );
    table.string('name', 63).primary().notNullable();
    table.string('holder', 255).notNullable();
    table
      .bigInteger('expires_at_ms')
      .notNullable()
      .comment('Epoch milliseconds; expired leases can be taken');
    table.bigInteger('renewed_at_ms').notNullable();
  });

  await knex.schema.createTable('gitops_live_status', table => {
    table.comment(
      'What the cluster runs for one service in one environment (written only on change)',
    );
    table.string('repository_id', 63).notNullable();
    table.string('service', 63).notNullable();
    table.string('environment', 63).notNullable();
    table.string('cluster', 255).nullable();
    table.string('namespace', 255).nullable();
    table.string('health', 16).notNullable();
    table.string('sync', 16).notNullable();
    table.string('applied_revision', 64).nullable();
    table.integer('replicas_ready').nullable();
    table.integer('replicas_desired').nullable();
    table.integer('replicas_updated').nullable();
    table.text('pods').nullable().comment('JSON PodCounts');
    table.text('observed_versions').notNullable().comment('JSON string[]');
    table.string('last_sync_at', 40).nullable();
    table
      .string('fingerprint', 64)
      .notNullable()
      .comment('Hash of the status: unchanged status is not rewritten');
    table.bigInteger('updated_at_ms').notNullable();
    table.primary(['repository_id', 'service', 'environment']);
  });

  await knex.schema.createTable('gitops_cluster_connections', table => {
    table.comment(
      'State of the connection to each cluster, as the watching replica sees it',
    );
    table.string('cluster', 255).primary().notNullable();
    table.string('state', 16).notNullable();
    table.bigInteger('since_ms').nullable();
    table.string('message', 1024).nullable();
    table.bigInteger('last_event_at_ms').nullable();
  });

  await knex.schema.createTable('gitops_drift_observations', table => {
    table.comment(
      'Out-of-band drift: a version running in a cluster that Git never asked for',
    );
    table.bigIncrements('id').primary();
    table.string('repository_id', 63).notNullable();
    table.string('service', 63).notNullable();
    table.string('environment', 63).notNullable();
    table.string('cluster', 255).notNullable();
    table.string('observed_version', 255).notNullable();
    table.string('desired_version', 255).nullable();
    table.bigInteger('first_seen_ms').notNullable();
    table.bigInteger('last_seen_ms').notNullable();
    table.unique(
      ['repository_id', 'service', 'environment', 'observed_version'],
      {
        indexName: 'gitops_drift_observations_uniq',
      },
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gitops_drift_observations');
  await knex.schema.dropTable('gitops_cluster_connections');
  await knex.schema.dropTable('gitops_live_status');
  await knex.schema.dropTable('gitops_cluster_leases');
};
