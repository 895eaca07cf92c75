// The import form's state and the rules that turn it into an import request: pure functions,
// so the dialog only wires them to inputs.
import type { ImportMode, ImportPlan, ImportRequest, PlannedColumn } from '../../api/dataTypes';
import { columnNameProblems, identifierProblem } from '../../lib/identifiers';

export const ENCODINGS = ['UTF-8', 'UTF-8 (BOM)', 'UTF-16LE', 'UTF-16BE', 'Windows-1252'] as const;

export const DELIMITERS: readonly { value: string; label: string }[] = [
  { value: ',', label: 'Comma ( , )' },
  { value: ';', label: 'Semicolon ( ; )' },
  { value: '\t', label: 'Tab' },
  { value: '|', label: 'Pipe ( | )' },
];

export interface ImportForm {
  table: string;
  /** The user typed a table name: a new inspect must not overwrite it. */
  tableEdited: boolean;
  /** What to do with an existing table of that name. */
  existingMode: Exclude<ImportMode, 'create'>;
  columns: PlannedColumn[];
  allOrNothing: boolean;
}

/**
 * The columns of a fresh inspect, keeping what the user already changed for headers that are
 * still there (a new encoding usually keeps the headers; a new delimiter usually does not).
 */
export function mergeColumns(fresh: readonly PlannedColumn[], edited: readonly PlannedColumn[], original: readonly PlannedColumn[]): PlannedColumn[] {
  return fresh.map((c) => {
    const i = edited.findIndex((e) => e.header === c.header);
    if (i < 0) return c;
    const before = original.find((o) => o.header === c.header);
    const mine = edited[i];
    // Only what the user changed survives; the rest follows the new reading.
    return {
      ...c,
      name: before && mine.name !== before.name ? mine.name : c.name,
      type: before && mine.type !== before.type ? mine.type : c.type,
      pii: before && mine.pii !== before.pii ? mine.pii : c.pii,
      include: before && mine.include !== before.include ? mine.include : c.include,
    };
  });
}

/** The existing table the name points at (SQLite ignores case), or null for a new one. */
export function existingTable(plan: ImportPlan, table: string): string | null {
  const lower = table.toLowerCase();
  return plan.existingTables.find((t) => t.toLowerCase() === lower) ?? null;
}

export function modeOf(plan: ImportPlan, form: ImportForm): ImportMode {
  return existingTable(plan, form.table) ? form.existingMode : 'create';
}

/** Problems the user can fix before starting, by field name (`table`, `columns[2].name`, `columns`). */
export function formProblems(form: ImportForm): Map<string, string> {
  const out = new Map<string, string>();
  const table = identifierProblem(form.table, 'table');
  if (table) out.set('table', table);
  for (const [i, message] of columnNameProblems(form.columns)) out.set(`columns[${i}].name`, message);
  if (!form.columns.some((c) => c.include)) out.set('columns', 'Include at least one column.');
  return out;
}

export function requestOf(plan: ImportPlan, form: ImportForm, path: string): ImportRequest {
  return {
    path,
    table: form.table,
    mode: modeOf(plan, form),
    encoding: plan.encoding,
    delimiter: plan.delimiter,
    columns: form.columns,
    allOrNothing: form.allOrNothing,
  };
}

/** The column a problem's field points at (`columns[3].header` → 3), or null. */
export function columnOf(field: string): number | null {
  const m = /^columns\[(\d+)\]/.exec(field);
  return m ? Number(m[1]) : null;
}
