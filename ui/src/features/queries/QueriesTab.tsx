// The Queries tab: saved queries beside an editor that writes, runs and saves SQL over the
// customer data. Runs go through the backend's read-only door; the result scrolls in the
// virtualised grid, fetched a page at a time.
//
// Test ids for end-to-end tests:
//   query-new                      "New query"
//   query-list / query-item / query-open / query-more / query-edit / query-duplicate /
//   query-delete / query-search    the saved list (see components/SavedList.tsx)
//   queries-empty                  the hint shown while nothing is saved
//   query-name, query-description, query-time-limit   the form's inputs (ids the same)
//   error-name, error-sql, error-timeLimitSecs, query-save-error   messages
//   sql-editor                     the editor's box; type into its contenteditable
//                                  [data-testid="sql-editor-content"] (CodeMirror's .cm-content)
//   query-run (Ctrl/Cmd+Enter in the editor too), query-cancel, query-save, query-dirty
//   run-count, run-error (data-code), run-error-position   see components/RunResult.tsx
//   result-grid                    the grid: grid-scroller, grid-row[data-row-index]
//   confirm-dialog / confirm-delete   the delete confirmation
//   pii-hidden-note                under the editor when the result's personal data is masked
// Saving, duplicating and deleting are shown only to users allowed to manage queries; the
// others can open saved queries and run SQL.
import {
  Button,
  Caption1,
  Input,
  Label,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Text,
  makeStyles,
  tokens,
  useRestoreFocusTarget,
} from '@fluentui/react-components';
import { AddRegular, PlayRegular, SaveRegular, StopRegular } from '@fluentui/react-icons';
import { useMemo, useState, type FormEvent } from 'react';
import { useDataTables, useDeleteQuery, useSaveQuery, useSavedQueries } from '../../api/data';
import type { QueryInput, SavedQuery } from '../../api/dataTypes';
import type { AppError } from '../../api/types';
import { usePermissions } from '../../api/users';
import { ConfirmDeleteDialog } from '../../components/ConfirmDeleteDialog';
import { FormField } from '../../components/FormField';
import { LoadFailed, Loading, PageHeader, usePageStyles } from '../../components/PageStates';
import { RunResult, positionOf } from '../../components/RunResult';
import { SavedList, copyName } from '../../components/SavedList';
import { SqlEditor, type EditorPosition } from '../../components/SqlEditor';
import { useNotify } from '../../lib/notify';
import { groupByField, type Messages } from '../../lib/useFormCheck';
import { useQueryRun } from '../../lib/useQueryRun';

const DEFAULT_TIME_LIMIT = 30;

interface Draft {
  id: string | null;
  name: string;
  description: string;
  sql: string;
  /** As typed; checked when used. */
  timeLimit: string;
}

const EMPTY: Draft = { id: null, name: '', description: '', sql: '', timeLimit: String(DEFAULT_TIME_LIMIT) };

/** The form's inputs in screen order: field name and element id, for focusing the first refused one. */
const INPUTS: [string, string][] = [
  ['name', 'query-name'],
  ['timeLimitSecs', 'query-time-limit'],
  ['description', 'query-description'],
  ['sql', 'query-sql'],
];

function draftOf(q: SavedQuery): Draft {
  return { id: q.id, name: q.name, description: q.description, sql: q.sql, timeLimit: String(q.timeLimitSecs) };
}

/** Whole seconds, 1 or more; null when the text is not that. */
export function parseSeconds(text: string): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n >= 1 ? n : null;
}

