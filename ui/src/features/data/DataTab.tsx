// The Data tab: the customer database's tables, a chosen table's columns with their PII marks,
// a sample of its rows, and the CSV import.
//
// Test ids for end-to-end tests:
//   data-empty                 the empty state (no tables yet)
//   import-open                "Import CSV" (header or empty state)
//   data-tables-list           the table list; items `data-table-item` with data-name
//   data-table-title           the chosen table's heading
//   data-column-row            a column's row, data-name = column
//   pii-<table>-<column>       the PII switch (the <input role="switch">) of a column; users
//                              who may not mark PII see the text pii-text-<table>-<column> instead
//   pii-badge-<table>-<column> the PII badge, shown while the column is marked
//   sample-grid                the sample's DataGrid (see components/DataGrid.tsx for its rows)
//   pii-hidden-note            above the sample when its personal data is masked for the viewer
//   import-open and the PII switches are shown only to users allowed to import / mark PII.
// The import dialog's ids are listed in ImportDialog.tsx.
import {
  Badge,
  Button,
  Caption1,
  Switch,
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
  useRestoreFocusTarget,
} from '@fluentui/react-components';
import { ArrowUploadRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { useDataSample, useDataTables, useSetPii } from '../../api/data';
import { usePermissions } from '../../api/users';
import type { TableSummary } from '../../api/dataTypes';
import { DataGrid, typeLabel } from '../../components/DataGrid';
import { EmptyState, LoadFailed, Loading, PageHeader, usePageStyles } from '../../components/PageStates';
import { PiiHiddenNote } from '../../components/PiiHiddenNote';
import { formatCount, rowsText } from '../../lib/format';
import { useNotify } from '../../lib/notify';
import { ImportDialog } from './ImportDialog';

/** Rows shown in a table's sample. */
const SAMPLE_ROWS = 100;

const useStyles = makeStyles({
  panes: {
    display: 'grid',
    gridTemplateColumns: 'clamp(200px, 24%, 280px) minmax(0, 1fr)',
    gap: tokens.spacingHorizontalXL,
    alignItems: 'start',
  },
  list: {
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
    gap: tokens.spacingVerticalXXS,
    width: '100%',
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
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
  selected: {
    backgroundColor: tokens.colorBrandBackground2,
    ':hover': { backgroundColor: tokens.colorBrandBackground2Hover },
  },
  name: { fontFamily: tokens.fontFamilyMonospace, fontWeight: tokens.fontWeightSemibold, overflowWrap: 'anywhere' },
  details: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, minWidth: 0 },
  sectionTitle: { margin: 0, fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold },
  columnName: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, fontFamily: tokens.fontFamilyMonospace },
  columns: { maxWidth: '760px' },
});

export function DataTab() {
  const styles = useStyles();
  const page = usePageStyles();
  const tables = useDataTables();
  const { can } = usePermissions();
  const [chosen, setChosen] = useState<string | null>(null);
  const [importing, setImporting] = useState({ open: false, key: 0 });
  const restoreFocus = useRestoreFocusTarget();
  const arrowNav = useArrowNavigationGroup({ axis: 'vertical', memorizeCurrent: true });

  const list = tables.data;
  // The chosen table, or the first one while none is chosen (or the chosen one is gone).
  const selected = list?.find((t) => t.name === chosen) ?? list?.[0] ?? null;

  const importButton = can('importData') ? (
    <Button
      appearance="primary"
      icon={<ArrowUploadRegular />}
      data-testid="import-open"
      onClick={() => setImporting((s) => ({ open: true, key: s.key + 1 }))}
      {...restoreFocus}
    >
      Import CSV
    </Button>
  ) : null;

  return (
    <div className={page.page}>
      <PageHeader
        title="Data"
        lead="The customer data Ferry sends from, kept in its own database on this computer. Mark the columns that hold personal data."
        action={list && list.length > 0 && importButton ? importButton : undefined}
      />

      {tables.isPending && <Loading label="Loading tables…" />}
      {tables.isError && <LoadFailed what="the tables" error={tables.error} onRetry={() => void tables.refetch()} />}

      {list && list.length === 0 && (
        <EmptyState testId="data-empty" title="No customer data yet" action={importButton}>
          {importButton ? (
            <Text>
              Import a CSV file with a header row to make your first table: Ferry works out each column&apos;s type and
              shows you what it found before anything is written.
            </Text>
          ) : (
            <Text>
              Customer data is imported by a DataGrid Operator or Administrator. Once they have imported a table, it
              appears here.
            </Text>
          )}
          <Text>
            Just trying Ferry out? Run <code>ferry data demo</code> in a terminal for made-up customers and their orders.
          </Text>
        </EmptyState>
      )}

      {list && selected && (
        <div className={styles.panes}>
          <nav aria-label="Tables">
            <ul className={styles.list} data-testid="data-tables-list" {...arrowNav}>
              {list.map((t) => (
                <li key={t.name}>
                  <button
                    type="button"
                    className={mergeClasses(styles.item, t.name === selected.name && styles.selected)}
                    data-testid="data-table-item"
                    data-name={t.name}
                    aria-current={t.name === selected.name ? 'true' : undefined}
                    onClick={() => setChosen(t.name)}
                  >
                    <span className={styles.name}>{t.name}</span>
                    <Caption1 className={page.muted}>
                      {rowsText(t.rowCount)} · {t.columns.length} {t.columns.length === 1 ? 'column' : 'columns'}
                    </Caption1>
                  </button>
                </li>
              ))}
            </ul>
          </nav>
          <TableDetails key={selected.name} table={selected} canMarkPii={can('markPii')} />
        </div>
      )}

      {importing.key > 0 && (
        <ImportDialog
          key={importing.key}
          open={importing.open}
          onClose={() => setImporting((s) => ({ ...s, open: false }))}
          onImported={(table) => setChosen(table)}
        />
      )}
    </div>
  );
}

