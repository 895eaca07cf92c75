//! Inspecting a file before import: its encoding, delimiter and header, and a plan the user
//! adjusts (names, types, PII marks) built from the first rows.

use super::source::{self, Record, RecordReader};
use super::{
    chosen_encoding, infer, open_error, read, read_header, row_text, text_field, ImportPlan,
    ImportProblem, InspectOptions, PlannedColumn, INFER_ROWS, SAMPLE_ROWS,
};
use crate::db::DataStore;
use crate::error::Result;
use crate::schema::{suggests_pii, table_names};
use std::collections::HashMap;
use std::path::Path;

/// Longest text of one value shown in the plan's sample rows.
const SAMPLE_VALUE_CHARS: usize = 200;

/// Reads the top of the CSV file at `path` and suggests how to import it.
pub fn inspect(path: &Path, opts: &InspectOptions, store: &DataStore) -> Result<ImportPlan> {
    let file_bytes = std::fs::metadata(path)
        .map_err(|e| open_error(path, &e))?
        .len();
    let mut head = vec![0u8; source::SNIFF_BYTES];
    let n = std::fs::File::open(path)
        .and_then(|mut f| source::read_up_to(&mut f, &mut head))
        .map_err(|e| open_error(path, &e))?;
    head.truncate(n);
    let complete = (n as u64) >= file_bytes;
    let enc = match &opts.encoding {
        Some(name) => chosen_encoding(name, &head)?,
        None => source::detect_encoding(&head, complete),
    };
    let delimiter = match opts.delimiter {
        Some(d) => {
            source::parse_delimiter(&d.to_string()).ok_or_else(|| super::bad_delimiter(d))?
        }
        None => {
            let all = &head[(enc.bom_len as usize).min(head.len())..];
            let body = &all[..all.len().min(64 * 1024)];
            let text = enc.encoding.decode_without_bom_handling(body).0;
            source::detect_delimiter(text.as_bytes(), complete && body.len() == all.len())
        }
    };
    let mut reader = RecordReader::open(path, enc, delimiter).map_err(|e| open_error(path, &e))?;
    let mut rec = Record::default();
    let header = read_header(&mut reader, &mut rec, path, &enc)?;
    let (names, mut problems) = name_columns(&header);
    let mut votes = vec![infer::Votes::default(); header.len()];
    let (mut sample_rows, mut sampled, mut ragged) = (Vec::new(), 0u64, None);
    while (sampled as usize) < INFER_ROWS && read(&mut reader, &mut rec, path)? {
        sampled += 1;
        let text = row_text(&rec, &enc, "")?;
        if sample_rows.len() < SAMPLE_ROWS {
            sample_rows.push(
                (0..rec.len())
                    .map(|i| sample_value(text_field(&rec, text, i)))
                    .collect(),
            );
        }
        if rec.len() != header.len() {
            ragged.get_or_insert((rec.line(), rec.len()));
            continue;
        }
        for (i, v) in votes.iter_mut().enumerate() {
            if let Some(value) = rec.field(i).and_then(|_| text_field(&rec, text, i)) {
                v.add(value);
            }
        }
    }
    if sampled == 0 {
        problems.push(problem(
            "file",
            "The file has a header row but no rows of data under it.",
        ));
    }
    if let Some((line, found)) = ragged {
        problems.push(problem("file", format!(
            "Line {line} has {found} values where the header has {}: rows like it will be rejected.",
            header.len()
        )));
    }
    let columns = header
        .iter()
        .zip(names)
        .zip(&votes)
        .enumerate()
        .map(|(index, ((header, name), votes))| {
            let (column_type, date_order) = votes.verdict(&name);
            PlannedColumn {
                index,
                header: header.clone(),
                pii: suggests_pii(&name),
                name,
                column_type,
                include: true,
                date_order,
            }
        })
        .collect();
    let conn = store.reader_connection()?;
    let existing_tables = table_names(&conn).map_err(|e| store.fail(e))?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    let suggested = infer::suggest_identifier(&stem, "table");
    Ok(ImportPlan {
        file: path.display().to_string(),
        file_bytes,
        encoding: enc.label(),
        delimiter: (delimiter as char).to_string(),
        suggested_table: if suggested.is_empty() {
            "imported".into()
        } else {
            suggested
        },
        existing_tables,
        columns,
        sample_rows,
        sampled_rows: sampled,
        problems,
    })
}

/// Suggested, distinct column names for the header, and a problem for each header that is
/// empty, repeats an earlier one or has nothing usable in a name.
fn name_columns(header: &[String]) -> (Vec<String>, Vec<ImportProblem>) {
    let (mut names, mut problems) = (Vec::new(), Vec::new());
    let mut taken: HashMap<String, usize> = HashMap::new();
    let mut seen_headers: HashMap<String, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let base = match infer::suggest_identifier(h, "column") {
            s if s.is_empty() => format!("column_{}", i + 1),
            s => s,
        };
        let mut name = base.clone();
        let mut k = 2;
        while taken.contains_key(&name.to_ascii_lowercase()) {
            let suffix = format!("_{k}");
            let mut b = base.clone();
            b.truncate(crate::types::MAX_NAME_LEN - suffix.len());
            name = format!("{b}{suffix}");
            k += 1;
        }
        taken.insert(name.to_ascii_lowercase(), i);
        let field = format!("columns[{i}].name");
        let trimmed = h.trim();
        if trimmed.is_empty() {
            problems.push(problem(
                field,
                format!(
                    "Column {} has no name in the header: give it one (Ferry suggests {name}).",
                    i + 1
                ),
            ));
        } else if let Some(first) = seen_headers.get(&trimmed.to_lowercase()) {
            problems.push(problem(field, format!(
                "Column {} is named \"{trimmed}\" like column {}: rename one of them (Ferry suggests {name}).",
                i + 1,
                first + 1
            )));
        } else if infer::suggest_identifier(h, "column").is_empty() {
            problems.push(problem(field, format!(
                "Column {} is named \"{trimmed}\", which has no letters a column name can use: give it a name in letters a–z (Ferry suggests {name}).",
                i + 1
            )));
        }
        seen_headers.entry(trimmed.to_lowercase()).or_insert(i);
        names.push(name);
    }
    (names, problems)
}

fn problem(field: impl Into<String>, message: impl Into<String>) -> ImportProblem {
    ImportProblem {
        field: field.into(),
        message: message.into(),
    }
}

fn sample_value(v: Option<&str>) -> String {
    let v = v.unwrap_or_default();
    match v.char_indices().nth(SAMPLE_VALUE_CHARS) {
        Some((cut, _)) => format!("{}…", &v[..cut]),
        None => v.to_string(),
    }
}
