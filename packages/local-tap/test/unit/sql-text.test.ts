import { describe, expect, it } from 'vitest';
import { sqlIdentifier, sqlString, userQuery } from '../../src/sql-text.js';

describe('sql text helpers', () => {
  it('quotes literals and identifiers', () => {
    expect(sqlString("it's")).toBe("'it''s'");
    expect(sqlIdentifier('a"b')).toBe('"a""b"');
  });

  it('selects every incoming row without a clause', () => {
    expect(userQuery(undefined)).toBe('SELECT * FROM incoming');
  });

  it('appends a clause to SELECT * FROM incoming', () => {
    expect(userQuery("WHERE level = 'ERROR'")).toBe("SELECT * FROM incoming WHERE level = 'ERROR'");
    expect(userQuery('ORDER BY a;  ')).toBe('SELECT * FROM incoming ORDER BY a');
  });

  it('keeps a whole query as it is', () => {
    expect(userQuery('select a from incoming')).toBe('select a from incoming');
    expect(userQuery('  WITH x AS (FROM incoming) FROM x')).toBe('WITH x AS (FROM incoming) FROM x');
    expect(userQuery('FROM incoming SELECT a')).toBe('FROM incoming SELECT a');
  });
});