function TableDetails({ table, canMarkPii }: { table: TableSummary; canMarkPii: boolean }) {
  const styles = useStyles();
  const page = usePageStyles();
  const notify = useNotify();
  const setPii = useSetPii();
  const sample = useDataSample(table.name, SAMPLE_ROWS);
  // Marks on their way to the backend, shown at once; the list catches up when it answers.
  const [pending, setPending] = useState<Record<string, boolean>>({});

  const toggle = (column: string, pii: boolean) => {
    setPending((p) => ({ ...p, [column]: pii }));
    setPii.mutate(
      { table: table.name, column, pii },
      {
        onSuccess: (c) => notify(c.pii ? `${column} is marked as personal data` : `${column} is no longer marked as personal data`),
        onError: (e) => notify(`Could not change ${column}: ${e.message}`, 'error'),
        onSettled: () =>
          setPending((p) => {
            const rest = { ...p };
            delete rest[column];
            return rest;
          }),
      },
    );
  };

  const rows = sample.data?.rows;
  const piiCount = table.columns.filter((c) => c.pii).length;
  return (
    <section className={styles.details} aria-labelledby="data-table-title">
      <div>
        <h3 className={styles.sectionTitle} id="data-table-title" data-testid="data-table-title">
          {table.name}
        </h3>
        <Caption1 className={page.muted}>
          {rowsText(table.rowCount)} · {table.columns.length} columns · {piiCount} marked as personal data (PII)
        </Caption1>
      </div>

      <Table size="small" aria-label={`Columns of ${table.name}`} className={styles.columns} data-testid="data-columns">
        <TableHeader>
          <TableRow>
            <TableHeaderCell style={{ width: '45%' }}>Column</TableHeaderCell>
            <TableHeaderCell style={{ width: '20%' }}>Type</TableHeaderCell>
            <TableHeaderCell>Personal data</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {table.columns.map((c) => {
            const checked = pending[c.name] ?? c.pii;
            return (
              <TableRow key={c.name} data-testid="data-column-row" data-name={c.name}>
                <TableCell>
                  <span className={styles.columnName}>
                    {c.name}
                    {c.pii && (
                      <Badge size="small" appearance="tint" color="danger" data-testid={`pii-badge-${table.name}-${c.name}`}>
                        PII
                      </Badge>
                    )}
                  </span>
                </TableCell>
                <TableCell>{typeLabel(c.type)}</TableCell>
                <TableCell>
                  {canMarkPii ? (
                    <Switch
                      checked={checked}
                      onChange={(_, d) => toggle(c.name, d.checked)}
                      disabled={c.name in pending}
                      label={checked ? 'PII' : 'Not PII'}
                      aria-label={`${c.name} holds personal data`}
                      data-testid={`pii-${table.name}-${c.name}`}
                    />
                  ) : (
                    <Text data-testid={`pii-text-${table.name}-${c.name}`}>{c.pii ? 'PII' : 'Not PII'}</Text>
                  )}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>

      <div>
        <h3 className={styles.sectionTitle}>Sample</h3>
        <Caption1 className={page.muted} data-testid="sample-count">
          {sample.data
            ? sample.data.rowCount > sample.data.rows.length
              ? `The first ${formatCount(sample.data.rows.length)} of ${rowsText(sample.data.rowCount)}`
              : `All ${rowsText(sample.data.rowCount)}`
            : 'Reading the first rows…'}
        </Caption1>
      </div>
      {sample.isError && <LoadFailed what="the sample" error={sample.error} onRetry={() => void sample.refetch()} />}
      {sample.data?.piiHidden && <PiiHiddenNote />}
      {sample.data && rows && (
        <DataGrid
          testId="sample-grid"
          label={`The first rows of ${table.name}`}
          columns={sample.data.columns}
          rowCount={rows.length}
          getRow={(i) => rows[i]}
          height="360px"
          emptyText="This table has no rows yet."
        />
      )}
    </section>
  );
}
