// The CSV import, in three steps inside one dialog: choose and read the file (and decide how
// each column lands), watch it import (with Cancel), and see what came of it, rejected rows
// included with their line numbers.
//
// Test ids for end-to-end tests:
//   import-dialog                    the dialog (data-step = file | running | result)
//   import-path, import-browse       the file's path (typeable) and the Browse… button
//   import-inspect                   "Read file" (Enter in the path does the same)
//   import-encoding, import-delimiter  the reading settings (selects)
//   import-column                    a file column's row (data-index); inside it
//     import-name-<i>, import-type-<i>, import-pii-<i>, import-include-<i>, import-problem-<i>,
//     error-columns[<i>].name
//   import-sample                    the DataGrid of the first rows
//   import-table, error-table        the table name and its message
//   import-mode-append, import-mode-replace, import-new-table
//   import-all-or-nothing, import-start
//   import-progress                  the ProgressBar; import-progress-text its figures
//   import-cancel                    Cancel while running
//   import-result                    the outcome (data-state = done | failed | cancelled)
//   import-reject                    a rejected row (data-line), import-save-rejects, import-saved-to
//   import-close
import {
  Button,
  Caption1,
  Checkbox,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  ProgressBar,
  Radio,
  RadioGroup,
  Select,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  mergeClasses,
  tokens,
} from '@fluentui/react-components';
import { FolderOpenRegular } from '@fluentui/react-icons';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useRefreshData } from '../../api/data';
import type { ColumnMeta, ColumnType, ImportPlan, ImportStatus, InspectOptions } from '../../api/dataTypes';
import { commands } from '../../api/ipc';
import type { AppError } from '../../api/types';
import { DataGrid, typeLabel } from '../../components/DataGrid';
import { FormField } from '../../components/FormField';
import { formatBytes, formatCount, formatDuration, rowsText } from '../../lib/format';
import { groupByField } from '../../lib/useFormCheck';
import {
  DELIMITERS,
  ENCODINGS,
  columnOf,
  existingTable,
  formProblems,
  mergeColumns,
  modeOf,
  requestOf,
  type ImportForm,
} from './importForm';

const POLL_MS = 250;

const TYPES: ColumnType[] = ['text', 'integer', 'decimal', 'boolean', 'date', 'dateTime'];

const useStyles = makeStyles({
  surface: { width: 'min(1100px, calc(100vw - 48px))', maxWidth: 'none' },
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  intro: { color: tokens.colorNeutralForeground2 },
  pathRow: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'flex-start' },
  path: { flexGrow: 1 },
  pathInput: { fontFamily: tokens.fontFamilyMonospace },
  settings: { display: 'flex', gap: tokens.spacingHorizontalL, flexWrap: 'wrap', alignItems: 'flex-end' },
  fileFacts: { color: tokens.colorNeutralForeground3 },
  sectionTitle: { margin: 0, fontSize: tokens.fontSizeBase300, fontWeight: tokens.fontWeightSemibold },
  columnsBox: { maxHeight: '320px', overflowY: 'auto', border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, borderRadius: tokens.borderRadiusMedium },
  header: { fontFamily: tokens.fontFamilyMonospace, overflowWrap: 'anywhere' },
  problem: { color: tokens.colorPaletteRedForeground1, fontSize: tokens.fontSizeBase200 },
  excluded: { opacity: 0.55 },
  cellField: { paddingBlock: tokens.spacingVerticalXS },
  tableRow: { display: 'flex', gap: tokens.spacingHorizontalXL, flexWrap: 'wrap', alignItems: 'flex-start' },
  tableName: { width: '320px', maxWidth: '100%' },
  progressText: { fontVariantNumeric: 'tabular-nums' },
  rejects: {
    margin: 0,
    padding: 0,
    listStyle: 'none',
    maxHeight: '240px',
    overflowY: 'auto',
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  reject: {
    display: 'grid',
    gridTemplateColumns: '96px minmax(0, 1fr)',
    gap: tokens.spacingHorizontalM,
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalM}`,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke3}`,
  },
  line: { fontVariantNumeric: 'tabular-nums', color: tokens.colorNeutralForeground3 },
  mono: { fontFamily: tokens.fontFamilyMonospace, overflowWrap: 'anywhere' },
});

type Step = 'file' | 'running' | 'result';

export interface ImportDialogProps {
  open: boolean;
  onClose: () => void;
  /** The import finished and wrote to this table. */
  onImported: (table: string) => void;
}

