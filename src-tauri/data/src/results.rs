//! A query's result kept on disk for the grid: [`ResultSet`] reads the query through
//! [`RowReader`](crate::query::RowReader) on a background thread and spills the rows into a
//! scratch SQLite file, one table whose rowid is the row's position. The grid then asks for
//! any page in any order (`WHERE pos >= ? AND pos < ?`, a B-tree range, so O(log n) however
//! far it scrolls), the first page is served while the rest still arrives, and memory holds
//! one batch of rows at a time however many the result has.
//!
//! The scratch file holds customer data: it is made readable by its owner only and deleted
//! when the result is dropped (the app drops it on close, on a new run, or on exit).
//!
//! What this is not: a cache shared between runs, or the way later work reads rows (that is
//! the [`RowReader`](crate::query::RowReader) itself, forward only and never on disk).

use crate::db::DataStore;
use crate::error::{DataError, Result};
use crate::query::{QueryOptions, RowReader};
use crate::types::{CancelToken, Cell, ColumnMeta};
use rusqlite::Connection;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long [`ResultSet::page`] waits for rows that are not there yet.
const PAGE_WAIT: Duration = Duration::from_secs(2);
/// The most rows one page returns; a grid shows a few dozen.
pub const MAX_PAGE_ROWS: usize = 5_000;
/// Rows in the first spill batch: small, so the first page is on disk at once.
const FIRST_BATCH: usize = 256;
/// Rows in later batches at most: large, so the spill spends its time inserting, not
/// committing.
const MAX_BATCH: usize = 16_384;
/// Roughly how much row data one batch holds; wide rows make smaller batches, so memory
/// stays at a few megabytes whatever the rows hold.
const BATCH_BYTES: usize = 4 * 1024 * 1024;

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum RunState {
    Running,
    Done,
    Failed,
    Cancelled,
}

/// What the UI may branch on when a run stops early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RunErrorCode {
    /// SQLite refused the SQL; `line` and `column` say where when SQLite knows.
    Sql,
    /// The SQL tried to change something.
    WriteRefused,
    TimedOut,
    Cancelled,
    /// An input was wrong (empty SQL, a segment problem).
    Validation,
    NotFound,
    /// The database or the scratch file failed underneath.
    Internal,
}

/// Why a run stopped early, for the person at the keyboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RunError {
    pub code: RunErrorCode,
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

impl From<&DataError> for RunError {
    fn from(e: &DataError) -> RunError {
        let (code, line, column) = match e {
            DataError::Sql { line, column, .. } => (RunErrorCode::Sql, *line, *column),
            DataError::WriteRefused(_) => (RunErrorCode::WriteRefused, None, None),
            DataError::TimedOut(_) => (RunErrorCode::TimedOut, None, None),
            DataError::Cancelled(_) => (RunErrorCode::Cancelled, None, None),
            DataError::Invalid(_) => (RunErrorCode::Validation, None, None),
            DataError::NotFound(_) => (RunErrorCode::NotFound, None, None),
            DataError::Database { .. } | DataError::Io(_) => (RunErrorCode::Internal, None, None),
        };
        RunError {
            code,
            message: e.to_string(),
            line,
            column,
        }
    }
}

/// A run's progress, as the grid's status line shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RunStatus {
    pub state: RunState,
    /// Rows on disk so far: the row count once `state` is `done`.
    pub rows_so_far: u64,
    pub elapsed_ms: u64,
    pub error: Option<RunError>,
}

/// Rows `offset..offset + rows.len()` of a result, with its columns and where the run stands.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ResultPage {
    /// Empty until the query has produced its first rows.
    pub columns: Vec<ColumnMeta>,
    pub offset: u64,
    pub rows: Vec<Vec<Cell>>,
    pub status: RunStatus,
    /// Whether the values of the PII-marked columns were replaced by a mask for the viewer.
    pub pii_hidden: bool,
}

impl ResultPage {
    /// Masks the PII-marked columns' values (see [`crate::types::hide_pii`]).
    pub fn hide_pii(&mut self) {
        self.pii_hidden = crate::types::hide_pii(&self.columns, &mut self.rows);
    }
}

/// What the spill thread and the readers of pages share.
struct Shared {
    progress: Mutex<Progress>,
    changed: Condvar,
}

struct Progress {
    columns: Vec<ColumnMeta>,
    rows: u64,
    state: RunState,
    error: Option<RunError>,
    started: Instant,
    ended: Option<Instant>,
}

impl Progress {
    fn status(&self) -> RunStatus {
        let elapsed = self.ended.unwrap_or_else(Instant::now) - self.started;
        RunStatus {
            state: self.state,
            rows_so_far: self.rows,
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            error: self.error.clone(),
        }
    }
}

