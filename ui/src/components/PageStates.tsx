// Shared pieces for a tab's body: its heading row, empty state, a list's search box, sortable
// column heads, name cell and row actions, the loading spinner and the load-failure message.
import {
  Button,
  Caption1,
  Menu,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  SearchBox,
  Spinner,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Title2,
  Tooltip,
  makeStyles,
  tokens,
  useRestoreFocusTarget,
} from '@fluentui/react-components';
import { MoreHorizontalRegular } from '@fluentui/react-icons';
import type { ReactElement, ReactNode } from 'react';
import type { AppError } from '../api/types';
import type { SortDirection } from '../lib/listView';
import { Truncate } from './Truncate';

export const usePageStyles = makeStyles({
  page: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalL,
    padding: `${tokens.spacingVerticalL} ${tokens.spacingHorizontalXXL} ${tokens.spacingVerticalXXL}`,
  },
  header: { display: 'flex', alignItems: 'flex-end', justifyContent: 'space-between', gap: tokens.spacingHorizontalL },
  headerText: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, minWidth: 0 },
  headerActions: { display: 'flex', gap: tokens.spacingHorizontalS, flexShrink: 0 },
  toolbar: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
  search: { width: '320px', maxWidth: '100%' },
  noMatches: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'flex-start',
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingVerticalL,
    minWidth: 0,
  },
  title: { margin: 0 },
  muted: { color: tokens.colorNeutralForeground3 },
  lead: { color: tokens.colorNeutralForeground2 },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
  cellStack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, paddingBlock: tokens.spacingVerticalS, minWidth: 0 },
  wrap: { overflowWrap: 'anywhere' },
  stretch: { alignSelf: 'stretch', minWidth: 0 },
  actions: { display: 'flex', gap: tokens.spacingHorizontalXS, justifyContent: 'flex-end', alignItems: 'center', whiteSpace: 'nowrap' },
  actionsHeader: { width: '100%', textAlign: 'end', color: tokens.colorNeutralForeground3 },
  badges: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalXS, alignItems: 'center' },
  empty: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'flex-start',
    gap: tokens.spacingVerticalM,
    maxWidth: '640px',
    padding: tokens.spacingHorizontalXXL,
    border: `${tokens.strokeWidthThin} dashed ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusLarge,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  emptyList: { margin: 0, paddingLeft: tokens.spacingHorizontalXL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  center: { padding: tokens.spacingVerticalXXXL },
  notices: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
});

export function PageHeader({ title, lead, action }: { title: string; lead: string; action?: ReactNode }) {
  const styles = usePageStyles();
  return (
    <div className={styles.header}>
      <div className={styles.headerText}>
        <Title2 as="h2" className={styles.title}>
          {title}
        </Title2>
        <Text className={styles.lead}>{lead}</Text>
      </div>
      {action && <div className={styles.headerActions}>{action}</div>}
    </div>
  );
}

export function Loading({ label }: { label: string }) {
  const styles = usePageStyles();
  return <Spinner className={styles.center} label={label} data-testid="loading" />;
}

export function LoadFailed({ what, error, onRetry }: { what: string; error: AppError; onRetry: () => void }) {
  return (
    <MessageBar intent="error" layout="multiline" data-testid="load-error">
      <MessageBarBody>
        <MessageBarTitle>{`Could not load ${what}`}</MessageBarTitle>
        {error.message}
      </MessageBarBody>
      <MessageBarActions>
        <Button onClick={onRetry}>Try again</Button>
      </MessageBarActions>
    </MessageBar>
  );
}

/** What to do when a list is empty: a title, an explanation and the action that fills it. */
export function EmptyState({ testId, title, action, children }: { testId: string; title: string; action: ReactNode; children: ReactNode }) {
  const styles = usePageStyles();
  return (
    <div className={styles.empty} data-testid={testId}>
      <Text weight="semibold" size={400}>
        {title}
      </Text>
      {children}
      {action}
    </div>
  );
}

/** One column of a list: its heading, its width, and the sort key if it sorts. */
export interface ListColumn<K extends string = string> {
  label: string;
  width: string;
  sortKey?: K;
}

/**
 * A list's column headings; sortable ones are buttons that say which way they sort. The last
 * one ("Actions") is right-aligned over the row buttons.
 */
export function ListTableHeader<K extends string>({
  columns,
  sort,
  onSort,
}: {
  columns: ListColumn<K>[];
  sort?: { key: K; direction: SortDirection };
  onSort?: (key: K) => void;
}) {
  const styles = usePageStyles();
  return (
    <TableHeader>
      <TableRow>
        {columns.map((c) => {
          const sortable = c.sortKey !== undefined && onSort;
          return (
            <TableHeaderCell
              key={c.label}
              style={{ width: c.width }}
              sortDirection={sortable && sort?.key === c.sortKey ? sort?.direction : undefined}
              onClick={sortable ? () => onSort(c.sortKey as K) : undefined}
              button={sortable ? { 'data-testid': `sort-${c.sortKey}` } as never : undefined}
            >
              {c.label === 'Actions' ? <span className={styles.actionsHeader}>{c.label}</span> : c.label}
            </TableHeaderCell>
          );
        })}
      </TableRow>
    </TableHeader>
  );
}

/** A list's search box and how many rows it shows. */
export function ListToolbar({
  label,
  placeholder,
  query,
  onQuery,
  shown,
  total,
  testId,
}: {
  label: string;
  placeholder: string;
  query: string;
  onQuery: (q: string) => void;
  shown: number;
  total: number;
  testId: string;
}) {
  const styles = usePageStyles();
  return (
    <div className={styles.toolbar}>
      <SearchBox
        className={styles.search}
        aria-label={label}
        placeholder={placeholder}
        value={query}
        onChange={(_, d) => onQuery(d.value)}
        input={{ 'data-testid': testId } as never}
      />
      <Caption1 className={styles.muted} aria-live="polite" data-testid={`${testId}-count`}>
        {query.trim() ? `${shown} of ${total} shown` : `${total} in all`}
      </Caption1>
    </div>
  );
}

/** What to do when a search leaves a list empty. */
export function NoMatches({ what, query, hint, onClear }: { what: string; query: string; hint: string; onClear: () => void }) {
  const styles = usePageStyles();
  return (
    <div className={styles.noMatches} data-testid="no-matches" role="status">
      <Text weight="semibold" className={styles.stretch}>
        <Truncate text={`No ${what} match “${query.trim()}”`} />
      </Text>
      <Text>{hint}</Text>
      <Button onClick={onClear} data-testid="clear-search">
        Clear the search
      </Button>
    </div>
  );
}

/** What [`ListSearch`] needs of a list's view (see `useListView`). */
interface SearchableView {
  query: string;
  setQuery: (q: string) => void;
  rows: readonly unknown[];
  total: number;
}

/**
 * A list's search box and, when the search hides every row, the state that says so: the one
 * arrangement every list uses, so each tab only says what it searches.
 */
export function ListSearch({
  view,
  what,
  placeholder,
  hint,
  testId,
}: {
  view: SearchableView;
  /** Plural noun: "destinations". */
  what: string;
  placeholder: string;
  /** Where the search looks and what to try when nothing matches. */
  hint: string;
  testId: string;
}) {
  if (view.total === 0) return null;
  return (
    <>
      <ListToolbar
        label={`Search ${what}`}
        placeholder={placeholder}
        query={view.query}
        onQuery={view.setQuery}
        shown={view.rows.length}
        total={view.total}
        testId={testId}
      />
      {view.rows.length === 0 && (
        <NoMatches what={what} query={view.query} hint={hint} onClear={() => view.setQuery('')} />
      )}
    </>
  );
}

/**
 * A record's name in bold with its description, if any, muted underneath. Both are shortened
 * the one way Ferry shortens text: the name to a line, the description to two.
 */
export function NameCell({ name, description }: { name: string; description: string }) {
  const styles = usePageStyles();
  return (
    <div className={styles.cellStack}>
      <Text weight="semibold">
        <Truncate text={name} testId="row-name" />
      </Text>
      {description && (
        <Caption1 className={styles.muted}>
          <Truncate text={description} lines={2} testId="row-description" />
        </Caption1>
      )}
    </div>
  );
}

/** A row action: its visible label, icon and test id. */
export interface RowActionItem {
  label: string;
  /** The name for assistive technology when the label alone does not say which record. */
  accessibleName?: string;
  icon: ReactElement;
  testId: string;
  onClick: () => void;
  /** Why the action cannot be used now: the button stays focusable and says so as its tooltip. */
  disabledReason?: string | null;
}

/**
 * A row's actions, the same on every list: the most used one as a labelled button, the others
 * by name in a "More actions" menu. Focus returns to the button that opened a dialog when it
 * closes, so keyboard users stay on their row. Actions the acting user may not take are left
 * out by the caller; with none left in the menu, there is no menu.
 */
export function RowActions({
  name,
  primary,
  more,
  moreTestId,
  busy,
}: {
  /** The record's name, for the buttons' accessible names. */
  name: string;
  primary?: RowActionItem;
  more: RowActionItem[];
  moreTestId: string;
  /** The primary action is running. */
  busy?: boolean;
}) {
  const styles = usePageStyles();
  const restoreFocus = useRestoreFocusTarget();
  const primaryButton = primary && (
    <Button
      size="small"
      icon={busy ? <Spinner size="extra-tiny" /> : primary.icon}
      data-testid={primary.testId}
      data-testing={busy ? 'true' : undefined}
      disabledFocusable={busy || !!primary.disabledReason}
      aria-label={primary.accessibleName ?? `${primary.label}: ${name}`}
      onClick={primary.onClick}
      {...restoreFocus}
    >
      {primary.label}
    </Button>
  );
  return (
    <div className={styles.actions}>
      {primary?.disabledReason && primaryButton ? (
        <Tooltip content={primary.disabledReason} relationship="description">
          {primaryButton}
        </Tooltip>
      ) : (
        primaryButton
      )}
      {more.length > 0 && (
        <Menu positioning={{ autoSize: true }}>
          <MenuTrigger disableButtonEnhancement>
            <Tooltip content="More actions" relationship="inaccessible">
              <Button
                size="small"
                appearance="subtle"
                icon={<MoreHorizontalRegular />}
                aria-label={`More actions for ${name}`}
                data-testid={moreTestId}
                {...restoreFocus}
              />
            </Tooltip>
          </MenuTrigger>
          <MenuPopover>
            <MenuList>
              {more.map((item) => (
                <MenuItem key={item.testId} icon={item.icon} data-testid={item.testId} onClick={item.onClick}>
                  {item.label}
                </MenuItem>
              ))}
            </MenuList>
          </MenuPopover>
        </Menu>
      )}
    </div>
  );
}
