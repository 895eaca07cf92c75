// What a mapping row needs beyond "this source column goes to that table column", by the table
// column's type: labels that mean another choice (choice columns), which related table and key a
// lookup's values find, and how a date-time column reads its values. Also the template's time
// zone field. The dialog owns the form; these pieces only edit one FieldMapping or the zone.
//
// Test ids (with <s> the source column): `overrides-toggle-<s>`, `overrides-<s>`,
// `overrides-choices-<s>`, `override-label-<s>-<n>`, `override-value-<s>-<n>`,
// `override-remove-<s>-<n>`, `override-add-<s>`, `override-error-<s>-<n>`, `lookup-table-<s>`,
// `lookup-key-<s>`, `lookup-hint-<s>`, `date-behavior-<s>`, `template-time-zone`.
import { Button, Caption1, Field, Input, Select, makeStyles, tokens } from '@fluentui/react-components';
import { AddRegular, ChevronDownRegular, ChevronRightRegular, DismissRegular } from '@fluentui/react-icons';
import { useId, useState } from 'react';
import { useTableColumns } from '../../api/queries';
import type { ColumnInfo, FieldMapping, LookupTarget, TableInfo } from '../../api/types';
import { FilterCombobox, type FilterItem } from './FilterCombobox';

const useStyles = makeStyles({
  extras: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, paddingTop: tokens.spacingVerticalXS },
  muted: { color: tokens.colorNeutralForeground3 },
  error: { color: tokens.colorPaletteRedForeground1 },
  toggle: { alignSelf: 'flex-start' },
  panel: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    borderLeft: `${tokens.strokeWidthThick} solid ${tokens.colorNeutralStroke2}`,
  },
  overrides: { display: 'grid', gridTemplateColumns: 'minmax(0, 1fr) minmax(0, 1fr) 32px', gap: tokens.spacingHorizontalS, alignItems: 'start' },
  head: { color: tokens.colorNeutralForeground3 },
  pair: { display: 'grid', gridTemplateColumns: 'minmax(0, 1fr) minmax(0, 1fr)', gap: tokens.spacingHorizontalS },
});

export const CHOICE_TYPES = ['Picklist', 'State', 'Status', 'MultiSelectPicklist'];
export const LOOKUP_TYPES = ['Lookup', 'Customer', 'Owner'];

const DATE_BEHAVIOR_TEXT: Record<string, string> = {
  DateOnly: 'Date only',
  UserLocal: 'User local',
  TimeZoneIndependent: 'Time-zone independent',
};

/** "Date only", "User local" or "Time-zone independent" for a date-time column; null for others. */
export function dateBehaviorText(c: ColumnInfo): string | null {
  if (c.typeName !== 'DateTime') return null;
  return DATE_BEHAVIOR_TEXT[c.dateBehavior ?? ''] ?? DATE_BEHAVIOR_TEXT.UserLocal;
}

/** Whether the template's time zone reads this column's values: user-local date-times do. */
export function usesTimeZone(c: ColumnInfo): boolean {
  return c.typeName === 'DateTime' && c.dateBehavior !== 'DateOnly' && c.dateBehavior !== 'TimeZoneIndependent';
}

/** The lookup a newly mapped column starts with: its only related table, found by record id. */
export function initialLookup(c: ColumnInfo | undefined): LookupTarget | undefined {
  if (!c || !LOOKUP_TYPES.includes(c.typeName) || c.targets.length !== 1) return undefined;
  return { table: c.targets[0], key: null };
}

export interface MappingDetailsProps {
  /** The source column, for test ids and labels. */
  source: string;
  column: ColumnInfo;
  field: FieldMapping;
  destinationId: string;
  /** The destination's tables, to name related tables; may be empty while loading. */
  tables: TableInfo[];
  timeZone: string;
  onChange: (field: FieldMapping) => void;
}

/** The extra controls of one mapping row, by the type of its table column (nothing for most). */
export function MappingDetails(props: MappingDetailsProps) {
  const styles = useStyles();
  const { column, source, timeZone } = props;
  const behavior = dateBehaviorText(column);
  return (
    <div className={styles.extras}>
      {behavior && (
        <Caption1 className={styles.muted} data-testid={`date-behavior-${source}`}>
          {column.dateBehavior === 'DateOnly'
            ? `${behavior}: only the date is kept; a time in the value is ignored.`
            : column.dateBehavior === 'TimeZoneIndependent'
              ? `${behavior}: sent exactly as written, with no time zone applied.`
              : `${behavior}: values without an offset are read as ${timeZone || 'the template’s time zone'} time.`}
        </Caption1>
      )}
      {CHOICE_TYPES.includes(column.typeName) && <ChoiceOverrides {...props} />}
      {LOOKUP_TYPES.includes(column.typeName) && <LookupFields {...props} />}
    </div>
  );
}

interface OverrideRow {
  label: string;
  /** The choice's value as the select holds it; '' until one is chosen. */
  value: string;
}

function rowsOf(overrides: FieldMapping['choiceOverrides']): OverrideRow[] {
  return Object.entries(overrides).map(([label, value]) => ({ label, value: String(value) }));
}

