// The Segments tab: saved audiences beside a builder that needs no SQL. While conditions change,
// the audience is counted (debounced) and its size shown large; the SQL it compiles to can be
// shown, and its rows previewed in the grid through the same read-only door as queries.
//
// Test ids for end-to-end tests:
//   segment-new; segment-list / segment-item / segment-open / segment-more / segment-edit /
//   segment-duplicate / segment-delete / segment-search (see components/SavedList.tsx)
//   segments-empty, segments-no-data
//   segment-name, segment-description, segment-table   the form's inputs (ids the same)
//   error-name, segment-save-error, segment-save
//   the builder's ids are listed in SegmentBuilder.tsx (segment-condition rows, …)
//   segment-count (data-state = idle | counting | done | error), segment-counting (spinner),
//   segment-count-error, segment-count-other
//   segment-show-sql (toggle), segment-sql (the compiled SQL), segment-sql-params
//   segment-preview (button), preview-grid (the grid; see components/RunResult.tsx),
//   pii-hidden-note (above the preview when its personal data is masked for the viewer)
//   segment-campaigns (a saved segment's campaign sends: see features/campaigns/SegmentCampaigns.tsx)
// Saving, duplicating and deleting are shown only to users allowed to manage segments; the
// others can open saved segments, count and preview them.
import {
  Button,
  Caption1,
  Input,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Select,
  Spinner,
  Text,
  makeStyles,
  tokens,
  useRestoreFocusTarget,
} from '@fluentui/react-components';
import { AddRegular, ChevronDownRegular, ChevronRightRegular, SaveRegular, TableSearchRegular } from '@fluentui/react-icons';
import { useMemo, useState, type FormEvent } from 'react';
import { useDataTables, useDeleteSegment, useSaveSegment, useSavedSegments, useSegmentCount } from '../../api/data';
import type { SavedSegment, SegmentCount, SegmentDefinition, TableSummary } from '../../api/dataTypes';
import type { AppError } from '../../api/types';
import { usePermissions } from '../../api/users';
import { ConfirmDeleteDialog } from '../../components/ConfirmDeleteDialog';
import { FormField } from '../../components/FormField';
import { EmptyState, LoadFailed, Loading, PageHeader, usePageStyles } from '../../components/PageStates';
import { RunResult } from '../../components/RunResult';
import { SavedList, copyName } from '../../components/SavedList';
import { formatCount, formatDuration } from '../../lib/format';
import { commands } from '../../api/ipc';
import { useNotify } from '../../lib/notify';
import { useDebouncedValue } from '../../lib/useDebouncedValue';
import { groupByField, type Messages } from '../../lib/useFormCheck';
import { useQueryRun } from '../../lib/useQueryRun';
import { SegmentCampaigns } from '../campaigns/SegmentCampaigns';
import { GroupEditor } from './SegmentBuilder';
import { emptyDefinition, fromWire, isComplete, problemsByRule, toWire, type EditDefinition } from './segmentModel';

const DEFAULT_TABLE = 'customers';
const COUNT_DELAY_MS = 300;
const PREVIEW_TIME_LIMIT = 30;

interface Draft {
  id: string | null;
  name: string;
  description: string;
  definition: EditDefinition;
}

const useStyles = makeStyles({
  panes: {
    display: 'grid',
    gridTemplateColumns: 'clamp(220px, 24%, 300px) minmax(0, 1fr)',
    gap: tokens.spacingHorizontalXL,
    alignItems: 'start',
  },
  editor: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, minWidth: 0 },
  row: { display: 'grid', gridTemplateColumns: 'minmax(0, 1fr) minmax(0, 1fr)', gap: tokens.spacingHorizontalL, alignItems: 'start' },
  audience: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalM,
    flexWrap: 'wrap',
    padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalL}`,
    borderRadius: tokens.borderRadiusLarge,
    backgroundColor: tokens.colorBrandBackground2,
    minHeight: '56px',
  },
  count: { fontSize: tokens.fontSizeHero700, lineHeight: tokens.lineHeightHero700, fontWeight: tokens.fontWeightSemibold, fontVariantNumeric: 'tabular-nums' },
  countText: { fontSize: tokens.fontSizeBase400 },
  muted: { color: tokens.colorNeutralForeground3 },
  error: { color: tokens.colorPaletteRedForeground1 },
  sql: {
    margin: 0,
    padding: tokens.spacingHorizontalM,
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    backgroundColor: tokens.colorNeutralBackground3,
    borderRadius: tokens.borderRadiusMedium,
  },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center', flexWrap: 'wrap' },
  empty: {
    padding: tokens.spacingVerticalL,
    color: tokens.colorNeutralForeground2,
    border: `${tokens.strokeWidthThin} dashed ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusLarge,
  },
});

