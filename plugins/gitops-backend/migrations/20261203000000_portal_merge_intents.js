/*
 * Merges the portal asks a Git host to make (GitHub makes the merge commit
 * itself, so its sha is known only once the host answered): recorded before
 * the host is asked, so ingestion trusts the Gitops-* trailers of the merge
 * commit that matches (first parent, second parent, message) even when
 * recording its sha afterwards failed (docs/promotion.md, Audit).
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('gitops_portal_merge_intents', table => {
    table.comment(
      'Merges the portal asked a Git host for: a merge commit matching one is trusted like a portal commit',
    );
    table.string('repository_id', 63).notNullable();
    table
      .string('base_sha', 64)
      .notNullable()
      .comment('Head of the target branch: the first parent');
    table
      .string('head_sha', 64)
      .notNullable()
      .comment('The reviewed commit: the second parent');
    table
      .string('message_sha256', 64)
      .notNullable()
      .comment('sha256 of the message (LF line ends, no trailing whitespace)');
    table.string('action_id', 64).nullable();
    table
      .timestamp('created_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    table.primary(['repository_id', 'head_sha', 'base_sha', 'message_sha256']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gitops_portal_merge_intents');
};
