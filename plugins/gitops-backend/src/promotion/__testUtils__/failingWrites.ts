import type { Knex } from 'knex';

/**
 * Makes writes to `table` fail (each row for which `when` holds, an SQL
 * condition on NEW that both databases understand), as a crash at that
 * write would: nothing after it in the same call runs. A trigger on
 * PostgreSQL and on SQLite; `stopFailingWrites` removes it.
 */
export async function failWrites(
  knex: Knex,
  options: {
    name: string;
    table: string;
    on?: 'INSERT' | 'UPDATE';
    when?: string;
  },
): Promise<void> {
  const { name, table, on = 'INSERT', when = 'TRUE' } = options;
  if (knex.client.config.client === 'pg') {
    await knex.raw(
      `CREATE FUNCTION ${name}() RETURNS trigger AS $$ BEGIN IF ${when} THEN RAISE EXCEPTION 'injected crash'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
    );
    await knex.raw(
      `CREATE TRIGGER ${name} BEFORE ${on} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}()`,
    );
  } else {
    await knex.raw(
      `CREATE TRIGGER ${name} BEFORE ${on} ON ${table} WHEN ${when} BEGIN SELECT RAISE(ABORT, 'injected crash'); END`,
    );
  }
}

export async function stopFailingWrites(
  knex: Knex,
  name: string,
  table: string,
): Promise<void> {
  await knex.raw(
    knex.client.config.client === 'pg'
      ? `DROP TRIGGER ${name} ON ${table}`
      : `DROP TRIGGER ${name}`,
  );
}
