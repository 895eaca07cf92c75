// TanStack Query keys, reads and actions for the activity log (the Activity tab): pages of
// entries by offset, the chain check and the CSV export.
import { useMutation, useQueries } from '@tanstack/react-query';
import { commands } from './ipc';
import { keys } from './queries';
import type { ActivityPage, ActivityQuery } from './types';

/** Entries per request (the backend allows up to 500). */
export const ACTIVITY_PAGE_SIZE = 200;

export const activityKeys = {
  all: () => [...keys.all, 'activity'] as const,
  page: (query: ActivityQuery, page: number) => [...activityKeys.all(), query, page] as const,
};

/**
 * The pages `pages` (0-based, ACTIVITY_PAGE_SIZE entries each) of the entries matching
 * `query`. The log grows with every action, so each page is read again whenever the tab opens.
 */
export function useActivityPages(query: ActivityQuery, pages: readonly number[], enabled = true) {
  return useQueries({
    queries: pages.map((page) => ({
      queryKey: activityKeys.page(query, page),
      queryFn: (): Promise<ActivityPage> => commands.activityPage(query, page * ACTIVITY_PAGE_SIZE, ACTIVITY_PAGE_SIZE),
      enabled,
      staleTime: 0,
    })),
  });
}

export function useVerifyActivity() {
  return useMutation({ mutationFn: () => commands.activityVerify() });
}

export function useExportActivity() {
  return useMutation({ mutationFn: (query: ActivityQuery) => commands.activityExport(query) });
}
