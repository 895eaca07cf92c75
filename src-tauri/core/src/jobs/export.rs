//! Rejected rows as CSV, for fixing the data: each row as the source holds it now, followed by
//! what became of it and why. Written while the source is read, so memory stays flat.

use crate::app::App;
use crate::error::{Error, Result};
use crate::ops::rows::{self, RowSource};
use crate::policy::Actor;
use crate::store::job_rows::{self, Entry, RowState};
use crate::store::jobs::JobRow;
use ferry_data::types::PII_MASK;
use ferry_data::Cell;
use std::collections::VecDeque;
use std::time::Duration;

/// Columns added after the source's own.
pub const EXTRA_COLUMNS: [&str; 4] = [
    "ferry_row",
    "ferry_outcome",
    "ferry_error_code",
    "ferry_reason",
];

const STATES: [RowState; 3] = [RowState::Rejected, RowState::Failed, RowState::Invalid];

/// Writes `job`'s rejected, failed and unsent rows to `path`; returns how many.
pub(crate) fn export_rejects(
    app: &App,
    actor: &Actor,
    job: &JobRow,
    path: &std::path::Path,
) -> Result<u64> {
    let source = if job.source_kind == "segment" {
        RowSource::Segment(job.source_id.clone())
    } else {
        RowSource::Query(job.source_id.clone())
    };
    let (_, mut reader) = rows::open_named(app, actor, &source, Duration::from_secs(600))?;
    let hide = actor.restrict_pii();
    if hide {
        reader.hide_pii();
    }
    let conn = app.store().conn()?;
    let mut out = csv::Writer::from_path(path).map_err(|e| {
        Error::field(
            "path",
            format!(
                "{} cannot be written: {e}. Choose another file.",
                path.display()
            ),
        )
    })?;
    let write_err = |e: csv::Error| Error::Io(std::io::Error::other(e.to_string()));
    let mut header: Vec<String> = reader.columns().iter().map(|c| c.name.clone()).collect();
    header.extend(EXTRA_COLUMNS.iter().map(|s| s.to_string()));
    out.write_record(&header).map_err(write_err)?;
    let mut wanted: VecDeque<Entry> = VecDeque::new();
    let (mut after, mut exhausted) = (-1i64, false);
    let (mut idx, mut written) = (0i64, 0u64);
    'read: while let Some(rows) = reader.next_page(256)? {
        for cells in &rows {
            let here = idx;
            idx += 1;
            if wanted.is_empty() && !exhausted {
                let page = job_rows::page(&conn, job.seq, after, 4096, &STATES)?;
                exhausted = page.len() < 4096;
                if let Some(last) = page.last() {
                    after = last.idx;
                }
                wanted.extend(page);
            }
            let Some(next) = wanted.front() else {
                break 'read;
            };
            if next.idx != here {
                continue;
            }
            let mut e = wanted.pop_front().expect("just looked at");
            if hide {
                mask(&mut e, job.key_pii);
            }
            let mut record: Vec<String> = cells.iter().map(text).collect();
            record.push(here.to_string());
            record.push(outcome(e.state).to_string());
            record.push(e.code.unwrap_or_default());
            record.push(e.message.unwrap_or_default());
            out.write_record(&record).map_err(write_err)?;
            written += 1;
        }
        reader.give_back(rows);
    }
    out.flush()?;
    Ok(written)
}

fn outcome(s: RowState) -> &'static str {
    match s {
        RowState::Rejected => "rejected",
        RowState::Failed => "failed",
        RowState::Invalid => "not sent",
        RowState::Delivered => "delivered",
        RowState::InFlight => "in flight",
    }
}

fn text(c: &Cell) -> String {
    match c {
        Cell::Null => String::new(),
        Cell::Integer(n) => n.to_string(),
        Cell::Real(r) => r.to_string(),
        Cell::Text(t) => t.clone(),
    }
}

/// Hides what a receipt may reveal of personal data from a restricted viewer: the key's
/// values when the key is personal data, values Dataverse quoted in its message ('…'), and
/// the mapping's own findings (they quote the row's values).
pub(crate) fn mask(e: &mut Entry, key_pii: bool) {
    if e.state == RowState::Invalid {
        e.message = Some(format!(
            "The mapping found errors in: {}. The details quote the row's values, which are \
             hidden from you.",
            e.code.as_deref().unwrap_or("this row")
        ));
        if key_pii {
            e.row_key = e.row_key.as_deref().map(mask_key);
        }
        return;
    }
    if let Some(m) = &e.message {
        let mut m = mask_quoted(m);
        if key_pii {
            for v in key_values(e.row_key.as_deref().unwrap_or_default()) {
                m = m.replace(&v, PII_MASK);
            }
        }
        e.message = Some(m);
    }
    if key_pii {
        e.row_key = e.row_key.as_deref().map(mask_key);
    }
}

/// `col='v', n=3` → `col=••••, n=••••`.
fn mask_key(key: &str) -> String {
    key.split(", ")
        .map(|part| match part.split_once('=') {
            Some((c, _)) if !c.contains('\'') => format!("{c}={PII_MASK}"),
            _ => PII_MASK.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The values in a key label, unquoted, longest first (so a value is masked whole before a
/// part of it could be).
fn key_values(key: &str) -> Vec<String> {
    let mut v: Vec<String> = key
        .split(", ")
        .filter_map(|p| {
            p.split_once('=')
                .map(|(_, v)| v.trim_matches('\'').replace("''", "'"))
        })
        .filter(|v| v.chars().count() > 1)
        .collect();
    v.sort_by_key(|s| std::cmp::Reverse(s.len()));
    v
}

/// Replaces every '…' quoted in a message.
fn mask_quoted(m: &str) -> String {
    let mut out = String::with_capacity(m.len());
    let mut rest = m;
    while let Some(start) = rest.find('\'') {
        let Some(len) = rest[start + 1..].find('\'') else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push('\'');
        out.push_str(PII_MASK);
        out.push('\'');
        rest = &rest[start + 1 + len + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(state: RowState, key: &str, message: &str) -> Entry {
        Entry {
            state,
            code: Some("0x80040237".into()),
            message: Some(message.into()),
            ..Entry::in_flight(3, 0, Some(key.into()), None)
        }
    }

    #[test]
    fn a_restricted_viewer_sees_no_key_value_or_quoted_value() {
        let mut e = entry(
            RowState::Rejected,
            "emailaddress1='ada@example.com'",
            "A record with emailaddress1 ada@example.com exists; lastname 'Lovelace' is taken.",
        );
        mask(&mut e, true);
        let m = e.message.unwrap();
        assert!(
            !m.contains("ada@example.com") && !m.contains("Lovelace"),
            "{m}"
        );
        assert_eq!(e.row_key.unwrap(), format!("emailaddress1={PII_MASK}"));
    }

    #[test]
    fn a_key_that_is_not_personal_data_stays_readable() {
        let mut e = entry(
            RowState::Rejected,
            "accountnumber='A-1'",
            "No such account.",
        );
        mask(&mut e, false);
        assert_eq!(e.row_key.as_deref(), Some("accountnumber='A-1'"));
        assert_eq!(e.message.as_deref(), Some("No such account."));
    }

    #[test]
    fn mapping_findings_are_replaced_by_the_columns_they_are_about() {
        let mut e = entry(RowState::Invalid, "k='x1'", "'zz' is not a date.");
        e.code = Some("birthdate".into());
        mask(&mut e, false);
        let m = e.message.unwrap();
        assert!(m.contains("birthdate") && !m.contains("zz"), "{m}");
    }
}
