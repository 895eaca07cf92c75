//! The rejects file: every row the import set aside, as the file had it, with its line and
//! the reason, in UTF-8 CSV whatever the source's encoding, so it can be fixed and imported
//! again. It is written as rows are rejected (memory stays bounded however many there are),
//! made only when a first row is rejected, and removed if the import does not complete.

use super::source::{Record, FIELD_CAP};
use super::{RejectedRow, REJECTS_LISTED};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// How much of a value too long to import the rejects file keeps.
const CUT_VALUE_BYTES: usize = 1000;

pub(super) struct Rejects {
    path: PathBuf,
    header: Vec<String>,
    writer: Option<csv::Writer<BufWriter<File>>>,
    pub count: u64,
    pub listed: Vec<RejectedRow>,
    kept: bool,
}

impl Rejects {
    pub fn new(path: &Path, header: Vec<String>) -> Rejects {
        Rejects {
            path: path.to_path_buf(),
            header,
            writer: None,
            count: 0,
            listed: Vec::new(),
            kept: false,
        }
    }

    /// Sets the row aside. `text` is the row's field bytes as text.
    pub fn add(&mut self, rec: &Record, text: &str, reason: String) -> std::io::Result<()> {
        self.count += 1;
        let line = rec.line().to_string();
        let w = match &mut self.writer {
            Some(w) => w,
            None => self.writer.insert(open(&self.path, &self.header)?),
        };
        let width = self.header.len();
        let field = |i: usize| -> String {
            let Some((start, end)) = rec.span(i) else {
                return String::new();
            };
            let whole = text.get(start..end).filter(|_| end - start <= FIELD_CAP);
            match whole {
                Some(v) => v.to_string(),
                None => {
                    let held = text
                        .get(start.min(text.len())..end.min(text.len()))
                        .unwrap_or_default();
                    let mut cut = CUT_VALUE_BYTES.min(held.len());
                    while !held.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    format!("{}… (cut: {} bytes in all)", &held[..cut], end - start)
                }
            }
        };
        // NOTE: line and reason come right after the header's columns, so they line up for
        // every row; a row with more values than the header carries them after the reason.
        let mut row: Vec<String> = (0..width).map(field).collect();
        row.push(line);
        row.push(reason.clone());
        row.extend((width..rec.len()).map(field));
        w.write_record(&row)?;
        if self.listed.len() < REJECTS_LISTED {
            self.listed.push(RejectedRow {
                line: rec.line(),
                reason,
            });
        }
        Ok(())
    }

    /// Flushes the file and keeps it; returns its path when any row was rejected.
    pub fn finish(&mut self) -> std::io::Result<Option<String>> {
        match self.writer.take() {
            Some(mut w) => {
                w.flush()?;
                self.kept = true;
                Ok(Some(self.path.display().to_string()))
            }
            None => Ok(None),
        }
    }
}

impl Drop for Rejects {
    fn drop(&mut self) {
        if !self.kept && self.count > 0 {
            drop(self.writer.take());
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Creates the file readable by its owner only (it holds customer data) and writes the header.
fn open(path: &Path, header: &[String]) -> std::io::Result<csv::Writer<BufWriter<File>>> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let file = opts.open(path)?;
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(BufWriter::new(file));
    let taken = |n: &str| header.iter().any(|h| h.eq_ignore_ascii_case(n));
    let line = if taken("line") {
        "rejected_line"
    } else {
        "line"
    };
    let reason = if taken("reason") {
        "rejected_reason"
    } else {
        "reason"
    };
    let mut row: Vec<&str> = header.iter().map(String::as_str).collect();
    row.push(line);
    row.push(reason);
    w.write_record(&row)?;
    Ok(w)
}
