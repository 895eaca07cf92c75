// Search and sort for the lists, one behaviour for every tab: the search matches every word
// typed against the fields a list names (ignoring case and accents), and a column sorts up,
// then down; rows without a value (never tested, say) stay last either way.
import { useMemo, useState } from 'react';

export type SortDirection = 'ascending' | 'descending';
export type SortValue = string | number | null | undefined;

export interface ListViewOptions<T, K extends string> {
  /** The texts a row is found by. */
  searchIn: (row: T) => (string | null | undefined)[];
  /** The value each sortable column sorts by. */
  sortBy: Record<K, (row: T) => SortValue>;
  initialSort: { key: K; direction: SortDirection };
}

/** Lower-case, without accents, so "Über" is found by "uber". */
export function foldText(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase();
}

export function matches(fields: (string | null | undefined)[], query: string): boolean {
  const words = foldText(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = fields.filter(Boolean).map((f) => foldText(f as string));
  return words.every((w) => haystack.some((h) => h.includes(w)));
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

export function compareValues(a: SortValue, b: SortValue, direction: SortDirection): number {
  const missingA = a === null || a === undefined || a === '';
  const missingB = b === null || b === undefined || b === '';
  if (missingA || missingB) return missingA === missingB ? 0 : missingA ? 1 : -1;
  const order = typeof a === 'number' && typeof b === 'number' ? a - b : collator.compare(String(a), String(b));
  return direction === 'ascending' ? order : -order;
}

export function useListView<T, K extends string>(rows: T[] | undefined, options: ListViewOptions<T, K>) {
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState(options.initialSort);
  const { searchIn, sortBy } = options;
  const shown = useMemo(() => {
    if (!rows) return [];
    const value = sortBy[sort.key];
    return rows
      .filter((r) => matches(searchIn(r), query))
      .map((r, i) => ({ r, i }))
      // Ties keep the backend's order (by name), so equal rows do not jump about.
      .sort((x, y) => compareValues(value(x.r), value(y.r), sort.direction) || x.i - y.i)
      .map((x) => x.r);
  }, [rows, query, sort, searchIn, sortBy]);
  const toggleSort = (key: K) =>
    setSort((s) => ({ key, direction: s.key === key && s.direction === 'ascending' ? 'descending' : 'ascending' }));
  return { query, setQuery, sort, toggleSort, rows: shown, total: rows?.length ?? 0 };
}
