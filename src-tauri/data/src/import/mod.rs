//! CSV import: [`inspect`] reads the top of a file and suggests a plan (encoding, delimiter,
//! column names and types, PII marks); the user adjusts it; [`DataStore::import`] then streams
//! the whole file into a table in one transaction, with bad rows set aside in a rejects file.
//!
//! - `plan`: [`inspect`], the plan from the top of the file.
//! - `source`: the file as records, any encoding, bounded memory.
//! - `infer`: suggested names and types (the rules are written there).
//! - `convert`: one value to what its column stores, or why it does not fit.
//! - `run`: the import itself; `target`: the table it fills; `rejects`: the rejects file.

mod convert;
mod infer;
mod plan;
mod rejects;
mod run;
mod source;
mod target;

use crate::error::{DataError, Result};
use crate::types::ColumnType;
use serde::{Deserialize, Serialize};
use source::{FileEncoding, Record, RecordReader};
use std::path::Path;

pub(crate) use infer::suggest_identifier;
pub use plan::inspect;
pub use source::{FIELD_CAP, RECORD_CAP};

/// How many data rows the plan's type inference reads.
pub const INFER_ROWS: usize = 1000;
/// How many data rows the plan shows.
pub const SAMPLE_ROWS: usize = 20;

/// What the user already knows about a file; `None` means Ferry detects it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct InspectOptions {
    #[ts(optional = nullable)]
    pub delimiter: Option<char>,
    /// "UTF-8", "UTF-8 (BOM)", "UTF-16LE", "UTF-16BE", "Windows-1252" or another WHATWG label.
    #[ts(optional = nullable)]
    pub encoding: Option<String>,
}

/// The order of day, month and year in a date column's values. Year-first (ISO) dates are
/// read whatever the order says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum DateOrder {
    /// `2024-01-31`.
    #[default]
    Ymd,
    /// `31/01/2024`, `31.01.2024`.
    Dmy,
    /// `01/31/2024`.
    Mdy,
}

impl DateOrder {
    /// The form of a date in this order, for messages.
    pub fn pattern(self) -> &'static str {
        match self {
            DateOrder::Ymd => {
                "YYYY-MM-DD (for day-first or month-first dates, choose that date order)"
            }
            DateOrder::Dmy => "DD/MM/YYYY or YYYY-MM-DD",
            DateOrder::Mdy => "MM/DD/YYYY or YYYY-MM-DD",
        }
    }
}

/// One column of the file as the import will create it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PlannedColumn {
    /// Position of the column in the file, from 0.
    pub index: usize,
    /// The header text as the file has it.
    pub header: String,
    /// The table column's name: a suggested identifier the user can change.
    pub name: String,
    #[serde(rename = "type")]
    #[ts(rename = "type")]
    pub column_type: ColumnType,
    /// Whether the column is marked as personal data (suggested from the name).
    pub pii: bool,
    /// Whether the column is imported at all.
    pub include: bool,
    /// For a date column: how its values order day, month and year.
    #[serde(default)]
    pub date_order: DateOrder,
}

/// One thing in the file the user should look at before importing, named as the UI names
/// the field it concerns (`columns[2].name`, `file`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ImportProblem {
    pub field: String,
    pub message: String,
}

/// What [`inspect`] found in a file and suggests for its import.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ImportPlan {
    pub file: String,
    pub file_bytes: u64,
    pub encoding: String,
    pub delimiter: String,
    pub suggested_table: String,
    pub existing_tables: Vec<String>,
    pub columns: Vec<PlannedColumn>,
    /// The first data rows, as text.
    pub sample_rows: Vec<Vec<String>>,
    /// How many data rows the suggested types were read from.
    pub sampled_rows: u64,
    pub problems: Vec<ImportProblem>,
}

/// Whether the import makes a new table, adds to one, or replaces one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ImportMode {
    Create,
    Append,
    Replace,
}

/// The plan as the user confirmed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ImportRequest {
    pub path: String,
    pub table: String,
    pub mode: ImportMode,
    pub encoding: String,
    pub delimiter: String,
    pub columns: Vec<PlannedColumn>,
    /// One bad row stops the import and nothing changes.
    #[serde(default)]
    pub all_or_nothing: bool,
}

