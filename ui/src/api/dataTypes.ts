// The customer-data contract (issue 9) as the UI sees it: imports, queries, results and segments.
//
// NOTE: declared by hand from the shared contract because the backend that serialises these
// types is being written in parallel. Once its ts-rs exports land in ./generated/, each type
// here is replaced by a re-export of the generated one (the names are the same), and the
// compiler then points at any place where the two disagree.
import type { Cell } from './generated/Cell';
import type { ColumnMeta } from './generated/ColumnMeta';
import type { ColumnType } from './generated/ColumnType';
import type { AppError } from './types';

export type { Cell } from './generated/Cell';
export type { ColumnMeta } from './generated/ColumnMeta';
export type { ColumnType } from './generated/ColumnType';
export type { TableSample } from './generated/TableSample';
export type { TableSummary } from './generated/TableSummary';

/** Error codes of the customer-data commands, beside the settings side's `ErrorCode`s. */
export type DataErrorCode = 'sql' | 'cancelled' | 'timed_out' | 'write_refused';

// ---------------------------------------------------------------------------------------------
// CSV import

/** How to read a file; `null` means "detect it". */
export interface InspectOptions {
  delimiter: string | null;
  encoding: string | null;
}

/** One column of the file as import would create it; the user may change every field but `index` and `header`. */
export interface PlannedColumn {
  /** Position in the file (0-based). */
  index: number;
  /** The header as written in the file. */
  header: string;
  /** The column name in the table (suggested from the header). */
  name: string;
  /** Inferred from the file's values. */
  type: ColumnType;
  /** Suggested from the name (email, phone, names, birthdate, address). */
  pii: boolean;
  include: boolean;
}

/** Something wrong with the file itself, e.g. a duplicate or empty header (`field` like `columns[3].header`). */
export interface ImportProblem {
  field: string;
  message: string;
}

/** What `import_inspect` learnt about a file. */
export interface ImportPlan {
  file: string;
  fileBytes: number;
  /** "UTF-8", "UTF-8 (BOM)", "UTF-16LE", "UTF-16BE" or "Windows-1252". */
  encoding: string;
  /** ",", ";", "\t" or "|". */
  delimiter: string;
  suggestedTable: string;
  existingTables: string[];
  columns: PlannedColumn[];
  /** The first data rows (at most 20), as text. */
  sampleRows: string[][];
  problems: ImportProblem[];
}

export type ImportMode = 'create' | 'append' | 'replace';

export interface ImportRequest {
  path: string;
  table: string;
  mode: ImportMode;
  encoding: string;
  delimiter: string;
  columns: PlannedColumn[];
  allOrNothing: boolean;
}

export interface ImportProgress {
  rowsImported: number;
  rowsRejected: number;
  bytesRead: number;
  totalBytes: number;
}

export interface RejectedRow {
  /** The line of the file the row starts on (1 is the header). */
  line: number;
  reason: string;
}

export interface ImportReport {
  table: string;
  rowsImported: number;
  rowsRejected: number;
  /** The first 100 rejected rows. */
  rejects: RejectedRow[];
  /** Where every rejected row was written, with a reason column, if any was. */
  rejectsFile: string | null;
  elapsedMs: number;
}

export type ImportState = 'running' | 'done' | 'failed' | 'cancelled';

export interface ImportStatus {
  id: string;
  state: ImportState;
  progress: ImportProgress;
  report: ImportReport | null;
  error: AppError | null;
}

// ---------------------------------------------------------------------------------------------
// Queries and their results

export interface SavedQuery {
  id: string;
  name: string;
  description: string;
  sql: string;
  timeLimitSecs: number;
  /** Unix seconds. */
  updatedAt: number;
}

export interface QueryInput {
  name: string;
  description: string;
  sql: string;
  timeLimitSecs: number;
}

export type RunState = 'running' | 'done' | 'failed' | 'cancelled';

/** Why a run stopped early. `line`/`column` (1-based) are there when SQLite said where. */
export interface RunError {
  code: string;
  message: string;
  line?: number | null;
  column?: number | null;
}

export interface RunStatus {
  state: RunState;
  rowsSoFar: number;
  elapsedMs: number;
  error: RunError | null;
}

export interface ResultPage {
  columns: ColumnMeta[];
  offset: number;
  rows: Cell[][];
  status: RunStatus;
}

// ---------------------------------------------------------------------------------------------
// Segments

export type Match = 'all' | 'any';

export type Operator =
  | 'equals'
  | 'notEquals'
  | 'contains'
  | 'notContains'
  | 'startsWith'
  | 'endsWith'
  | 'isEmpty'
  | 'isNotEmpty'
  | 'inList'
  | 'notInList'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'between'
  | 'before'
  | 'after'
  | 'onOrBefore'
  | 'onOrAfter'
  | 'inLastDays'
  | 'notInLastDays'
  | 'isTrue'
  | 'isFalse';

/** A condition's value as JSON: text, a number, or nothing. */
export type RuleValue = string | number | boolean | null;

export interface ConditionRule {
  kind: 'condition';
  column: string;
  op: Operator;
  value: RuleValue;
  /** For "is one of" and "between". */
  values: RuleValue[];
}

export interface GroupRule extends RuleGroup {
  kind: 'group';
}

/** "Has (no) rows in `table` where …", joined on `table.column = base.on`. */
export interface RelatedRule {
  kind: 'related';
  table: string;
  column: string;
  on: string;
  exists: boolean;
  rules: RuleGroup;
}

export type Rule = ConditionRule | GroupRule | RelatedRule;

export interface RuleGroup {
  match: Match;
  rules: Rule[];
}

export interface SegmentDefinition {
  /** The base table, "customers" by default. */
  table: string;
  rules: RuleGroup;
}

export interface SavedSegment {
  id: string;
  name: string;
  description: string;
  definition: SegmentDefinition;
  /** Unix seconds. */
  updatedAt: number;
}

export interface SegmentInput {
  name: string;
  description: string;
  definition: SegmentDefinition;
}

export interface SegmentCount {
  count: number;
  /** The compiled `SELECT * FROM base WHERE …`, with `?` for each of `params`. */
  sql: string;
  params: Cell[];
  elapsedMs: number;
}