function baseTableOf(tables: readonly TableSummary[] | undefined): string {
  if (!tables || tables.length === 0) return DEFAULT_TABLE;
  return tables.some((t) => t.name === DEFAULT_TABLE) ? DEFAULT_TABLE : tables[0].name;
}

/** "2,431 customers match", "1 row of orders matches". */
export function audienceText(count: number, table: string): string {
  const verb = count === 1 ? 'matches' : 'match';
  if (table === DEFAULT_TABLE) return `${count === 1 ? 'customer' : 'customers'} ${verb}`;
  return `${count === 1 ? 'row' : 'rows'} of ${table} ${verb}`;
}

export function SegmentsTab() {
  const page = usePageStyles();
  const tables = useDataTables();
  const segments = useSavedSegments();
  const restoreFocus = useRestoreFocusTarget();
  // "New segment" starts the editor afresh (and closes any preview).
  const [session, setSession] = useState(0);
  const list = tables.data;
  const ready = !!list && list.length > 0 && !!segments.data;

  return (
    <div className={page.page}>
      <PageHeader
        title="Segments"
        lead="Audiences built from conditions on your customer data, no SQL needed. The count updates as you change them."
        action={
          ready ? (
            <Button icon={<AddRegular />} data-testid="segment-new" onClick={() => setSession((n) => n + 1)} {...restoreFocus}>
              New segment
            </Button>
          ) : undefined
        }
      />
      {tables.isPending && <Loading label="Loading tables…" />}
      {tables.isError && <LoadFailed what="the tables" error={tables.error} onRetry={() => void tables.refetch()} />}
      {segments.isError && <LoadFailed what="the saved segments" error={segments.error} onRetry={() => void segments.refetch()} />}
      {list && list.length === 0 && (
        <EmptyState testId="segments-no-data" title="Nothing to build an audience from yet" action={null}>
          <Text>
            Segments pick rows from your customer data. Import a CSV file on the Data tab first (or run{' '}
            <code>ferry data demo</code> for made-up customers), then come back to build one.
          </Text>
        </EmptyState>
      )}
      {ready && segments.data && <SegmentsEditor key={session} tables={list} saved={segments.data} />}
    </div>
  );
}

