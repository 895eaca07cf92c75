// The Activity tab (administrators): the activity log, newest first, filtered by user, kind,
// dates and whether personal data was shown; one entry's details beside the list; the log
// exported as CSV; its hash chain verified.
//
// The list is virtualised like the data grid: only the rows in view are in the DOM, and entries
// are read 200 at a time by offset for the pages in view, so a long log scrolls like a short one.
// Keyboard: Tab to the list, then the arrow keys, Page Up/Down, Home and End move the selection.
//
// Test ids: `activity-filter-user`, `activity-filter-kind`, `activity-since`, `activity-until`
// (with `error-since` / `error-until` under them), `activity-pii-only`, `activity-count`,
// `activity-clear-filters`, `activity-refresh`, `activity-scroller` (the list's scrolling
// box), `activity-row-<seq>` (aria-selected), `activity-export`, `activity-verify`,
// `activity-verify-result` (data-intact; problems `activity-problem`), `activity-empty`,
// `activity-no-matches`, `activity-details` (see ActivityDetails.tsx).
import {
  Button,
  Caption1,
  Checkbox,
  Input,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Select,
  Spinner,
  Text,
  Tooltip,
  makeStyles,
  mergeClasses,
  tokens,
} from '@fluentui/react-components';
import {
  ArrowClockwiseRegular,
  ArrowDownloadRegular,
  DismissRegular,
  EyeRegular,
  FilterDismissRegular,
  ShieldCheckmarkRegular,
} from '@fluentui/react-icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { ACTIVITY_PAGE_SIZE, activityKeys, useActivityPages, useExportActivity, useVerifyActivity } from '../../api/activity';
import { commands } from '../../api/ipc';
import type { ActivityEntry, ActivityPage, ActivityQuery, VerifyReport } from '../../api/types';
import { FormField } from '../../components/FormField';
import { EmptyState, LoadFailed, Loading, PageHeader, usePageStyles } from '../../components/PageStates';
import { parseDateText } from '../../lib/dateInput';
import { formatCount } from '../../lib/format';
import { useNotify } from '../../lib/notify';
import { useDebouncedValue } from '../../lib/useDebouncedValue';
import { groupByField } from '../../lib/useFormCheck';
import { ActivityDetails, OutcomeBadge, entryTime } from './ActivityDetails';

const ROW_HEIGHT = 36;
const HEADER_HEIGHT = 34;
const OVERSCAN = 10;

/** Friendlier names for the kinds the backend records; an unknown kind shows as itself. */
const KIND_LABELS: Record<string, string> = {
  access: 'Access',
  activity: 'Activity log',
  config: 'Settings',
  connection: 'Connections',
  data: 'Data',
  query: 'Queries',
  segment: 'Segments',
  session: 'Sessions',
  users: 'Users',
};

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}

interface Filters {
  user: string;
  kind: string;
  since: string;
  until: string;
  piiOnly: boolean;
}

const NO_FILTERS: Filters = { user: '', kind: '', since: '', until: '', piiOnly: false };

/** A typed date as the backend wants it: ISO when it reads as a date, else as typed (the backend says what is wrong). */
function dateParam(text: string): string | null {
  const t = text.trim();
  if (!t) return null;
  return parseDateText(t) ?? t;
}

function toQuery(f: Filters): ActivityQuery {
  return {
    user: f.user || null,
    kind: f.kind || null,
    since: dateParam(f.since),
    until: dateParam(f.until),
    revealsPii: f.piiOnly,
  };
}