interface RowProblem {
  message: string;
  /** Whether the row is left out of the saved overrides until fixed (otherwise it is a warning). */
  blocking: boolean;
}

/** What is wrong with each row: only complete, distinct rows are saved. */
function rowProblems(rows: OverrideRow[], column: ColumnInfo): (RowProblem | undefined)[] {
  return rows.map((r, i) => {
    const label = r.label.trim();
    if (label === '' && r.value === '') return undefined;
    if (label === '') return { message: 'Type the label your data uses.', blocking: true };
    if (r.value === '') return { message: 'Choose the choice it means.', blocking: true };
    if (rows.slice(0, i).some((o) => o.label.trim().toLowerCase() === label.toLowerCase())) {
      return { message: 'This label is already listed above.', blocking: true };
    }
    const same = column.options.find((o) => o.label.toLowerCase() === label.toLowerCase());
    if (same && String(same.value) !== r.value) {
      return { message: `“${same.label}” is a choice of its own; this row sends another one instead.`, blocking: false };
    }
    return undefined;
  });
}

function overridesOf(rows: OverrideRow[], column: ColumnInfo): FieldMapping['choiceOverrides'] {
  const problems = rowProblems(rows, column);
  const out: FieldMapping['choiceOverrides'] = {};
  rows.forEach((r, i) => {
    const label = r.label.trim();
    if (label !== '' && r.value !== '' && !problems[i]?.blocking) out[label] = Number(r.value);
  });
  return out;
}

function ChoiceOverrides({ source, column, field, onChange }: MappingDetailsProps) {
  const styles = useStyles();
  const panelId = useId();
  const [rows, setRows] = useState<OverrideRow[]>(() => rowsOf(field.choiceOverrides));
  const [open, setOpen] = useState(rows.length > 0);
  const problems = rowProblems(rows, column);
  const change = (next: OverrideRow[]) => {
    setRows(next);
    onChange({ ...field, choiceOverrides: overridesOf(next, column) });
  };
  const count = Object.keys(field.choiceOverrides).length;

  return (
    <>
      <Button
        className={styles.toggle}
        appearance="transparent"
        size="small"
        icon={open ? <ChevronDownRegular /> : <ChevronRightRegular />}
        aria-expanded={open}
        aria-controls={panelId}
        data-testid={`overrides-toggle-${source}`}
        onClick={() => setOpen((o) => !o)}
      >
        {count > 0 ? `Label overrides (${count})` : 'Label overrides'}
      </Button>
      {open && (
        <div id={panelId} className={styles.panel} data-testid={`overrides-${source}`} role="group" aria-label={`Label overrides for ${source}`}>
          <Caption1 className={styles.muted} data-testid={`overrides-choices-${source}`}>
            {column.options.length === 0
              ? 'This column has no choices listed yet; refresh the table’s columns to load them.'
              : `These labels match by themselves, in any case: ${column.options.map((o) => `${o.label} = ${o.value}`).join(', ')}. Add a row for each other label your data uses.`}
          </Caption1>
          {rows.length > 0 && (
            <div className={styles.overrides}>
              <Caption1 className={styles.head} aria-hidden>
                Label in your data
              </Caption1>
              <Caption1 className={styles.head} aria-hidden>
                Means the choice
              </Caption1>
              <span />
              {rows.map((r, n) => {
                const problem = problems[n];
                const errorId = `override-error-${source}-${n}`;
                return (
                  <OverrideLine
                    key={n}
                    source={source}
                    n={n}
                    row={r}
                    column={column}
                    problem={problem}
                    errorId={errorId}
                    onChange={(next) => change(rows.map((x, i) => (i === n ? next : x)))}
                    onRemove={() => change(rows.filter((_, i) => i !== n))}
                  />
                );
              })}
            </div>
          )}
          <Button
            className={styles.toggle}
            size="small"
            icon={<AddRegular />}
            data-testid={`override-add-${source}`}
            onClick={() => setRows((rs) => [...rs, { label: '', value: '' }])}
          >
            Add a label
          </Button>
        </div>
      )}
    </>
  );
}

interface OverrideLineProps {
  source: string;
  n: number;
  row: OverrideRow;
  column: ColumnInfo;
  problem: RowProblem | undefined;
  errorId: string;
  onChange: (row: OverrideRow) => void;
  onRemove: () => void;
}

function OverrideLine({ source, n, row, column, problem, errorId, onChange, onRemove }: OverrideLineProps) {
  const styles = useStyles();
  const described = problem ? errorId : undefined;
  return (
    <>
      <div>
        <Input
          value={row.label}
          aria-label={`Label ${n + 1} in your data for ${source}`}
          aria-invalid={problem?.blocking === true && row.label.trim() === ''}
          aria-describedby={described}
          placeholder="e.g. Pigeon"
          data-testid={`override-label-${source}-${n}`}
          onChange={(_, d) => onChange({ ...row, label: d.value })}
        />
        {problem && (
          <Caption1 id={errorId} className={problem.blocking ? styles.error : styles.muted} data-testid={errorId}>
            {problem.message}
          </Caption1>
        )}
      </div>
      <Select
        value={row.value}
        aria-label={`Choice that label ${n + 1} means`}
        aria-describedby={described}
        data-testid={`override-value-${source}-${n}`}
        onChange={(_, d) => onChange({ ...row, value: d.value })}
      >
        <option value="">Choose a choice</option>
        {column.options.map((o) => (
          <option key={o.value} value={String(o.value)}>
            {`${o.label} (${o.value})`}
          </option>
        ))}
      </Select>
      <Button
        appearance="subtle"
        icon={<DismissRegular />}
        aria-label={`Remove label ${n + 1}`}
        data-testid={`override-remove-${source}-${n}`}
        onClick={onRemove}
      />
    </>
  );
}

