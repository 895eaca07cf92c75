// A stand-in for the send-job commands and their events: jobs and receipts kept in memory,
// filtered and paged as the backend does, and progress and endings that tests emit by hand
// (`jobs.progress(id, …)`, `jobs.finish(id, …)`, `jobs.fail(id, …)`). Like the real commands,
// its methods are async and reject with plain `{code, message}` objects.
/* eslint-disable @typescript-eslint/require-await, @typescript-eslint/only-throw-error */
import type { AppError, JobFinished, JobProgress, JobView, Receipt, ReceiptFilter, Receipts, TemplateView } from '../api/types';

let seq = 0;

export function jobView(over: Partial<JobView> = {}): JobView {
  seq += 1;
  return {
    id: `job_${seq}`,
    template: { id: 'tpl_1', name: 'Newsletter to contacts' },
    destination: { id: 'dest_1', name: 'Sales EU' },
    table: 'contact',
    source: { kind: 'query', id: 'qry_1' },
    sourceName: 'Newsletter sign-ups',
    operation: { kind: 'upsertByKey', key: 'new_contact_email_key' },
    ranBy: { id: 'usr_ana', name: 'Ana' },
    retryOf: null,
    state: 'finished',
    total: 0,
    counts: { delivered: 0, created: 0, updated: 0, rejected: 0, failed: 0, invalid: 0, inFlight: 0 },
    elapsedMs: 0,
    createdAt: 1_790_000_000 + seq,
    finishedAt: null,
    error: null,
    resumable: false,
    ...over,
  };
}

/** `n` receipts from `from`: delivered with a record id (every third updated), unless `state` says otherwise. */
export function receipts(n: number, over: Partial<Receipt> = {}, from = 0): Receipt[] {
  return Array.from({ length: n }, (_, i) => {
    const index = from + i;
    return {
      index,
      state: 'delivered',
      key: `emailaddress1='person${index}@example.com'`,
      recordId: `00000000-0000-0000-0000-${String(index).padStart(12, '0')}`,
      created: index % 3 !== 0,
      code: null,
      message: null,
      ...over,
    };
  });
}

type Handler<T> = (payload: T) => void;

export class FakeJobsStore {
  jobs: JobView[] = [];
  receiptsOf = new Map<string, Receipt[]>();
  /** Whether receipts come back with personal data masked. */
  piiHidden = false;
  /** What the next export answers: rows written, or null (the dialog was closed). */
  nextExport: number | null = 0;
  /** Templates send_template knows by id. */
  templates: TemplateView[] = [];
  /** Jobs "this window" is sending, which cancel_job can stop. */
  running = new Set<string>();
  private progressHandlers = new Set<Handler<JobProgress>>();
  private finishedHandlers = new Set<Handler<JobFinished>>();

  reset() {
    this.jobs = [];
    this.receiptsOf = new Map();
    this.piiHidden = false;
    this.nextExport = 0;
    this.templates = [];
    this.running = new Set();
    this.progressHandlers = new Set();
    this.finishedHandlers = new Set();
  }

  add(over: Partial<JobView> = {}, rows: Receipt[] = []): JobView {
    const j = jobView(over);
    this.jobs.push(j);
    this.receiptsOf.set(j.id, rows);
    return j;
  }

  private find(id: string): JobView {
    const j = this.jobs.find((x) => x.id === id);
    if (!j) throw { code: 'not_found', message: `No send job named or identified as "${id}" exists.` } satisfies AppError;
    return j;
  }

  listJobs = async (limit: number) => [...this.jobs].sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);

  getJob = async (id: string) => ({ ...this.find(id) });

  unfinishedJobs = async () => this.jobs.filter((j) => j.state === 'interrupted');

  jobReceipts = async (id: string, filter: ReceiptFilter): Promise<Receipts> => {
    this.find(id);
    const all = (this.receiptsOf.get(id) ?? []).filter((r) => filter.states.length === 0 || filter.states.includes(r.state));
    return { job: id, total: all.length, rows: all.slice(filter.offset, filter.offset + filter.limit), piiHidden: this.piiHidden };
  };

  sendTemplate = async (template: string) => {
    const t = this.templates.find((x) => x.id === template);
    if (!t) throw { code: 'not_found', message: `No data template named or identified as "${template}" exists.` } satisfies AppError;
    if (t.unavailable) throw { code: 'forbidden', message: t.unavailable } satisfies AppError;
    const j = this.add({
      template: { id: t.id, name: t.name },
      destination: t.destination,
      table: t.table,
      source: t.source,
      operation: t.mapping.operation,
      state: 'running',
      total: null,
    });
    this.running.add(j.id);
    return { ...j };
  };

  resumeJob = async (id: string) => {
    const j = this.find(id);
    j.state = 'running';
    j.resumable = false;
    this.running.add(id);
    return { ...j };
  };

  retryFailedRows = async (id: string) => {
    const old = this.find(id);
    const j = this.add({ ...old, id: undefined, retryOf: old.id, state: 'running', total: null, counts: jobView().counts });
    // NOTE: jobView's spread put `id: undefined` over the new id: give it one.
    j.id = `job_retry_${old.id}`;
    this.receiptsOf.set(j.id, []);
    this.running.add(j.id);
    return { ...j };
  };

  cancelJob = async (id: string) => {
    this.find(id);
    return this.running.has(id);
  };

  exportRejectedRows = async (id: string) => {
    this.find(id);
    return this.nextExport;
  };

  onJobProgress = (handler: Handler<JobProgress>) => {
    this.progressHandlers.add(handler);
    return Promise.resolve(() => void this.progressHandlers.delete(handler));
  };

  onJobFinished = (handler: Handler<JobFinished>) => {
    this.finishedHandlers.add(handler);
    return Promise.resolve(() => void this.finishedHandlers.delete(handler));
  };

  /** Emits a `job-progress` event for `id`. */
  progress(id: string, over: Partial<JobProgress> = {}) {
    const p: JobProgress = {
      job: id,
      state: 'running',
      done: 0,
      total: null,
      delivered: 0,
      rejected: 0,
      failed: 0,
      invalid: 0,
      rowsPerSecond: 0,
      etaSeconds: null,
      throttled: 0,
      waiting: null,
      rowsPerRequest: null,
      ...over,
    };
    for (const h of this.progressHandlers) h(p);
  }

  /** Ends `id`'s run: the stored job takes `over`, and `job-finished` carries it. */
  finish(id: string, over: Partial<JobView> = {}) {
    const j = this.find(id);
    Object.assign(j, { state: 'finished', finishedAt: 1_790_000_100, ...over });
    j.resumable = ['interrupted', 'cancelled', 'stopped'].includes(j.state);
    this.running.delete(id);
    for (const h of this.finishedHandlers) h({ jobId: id, job: { ...j } });
  }

  /** Ends `id`'s run with an error, as `job-finished` reports one. */
  fail(id: string, error: AppError, over: Partial<JobView> = {}) {
    const j = this.find(id);
    Object.assign(j, { state: 'stopped', error: error.message, ...over });
    j.resumable = true;
    this.running.delete(id);
    for (const h of this.finishedHandlers) h({ jobId: id, error });
  }

  /** How many listeners each event has (the window listens once for each). */
  listeners() {
    return { progress: this.progressHandlers.size, finished: this.finishedHandlers.size };
  }
}
