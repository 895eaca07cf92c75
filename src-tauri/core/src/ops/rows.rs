//! The one way later work reads customer rows: given a saved query or a segment, a reader that
//! yields its rows page by page, each column typed and carrying its PII mark. Data templates,
//! previews and send jobs read through this and nothing else, so the read-only door, the time
//! limit and (with users) the PII rules apply to every row that leaves the customer database.

use super::common::allow;
use crate::app::App;
use crate::error::Result;
use crate::policy::{Action, Actor};
use ferry_data::query::{QueryOptions, RowReader};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Where rows come from: a saved query or a saved segment, by id or name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", tag = "kind", content = "id")]
#[ts(export)]
pub enum RowSource {
    Query(String),
    Segment(String),
}

/// A reader over the source's rows for a person to look at (the CLI's `query run` and
/// `segment rows`): personal data masked for users with Restrict PII access, and the read
/// recorded in the activity log, with the PII columns it showed.
pub fn open_for_view(
    app: &App,
    actor: &Actor,
    source: &RowSource,
    time_limit: Duration,
) -> Result<RowReader> {
    let (target, sql, mut reader) = open_with_sql(app, actor, source, time_limit)?;
    if actor.restrict_pii() {
        reader.hide_pii();
    }
    let reader = Ok(reader);
    let action = match source {
        RowSource::Query(_) => "query.run",
        RowSource::Segment(_) => "segment.rows",
    };
    super::queries::record_run(app, actor, action, &target, &sql, &reader);
    reader
}

/// A reader over the source's rows (see [`RowReader::next_page`]), values as stored: for work
/// that sends them on, never for showing them (see [`open_for_view`]). `time_limit` bounds
/// the time SQLite spends producing rows, not the time the caller spends using them.
pub fn open(
    app: &App,
    actor: &Actor,
    source: &RowSource,
    time_limit: Duration,
) -> Result<RowReader> {
    open_with_sql(app, actor, source, time_limit).map(|(_, _, r)| r)
}

/// [`open`], with the source's name (for records that outlive a rename).
pub(crate) fn open_named(
    app: &App,
    actor: &Actor,
    source: &RowSource,
    time_limit: Duration,
) -> Result<(String, RowReader)> {
    open_with_sql(app, actor, source, time_limit).map(|(name, _, r)| (name, r))
}

/// The reader, with the source's name and the SQL it runs.
fn open_with_sql(
    app: &App,
    actor: &Actor,
    source: &RowSource,
    time_limit: Duration,
) -> Result<(String, String, RowReader)> {
    let opts = QueryOptions::with_time_limit(time_limit);
    match source {
        RowSource::Query(key) => {
            allow(app, actor, Action::RunQueries)?;
            let q = super::queries::get(app, actor, key)?;
            let reader = app.data()?.reader(&q.sql, &[], opts)?;
            Ok((q.name, q.sql, reader))
        }
        RowSource::Segment(key) => {
            allow(app, actor, Action::ReadSegments)?;
            let s = super::segments::get(app, actor, key)?;
            let data = app.data()?;
            let compiled = data.compile_segment_on(&s.definition, &app.today().to_string())?;
            let reader = data.reader(&compiled.sql, &compiled.params, opts)?;
            Ok((s.name, compiled.sql, reader))
        }
    }
}

/// How many rows the source has now, e.g. for the records a delete template would remove.
/// Counted by SQLite over the source's own SQL, so no row is read into memory.
pub fn count(app: &App, actor: &Actor, source: &RowSource, time_limit: Duration) -> Result<u64> {
    let opts = QueryOptions::with_time_limit(time_limit);
    let (sql, params) = match source {
        RowSource::Query(key) => {
            allow(app, actor, Action::RunQueries)?;
            (super::queries::get(app, actor, key)?.sql, Vec::new())
        }
        RowSource::Segment(key) => {
            allow(app, actor, Action::ReadSegments)?;
            let s = super::segments::get(app, actor, key)?;
            let compiled = app
                .data()?
                .compile_segment_on(&s.definition, &app.today().to_string())?;
            (compiled.sql, compiled.params)
        }
    };
    // NOTE: on lines of their own, so a comment closing the source's SQL stays a comment.
    let sql = format!(
        "SELECT count(*) FROM (\n{}\n)",
        sql.trim().trim_end_matches(';')
    );
    let mut reader = app.data()?.reader(&sql, &params, opts)?;
    let n = match reader.next_page(1)?.and_then(|p| p.into_iter().next()) {
        Some(row) => match row.first() {
            Some(ferry_data::Cell::Integer(n)) => u64::try_from(*n).unwrap_or(0),
            _ => 0,
        },
        None => 0,
    };
    Ok(n)
}
