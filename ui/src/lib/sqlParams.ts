// Writes a compiled segment's parameters into its SQL as literals, so its rows can be previewed
// through query_start (which takes SQL alone). Only the placeholders are touched: text inside
// quotes, identifiers and comments is copied as it is.
//
// NOTE: the backend already validated these values and chose them (numbers and text); they are
// written as SQLite literals (text quoted with '' doubled), so nothing typed can become SQL.
import type { Cell } from '../api/dataTypes';

/** A value as a SQLite literal. */
export function sqlLiteral(value: Cell): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'NULL';
  return `'${value.replace(/'/g, "''")}'`;
}

/** `sql` with each `?` (or `?NNN`) replaced by its parameter, following SQLite's numbering. */
export function inlineParams(sql: string, params: readonly Cell[]): string {
  let out = '';
  let next = 1;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    // Quoted text, identifiers: copied to their closing quote (a doubled quote stays inside).
    if (ch === "'" || ch === '"' || ch === '`' || ch === '[') {
      const close = ch === '[' ? ']' : ch;
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === close) {
          if (close !== ']' && sql[j + 1] === close) j += 2;
          else break;
        } else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end < 0 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === '?') {
      const m = /^\?(\d*)/.exec(sql.slice(i)) as RegExpExecArray;
      const index = m[1] ? Number(m[1]) : next;
      next = Math.max(next, index + 1);
      if (index < 1 || index > params.length) throw new Error(`The SQL has a placeholder ?${index} without a value.`);
      out += sqlLiteral(params[index - 1]);
      i += m[0].length;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}
