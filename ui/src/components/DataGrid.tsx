// The one grid for rows of customer data: a table's sample, a query's result, a segment's
// preview. Virtualised: only the rows in view (and a few either side) are in the DOM, and the
// grid asks its owner for them through `getRow`, telling it which rows are in view so it can
// fetch just those. A million rows scroll like a hundred.
//
// Test ids: `<testId>` on the grid, `grid-scroller` on the scrolling box (focusable; arrow keys
// and Page Up/Down scroll it), `grid-column` (with data-name) on each header cell, `grid-row`
// with `data-row-index` (0-based) on each rendered row, `data-loading` on rows still on their way.
import { Badge, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, type CSSProperties } from 'react';
import type { Cell, ColumnMeta, ColumnType } from '../api/dataTypes';

/** Every row is this tall, so positions are arithmetic and nothing needs measuring. */
export const ROW_HEIGHT = 30;
const HEADER_HEIGHT = 44;
const OVERSCAN = 12;
/**
 * Browsers stop laying out boxes somewhere past 16–33 million pixels. A taller result scrolls
 * a box of this height and maps its scroll position onto the rows proportionally.
 */
const MAX_SCROLL_HEIGHT = 15_000_000;

const TYPE_LABEL: Record<ColumnType, string> = {
  text: 'text',
  integer: 'integer',
  decimal: 'decimal',
  boolean: 'yes/no',
  date: 'date',
  dateTime: 'date & time',
  unknown: 'mixed',
};

export function typeLabel(type: ColumnType): string {
  return TYPE_LABEL[type];
}

const BASE_WIDTH: Record<ColumnType, number> = {
  text: 180,
  integer: 110,
  decimal: 120,
  boolean: 90,
  date: 120,
  dateTime: 190,
  unknown: 150,
};

function columnWidth(c: ColumnMeta): number {
  // Room for the name in the header (with the PII badge), within reason.
  const forName = c.name.length * 8 + (c.pii ? 64 : 28);
  return Math.min(320, Math.max(BASE_WIDTH[c.type], forName));
}

