// TanStack Query keys, reads and writes for campaigns: a segment's sends through templates open
// to campaigns, a destination's static marketing lists, and adding a send's records to one.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { commands } from './ipc';
import { jobKeys } from './jobs';
import { keys } from './queries';
import { usePermissions } from './users';
import type { AddedToList } from './generated/AddedToList';
import type { JobView } from './generated/JobView';
import type { ListTarget } from './generated/ListTarget';
import type { MarketingList } from './generated/MarketingList';

export type { AddedToList, JobView, ListTarget, MarketingList };

/** How many of a segment's sends the Segments tab lists. */
export const RECENT_SENDS = 5;

export const campaignKeys = {
  all: () => [...keys.all, 'campaigns'] as const,
  // NOTE: under the jobs' keys, so a send that ends refreshes the segment's list of sends too.
  segmentJobs: (segment: string) => [...jobKeys.all(), 'segment', segment] as const,
  lists: (destination: string, table: string) => [...campaignKeys.all(), 'lists', destination, table] as const,
};

/** The segment's recent campaign sends; only asked for users who may add them to lists, and for a saved segment. */
export function useSegmentJobs(segment: string | null) {
  const { can } = usePermissions();
  return useQuery({
    queryKey: campaignKeys.segmentJobs(segment ?? ''),
    queryFn: () => commands.segmentJobs(segment ?? '', RECENT_SENDS),
    enabled: !!segment && can('addToMarketingLists'),
  });
}

/** The destination's static lists of `table`'s rows (a network call, so only while the dialog is open). */
export function useMarketingLists(destination: string, table: string, enabled: boolean) {
  return useQuery({
    queryKey: campaignKeys.lists(destination, table),
    queryFn: () => commands.listMarketingLists(destination, table),
    enabled,
    // NOTE: people make lists in Dynamics too: ask again each time the dialog opens.
    staleTime: 0,
  });
}

export function useAddToList() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ job, target }: { job: string; target: ListTarget }) => commands.addJobToList(job, target),
    onSuccess: () => client.invalidateQueries({ queryKey: campaignKeys.all() }),
  });
}
