//! The import itself: one pass over the file, one row in memory at a time, every good row
//! inserted through one prepared statement inside one transaction. Until that transaction
//! commits, readers see the database as it was, and a cancel or a failure rolls it back: the
//! table is exactly as before, and the rejects file is removed.

use super::convert::{convert, short};
use super::rejects::Rejects;
use super::source::{self, Record, RecordReader, FIELD_CAP, RECORD_CAP};
use super::target::{self, Failure};
use super::{
    open_error, read, read_header, row_text, ImportProgress, ImportReport, ImportRequest,
    PlannedColumn,
};
use crate::db::DataStore;
use crate::error::{DataError, Problem, Result};
use crate::types::{identifier_problem, CancelToken, ColumnType};
use rusqlite::TransactionBehavior;
use std::path::Path;
use std::time::Instant;

/// SQLite's limit on a table's columns.
const MAX_COLUMNS: usize = 2000;
/// Progress is reported after this many rows or bytes, whichever comes first.
const PROGRESS_ROWS: u64 = 10_000;
const PROGRESS_BYTES: u64 = 64 * 1024;
/// The cancel flag is looked at every this many rows (and at every progress report).
const CANCEL_ROWS: u64 = 256;

impl DataStore {
    /// Imports the CSV file `req.path` into `req.table` as the user planned it. Rejected rows
    /// go to a CSV file at `rejects_path` (made only if a row is rejected). `progress` is
    /// called as rows go in; `cancel` stops the import with [`DataError::Cancelled`]. Whatever
    /// ends the import early, the table is left exactly as it was.
    pub fn import(
        &self,
        req: &ImportRequest,
        rejects_path: &Path,
        cancel: &CancelToken,
        progress: &mut dyn FnMut(&ImportProgress),
    ) -> Result<ImportReport> {
        let started = Instant::now();
        let path = Path::new(&req.path);
        let total_bytes = std::fs::metadata(path)
            .map_err(|e| open_error(path, &e))?
            .len();
        let enc = request_encoding(req, path)?;
        let delimiter = source::parse_delimiter(&req.delimiter)
            .ok_or_else(|| super::bad_delimiter(&req.delimiter))?;
        let mut reader =
            RecordReader::open(path, enc, delimiter).map_err(|e| open_error(path, &e))?;
        let mut rec = Record::default();
        let header = read_header(&mut reader, &mut rec, path, &enc)?;
        let columns = check_columns(req, header.len())?;

        let mut conn = self.writer();
        // NOTE: a big import leaves a WAL file as large as the data it wrote; this lets the
        // checkpoint after the commit shrink it back. Durability is unchanged.
        conn.execute_batch("PRAGMA journal_size_limit = 67108864")
            .map_err(|e| self.fail(e))?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.fail(e))?;
        let target = target::prepare(&tx, req, &columns).map_err(|f| match f {
            Failure::Invalid(e) => e,
            Failure::Sql(e) => self.fail(e),
        })?;
        let mut insert = tx.prepare(&target.insert_sql()).map_err(|e| self.fail(e))?;
        let mut rejects = Rejects::new(rejects_path, header.clone());
        let mut state = ImportProgress {
            total_bytes,
            ..ImportProgress::default()
        };
        let (mut reported_rows, mut reported_bytes) = (0u64, 0u64);
        let mut scratch = String::new();
        let kinds: Vec<(usize, ColumnType, super::DateOrder, &str)> = columns
            .iter()
            .map(|(_, c)| (c.index, c.column_type, c.date_order, c.name.as_str()))
            .collect();

        while read(&mut reader, &mut rec, path)? {
            let text = row_text(&rec, &enc, " Nothing was imported.")?;
            let mut problem = shape_problem(&rec, header.len(), &header);
            if problem.is_none() {
                for (k, &(index, kind, order, name)) in kinds.iter().enumerate() {
                    let raw = super::text_field(&rec, text, index).unwrap_or_default();
                    match convert(raw, kind, order, &mut scratch) {
                        Ok(v) => insert
                            .raw_bind_parameter(k + 1, v)
                            .map_err(|e| self.fail(e))?,
                        Err(why) => {
                            problem = Some(format!("{name} (column {}): {why}.", index + 1));
                            break;
                        }
                    }
                }
            }
            match problem {
                None => {
                    insert.raw_execute().map_err(|e| self.fail(e))?;
                    state.rows_imported += 1;
                }
                Some(reason) if req.all_or_nothing => {
                    return Err(DataError::field(
                        "file",
                        format!(
                            "Line {}: {reason} Nothing was imported, as you asked for all or nothing: fix that row and import again, or import without all or nothing to keep the good rows and get the bad ones in a rejects file.",
                            rec.line()
                        ),
                    ));
                }
                Some(reason) => {
                    rejects.add(&rec, text, reason).map_err(|e| {
                        DataError::Io(format!(
                            "Ferry could not write the rejects file {}: {e}. Nothing was imported.",
                            rejects_path.display()
                        ))
                    })?;
                    state.rows_rejected += 1;
                }
            }
            let rows = state.rows_imported + state.rows_rejected;
            state.bytes_read = reader.bytes_read();
            if rows - reported_rows >= PROGRESS_ROWS
                || state.bytes_read - reported_bytes >= PROGRESS_BYTES
            {
                (reported_rows, reported_bytes) = (rows, state.bytes_read);
                progress(&state);
                check_cancel(cancel)?;
            } else if rows.is_multiple_of(CANCEL_ROWS) {
                check_cancel(cancel)?;
            }
        }
        check_cancel(cancel)?;
        drop(insert);
        target.finish(&tx).map_err(|e| self.fail(e))?;
        let rejects_file = rejects.finish().map_err(|e| {
            DataError::Io(format!(
                "Ferry could not write the rejects file {}: {e}. Nothing was imported.",
                rejects_path.display()
            ))
        })?;
        tx.commit().map_err(|e| self.fail(e))?;
        state.bytes_read = total_bytes;
        progress(&state);
        Ok(ImportReport {
            table: target.table,
            rows_imported: state.rows_imported,
            rows_rejected: state.rows_rejected,
            rejects: std::mem::take(&mut rejects.listed),
            rejects_file,
            elapsed_ms: started.elapsed().as_millis() as u64,
        })
    }
}

