//! [`RowReader`]: rows of one query, streamed forward in pages without ever holding them all.
//!
//! A worker thread owns the guarded connection and the running statement (SQLite statements
//! borrow their connection, so both must live in one place) and hands rows over in chunks
//! through a channel that holds at most two chunks. When the consumer stops reading, the
//! worker blocks: memory stays at a few chunks however many rows the query has.

use super::{sql_error, Door, QueryOptions};
use crate::db::DataStore;
use crate::error::{DataError, Result};
use crate::types::{Cell, ColumnMeta, ColumnType};
use rusqlite::InterruptHandle;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Rows per chunk the worker sends; the first chunk is also what computed columns' types are
/// inferred from.
const CHUNK_ROWS: usize = 256;
/// A chunk also ends once its values pass this size, so wide rows (a 10 MB field) do not make
/// a chunk of 256 of them.
const CHUNK_BYTES: usize = 4 * 1024 * 1024;
/// Chunks waiting in the channel at most.
const CHANNEL_CHUNKS: usize = 2;
/// Pages given back (see [`RowReader::give_back`]) the worker keeps to refill; more are freed.
const SPARE_PAGES: usize = 4;
/// A text cell whose memory is larger than this is not refilled, so one wide row does not
/// keep megabytes for the rest of the query.
const SPARE_TEXT_BYTES: usize = 4096;
/// SQLite virtual-machine steps between checks for cancel, time limit and drop.
const PROGRESS_STEPS: i32 = 2_000;

/// Why the worker asked SQLite to stop.
const STOP_NONE: u8 = 0;
const STOP_CANCELLED: u8 = 1;
const STOP_TIMED_OUT: u8 = 2;
const STOP_DROPPED: u8 = 3;

/// The query's clock and stop flags, shared by the worker, SQLite's progress handler and the
/// reader.
struct Watch {
    origin: Instant,
    /// Nanoseconds after `origin` when the query's time runs out; pushed back by the time the
    /// worker spends waiting for its consumer.
    deadline_ns: AtomicU64,
    time_limit: Duration,
    cancel: crate::types::CancelToken,
    dropped: AtomicBool,
    why: AtomicU8,
}

impl Watch {
    fn new(opts: &QueryOptions) -> Watch {
        Watch {
            origin: Instant::now(),
            deadline_ns: AtomicU64::new(nanos(opts.time_limit)),
            time_limit: opts.time_limit,
            cancel: opts.cancel.clone(),
            dropped: AtomicBool::new(false),
            why: AtomicU8::new(STOP_NONE),
        }
    }

    /// Whether the query must stop now; records why.
    fn must_stop(&self) -> bool {
        let why = if self.dropped.load(Ordering::SeqCst) {
            STOP_DROPPED
        } else if self.cancel.is_cancelled() {
            STOP_CANCELLED
        } else if nanos(self.origin.elapsed()) > self.deadline_ns.load(Ordering::SeqCst) {
            STOP_TIMED_OUT
        } else {
            return false;
        };
        self.why.store(why, Ordering::SeqCst);
        true
    }

    /// Adds time the worker spent waiting (not working) to the query's allowance.
    fn credit(&self, waited: Duration) {
        self.deadline_ns.fetch_add(nanos(waited), Ordering::SeqCst);
    }

    /// The error for a stop, or `None` if nothing asked for one.
    fn stop_error(&self) -> Option<DataError> {
        match self.why.load(Ordering::SeqCst) {
            STOP_CANCELLED | STOP_DROPPED => Some(DataError::Cancelled(
                "The query was cancelled before it finished.".to_string(),
            )),
            STOP_TIMED_OUT => Some(DataError::TimedOut(format!(
                "The query ran longer than its {} limit: narrow it or raise the limit.",
                show_duration(self.time_limit)
            ))),
            _ => None,
        }
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn show_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// What the worker sends.
enum Msg {
    /// The statement runs; its columns are final. Comes first, before any rows.
    Ready {
        columns: Vec<ColumnMeta>,
        interrupt: InterruptHandle,
    },
    Rows(Vec<Vec<Cell>>),
    Done,
    Failed(DataError),
}

/// Rows of one read-only query, read forward page by page; see the module docs of
/// [`crate::query`]. `Send`, so a job may read it on any thread. Dropping it stops the query.
pub struct RowReader {
    columns: Vec<ColumnMeta>,
    rx: Option<Receiver<Msg>>,
    buffer: VecDeque<Vec<Cell>>,
    /// An error that arrived after rows still in the buffer; reported once they are read.
    pending: Option<DataError>,
    finished: bool,
    watch: Arc<Watch>,
    interrupt: InterruptHandle,
    worker: Option<JoinHandle<()>>,
    /// Read pages going back to the worker to be refilled.
    spare: Sender<Vec<Vec<Cell>>>,
    /// Mask the PII-marked columns in every page (see [`RowReader::hide_pii`]).
    hide_pii: bool,
}

impl std::fmt::Debug for RowReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowReader")
            .field("columns", &self.columns)
            .field("buffered", &self.buffer.len())
            .field("finished", &self.finished)
            .finish()
    }
}

