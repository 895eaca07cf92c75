// TanStack Query keys, reads and writes for data templates: a destination's table, the saved
// query or segment its rows come from, and how their columns map.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { commands } from './ipc';
import { dataKeys } from './data';
import { keys } from './queries';
import { usePermissions } from './users';
import type { RowSource, TemplateInput, TemplateView } from './types';

export const templateKeys = {
  templates: () => [...keys.all, 'templates'] as const,
  templateCheck: (input: TemplateInput, exceptId: string | undefined) =>
    [...keys.checks(), 'template', input, exceptId ?? null] as const,
  suggestions: (destination: string, source: RowSource, table: string) =>
    [...keys.all, 'suggestions', destination, source, table] as const,
  preview: (id: string, limit: number, errorsOnly: boolean) =>
    [...keys.all, 'preview', id, limit, errorsOnly] as const,
  previewFirstPage: (id: string, limit: number, errorsOnly: boolean) =>
    [...keys.all, 'preview-first-page', id, limit, errorsOnly] as const,
};

/** Every template the acting user may see; nobody without useTemplates asks (the backend would refuse). */
export function useTemplates() {
  const { can } = usePermissions();
  return useQuery({
    queryKey: templateKeys.templates(),
    queryFn: commands.listTemplates,
    enabled: can('useTemplates') || can('manageTemplates'),
  });
}

export function useSaveTemplate(id: string | undefined) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: TemplateInput): Promise<TemplateView> =>
      id ? commands.updateTemplate(id, input) : commands.createTemplate(input),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: templateKeys.templates() }),
        client.invalidateQueries({ queryKey: keys.checks() }),
      ]),
  });
}

export function useDeleteTemplate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => commands.deleteTemplate(id),
    onSuccess: () => client.invalidateQueries({ queryKey: templateKeys.templates() }),
  });
}

/**
 * The preview of a saved template in two steps: the first page at once (its counts cover only the rows it read),
 * then, unless that page already read every row, the validation pass over the whole source, whose counts and rows
 * replace the page's when it is done. `checking` is true while that pass runs.
 */
export function usePreview(id: string, limit: number, errorsOnly: boolean) {
  const first = useQuery({
    queryKey: templateKeys.previewFirstPage(id, limit, errorsOnly),
    queryFn: () => commands.previewTemplateFirstPage(id, limit, errorsOnly),
    // The source's rows may change at any time; every opening maps them afresh.
    staleTime: 0,
    gcTime: 0,
  });
  // NOTE: the pass starts after the first page, not beside it, so the page does not share the
  // machine's cores with a read of every row.
  const needsPass = first.data !== undefined && !first.data.complete;
  const full = useQuery({
    queryKey: templateKeys.preview(id, limit, errorsOnly),
    queryFn: () => commands.previewTemplate(id, limit, errorsOnly),
    enabled: needsPass,
    staleTime: 0,
    gcTime: 0,
  });
  return {
    data: full.data ?? first.data,
    isPending: first.isPending,
    error: first.error ?? full.error,
    checking: needsPass && full.isPending,
  };
}

/**
 * The saved queries and segments a template can take its rows from, each asked only of users
 * who may read them (the backend refuses the others, and records the refusal).
 */
export function useRowSources() {
  const { can } = usePermissions();
  const queries = useQuery({
    queryKey: dataKeys.queries(),
    queryFn: commands.listQueries,
    enabled: can('runQueries'),
  });
  const segments = useQuery({
    queryKey: dataKeys.segments(),
    queryFn: commands.listSegments,
    enabled: can('readSegments'),
  });
  const nameOf = (source: RowSource): string => {
    const list = source.kind === 'query' ? queries.data : segments.data;
    return list?.find((x) => x.id === source.id)?.name ?? source.id;
  };
  return { queries: queries.data ?? [], segments: segments.data ?? [], loading: queries.isLoading || segments.isLoading, nameOf };
}

/** How many rows `source` has now; `null` asks nothing (e.g. while a dialog is closed). */
export function useSourceRowCount(source: RowSource | null) {
  return useQuery({
    queryKey: ['sourceRowCount', source],
    queryFn: () => commands.countSourceRows(source as RowSource),
    enabled: source !== null && source.id !== '',
    // NOTE: counted afresh each time it is asked for: the rows a delete removes are the point.
    staleTime: 0,
    gcTime: 0,
  });
}

/** "Check against Dynamics": which of a template's first `sample` sendable rows' keys find a record. */
export function useCheckAgainstDynamics(id: string) {
  return useMutation({
    mutationFn: (sample: number) => commands.checkAgainstDynamics(id, sample),
  });
}