fn check_cancel(cancel: &CancelToken) -> Result<()> {
    if cancel.is_cancelled() {
        Err(DataError::Cancelled(
            "The import was cancelled: nothing was imported and the table is as it was.".into(),
        ))
    } else {
        Ok(())
    }
}

/// The encoding named in the request, with the file's byte order mark if it has one.
fn request_encoding(req: &ImportRequest, path: &Path) -> Result<source::FileEncoding> {
    let mut head = [0u8; 3];
    let n = std::fs::File::open(path)
        .and_then(|mut f| source::read_up_to(&mut f, &mut head))
        .map_err(|e| open_error(path, &e))?;
    super::chosen_encoding(&req.encoding, &head[..n])
}

/// Why a row cannot be imported whatever its values: its number of fields, or its size.
fn shape_problem(rec: &Record, width: usize, header: &[String]) -> Option<String> {
    if rec.len() != width {
        let hint = if rec.len() > width {
            "a value that contains the delimiter needs quotes around it"
        } else {
            "an empty value still needs its delimiter"
        };
        return Some(format!(
            "This row has {} values but the header has {width}: {hint}.",
            rec.len()
        ));
    }
    if let Some((i, len)) = rec.oversized_field() {
        let name = header.get(i).map(|h| short(h)).unwrap_or_default();
        return Some(format!(
            "Value {} ({name}) is {}, more than the {} Ferry takes for one value: shorten it. A value this long is often a quote (\") that is never closed.",
            i + 1,
            size_words(len as u64),
            size_words(FIELD_CAP as u64)
        ));
    }
    if !rec.is_whole() {
        return Some(format!(
            "This row is {}, more than the {} Ferry takes for one row: split it or shorten its values.",
            size_words(rec.total_bytes() as u64),
            size_words(RECORD_CAP as u64)
        ));
    }
    None
}

/// A size as a person reads it: "10.0 MiB", "512 bytes".
pub(super) fn size_words(n: u64) -> String {
    const KIB: u64 = 1024;
    match n {
        n if n >= KIB * KIB => format!("{:.1} MiB", n as f64 / (KIB * KIB) as f64),
        n if n >= KIB => format!("{:.1} KiB", n as f64 / KIB as f64),
        n => format!("{n} bytes"),
    }
}

/// The included columns with their position in the request, after checking that each points
/// at a column of the file, has a usable and distinct name, and has a type.
fn check_columns(req: &ImportRequest, width: usize) -> Result<Vec<(usize, &PlannedColumn)>> {
    let mut problems = Vec::new();
    let included: Vec<(usize, &PlannedColumn)> = req
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.include)
        .collect();
    if included.is_empty() {
        problems.push(Problem::new(
            "columns",
            "Include at least one column of the file.",
        ));
    }
    if included.len() > MAX_COLUMNS {
        problems.push(Problem::new(
            "columns",
            format!(
                "The file has {} columns and a table can have at most {MAX_COLUMNS}: leave some out.",
                included.len()
            ),
        ));
    }
    let append = req.mode == super::ImportMode::Append;
    for (n, &(i, c)) in included.iter().enumerate() {
        if c.index >= width {
            problems.push(Problem::new(
                format!("columns[{i}].index"),
                format!(
                    "Column {} points at column {} of the file, which has only {width}: inspect the file again.",
                    i + 1,
                    c.index + 1
                ),
            ));
        }
        if let Some((j, _)) = included[..n].iter().find(|(_, o)| o.index == c.index) {
            problems.push(Problem::new(
                format!("columns[{i}].index"),
                format!(
                    "Columns {} and {} both take column {} of the file: keep one.",
                    j + 1,
                    i + 1,
                    c.index + 1
                ),
            ));
        }
        let name_problem = if append {
            None
        } else {
            identifier_problem(&c.name, "column")
        };
        if let Some(p) = name_problem {
            problems.push(Problem::new(format!("columns[{i}].name"), p));
        } else if let Some((j, _)) = included[..n]
            .iter()
            .find(|(_, o)| o.name.eq_ignore_ascii_case(&c.name))
        {
            problems.push(Problem::new(
                format!("columns[{i}].name"),
                format!(
                    "Columns {} and {} are both named {}: rename one of them.",
                    j + 1,
                    i + 1,
                    c.name
                ),
            ));
        }
        if c.column_type == ColumnType::Unknown {
            problems.push(Problem::new(
                format!("columns[{i}].type"),
                format!("Choose a type for {}.", c.name),
            ));
        }
    }
    if problems.is_empty() {
        Ok(included)
    } else {
        Err(DataError::Invalid(problems))
    }
}
