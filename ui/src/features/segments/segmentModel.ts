// A segment definition as the builder edits it, and the rules that turn it into the wire shape
// segment_count and the save commands take. Pure: the builder only wires these to controls.
//
// The builder's rules carry a `key` (for React and for pointing errors at them) and keep their
// values as typed text; the wire shape has typed JSON values. Error field paths from the backend
// (`rules[0].rules[2].value`) are matched back to rules by the same paths `pathsOf` gives.
import type {
  ColumnMeta,
  ColumnType,
  Match,
  Operator,
  Rule,
  RuleGroup,
  RuleValue,
  SegmentDefinition,
  TableSummary,
} from '../../api/dataTypes';

/** What an operator needs typed: nothing, one value, two (a range), a list, or a number of days. */
export type ValueKind = 'none' | 'one' | 'two' | 'list' | 'days';

export interface OperatorChoice {
  op: Operator;
  label: string;
  value: ValueKind;
}

const TEXT: OperatorChoice[] = [
  { op: 'equals', label: 'is', value: 'one' },
  { op: 'notEquals', label: 'is not', value: 'one' },
  { op: 'contains', label: 'contains', value: 'one' },
  { op: 'notContains', label: 'does not contain', value: 'one' },
  { op: 'startsWith', label: 'starts with', value: 'one' },
  { op: 'endsWith', label: 'ends with', value: 'one' },
  { op: 'isEmpty', label: 'is empty', value: 'none' },
  { op: 'isNotEmpty', label: 'is not empty', value: 'none' },
  { op: 'inList', label: 'is one of', value: 'list' },
];

const NUMBER: OperatorChoice[] = [
  { op: 'equals', label: '=', value: 'one' },
  { op: 'notEquals', label: '≠', value: 'one' },
  { op: 'gt', label: '>', value: 'one' },
  { op: 'gte', label: '≥', value: 'one' },
  { op: 'lt', label: '<', value: 'one' },
  { op: 'lte', label: '≤', value: 'one' },
  { op: 'between', label: 'between', value: 'two' },
  { op: 'isEmpty', label: 'is empty', value: 'none' },
];

const DATE: OperatorChoice[] = [
  { op: 'equals', label: 'is on', value: 'one' },
  { op: 'before', label: 'is before', value: 'one' },
  { op: 'after', label: 'is after', value: 'one' },
  { op: 'onOrBefore', label: 'is on or before', value: 'one' },
  { op: 'onOrAfter', label: 'is on or after', value: 'one' },
  { op: 'between', label: 'is between', value: 'two' },
  { op: 'inLastDays', label: 'is in the last … days', value: 'days' },
  { op: 'notInLastDays', label: 'is not in the last … days', value: 'days' },
  { op: 'isEmpty', label: 'is empty', value: 'none' },
];

const BOOLEAN: OperatorChoice[] = [
  { op: 'isTrue', label: 'is yes', value: 'none' },
  { op: 'isFalse', label: 'is no', value: 'none' },
  { op: 'isEmpty', label: 'is empty', value: 'none' },
];

/** The comparisons that make sense for a column of this type, in the order offered. */
export function operatorsFor(type: ColumnType): OperatorChoice[] {
  switch (type) {
    case 'integer':
    case 'decimal':
      return NUMBER;
    case 'date':
    case 'dateTime':
      return DATE;
    case 'boolean':
      return BOOLEAN;
    default:
      return TEXT;
  }
}

export function choiceOf(type: ColumnType, op: Operator | null): OperatorChoice | undefined {
  return operatorsFor(type).find((c) => c.op === op);
}

export interface EditCondition {
  kind: 'condition';
  key: string;
  /** '' until one is chosen. */
  column: string;
  op: Operator | null;
  /** The value, or a range's start, or a number of days, as typed. */
  value: string;
  /** A range's end. */
  value2: string;
  /** "Is one of". */
  list: string[];
}

export interface EditGroup {
  kind: 'group';
  key: string;
  match: Match;
  rules: EditRule[];
}