function LookupFields({ source, column, field, destinationId, tables, onChange }: MappingDetailsProps) {
  const styles = useStyles();
  const lookup = field.lookup;
  const related = useTableColumns(destinationId, lookup?.table || null);
  const keys = related.data?.details.keys ?? [];
  const nameOf = (t: string) => {
    const info = tables.find((x) => x.logicalName === t);
    return info ? `${info.displayName} (${t})` : t;
  };
  const tableId = `lookup-table-${source}`;
  const keyId = `lookup-key-${source}`;
  const hintId = `lookup-hint-${source}`;

  return (
    <div className={styles.pair}>
      <Field
        label={{ children: 'Related table', htmlFor: tableId }}
        size="small"
        validationState={lookup ? 'none' : 'warning'}
        validationMessage={lookup ? undefined : <span data-testid={hintId}>Choose the table the values point to.</span>}
      >
        <Select
          id={tableId}
          data-testid={tableId}
          size="small"
          value={lookup?.table ?? ''}
          onChange={(_, d) => onChange({ ...field, lookup: d.value ? { table: d.value, key: null } : undefined })}
        >
          {(!lookup || column.targets.length !== 1) && <option value="">Choose a table</option>}
          {column.targets.map((t) => (
            <option key={t} value={t}>
              {nameOf(t)}
            </option>
          ))}
        </Select>
      </Field>
      <Field
        label={{ children: 'Values are', htmlFor: keyId }}
        size="small"
        hint={
          !lookup
            ? undefined
            : related.isError
              ? `The related table’s keys did not load: ${related.error.message}`
              : related.isPending
                ? 'Loading the related table’s keys…'
                : keys.length === 0
                  ? 'This table has no alternate keys, so the values must be record IDs.'
                  : undefined
        }
      >
        <Select
          id={keyId}
          data-testid={keyId}
          size="small"
          disabled={!lookup}
          value={lookup?.key ?? ''}
          onChange={(_, d) => lookup && onChange({ ...field, lookup: { table: lookup.table, key: d.value || null } })}
        >
          <option value="">Record ID (GUID)</option>
          {keys.map((k) => (
            <option key={k.logicalName} value={k.logicalName} disabled={k.indexStatus !== 'Active'}>
              {`Key ${k.logicalName} (${k.columns.join(', ')})${k.indexStatus === 'Active' ? '' : ` – ${k.indexStatus.toLowerCase()}`}`}
            </option>
          ))}
          {/* A saved key the table no longer lists stays visible, so nothing changes silently. */}
          {lookup?.key && !keys.some((k) => k.logicalName === lookup.key) && <option value={lookup.key}>{`Key ${lookup.key}`}</option>}
        </Select>
      </Field>
    </div>
  );
}

function allTimeZones(): string[] {
  let zones: string[] = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}

let zoneItems: FilterItem[] | null = null;
function timeZoneItems(): FilterItem[] {
  zoneItems ??= allTimeZones().map((z) => ({ value: z, text: z, search: [z.replace(/_/g, ' ')] }));
  return zoneItems;
}

export interface TimeZoneFieldProps {
  value: string;
  onChange: (zone: string) => void;
  /** The mapped user-local date-time columns' display names. */
  usedBy: string[];
  error?: string;
}

/** The zone user-local date-times without an offset are read in. */
export function TimeZoneField({ value, onChange, usedBy, error }: TimeZoneFieldProps) {
  const items = timeZoneItems();
  // A saved zone this runtime does not list is still shown and kept.
  const shown = value && !items.some((i) => i.value === value) ? [{ value, text: value }, ...items] : items;
  return (
    <Field
      label={{ children: 'Time zone', htmlFor: 'template-time-zone' }}
      validationState={error ? 'error' : 'none'}
      validationMessage={error ? <span data-testid="error-timeZone">{error}</span> : undefined}
      hint={
        error
          ? undefined
          : `Used for user-local date and time columns when a source value has no offset, e.g. 2025-03-01 09:30. ${
              usedBy.length > 0 ? `Mapped now: ${usedBy.join(', ')}.` : 'No mapped column uses it yet.'
            }`
      }
    >
      <FilterCombobox
        id="template-time-zone"
        testId="template-time-zone"
        items={shown}
        value={value}
        onSelect={(v) => v && onChange(v)}
        placeholder="Type a city or region, e.g. Paris"
        emptyText="No time zone matches; try a city, e.g. Berlin."
      />
    </Field>
  );
}
