/**
 * A SQL string literal.
 * @internal
 */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * A quoted SQL identifier.
 * @internal
 */
export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

const WHOLE_QUERY = /^\s*(select|with|from|\()/i;

/**
 * The query run over the relation `incoming` for a user's SQL: a whole query when it starts with
 * `SELECT`, `WITH`, `FROM` or `(`, else a clause appended to `SELECT * FROM incoming`.
 * @internal
 */
export function userQuery(sql: string | undefined): string {
  if (sql === undefined) return 'SELECT * FROM incoming';
  const trimmed = sql.trim().replace(/;\s*$/, '');
  return WHOLE_QUERY.test(trimmed) ? trimmed : `SELECT * FROM incoming ${trimmed}`;
}