export interface EditRelated {
  kind: 'related';
  key: string;
  /** '' until chosen. */
  table: string;
  /** The join column in `table`. */
  column: string;
  /** The join column in the base table. */
  on: string;
  exists: boolean;
  match: Match;
  rules: EditRule[];
}

export type EditRule = EditCondition | EditGroup | EditRelated;

export interface EditDefinition {
  table: string;
  match: Match;
  rules: EditRule[];
}

let lastKey = 0;
export function newKey(): string {
  lastKey++;
  return `r${lastKey}`;
}

export function newCondition(): EditCondition {
  return { kind: 'condition', key: newKey(), column: '', op: null, value: '', value2: '', list: [] };
}

export function newGroup(): EditGroup {
  return { kind: 'group', key: newKey(), match: 'any', rules: [newCondition()] };
}

export function newRelated(link: RelatedLink | undefined): EditRelated {
  return {
    kind: 'related',
    key: newKey(),
    table: link?.table ?? '',
    column: link?.column ?? '',
    on: link?.on ?? '',
    exists: true,
    match: 'all',
    rules: [],
  };
}

export function emptyDefinition(table: string): EditDefinition {
  return { table, match: 'all', rules: [] };
}

/** A condition after its column changed: the comparison stays if it still fits, else the first that does. */
export function withColumn(rule: EditCondition, column: ColumnMeta | undefined): EditCondition {
  if (!column) return { ...rule, column: '', op: null };
  const choices = operatorsFor(column.type);
  const keep = choices.find((c) => c.op === rule.op);
  return { ...rule, column: column.name, op: keep ? keep.op : choices[0].op };
}

/** Another table that shares a column with the base table, so rows can be tied together. */
export interface RelatedLink {
  table: string;
  /** The shared column's name in the other table. */
  column: string;
  /** …and in the base table. */
  on: string;
}

/** A column that identifies rows (`id`, `customer_id`): what related tables are tied by. */
const keyLike = (name: string) => /(^|_)id$/i.test(name);

/**
 * The tables a base table can be tied to: other tables sharing a column of the same name. Ties
 * through id columns (orders.customer_id) come first and, when there are any, alone: two
 * tables that merely both hold an email or a first name are not related in any useful way.
 */
export function relatedLinks(tables: readonly TableSummary[], base: string): RelatedLink[] {
  const baseTable = tables.find((t) => t.name === base);
  if (!baseTable) return [];
  const names = new Set(baseTable.columns.map((c) => c.name));
  const out: RelatedLink[] = [];
  for (const t of tables) {
    if (t.name === base) continue;
    for (const c of t.columns) if (names.has(c.name)) out.push({ table: t.name, column: c.name, on: c.name });
  }
  const byKey = out.filter((l) => keyLike(l.column));
  return byKey.length > 0 ? byKey : out;
}

// ---------------------------------------------------------------------------------------------
// To and from the wire