/// How far an import has come.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ImportProgress {
    pub rows_imported: u64,
    pub rows_rejected: u64,
    pub bytes_read: u64,
    pub total_bytes: u64,
}

/// A row the import set aside, with the line of the file it starts on (from 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RejectedRow {
    pub line: u64,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ImportReport {
    pub table: String,
    pub rows_imported: u64,
    pub rows_rejected: u64,
    /// The first [`REJECTS_LISTED`] rejected rows.
    pub rejects: Vec<RejectedRow>,
    /// The CSV file with every rejected row, its line and the reason, when any was rejected.
    pub rejects_file: Option<String>,
    pub elapsed_ms: u64,
}

/// How many rejected rows the report lists (the rejects file has them all).
pub const REJECTS_LISTED: usize = 100;

/// The encoding the user chose, with the file's byte order mark if it has the matching one.
fn chosen_encoding(name: &str, head: &[u8]) -> Result<FileEncoding> {
    let encoding = source::parse_encoding(name).ok_or_else(|| {
        DataError::field(
            "encoding",
            format!("Ferry does not know the encoding \"{name}\": choose UTF-8, UTF-16LE, UTF-16BE or Windows-1252."),
        )
    })?;
    let bom_len = match source::bom(head) {
        Some(b) if b.encoding == encoding => b.bom_len,
        _ => 0,
    };
    Ok(FileEncoding { encoding, bom_len })
}

fn bad_delimiter(d: impl std::fmt::Display) -> DataError {
    DataError::field(
        "delimiter",
        format!("\"{d}\" cannot separate values: choose a comma, semicolon, tab or pipe (|)."),
    )
}

fn open_error(path: &Path, e: &std::io::Error) -> DataError {
    DataError::Io(format!(
        "Ferry could not read {}: {e}. Check that the file exists and that you may read it.",
        path.display()
    ))
}

/// Reads the next record, naming the file when reading fails.
fn read(reader: &mut RecordReader, rec: &mut Record, path: &Path) -> Result<bool> {
    reader.read(rec).map_err(|e| open_error(path, &e))
}

/// Reads the header row as text.
fn read_header(
    reader: &mut RecordReader,
    rec: &mut Record,
    path: &Path,
    enc: &FileEncoding,
) -> Result<Vec<String>> {
    if !read(reader, rec, path)? {
        return Err(DataError::field(
            "file",
            format!(
                "{} is empty: choose a CSV file with a header row and rows of data.",
                path.display()
            ),
        ));
    }
    let text = row_text(rec, enc, "")?;
    Ok((0..rec.len())
        .map(|i| text_field(rec, text, i).unwrap_or_default().to_string())
        .collect())
}

/// The row's field bytes as text; invalid UTF-8 stops everything with where and what to do
/// (`then` says what became of the import).
fn row_text<'r>(rec: &'r Record, enc: &FileEncoding, then: &str) -> Result<&'r str> {
    let data = rec.data();
    match std::str::from_utf8(data) {
        Ok(t) => Ok(t),
        // A character cut where Ferry stopped holding an over-long row is not the file's fault.
        Err(e) if e.error_len().is_none() && !rec.is_whole() => {
            Ok(std::str::from_utf8(&data[..e.valid_up_to()]).unwrap_or_default())
        }
        Err(e) => {
            let at = e.valid_up_to();
            let line = rec.line() + data[..at].iter().filter(|b| **b == b'\n').count() as u64;
            let byte = data[at];
            Err(DataError::field(
                "encoding",
                format!(
                    "Line {line} is not valid {}: it has the byte 0x{byte:02X}. The file is probably Windows-1252 (what Excel writes on Windows): choose that encoding and import again.{then}",
                    enc.label()
                ),
            ))
        }
    }
}

/// Field `i` of a row whose text is `text`, if held.
fn text_field<'t>(rec: &Record, text: &'t str, i: usize) -> Option<&'t str> {
    let (start, end) = rec.span(i)?;
    text.get(start..end)
}