const useStyles = makeStyles({
  panes: {
    display: 'grid',
    gridTemplateColumns: 'clamp(220px, 24%, 300px) minmax(0, 1fr)',
    gap: tokens.spacingHorizontalXL,
    alignItems: 'start',
  },
  editor: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, minWidth: 0 },
  row: { display: 'grid', gridTemplateColumns: 'minmax(0, 1fr) 160px', gap: tokens.spacingHorizontalL, alignItems: 'start' },
  fill: { width: '100%', minWidth: 0 },
  sqlField: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  error: { color: tokens.colorPaletteRedForeground1, fontSize: tokens.fontSizeBase200 },
  hint: { color: tokens.colorNeutralForeground3 },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center', flexWrap: 'wrap' },
  spacer: { flexGrow: 1 },
  empty: {
    padding: tokens.spacingVerticalL,
    color: tokens.colorNeutralForeground2,
    border: `${tokens.strokeWidthThin} dashed ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusLarge,
  },
});

export function QueriesTab() {
  const styles = useStyles();
  const page = usePageStyles();
  const notify = useNotify();
  const queries = useSavedQueries();
  const tables = useDataTables();
  const save = useSaveQuery();
  const remove = useDeleteQuery();
  const runner = useQueryRun();
  const canManage = usePermissions().can('manageQueries');
  const restoreFocus = useRestoreFocusTarget();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [saved, setSaved] = useState<Draft>(EMPTY);
  const [errors, setErrors] = useState<Messages>({});
  const [failure, setFailure] = useState<AppError | null>(null);
  const [jumpTo, setJumpTo] = useState<EditorPosition | null>(null);
  const [deleting, setDeleting] = useState<{ open: boolean; target?: SavedQuery }>({ open: false });

  const schema = useMemo(
    () => Object.fromEntries((tables.data ?? []).map((t) => [t.name, t.columns.map((c) => c.name)])),
    [tables.data],
  );
  const dirty = draft.name !== saved.name || draft.description !== saved.description || draft.sql !== saved.sql || draft.timeLimit !== saved.timeLimit;
  const running = runner.starting || !!runner.run?.running;
  // A new SQL error puts the cursor where SQLite stopped reading.
  const runFailure = runner.startError ?? runner.run?.status.error ?? null;
  const errorAt = useMemo(() => (runFailure ? positionOf(runFailure) : null), [runFailure]);

  const open = (d: Draft) => {
    setDraft(d);
    setSaved(d);
    setErrors({});
    setFailure(null);
    runner.clear();
  };

  const update = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    // A message stays until its field is changed.
    const field = key === 'timeLimit' ? 'timeLimitSecs' : key;
    if (errors[field]) setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const timeLimitProblem = () => (parseSeconds(draft.timeLimit) === null ? 'Enter whole seconds, 1 or more.' : null);

  const focusFirst = (messages: Messages) => {
    const first = INPUTS.find(([field]) => messages[field]);
    if (first) setTimeout(() => document.getElementById(first[1])?.focus(), 0);
  };

  /** Runs the editor's SQL; `text` is the editor's own when Ctrl+Enter comes before a re-render. */
  const run = (text: string = draft.sql) => {
    const problem = timeLimitProblem();
    if (problem) {
      const messages = { ...errors, timeLimitSecs: problem };
      setErrors(messages);
      focusFirst(messages);
      return;
    }
    if (!text.trim()) {
      const messages = { ...errors, sql: 'Write the SQL to run first.' };
      setErrors(messages);
      focusFirst(messages);
      return;
    }
    runner.start(text, parseSeconds(draft.timeLimit) ?? DEFAULT_TIME_LIMIT);
  };

  const onSave = (e?: FormEvent) => {
    e?.preventDefault();
    // Enter in a field submits the form; a user who may not save has nothing to submit.
    if (save.isPending || !canManage) return;
    setFailure(null);
    const seconds = parseSeconds(draft.timeLimit);
    if (seconds === null) {
      const messages = { ...errors, timeLimitSecs: 'Enter whole seconds, 1 or more.' };
      setErrors(messages);
      focusFirst(messages);
      return;
    }
    const input: QueryInput = { name: draft.name, description: draft.description, sql: draft.sql, timeLimitSecs: seconds };
    save.mutate(
      { id: draft.id, input },
      {
        onSuccess: (q) => {
          const d = draftOf(q);
          setDraft(d);
          setSaved(d);
          setErrors({});
          notify(`Query “${q.name}” saved`);
        },
        onError: (err) => {
          if (err.code === 'validation') {
            const messages = groupByField(err.fields ?? []);
            setErrors(messages);
            focusFirst(messages);
            if (!INPUTS.some(([f]) => messages[f])) setFailure(err);
          } else setFailure(err);
        },
      },
    );
  };

  const duplicate = (q: SavedQuery) => {
    const name = copyName(q.name, (queries.data ?? []).map((x) => x.name));
    save.mutate(
      { id: null, input: { name, description: q.description, sql: q.sql, timeLimitSecs: q.timeLimitSecs } },
      {
        onSuccess: (copy) => {
          open(draftOf(copy));
          notify(`“${copy.name}” made from “${q.name}”`);
        },
        onError: (err) => notify(`Could not copy “${q.name}”: ${err.message}`, 'error'),
      },
    );
  };

  const target = deleting.target;
  const closeDelete = () => setDeleting((s) => ({ ...s, open: false }));
  const confirmDelete = () => {
    if (!target) return;
    remove.mutate(target.id, {
      onSuccess: () => {
        notify(`Query “${target.name}” deleted`);
        if (draft.id === target.id) open(EMPTY);
        closeDelete();
      },
    });
  };

  const list = queries.data;
  return (
    <div className={page.page}>
      <PageHeader
        title="Queries"
        lead="SQL over your customer data. Queries only read: nothing you run here can change a row."
        action={
          <Button icon={<AddRegular />} data-testid="query-new" onClick={() => open(EMPTY)} {...restoreFocus}>
            New query
          </Button>
        }
      />
      <div className={styles.panes}>
        <div>
          {queries.isPending && <Loading label="Loading queries…" />}
          {queries.isError && <LoadFailed what="the saved queries" error={queries.error} onRetry={() => void queries.refetch()} />}
          {list && list.length === 0 && (
            <div className={styles.empty} data-testid="queries-empty">
              <Text weight="semibold">No saved queries yet</Text>
              <br />
              <Text>
                {canManage
                  ? 'Write one on the right, run it to check the rows, then save it to use it again.'
                  : 'Write SQL on the right and run it to see the rows. Saved queries appear here once someone saves one.'}
              </Text>
            </div>
          )}
          {list && (
            <SavedList
              items={list}
              currentId={draft.id}
              onOpen={(q) => open(draftOf(q))}
              manage={
                canManage
                  ? {
                      onDuplicate: duplicate,
                      onDelete: (q) => {
                        remove.reset();
                        setDeleting({ open: true, target: q });
                      },
                    }
                  : undefined
              }
              what="queries"
              prefix="query"
              searchIn={(q) => [q.sql]}
              placeholder="Search names, descriptions and SQL"
              hint="Search looks at names, descriptions and the SQL itself: try fewer or shorter words."
            />
          )}
        </div>

        <form className={styles.editor} onSubmit={onSave} noValidate aria-label="Query">
          {failure && (
            <MessageBar intent="error" layout="multiline" data-testid="query-save-error">
              <MessageBarBody>
                <MessageBarTitle>Not saved</MessageBarTitle>
                {failure.message}
              </MessageBarBody>
            </MessageBar>
          )}
          <div className={styles.row}>
            <FormField field="name" label="Name" controlId="query-name" required error={errors.name}>
              <Input id="query-name" value={draft.name} onChange={(_, d) => update('name', d.value)} data-testid="query-name" placeholder="e.g. Gold customers who opted in" />
            </FormField>
            <FormField field="timeLimitSecs" label="Time limit (seconds)" controlId="query-time-limit" error={errors.timeLimitSecs}>
              <Input
                id="query-time-limit"
                className={styles.fill}
                type="number"
                min={1}
                value={draft.timeLimit}
                onChange={(_, d) => update('timeLimit', d.value)}
                data-testid="query-time-limit"
              />
            </FormField>
          </div>
          <FormField field="description" label="Description" controlId="query-description" error={errors.description}>
            <Input id="query-description" value={draft.description} onChange={(_, d) => update('description', d.value)} data-testid="query-description" />
          </FormField>
          <div className={styles.sqlField}>
            <Label htmlFor="query-sql" required>
              SQL
            </Label>
            <SqlEditor
              id="query-sql"
              label="SQL"
              value={draft.sql}
              onChange={(sql) => update('sql', sql)}
              schema={schema}
              onRun={run}
              jumpTo={jumpTo}
              errorAt={errorAt}
              invalid={!!errors.sql}
              describedBy="query-sql-hint"
            />
            {errors.sql ? (
              <span id="query-sql-hint" className={styles.error} data-testid="error-sql">
                {errors.sql}
              </span>
            ) : (
              <Caption1 id="query-sql-hint" className={styles.hint}>
                SQLite&apos;s SQL. Table and column names complete as you type; Ctrl+Enter runs.
              </Caption1>
            )}
          </div>
          <div className={styles.actions}>
            <Button
              appearance="primary"
              icon={runner.starting ? <Spinner size="tiny" /> : <PlayRegular />}
              onClick={() => run()}
              data-testid="query-run"
              disabledFocusable={running}
              title="Run (Ctrl+Enter)"
            >
              Run
            </Button>
            {running && (
              <Button icon={<StopRegular />} onClick={runner.cancel} data-testid="query-cancel">
                Cancel
              </Button>
            )}
            {canManage && (
              <Button
                type="submit"
                icon={save.isPending ? <Spinner size="tiny" /> : <SaveRegular />}
                disabledFocusable={save.isPending}
                data-testid="query-save"
              >
                {draft.id ? 'Save' : 'Save as new query'}
              </Button>
            )}
            <span className={styles.spacer} />
            {canManage && dirty && draft.id && (
              <Caption1 className={styles.hint} data-testid="query-dirty">
                Unsaved changes
              </Caption1>
            )}
          </div>
          <RunResult
            state={runner}
            testId="result-grid"
            label="Query result"
            height="min(520px, calc(100vh - 200px))"
            onJump={(at) => setJumpTo({ ...at })}
          />
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
        The query is forgotten; the data it reads stays as it is.
      </ConfirmDeleteDialog>
    </div>
  );
}