const useStyles = makeStyles({
  filters: { display: 'flex', alignItems: 'flex-start', gap: tokens.spacingHorizontalL, flexWrap: 'wrap' },
  filter: { width: '180px' },
  date: { width: '150px' },
  check: { alignSelf: 'center', paddingTop: tokens.spacingVerticalL },
  toolbar: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  spacer: { flexGrow: 1 },
  count: { color: tokens.colorNeutralForeground3, fontVariantNumeric: 'tabular-nums' },
  panes: {
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 1fr) clamp(280px, 34%, 440px)',
    gap: tokens.spacingHorizontalL,
    alignItems: 'start',
  },
  list: {
    display: 'flex',
    flexDirection: 'column',
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground1,
    minWidth: 0,
  },
  scroller: {
    overflow: 'auto',
    position: 'relative',
    height: 'min(560px, calc(100vh - 330px))',
    minHeight: '200px',
    ':focus-visible': { outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}`, outlineOffset: '-2px' },
  },
  head: {
    position: 'sticky',
    top: 0,
    zIndex: 1,
    display: 'grid',
    height: `${HEADER_HEIGHT}px`,
    alignItems: 'center',
    backgroundColor: tokens.colorNeutralBackground2,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    fontWeight: tokens.fontWeightSemibold,
    fontSize: tokens.fontSizeBase200,
  },
  grid: { gridTemplateColumns: '170px 120px 110px minmax(160px, 1fr) 90px 40px', minWidth: '690px' },
  row: {
    position: 'absolute',
    left: 0,
    right: 0,
    display: 'grid',
    height: `${ROW_HEIGHT}px`,
    alignItems: 'center',
    boxSizing: 'border-box',
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke3}`,
    cursor: 'pointer',
    fontSize: tokens.fontSizeBase200,
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover },
  },
  selected: {
    backgroundColor: tokens.colorBrandBackground2,
    ':hover': { backgroundColor: tokens.colorBrandBackground2Hover },
  },
  cell: {
    padding: `0 ${tokens.spacingHorizontalS}`,
    whiteSpace: 'nowrap',
    overflow: 'clip',
    textOverflow: 'ellipsis',
    minWidth: 0,
  },
  faint: { color: tokens.colorNeutralForeground4, fontStyle: 'italic' },
  pii: { color: tokens.colorPaletteRedForeground1, display: 'flex', alignItems: 'center' },
  placeholder: {
    padding: tokens.spacingHorizontalL,
    color: tokens.colorNeutralForeground3,
    border: `${tokens.strokeWidthThin} dashed ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  problems: { margin: `${tokens.spacingVerticalXS} 0 0`, paddingLeft: tokens.spacingHorizontalXL },
});

export function ActivityTab() {
  const page = usePageStyles();
  const styles = useStyles();
  const notify = useNotify();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const typed = useMemo(() => toQuery(filters), [filters]);
  // Dates are typed: wait until they stop changing. The pickers and the checkbox apply at once.
  const [settled] = useDebouncedValue(typed, 300);
  const query = useMemo(
    () => ({ ...typed, since: settled.since, until: settled.until }),
    [typed, settled.since, settled.until],
  );
  const [selected, setSelected] = useState<{ index: number; entry: ActivityEntry } | null>(null);
  const [verified, setVerified] = useState<VerifyReport | null>(null);
  const verify = useVerifyActivity();
  const exporter = useExportActivity();
  const scroller = useRef<HTMLDivElement>(null);
  const client = useQueryClient();

  const head = useQuery({
    queryKey: activityKeys.page(query, 0),
    queryFn: (): Promise<ActivityPage> => commands.activityPage(query, 0, ACTIVITY_PAGE_SIZE),
    staleTime: 0,
  });
  // The pickers offer every user and kind in the log, kept from the last answer while a new one loads.
  const [known, setKnown] = useState<ActivityPage | null>(null);
  if (head.data && head.data !== known) setKnown(head.data);
  const total = head.data?.total ?? 0;

  // The virtualiser hands back functions that change on every render; that is how it works.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: head.data ? total : 0,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
    paddingStart: HEADER_HEIGHT,
    // Keyboard moves keep the selected row out from under the sticky header.
    scrollPaddingStart: HEADER_HEIGHT,
  });
  const items = virtualizer.getVirtualItems();
  const wanted = useMemo(() => {
    if (items.length === 0) return [];
    const first = Math.floor(items[0].index / ACTIVITY_PAGE_SIZE);
    const last = Math.floor(items[items.length - 1].index / ACTIVITY_PAGE_SIZE);
    const out: number[] = [];
    for (let p = Math.max(1, first); p <= last; p++) out.push(p);
    return out;
  }, [items]);
  const rest = useActivityPages(query, wanted, !!head.data);
  const entryAt = (index: number): ActivityEntry | undefined => {
    const p = Math.floor(index / ACTIVITY_PAGE_SIZE);
    const data = p === 0 ? head.data : rest[wanted.indexOf(p)]?.data;
    return data?.entries[index - p * ACTIVITY_PAGE_SIZE];
  };

  const dateErrors = head.error?.code === 'validation' ? groupByField(head.error.fields ?? []) : {};
  const filtered = filters.user !== '' || filters.kind !== '' || filters.since !== '' || filters.until !== '' || filters.piiOnly;

  const update = <K extends keyof Filters>(key: K, value: Filters[K]) => {
    setFilters((f) => ({ ...f, [key]: value }));
    setSelected(null);
    scroller.current?.scrollTo?.({ top: 0 });
  };
  const clearFilters = () => {
    setFilters(NO_FILTERS);
    setSelected(null);
  };

  const select = (index: number) => {
    const i = Math.max(0, Math.min(total - 1, index));
    // Scrolled to first, so an entry whose page is not read yet is asked for.
    virtualizer.scrollToIndex(i, { align: 'auto' });
    const entry = entryAt(i);
    if (entry) setSelected({ index: i, entry });
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (total === 0) return;
    const at = selected?.index ?? -1;
    const pageRows = Math.max(1, Math.floor(((scroller.current?.clientHeight ?? 0) - HEADER_HEIGHT) / ROW_HEIGHT));
    const next: Record<string, number> = {
      ArrowDown: at + 1,
      ArrowUp: at - 1,
      PageDown: at + pageRows,
      PageUp: at - pageRows,
      Home: 0,
      End: total - 1,
    };
    if (!(e.key in next)) return;
    e.preventDefault();
    select(next[e.key]);
  };

  const runVerify = () => {
    setVerified(null);
    verify.mutate(undefined, {
      onSuccess: setVerified,
      onError: (err) => notify(`Could not verify the log: ${err.message}`, 'error'),
    });
  };
  const runExport = () =>
    exporter.mutate(query, {
      onSuccess: (path) => {
        if (path) notify(`Activity log saved to ${path}`);
      },
      onError: (err) => notify(`Could not export the log: ${err.message}`, 'error'),
    });

  const options = known ?? head.data;
  return (
    <div className={page.page}>
      <PageHeader
        title="Activity"
        lead="Everything done in Ferry on this computer: who did it, when, and how it ended. Entries are never changed or removed."
        action={
          <>
            <Button
              icon={exporter.isPending ? <Spinner size="tiny" /> : <ArrowDownloadRegular />}
              disabledFocusable={exporter.isPending}
              onClick={runExport}
              data-testid="activity-export"
            >
              Export CSV
            </Button>
            <Button
              icon={verify.isPending ? <Spinner size="tiny" /> : <ShieldCheckmarkRegular />}
              disabledFocusable={verify.isPending}
              onClick={runVerify}
              data-testid="activity-verify"
            >
              Verify log
            </Button>
          </>
        }
      />

      {verified && <VerifyResult report={verified} onDismiss={() => setVerified(null)} />}

      <div className={styles.filters} role="group" aria-label="Filters">
        <FormField field="user" label="User" controlId="activity-filter-user">
          <Select
            id="activity-filter-user"
            className={styles.filter}
            value={filters.user}
            onChange={(_, d) => update('user', d.value)}
            data-testid="activity-filter-user"
          >
            <option value="">Everyone</option>
            {(options?.users ?? []).map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </Select>
        </FormField>
        <FormField field="kind" label="Kind" controlId="activity-filter-kind">
          <Select
            id="activity-filter-kind"
            className={styles.filter}
            value={filters.kind}
            onChange={(_, d) => update('kind', d.value)}
            data-testid="activity-filter-kind"
          >
            <option value="">All kinds</option>
            {(options?.kinds ?? []).map((k) => (
              <option key={k} value={k}>
                {kindLabel(k)}
              </option>
            ))}
          </Select>
        </FormField>
        <FormField field="since" label="From" controlId="activity-since" error={dateErrors.since} hint="A date, e.g. 2026-11-01">
          <Input
            id="activity-since"
            className={styles.date}
            value={filters.since}
            onChange={(_, d) => update('since', d.value)}
            placeholder="YYYY-MM-DD"
            data-testid="activity-since"
          />
        </FormField>
        <FormField field="until" label="To" controlId="activity-until" error={dateErrors.until} hint="Included in the results">
          <Input
            id="activity-until"
            className={styles.date}
            value={filters.until}
            onChange={(_, d) => update('until', d.value)}
            placeholder="YYYY-MM-DD"
            data-testid="activity-until"
          />
        </FormField>
        <Checkbox
          className={styles.check}
          checked={filters.piiOnly}
          onChange={(_, d) => update('piiOnly', d.checked === true)}
          label="Only entries that showed personal data"
          data-testid="activity-pii-only"
        />
      </div>

      <div className={styles.toolbar}>
        <Caption1 className={styles.count} aria-live="polite" data-testid="activity-count">
          {head.data ? `${formatCount(total)} ${total === 1 ? 'entry' : 'entries'}${filtered ? ' match' : ''}` : ' '}
        </Caption1>
        <span className={styles.spacer} />
        <Button
          appearance="subtle"
          icon={<ArrowClockwiseRegular />}
          onClick={() => void client.invalidateQueries({ queryKey: activityKeys.all() })}
          data-testid="activity-refresh"
        >
          Show new entries
        </Button>
        {filtered && (
          <Button appearance="subtle" icon={<FilterDismissRegular />} onClick={clearFilters} data-testid="activity-clear-filters">
            Clear filters
          </Button>
        )}
      </div>

      {head.isPending && <Loading label="Reading the activity log…" />}
      {head.isError && head.error.code !== 'validation' && (
        <LoadFailed what="the activity log" error={head.error} onRetry={() => void head.refetch()} />
      )}
      {head.isError && head.error.code === 'validation' && (
        <Text className={styles.placeholder}>Correct the dates above to see the entries.</Text>
      )}

      {head.data && total === 0 && !filtered && (
        <EmptyState testId="activity-empty" title="Nothing recorded yet" action={null}>
          <Text>Every change, query run, connection test and switch of user is recorded here as it happens.</Text>
        </EmptyState>
      )}
      {head.data && total === 0 && filtered && (
        <EmptyState
          testId="activity-no-matches"
          title="No entries match these filters"
          action={
            <Button onClick={clearFilters} icon={<FilterDismissRegular />}>
              Clear filters
            </Button>
          }
        >
          <Text>Try a wider date range, another user or kind, or include entries that showed no personal data.</Text>
        </EmptyState>
      )}

      {head.data && total > 0 && (
        <div className={styles.panes}>
          <div className={styles.list}>
            <div
              ref={scroller}
              className={styles.scroller}
              tabIndex={0}
              role="grid"
              aria-label="Activity log entries, newest first"
              aria-rowcount={total + 1}
              aria-activedescendant={selected ? `activity-row-${selected.entry.seq}` : undefined}
              onKeyDown={onKeyDown}
              data-testid="activity-scroller"
            >
              <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
                <div role="row" aria-rowindex={1} className={mergeClasses(styles.head, styles.grid)}>
                  <span role="columnheader" className={styles.cell}>
                    Time
                  </span>
                  <span role="columnheader" className={styles.cell}>
                    User
                  </span>
                  <span role="columnheader" className={styles.cell}>
                    Kind
                  </span>
                  <span role="columnheader" className={styles.cell}>
                    Summary
                  </span>
                  <span role="columnheader" className={styles.cell}>
                    Outcome
                  </span>
                  <span role="columnheader" className={styles.cell} aria-label="Showed personal data">
                    PII
                  </span>
                </div>
                {items.map((item) => (
                  <ActivityRow
                    key={item.key}
                    index={item.index}
                    start={item.start}
                    entry={entryAt(item.index)}
                    selected={selected?.index === item.index}
                    onSelect={(entry) => setSelected({ index: item.index, entry })}
                  />
                ))}
              </div>
            </div>
          </div>
          {selected ? (
            <ActivityDetails entry={selected.entry} />
          ) : (
            <Text className={styles.placeholder}>Choose an entry to see everything recorded about it.</Text>
          )}
        </div>
      )}
    </div>
  );
}

function ActivityRow({
  index,
  start,
  entry,
  selected,
  onSelect,
}: {
  index: number;
  start: number;
  entry: ActivityEntry | undefined;
  selected: boolean;
  onSelect: (entry: ActivityEntry) => void;
}) {
  const styles = useStyles();
  const style = { transform: `translateY(${start}px)`, top: 0 };
  if (!entry) {
    return (
      <div role="row" aria-rowindex={index + 2} className={mergeClasses(styles.row, styles.grid)} style={style} data-loading="true">
        <span role="gridcell" className={mergeClasses(styles.cell, styles.faint)}>
          Loading…
        </span>
      </div>
    );
  }
  return (
    <div
      role="row"
      id={`activity-row-${entry.seq}`}
      aria-rowindex={index + 2}
      aria-selected={selected}
      className={mergeClasses(styles.row, styles.grid, selected && styles.selected)}
      style={style}
      onClick={() => onSelect(entry)}
      data-testid={`activity-row-${entry.seq}`}
      data-index={index}
    >
      <span role="gridcell" className={styles.cell}>
        {entryTime(entry.atMs)}
      </span>
      <span role="gridcell" className={styles.cell} title={entry.userName}>
        {entry.userName}
      </span>
      <span role="gridcell" className={styles.cell}>
        {kindLabel(entry.kind)}
      </span>
      <span role="gridcell" className={styles.cell} title={entry.summary}>
        {entry.summary}
      </span>
      <span role="gridcell" className={styles.cell}>
        <OutcomeBadge outcome={entry.outcome} />
      </span>
      <span role="gridcell" className={styles.cell}>
        {entry.revealsPii && (
          <Tooltip content="Personal data was shown to the user" relationship="label">
            <span className={styles.pii} data-testid="activity-reveals-pii">
              <EyeRegular />
            </span>
          </Tooltip>
        )}
      </span>
    </div>
  );
}

function VerifyResult({ report, onDismiss }: { report: VerifyReport; onDismiss: () => void }) {
  const styles = useStyles();
  const dismiss = (
    <Button appearance="transparent" aria-label="Dismiss the verification result" icon={<DismissRegular />} onClick={onDismiss} />
  );
  if (report.intact) {
    return (
      <MessageBar intent="success" layout="multiline" data-testid="activity-verify-result" data-intact="true">
        <MessageBarBody>
          <MessageBarTitle>{`All ${formatCount(report.entries)} entries are intact`}</MessageBarTitle>
          No entry has been changed, removed or reordered since it was written.
        </MessageBarBody>
        <MessageBarActions containerAction={dismiss} />
      </MessageBar>
    );
  }
  return (
    <MessageBar intent="error" layout="multiline" data-testid="activity-verify-result" data-intact="false" role="alert">
      <MessageBarBody>
        <MessageBarTitle>The activity log has been changed outside Ferry</MessageBarTitle>
        {`Checked ${formatCount(report.entries)} entries. The chain that links each entry to the one before it breaks here:`}
        <ul className={styles.problems}>
          {report.problems.map((p, i) => (
            <li key={`${p.seq}:${i}`} data-testid="activity-problem" data-seq={p.seq}>
              {p.seq === 0 ? `The log as a whole: ${p.problem}` : `Entry #${p.seq}: ${p.problem}`}
            </li>
          ))}
        </ul>
        {report.problems.length >= 100 && 'Only the first 100 problems are listed.'}
      </MessageBarBody>
      <MessageBarActions containerAction={dismiss} />
    </MessageBar>
  );
}
