// TanStack Query keys, reads and writes for the customer-data side: tables, saved queries,
// saved segments and audience counts. Runs that change by the second (imports, query results)
// are not cache entries: their hooks live beside the screens that poll them.
import { keepPreviousData, useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { commands } from './ipc';
import { keys } from './queries';
import type {
  ColumnMeta,
  QueryInput,
  SavedQuery,
  SavedSegment,
  SegmentDefinition,
  SegmentInput,
  TableSummary,
} from './dataTypes';

export const dataKeys = {
  /** Everything read from the customer database: an import or a PII mark refreshes all of it. */
  data: () => [...keys.all, 'data'] as const,
  tables: () => [...dataKeys.data(), 'tables'] as const,
  samples: (table: string) => [...dataKeys.data(), 'sample', table] as const,
  sample: (table: string, limit: number) => [...dataKeys.samples(table), limit] as const,
  segmentCounts: () => [...dataKeys.data(), 'segmentCount'] as const,
  segmentCount: (definition: SegmentDefinition) => [...dataKeys.segmentCounts(), definition] as const,
  queries: () => [...keys.all, 'queries'] as const,
  segments: () => [...keys.all, 'segments'] as const,
};

export function useDataTables() {
  return useQuery({ queryKey: dataKeys.tables(), queryFn: commands.dataTables });
}

export function useDataSample(table: string | null, limit: number) {
  return useQuery({
    queryKey: dataKeys.sample(table ?? '', limit),
    queryFn: () => commands.dataSample(table ?? '', limit),
    enabled: table !== null,
  });
}

/** Puts a column's new PII mark into the cached table list, so every screen shows it at once. */
function putColumn(client: QueryClient, table: string, column: ColumnMeta) {
  client.setQueryData<TableSummary[]>(dataKeys.tables(), (old) =>
    old?.map((t) =>
      t.name === table ? { ...t, columns: t.columns.map((c) => (c.name === column.name ? column : c)) } : t,
    ),
  );
}

export function useSetPii() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ table, column, pii }: { table: string; column: string; pii: boolean }) =>
      commands.setPii(table, column, pii),
    onSuccess: (column, { table }) => {
      putColumn(client, table, column);
      // The sample's header carries the marks too.
      return client.invalidateQueries({ queryKey: dataKeys.samples(table) });
    },
  });
}

/** After an import: tables, samples and audience counts may all have changed. */
export function useRefreshData() {
  const client = useQueryClient();
  return () => void client.invalidateQueries({ queryKey: dataKeys.data() });
}

export function useSavedQueries() {
  return useQuery({ queryKey: dataKeys.queries(), queryFn: commands.listQueries });
}

export function useSaveQuery() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: string | null; input: QueryInput }): Promise<SavedQuery> =>
      id ? commands.updateQuery(id, input) : commands.createQuery(input),
    onSuccess: () => client.invalidateQueries({ queryKey: dataKeys.queries() }),
  });
}

export function useDeleteQuery() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => commands.deleteQuery(id),
    onSuccess: () => client.invalidateQueries({ queryKey: dataKeys.queries() }),
  });
}

export function useSavedSegments() {
  return useQuery({ queryKey: dataKeys.segments(), queryFn: commands.listSegments });
}

export function useSaveSegment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: string | null; input: SegmentInput }): Promise<SavedSegment> =>
      id ? commands.updateSegment(id, input) : commands.createSegment(input),
    onSuccess: () => client.invalidateQueries({ queryKey: dataKeys.segments() }),
  });
}

export function useDeleteSegment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => commands.deleteSegment(id),
    onSuccess: () => client.invalidateQueries({ queryKey: dataKeys.segments() }),
  });
}

/**
 * The audience size of a definition (null: nothing to count yet). Counting is fast but not
 * free, so the caller debounces; the last number stays on screen while the next is counted.
 */
export function useSegmentCount(definition: SegmentDefinition | null) {
  return useQuery({
    queryKey: dataKeys.segmentCount(definition ?? { table: '', rules: { match: 'all', rules: [] } }),
    queryFn: () => commands.segmentCount(definition as SegmentDefinition),
    enabled: definition !== null,
    placeholderData: keepPreviousData,
    // The data may change under a count (an import); each answer is for this moment only.
    staleTime: 0,
    gcTime: 60_000,
  });
}