impl RowReader {
    /// The result's columns: name, Ferry type and PII mark.
    pub fn columns(&self) -> &[ColumnMeta] {
        &self.columns
    }

    /// From now on every page comes with the PII-marked columns' values masked (see
    /// [`crate::types::hide_pii`]), for a viewer who may not see personal data. Returns
    /// whether any column is PII, i.e. whether anything will be hidden.
    pub fn hide_pii(&mut self) -> bool {
        self.hide_pii = self.columns.iter().any(|c| c.pii);
        self.hide_pii
    }

    /// Whether pages come masked (see [`RowReader::hide_pii`]).
    pub fn pii_hidden(&self) -> bool {
        self.hide_pii
    }

    /// The next rows, at most `max_rows` (at least 1), or `None` once every row was read.
    /// Blocks until that many rows exist or the query ends. An error (cancel, time limit,
    /// a SQL failure mid-way) comes after the rows read before it.
    pub fn next_page(&mut self, max_rows: usize) -> Result<Option<Vec<Vec<Cell>>>> {
        let want = max_rows.max(1);
        while self.buffer.len() < want && !self.finished {
            let msg = match &self.rx {
                Some(rx) => rx.recv().ok(),
                None => None,
            };
            match msg {
                // NOTE: a page taken whole keeps the worker's chunk (see `give_back`), so an
                // empty buffer becomes the chunk rather than a copy of it.
                Some(Msg::Rows(rows)) if self.buffer.is_empty() => self.buffer = rows.into(),
                Some(Msg::Rows(rows)) => self.buffer.extend(rows),
                Some(Msg::Done) => self.finished = true,
                Some(Msg::Failed(e)) => {
                    self.finished = true;
                    self.pending = Some(e);
                }
                Some(Msg::Ready { .. }) | None => {
                    self.finished = true;
                    self.pending = Some(DataError::Io(
                        "The query stopped unexpectedly: run it again.".to_string(),
                    ));
                }
            }
        }
        if self.buffer.is_empty() {
            return match self.pending.take() {
                Some(e) => Err(e),
                None => Ok(None),
            };
        }
        let n = want.min(self.buffer.len());
        let mut rows: Vec<Vec<Cell>> = if n == self.buffer.len() {
            std::mem::take(&mut self.buffer).into()
        } else {
            self.buffer.drain(..n).collect()
        };
        if self.hide_pii {
            crate::types::hide_pii(&self.columns, &mut rows);
        }
        Ok(Some(rows))
    }

    /// Hands a page that was read back to the worker, which refills its rows' memory instead
    /// of allocating new rows: optional, for a caller reading many pages and keeping none.
    ///
    /// NOTE: rows made on the worker's thread and freed on the caller's cost both threads an
    /// allocation per text cell; a million-row read spent much of its time there.
    pub fn give_back(&self, rows: Vec<Vec<Cell>>) {
        // A worker that has finished no longer listens; the page is then simply freed.
        let _ = self.spare.send(rows);
    }
}

impl Drop for RowReader {
    fn drop(&mut self) {
        self.watch.dropped.store(true, Ordering::SeqCst);
        self.interrupt.interrupt();
        // Closing the channel wakes a worker blocked on sending.
        self.rx.take();
        if let Some(worker) = self.worker.take() {
            // NOTE: the worker stops at SQLite's next progress check (every few thousand
            // steps) or its next send, so this wait is short.
            let _ = worker.join();
        }
    }
}

