// The data template form (add and edit): a name, where the rows come from (a saved query or
// segment), the destination's table, how rows find their records, which source column goes to
// which table column, and who may use it. The backend judges it as it is typed (check_template):
// what it would drop, what it warns about, and which source columns go unused show below.
//
// Test ids: `template-dialog`, `template-name`, `template-source`, `template-table`,
// `template-operation`, `template-key`, `mapping-row-<source>`, `mapping-target-<source>`,
// `constant-row-<n>`, `add-constant`, `template-dropped`, `template-warnings`, `template-unused`,
// `template-save`, `template-error`, `template-business-users`, `template-restricted-pii`,
// `template-campaigns`, `template-campaigns-hint`, `template-delete-warning`; the row extras'
// ids are listed in MappingDetails.tsx and the delete confirmation's in ConfirmDeleteOperation.tsx.
import {
  Button,
  Caption1,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Input,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Select,
  Spinner,
  Switch,
  Text,
  Textarea,
  makeStyles,
  mergeClasses,
  tokens,
} from '@fluentui/react-components';
import { AddRegular, DismissRegular } from '@fluentui/react-icons';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { commands } from '../../api/ipc';
import { useTableColumns, useTables } from '../../api/queries';
import { templateKeys, useRowSources, useSaveTemplate } from '../../api/templates';
import type {
  AppError,
  ColumnInfo,
  FieldMapping,
  Operation,
  RowSource,
  TemplateCheck,
  TemplateInput,
  TemplateView,
} from '../../api/types';
import { FormField } from '../../components/FormField';
import { Truncate } from '../../components/Truncate';
import { useNotify } from '../../lib/notify';
import { hasValue, useFormCheck } from '../../lib/useFormCheck';
import { ConfirmDeleteOperation } from './ConfirmDeleteOperation';
import { FilterCombobox, type FilterItem } from './FilterCombobox';
import { MappingDetails, TimeZoneField, dateBehaviorText, initialLookup, usesTimeZone } from './MappingDetails';

const INPUTS = [
  ['name', 'template-name'],
  ['description', 'template-description'],
  ['source', 'template-source'],
  ['table', 'template-table'],
  ['operation', 'template-operation'],
  ['businessUsers', 'template-business-users'],
  ['restrictedPii', 'template-restricted-pii'],
  ['campaigns', 'template-campaigns'],
  ['mapping.timeZone', 'template-time-zone'],
] as const;

const fieldsOf = (check: TemplateCheck) => check.fields;

const useStyles = makeStyles({
  surface: { width: '860px', maxWidth: 'calc(100vw - 48px)' },
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, paddingTop: tokens.spacingVerticalS },
  heading: {
    margin: 0,
    fontSize: tokens.fontSizeBase400,
    lineHeight: tokens.lineHeightBase400,
    fontWeight: tokens.fontWeightSemibold,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    paddingBottom: tokens.spacingVerticalXS,
  },
  row: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'flex-start' },
  grow: { flexGrow: 1, minWidth: 0 },
  // NOTE: a native select is as wide as its longest option unless told it may shrink; without
  // this the operation and key pickers pushed the dialog wider than a small window.
  shrinkable: { minWidth: 0, maxWidth: '100%' },
  mapping: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  mapRow: {
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 1fr) 24px minmax(0, 1.6fr) 32px',
    alignItems: 'start',
    gap: tokens.spacingHorizontalS,
  },
  sourceName: { fontFamily: tokens.fontFamilyMonospace, paddingTop: '6px', overflowWrap: 'anywhere' },
  arrow: { paddingTop: '6px', color: tokens.colorNeutralForeground3, textAlign: 'center' },
  error: { color: tokens.colorPaletteRedForeground1 },
  muted: { color: tokens.colorNeutralForeground3 },
  notes: { margin: 0, paddingLeft: tokens.spacingHorizontalXL },
  toggle: { display: 'flex', flexDirection: 'column' },
  toggleHint: { color: tokens.colorNeutralForeground3, paddingLeft: '52px' },
});

type OperationKind = Operation['kind'];