/// The scratch file and its one connection (the spill writes through it, pages read through
/// it; one connection means no journal and no locking between the two).
struct Scratch {
    path: PathBuf,
    conn: Mutex<Option<Connection>>,
}

/// A query's result, kept on disk while the grid pages through it. `Send + Sync`: the app
/// keeps several in a registry and serves pages from any thread.
pub struct ResultSet {
    shared: Arc<Shared>,
    scratch: Arc<Scratch>,
    cancel: CancelToken,
    worker: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for ResultSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultSet")
            .field("scratch", &self.scratch.path)
            .field("status", &self.status())
            .finish()
    }
}

impl ResultSet {
    /// Starts the query in the background and returns at once. The scratch file goes in
    /// `scratch_dir` (created if missing). `opts.cancel` is the run's: [`ResultSet::cancel`]
    /// and dropping the result cancel it.
    pub fn start(
        store: &DataStore,
        sql: &str,
        params: &[Cell],
        opts: QueryOptions,
        scratch_dir: &Path,
    ) -> Result<ResultSet> {
        let (path, conn) = scratch_file(scratch_dir)?;
        let scratch = Arc::new(Scratch {
            path,
            conn: Mutex::new(Some(conn)),
        });
        let shared = Arc::new(Shared {
            progress: Mutex::new(Progress {
                columns: Vec::new(),
                rows: 0,
                state: RunState::Running,
                error: None,
                started: Instant::now(),
                ended: None,
            }),
            changed: Condvar::new(),
        });
        let cancel = opts.cancel.clone();
        let spill = Spill {
            shared: Arc::clone(&shared),
            scratch: Arc::clone(&scratch),
            cancel: cancel.clone(),
        };
        let (store, sql, params) = (store.clone(), sql.to_string(), params.to_vec());
        let worker = std::thread::Builder::new()
            .name("ferry-result".to_string())
            .spawn(move || spill.run(&store, &sql, &params, opts))
            .map_err(|e| DataError::Io(format!("Could not start the query: {e}")))?;
        Ok(ResultSet {
            shared,
            scratch,
            cancel,
            worker: Some(worker),
        })
    }

    /// Rows `offset..offset + limit` (limit at most [`MAX_PAGE_ROWS`]). Waits up to 2 s for
    /// rows not yet on disk, then returns what exists: fewer rows (or none) past the end or
    /// while the query is still working.
    pub fn page(&self, offset: u64, limit: usize) -> Result<ResultPage> {
        let end = offset.saturating_add(limit.min(MAX_PAGE_ROWS) as u64);
        let (columns, available, status) = {
            let progress = lock(&self.shared.progress);
            let (progress, _) = self
                .shared
                .changed
                .wait_timeout_while(progress, PAGE_WAIT, |p| {
                    p.state == RunState::Running && p.rows < end
                })
                .unwrap_or_else(|p| p.into_inner());
            (progress.columns.clone(), progress.rows, progress.status())
        };
        let upto = end.min(available);
        let rows = if offset < upto {
            self.read_rows(offset, upto, columns.len())?
        } else {
            Vec::new()
        };
        Ok(ResultPage {
            columns,
            offset,
            rows,
            status,
            pii_hidden: false,
        })
    }

    /// Where the run stands.
    pub fn status(&self) -> RunStatus {
        lock(&self.shared.progress).status()
    }

    /// The result's columns; empty until the query has produced its first rows.
    pub fn columns(&self) -> Vec<ColumnMeta> {
        lock(&self.shared.progress).columns.clone()
    }

    /// Asks the run to stop; rows already on disk stay readable.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    fn read_rows(&self, from: u64, to: u64, width: usize) -> Result<Vec<Vec<Cell>>> {
        let guard = lock(&self.scratch.conn);
        let Some(conn) = guard.as_ref() else {
            return Ok(Vec::new());
        };
        let read = || -> rusqlite::Result<Vec<Vec<Cell>>> {
            let mut stmt = conn
                .prepare_cached("SELECT * FROM rows WHERE pos >= ?1 AND pos < ?2 ORDER BY pos")?;
            let rows = stmt.query_map([from as i64, to as i64], |r| {
                (1..=width)
                    .map(|i| r.get_ref(i).map(Cell::from_sql))
                    .collect()
            })?;
            rows.collect()
        };
        read().map_err(|e| scratch_failed(&self.scratch.path, &e))
    }
}

impl Drop for ResultSet {
    fn drop(&mut self) {
        self.cancel.cancel();
        if let Some(worker) = self.worker.take() {
            // NOTE: cancel reaches SQLite at its next progress check and the spill at its
            // next batch, so this wait is short; the file can only go once the spill is done
            // with it (Windows refuses to delete an open file).
            let _ = worker.join();
        }
        lock(&self.scratch.conn).take();
        let _ = std::fs::remove_file(&self.scratch.path);
    }
}