export function ImportDialog({ open, onClose, onImported }: ImportDialogProps) {
  const styles = useStyles();
  const refreshData = useRefreshData();
  const [step, setStep] = useState<Step>('file');
  const [path, setPath] = useState('');
  const [plan, setPlan] = useState<ImportPlan | null>(null);
  const [options, setOptions] = useState<InspectOptions>({ encoding: null, delimiter: null });
  const [inspecting, setInspecting] = useState(false);
  const [inspectError, setInspectError] = useState<AppError | null>(null);
  const [form, setForm] = useState<ImportForm | null>(null);
  const [tried, setTried] = useState(false);
  const [refusal, setRefusal] = useState<AppError | null>(null);
  const [starting, setStarting] = useState(false);
  const [importId, setImportId] = useState<string | null>(null);
  const [status, setStatus] = useState<ImportStatus | null>(null);
  // Which inspect is the latest: a slower, older answer must not replace a newer one.
  const inspectSeq = useRef(0);

  const inspect = (file: string, opts: InspectOptions) => {
    const mine = ++inspectSeq.current;
    setInspecting(true);
    setInspectError(null);
    setRefusal(null);
    commands.importInspect(file, opts).then(
      (fresh) => {
        if (mine !== inspectSeq.current) return;
        setInspecting(false);
        setForm((f) =>
          f && plan
            ? {
                ...f,
                table: f.tableEdited ? f.table : fresh.suggestedTable,
                columns: mergeColumns(fresh.columns, f.columns, plan.columns),
              }
            : { table: fresh.suggestedTable, tableEdited: false, existingMode: 'append', columns: fresh.columns, allOrNothing: false },
        );
        setPlan(fresh);
      },
      (e: AppError) => {
        if (mine !== inspectSeq.current) return;
        setInspecting(false);
        setInspectError(e);
      },
    );
  };

  const readFile = () => {
    const file = path.trim();
    if (!file) {
      setInspectError({ code: 'validation', message: 'Enter the path of a CSV file, or choose one with Browse….' });
      return;
    }
    // A new file is read afresh: its encoding and delimiter are detected again.
    const fresh = { encoding: null, delimiter: null };
    setOptions(fresh);
    inspect(file, fresh);
  };

  const browse = () => {
    commands.pickCsvFile().then(
      (picked) => {
        if (!picked) return;
        setPath(picked);
        setPlan(null);
        setForm(null);
        const fresh = { encoding: null, delimiter: null };
        setOptions(fresh);
        inspect(picked, fresh);
      },
      (e: AppError) => setInspectError(e),
    );
  };

  const reread = (change: Partial<InspectOptions>) => {
    if (!plan) return;
    const next = { ...options, ...change };
    setOptions(next);
    inspect(plan.file, next);
  };

  const local = useMemo(() => (form ? formProblems(form) : new Map<string, string>()), [form]);
  const refused = useMemo(() => groupByField(refusal?.code === 'validation' ? (refusal.fields ?? []) : []), [refusal]);
  /** The message under a field: what is wrong now, else what the backend refused last. */
  const messageFor = (field: string) => local.get(field) ?? refused[field];

  const start = (e: FormEvent) => {
    e.preventDefault();
    if (!plan || !form || starting) return;
    setTried(true);
    if (local.size > 0) {
      const first = [...local.keys()][0];
      const index = columnOf(first);
      const id = first === 'table' ? 'import-table' : index !== null ? `import-name-${index}` : null;
      if (id) setTimeout(() => document.getElementById(id)?.focus(), 0);
      return;
    }
    setStarting(true);
    setRefusal(null);
    commands.importStart(requestOf(plan, form, plan.file)).then(
      (id) => {
        setStarting(false);
        setImportId(id);
        setStatus(null);
        setStep('running');
      },
      (err: AppError) => {
        setStarting(false);
        setRefusal(err);
      },
    );
  };

  // While the import runs, ask how it is going every POLL_MS.
  useEffect(() => {
    if (step !== 'running' || !importId) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () => {
      commands.importStatus(importId).then(
        (s) => {
          if (stopped) return;
          setStatus(s);
          if (s.state === 'running') timer = setTimeout(poll, POLL_MS);
          else {
            setStep('result');
            if (s.state === 'done') {
              refreshData();
              onImported(s.report?.table ?? form?.table ?? '');
            }
          }
        },
        (err: AppError) => {
          if (stopped) return;
          setStatus((prev) => ({
            id: importId,
            state: 'failed',
            progress: prev?.progress ?? { rowsImported: 0, rowsRejected: 0, bytesRead: 0, totalBytes: 0 },
            report: null,
            error: { fields: [], ...err },
          }));
          setStep('result');
        },
      );
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
    // The poll starts once per import; later renders must not restart it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [step, importId]);

  const cancel = () => {
    if (importId) commands.importCancel(importId).catch(() => {});
  };

  const running = step === 'running';
  return (
    <Dialog
      open={open}
      // While rows are being written, the dialog stays until the import ends or is cancelled.
      modalType={running ? 'alert' : 'modal'}
      onOpenChange={(_, d) => {
        if (!d.open && !running) onClose();
      }}
    >
      <DialogSurface className={styles.surface} data-testid="import-dialog" data-step={step}>
        <form onSubmit={start} noValidate>
          <DialogBody>
            <DialogTitle>{step === 'file' ? 'Import a CSV file' : step === 'running' ? 'Importing…' : 'Import finished'}</DialogTitle>
            <DialogContent className={styles.content}>
              {step === 'file' && (
                <FileStep
                  path={path}
                  onPath={(p) => {
                    setPath(p);
                    // The columns shown belong to the file read; another path must be read first.
                    if (plan) {
                      setPlan(null);
                      setForm(null);
                      setTried(false);
                    }
                  }}
                  onRead={readFile}
                  onBrowse={browse}
                  inspecting={inspecting}
                  inspectError={inspectError}
                  plan={plan}
                  form={form}
                  onForm={(f) => {
                    setForm(f);
                    setRefusal(null);
                  }}
                  onReread={reread}
                  messageFor={messageFor}
                  tried={tried}
                  refusal={refusal}
                />
              )}
              {running && <Progress status={status} />}
              {step === 'result' && status && importId && <Result status={status} importId={importId} />}
            </DialogContent>
            <DialogActions>
              {step === 'file' && (
                <>
                  <Button appearance="secondary" onClick={onClose} data-testid="import-close">
                    Cancel
                  </Button>
                  {plan && form ? (
                    <Button
                      appearance="primary"
                      type="submit"
                      data-testid="import-start"
                      disabledFocusable={starting || inspecting}
                      icon={starting ? <Spinner size="tiny" /> : undefined}
                    >
                      {starting ? 'Starting…' : 'Import'}
                    </Button>
                  ) : (
                    <Button
                      appearance="primary"
                      data-testid="import-inspect"
                      onClick={readFile}
                      disabledFocusable={inspecting}
                      icon={inspecting ? <Spinner size="tiny" /> : undefined}
                    >
                      {inspecting ? 'Reading…' : 'Read file'}
                    </Button>
                  )}
                </>
              )}
              {running && (
                <Button appearance="secondary" data-testid="import-cancel" onClick={cancel}>
                  Cancel import
                </Button>
              )}
              {step === 'result' && (
                <Button appearance="primary" data-testid="import-close" onClick={onClose}>
                  Close
                </Button>
              )}
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}

interface FileStepProps {
  path: string;
  onPath: (path: string) => void;
  onRead: () => void;
  onBrowse: () => void;
  inspecting: boolean;
  inspectError: AppError | null;
  plan: ImportPlan | null;
  form: ImportForm | null;
  onForm: (form: ImportForm) => void;
  onReread: (change: Partial<InspectOptions>) => void;
  messageFor: (field: string) => string | undefined;
  tried: boolean;
  refusal: AppError | null;
}

function FileStep({ path, onPath, onRead, onBrowse, inspecting, inspectError, plan, form, onForm, onReread, messageFor, tried, refusal }: FileStepProps) {
  const styles = useStyles();
  return (
    <>
      {!plan && (
        <Text className={styles.intro}>
          The file needs a header row. Ferry reads its first rows, guesses each column&apos;s type and shows you what it
          found; nothing is written until you choose Import.
        </Text>
      )}
      <div className={styles.pathRow}>
        <FormField field="path" label="File" controlId="import-path" className={styles.path} error={inspectError?.message} hint="The full path of a .csv file, or choose one with Browse….">
          <Input
            id="import-path"
            className={styles.pathInput}
            value={path}
            onChange={(_, d) => onPath(d.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                // Enter reads the file; it must not submit the import with the old file's plan.
                e.preventDefault();
                onRead();
              }
            }}
            placeholder="/home/me/customers.csv"
            spellCheck={false}
            autoComplete="off"
            data-testid="import-path"
          />
        </FormField>
        <Button icon={<FolderOpenRegular />} onClick={onBrowse} data-testid="import-browse" style={{ marginTop: 26 }}>
          Browse…
        </Button>
        {plan && (
          <Button onClick={onRead} data-testid="import-inspect" disabledFocusable={inspecting} style={{ marginTop: 26 }}>
            Read again
          </Button>
        )}
      </div>
      {inspecting && <Spinner size="small" label="Reading the file…" labelPosition="after" data-testid="import-inspecting" />}
      {plan && form && <PlanView plan={plan} form={form} onForm={onForm} onReread={onReread} messageFor={messageFor} tried={tried} refusal={refusal} />}
    </>
  );
}

function PlanView({
  plan,
  form,
  onForm,
  onReread,
  messageFor,
  tried,
  refusal,
}: {
  plan: ImportPlan;
  form: ImportForm;
  onForm: (form: ImportForm) => void;
  onReread: (change: Partial<InspectOptions>) => void;
  messageFor: (field: string) => string | undefined;
  tried: boolean;
  refusal: AppError | null;
}) {
  const styles = useStyles();
  const setColumn = (i: number, change: Partial<ImportForm['columns'][number]>) =>
    onForm({ ...form, columns: form.columns.map((c, j) => (j === i ? { ...c, ...change } : c)) });
  const existing = existingTable(plan, form.table);
  const mode = modeOf(plan, form);
  const fileProblems = plan.problems.filter((p) => columnOf(p.field) === null);
  const sampleColumns = useMemo<ColumnMeta[]>(() => form.columns.map((c) => ({ name: c.header || `(column ${c.index + 1})`, type: c.type, pii: c.pii })), [form.columns]);
  const encodings: readonly string[] = ENCODINGS.includes(plan.encoding as (typeof ENCODINGS)[number]) ? ENCODINGS : [plan.encoding, ...ENCODINGS];
  const otherRefusal = refusal && (refusal.code !== 'validation' || (refusal.fields ?? []).every((f) => f.field !== 'table' && columnOf(f.field) === null)) ? refusal : null;

  return (
    <>
      <div className={styles.settings}>
        <Field label={{ children: 'Encoding', htmlFor: 'import-encoding' }}>
          <Select id="import-encoding" value={plan.encoding} onChange={(_, d) => onReread({ encoding: d.value })} data-testid="import-encoding">
            {encodings.map((e) => (
              <option key={e} value={e}>
                {e}
              </option>
            ))}
          </Select>
        </Field>
        <Field label={{ children: 'Delimiter', htmlFor: 'import-delimiter' }}>
          <Select id="import-delimiter" value={plan.delimiter} onChange={(_, d) => onReread({ delimiter: d.value })} data-testid="import-delimiter">
            {DELIMITERS.map((d) => (
              <option key={d.value} value={d.value}>
                {d.label}
              </option>
            ))}
          </Select>
        </Field>
        <Caption1 className={styles.fileFacts} data-testid="import-file-facts">
          {formatBytes(plan.fileBytes)} · {plan.columns.length} columns · detected as {plan.encoding}, split by{' '}
          {DELIMITERS.find((d) => d.value === plan.delimiter)?.label.toLowerCase() ?? plan.delimiter}. Change either if the
          sample looks wrong.
        </Caption1>
      </div>

      {fileProblems.length > 0 && (
        <MessageBar intent="warning" layout="multiline" data-testid="import-file-problems">
          <MessageBarBody>{fileProblems.map((p) => p.message).join(' ')}</MessageBarBody>
        </MessageBar>
      )}

      <h3 className={styles.sectionTitle}>Columns</h3>
      {messageFor('columns') && tried && (
        <Text className={styles.problem} data-testid="error-columns">
          {messageFor('columns')}
        </Text>
      )}
      <div className={styles.columnsBox}>
        <Table size="small" aria-label="Columns of the file" data-testid="import-columns">
          <TableHeader>
            <TableRow>
              <TableHeaderCell style={{ width: '24%' }}>In the file</TableHeaderCell>
              <TableHeaderCell style={{ width: '32%' }}>Column name</TableHeaderCell>
              <TableHeaderCell style={{ width: '18%' }}>Type</TableHeaderCell>
              <TableHeaderCell style={{ width: '13%' }}>Personal data</TableHeaderCell>
              <TableHeaderCell>Import</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {form.columns.map((c, i) => {
              const problems = plan.problems.filter((p) => columnOf(p.field) === i);
              const nameError = c.include ? messageFor(`columns[${i}].name`) : undefined;
              return (
                <TableRow key={c.index} data-testid="import-column" data-index={i} className={mergeClasses(!c.include && styles.excluded)}>
                  <TableCell>
                    <div className={styles.cellField}>
                      <span className={styles.header}>{c.header || '(no name)'}</span>
                      {problems.map((p) => (
                        <div key={p.field + p.message} className={styles.problem} data-testid={`import-problem-${i}`}>
                          {p.message}
                        </div>
                      ))}
                    </div>
                  </TableCell>
                  <TableCell>
                    <Field
                      className={styles.cellField}
                      validationState={nameError ? 'error' : 'none'}
                      validationMessage={nameError ? <span data-testid={`error-columns[${i}].name`}>{nameError}</span> : undefined}
                    >
                      <Input
                        id={`import-name-${i}`}
                        aria-label={`Column name for ${c.header || `column ${i + 1}`}`}
                        value={c.name}
                        disabled={!c.include}
                        onChange={(_, d) => setColumn(i, { name: d.value })}
                        spellCheck={false}
                        autoComplete="off"
                        data-testid={`import-name-${i}`}
                      />
                    </Field>
                  </TableCell>
                  <TableCell>
                    <Select
                      id={`import-type-${i}`}
                      aria-label={`Type of ${c.header || `column ${i + 1}`}`}
                      value={c.type}
                      disabled={!c.include}
                      onChange={(_, d) => setColumn(i, { type: d.value as ColumnType })}
                      data-testid={`import-type-${i}`}
                    >
                      {TYPES.map((t) => (
                        <option key={t} value={t}>
                          {typeLabel(t)}
                        </option>
                      ))}
                    </Select>
                  </TableCell>
                  <TableCell>
                    <Checkbox
                      aria-label={`${c.header || `Column ${i + 1}`} holds personal data`}
                      checked={c.pii}
                      disabled={!c.include}
                      onChange={(_, d) => setColumn(i, { pii: d.checked === true })}
                      data-testid={`import-pii-${i}`}
                      label="PII"
                    />
                  </TableCell>
                  <TableCell>
                    <Checkbox
                      aria-label={`Import ${c.header || `column ${i + 1}`}`}
                      checked={c.include}
                      onChange={(_, d) => setColumn(i, { include: d.checked === true })}
                      data-testid={`import-include-${i}`}
                    />
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </div>

      <h3 className={styles.sectionTitle}>First rows</h3>
      <DataGrid
        testId="import-sample"
        label="The first rows of the file"
        columns={sampleColumns}
        rowCount={plan.sampleRows.length}
        getRow={(i) => plan.sampleRows[i]}
        height="200px"
        emptyText="The file has a header but no rows."
      />

      <div className={styles.tableRow}>
        <FormField
          field="table"
          label="Into table"
          controlId="import-table"
          className={styles.tableName}
          required
          error={messageFor('table')}
          hint={existing ? undefined : 'Letters, digits and _, starting with a letter.'}
        >
          <Input
            id="import-table"
            value={form.table}
            onChange={(_, d) => onForm({ ...form, table: d.value, tableEdited: true })}
            spellCheck={false}
            autoComplete="off"
            data-testid="import-table"
            list="import-existing-tables"
          />
        </FormField>
        <datalist id="import-existing-tables">
          {plan.existingTables.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
        {existing ? (
          <Field label={`${existing} already exists`}>
            <RadioGroup
              value={form.existingMode}
              onChange={(_, d) => onForm({ ...form, existingMode: d.value as ImportForm['existingMode'] })}
            >
              <Radio value="append" label="Add these rows to it" data-testid="import-mode-append" />
              <Radio value="replace" label="Replace all its rows with these" data-testid="import-mode-replace" />
            </RadioGroup>
          </Field>
        ) : (
          !messageFor('table') && (
            <Caption1 className={styles.fileFacts} data-testid="import-new-table" style={{ marginTop: 30 }}>
              A new table will be made.
            </Caption1>
          )
        )}
      </div>
      <Checkbox
        checked={form.allOrNothing}
        onChange={(_, d) => onForm({ ...form, allOrNothing: d.checked === true })}
        data-testid="import-all-or-nothing"
        label="All or nothing: if any row is rejected, import none"
      />
      {mode === 'replace' && (
        <Caption1 className={styles.fileFacts}>Replacing keeps the old rows until the new ones are all in.</Caption1>
      )}
      {otherRefusal && (
        <MessageBar intent="error" layout="multiline" data-testid="import-refused">
          <MessageBarBody>
            <MessageBarTitle>Import not started</MessageBarTitle>
            {otherRefusal.message}
          </MessageBarBody>
        </MessageBar>
      )}
    </>
  );
}

function progressText(s: ImportStatus['progress']): string {
  const pct = s.totalBytes > 0 ? Math.floor((s.bytesRead / s.totalBytes) * 100) : 0;
  return `${rowsText(s.rowsImported)} imported · ${formatCount(s.rowsRejected)} rejected · ${formatBytes(s.bytesRead)} of ${formatBytes(s.totalBytes)} read (${pct}%)`;
}

function Progress({ status }: { status: ImportStatus | null }) {
  const styles = useStyles();
  const p = status?.progress;
  return (
    <>
      <ProgressBar
        value={p && p.totalBytes > 0 ? p.bytesRead / p.totalBytes : undefined}
        thickness="large"
        aria-label="Import progress"
        aria-describedby="import-progress-text"
        data-testid="import-progress"
      />
      <Text id="import-progress-text" className={styles.progressText} data-testid="import-progress-text" aria-live="polite">
        {p ? progressText(p) : 'Starting…'}
      </Text>
      <Text className={styles.intro}>You can cancel at any time: the table stays exactly as it was before.</Text>
    </>
  );
}

function Result({ status, importId }: { status: ImportStatus; importId: string }) {
  const styles = useStyles();
  const report = status.report;
  const [saving, setSaving] = useState(false);
  const [savedTo, setSavedTo] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<AppError | null>(null);
  const save = () => {
    setSaving(true);
    setSaveError(null);
    commands.saveRejects(importId).then(
      (p) => {
        setSaving(false);
        if (p) setSavedTo(p);
      },
      (e: AppError) => {
        setSaving(false);
        setSaveError(e);
      },
    );
  };
  const rejected = report?.rowsRejected ?? status.progress.rowsRejected;

  return (
    <div data-testid="import-result" data-state={status.state} className={styles.content}>
      {status.state === 'done' && report && (
        <MessageBar intent={rejected > 0 ? 'warning' : 'success'} layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>
              {rowsText(report.rowsImported)} imported into {report.table}
            </MessageBarTitle>
            {rejected > 0 ? `${rowsText(rejected)} could not be imported; see below.` : 'Every row was imported.'}{' '}
            It took {formatDuration(report.elapsedMs)}.
          </MessageBarBody>
        </MessageBar>
      )}
      {status.state === 'cancelled' && (
        <MessageBar intent="info" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>Import cancelled</MessageBarTitle>
            Nothing was imported: the table was left as it was.
          </MessageBarBody>
        </MessageBar>
      )}
      {status.state === 'failed' && (
        <MessageBar intent="error" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>Import failed</MessageBarTitle>
            {status.error?.message ?? 'The import stopped.'} Nothing was imported: the table was left as it was.
          </MessageBarBody>
        </MessageBar>
      )}
      {report && report.rejects.length > 0 && (
        <>
          <Text weight="semibold">
            {report.rowsRejected > report.rejects.length
              ? `The first ${formatCount(report.rejects.length)} of ${rowsText(report.rowsRejected)} rejected`
              : `${report.rowsRejected === 1 ? 'The row' : `The ${formatCount(report.rowsRejected)} rows`} rejected`}
          </Text>
          <ul className={styles.rejects} aria-label="Rejected rows" data-testid="import-rejects">
            {report.rejects.map((r) => (
              <li key={`${r.line}:${r.reason}`} className={styles.reject} data-testid="import-reject" data-line={r.line}>
                <span className={styles.line}>Line {formatCount(r.line)}</span>
                <span>{r.reason}</span>
              </li>
            ))}
          </ul>
          <div>
            <Button
              icon={saving ? <Spinner size="tiny" /> : undefined}
              disabledFocusable={saving}
              onClick={save}
              data-testid="import-save-rejects"
            >
              Save rejected rows…
            </Button>
          </div>
          {savedTo && (
            <Caption1 data-testid="import-saved-to">
              Saved every rejected row, with its reason, to <span className={styles.mono}>{savedTo}</span>.
            </Caption1>
          )}
          {saveError && (
            <MessageBar intent="error" data-testid="import-save-error">
              <MessageBarBody>{saveError.message}</MessageBarBody>
            </MessageBar>
          )}
        </>
      )}
    </div>
  );
}