const OPERATION_TEXT: Record<OperationKind, string> = {
  upsertByKey: 'Create or update, matched by an alternate key',
  create: 'Always create new records',
  updateByKey: 'Update existing records only, matched by an alternate key',
  upsertById: 'Create or update, matched by the record id in a source column',
  deleteByKey: 'Delete records matched by a key',
};

type KeyedKind = 'upsertByKey' | 'updateByKey' | 'deleteByKey';
const isKeyed = (op: Operation): op is Extract<Operation, { kind: KeyedKind }> =>
  op.kind === 'upsertByKey' || op.kind === 'updateByKey' || op.kind === 'deleteByKey';

function defaultTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function emptyInput(destination: string): TemplateInput {
  return {
    name: '',
    description: '',
    destination,
    source: { kind: 'query', id: '' },
    table: '',
    mapping: { operation: { kind: 'create' }, fields: [], timeZone: defaultTimeZone() },
    businessUsers: false,
    restrictedPii: false,
    campaigns: false,
  };
}

function fromView(t: TemplateView, name = t.name): TemplateInput {
  return {
    name,
    description: t.description,
    destination: t.destination.id,
    source: t.source,
    table: t.table,
    mapping: t.mapping,
    businessUsers: t.businessUsers,
    restrictedPii: t.restrictedPii,
    campaigns: t.campaigns,
  };
}

const sourceValue = (s: RowSource) => (s.id ? `${s.kind}:${s.id}` : '');
function parseSource(v: string): RowSource {
  const at = v.indexOf(':');
  const kind = v.slice(0, at) === 'segment' ? 'segment' : 'query';
  return { kind, id: v.slice(at + 1) };
}

/** What a column picker shows for a table column: display name, then logical name, type, length and need. */
export function columnItem(c: ColumnInfo): FilterItem {
  const parts = [c.logicalName, c.typeName];
  const behavior = dateBehaviorText(c);
  if (behavior) parts.push(behavior);
  if (c.maxLength !== null) parts.push(`up to ${c.maxLength} characters`);
  if (c.requiredLevel === 'SystemRequired' || c.requiredLevel === 'ApplicationRequired') parts.push('required');
  else if (c.requiredLevel === 'Recommended') parts.push('recommended');
  return { value: c.logicalName, text: c.displayName, detail: parts.join(' · '), search: [c.logicalName] };
}

function keyOf(op: Operation): string {
  return isKeyed(op) ? op.key : op.kind === 'upsertById' ? op.source : '';
}

export interface TemplateDialogProps {
  open: boolean;
  destination: { id: string; name: string };
  /** The template being edited; absent when adding. */
  template?: TemplateView;
  /** When adding: a template whose settings the new one starts from (Duplicate). */
  copyOf?: TemplateView;
  onClose: () => void;
}

