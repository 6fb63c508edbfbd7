/*
 * Every gitops.repositories[].reingest value applied to a repository, not
 * only the last one: during a rolling deploy, replicas configured with
 * different values each act only on a value not applied yet, so each value
 * is applied once across replicas instead of the replicas re-ingesting in
 * turn on every run (src/database/appliedReingests.ts). One short row per
 * value an operator ever set.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('gitops_reingest_applied', table => {
    table.comment('The gitops.repositories[].reingest values applied');
    table.string('repository_id', 63).notNullable();
    table.string('value', 255).notNullable();
    table
      .timestamp('applied_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    table.primary(['repository_id', 'value']);
  });
  const applied = await knex('gitops_repositories')
    .whereNotNull('reingest')
    .select('id', 'reingest');
  for (const row of applied)
    await knex('gitops_reingest_applied').insert({
      repository_id: row.id,
      value: row.reingest,
    });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gitops_reingest_applied');
};
