// A small in-memory stand-in for the customer-data backend, so the Data, Queries and Segments
// tests talk to something that behaves: tables change when a column is marked or a file is
// imported, CSV files are really parsed, queries read real (generated) rows page by page, and
// segment counts are counted. It follows the contract's shapes and error codes, not the real
// backend's internals, and keeps its SQL to the few forms the tests write.
//
// Like the real commands, its methods are async and reject with plain `{code, message, fields}`
// objects (what crosses the IPC boundary), not Error instances.
/* eslint-disable @typescript-eslint/require-await, @typescript-eslint/only-throw-error */
import type {
  Cell,
  ColumnMeta,
  ColumnType,
  ConditionRule,
  ImportMode,
  ImportPlan,
  ImportRequest,
  ImportStatus,
  InspectOptions,
  Operator,
  PlannedColumn,
  QueryInput,
  RejectedRow,
  ResultPage,
  Rule,
  RuleGroup,
  RunStatus,
  SavedQuery,
  SavedSegment,
  SegmentCount,
  SegmentDefinition,
  SegmentInput,
  TableSample,
  TableSummary,
} from '../api/dataTypes';
import type { AppError } from '../api/types';

/** The fake's "today", as app_status reports it in the tests. */
export const TODAY = '2026-11-27';

interface FakeTable {
  columns: ColumnMeta[];
  rowCount: number;
  rowAt: (index: number) => Cell[];
}

interface CsvFile {
  text: string;
  encoding: string;
}

interface ImportJob {
  status: ImportStatus;
  request: ImportRequest;
  records: { line: number; fields: string[] }[];
  done: number;
  imported: Cell[][];
  rejects: RejectedRow[];
}

interface QueryRun {
  table: FakeTable;
  /** Whether the viewer's PII was masked (decided when the run starts, as the backend does). */
  hidePii: boolean;
  columns: ColumnMeta[];
  pick: number[];
  filter: ((row: Cell[]) => boolean) | null;
  total: number;
  status: RunStatus;
  timeLimitMs: number;
}

function invalid(fields: { field: string; message: string }[]): AppError {
  return { code: 'validation', message: fields.map((f) => f.message).join(' '), fields };
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function identifierProblem(name: string, what: string): string | null {
  if (!name) return `Enter a ${what} name.`;
  if (name.length > 64) return `The ${what} name is longer than 64 characters.`;
  if (!IDENT.test(name)) return `"${name}" is not a valid ${what} name.`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// CSV: a real (small) parser, so quoted delimiters and newlines behave as in a real file.

/** Splits CSV text into records, each with the line it starts on (1-based). */
export function parseCsv(text: string, delimiter: string): { line: number; fields: string[] }[] {
  const out: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let any = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"') {
      quoted = true;
      any = true;
    } else if (ch === delimiter) {
      fields.push(field);
      field = '';
      any = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      if (any || field) {
        fields.push(field);
        out.push({ line: start, fields });
      }
      fields = [];
      field = '';
      any = false;
      line++;
      start = line;
    } else {
      field += ch;
      any = true;
    }
  }
  if (any || field) {
    fields.push(field);
    out.push({ line: start, fields });
  }
  return out;
}

