// A template's preview: the source's first rows mapped as they would be sent, counted by verdict,
// with a virtualised list of rows and, for the chosen row, its findings, the source row beside
// the record Dynamics would receive, and the exact request (all but the token). The first rows
// show at once; the counts come when every row has been checked, which takes seconds on a large
// source, so until then the panel says it is checking and how far the first page got.
//
// Test ids: `preview-panel`, `preview-count-ready|warning|error` (only once the counts cover every
// row), `preview-checking` (while they do not) with `preview-progress`, `preview-errors-only`,
// `preview-row-<index>` (with data-selected), `preview-detail`, `preview-findings`,
// `preview-source`, `preview-record`, `preview-request`, `preview-no-request`, `preview-empty`,
// `preview-check-dynamics` (the button), `preview-online` (its answer), `preview-online-row` (the
// chosen row's outcome), `preview-send` (shown when `onSend` is given).
import {
  Badge,
  Button,
  Caption1,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  ProgressBar,
  Spinner,
  Switch,
  Text,
  makeStyles,
  mergeClasses,
  tokens,
} from '@fluentui/react-components';
import { observeElementRect, useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useCheckAgainstDynamics, usePreview } from '../../api/templates';
import type { CheckOutcome, OnlineCheck, Preview, PreviewRow, RowCheck, TemplateView, Verdict, WireRequest } from '../../api/types';
import { cellText } from '../../components/DataGrid';
import { PiiHiddenNote } from '../../components/PiiHiddenNote';
import { Truncate } from '../../components/Truncate';
import { SendButton } from '../send/SendButton';

/** How many source rows a preview maps. */
export const PREVIEW_LIMIT = 500;
const ROW_HEIGHT = 32;
/** The row list's height (CSS), also what the virtualiser assumes before the box is laid out. */
const LIST_HEIGHT = 440;

const useStyles = makeStyles({
  surface: { width: '1100px', maxWidth: 'calc(100vw - 48px)' },
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  toolbar: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
  counts: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center', flexGrow: 1 },
  progress: { width: '160px', flexShrink: 0 },
  body: { display: 'grid', gridTemplateColumns: 'minmax(0, 1.3fr) minmax(0, 1fr)', gap: tokens.spacingHorizontalL, minHeight: 0 },
  list: {
    height: `${LIST_HEIGHT}px`,
    overflow: 'auto',
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    position: 'relative',
  },
  head: {
    position: 'sticky',
    top: 0,
    zIndex: 1,
    display: 'flex',
    backgroundColor: tokens.colorNeutralBackground2,
    fontWeight: tokens.fontWeightSemibold,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
  row: {
    position: 'absolute',
    left: 0,
    display: 'flex',
    alignItems: 'center',
    cursor: 'pointer',
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke3}`,
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover },
    ':focus-visible': { outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}`, outlineOffset: '-2px' },
  },
  selected: { backgroundColor: tokens.colorNeutralBackground1Selected },
  cell: {
    flexShrink: 0,
    padding: `0 ${tokens.spacingHorizontalS}`,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
  detail: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    height: '440px',
    overflow: 'auto',
    paddingRight: tokens.spacingHorizontalS,
  },
  h4: { margin: 0, fontSize: tokens.fontSizeBase300, fontWeight: tokens.fontWeightSemibold },
  pair: { display: 'grid', gridTemplateColumns: 'minmax(0, 1fr) minmax(0, 1fr)', gap: tokens.spacingHorizontalM },
  kv: { margin: 0, display: 'grid', gridTemplateColumns: 'auto minmax(0, 1fr)', columnGap: tokens.spacingHorizontalS, rowGap: '2px' },
  key: { color: tokens.colorNeutralForeground3, fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
  value: { margin: 0, fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, overflowWrap: 'anywhere' },
  pre: {
    margin: 0,
    padding: tokens.spacingHorizontalS,
    backgroundColor: tokens.colorNeutralBackground3,
    borderRadius: tokens.borderRadiusMedium,
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
  },
  findings: { margin: 0, paddingLeft: tokens.spacingHorizontalL, display: 'flex', flexDirection: 'column', gap: '2px' },
  muted: { color: tokens.colorNeutralForeground3 },
});

const VERDICT_TEXT: Record<Verdict, string> = { ready: 'Ready', warning: 'Warning', error: 'Error' };
const VERDICT_COLOR: Record<Verdict, 'success' | 'warning' | 'danger'> = { ready: 'success', warning: 'warning', error: 'danger' };

