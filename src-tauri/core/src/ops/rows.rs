//! The one way later work reads customer rows: given a saved query or a segment, a reader that
//! yields its rows page by page, each column typed and carrying its PII mark. Data templates,
//! previews and send jobs read through this and nothing else, so the read-only door, the time
//! limit and (with users) the PII rules apply to every row that leaves the customer database.

use crate::app::App;
use crate::error::Result;
use crate::policy::{self, Action, Actor};
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

/// A reader over the source's rows (see [`RowReader::next_page`]). `time_limit` bounds the
/// time SQLite spends producing rows, not the time the caller spends using them.
pub fn open(
    app: &App,
    actor: &Actor,
    source: &RowSource,
    time_limit: Duration,
) -> Result<RowReader> {
    let opts = QueryOptions::with_time_limit(time_limit);
    match source {
        RowSource::Query(key) => {
            policy::check(actor, Action::RunQueries)?;
            let q = super::queries::get(app, actor, key)?;
            Ok(app.data()?.reader(&q.sql, &[], opts)?)
        }
        RowSource::Segment(key) => {
            policy::check(actor, Action::ReadSegments)?;
            let s = super::segments::get(app, actor, key)?;
            let data = app.data()?;
            let compiled = data.compile_segment_on(&s.definition, &app.today().to_string())?;
            Ok(data.reader(&compiled.sql, &compiled.params, opts)?)
        }
    }
}