function detectDelimiter(firstLine: string): string {
  let best = ',';
  let most = 0;
  for (const d of [',', ';', '\t', '|']) {
    const n = firstLine.split(d).length - 1;
    if (n > most) {
      most = n;
      best = d;
    }
  }
  return best;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?/;

function fits(value: string, type: ColumnType): boolean {
  if (value === '') return true;
  switch (type) {
    case 'integer':
      return /^-?\d+$/.test(value);
    case 'decimal':
      return /^-?\d+(\.\d+)?$/.test(value);
    case 'boolean':
      return /^(true|false|yes|no|0|1)$/i.test(value);
    case 'date':
      return DATE.test(value);
    case 'dateTime':
      return DATE_TIME.test(value);
    default:
      return true;
  }
}

function infer(values: string[]): ColumnType {
  const filled = values.filter((v) => v !== '');
  if (filled.length === 0) return 'text';
  for (const t of ['boolean', 'integer', 'decimal', 'date', 'dateTime'] as const) {
    if (filled.every((v) => fits(v, t))) return t;
  }
  return 'text';
}

function convert(value: string, type: ColumnType): Cell {
  if (value === '') return null;
  if (type === 'integer' || type === 'decimal') return Number(value);
  if (type === 'boolean') return /^(true|yes|1)$/i.test(value) ? 1 : 0;
  return value;
}

function suggestName(header: string): string {
  const s = header
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[a-z]/.test(s) ? s : s ? `c_${s}` : '';
}

const PII_WORDS = /email|phone|name|birth|street|address|city|postcode/;

/** What a masked personal-data value shows instead of itself (core's PII_MASK). */
export const PII_MASK = '•••• (PII)';

/**
 * Masks every value of the PII-marked columns, empty ones included, as the backend does for a
 * user with Restrict PII access; true when any column is PII (something could be hidden).
 */
function hidePii(columns: readonly ColumnMeta[], rows: Cell[][]): boolean {
  const pii = columns.flatMap((c, i) => (c.pii ? [i] : []));
  for (let r = 0; r < rows.length; r++) {
    const row = [...rows[r]];
    for (const i of pii) row[i] = PII_MASK;
    rows[r] = row;
  }
  return pii.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Segments: the fake's own reading of a definition.

const TEXT_OPS: Operator[] = ['equals', 'notEquals', 'contains', 'notContains', 'startsWith', 'endsWith', 'isEmpty', 'isNotEmpty', 'inList', 'notInList'];
const NUMBER_OPS: Operator[] = ['equals', 'notEquals', 'gt', 'gte', 'lt', 'lte', 'between', 'isEmpty', 'isNotEmpty'];
const DATE_OPS: Operator[] = ['equals', 'before', 'after', 'onOrBefore', 'onOrAfter', 'between', 'inLastDays', 'notInLastDays', 'isEmpty', 'isNotEmpty'];
const BOOL_OPS: Operator[] = ['isTrue', 'isFalse', 'isEmpty', 'isNotEmpty'];

function opsFor(type: ColumnType): Operator[] {
  if (type === 'integer' || type === 'decimal') return NUMBER_OPS;
  if (type === 'date' || type === 'dateTime') return DATE_OPS;
  if (type === 'boolean') return BOOL_OPS;
  return TEXT_OPS;
}

function daysBefore(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

type Predicate = (row: Cell[]) => boolean;

interface Compiled {
  where: string;
  params: Cell[];
  test: Predicate;
}

// ---------------------------------------------------------------------------------------------

export class FakeDataStore {
  tables = new Map<string, FakeTable>();
  files = new Map<string, CsvFile>();
  /** What the next pick_csv_file answers. */
  nextPick: string | null = null;
  /** What the next save_rejects answers. */
  nextRejectsPath: string | null = '/home/ana/rejected-rows.csv';
  /** Rows an import gets through per import_status call. */
  importRowsPerPoll = 1000;
  /** Rows a query produces per query_page call; Infinity = all at once. */
  queryRowsPerPoll = Infinity;
  /** Simulated milliseconds a query takes per query_page call. */
  queryMsPerPoll = 100;
  private jobs = new Map<string, ImportJob>();
  private runs = new Map<string, QueryRun>();
  closedRuns: string[] = [];
  /** Whether the acting user has Restrict PII access (ipcMock wires it to the fake users). */
  restrictPii: () => boolean = () => false;
  queries: SavedQuery[] = [];
  segments: SavedSegment[] = [];
  private seq = 0;

  reset() {
    this.tables.clear();
    this.files.clear();
    this.jobs.clear();
    this.runs.clear();
    this.closedRuns = [];
    this.queries = [];
    this.segments = [];
    this.nextPick = null;
    this.nextRejectsPath = '/home/ana/rejected-rows.csv';
    this.importRowsPerPoll = 1000;
    this.queryRowsPerPoll = Infinity;
    this.queryMsPerPoll = 100;
    this.seq = 0;
  }

  private id(prefix: string) {
    this.seq++;
    return `${prefix}_${this.seq}`;
  }

  /** Adds a table whose rows are computed from their index (a million costs nothing). */
  addTable(name: string, columns: ColumnMeta[], rowCount: number, rowAt: (index: number) => Cell[]) {
    this.tables.set(name, { columns, rowCount, rowAt });
  }

  addRows(name: string, columns: ColumnMeta[], rows: Cell[][]) {
    this.addTable(name, columns, rows.length, (i) => rows[i]);
  }

  /** The demo's two tables: `customers` (with PII marks) and `orders` tied by customer_id. */
  addDemo(customers = 40) {
    const first = ['Ana', 'Bo', 'Chloé', 'Dmitri', "Eoin", 'Fatima', 'Grace', 'Hiro'];
    const last = ['Silva', 'Berg', "O'Brien", 'Novak', 'Okafor', 'Lund', 'Ito', 'Moreau'];
    const tiers = ['Bronze', 'Silver', 'Gold', 'Platinum'];
    const rows: Cell[][] = [];
    for (let i = 0; i < customers; i++) {
      rows.push([
        `C${String(i + 1).padStart(6, '0')}`,
        first[i % first.length],
        last[(i * 3) % last.length],
        i % 10 === 9 ? null : `customer${i + 1}@example.com`,
        tiers[i % tiers.length],
        100 + i * 25.5,
        `19${60 + (i % 40)}-0${(i % 9) + 1}-15`,
        daysBefore(TODAY, i * 7),
        i % 3 === 0 ? 0 : 1,
      ]);
    }
    this.addRows(
      'customers',
      [
        { name: 'customer_id', type: 'text', pii: false },
        { name: 'first_name', type: 'text', pii: true },
        { name: 'last_name', type: 'text', pii: true },
        { name: 'email', type: 'text', pii: true },
        { name: 'loyalty_tier', type: 'text', pii: false },
        { name: 'lifetime_value', type: 'decimal', pii: false },
        { name: 'birthdate', type: 'date', pii: true },
        { name: 'last_order_date', type: 'date', pii: false },
        { name: 'opt_in_email', type: 'boolean', pii: false },
      ],
      rows,
    );
    const orders: Cell[][] = [];
    for (let i = 0; i < customers * 2; i++) {
      orders.push([`O${String(i + 1).padStart(7, '0')}`, rows[i % customers][0], daysBefore(TODAY, i * 3), 20 + (i % 7) * 10, i % 5 === 0 ? 'returned' : 'shipped']);
    }
    this.addRows(
      'orders',
      [
        { name: 'order_id', type: 'text', pii: false },
        { name: 'customer_id', type: 'text', pii: false },
        { name: 'order_date', type: 'date', pii: false },
        { name: 'total', type: 'decimal', pii: false },
        { name: 'status', type: 'text', pii: false },
      ],
      orders,
    );
  }

  addFile(path: string, text: string, encoding = 'UTF-8') {
    this.files.set(path, { text, encoding });
  }

  private table(name: string): FakeTable {
    const t = this.tables.get(name);
    if (!t) throw { code: 'not_found', message: `There is no table called ${name}.` } satisfies AppError;
    return t;
  }

  // --- Data tab -------------------------------------------------------------------------------

  dataTables = async (): Promise<TableSummary[]> =>
    [...this.tables.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, t]) => ({ name, columns: t.columns.map((c) => ({ ...c })), rowCount: t.rowCount }));

  dataSample = async (table: string, limit: number): Promise<TableSample> => {
    const t = this.table(table);
    const n = Math.min(limit, t.rowCount);
    const rows = Array.from({ length: n }, (_, i) => t.rowAt(i));
    const piiHidden = this.restrictPii() && hidePii(t.columns, rows);
    return { table, columns: t.columns.map((c) => ({ ...c })), rows, rowCount: t.rowCount, piiHidden };
  };

  setPii = async (table: string, column: string, pii: boolean): Promise<ColumnMeta> => {
    const t = this.table(table);
    const c = t.columns.find((x) => x.name === column);
    if (!c) throw { code: 'not_found', message: `${table} has no column ${column}.` } satisfies AppError;
    c.pii = pii;
    return { ...c };
  };

  pickCsvFile = async (): Promise<string | null> => this.nextPick;

  importInspect = async (path: string, options: InspectOptions): Promise<ImportPlan> => {
    const file = this.files.get(path);
    if (!file) throw { code: 'not_found', message: `Ferry cannot find ${path}: check the path.` } satisfies AppError;
    const firstLine = file.text.split(/\r?\n/, 1)[0] ?? '';
    const delimiter = options.delimiter ?? detectDelimiter(firstLine);
    const records = parseCsv(file.text, delimiter);
    const header = records[0]?.fields ?? [];
    const data = records.slice(1);
    const problems: { field: string; message: string }[] = [];
    const seen = new Map<string, number>();
    const columns: PlannedColumn[] = header.map((h, index) => {
      const key = h.trim().toLowerCase();
      if (!key) problems.push({ field: `columns[${index}].header`, message: `Column ${index + 1} has no name in the header.` });
      else if (seen.has(key)) problems.push({ field: `columns[${index}].header`, message: `“${h}” appears twice in the header.` });
      seen.set(key, index);
      const name = suggestName(h);
      return { index, header: h, name, type: infer(data.map((r) => r.fields[index] ?? '')), pii: PII_WORDS.test(name), include: true, dateOrder: 'ymd' as const };
    });
    const base = path.split('/').pop()?.replace(/\.[^.]*$/, '') ?? 'import';
    return {
      file: path,
      fileBytes: file.text.length,
      encoding: options.encoding ?? file.encoding,
      delimiter,
      suggestedTable: suggestName(base) || 'imported',
      sampledRows: data.length,
      existingTables: [...this.tables.keys()].sort(),
      columns,
      sampleRows: data.slice(0, 20).map((r) => r.fields),
      problems,
    };
  };

  importStart = async (request: ImportRequest): Promise<string> => {
    const file = this.files.get(request.path);
    if (!file) throw { code: 'not_found', message: `Ferry cannot find ${request.path}.` } satisfies AppError;
    const problems: { field: string; message: string }[] = [];
    const tableProblem = identifierProblem(request.table, 'table');
    if (tableProblem) problems.push({ field: 'table', message: tableProblem });
    const exists = this.tables.has(request.table);
    if (request.mode === 'create' && exists) problems.push({ field: 'table', message: `${request.table} already exists: append to it, replace it or choose another name.` });
    if (request.mode !== 'create' && !exists) problems.push({ field: 'table', message: `There is no table ${request.table} to add to.` });
    const names = new Set<string>();
    request.columns.forEach((c, i) => {
      if (!c.include) return;
      const p = identifierProblem(c.name, 'column');
      if (p) problems.push({ field: `columns[${i}].name`, message: p });
      else if (names.has(c.name.toLowerCase())) problems.push({ field: `columns[${i}].name`, message: `Two columns are called ${c.name}.` });
      names.add(c.name.toLowerCase());
    });
    if (problems.length > 0) throw invalid(problems);
    const records = parseCsv(file.text, request.delimiter).slice(1);
    const id = this.id('imp');
    this.jobs.set(id, {
      request,
      records,
      done: 0,
      imported: [],
      rejects: [],
      status: {
        id,
        state: 'running',
        progress: { rowsImported: 0, rowsRejected: 0, bytesRead: 0, totalBytes: file.text.length },
        report: null,
        error: null,
      },
    });
    return id;
  };

  private job(id: string): ImportJob {
    const job = this.jobs.get(id);
    if (!job) throw { code: 'not_found', message: `No import ${id}.` } satisfies AppError;
    return job;
  }

  importStatus = async (id: string): Promise<ImportStatus> => {
    const job = this.job(id);
    if (job.status.state === 'running') this.advance(job);
    return structuredClone(job.status);
  };

  private advance(job: ImportJob) {
    const { request } = job;
    const included = request.columns.filter((c) => c.include);
    const end = Math.min(job.records.length, job.done + this.importRowsPerPoll);
    for (; job.done < end; job.done++) {
      const { line, fields } = job.records[job.done];
      if (fields.length !== request.columns.length) {
        job.rejects.push({ line, reason: `Expected ${request.columns.length} fields but found ${fields.length}.` });
        continue;
      }
      const bad = included.find((c) => !fits(fields[c.index], c.type));
      if (bad) {
        job.rejects.push({ line, reason: `“${fields[bad.index]}” in ${bad.name} is not a ${bad.type} value.` });
        continue;
      }
      job.imported.push(included.map((c) => convert(fields[c.index], c.type)));
    }
    const totalBytes = job.status.progress.totalBytes;
    job.status.progress = {
      rowsImported: job.imported.length,
      rowsRejected: job.rejects.length,
      bytesRead: job.records.length === 0 ? totalBytes : Math.round((totalBytes * job.done) / job.records.length),
      totalBytes,
    };
    if (job.done < job.records.length) return;
    if (request.allOrNothing && job.rejects.length > 0) {
      job.status.state = 'failed';
      job.status.error = {
        code: 'validation',
        message: `${job.rejects.length} rows could not be imported, and all or nothing was asked for.`,
        fields: [],
      };
      job.status.progress.rowsImported = 0;
    } else {
      this.apply(request.table, request.mode, included, job.imported);
      job.status.state = 'done';
    }
    job.status.report = {
      table: request.table,
      rowsImported: job.status.progress.rowsImported,
      rowsRejected: job.rejects.length,
      rejects: job.rejects.slice(0, 100),
      rejectsFile: job.rejects.length > 0 ? `/tmp/ferry/rejects/${job.status.id}.csv` : null,
      elapsedMs: 1234,
    };
  }

  private apply(table: string, mode: ImportMode, columns: PlannedColumn[], rows: Cell[][]) {
    const metas = columns.map((c) => ({ name: c.name, type: c.type, pii: c.pii }));
    const old = this.tables.get(table);
    if (mode === 'append' && old) {
      const before = Array.from({ length: old.rowCount }, (_, i) => old.rowAt(i));
      this.addRows(table, old.columns, [...before, ...rows]);
    } else this.addRows(table, metas, rows);
  }

  importCancel = async (id: string): Promise<null> => {
    const job = this.job(id);
    if (job.status.state === 'running') {
      job.status.state = 'cancelled';
      job.status.error = { code: 'cancelled', message: 'The import was cancelled.', fields: [] };
    }
    return null;
  };

  saveRejects = async (id: string): Promise<string | null> => {
    this.job(id);
    return this.nextRejectsPath;
  };

  // --- Queries --------------------------------------------------------------------------------

  private checkQuery(input: QueryInput, exceptId: string | null) {
    const problems: { field: string; message: string }[] = [];
    if (!input.name.trim()) problems.push({ field: 'name', message: 'Give the query a name.' });
    else if (this.queries.some((q) => q.id !== exceptId && q.name.toLowerCase() === input.name.trim().toLowerCase()))
      problems.push({ field: 'name', message: `A query called “${input.name.trim()}” already exists.` });
    if (!input.sql.trim()) problems.push({ field: 'sql', message: 'Write the SQL the query runs.' });
    if (!(input.timeLimitSecs >= 1)) problems.push({ field: 'timeLimitSecs', message: 'Allow at least one second.' });
    if (problems.length > 0) throw invalid(problems);
  }

  listQueries = async () => this.queries.map((q) => ({ ...q }));

  createQuery = async (input: QueryInput): Promise<SavedQuery> => {
    this.checkQuery(input, null);
    const q = { id: this.id('qry'), ...input, name: input.name.trim(), createdAt: 1_790_000_000 + this.seq, updatedAt: 1_790_000_000 + this.seq };
    this.queries.push(q);
    return { ...q };
  };

  updateQuery = async (id: string, input: QueryInput): Promise<SavedQuery> => {
    const i = this.queries.findIndex((q) => q.id === id);
    if (i < 0) throw { code: 'not_found', message: 'That query is gone.' } satisfies AppError;
    this.checkQuery(input, id);
    this.queries[i] = { ...this.queries[i], ...input, id, name: input.name.trim(), updatedAt: 1_790_000_000 + ++this.seq };
    return { ...this.queries[i] };
  };

  deleteQuery = async (id: string): Promise<null> => {
    this.queries = this.queries.filter((q) => q.id !== id);
    return null;
  };

  /** Where `needle` starts in `sql`, as 1-based line and column. */
  private position(sql: string, index: number) {
    const before = sql.slice(0, index);
    const line = before.split('\n').length;
    return { line, column: index - before.lastIndexOf('\n') };
  }

  /**
   * Reads `SELECT * | a, b FROM t [WHERE col = 'v' | col = n] [LIMIT n]` (names may be in double quotes). Writes are refused;
   * anything else is a syntax error at the first word it cannot read.
   */
  queryStart = async (sql: string, timeLimitSecs: number): Promise<string> => {
    const write = /\b(insert|update|delete|drop|create|alter|attach|detach|replace|vacuum)\b/i.exec(sql);
    if (write) throw { code: 'write_refused', message: `Queries only read data; ${write[1].toUpperCase()} would change it.` } satisfies AppError;
    const m = /^\s*select\s+([\s\S]+?)\s+(\w+)\s+"?(\w+)"?(?:\s+where\s+"?(\w+)"?\s*=\s*('([^']*)'|-?\d+(?:\.\d+)?))?(?:\s+limit\s+(\d+))?\s*;?\s*$/i.exec(sql);
    if (!m) throw { code: 'sql', message: 'near the start: syntax error' } satisfies AppError;
    if (m[2].toLowerCase() !== 'from') {
      const at = this.position(sql, sql.search(new RegExp(`\\b${m[2]}\\b`)));
      throw { code: 'sql', message: `near "${m[2]}": syntax error (line ${at.line}, column ${at.column})`, ...at } as AppError;
    }
    const tableName = m[3];
    const table = this.tables.get(tableName);
    if (!table) {
      const at = this.position(sql, sql.lastIndexOf(tableName));
      throw { code: 'sql', message: `no such table: ${tableName} (line ${at.line}, column ${at.column})`, ...at } as AppError;
    }
    const wanted = m[1].trim() === '*' ? table.columns.map((c) => c.name) : m[1].split(',').map((s) => s.trim());
    const pick = wanted.map((w) => {
      const i = table.columns.findIndex((c) => c.name === w);
      if (i < 0) {
        const at = this.position(sql, sql.indexOf(w));
        throw { code: 'sql', message: `no such column: ${w} (line ${at.line}, column ${at.column})`, ...at } as AppError;
      }
      return i;
    });
    let filter: QueryRun['filter'] = null;
    if (m[4]) {
      const ci = table.columns.findIndex((c) => c.name === m[4]);
      const want: Cell = m[6] !== undefined ? m[6] : Number(m[5]);
      filter = (row) => row[ci] === want;
    }
    const limit = m[7] ? Number(m[7]) : Infinity;
    const total = filter ? Math.min(limit, this.scan(table, filter).length) : Math.min(limit, table.rowCount);
    const runId = this.id('run');
    this.runs.set(runId, {
      table,
      hidePii: this.restrictPii(),
      columns: pick.map((i) => ({ ...table.columns[i] })),
      pick,
      filter,
      total,
      status: { state: 'running', rowsSoFar: 0, elapsedMs: 0, error: null },
      timeLimitMs: timeLimitSecs * 1000,
    });
    return runId;
  };

  /** A segment's rows as a run: the same paging as a query's, over the rows its rules pick. */
  segmentStart = async (definition: SegmentDefinition, timeLimitSecs: number): Promise<string> => {
    const { table, compiled } = this.compileDefinition(definition);
    const runId = this.id('run');
    this.runs.set(runId, {
      table,
      hidePii: this.restrictPii(),
      columns: table.columns.map((c) => ({ ...c })),
      pick: table.columns.map((_, i) => i),
      filter: compiled.test,
      total: this.scan(table, compiled.test).length,
      status: { state: 'running', rowsSoFar: 0, elapsedMs: 0, error: null },
      timeLimitMs: timeLimitSecs * 1000,
    });
    return runId;
  };

  private scan(table: FakeTable, filter: Predicate): number[] {
    const out: number[] = [];
    for (let i = 0; i < table.rowCount; i++) if (filter(table.rowAt(i))) out.push(i);
    return out;
  }

  private run(runId: string): QueryRun {
    const run = this.runs.get(runId);
    if (!run) throw { code: 'not_found', message: 'That result is no longer kept.' } satisfies AppError;
    return run;
  }

  queryPage = async (runId: string, offset: number, limit: number): Promise<ResultPage> => {
    const run = this.run(runId);
    const s = run.status;
    if (s.state === 'running') {
      s.elapsedMs += this.queryMsPerPoll;
      s.rowsSoFar = Math.min(run.total, s.rowsSoFar + this.queryRowsPerPoll);
      if (s.rowsSoFar >= run.total) s.state = 'done';
      else if (s.elapsedMs > run.timeLimitMs) {
        s.state = 'failed';
        s.error = { code: 'timed_out', message: `The query ran past its limit of ${run.timeLimitMs / 1000} s and was stopped.`, line: null, column: null };
      }
    }
    const indexes = run.filter ? this.scan(run.table, run.filter) : null;
    const end = Math.min(offset + limit, s.rowsSoFar);
    const rows: Cell[][] = [];
    for (let i = offset; i < end; i++) {
      const row = run.table.rowAt(indexes ? indexes[i] : i);
      rows.push(run.pick.map((p) => row[p]));
    }
    const piiHidden = run.hidePii && hidePii(run.columns, rows);
    return { columns: run.columns, offset, rows, status: { ...s }, piiHidden };
  };

  queryCancel = async (runId: string): Promise<null> => {
    const s = this.run(runId).status;
    if (s.state === 'running') {
      s.state = 'cancelled';
      s.error = { code: 'cancelled', message: 'The query was cancelled.', line: null, column: null };
    }
    return null;
  };

  queryClose = async (runId: string): Promise<null> => {
    this.runs.delete(runId);
    this.closedRuns.push(runId);
    return null;
  };

  /** Run ids not closed yet. */
  openRuns(): string[] {
    return [...this.runs.keys()];
  }

  // --- Segments -------------------------------------------------------------------------------

  private checkSegment(input: SegmentInput, exceptId: string | null) {
    const problems: { field: string; message: string }[] = [];
    if (!input.name.trim()) problems.push({ field: 'name', message: 'Give the segment a name.' });
    else if (this.segments.some((s) => s.id !== exceptId && s.name.toLowerCase() === input.name.trim().toLowerCase()))
      problems.push({ field: 'name', message: `A segment called “${input.name.trim()}” already exists.` });
    if (problems.length > 0) throw invalid(problems);
    this.compileDefinition(input.definition);
  }

  listSegments = async () => this.segments.map((s) => structuredClone(s));

  createSegment = async (input: SegmentInput): Promise<SavedSegment> => {
    this.checkSegment(input, null);
    const s = { id: this.id('seg'), ...structuredClone(input), name: input.name.trim(), createdAt: 1_790_000_000 + this.seq, updatedAt: 1_790_000_000 + this.seq };
    this.segments.push(s);
    return structuredClone(s);
  };

  updateSegment = async (id: string, input: SegmentInput): Promise<SavedSegment> => {
    const i = this.segments.findIndex((s) => s.id === id);
    if (i < 0) throw { code: 'not_found', message: 'That segment is gone.' } satisfies AppError;
    this.checkSegment(input, id);
    this.segments[i] = { ...this.segments[i], ...structuredClone(input), id, name: input.name.trim(), updatedAt: 1_790_000_000 + ++this.seq };
    return structuredClone(this.segments[i]);
  };

  deleteSegment = async (id: string): Promise<null> => {
    this.segments = this.segments.filter((s) => s.id !== id);
    return null;
  };

  segmentCount = async (definition: SegmentDefinition): Promise<SegmentCount> => {
    const { table, compiled } = this.compileDefinition(definition);
    let count = 0;
    for (let i = 0; i < table.rowCount; i++) if (compiled.test(table.rowAt(i))) count++;
    const sql = `SELECT * FROM "${definition.table}"${compiled.where ? ` WHERE ${compiled.where}` : ''}`;
    return { count, sql, params: compiled.params, elapsedMs: 3 };
  };

  private compileDefinition(definition: SegmentDefinition) {
    const table = this.tables.get(definition.table);
    if (!table) throw invalid([{ field: 'table', message: `There is no table called ${definition.table}.` }]);
    const problems: { field: string; message: string }[] = [];
    const compiled = this.compileGroup(definition.rules, table, definition.table, '', problems);
    if (problems.length > 0) throw invalid(problems);
    return { table, compiled };
  }

  private compileGroup(group: RuleGroup, table: FakeTable, name: string, path: string, problems: { field: string; message: string }[]): Compiled {
    const parts = group.rules.map((r, i) => this.compileRule(r, table, name, `${path}rules[${i}]`, problems));
    if (parts.length === 0) return { where: '', params: [], test: () => true };
    const join = group.match === 'all' ? ' AND ' : ' OR ';
    return {
      where: parts.length === 1 ? parts[0].where : `(${parts.map((p) => p.where).join(join)})`,
      params: parts.flatMap((p) => p.params),
      test: group.match === 'all' ? (row) => parts.every((p) => p.test(row)) : (row) => parts.some((p) => p.test(row)),
    };
  }

  private compileRule(rule: Rule, table: FakeTable, name: string, path: string, problems: { field: string; message: string }[]): Compiled {
    const none: Compiled = { where: '1', params: [], test: () => true };
    if (rule.kind === 'group') return this.compileGroup(rule, table, name, `${path}.`, problems);
    if (rule.kind === 'related') {
      const other = this.tables.get(rule.table);
      if (!other) {
        problems.push({ field: `${path}.table`, message: `There is no table called ${rule.table}.` });
        return none;
      }
      const ji = other.columns.findIndex((c) => c.name === rule.column);
      const bi = table.columns.findIndex((c) => c.name === rule.on);
      if (ji < 0 || bi < 0) {
        problems.push({ field: `${path}.column`, message: `${rule.table}.${rule.column} cannot be joined to ${name}.${rule.on}.` });
        return none;
      }
      const inner = this.compileGroup(rule.rules, other, rule.table, `${path}.`, problems);
      const keys = new Set<Cell>();
      for (let i = 0; i < other.rowCount; i++) {
        const r = other.rowAt(i);
        if (inner.test(r)) keys.add(r[ji]);
      }
      return {
        where: `${rule.exists ? '' : 'NOT '}EXISTS (SELECT 1 FROM "${rule.table}" r WHERE r."${rule.column}" = "${name}"."${rule.on}"${inner.where ? ` AND ${inner.where}` : ''})`,
        params: inner.params,
        test: (row) => keys.has(row[bi]) === rule.exists,
      };
    }
    return this.compileCondition(rule, table, name, path, problems) ?? none;
  }

  private compileCondition(rule: ConditionRule, table: FakeTable, name: string, path: string, problems: { field: string; message: string }[]): Compiled | null {
    const ci = table.columns.findIndex((c) => c.name === rule.column);
    if (ci < 0) {
      problems.push({ field: `${path}.column`, message: rule.column ? `${name} has no column ${rule.column}.` : 'Choose a column.' });
      return null;
    }
    const type = table.columns[ci].type;
    if (!opsFor(type).includes(rule.op)) {
      problems.push({ field: `${path}.op`, message: `That comparison does not fit a ${type} column.` });
      return null;
    }
    const numeric = type === 'integer' || type === 'decimal';
    const needOne = !['isEmpty', 'isNotEmpty', 'isTrue', 'isFalse', 'between', 'inList', 'notInList'].includes(rule.op);
    const blank = (v: unknown) => v === null || v === undefined || v === '';
    if (needOne && blank(rule.value)) {
      problems.push({ field: `${path}.value`, message: 'Enter a value.' });
      return null;
    }
    if (rule.op === 'between' && (rule.values.length !== 2 || rule.values.some(blank))) {
      problems.push({ field: `${path}.values`, message: 'Enter both ends of the range.' });
      return null;
    }
    if ((rule.op === 'inList' || rule.op === 'notInList') && rule.values.length === 0) {
      problems.push({ field: `${path}.values`, message: 'Add at least one value.' });
      return null;
    }
    if (numeric && [rule.value, ...rule.values].some((v) => !blank(v) && typeof v !== 'number')) {
      problems.push({ field: `${path}.value`, message: 'Enter a number.' });
      return null;
    }
    if ((rule.op === 'inLastDays' || rule.op === 'notInLastDays') && !(typeof rule.value === 'number' && rule.value >= 0)) {
      problems.push({ field: `${path}.value`, message: 'Enter a number of days.' });
      return null;
    }
    const col = `"${rule.column}"`;
    const v = rule.value as Cell;
    const [lo, hi] = rule.values as Cell[];
    const get = (row: Cell[]) => row[ci];
    const s = (row: Cell[]) => String(get(row) ?? '').toLowerCase();
    const text = String(v ?? '').toLowerCase();
    const cmp = (row: Cell[], f: (a: Cell, b: Cell) => boolean, b: Cell) => get(row) !== null && f(get(row), b);
    const lt = (a: Cell, b: Cell) => (a as number) < (b as number);
    const p = (where: string, params: Cell[], test: Predicate): Compiled => ({ where, params, test });
    switch (rule.op) {
      case 'equals':
        return p(`${col} = ?`, [v], (r) => get(r) === v);
      case 'notEquals':
        return p(`${col} <> ?`, [v], (r) => get(r) !== null && get(r) !== v);
      case 'contains':
        return p(`${col} LIKE ?`, [`%${v}%`], (r) => s(r).includes(text));
      case 'notContains':
        return p(`${col} NOT LIKE ?`, [`%${v}%`], (r) => !s(r).includes(text));
      case 'startsWith':
        return p(`${col} LIKE ?`, [`${v}%`], (r) => s(r).startsWith(text));
      case 'endsWith':
        return p(`${col} LIKE ?`, [`%${v}`], (r) => s(r).endsWith(text));
      case 'isEmpty':
        return p(`(${col} IS NULL OR ${col} = '')`, [], (r) => get(r) === null || get(r) === '');
      case 'isNotEmpty':
        return p(`(${col} IS NOT NULL AND ${col} <> '')`, [], (r) => get(r) !== null && get(r) !== '');
      case 'inList':
      case 'notInList': {
        const list = rule.values as Cell[];
        const not = rule.op === 'notInList';
        return p(`${col} ${not ? 'NOT ' : ''}IN (${list.map(() => '?').join(', ')})`, list, (r) => list.includes(get(r)) !== not);
      }
      case 'gt':
      case 'after':
        return p(`${col} > ?`, [v], (r) => cmp(r, (a, b) => lt(b, a), v));
      case 'gte':
      case 'onOrAfter':
        return p(`${col} >= ?`, [v], (r) => cmp(r, (a, b) => !lt(a, b), v));
      case 'lt':
      case 'before':
        return p(`${col} < ?`, [v], (r) => cmp(r, lt, v));
      case 'lte':
      case 'onOrBefore':
        return p(`${col} <= ?`, [v], (r) => cmp(r, (a, b) => !lt(b, a), v));
      case 'between':
        return p(`${col} BETWEEN ? AND ?`, [lo, hi], (r) => cmp(r, (a) => !lt(a, lo) && !lt(hi, a), null));
      case 'inLastDays':
      case 'notInLastDays': {
        const since = daysBefore(TODAY, v as number);
        const not = rule.op === 'notInLastDays';
        return p(`${col} ${not ? '<' : '>='} ?`, [since], (r) => cmp(r, (a) => (a as string) >= since, null) !== not);
      }
      case 'isTrue':
        return p(`${col} = 1`, [], (r) => get(r) === 1);
      case 'isFalse':
        return p(`${col} = 0`, [], (r) => get(r) === 0);
    }
  }
}