const useStyles = makeStyles({
  root: {
    display: 'flex',
    flexDirection: 'column',
    minHeight: 0,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  scroller: {
    overflow: 'auto',
    minHeight: 0,
    flexGrow: 1,
    position: 'relative',
    ':focus-visible': { outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}`, outlineOffset: '-2px' },
  },
  header: {
    position: 'sticky',
    top: 0,
    zIndex: 2,
    display: 'flex',
    height: `${HEADER_HEIGHT}px`,
    backgroundColor: tokens.colorNeutralBackground2,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
  headCell: {
    display: 'flex',
    flexDirection: 'column',
    justifyContent: 'center',
    flexShrink: 0,
    boxSizing: 'border-box',
    padding: `0 ${tokens.spacingHorizontalS}`,
    borderRight: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke3}`,
    overflow: 'clip',
  },
  headName: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalXS,
    fontWeight: tokens.fontWeightSemibold,
    whiteSpace: 'nowrap',
  },
  headType: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase100, lineHeight: tokens.lineHeightBase100 },
  // The rows' window stays in view under the header while the tall box behind it scrolls.
  window: { position: 'sticky', overflow: 'clip', zIndex: 1 },
  row: {
    position: 'absolute',
    left: 0,
    display: 'flex',
    height: `${ROW_HEIGHT}px`,
    boxSizing: 'border-box',
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke3}`,
  },
  odd: { backgroundColor: tokens.colorNeutralBackground1Hover },
  cell: {
    flexShrink: 0,
    boxSizing: 'border-box',
    padding: `0 ${tokens.spacingHorizontalS}`,
    lineHeight: `${ROW_HEIGHT - 1}px`,
    whiteSpace: 'nowrap',
    textOverflow: 'ellipsis',
    // NOTE: clip, not hidden: WebDriver treats text in overflow:hidden boxes as not shown.
    overflow: 'clip',
    fontSize: tokens.fontSizeBase200,
  },
  number: { textAlign: 'end', fontVariantNumeric: 'tabular-nums' },
  faint: { color: tokens.colorNeutralForeground4, fontStyle: 'italic' },
  empty: { padding: tokens.spacingVerticalL, color: tokens.colorNeutralForeground3 },
});

export interface DataGridProps {
  columns: readonly ColumnMeta[];
  /** Rows known so far; may grow while a query runs. */
  rowCount: number;
  /** A row's cells, or undefined while it is being fetched. */
  getRow: (index: number) => readonly Cell[] | undefined;
  /** Told the first and last row index in view (overscan included) whenever they change. */
  onVisibleRange?: (first: number, last: number) => void;
  /** The grid's accessible name, e.g. "Result of the query". */
  label: string;
  testId: string;
  /** Height of the grid box (CSS). */
  height?: string;
  /** What to say in place of rows when there are none. */
  emptyText?: string;
  className?: string;
}

/** A cell as text: booleans read as yes/no, everything else as stored. */
export function cellText(value: Cell, type: ColumnType): string {
  if (value === null) return 'null';
  if (type === 'boolean' && (value === 0 || value === 1)) return value === 1 ? 'yes' : 'no';
  return String(value);
}

function isNumeric(type: ColumnType) {
  return type === 'integer' || type === 'decimal';
}

/**
 * Reports the virtualiser's offset in row coordinates. With fewer rows than the browser can
 * lay out, that is the scroll position itself; beyond, the scroll position is scaled.
 */
function observeScaledOffset(
  instance: Virtualizer<HTMLDivElement, Element>,
  cb: (offset: number, isScrolling: boolean) => void,
) {
  const el = instance.scrollElement;
  if (!el) return;
  const toRows = () => {
    const rows = instance.options.count * ROW_HEIGHT;
    const box = Math.min(rows, MAX_SCROLL_HEIGHT);
    const view = Math.max(0, el.clientHeight - HEADER_HEIGHT);
    if (box >= rows || box <= view) return el.scrollTop;
    return Math.round((el.scrollTop * (rows - view)) / (box - view));
  };
  let idle: ReturnType<typeof setTimeout> | undefined;
  const onScroll = () => {
    cb(toRows(), true);
    clearTimeout(idle);
    idle = setTimeout(() => cb(toRows(), false), 150);
  };
  el.addEventListener('scroll', onScroll, { passive: true });
  return () => {
    clearTimeout(idle);
    el.removeEventListener('scroll', onScroll);
  };
}

export function DataGrid({
  columns,
  rowCount,
  getRow,
  onVisibleRange,
  label,
  testId,
  height = '420px',
  emptyText = 'No rows.',
  className,
}: DataGridProps) {
  const styles = useStyles();
  const scroller = useRef<HTMLDivElement>(null);
  const widths = useMemo(() => columns.map(columnWidth), [columns]);
  const totalWidth = widths.reduce((a, b) => a + b, 0);
  const rowsHeight = rowCount * ROW_HEIGHT;

  // The virtualiser hands back functions that change on every render; that is how it works.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
    observeElementOffset: observeScaledOffset,
  });
  const items = virtualizer.getVirtualItems();
  const first = items.length > 0 ? items[0].index : 0;
  const last = items.length > 0 ? items[items.length - 1].index : -1;
  const offset = virtualizer.scrollOffset ?? 0;

  useEffect(() => {
    if (last >= first) onVisibleRange?.(first, last);
  }, [first, last, onVisibleRange]);

  const boxHeight = Math.min(rowsHeight, MAX_SCROLL_HEIGHT);
  const viewHeight = Math.max(ROW_HEIGHT, (virtualizer.scrollRect?.height ?? 0) - HEADER_HEIGHT);
  const windowStyle: CSSProperties = { top: HEADER_HEIGHT, height: Math.min(viewHeight, Math.max(rowsHeight, ROW_HEIGHT)), width: totalWidth };

  return (
    <div
      className={mergeClasses(styles.root, className)}
      role="table"
      aria-label={label}
      aria-rowcount={rowCount + 1}
      aria-colcount={columns.length}
      data-testid={testId}
      // A few rows get a box their size (room kept for a horizontal scrollbar), not an empty one.
      style={{ height: `min(${height}, ${HEADER_HEIGHT + Math.max(rowCount, 2) * ROW_HEIGHT + 20}px)` }}
    >
      <div ref={scroller} className={styles.scroller} tabIndex={0} data-testid="grid-scroller" aria-label={`${label}: scroll with the arrow keys`}>
        <div style={{ height: HEADER_HEIGHT + boxHeight, width: totalWidth, minWidth: '100%', position: 'relative' }}>
          <div role="rowgroup" className={styles.header} style={{ width: totalWidth }}>
            <div role="row" aria-rowindex={1} style={{ display: 'flex' }}>
              {columns.map((c, i) => (
                <div
                  key={`${i}:${c.name}`}
                  role="columnheader"
                  className={styles.headCell}
                  style={{ width: widths[i] }}
                  data-testid="grid-column"
                  data-name={c.name}
                  title={c.name}
                >
                  <span className={styles.headName}>
                    {c.name}
                    {c.pii && (
                      <Badge size="small" appearance="tint" color="danger" data-testid="grid-pii">
                        PII
                      </Badge>
                    )}
                  </span>
                  <span className={styles.headType}>{typeLabel(c.type)}</span>
                </div>
              ))}
            </div>
          </div>
          {rowCount === 0 ? (
            <div className={styles.empty} data-testid="grid-empty">
              {emptyText}
            </div>
          ) : (
            <div role="rowgroup" className={styles.window} style={windowStyle}>
              {items.map((item) => {
                const row = getRow(item.index);
                return (
                  <div
                    key={item.key}
                    role="row"
                    aria-rowindex={item.index + 2}
                    className={mergeClasses(styles.row, item.index % 2 === 1 && styles.odd)}
                    style={{ transform: `translateY(${item.start - offset}px)`, width: totalWidth }}
                    data-testid="grid-row"
                    data-row-index={item.index}
                    data-loading={row ? undefined : 'true'}
                  >
                    {columns.map((c, ci) => (
                      <GridCell key={ci} value={row ? (row[ci] ?? null) : undefined} type={c.type} width={widths[ci]} />
                    ))}
                  </div>
                );
              })}
            </div>
          )}
        </div>
      </div>
    </div>
  );
}

function GridCell({ value, type, width }: { value: Cell | undefined; type: ColumnType; width: number }) {
  const styles = useStyles();
  const numeric = isNumeric(type);
  if (value === undefined) {
    return (
      <div role="cell" className={mergeClasses(styles.cell, styles.faint)} style={{ width }}>
        …
      </div>
    );
  }
  if (value === null) {
    return (
      <div role="cell" className={mergeClasses(styles.cell, styles.faint, numeric && styles.number)} style={{ width }} data-null="true">
        null
      </div>
    );
  }
  const text = cellText(value, type);
  // Roughly what fits; a longer text gets its whole self as a tooltip.
  const long = text.length * 7 > width - 16;
  return (
    <div role="cell" className={mergeClasses(styles.cell, numeric && styles.number)} style={{ width }} title={long ? text : undefined}>
      {text}
    </div>
  );
}