/// The background side: reads the query and writes its rows to the scratch file.
struct Spill {
    shared: Arc<Shared>,
    scratch: Arc<Scratch>,
    cancel: CancelToken,
}

impl Spill {
    fn run(&self, store: &DataStore, sql: &str, params: &[Cell], opts: QueryOptions) {
        let outcome = store
            .reader(sql, params, opts)
            .and_then(|reader| self.spill(reader));
        let mut progress = lock(&self.shared.progress);
        progress.ended = Some(Instant::now());
        match outcome {
            Ok(()) => progress.state = RunState::Done,
            Err(e) => {
                progress.state = match e {
                    DataError::Cancelled(_) => RunState::Cancelled,
                    _ => RunState::Failed,
                };
                progress.error = Some(RunError::from(&e));
            }
        }
        drop(progress);
        self.shared.changed.notify_all();
    }

    fn spill(&self, mut reader: RowReader) -> Result<()> {
        let width = reader.columns().len();
        self.with_conn(|conn| {
            let cols: String = (0..width).map(|i| format!(", c{i}")).collect();
            // NOTE: no declared types, so SQLite keeps each value exactly as the query gave it.
            conn.execute_batch(&format!(
                "CREATE TABLE rows (pos INTEGER PRIMARY KEY{cols})"
            ))
        })?;
        lock(&self.shared.progress).columns = reader.columns().to_vec();
        self.shared.changed.notify_all();

        let insert = format!(
            "INSERT INTO rows VALUES (?1{})",
            (0..width)
                .map(|i| format!(", ?{}", i + 2))
                .collect::<String>()
        );
        let mut pos: i64 = 0;
        let mut batch = FIRST_BATCH;
        loop {
            if self.cancel.is_cancelled() {
                return Err(DataError::Cancelled(
                    "The query was cancelled before it finished.".to_string(),
                ));
            }
            let Some(rows) = reader.next_page(batch)? else {
                return Ok(());
            };
            let n = rows.len() as u64;
            self.with_conn(|conn| {
                let tx = conn.transaction()?;
                {
                    let mut stmt = tx.prepare_cached(&insert)?;
                    for row in &rows {
                        let at = Cell::Integer(pos);
                        stmt.execute(rusqlite::params_from_iter(
                            std::iter::once(&at).chain(row.iter()),
                        ))?;
                        pos += 1;
                    }
                }
                tx.commit()
            })?;
            lock(&self.shared.progress).rows += n;
            self.shared.changed.notify_all();
            let row_bytes = rows.iter().map(|r| row_bytes(r)).sum::<usize>() / rows.len().max(1);
            batch = (batch * 2)
                .min(MAX_BATCH)
                .min(BATCH_BYTES / row_bytes.max(1))
                .max(FIRST_BATCH);
        }
    }

    fn with_conn<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T> {
        let mut guard = lock(&self.scratch.conn);
        let Some(conn) = guard.as_mut() else {
            return Err(DataError::Cancelled(
                "The query was closed before it finished.".to_string(),
            ));
        };
        f(conn).map_err(|e| scratch_failed(&self.scratch.path, &e))
    }
}

/// Roughly how much memory a row takes.
fn row_bytes(row: &[Cell]) -> usize {
    row.iter()
        .map(|c| match c {
            Cell::Text(s) => 24 + s.len(),
            _ => 24,
        })
        .sum()
}

fn scratch_failed(path: &Path, e: &rusqlite::Error) -> DataError {
    DataError::Io(format!(
        "The scratch file for this result ({}) failed: {e}. Check the free disk space and run the query again.",
        path.display()
    ))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // NOTE: every holder leaves the data consistent between statements; a panic elsewhere
    // must not make the result unreadable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Makes a new, private scratch database in `dir`.
fn scratch_file(dir: &Path) -> Result<(PathBuf, Connection)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let io = |e: std::io::Error| {
        DataError::Io(format!(
            "Could not make a scratch file for the result in {}: {e}",
            dir.display()
        ))
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let path = loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("ferry-result-{}-{n}.sqlite3", std::process::id()));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        match opts.open(&path) {
            Ok(_) => break path,
            // A file left by an earlier run of a process with the same id.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(e)),
        }
    };
    let conn = Connection::open(&path).map_err(|e| scratch_failed(&path, &e))?;
    // NOTE: the file is thrown away after use, so it needs no journal and no syncing.
    conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        .map_err(|e| scratch_failed(&path, &e))?;
    Ok((path, conn))
}

#[cfg(test)]
mod tests;
