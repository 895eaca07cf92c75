// The list beside an editor (saved queries, saved segments): search, one button per record to
// open it, and a "…" menu per record with Edit, Duplicate and Delete.
//
// Test ids (with `prefix`, e.g. "query"): `<prefix>-list`, `<prefix>-item` (data-name, data-id,
// aria-current when open), `<prefix>-open`, `<prefix>-more`, and in the menu `<prefix>-edit`,
// `<prefix>-duplicate`, `<prefix>-delete`; the search box is `<prefix>-search`. Without
// `manage` (a user who may only use the records) the menu is left out.
import {
  Button,
  Caption1,
  Menu,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  Text,
  Tooltip,
  makeStyles,
  mergeClasses,
  tokens,
  useArrowNavigationGroup,
} from '@fluentui/react-components';
import { CopyRegular, DeleteRegular, EditRegular, MoreHorizontalRegular } from '@fluentui/react-icons';
import { formatAgo } from '../lib/format';
import { useListView } from '../lib/listView';
import { useNow } from '../lib/useNow';
import { ListSearch, usePageStyles } from './PageStates';
import { Truncate } from './Truncate';

export interface SavedRecord {
  id: string;
  name: string;
  description: string;
  /** Unix seconds. */
  updatedAt: number;
}

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, minWidth: 0 },
  list: {
    margin: 0,
    padding: tokens.spacingVerticalXXS,
    listStyle: 'none',
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    maxHeight: 'calc(100vh - 260px)',
    overflowY: 'auto',
  },
  item: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalXS,
    borderRadius: tokens.borderRadiusMedium,
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover },
  },
  current: {
    backgroundColor: tokens.colorBrandBackground2,
    ':hover': { backgroundColor: tokens.colorBrandBackground2Hover },
  },
  open: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'flex-start',
    gap: tokens.spacingVerticalXXS,
    flexGrow: 1,
    minWidth: 0,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalS}`,
    border: 'none',
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: 'transparent',
    color: tokens.colorNeutralForeground1,
    textAlign: 'start',
    cursor: 'pointer',
    fontFamily: tokens.fontFamilyBase,
    ':focus-visible': { outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}`, outlineOffset: '-2px' },
  },
  stretch: { alignSelf: 'stretch', minWidth: 0 },
});

export interface SavedListProps<T extends SavedRecord> {
  items: T[];
  /** The record open in the editor, if any. */
  currentId: string | null;
  onOpen: (item: T) => void;
  /** Duplicate and Delete; absent when the acting user may not change these records. */
  manage?: { onDuplicate: (item: T) => void; onDelete: (item: T) => void };
  /** Plural noun for the search: "queries". */
  what: string;
  prefix: string;
  /** More texts a record is found by (its SQL, its table). */
  searchIn?: (item: T) => string[];
  placeholder: string;
  hint: string;
}

export function SavedList<T extends SavedRecord>({
  items,
  currentId,
  onOpen,
  manage,
  what,
  prefix,
  searchIn,
  placeholder,
  hint,
}: SavedListProps<T>) {
  const styles = useStyles();
  const page = usePageStyles();
  const now = useNow(30_000);
  const arrowNav = useArrowNavigationGroup({ axis: 'vertical', memorizeCurrent: true });
  const view = useListView<T, 'name'>(items, {
    searchIn: (r) => [r.name, r.description, ...(searchIn?.(r) ?? [])],
    sortBy: { name: (r) => r.name },
    initialSort: { key: 'name', direction: 'ascending' },
  });

  return (
    <div className={styles.root}>
      <ListSearch view={view} what={what} placeholder={placeholder} hint={hint} testId={`${prefix}-search`} />
      {view.rows.length > 0 && (
        <ul className={styles.list} aria-label={`Saved ${what}`} data-testid={`${prefix}-list`} {...arrowNav}>
          {view.rows.map((item) => (
            <li
              key={item.id}
              className={mergeClasses(styles.item, item.id === currentId && styles.current)}
              data-testid={`${prefix}-item`}
              data-name={item.name}
              data-id={item.id}
            >
              <button
                type="button"
                className={styles.open}
                onClick={() => onOpen(item)}
                aria-current={item.id === currentId ? 'true' : undefined}
                data-testid={`${prefix}-open`}
              >
                <Text weight="semibold" className={styles.stretch}>
                  <Truncate text={item.name} testId="row-name" />
                </Text>
                {item.description && (
                  <Caption1 className={mergeClasses(page.muted, styles.stretch)}>
                    <Truncate text={item.description} lines={2} />
                  </Caption1>
                )}
                <Caption1 className={page.muted}>Saved {formatAgo(item.updatedAt, now)}</Caption1>
              </button>
              {manage && (
                <Menu positioning={{ autoSize: true }}>
                  <MenuTrigger disableButtonEnhancement>
                    <Tooltip content="More actions" relationship="inaccessible">
                      <Button
                        size="small"
                        appearance="subtle"
                        icon={<MoreHorizontalRegular />}
                        aria-label={`More actions for ${item.name}`}
                        data-testid={`${prefix}-more`}
                      />
                    </Tooltip>
                  </MenuTrigger>
                  <MenuPopover>
                    <MenuList>
                      <MenuItem icon={<EditRegular />} data-testid={`${prefix}-edit`} onClick={() => onOpen(item)}>
                        Edit
                      </MenuItem>
                      <MenuItem icon={<CopyRegular />} data-testid={`${prefix}-duplicate`} onClick={() => manage.onDuplicate(item)}>
                        Duplicate
                      </MenuItem>
                      <MenuItem icon={<DeleteRegular />} data-testid={`${prefix}-delete`} onClick={() => manage.onDelete(item)}>
                        Delete
                      </MenuItem>
                    </MenuList>
                  </MenuPopover>
                </Menu>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A name for a copy that no record has yet: "Lapsed (copy)", then "Lapsed (copy 2)", … */
export function copyName(name: string, taken: readonly string[]): string {
  const lower = new Set(taken.map((t) => t.toLowerCase()));
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? `${name} (copy)` : `${name} (copy ${n})`;
    if (!lower.has(candidate.toLowerCase())) return candidate;
  }
}