export function VerdictBadge({ verdict }: { verdict: Verdict }) {
  return (
    <Badge appearance="tint" size="small" color={VERDICT_COLOR[verdict]}>
      {VERDICT_TEXT[verdict]}
    </Badge>
  );
}

/** A record value as text: objects and arrays as compact JSON, nothing as "null". */
function valueText(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? '';
}

/** A request body pretty-printed when it is JSON, as sent otherwise. */
export function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** Every record column the rows use, in the order they first appear. */
function recordColumns(rows: PreviewRow[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const r of rows)
    for (const k of Object.keys(r.record))
      if (!seen.has(k)) {
        seen.add(k);
        out.push(k);
      }
  return out;
}

function RequestView({ request }: { request: WireRequest }) {
  const styles = useStyles();
  const text = [
    `${request.method} ${request.url}`,
    ...request.headers.map(([n, v]) => `${n}: ${v}`),
    ...(request.body !== null ? ['', prettyBody(request.body)] : []),
  ].join('\n');
  return (
    <div data-testid="preview-request">
      <pre className={styles.pre} tabIndex={0} aria-label="The request Ferry would send for this row">
        {text}
      </pre>
      <Caption1 className={styles.muted}>
        The Authorization header is left out: it carries the access token, which Ferry adds only when it sends.
      </Caption1>
    </div>
  );
}

/** How a row's answer from Dynamics reads. */
const OUTCOME_TEXT: Record<CheckOutcome, string> = {
  creates: 'no record has this key yet: sending creates one',
  updates: 'a record has this key: sending updates it',
  deletes: 'a record has this key: sending deletes it',
  notFound: 'no record has this key: sending finds nothing to change',
  failed: 'Dynamics could not be asked',
};

/** The answer's counts in words, leaving out what did not occur. */
function onlineSummary(c: OnlineCheck): string {
  const parts = [
    [c.updates, 'would update a record'],
    [c.creates, 'would create one'],
    [c.deletes, 'would delete one'],
    [c.notFound, 'find no record'],
    [c.failed, 'could not be asked'],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, what]) => `${(n as number).toLocaleString()} ${what}`);
  return `Of the first ${c.checked.toLocaleString()} rows that would be sent: ${parts.join(', ') || 'none'}.`;
}

function RowDetail({ preview, row, online }: { preview: Preview; row: PreviewRow; online?: RowCheck }) {
  const styles = useStyles();
  return (
    <div className={styles.detail} data-testid="preview-detail" aria-live="polite">
      <div>
        <Text weight="semibold">Row {row.index + 1}</Text> <VerdictBadge verdict={row.verdict} />
      </div>
      {online && (
        <Text data-testid="preview-online-row">
          In Dynamics: {OUTCOME_TEXT[online.outcome]}
          {online.message ? ` (${online.message})` : ''}.
        </Text>
      )}
      <section>
        <h4 className={styles.h4}>Findings</h4>
        {row.findings.length === 0 ? (
          <Text className={styles.muted}>Nothing to report: this row goes as shown.</Text>
        ) : (
          <ul className={styles.findings} data-testid="preview-findings">
            {row.findings.map((f, i) => (
              <li key={i}>
                <VerdictBadge verdict={f.verdict} /> <strong>{f.column}</strong>: {f.message}
              </li>
            ))}
          </ul>
        )}
      </section>
      <div className={styles.pair}>
        <section data-testid="preview-source">
          <h4 className={styles.h4}>Source row</h4>
          <dl className={styles.kv}>
            {preview.columns.map((c, i) => (
              <div key={c.name} style={{ display: 'contents' }}>
                <dt className={styles.key}>{c.name}</dt>
                <dd className={styles.value}>{cellText(row.source[i] ?? null, c.type)}</dd>
              </div>
            ))}
          </dl>
        </section>
        <section data-testid="preview-record">
          <h4 className={styles.h4}>Record sent to Dynamics</h4>
          {Object.keys(row.record).length === 0 ? (
            <Text className={styles.muted}>No columns to send.</Text>
          ) : (
            <dl className={styles.kv}>
              {Object.entries(row.record).map(([k, v]) => (
                <div key={k} style={{ display: 'contents' }}>
                  <dt className={styles.key}>{k}</dt>
                  <dd className={styles.value}>{valueText(v)}</dd>
                </div>
              ))}
            </dl>
          )}
        </section>
      </div>
      <section>
        <h4 className={styles.h4}>Request</h4>
        {row.request ? (
          <RequestView request={row.request} />
        ) : (
          <Text className={styles.muted} data-testid="preview-no-request">
            No request: Ferry cannot tell which record this row is for, because its key is missing or unusable.
          </Text>
        )}
      </section>
    </div>
  );
}