function typed(text: string, type: ColumnType): RuleValue {
  const t = text.trim();
  if (t === '') return null;
  if ((type === 'integer' || type === 'decimal') && /^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  // Anything else goes as typed: the backend says what is wrong with it.
  return type === 'integer' || type === 'decimal' ? t : text;
}

function days(text: string): RuleValue {
  const t = text.trim();
  if (t === '') return null;
  return /^\d+$/.test(t) ? Number(t) : t;
}

/** Whether every condition has a column: until then there is nothing to count. */
export function isComplete(rules: readonly EditRule[]): boolean {
  return rules.every((r) => (r.kind === 'condition' ? r.column !== '' && r.op !== null : r.kind === 'group' ? isComplete(r.rules) : r.table !== '' && isComplete(r.rules)));
}

function conditionToWire(rule: EditCondition, table: TableSummary | undefined): Rule {
  const type = table?.columns.find((c) => c.name === rule.column)?.type ?? 'text';
  const kind = choiceOf(type, rule.op)?.value ?? 'one';
  const op = rule.op as Operator;
  switch (kind) {
    case 'none':
      return { kind: 'condition', column: rule.column, op, value: null, values: [] };
    case 'two':
      return { kind: 'condition', column: rule.column, op, value: null, values: [typed(rule.value, type) ?? '', typed(rule.value2, type) ?? ''] };
    case 'list':
      return { kind: 'condition', column: rule.column, op, value: null, values: rule.list.map((v) => typed(v, type) ?? '') };
    case 'days':
      return { kind: 'condition', column: rule.column, op, value: days(rule.value), values: [] };
    default:
      return { kind: 'condition', column: rule.column, op, value: typed(rule.value, type), values: [] };
  }
}

function rulesToWire(rules: readonly EditRule[], table: TableSummary | undefined, tables: readonly TableSummary[]): Rule[] {
  return rules.map((r): Rule => {
    if (r.kind === 'condition') return conditionToWire(r, table);
    if (r.kind === 'group') return { kind: 'group', match: r.match, rules: rulesToWire(r.rules, table, tables) };
    const other = tables.find((t) => t.name === r.table);
    return { kind: 'related', table: r.table, column: r.column, on: r.on, exists: r.exists, rules: { match: r.match, rules: rulesToWire(r.rules, other, tables) } };
  });
}

/** The definition as the backend takes it; values typed by their column's type. */
export function toWire(def: EditDefinition, tables: readonly TableSummary[]): SegmentDefinition {
  const base = tables.find((t) => t.name === def.table);
  return { table: def.table, rules: { match: def.match, rules: rulesToWire(def.rules, base, tables) } };
}

function text(v: RuleValue | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

function rulesFromWire(group: RuleGroup): EditRule[] {
  return group.rules.map((r): EditRule => {
    if (r.kind === 'group') return { kind: 'group', key: newKey(), match: r.match, rules: rulesFromWire(r) };
    if (r.kind === 'related')
      return { kind: 'related', key: newKey(), table: r.table, column: r.column, on: r.on, exists: r.exists, match: r.rules.match, rules: rulesFromWire(r.rules) };
    const between = r.op === 'between';
    const list = r.op === 'inList' || r.op === 'notInList';
    return {
      kind: 'condition',
      key: newKey(),
      column: r.column,
      op: r.op,
      value: between ? text(r.values[0]) : text(r.value),
      value2: between ? text(r.values[1]) : '',
      list: list ? r.values.map(text) : [],
    };
  });
}

export function fromWire(def: SegmentDefinition): EditDefinition {
  return { table: def.table, match: def.rules.match, rules: rulesFromWire(def.rules) };
}

// ---------------------------------------------------------------------------------------------
// Pointing the backend's field paths at rules

/** Each rule's path as the backend names it: `rules[0]`, `rules[1].rules[2]`, … */
export function pathsOf(rules: readonly EditRule[], prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  rules.forEach((r, i) => {
    const path = `${prefix}rules[${i}]`;
    out.set(path, r.key);
    if (r.kind !== 'condition') for (const [p, k] of pathsOf(r.rules, `${path}.`)) out.set(p, k);
  });
  return out;
}

/**
 * Which rule a field path points at: the longest rule path it starts with. Accepts the paths
 * with or without a leading `definition.` (save) and `.rules.rules[` for a related rule's group.
 */
export function ruleKeyOf(field: string, paths: Map<string, string>): string | null {
  const f = field.replace(/^definition\./, '').replace(/^rules\.rules\[/, 'rules[').replace(/\.rules\.rules\[/g, '.rules[');
  let best: string | null = null;
  let bestLength = -1;
  for (const [path, key] of paths) {
    if ((f === path || f.startsWith(`${path}.`)) && path.length > bestLength) {
      best = key;
      bestLength = path.length;
    }
  }
  return best;
}

/** The messages for each rule (by key), and those that belong to no rule. */
export function problemsByRule(fields: readonly { field: string; message: string }[], rules: readonly EditRule[]) {
  const paths = pathsOf(rules);
  const byRule = new Map<string, string[]>();
  const other: string[] = [];
  for (const f of fields) {
    const key = ruleKeyOf(f.field, paths);
    if (key) byRule.set(key, [...(byRule.get(key) ?? []), f.message]);
    else other.push(f.message);
  }
  return { byRule, other };
}