function SegmentsEditor({ tables, saved }: { tables: TableSummary[]; saved: SavedSegment[] }) {
  const styles = useStyles();
  const notify = useNotify();
  const save = useSaveSegment();
  const remove = useDeleteSegment();
  const preview = useQueryRun();
  const canManage = usePermissions().can('manageSegments');
  const fresh = (): Draft => ({ id: null, name: '', description: '', definition: emptyDefinition(baseTableOf(tables)) });
  const [draft, setDraft] = useState<Draft>(fresh);
  const [errors, setErrors] = useState<Messages>({});
  const [failure, setFailure] = useState<AppError | null>(null);
  const [saveProblems, setSaveProblems] = useState<{ field: string; message: string }[]>([]);
  const [showSql, setShowSql] = useState(false);
  const [deleting, setDeleting] = useState<{ open: boolean; target?: SavedSegment }>({ open: false });

  const def = draft.definition;
  const complete = isComplete(def.rules);
  const wire = useMemo<SegmentDefinition | null>(() => (complete ? toWire(def, tables) : null), [complete, def, tables]);
  const [settled] = useDebouncedValue(wire, COUNT_DELAY_MS);
  const count = useSegmentCount(settled);
  const counting = wire !== settled || count.isFetching;
  // The count's error is about the definition as it was counted; shown once it is current.
  const countError = !counting && count.isError ? count.error : null;
  const problems = useMemo(() => {
    const fields = [...(countError?.fields ?? []), ...saveProblems];
    return problemsByRule(fields, def.rules);
  }, [countError, saveProblems, def.rules]);
  const baseRows = tables.find((t) => t.name === def.table)?.rowCount;

  const open = (d: Draft) => {
    setDraft(d);
    setErrors({});
    setFailure(null);
    setSaveProblems([]);
    preview.clear();
  };
  const openSaved = (s: SavedSegment) => open({ id: s.id, name: s.name, description: s.description, definition: fromWire(s.definition) });

  const setDefinition = (definition: EditDefinition) => {
    setDraft((d) => ({ ...d, definition }));
    setSaveProblems([]);
  };

  const onSave = (e: FormEvent) => {
    e.preventDefault();
    // Enter in a field submits the form; a user who may not save has nothing to submit.
    if (save.isPending || !canManage) return;
    setFailure(null);
    save.mutate(
      { id: draft.id, input: { name: draft.name, description: draft.description, definition: toWire(def, tables) } },
      {
        onSuccess: (s) => {
          setDraft((d) => ({ ...d, id: s.id, name: s.name }));
          setErrors({});
          setSaveProblems([]);
          notify(`Segment “${s.name}” saved`);
        },
        onError: (err) => {
          if (err.code !== 'validation') return setFailure(err);
          const fields = err.fields ?? [];
          const form = fields.filter((f) => f.field === 'name' || f.field === 'description');
          setErrors(groupByField(form));
          setSaveProblems(fields.filter((f) => !form.includes(f)));
          if (form.length > 0) setTimeout(() => document.getElementById(`segment-${form[0].field}`)?.focus(), 0);
        },
      },
    );
  };

  const duplicate = (s: SavedSegment) => {
    const name = copyName(s.name, saved.map((x) => x.name));
    save.mutate(
      { id: null, input: { name, description: s.description, definition: s.definition } },
      {
        onSuccess: (copy) => {
          openSaved(copy);
          notify(`“${copy.name}” made from “${s.name}”`);
        },
        onError: (err) => notify(`Could not copy “${s.name}”: ${err.message}`, 'error'),
      },
    );
  };

  const target = deleting.target;
  const closeDelete = () => setDeleting((s) => ({ ...s, open: false }));
  const confirmDelete = () => {
    if (!target) return;
    remove.mutate(target.id, {
      onSuccess: () => {
        notify(`Segment “${target.name}” deleted`);
        if (draft.id === target.id) open(fresh());
        closeDelete();
      },
    });
  };

  const shown: SegmentCount | undefined = complete ? count.data : undefined;
  const state = !complete ? 'idle' : counting ? 'counting' : countError ? 'error' : shown ? 'done' : 'idle';

  return (
    <>
      <div className={styles.panes}>
        <div>
          {saved.length === 0 && (
            <div className={styles.empty} data-testid="segments-empty">
              <Text weight="semibold">No saved segments yet</Text>
              <br />
              <Text>
                {canManage
                  ? 'Add conditions on the right until the count looks right, then save the segment.'
                  : 'Add conditions on the right to see how many customers match and preview them.'}
              </Text>
            </div>
          )}
          <SavedList
            items={saved}
            currentId={draft.id}
            onOpen={openSaved}
            manage={
              canManage
                ? {
                    onDuplicate: duplicate,
                    onDelete: (s) => {
                      remove.reset();
                      setDeleting({ open: true, target: s });
                    },
                  }
                : undefined
            }
            what="segments"
            prefix="segment"
            searchIn={(s) => [s.definition.table]}
            placeholder="Search names and descriptions"
            hint="Search looks at names, descriptions and base tables: try fewer or shorter words."
          />
        </div>

        <form className={styles.editor} onSubmit={onSave} noValidate aria-label="Segment">
          {failure && (
            <MessageBar intent="error" layout="multiline" data-testid="segment-save-error">
              <MessageBarBody>
                <MessageBarTitle>Not saved</MessageBarTitle>
                {failure.message}
              </MessageBarBody>
            </MessageBar>
          )}
          <div className={styles.row}>
            <FormField field="name" label="Name" controlId="segment-name" required error={errors.name}>
              <Input
                id="segment-name"
                value={draft.name}
                onChange={(_, d) => {
                  setDraft((x) => ({ ...x, name: d.value }));
                  setErrors((e) => ({ ...e, name: undefined }));
                }}
                placeholder="e.g. Gold customers who opted in"
                data-testid="segment-name"
              />
            </FormField>
            <FormField field="table" label="People from" controlId="segment-table" hint="The table whose rows make the audience.">
              <Select
                id="segment-table"
                value={def.table}
                onChange={(_, d) => setDefinition({ ...def, table: d.value })}
                data-testid="segment-table"
              >
                {tables.map((t) => (
                  <option key={t.name} value={t.name}>
                    {t.name}
                  </option>
                ))}
              </Select>
            </FormField>
          </div>
          <FormField field="description" label="Description" controlId="segment-description" error={errors.description}>
            <Input
              id="segment-description"
              value={draft.description}
              onChange={(_, d) => setDraft((x) => ({ ...x, description: d.value }))}
              data-testid="segment-description"
            />
          </FormField>

          <div className={styles.audience} data-testid="segment-count" data-state={state} aria-live="polite">
            {state === 'idle' && !complete && <Text className={styles.muted}>Choose a column for every condition to see how many match.</Text>}
            {state !== 'idle' && shown && (
              <>
                <span className={styles.count} data-testid="segment-count-value" data-count={shown.count}>
                  {formatCount(shown.count)}
                </span>
                <Text className={styles.countText}>
                  {audienceText(shown.count, def.table)}
                  {baseRows !== undefined && <span className={styles.muted}>{` of ${formatCount(baseRows)}`}</span>}
                </Text>
              </>
            )}
            {counting && <Spinner size="tiny" label="Counting…" data-testid="segment-counting" />}
            {!counting && shown && <Caption1 className={styles.muted}>counted in {formatDuration(shown.elapsedMs)}</Caption1>}
            {countError && (
              <Text className={styles.error} data-testid="segment-count-error">
                {countError.code === 'validation'
                  ? problems.byRule.size > 0
                    ? 'Fix the marked conditions to see the count.'
                    : countError.message
                  : countError.message}
              </Text>
            )}
          </div>
          {problems.other.length > 0 && (
            <MessageBar intent="error" layout="multiline" data-testid="segment-count-other">
              <MessageBarBody>{problems.other.join(' ')}</MessageBarBody>
            </MessageBar>
          )}

          <GroupEditor
            ctx={{ tables, base: def.table, problems: problems.byRule }}
            table={def.table}
            match={def.match}
            rules={def.rules}
            onChange={(match, rules) => setDefinition({ ...def, match, rules })}
            path="root"
            allowRelated
            root
            label="Conditions"
          />

          <div className={styles.actions}>
            {canManage && (
              <Button appearance="primary" type="submit" icon={save.isPending ? <Spinner size="tiny" /> : <SaveRegular />} disabledFocusable={save.isPending} data-testid="segment-save">
                {draft.id ? 'Save' : 'Save as new segment'}
              </Button>
            )}
            <Button
              icon={<TableSearchRegular />}
              disabledFocusable={!shown || counting || preview.starting}
              onClick={() => {
                if (!shown || !settled) return;
                const definition = settled;
                preview.startWith(() => commands.segmentStart(definition, PREVIEW_TIME_LIMIT));
              }}
              data-testid="segment-preview"
            >
              Preview rows
            </Button>
            <Button
              appearance="subtle"
              icon={showSql ? <ChevronDownRegular /> : <ChevronRightRegular />}
              aria-expanded={showSql}
              aria-controls="segment-sql"
              onClick={() => setShowSql((s) => !s)}
              data-testid="segment-show-sql"
            >
              {showSql ? 'Hide SQL' : 'Show SQL'}
            </Button>
          </div>
          {showSql && (
            <div id="segment-sql">
              {shown ? (
                <>
                  <pre className={styles.sql} data-testid="segment-sql" aria-label="The SQL this segment runs">
                    {shown.sql}
                  </pre>
                  {shown.params.length > 0 && (
                    <Caption1 className={styles.muted} data-testid="segment-sql-params">
                      Values for each ?: {shown.params.map((p) => (typeof p === 'string' ? `'${p}'` : String(p))).join(', ')}
                    </Caption1>
                  )}
                </>
              ) : (
                <Caption1 className={styles.muted} data-testid="segment-sql">
                  The SQL appears once the conditions can be counted.
                </Caption1>
              )}
            </div>
          )}
          <RunResult state={preview} testId="preview-grid" label="Preview of the segment's rows" height="min(420px, calc(100vh - 220px))" />
          {draft.id && <SegmentCampaigns segmentId={draft.id} />}
        </form>
      </div>

      <ConfirmDeleteDialog
        open={deleting.open}
        title={`Delete “${target?.name ?? ''}”?`}
        pending={remove.isPending}
        error={remove.error}
        onConfirm={confirmDelete}
        onCancel={closeDelete}
      >
        The segment is forgotten; the customers in it are not touched.
      </ConfirmDeleteDialog>
    </>
  );
}
