// The customer-data contract as the UI sees it: imports, queries, results and segments. Every
// type comes from the Rust types (ts-rs, ./generated/); the few names here are views on them
// that the screens find handy.
import type { Rule } from './generated/Rule';
import type { TaskState } from './generated/TaskState';

export type { Cell } from './generated/Cell';
export type { ColumnMeta } from './generated/ColumnMeta';
export type { ColumnType } from './generated/ColumnType';
export type { TableSample } from './generated/TableSample';
export type { TableSummary } from './generated/TableSummary';
export type { InspectOptions } from './generated/InspectOptions';
export type { PlannedColumn } from './generated/PlannedColumn';
export type { ImportProblem } from './generated/ImportProblem';
export type { ImportPlan } from './generated/ImportPlan';
export type { ImportMode } from './generated/ImportMode';
export type { ImportRequest } from './generated/ImportRequest';
export type { ImportProgress } from './generated/ImportProgress';
export type { RejectedRow } from './generated/RejectedRow';
export type { ImportReport } from './generated/ImportReport';
export type { ImportStatus } from './generated/ImportStatus';
export type { SavedQuery } from './generated/SavedQuery';
export type { QueryInput } from './generated/QueryInput';
export type { RunState } from './generated/RunState';
export type { RunError } from './generated/RunError';
export type { RunStatus } from './generated/RunStatus';
export type { ResultPage } from './generated/ResultPage';
export type { Match } from './generated/Match';
export type { Operator } from './generated/Operator';
export type { Rule } from './generated/Rule';
export type { RuleGroup } from './generated/RuleGroup';
export type { SegmentDefinition } from './generated/SegmentDefinition';
export type { SavedSegment } from './generated/SavedSegment';
export type { SegmentInput } from './generated/SegmentInput';
export type { SegmentCount } from './generated/SegmentCount';

/** Error codes of the customer-data commands, beside the settings side's. */
export type DataErrorCode = 'sql' | 'cancelled' | 'timed_out' | 'write_refused';

/** Where a background import stands. */
export type ImportState = TaskState;

/** A condition's value as JSON: text, a number, a yes/no, or nothing. */
export type RuleValue = string | number | boolean | null;

export type ConditionRule = Extract<Rule, { kind: 'condition' }>;
export type GroupRule = Extract<Rule, { kind: 'group' }>;
export type RelatedRule = Extract<Rule, { kind: 'related' }>;
