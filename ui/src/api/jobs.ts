// TanStack Query keys, reads and actions for send jobs (Send on a template, the History tab),
// and the store that keeps what the backend's `job-progress` and `job-finished` events said.
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { createContext, useContext, useSyncExternalStore } from 'react';
import { commands, events } from './ipc';
import { keys } from './queries';
import { usePermissions } from './users';
import type { JobFinished, JobProgress, JobView, RowState } from './types';

/** Jobs the History tab lists. */
export const HISTORY_LIMIT = 500;
/** Receipts per page in a job's detail. */
export const RECEIPTS_PAGE_SIZE = 50;

export const jobKeys = {
  all: () => [...keys.all, 'jobs'] as const,
  list: () => [...jobKeys.all(), 'list'] as const,
  unfinished: () => [...jobKeys.all(), 'unfinished'] as const,
  job: (id: string) => [...jobKeys.all(), 'job', id] as const,
  receipts: (id: string, states: readonly RowState[], page: number) =>
    [...jobKeys.all(), 'receipts', id, states, page] as const,
};

/** Every job the acting user may see, newest first; read again whenever the History opens. */
export function useJobs() {
  const { can } = usePermissions();
  return useQuery({
    queryKey: jobKeys.list(),
    queryFn: () => commands.listJobs(HISTORY_LIMIT),
    enabled: can('sendData'),
    staleTime: 0,
  });
}

export function useJob(id: string | null) {
  return useQuery({
    queryKey: jobKeys.job(id ?? ''),
    queryFn: () => commands.getJob(id as string),
    enabled: id !== null,
    staleTime: 0,
  });
}

/** Jobs a stopped Ferry left unfinished, asked once when the window opens. */
export function useUnfinishedJobs() {
  const { can } = usePermissions();
  return useQuery({
    queryKey: jobKeys.unfinished(),
    queryFn: commands.unfinishedJobs,
    enabled: can('sendData'),
    staleTime: Infinity,
  });
}

/** Page `page` (from 0) of a job's receipts in `states` (every state when empty). */
export function useReceipts(id: string, states: readonly RowState[], page: number) {
  return useQuery({
    queryKey: jobKeys.receipts(id, states, page),
    queryFn: () =>
      commands.jobReceipts(id, { states: [...states], offset: page * RECEIPTS_PAGE_SIZE, limit: RECEIPTS_PAGE_SIZE }),
    staleTime: 0,
    placeholderData: (previous) => previous,
  });
}

function refreshJobs(client: QueryClient) {
  return client.invalidateQueries({ queryKey: jobKeys.all() });
}

/** Starts a send, a resume or a retry of failed rows; each answers with the job it runs. */
export function useStartJob() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (req: StartRequest): Promise<JobView> => {
      switch (req.kind) {
        case 'send':
          return commands.sendTemplate(req.template);
        case 'resume':
          return commands.resumeJob(req.job);
        case 'retry':
          return commands.retryFailedRows(req.job);
      }
    },
    onSuccess: () => refreshJobs(client),
  });
}

export type StartRequest = { kind: 'send'; template: string } | { kind: 'resume'; job: string } | { kind: 'retry'; job: string };

export function useCancelJob() {
  return useMutation({ mutationFn: (id: string) => commands.cancelJob(id) });
}

export function useExportRejects() {
  return useMutation({ mutationFn: (id: string) => commands.exportRejectedRows(id) });
}

/** A progress event with when it arrived (unix ms), so a wait it reports can count down. */
export type ReceivedProgress = JobProgress & { receivedAt: number };

/**
 * What the backend's events said of each job since the window opened: its latest progress and,
 * once a run ended, how it ended. Kept by job id from the start, so events that arrive before
 * the command that started the job has answered are not lost.
 */
export class JobEvents {
  private progress = new Map<string, ReceivedProgress>();
  private finished = new Map<string, JobFinished>();
  private listeners = new Set<() => void>();
  private unlisten: (() => void)[] = [];
  private stopped = false;

  constructor(private client: QueryClient) {}

  /** Starts listening; returns the function that stops. */
  start(): () => void {
    this.stopped = false;
    const keep = (p: Promise<() => void>) =>
      void p.then(
        (off) => (this.stopped ? off() : this.unlisten.push(off)),
        () => {},
      );
    keep(
      events.onJobProgress((p) => {
        this.progress.set(p.job, { ...p, receivedAt: Date.now() });
        // A new run of a job that ended before (a resume) starts afresh.
        this.finished.delete(p.job);
        this.changed();
      }),
    );
    keep(
      events.onJobFinished((f) => {
        this.finished.set(f.jobId, f);
        this.changed();
        void refreshJobs(this.client);
      }),
    );
    return () => {
      this.stopped = true;
      for (const off of this.unlisten.splice(0)) off();
    };
  }

  /** Forgets how an earlier run of `job` ended, before it is run again. */
  restart(job: string) {
    this.finished.delete(job);
    this.changed();
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  progressOf(job: string): ReceivedProgress | undefined {
    return this.progress.get(job);
  }

  finishedOf(job: string): JobFinished | undefined {
    return this.finished.get(job);
  }

  private changed() {
    for (const l of this.listeners) l();
  }
}

export const JobEventsContext = createContext<JobEvents | null>(null);

/** The latest progress of `job` and, once its run ended, how it ended. */
export function useJobEvents(job: string | null): { progress?: ReceivedProgress; finished?: JobFinished } {
  const store = useContext(JobEventsContext);
  const progress = useSyncExternalStore(
    store?.subscribe ?? noSubscribe,
    () => (job && store ? store.progressOf(job) : undefined),
  );
  const finished = useSyncExternalStore(
    store?.subscribe ?? noSubscribe,
    () => (job && store ? store.finishedOf(job) : undefined),
  );
  return { progress, finished };
}

function noSubscribe() {
  return () => {};
}
