/**
 * True when the database refused the data itself (a value too long, a
 * constraint, a trigger), so writing the same rows again fails again; false
 * for everything else (connection lost, timeouts, lock conflicts), which a
 * later run may get past.
 *
 * PostgreSQL: SQLSTATE classes 22 (data exception) and 23 (integrity
 * constraint violation). SQLite (better-sqlite3): SQLITE_CONSTRAINT*,
 * SQLITE_MISMATCH, SQLITE_TOOBIG, SQLITE_RANGE.
 */
export function isDataError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  if (/^2[23][0-9A-Z]{3}$/.test(code)) return true;
  return /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/.test(code);
}

/** The database's own words, without the SQL statement knex puts first. */
export function databaseMessage(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const i = message.lastIndexOf(' - ');
  return (i >= 0 ? message.slice(i + 3) : message).slice(0, 1000);
}

/** True for an error raised by the database driver (PostgreSQL or SQLite). */
export function isDatabaseError(e: unknown): boolean {
  const err = e as { code?: unknown; routine?: unknown } | null;
  if (!err || typeof err !== 'object') return false;
  if (typeof err.code === 'string' && err.code.startsWith('SQLITE_'))
    return true;
  return typeof err.routine === 'string'; // node-postgres DatabaseError
}
