// A query's result as the grid reads it: pages of rows fetched only for the rows on screen,
// kept in a small cache, and the run's status kept fresh while it runs. A million-row result
// is never held here; only the pages someone has looked at recently are.
//
// NOTE: the backend answers every page request with the run's status, so the status is kept
// fresh by the page requests themselves; when no visible page is missing, a request for no
// rows (`limit` 0) asks for the status alone.
import type { Cell, ColumnMeta, ResultPage, RunStatus } from '../api/dataTypes';
import type { AppError } from '../api/types';

/** Rows per request. */
export const PAGE_SIZE = 200;
/** Pages kept; the oldest-read go first (visible ones never). */
const MAX_PAGES = 40;
/** How often a running query's status is asked for. */
export const POLL_MS = 250;

type FetchPage = (runId: string, offset: number, limit: number) => Promise<ResultPage>;

interface Page {
  rows: Cell[][];
  /** Full, or the last page of a finished run: never asked for again. */
  complete: boolean;
}

const RUNNING: RunStatus = { state: 'running', rowsSoFar: 0, elapsedMs: 0, error: null };

export class ResultRun {
  readonly runId: string;
  private readonly fetchPage: FetchPage;
  private readonly pages = new Map<number, Page>();
  private readonly inFlight = new Set<number>();
  private statusInFlight = false;
  private visible = { first: 0, last: PAGE_SIZE - 1 };
  private timer: ReturnType<typeof setTimeout> | null = null;
  private listeners = new Set<() => void>();
  private closed = false;
  private version = 0;

  status: RunStatus = RUNNING;
  columns: ColumnMeta[] | null = null;
  /** A page request itself failed (the run is gone, the backend stopped). */
  failure: AppError | null = null;
  /** The backend masked the PII columns' values for the viewer (Restrict PII access). */
  piiHidden = false;

  constructor(runId: string, fetchPage: FetchPage) {
    this.runId = runId;
    this.fetchPage = fetchPage;
    this.pump();
  }

  /** For useSyncExternalStore. */
  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = () => this.version;

  /** The row at `index`, or undefined while its page is on its way. */
  row(index: number): Cell[] | undefined {
    const page = this.pages.get(Math.floor(index / PAGE_SIZE));
    return page?.rows[index % PAGE_SIZE];
  }

  get running(): boolean {
    return this.status.state === 'running';
  }

  /** The grid's visible rows (with overscan) changed: fetch what they need. */
  setVisible(first: number, last: number) {
    if (first === this.visible.first && last === this.visible.last) return;
    this.visible = { first: Math.max(0, first), last: Math.max(first, last) };
    this.pump();
  }

  /** Stops polling; the caller tells the backend (query_close). */
  close() {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  /** Asks for the status soon, e.g. right after a cancel was requested. */
  poke() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.tick();
  }

  private visiblePages(): number[] {
    const out: number[] = [];
    const lastPage = Math.floor(this.visible.last / PAGE_SIZE);
    for (let p = Math.floor(this.visible.first / PAGE_SIZE); p <= lastPage; p++) out.push(p);
    return out;
  }

  /** Whether page `p` should be asked for now. */
  private needed(p: number): boolean {
    if (this.inFlight.has(p)) return false;
    const offset = p * PAGE_SIZE;
    const have = this.pages.get(p);
    if (have) return !have.complete && this.status.rowsSoFar > offset + have.rows.length;
    // The first page is asked for at once: the backend answers it as soon as rows come.
    return offset < this.status.rowsSoFar || (p === 0 && this.version === 0);
  }

  private pump() {
    if (this.closed || this.failure) return;
    for (const p of this.visiblePages()) if (this.needed(p)) this.load(p);
    this.schedule();
  }

  /** While the run goes on, ask again for its status every POLL_MS. */
  private schedule() {
    if (this.closed || this.failure || !this.running || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tick();
    }, POLL_MS);
  }

  private tick() {
    if (this.closed || this.failure) return;
    const wanted = this.visiblePages().filter((p) => this.needed(p));
    if (wanted.length > 0) {
      for (const p of wanted) this.load(p);
    } else if (this.running && this.inFlight.size === 0 && !this.statusInFlight) {
      this.statusInFlight = true;
      this.fetchPage(this.runId, 0, 0)
        .then((page) => this.take(page, null))
        .catch((e: AppError) => this.fail(e))
        .finally(() => {
          this.statusInFlight = false;
          this.schedule();
        });
      return;
    }
    this.schedule();
  }

  private load(p: number) {
    this.inFlight.add(p);
    this.fetchPage(this.runId, p * PAGE_SIZE, PAGE_SIZE)
      .then((page) => this.take(page, p))
      .catch((e: AppError) => this.fail(e))
      .finally(() => {
        this.inFlight.delete(p);
        this.pump();
      });
  }

  private take(page: ResultPage, p: number | null) {
    if (this.closed) return;
    this.mergeStatus(page.status);
    // Once any page came masked, the run is (masking is decided when the run starts).
    this.piiHidden ||= page.piiHidden;
    if (page.columns.length > 0 || page.status.state !== 'running') this.columns ??= page.columns;
    if (p !== null) {
      const complete = page.rows.length >= PAGE_SIZE || page.status.state !== 'running';
      this.pages.delete(p);
      this.pages.set(p, { rows: page.rows, complete });
      this.evict();
    }
    this.changed();
  }

  /** Answers may arrive out of order: rows only grow, and an end is final. */
  private mergeStatus(next: RunStatus) {
    const now = this.status;
    if (now.state !== 'running') return;
    this.status = next.state !== 'running' ? next : { ...next, rowsSoFar: Math.max(now.rowsSoFar, next.rowsSoFar) };
    // A finished run's partial pages are as full as they will get.
    if (this.status.state !== 'running') {
      for (const [p, page] of this.pages) {
        if (p * PAGE_SIZE + page.rows.length >= this.status.rowsSoFar) page.complete = true;
      }
    }
  }

  private evict() {
    if (this.pages.size <= MAX_PAGES) return;
    const keep = new Set(this.visiblePages());
    for (const p of this.pages.keys()) {
      if (this.pages.size <= MAX_PAGES) break;
      if (!keep.has(p)) this.pages.delete(p);
    }
  }

  private fail(e: AppError) {
    if (this.closed) return;
    this.failure = e;
    this.changed();
  }

  private changed() {
    this.version++;
    for (const l of this.listeners) l();
  }
}
