// The tables browser: a destination's Dataverse tables (filterable) and the chosen table's columns, keys and lookups.
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
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  SearchBox,
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
  useArrowNavigationGroup,
} from '@fluentui/react-components';
import { ArrowClockwiseRegular, DismissRegular } from '@fluentui/react-icons';
import { type CSSProperties, useDeferredValue, useMemo, useState } from 'react';
import { useRefreshTables, useTableColumns, useTables } from '../api/queries';
import type { AppError, ColumnInfo, TableDetails, TableInfo } from '../api/types';
import { formatAgo, formatDateTime } from '../lib/format';
import { failureTitle } from './ConnectionResult';
import { useNow } from '../lib/useNow';

type ChoiceOption = ColumnInfo['options'][number];

const useStyles = makeStyles({
  surface: {
    width: 'min(1240px, calc(100vw - 48px))',
    maxWidth: 'none',
    height: 'min(880px, calc(100vh - 48px))',
  },
  body: { height: '100%' },
  content: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    overflow: 'hidden',
    minHeight: 0,
  },
  header: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
  headerText: { flexGrow: 1, color: tokens.colorNeutralForeground2 },
  panes: {
    display: 'grid',
    gridTemplateColumns: 'clamp(200px, 28%, 320px) minmax(0, 1fr)',
    gap: tokens.spacingHorizontalL,
    flexGrow: 1,
    minHeight: 0,
  },
  left: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, minHeight: 0 },
  list: {
    flexGrow: 1,
    minHeight: 0,
    overflowY: 'auto',
    margin: 0,
    padding: tokens.spacingVerticalXXS,
    listStyle: 'none',
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  item: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'flex-start',
    width: '100%',
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalS}`,
    border: 'none',
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: 'transparent',
    color: tokens.colorNeutralForeground1,
    textAlign: 'start',
    cursor: 'pointer',
    fontFamily: tokens.fontFamilyBase,
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover },
    ':focus-visible': { outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}`, outlineOffset: '-2px' },
  },
  itemSelected: {
    backgroundColor: tokens.colorBrandBackground2,
    ':hover': { backgroundColor: tokens.colorBrandBackground2Hover },
  },
  itemLine: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap', minWidth: 0 },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, overflowWrap: 'anywhere' },
  muted: { color: tokens.colorNeutralForeground3 },
  right: { overflowY: 'auto', minHeight: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, paddingRight: tokens.spacingHorizontalXS },
  placeholder: {
    padding: tokens.spacingVerticalXXL,
    color: tokens.colorNeutralForeground3,
    border: `${tokens.strokeWidthThin} dashed ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusLarge,
  },
  sectionTitle: { margin: 0, fontSize: tokens.fontSizeBase400, lineHeight: tokens.lineHeightBase400, fontWeight: tokens.fontWeightSemibold },
  columnsBar: { display: 'flex', alignItems: 'center', justifyContent: 'space-between', gap: tokens.spacingHorizontalM },
  tableHead: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  cellStack: { display: 'flex', flexDirection: 'column', paddingBlock: tokens.spacingVerticalXXS, minWidth: 0 },
  choices: { overflowWrap: 'anywhere' },
  wrapCell: { overflowWrap: 'anywhere' },
  flags: { display: 'flex', gap: tokens.spacingHorizontalXXS, flexWrap: 'wrap' },
  spinner: { padding: tokens.spacingVerticalXL },
});

/** Tables whose logical or display name contains the filter, ignoring case. */
export function filterTables(tables: readonly TableInfo[], filter: string): TableInfo[] {
  const f = filter.trim().toLowerCase();
  if (!f) return [...tables];
  return tables.filter((t) => t.logicalName.toLowerCase().includes(f) || t.displayName.toLowerCase().includes(f));
}

/** Columns whose logical or display name contains the filter, ignoring case. */
function filterColumns(columns: readonly ColumnInfo[], filter: string): ColumnInfo[] {
  const f = filter.trim().toLowerCase();
  if (!f) return [...columns];
  return columns.filter((c) => c.logicalName.toLowerCase().includes(f) || c.displayName.toLowerCase().includes(f));
}


/** "From the local cache, fetched 5 minutes ago" / "Fetched from Dynamics just now": says "fetched" once. */
export function fetchedText(fetchedAt: number, fromCache: boolean, now: number): string {
  const ago = formatAgo(fetchedAt, now);
  return fromCache ? `From the local cache, fetched ${ago}` : `Fetched from Dynamics ${ago}`;
}

const REQUIRED_TEXT: Record<string, string> = {
  None: 'Optional',
  Recommended: 'Recommended',
  ApplicationRequired: 'Required',
  SystemRequired: 'Required (system)',
};

const KEY_STATUS_COLOR: Record<string, 'success' | 'warning' | 'danger' | 'informative'> = {
  Active: 'success',
  Pending: 'warning',
  InProgress: 'warning',
  Failed: 'danger',
};

const CHOICES_SHOWN = 4;

/**
 * The details pane scrolls; the columns' header cells stay in view at its top. Sticky is set on the cells, where every
 * engine honours it, and inline, so it holds whatever order the style sheets load in.
 */
const STICKY_HEAD: CSSProperties = {
  position: 'sticky',
  top: 0,
  zIndex: 1,
  backgroundColor: tokens.colorNeutralBackground1,
  boxShadow: `inset 0 -1px 0 ${tokens.colorNeutralStroke2}`,
};

function ChoiceList({ options }: { options: readonly ChoiceOption[] }) {
  const styles = useStyles();
  const [all, setAll] = useState(false);
  if (options.length === 0) return <span className={styles.muted}>—</span>;
  const shown = all ? options : options.slice(0, CHOICES_SHOWN);
  const hidden = options.length - shown.length;
  return (
    <span className={styles.choices} data-testid="column-choices">
      {shown.map((o) => `${o.value}: ${o.label}`).join(', ')}
      {options.length > CHOICES_SHOWN && (
        <>
          {' '}
          <Button
            appearance="transparent"
            size="small"
            style={{ minWidth: 0, padding: 0, height: 'auto', verticalAlign: 'baseline' }}
            onClick={() => setAll((a) => !a)}
            aria-expanded={all}
          >
            {all ? 'show fewer' : `+${hidden} more`}
          </Button>
        </>
      )}
    </span>
  );
}

function ColumnFlags({ column }: { column: ColumnInfo }) {
  const styles = useStyles();
  if (!column.validForCreate && !column.validForUpdate) return <span className={styles.muted}>read-only</span>;
  return (
    <span className={styles.flags}>
      {column.validForCreate && (
        <Badge appearance="tint" color="informative" size="small">
          create
        </Badge>
      )}
      {column.validForUpdate && (
        <Badge appearance="tint" color="informative" size="small">
          update
        </Badge>
      )}
    </span>
  );
}

function ColumnsTable({ details }: { details: TableDetails }) {
  const styles = useStyles();
  const [filter, setFilter] = useState('');
  const shown = filterColumns(details.columns, filter);
  return (
    <>
      <div className={styles.columnsBar}>
        <h4 className={styles.sectionTitle}>Columns</h4>
        <SearchBox
          id="columns-filter"
          size="small"
          aria-label="Filter columns by logical or display name"
          placeholder="Filter columns"
          value={filter}
          onChange={(_, d) => setFilter(d.value)}
          autoComplete="off"
          spellCheck={false}
        />
      </div>
      {shown.length === 0 ? (
        <Caption1 className={styles.muted} data-testid="columns-empty">
          {details.columns.length === 0
            ? 'This table has no columns Ferry can see.'
            : `No column’s logical or display name contains “${filter.trim()}”.`}
        </Caption1>
      ) : (
        <Table size="extra-small" aria-label={`Columns of ${details.table.displayName}`} data-testid="columns-table">
          <TableHeader data-testid="columns-head">
            <TableRow>
              <TableHeaderCell style={{ ...STICKY_HEAD, width: '27%' }}>Column</TableHeaderCell>
              <TableHeaderCell style={{ ...STICKY_HEAD, width: '12%' }}>Type</TableHeaderCell>
              <TableHeaderCell style={{ ...STICKY_HEAD, width: '8%' }}>Max length</TableHeaderCell>
              <TableHeaderCell style={{ ...STICKY_HEAD, width: '12%' }}>Required</TableHeaderCell>
              <TableHeaderCell style={{ ...STICKY_HEAD, width: '12%' }}>Can set on</TableHeaderCell>
              <TableHeaderCell style={STICKY_HEAD}>Choices</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {shown.map((c) => (
              <TableRow key={c.logicalName} data-testid="column-row" data-name={c.logicalName}>
                <TableCell>
                  <div className={styles.cellStack}>
                    <span>{c.displayName}</span>
                    <span className={mergeClasses(styles.mono, styles.muted)}>{c.logicalName}</span>
                  </div>
                </TableCell>
                <TableCell className={styles.wrapCell}>{c.typeName}</TableCell>
                <TableCell>{c.maxLength ?? <span className={styles.muted}>—</span>}</TableCell>
                <TableCell>{REQUIRED_TEXT[c.requiredLevel] ?? c.requiredLevel}</TableCell>
                <TableCell>
                  <ColumnFlags column={c} />
                </TableCell>
                <TableCell>
                  <ChoiceList options={c.options} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </>
  );
}

function KeysAndLookups({ details }: { details: TableDetails }) {
  const styles = useStyles();
  return (
    <>
      <h4 className={styles.sectionTitle}>Alternate keys</h4>
      {details.keys.length === 0 ? (
        <Caption1 className={styles.muted} data-testid="keys-none">
          None: rows of this table can only be matched by {details.table.primaryId}.
        </Caption1>
      ) : (
        <Table size="extra-small" aria-label="Alternate keys" data-testid="keys-table">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Key</TableHeaderCell>
              <TableHeaderCell>Columns</TableHeaderCell>
              <TableHeaderCell style={{ width: '18%' }}>Index</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {details.keys.map((k) => (
              <TableRow key={k.logicalName} data-testid="key-row" data-name={k.logicalName}>
                <TableCell className={styles.mono}>{k.logicalName}</TableCell>
                <TableCell className={styles.mono}>{k.columns.join(', ')}</TableCell>
                <TableCell>
                  <Badge appearance="tint" size="small" color={KEY_STATUS_COLOR[k.indexStatus] ?? 'informative'}>
                    {k.indexStatus}
                  </Badge>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}

      <h4 className={styles.sectionTitle}>Lookups</h4>
      {details.lookups.length === 0 ? (
        <Caption1 className={styles.muted} data-testid="lookups-none">
          None.
        </Caption1>
      ) : (
        <Table size="extra-small" aria-label="Lookups" data-testid="lookups-table">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Column</TableHeaderCell>
              <TableHeaderCell>Target table</TableHeaderCell>
              <TableHeaderCell>Set through (navigation property)</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {details.lookups.map((l) => (
              <TableRow key={l.schemaName} data-testid="lookup-row" data-name={l.column}>
                <TableCell className={styles.mono}>{l.column}</TableCell>
                <TableCell className={styles.mono}>
                  → {l.targetTable}.{l.targetColumn}
                </TableCell>
                <TableCell className={styles.mono}>{l.navigationProperty}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </>
  );
}

interface LoadErrorProps {
  testId: string;
  /** The title when the error's code has no wording of its own. */
  title: string;
  error: AppError;
  onRetry?: () => void;
  /** A retry is under way: the button waits. */
  retrying?: boolean;
}

function LoadError({ testId, title, error, onRetry, retrying = false }: LoadErrorProps) {
  return (
    <MessageBar intent="error" layout="multiline" data-testid={testId} data-code={error.code} style={{ flexShrink: 0 }}>
      <MessageBarBody>
        <MessageBarTitle>{failureTitle(error.code, title)}</MessageBarTitle>
        {error.message}
      </MessageBarBody>
      {onRetry && (
        <MessageBarActions>
          <Button
            data-testid={`${testId}-retry`}
            disabledFocusable={retrying}
            icon={retrying ? <Spinner size="tiny" /> : undefined}
            onClick={onRetry}
          >
            {retrying ? 'Trying again…' : 'Try again'}
          </Button>
        </MessageBarActions>
      )}
    </MessageBar>
  );
}

export interface TablesDialogProps {
  open: boolean;
  destination: { id: string; name: string };
  onClose: () => void;
}

export function TablesDialog({ open, destination, onClose }: TablesDialogProps) {
  const styles = useStyles();
  const now = useNow(30_000);
  const tables = useTables(destination.id, open);
  const [filter, setFilter] = useState('');
  const deferredFilter = useDeferredValue(filter);
  const [selected, setSelected] = useState<string | null>(null);
  const columns = useTableColumns(destination.id, selected, open);
  const refresh = useRefreshTables(destination.id);
  const arrowNav = useArrowNavigationGroup({ axis: 'vertical', memorizeCurrent: true });

  const all = tables.data?.tables;
  const shown = useMemo(() => filterTables(all ?? [], deferredFilter), [all, deferredFilter]);
  const selectedInfo = all?.find((t) => t.logicalName === selected);

  const list = tables.data;
  const details = columns.data?.details;
  const refreshing = refresh.isPending;

  return (
    <Dialog open={open} onOpenChange={(_, data) => !data.open && onClose()}>
      <DialogSurface className={styles.surface} data-testid="tables-dialog">
        <DialogBody className={styles.body}>
          <DialogTitle
            action={
              <Button appearance="subtle" aria-label="Close" icon={<DismissRegular />} onClick={onClose} />
            }
          >
            Tables of {destination.name}
          </DialogTitle>
          <DialogContent className={styles.content}>
            <div className={styles.header}>
              <Text className={styles.headerText} data-testid="tables-fetched" data-from-cache={list ? String(list.fromCache) : undefined}>
                {list ? (
                  <span title={formatDateTime(list.fetchedAt)}>
                    {fetchedText(list.fetchedAt, list.fromCache, now)} · {list.tables.length}{' '}
                    {list.tables.length === 1 ? 'table' : 'tables'}
                  </span>
                ) : tables.isPending ? (
                  'Asking Dynamics for its tables…'
                ) : null}
              </Text>
              {/* Only a list can be refreshed: before one has loaded, the error's own "Try again" is the one action. */}
              {list && (
                <Button
                  data-testid="tables-refresh"
                  icon={refreshing ? <Spinner size="tiny" /> : <ArrowClockwiseRegular />}
                  disabledFocusable={refreshing}
                  onClick={() => refresh.mutate(selected)}
                  title="Ask Dynamics again for the tables (and the chosen table's columns)"
                >
                  {refreshing ? 'Refreshing…' : 'Refresh'}
                </Button>
              )}
            </div>
            {refresh.isError && <LoadError testId="refresh-error" title="Refresh failed" error={refresh.error} />}

            <div className={styles.panes}>
              <div className={styles.left}>
                <SearchBox
                  id="tables-filter"
                  aria-label="Filter tables by logical or display name"
                  placeholder="Filter by name, e.g. contact"
                  value={filter}
                  onChange={(_, d) => setFilter(d.value)}
                  disabled={!all}
                  autoComplete="off"
                  spellCheck={false}
                />
                {tables.isPending && <Spinner className={styles.spinner} label="Loading tables…" data-testid="tables-loading" />}
                {tables.isError && (
                  <LoadError testId="tables-error" title="Could not load the tables" error={tables.error} onRetry={() => void tables.refetch()} retrying={tables.isFetching} />
                )}
                {all && (
                  <Caption1 className={styles.muted} aria-live="polite" data-testid="tables-count">
                    {deferredFilter.trim()
                      ? `${shown.length} of ${all.length} tables match`
                      : 'Type to filter; choose a table to see its columns.'}
                  </Caption1>
                )}
                {all && shown.length === 0 && (
                  <div className={styles.placeholder} data-testid="tables-empty">
                    {all.length === 0
                      ? 'Dynamics listed no tables this credential may read.'
                      : `No table’s logical or display name contains “${deferredFilter.trim()}”.`}
                  </div>
                )}
                {all && shown.length > 0 && (
                  <ul className={styles.list} aria-label="Tables" data-testid="tables-list" {...arrowNav}>
                    {shown.map((t) => (
                      <li key={t.logicalName}>
                        <button
                          type="button"
                          className={mergeClasses(styles.item, t.logicalName === selected && styles.itemSelected)}
                          data-testid="table-item"
                          data-name={t.logicalName}
                          aria-current={t.logicalName === selected ? 'true' : undefined}
                          onClick={() => setSelected(t.logicalName)}
                        >
                          <Text weight="semibold">{t.displayName}</Text>
                          <span className={styles.itemLine}>
                            <span className={styles.mono}>{t.logicalName}</span>
                            <span className={mergeClasses(styles.mono, styles.muted)}>/{t.entitySet}</span>
                          </span>
                        </button>
                      </li>
                    ))}
                  </ul>
                )}
              </div>

              <div className={styles.right} data-testid="table-details">
                {selected === null && all && all.length > 0 && (
                  <div className={styles.placeholder} data-testid="tables-choose">
                    Choose a table to see its columns, alternate keys and lookups.
                  </div>
                )}
                {selected !== null && columns.isPending && (
                  <Spinner
                    className={styles.spinner}
                    label={`Loading the columns of ${selectedInfo?.displayName ?? selected}…`}
                    data-testid="columns-loading"
                  />
                )}
                {selected !== null && columns.isError && (
                  <LoadError
                    testId="columns-error"
                    title="Could not load the columns"
                    error={columns.error}
                    onRetry={() => void columns.refetch()}
                    retrying={columns.isFetching}
                  />
                )}
                {selected !== null && details && columns.data && (
                  <>
                    <div className={styles.tableHead}>
                      <h3 className={styles.sectionTitle} data-testid="table-title">
                        {details.table.displayName} <span className={mergeClasses(styles.mono, styles.muted)}>{details.table.logicalName}</span>
                      </h3>
                      <Caption1 className={styles.muted}>
                        Entity set {details.table.entitySet} · ID column {details.table.primaryId}
                        {details.table.primaryName ? ` · name column ${details.table.primaryName}` : ''} ·{' '}
                        {details.columns.length} columns ·{' '}
                        <span title={formatDateTime(columns.data.fetchedAt)} data-testid="columns-fetched">
                          {fetchedText(columns.data.fetchedAt, columns.data.fromCache, now)}
                        </span>
                      </Caption1>
                    </div>
                    <ColumnsTable key={details.table.logicalName} details={details} />
                    <KeysAndLookups details={details} />
                  </>
                )}
              </div>
            </div>
          </DialogContent>
          <DialogActions>
            <Button appearance="secondary" onClick={onClose}>
              Close
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