export function TemplateDialog({ open, destination, template, copyOf, onClose }: TemplateDialogProps) {
  const styles = useStyles();
  const notify = useNotify();
  const save = useSaveTemplate(template?.id);
  const sources = useRowSources();
  const tables = useTables(destination.id, open);
  const [form, setForm] = useState<TemplateInput>(() =>
    template ? fromView(template) : copyOf ? fromView(copyOf, `Copy of ${copyOf.name}`) : emptyInput(destination.id),
  );
  const [confirming, setConfirming] = useState(false);
  const [failure, setFailure] = useState<AppError | null>(null);
  const columns = useTableColumns(destination.id, form.table || null, open);
  const details = columns.data?.details;

  const fm = useFormCheck({
    value: form,
    enabled: open,
    queryKey: (settled) => templateKeys.templateCheck(settled, template?.id),
    check: (settled) => commands.checkTemplate(settled, template?.id),
    fieldsOf,
    inputs: INPUTS,
    filled: (field) => {
      if (field === 'source') return form.source.id !== '';
      return hasValue(form[field as keyof TemplateInput]);
    },
  });
  const msg = fm.messages;
  const answer = fm.answer;

  // Suggestions: asked whenever the source and the table are both chosen. A new pair prefills the
  // mapping (constants stay); the pair a saved template was opened with keeps its own mapping.
  const pairKey = form.source.id && form.table ? JSON.stringify([form.source, form.table]) : '';
  const suggestions = useQuery({
    queryKey: templateKeys.suggestions(destination.id, form.source, form.table),
    queryFn: () => commands.suggestMapping(destination.id, form.source, form.table),
    enabled: open && pairKey !== '',
    gcTime: 0,
  });
  const [applied, setApplied] = useState(() => {
    const from = template ?? copyOf;
    return from ? JSON.stringify([from.source, from.table]) : '';
  });
  const [knownSources, setKnownSources] = useState<string[]>([]);
  if (suggestions.data && pairKey !== '' && suggestions.isSuccess && !suggestions.isFetching) {
    const fromSuggestions = suggestions.data.map((s) => s.source);
    const missing = fromSuggestions.filter((s) => !knownSources.includes(s));
    if (applied === pairKey) {
      if (missing.length > 0) setKnownSources((k) => [...k, ...missing]);
    } else {
      setApplied(pairKey);
      setKnownSources(fromSuggestions);
      setForm((f) => ({
        ...f,
        mapping: {
          ...f.mapping,
          fields: [
            ...suggestions.data.map((s): FieldMapping => ({
              column: s.column,
              source: { kind: 'column', name: s.source },
              choiceOverrides: {},
            })),
            ...f.mapping.fields.filter((x) => x.source.kind === 'constant'),
          ],
        },
      }));
    }
  }

  // A check that finds a mapping problem says nothing of unused columns; keep the rows it named before.
  const unusedNow = fm.answer?.unusedSources ?? [];
  const newlyUnused = unusedNow.filter((s) => !knownSources.includes(s));
  if (newlyUnused.length > 0) setKnownSources((k) => [...k, ...newlyUnused.filter((s) => !k.includes(s))]);

  // One row per source column: the mapped ones, the suggested ones, and those the check says go unused.
  const sourceColumns = useMemo(() => {
    const out: string[] = [];
    const add = (s: string) => {
      if (!out.includes(s)) out.push(s);
    };
    for (const f of form.mapping.fields) if (f.source.kind === 'column') add(f.source.name);
    knownSources.forEach(add);
    (answer?.unusedSources ?? []).forEach(add);
    return out;
  }, [form.mapping.fields, knownSources, answer?.unusedSources]);

  const columnItems = useMemo(() => (details?.columns ?? []).map(columnItem), [details]);
  const tableItems = useMemo<FilterItem[]>(
    () =>
      (tables.data?.tables ?? []).map((t) => ({
        value: t.logicalName,
        text: t.displayName,
        detail: t.logicalName,
        search: [t.logicalName, t.entitySet],
      })),
    [tables.data],
  );

  const edit = (change: (f: TemplateInput) => TemplateInput) => {
    setForm(change);
    fm.edited();
  };
  const update = <K extends keyof TemplateInput>(key: K, value: TemplateInput[K]) => edit((f) => ({ ...f, [key]: value }));
  const setFields = (change: (fields: FieldMapping[]) => FieldMapping[]) =>
    edit((f) => ({ ...f, mapping: { ...f.mapping, fields: change(f.mapping.fields) } }));
  const setOperation = (op: Operation) => edit((f) => ({ ...f, mapping: { ...f.mapping, operation: op } }));
  const leave = (field: string) => () => fm.leave(field);

  const targetOf = (source: string) =>
    form.mapping.fields.find((f) => f.source.kind === 'column' && f.source.name === source)?.column ?? '';
  const mapTo = (source: string, column: string) =>
    setFields((fields) => {
      const rest = fields.filter((f) => !(f.source.kind === 'column' && f.source.name === source));
      if (!column) return rest;
      const lookup = initialLookup(details?.columns.find((c) => c.logicalName === column));
      return [...rest, { column, source: { kind: 'column', name: source }, choiceOverrides: {}, ...(lookup ? { lookup } : {}) }];
    });
  const constants = form.mapping.fields
    .map((f, i) => ({ f, i }))
    .filter(({ f }) => f.source.kind === 'constant');

  // The check names a mapping problem by its subject: a table column, a source column or a key.
  const mappingErrors = (answer?.fields ?? []).filter((e) => e.field.startsWith('mapping.'));
  const subjectOf = (field: string) => field.slice('mapping.'.length);
  const errorFor = (...subjects: string[]) =>
    mappingErrors
      .filter((e) => subjects.includes(subjectOf(e.field)))
      .map((e) => e.message)
      .join(' ') || undefined;
  const onRows = new Set([
    ...sourceColumns,
    ...form.mapping.fields.map((f) => f.column),
  ]);
  const keyName = keyOf(form.mapping.operation);
  const otherMappingErrors = mappingErrors.filter(
    (e) => !onRows.has(subjectOf(e.field)) && subjectOf(e.field) !== keyName && subjectOf(e.field) !== 'timeZone',
  );
  const timeZoneError = msg['mapping.timeZone'] ?? errorFor('timeZone');

  const chooseKind = (kind: OperationKind) => {
    const keys = details?.keys ?? [];
    switch (kind) {
      case 'create':
        return setOperation({ kind });
      case 'upsertById':
        return setOperation({ kind, source: '' });
      default:
        return setOperation({ kind, key: keys.length === 1 ? keys[0].logicalName : '' });
    }
  };
  const op = form.mapping.operation;
  const chooseKey = (value: string) => {
    if (op.kind === 'upsertById') setOperation({ kind: 'upsertById', source: value });
    else if (isKeyed(op)) setOperation({ kind: op.kind, key: value });
  };

  const send = () => {
    setFailure(null);
    save.mutate(form, {
      onSuccess: (saved) => {
        notify(`Template “${saved.name}” saved`);
        setConfirming(false);
        onClose();
      },
      onError: (err) => {
        setConfirming(false);
        if (!fm.refused(err)) setFailure(err);
      },
    });
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    // NOTE: a template that deletes records is confirmed by typing every time it is saved, not
    // only when it becomes one: each save is a moment someone may not have noticed what it does.
    if (form.mapping.operation.kind === 'deleteByKey') setConfirming(true);
    else send();
  };
  const sourceText = `${form.source.kind === 'segment' ? 'segment' : 'saved query'} “${sources.nameOf(form.source)}”`;

  // The date-time columns the time zone reads, among those mapped.
  const columnsByName = new Map((details?.columns ?? []).map((c) => [c.logicalName, c]));
  const zoneUsers = form.mapping.fields
    .map((f) => columnsByName.get(f.column))
    .filter((c): c is ColumnInfo => c !== undefined && usesTimeZone(c))
    .map((c) => c.displayName);
  // A lookup column with one related table starts with it, found by record id, however it was
  // mapped (a suggestion, a pick, a template saved before lookups had a table of their own).
  const withLookup = (f: FieldMapping): FieldMapping => {
    const lookup = f.lookup ? undefined : initialLookup(columnsByName.get(f.column));
    return lookup ? { ...f, lookup } : f;
  };
  if (form.mapping.fields.some((f) => withLookup(f) !== f)) {
    setForm((f) => ({ ...f, mapping: { ...f.mapping, fields: f.mapping.fields.map(withLookup) } }));
  }
  const replaceField = (source: string, next: FieldMapping) =>
    setFields((fields) => fields.map((f) => (f.source.kind === 'column' && f.source.name === source ? next : f)));

  const pending = save.isPending;
  const dropped = answer?.dropped ?? [];
  const warnings = answer?.warnings ?? [];
  const unused = answer?.unusedSources ?? [];
  const keyError = keyName ? errorFor(keyName) : undefined;

  return (
    <Dialog
      open={open}
      onOpenChange={(_, data) => {
        if (!data.open && !pending) onClose();
      }}
    >
      <DialogSurface className={styles.surface} data-testid="template-dialog">
        <form onSubmit={onSubmit} noValidate>
          <DialogBody>
            <DialogTitle>
              <Truncate
                text={
                  template
                    ? `Edit template “${template.name}”`
                    : copyOf
                      ? `Duplicate “${copyOf.name}” in ${destination.name}`
                      : `Add a data template to ${destination.name}`
                }
              />
            </DialogTitle>
            <DialogContent className={styles.content}>
              {failure && (
                <MessageBar intent="error" layout="multiline" data-testid="template-error" style={{ flexShrink: 0 }}>
                  <MessageBarBody>
                    <MessageBarTitle>Not saved</MessageBarTitle>
                    {failure.message}
                  </MessageBarBody>
                </MessageBar>
              )}
              {fm.otherMessages.length > 0 && (
                <MessageBar intent="error" layout="multiline" style={{ flexShrink: 0 }}>
                  <MessageBarBody>{fm.otherMessages.join(' ')}</MessageBarBody>
                </MessageBar>
              )}

              <section className={styles.section} aria-labelledby="template-section-basics">
                <h3 id="template-section-basics" className={styles.heading}>
                  Name
                </h3>
                <FormField field="name" label="Name" controlId="template-name" required error={msg.name}>
                  <Input
                    id="template-name"
                    data-testid="template-name"
                    value={form.name}
                    onChange={(_, d) => update('name', d.value)}
                    onBlur={leave('name')}
                    placeholder="e.g. Newsletter contacts to Dynamics"
                  />
                </FormField>
                <FormField field="description" label="Description" controlId="template-description" error={msg.description}>
                  <Textarea
                    id="template-description"
                    value={form.description}
                    onChange={(_, d) => update('description', d.value)}
                    onBlur={leave('description')}
                    placeholder="What this template sends and who relies on it"
                    resize="vertical"
                  />
                </FormField>
              </section>

              <section className={styles.section} aria-labelledby="template-section-where">
                <h3 id="template-section-where" className={styles.heading}>
                  Rows and table
                </h3>
                <div className={styles.row}>
                  <FormField
                    className={styles.grow}
                    field="source"
                    label="Rows come from"
                    controlId="template-source"
                    required
                    error={msg.source}
                    hint="A saved query or segment; each of its rows becomes one record."
                  >
                    <Select
                      className={styles.shrinkable}
                      id="template-source"
                      data-testid="template-source"
                      value={sourceValue(form.source)}
                      onChange={(_, d) => update('source', d.value ? parseSource(d.value) : { kind: 'query', id: '' })}
                      onBlur={leave('source')}
                    >
                      <option value="">
                        {sources.loading
                          ? 'Loading queries and segments…'
                          : sources.queries.length + sources.segments.length > 0
                            ? 'Choose a query or segment'
                            : 'No saved queries or segments yet'}
                      </option>
                      {sources.queries.length > 0 && (
                        <optgroup label="Saved queries">
                          {sources.queries.map((q) => (
                            <option key={q.id} value={`query:${q.id}`}>
                              {q.name}
                            </option>
                          ))}
                        </optgroup>
                      )}
                      {sources.segments.length > 0 && (
                        <optgroup label="Segments">
                          {sources.segments.map((s) => (
                            <option key={s.id} value={`segment:${s.id}`}>
                              {s.name}
                            </option>
                          ))}
                        </optgroup>
                      )}
                    </Select>
                  </FormField>
                  <FormField
                    className={styles.grow}
                    field="table"
                    label="Dynamics table"
                    controlId="template-table"
                    required
                    error={msg.table}
                    hint={
                      tables.isError
                        ? `The table list did not load: ${tables.error.message}`
                        : 'Type part of its display or logical name, e.g. contact.'
                    }
                  >
                    <FilterCombobox
                      id="template-table"
                      testId="template-table"
                      items={tableItems}
                      value={form.table}
                      onSelect={(v) =>
                        edit((f) => {
                          const o = f.mapping.operation;
                          // Another table has other keys: a chosen key does not carry over.
                          const operation: Operation =
                            v !== f.table && isKeyed(o) ? { kind: o.kind, key: '' } : o;
                          return { ...f, table: v, mapping: { ...f.mapping, operation } };
                        })
                      }
                      onBlur={leave('table')}
                      placeholder={tables.isPending ? 'Loading tables…' : 'Choose a table'}
                      emptyText="No table matches; try fewer letters."
                    />
                  </FormField>
                </div>
                <div className={styles.row}>
                  <FormField
                    className={styles.grow}
                    field="operation"
                    label="What each row does"
                    controlId="template-operation"
                    error={msg.operation}
                  >
                    <Select
                      className={styles.shrinkable}
                      id="template-operation"
                      data-testid="template-operation"
                      value={op.kind}
                      onChange={(_, d) => chooseKind(d.value as OperationKind)}
                      onBlur={leave('operation')}
                    >
                      {(Object.keys(OPERATION_TEXT) as OperationKind[]).map((k) => (
                        <option key={k} value={k}>
                          {OPERATION_TEXT[k]}
                        </option>
                      ))}
                    </Select>
                  </FormField>
                  {op.kind !== 'create' && (
                    <FormField
                      className={styles.grow}
                      field="operationKey"
                      label={op.kind === 'upsertById' ? 'Source column holding the record id' : 'Alternate key'}
                      controlId="template-key"
                      error={keyError}
                      hint={
                        op.kind === 'upsertById'
                          ? 'Rows without an id create a new record.'
                          : details && details.keys.length === 0
                            ? 'This table has no alternate keys; choose another way to match rows.'
                            : 'Only an active key can find records.'
                      }
                    >
                      <Select
                        className={styles.shrinkable}
                        id="template-key"
                        data-testid="template-key"
                        value={keyOf(op)}
                        onChange={(_, d) => chooseKey(d.value)}
                      >
                        <option value="">{op.kind === 'upsertById' ? 'Choose a source column' : 'Choose a key'}</option>
                        {op.kind === 'upsertById'
                          ? sourceColumns.map((s) => (
                              <option key={s} value={s}>
                                {s}
                              </option>
                            ))
                          : (details?.keys ?? []).map((k) => (
                              <option key={k.logicalName} value={k.logicalName} disabled={k.indexStatus !== 'Active'}>
                                {`${k.logicalName} (${k.columns.join(', ')})${k.indexStatus === 'Active' ? '' : ` – ${k.indexStatus.toLowerCase()}`}`}
                              </option>
                            ))}
                      </Select>
                    </FormField>
                  )}
                </div>
                {op.kind === 'deleteByKey' && (
                  <MessageBar intent="warning" layout="multiline" data-testid="template-delete-warning">
                    <MessageBarBody>
                      <MessageBarTitle>This template deletes records</MessageBarTitle>
                      Each row deletes the Dynamics record its key finds; rows whose key finds nothing are skipped. Map the
                      source columns that fill the key. Saving asks you to confirm by typing the template&apos;s name.
                    </MessageBarBody>
                  </MessageBar>
                )}
              </section>

              <section className={styles.section} aria-labelledby="template-section-mapping">
                <h3 id="template-section-mapping" className={styles.heading}>
                  Columns
                </h3>
                {!form.source.id || !form.table ? (
                  <Text className={styles.muted}>Choose where rows come from and a table to map their columns.</Text>
                ) : (
                  <div className={styles.mapping}>
                    {suggestions.isFetching && <Spinner size="tiny" label="Matching columns by name…" labelPosition="after" />}
                    {sourceColumns.length === 0 && !suggestions.isFetching && (
                      <Text className={styles.muted}>No source columns found yet.</Text>
                    )}
                    {sourceColumns.map((s) => {
                      const target = targetOf(s);
                      const error = errorFor(s, ...(target ? [target] : []));
                      const field = form.mapping.fields.find((f) => f.source.kind === 'column' && f.source.name === s);
                      const column = target ? columnsByName.get(target) : undefined;
                      return (
                        <div key={s} className={styles.mapRow} data-testid={`mapping-row-${s}`}>
                          <span className={styles.sourceName} id={`mapping-source-${s}`}>
                            {s}
                          </span>
                          <span className={styles.arrow} aria-hidden>
                            →
                          </span>
                          <div>
                            <FilterCombobox
                              id={`mapping-target-${s}`}
                              testId={`mapping-target-${s}`}
                              items={columnItems}
                              value={target}
                              onSelect={(v) => mapTo(s, v)}
                              noneText="Don't send"
                              placeholder="Don't send"
                              aria-label={`Table column for ${s}`}
                              aria-describedby={error ? `mapping-error-${s}` : undefined}
                            />
                            {error && (
                              <Caption1 id={`mapping-error-${s}`} className={styles.error} data-testid={`error-mapping-${s}`}>
                                {error}
                              </Caption1>
                            )}
                            {field && column && (
                              <MappingDetails
                                // Another table column, or another source and table, starts its overrides afresh.
                                key={`${pairKey}:${column.logicalName}`}
                                source={s}
                                column={column}
                                field={field}
                                destinationId={destination.id}
                                tables={tables.data?.tables ?? []}
                                timeZone={form.mapping.timeZone}
                                onChange={(next) => replaceField(s, next)}
                              />
                            )}
                          </div>
                          <span />
                        </div>
                      );
                    })}
                    {constants.map(({ f, i }, n) => {
                      const error = f.column ? errorFor(f.column) : undefined;
                      const value = f.source.kind === 'constant' ? f.source.value : '';
                      return (
                        <div key={i} className={styles.mapRow} data-testid={`constant-row-${n}`}>
                          <Input
                            value={value}
                            aria-label={`Constant value ${n + 1}`}
                            placeholder="The same value for every row"
                            onChange={(_, d) =>
                              setFields((fields) =>
                                fields.map((x, j) => (j === i ? { ...x, source: { kind: 'constant', value: d.value } } : x)),
                              )
                            }
                          />
                          <span className={styles.arrow} aria-hidden>
                            →
                          </span>
                          <div>
                            <FilterCombobox
                              id={`constant-target-${n}`}
                              items={columnItems}
                              value={f.column}
                              onSelect={(v) => setFields((fields) => fields.map((x, j) => (j === i ? { ...x, column: v } : x)))}
                              placeholder="Choose a table column"
                              aria-label={`Table column for constant value ${n + 1}`}
                            />
                            {error && (
                              <Caption1 className={styles.error} data-testid={`error-constant-${n}`}>
                                {error}
                              </Caption1>
                            )}
                          </div>
                          <Button
                            appearance="subtle"
                            icon={<DismissRegular />}
                            aria-label={`Remove constant value ${n + 1}`}
                            onClick={() => setFields((fields) => fields.filter((_, j) => j !== i))}
                          />
                        </div>
                      );
                    })}
                    <div>
                      <Button
                        icon={<AddRegular />}
                        data-testid="add-constant"
                        onClick={() =>
                          setFields((fields) => [...fields, { column: '', source: { kind: 'constant', value: '' }, choiceOverrides: {} }])
                        }
                      >
                        Add a constant value
                      </Button>
                    </div>
                  </div>
                )}

                <TimeZoneField
                  value={form.mapping.timeZone}
                  onChange={(zone) => edit((f) => ({ ...f, mapping: { ...f.mapping, timeZone: zone } }))}
                  usedBy={zoneUsers}
                  error={timeZoneError}
                />

                {otherMappingErrors.length > 0 && (
                  <MessageBar intent="error" layout="multiline" data-testid="template-mapping-errors">
                    <MessageBarBody>
                      <MessageBarTitle>Fix before saving</MessageBarTitle>
                      <ul className={styles.notes}>
                        {otherMappingErrors.map((e) => (
                          <li key={`${e.field}:${e.message}`}>
                            <strong>{subjectOf(e.field)}</strong>: {e.message}
                          </li>
                        ))}
                      </ul>
                    </MessageBarBody>
                  </MessageBar>
                )}
                {dropped.length > 0 && (
                  <MessageBar intent="warning" layout="multiline" data-testid="template-dropped">
                    <MessageBarBody>
                      <MessageBarTitle>Left out of every request</MessageBarTitle>
                      <ul className={styles.notes}>
                        {dropped.map((d) => (
                          <li key={`${d.subject}:${d.message}`}>
                            <strong>{d.subject}</strong>: {d.message}
                          </li>
                        ))}
                      </ul>
                    </MessageBarBody>
                  </MessageBar>
                )}
                {warnings.length > 0 && (
                  <MessageBar intent="warning" layout="multiline" data-testid="template-warnings">
                    <MessageBarBody>
                      <MessageBarTitle>Worth a look before sending</MessageBarTitle>
                      <ul className={styles.notes}>
                        {warnings.map((w) => (
                          <li key={`${w.subject}:${w.message}`}>
                            <strong>{w.subject}</strong>: {w.message}
                          </li>
                        ))}
                      </ul>
                    </MessageBarBody>
                  </MessageBar>
                )}
                {unused.length > 0 && (
                  <MessageBar intent="info" layout="multiline" data-testid="template-unused">
                    <MessageBarBody>
                      Not sent: {unused.join(', ')}. Pick a table column for any of them to send it.
                    </MessageBarBody>
                  </MessageBar>
                )}
              </section>

              <section className={styles.section} aria-labelledby="template-section-access">
                <h3 id="template-section-access" className={styles.heading}>
                  Who may use it
                </h3>
                <div className={styles.toggle}>
                  <Switch
                    id="template-business-users"
                    data-testid="template-business-users"
                    checked={form.businessUsers}
                    // Campaigns are run by business users: without their access a template cannot serve one.
                    onChange={(_, d) => edit((f) => ({ ...f, businessUsers: d.checked, campaigns: d.checked && f.campaigns }))}
                    onBlur={leave('businessUsers')}
                    label="Business users may use this template"
                    aria-describedby="template-business-users-hint"
                  />
                  <Caption1 id="template-business-users-hint" className={styles.toggleHint}>
                    {msg.businessUsers ?? 'Only if the destination is open to them too. When off, only DataGrid Operators and Administrators can use it.'}
                  </Caption1>
                </div>
                <div className={styles.toggle}>
                  <Switch
                    id="template-restricted-pii"
                    data-testid="template-restricted-pii"
                    checked={form.restrictedPii}
                    onChange={(_, d) => update('restrictedPii', d.checked)}
                    onBlur={leave('restrictedPii')}
                    label="Users with restricted PII access may use this template"
                    aria-describedby="template-restricted-pii-hint"
                  />
                  <Caption1 id="template-restricted-pii-hint" className={styles.toggleHint}>
                    {msg.restrictedPii ?? 'They still see personal data masked in the preview; this lets them send it.'}
                  </Caption1>
                </div>
                <div className={styles.toggle}>
                  <Switch
                    id="template-campaigns"
                    data-testid="template-campaigns"
                    checked={form.campaigns}
                    // NOTE: left enabled while on, so a template saved before the rule can still be turned off.
                    disabled={!form.businessUsers && !form.campaigns}
                    onChange={(_, d) => update('campaigns', d.checked)}
                    onBlur={leave('campaigns')}
                    label="Available to campaigns"
                    aria-describedby="template-campaigns-hint"
                  />
                  <Caption1
                    id="template-campaigns-hint"
                    data-testid="template-campaigns-hint"
                    className={msg.campaigns ? mergeClasses(styles.toggleHint, styles.error) : styles.toggleHint}
                  >
                    {msg.campaigns ??
                      (form.businessUsers
                        ? 'Campaigns can then send their audience through this template.'
                        : 'Campaigns are run by business users: turn on business-user access above first.')}
                  </Caption1>
                </div>
              </section>
            </DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={onClose} disabled={pending}>
                Cancel
              </Button>
              <Button
                appearance="primary"
                type="submit"
                data-testid="template-save"
                disabled={pending}
                icon={pending ? <Spinner size="tiny" /> : undefined}
              >
                {pending ? 'Saving…' : 'Save'}
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
        {confirming && (
          <ConfirmDeleteOperation
            open
          templateName={form.name}
          destinationName={destination.name}
          sourceText={sourceText}
          source={form.source}
          pending={pending}
          onConfirm={send}
          onCancel={() => setConfirming(false)}
          />
        )}
      </DialogSurface>
    </Dialog>
  );
}