function RowList({
  preview,
  selected,
  onSelect,
}: {
  preview: Preview;
  selected: number | null;
  onSelect: (index: number) => void;
}) {
  const styles = useStyles();
  const scroller = useRef<HTMLDivElement>(null);
  const rows = preview.rows;
  const columns = useMemo(() => recordColumns(rows), [rows]);
  const widths = [64, 96, ...columns.map(() => 160)];
  const total = widths.reduce((a, b) => a + b, 0);
  // The virtualiser hands back functions that change on every render; that is how it works.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    initialRect: { width: 600, height: LIST_HEIGHT },
    // A box not laid out yet (or never, as in tests) measures 0: take it as its CSS height.
    observeElementRect: (instance, cb) =>
      observeElementRect(instance, (rect) => cb(rect.height > 0 ? rect : { width: rect.width, height: LIST_HEIGHT })),
  });
  const position = rows.findIndex((r) => r.index === selected);

  const move = (e: KeyboardEvent, at: number) => {
    const next =
      e.key === 'ArrowDown' ? at + 1 : e.key === 'ArrowUp' ? at - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? rows.length - 1 : null;
    if (next === null || next < 0 || next >= rows.length) return;
    e.preventDefault();
    onSelect(rows[next].index);
    virtualizer.scrollToIndex(next);
    setTimeout(() => scroller.current?.querySelector<HTMLElement>(`[data-position="${next}"]`)?.focus(), 0);
  };

  return (
    <div ref={scroller} className={styles.list} role="grid" aria-label="Previewed rows" aria-rowcount={rows.length + 1}>
      <div role="row" className={styles.head} style={{ width: total, minWidth: '100%' }}>
        {['Row', 'Verdict', ...columns].map((c, i) => (
          <div key={`${i}:${c}`} role="columnheader" className={styles.cell} style={{ width: widths[i], lineHeight: `${ROW_HEIGHT}px` }}>
            {c}
          </div>
        ))}
      </div>
      <div style={{ height: virtualizer.getTotalSize(), width: total, position: 'relative' }}>
        {virtualizer.getVirtualItems().map((item) => {
          const r = rows[item.index];
          const isSelected = r.index === selected;
          return (
            <div
              key={r.index}
              role="row"
              aria-selected={isSelected}
              aria-rowindex={item.index + 2}
              tabIndex={isSelected || (position === -1 && item.index === 0) ? 0 : -1}
              data-testid={`preview-row-${r.index}`}
              data-position={item.index}
              data-selected={isSelected ? 'true' : undefined}
              className={mergeClasses(styles.row, isSelected && styles.selected)}
              style={{ top: item.start, height: ROW_HEIGHT, width: total, minWidth: '100%' }}
              onClick={() => onSelect(r.index)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  onSelect(r.index);
                } else move(e, item.index);
              }}
            >
              <div role="gridcell" className={styles.cell} style={{ width: widths[0] }}>
                {r.index + 1}
              </div>
              <div role="gridcell" className={styles.cell} style={{ width: widths[1] }}>
                <VerdictBadge verdict={r.verdict} />
              </div>
              {columns.map((c, i) => (
                <div key={c} role="gridcell" className={styles.cell} style={{ width: widths[i + 2] }}>
                  {c in r.record ? valueText(r.record[c]) : ''}
                </div>
              ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}

export interface PreviewPanelProps {
  open: boolean;
  template: TemplateView;
  onClose: () => void;
  /** Whether the acting user may send the template from here (the preview closes first). */
  canSend?: boolean;
}

/** How many sendable rows "Check against Dynamics" asks about: a sample, read only. */
const ONLINE_SAMPLE = 100;

export function PreviewPanel({ open, template, onClose, canSend = false }: PreviewPanelProps) {
  const styles = useStyles();
  const [errorsOnly, setErrorsOnly] = useState(false);
  const preview = usePreview(template.id, PREVIEW_LIMIT, errorsOnly);
  const [selected, setSelected] = useState<number | null>(null);
  const data = preview.data;
  const row = data?.rows.find((r) => r.index === selected) ?? data?.rows[0];
  const checking = preview.checking;
  const online = useCheckAgainstDynamics(template.id);
  const onlineRows = useMemo(
    () => new Map((online.data?.rows ?? []).map((r) => [Number(r.index), r])),
    [online.data],
  );
  const creates = template.mapping.operation.kind === 'create';

  return (
    <Dialog open={open} onOpenChange={(_, d) => !d.open && onClose()}>
      <DialogSurface className={styles.surface} data-testid="preview-panel">
        <DialogBody>
          <DialogTitle>
            <Truncate text={`Preview of “${template.name}”`} />
          </DialogTitle>
          <DialogContent className={styles.content}>
            <Text className={styles.muted}>
              The first {PREVIEW_LIMIT} rows of the source, mapped exactly as Ferry would send them to {template.table};
              the counts cover every row. Nothing is sent.
            </Text>
            {preview.isPending && <Spinner label="Mapping rows…" />}
            {preview.error && (
              <MessageBar intent="error" layout="multiline" data-testid="preview-error">
                <MessageBarBody>
                  <MessageBarTitle>
                    {data ? 'Not every row could be checked' : 'The preview did not load'}
                  </MessageBarTitle>
                  {preview.error.message}
                </MessageBarBody>
              </MessageBar>
            )}
            {data && (
              <>
                <div className={styles.toolbar}>
                  {data.complete ? (
                    <div className={styles.counts} aria-label="Rows by verdict" role="group">
                      <Text>{data.total} rows:</Text>
                      <Badge appearance="tint" color="success" data-testid="preview-count-ready">
                        {data.ready} ready
                      </Badge>
                      <Badge appearance="tint" color="warning" data-testid="preview-count-warning">
                        {data.warning} with warnings
                      </Badge>
                      <Badge appearance="tint" color="danger" data-testid="preview-count-error">
                        {data.error} with errors
                      </Badge>
                    </div>
                  ) : (
                    <div className={styles.counts} data-testid="preview-checking" role="status">
                      {checking && (
                        <ProgressBar
                          className={styles.progress}
                          thickness="large"
                          aria-label="Checking every row"
                          data-testid="preview-progress"
                        />
                      )}
                      <Text>
                        {checking ? 'Checking every row… ' : ''}
                        In the first {data.total} rows: {data.error} with errors.
                      </Text>
                    </div>
                  )}
                  <Switch
                    data-testid="preview-errors-only"
                    checked={errorsOnly}
                    onChange={(_, d) => {
                      setErrorsOnly(d.checked);
                      setSelected(null);
                    }}
                    label="Errors only"
                  />
                </div>
                {data.piiHidden && <PiiHiddenNote />}
                {(online.data || online.error) && (
                  <MessageBar
                    intent={online.error ? 'error' : 'info'}
                    layout="multiline"
                    data-testid="preview-online"
                  >
                    <MessageBarBody>
                      <MessageBarTitle>{online.error ? 'Dynamics could not be asked' : 'Checked against Dynamics'}</MessageBarTitle>
                      {online.error ? online.error.message : onlineSummary(online.data)}
                    </MessageBarBody>
                  </MessageBar>
                )}
                {(data.dropped.length > 0 || data.warnings.length > 0) && (
                  <MessageBar intent="warning" layout="multiline" data-testid="preview-notes">
                    <MessageBarBody>
                      {[...data.dropped, ...data.warnings].map((n) => `${n.subject}: ${n.message}`).join(' ')}
                    </MessageBarBody>
                  </MessageBar>
                )}
                {data.rows.length === 0 ? (
                  <Text data-testid="preview-empty" className={styles.muted}>
                    {errorsOnly
                      ? data.complete
                        ? 'No row has an error: every row can be sent.'
                        : `No errors in the first ${data.total} rows.`
                      : 'The source has no rows right now.'}
                  </Text>
                ) : (
                  <div className={styles.body}>
                    <RowList preview={data} selected={row?.index ?? null} onSelect={setSelected} />
                    {row && <RowDetail preview={data} row={row} online={onlineRows.get(Number(row.index))} />}
                  </div>
                )}
              </>
            )}
          </DialogContent>
          <DialogActions>
            <Button
              data-testid="preview-check-dynamics"
              disabled={creates || online.isPending || !data}
              title={
                creates
                  ? 'This template creates a record for every row, so there is no key to look up.'
                  : `Asks ${template.destination.name} which of the first ${ONLINE_SAMPLE} rows' keys find a record. Nothing is written.`
              }
              icon={online.isPending ? <Spinner size="tiny" /> : undefined}
              onClick={() => online.mutate(ONLINE_SAMPLE)}
            >
              {online.isPending ? 'Asking Dynamics…' : 'Check against Dynamics'}
            </Button>
            {canSend && <SendButton template={template} testId="preview-send" appearance="secondary" onBeforeSend={onClose} />}
            <Button appearance="primary" onClick={onClose}>
              Close
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
