// The rules for names Ferry creates in the customer database (tables and columns), checked as
// the user types so an import is not started only to be refused. The backend checks again.
import type { PlannedColumn } from '../api/dataTypes';

export const MAX_NAME_LENGTH = 64;

/** Why `name` cannot name a table or column, or null when it can. */
export function identifierProblem(name: string, what: 'table' | 'column'): string | null {
  if (name === '') return `Give the ${what} a name.`;
  if (name.length > MAX_NAME_LENGTH) return `Use at most ${MAX_NAME_LENGTH} characters; this name has ${name.length}.`;
  // NOTE: a leading _ is allowed, as the backend allows it; the hint only mentions letters.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return 'Use letters, digits and _ only, and start with a letter (e.g. first_name).';
  const lower = name.toLowerCase();
  if (lower.startsWith('sqlite_') || lower.startsWith('_ferry')) return 'Names that start with sqlite_ or _ferry belong to the database itself.';
  return null;
}

/** The problem with each included column's name, by the column's position in the list. */
export function columnNameProblems(columns: readonly PlannedColumn[]): Map<number, string> {
  const out = new Map<number, string>();
  const seen = new Map<string, number>();
  columns.forEach((c, i) => {
    if (!c.include) return;
    const problem = identifierProblem(c.name, 'column');
    if (problem) {
      out.set(i, problem);
      return;
    }
    // SQLite does not tell first_name from FIRST_NAME.
    const key = c.name.toLowerCase();
    const earlier = seen.get(key);
    if (earlier !== undefined) out.set(i, `Column ${earlier + 1} is already called ${columns[earlier].name}: choose another name.`);
    else seen.set(key, i);
  });
  return out;
}