/// Starts the worker and waits for the statement's first rows.
pub(super) fn start(
    store: DataStore,
    sql: String,
    params: Vec<Cell>,
    opts: QueryOptions,
) -> Result<RowReader> {
    let watch = Arc::new(Watch::new(&opts));
    let (tx, rx) = sync_channel(CHANNEL_CHUNKS);
    let (spare, spares) = channel();
    let worker_watch = Arc::clone(&watch);
    let worker = std::thread::Builder::new()
        .name("ferry-query".to_string())
        .spawn(move || {
            if let Err(e) = run(&store, &sql, &params, &worker_watch, &tx, &spares) {
                let _ = tx.send(Msg::Failed(e));
            }
        })
        .map_err(|e| DataError::Io(format!("Could not start the query: {e}")))?;
    let first = rx.recv();
    match first {
        Ok(Msg::Ready { columns, interrupt }) => Ok(RowReader {
            columns,
            rx: Some(rx),
            buffer: VecDeque::new(),
            pending: None,
            finished: false,
            watch,
            interrupt,
            worker: Some(worker),
            spare,
            hide_pii: false,
        }),
        Ok(Msg::Failed(e)) => {
            let _ = worker.join();
            Err(e)
        }
        _ => {
            let _ = worker.join();
            Err(DataError::Io(
                "The query stopped unexpectedly: run it again.".to_string(),
            ))
        }
    }
}

/// The worker: compiles the statement under the guards, then steps it and sends chunks.
fn run(
    store: &DataStore,
    sql: &str,
    params: &[Cell],
    watch: &Arc<Watch>,
    tx: &SyncSender<Msg>,
    spares: &Receiver<Vec<Vec<Cell>>>,
) -> Result<()> {
    let mut door = Door::open(store)?;
    let progress_watch = Arc::clone(watch);
    door.conn
        .progress_handler(PROGRESS_STEPS, Some(move || progress_watch.must_stop()))
        .map_err(|e| store.fail(e))?;
    let mut interrupt = Some(door.conn.get_interrupt_handle());
    let mut stmt = door.prepare(sql)?;
    let mut columns = door.columns(&stmt, sql);
    let failed = |e: rusqlite::Error| watch.stop_error().unwrap_or_else(|| sql_error(e, sql));
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params.iter()))
        .map_err(failed)?;
    let n = columns.len();
    // Rows of pages given back, refilled in place (from the last) before new ones are made.
    let mut old: Vec<Vec<Cell>> = Vec::new();

    loop {
        if watch.must_stop() {
            return Err(watch.stop_error().unwrap_or_else(|| {
                DataError::Cancelled("The query was cancelled before it finished.".to_string())
            }));
        }
        while let Ok(extra) = spares.try_recv() {
            if old.len() < CHUNK_ROWS * SPARE_PAGES {
                old.extend(extra);
            }
        }
        let mut chunk = Vec::with_capacity(CHUNK_ROWS);
        let mut bytes = 0;
        let mut done = false;
        let mut error = None;
        while chunk.len() < CHUNK_ROWS && bytes < CHUNK_BYTES {
            let row = rows.next().and_then(|row| {
                row.map(|row| {
                    let mut cells = old.pop().unwrap_or_else(|| Vec::with_capacity(n));
                    fill(&mut cells, row, n).map(|()| cells)
                })
                .transpose()
            });
            match row {
                Ok(Some(cells)) => {
                    bytes += cells.iter().map(cell_bytes).sum::<usize>();
                    chunk.push(cells);
                }
                Ok(None) => {
                    done = true;
                    break;
                }
                // The rows read before a failure still go out, then the failure.
                Err(e) if chunk.is_empty() => return Err(failed(e)),
                Err(e) => {
                    error = Some(failed(e));
                    break;
                }
            }
        }
        if let Some(interrupt) = interrupt.take() {
            infer_types(&mut columns, &chunk);
            let ready = Msg::Ready {
                columns: std::mem::take(&mut columns),
                interrupt,
            };
            if !send(tx, watch, ready) {
                return Ok(());
            }
        }
        if !chunk.is_empty() && !send(tx, watch, Msg::Rows(chunk)) {
            return Ok(());
        }
        if let Some(e) = error {
            return Err(e);
        }
        if done {
            send(tx, watch, Msg::Done);
            return Ok(());
        }
    }
}

