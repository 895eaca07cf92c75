// Writing a compiled segment's parameters into its SQL for the preview.
import { describe, expect, it } from 'vitest';
import { inlineParams, sqlLiteral } from './sqlParams';

describe('inlineParams', () => {
  it('writes each ? as a literal of its value, in order', () => {
    expect(inlineParams('SELECT * FROM "customers" WHERE "tier" = ? AND "value" > ? AND "email" IS ?', ['Gold', 100.5, null])).toBe(
      `SELECT * FROM "customers" WHERE "tier" = 'Gold' AND "value" > 100.5 AND "email" IS NULL`,
    );
  });

  it('doubles quotes inside text, so a value cannot end its literal', () => {
    expect(sqlLiteral("O'Brien'; DROP TABLE customers; --")).toBe(`'O''Brien''; DROP TABLE customers; --'`);
  });

  it('leaves question marks inside quotes, identifiers and comments alone', () => {
    expect(inlineParams(`SELECT 'why?', "odd?name", [x?] FROM t -- really?\nWHERE a = ? /* b = ? */`, [1])).toBe(
      `SELECT 'why?', "odd?name", [x?] FROM t -- really?\nWHERE a = 1 /* b = ? */`,
    );
    expect(inlineParams(`SELECT 'it''s ?' WHERE a = ?`, ['x'])).toBe(`SELECT 'it''s ?' WHERE a = 'x'`);
  });

  it('follows SQLite’s numbering for ?NNN and the plain ? after it', () => {
    expect(inlineParams('a = ?2 AND b = ?1 AND c = ?', ['one', 'two', 'three'])).toBe(`a = 'two' AND b = 'one' AND c = 'three'`);
  });

  it('refuses a placeholder without a value', () => {
    expect(() => inlineParams('a = ? AND b = ?', [1])).toThrow('?2');
  });
});