/// Reads `row`'s `n` values into `cells`, reusing the memory of the text cells already there.
fn fill(cells: &mut Vec<Cell>, row: &rusqlite::Row<'_>, n: usize) -> rusqlite::Result<()> {
    use rusqlite::types::ValueRef;
    cells.truncate(n);
    for i in 0..n {
        let value = row.get_ref(i)?;
        let reused = match (cells.get_mut(i), value) {
            (Some(Cell::Text(s)), ValueRef::Text(t)) if s.capacity() <= SPARE_TEXT_BYTES => {
                match std::str::from_utf8(t) {
                    Ok(t) => {
                        s.clear();
                        s.push_str(t);
                        true
                    }
                    Err(_) => false,
                }
            }
            _ => false,
        };
        if reused {
            continue;
        }
        let cell = Cell::from_sql(value);
        match cells.get_mut(i) {
            Some(c) => *c = cell,
            None => cells.push(cell),
        }
    }
    Ok(())
}

/// Sends one message, not counting the wait against the time limit. `false` once the reader
/// is gone.
fn send(tx: &SyncSender<Msg>, watch: &Watch, msg: Msg) -> bool {
    let waiting = Instant::now();
    let sent = tx.send(msg).is_ok();
    watch.credit(waiting.elapsed());
    sent
}

/// Roughly how much memory a cell takes, to bound a chunk.
fn cell_bytes(c: &Cell) -> usize {
    match c {
        Cell::Text(s) => 24 + s.len(),
        _ => 24,
    }
}

/// Gives computed columns (type Unknown) the type their first rows' values share: integers,
/// numbers, dates, date-times or text; mixed or all-empty columns stay Unknown. Booleans
/// computed by SQL are 0/1 and show as integers.
fn infer_types(columns: &mut [ColumnMeta], rows: &[Vec<Cell>]) {
    for (i, col) in columns.iter_mut().enumerate() {
        if col.column_type != ColumnType::Unknown {
            continue;
        }
        let mut seen: Option<ColumnType> = None;
        for cell in rows.iter().filter_map(|r| r.get(i)) {
            let t = match cell {
                Cell::Null => continue,
                Cell::Integer(_) => ColumnType::Integer,
                Cell::Real(_) => ColumnType::Decimal,
                Cell::Text(s) if is_date(s) => ColumnType::Date,
                Cell::Text(s) if is_date_time(s) => ColumnType::DateTime,
                Cell::Text(_) => ColumnType::Text,
            };
            seen = Some(match (seen, t) {
                (None, t) => t,
                (Some(a), b) if a == b => a,
                (Some(ColumnType::Integer | ColumnType::Decimal), ColumnType::Integer)
                | (Some(ColumnType::Integer | ColumnType::Decimal), ColumnType::Decimal) => {
                    ColumnType::Decimal
                }
                (Some(ColumnType::Date | ColumnType::DateTime), ColumnType::Date)
                | (Some(ColumnType::Date | ColumnType::DateTime), ColumnType::DateTime) => {
                    ColumnType::DateTime
                }
                (
                    Some(ColumnType::Text | ColumnType::Date | ColumnType::DateTime),
                    ColumnType::Text | ColumnType::Date | ColumnType::DateTime,
                ) => ColumnType::Text,
                _ => ColumnType::Unknown,
            });
        }
        col.column_type = seen.unwrap_or(ColumnType::Unknown);
    }
}

/// `YYYY-MM-DDTHH:MM` or `YYYY-MM-DD HH:MM`, seconds and zone optional: how SQLite's own
/// `datetime()` and Ferry's import write date-times.
fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 16
        && s.get(..10).is_some_and(is_date)
        && (b[10] == b'T' || b[10] == b' ')
        && b[11..13].iter().all(u8::is_ascii_digit)
        && b[13] == b':'
        && b[14..16].iter().all(u8::is_ascii_digit)
}

/// Whether `s` is a real calendar date written `YYYY-MM-DD`.
pub(crate) fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r.clone()]
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| s[r].parse().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}
