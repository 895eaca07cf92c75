//! The activity log: what was done, by whom, when, with what outcome. Operations record into
//! it ([`Event`], [`record_in`], [`record`]); administrators read, export and verify it.
//! Nothing here or anywhere else edits or deletes an entry (see `store::activity`).
//!
//! Secrets never enter it: credential events carry names, client IDs and expiry dates only.
//! SQL text does (so a reviewer sees what ran), cut to [`SQL_LIMIT`] characters.

use super::common::allow;
use crate::app::App;
use crate::date::Date;
use crate::error::{Error, Result};
use crate::policy::{Action, Actor};
use crate::store::activity::{self as table, ChainProblem, EntryRow, Filter, NewEntry};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::io::Write;

/// How much of a query's SQL an entry keeps.
pub const SQL_LIMIT: usize = 2000;

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Outcome {
    Ok,
    Failed,
    Refused,
    Cancelled,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Refused => "refused",
            Outcome::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> Outcome {
        match s {
            "failed" => Outcome::Failed,
            "refused" => Outcome::Refused,
            "cancelled" => Outcome::Cancelled,
            _ => Outcome::Ok,
        }
    }

    /// The outcome of a finished operation.
    pub fn of<T>(r: &Result<T>) -> Outcome {
        match r {
            Ok(_) => Outcome::Ok,
            Err(e) => Outcome::of_error(e),
        }
    }

    /// The outcome an error stands for.
    pub fn of_error(e: &Error) -> Outcome {
        match e.code() {
            crate::error::ErrorCode::Forbidden => Outcome::Refused,
            crate::error::ErrorCode::Cancelled => Outcome::Cancelled,
            _ => Outcome::Failed,
        }
    }
}

/// One thing to record. `kind` is the area (what the Activity tab filters on), `action` the
/// exact operation.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub kind: &'static str,
    pub action: &'static str,
    pub target: String,
    pub outcome: Outcome,
    pub reveals_pii: bool,
    pub summary: String,
    pub details: Value,
}

impl Event {
    pub fn new(kind: &'static str, action: &'static str, target: &str, summary: String) -> Event {
        Event {
            kind,
            action,
            target: target.to_string(),
            outcome: Outcome::Ok,
            reveals_pii: false,
            summary,
            details: json!({}),
        }
    }

    pub fn outcome(mut self, o: Outcome) -> Event {
        self.outcome = o;
        self
    }

    pub fn details(mut self, d: Value) -> Event {
        self.details = d;
        self
    }

    pub fn reveals_pii(mut self, yes: bool) -> Event {
        self.reveals_pii = yes;
        self
    }

    /// The outcome of `r`, with its error in the details when it failed.
    pub fn result<T>(self, r: &Result<T>) -> Event {
        match r {
            Ok(_) => self,
            Err(e) => self.outcome(Outcome::of_error(e)).error(e),
        }
    }

    /// Adds the error's code and message to the details, for a failed attempt.
    pub fn error(mut self, e: &Error) -> Event {
        if let Value::Object(map) = &mut self.details {
            map.insert(
                "error".into(),
                json!({"code": e.code(), "message": e.to_string()}),
            );
        }
        self
    }
}

/// The areas entries belong to.
pub mod kind {
    pub const CONFIG: &str = "config";
    pub const USERS: &str = "users";
    pub const SESSION: &str = "session";
    pub const DATA: &str = "data";
    pub const QUERY: &str = "query";
    pub const SEGMENT: &str = "segment";
    pub const CONNECTION: &str = "connection";
    pub const ACCESS: &str = "access";
    pub const ACTIVITY: &str = "activity";
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn entry(actor: &Actor, ev: Event) -> NewEntry {
    NewEntry {
        user_id: actor.id().to_string(),
        user_name: actor.name().to_string(),
        kind: ev.kind.to_string(),
        action: ev.action.to_string(),
        target: ev.target,
        outcome: ev.outcome.as_str().to_string(),
        reveals_pii: ev.reveals_pii,
        summary: ev.summary,
        details: ev.details.to_string(),
    }
}

/// Records `ev` in the caller's transaction: the entry is kept exactly when the change is.
pub(crate) fn record_in(conn: &rusqlite::Connection, actor: &Actor, ev: Event) -> Result<()> {
    table::append(conn, now_ms(), entry(actor, ev))?;
    Ok(())
}

/// Records `ev` in a transaction of its own, for things that change no settings (a query run,
/// a view, a refusal).
///
/// NOTE: best effort: a settings database that cannot be written (read-only folder, damaged
/// file) must not stop people reading their data, and the app already says why it is
/// read-only. Everything else is recorded.
pub(crate) fn record(app: &App, actor: &Actor, ev: Event) {
    let _ = app.store().with_tx(|tx| record_in(tx, actor, ev));
}

/// Records a refusal (see [`super::common::allow`]).
pub(crate) fn record_refusal(app: &App, actor: &Actor, action: Action, e: &Error) {
    record(
        app,
        actor,
        Event::new(
            kind::ACCESS,
            "access.refused",
            "",
            format!("Refused: {}", action.describe()),
        )
        .outcome(Outcome::Refused)
        .details(json!({ "message": e.to_string() })),
    );
}

/// The fields that differ between two flat JSON objects, as `{field: {before, after}}`.
pub(crate) fn changes(before: &Value, after: &Value) -> Value {
    let mut out = serde_json::Map::new();
    if let (Value::Object(b), Value::Object(a)) = (before, after) {
        for (k, av) in a {
            let bv = b.get(k).unwrap_or(&Value::Null);
            if bv != av {
                out.insert(k.clone(), json!({"before": bv, "after": av}));
            }
        }
    }
    Value::Object(out)
}

/// SQL as an entry keeps it.
pub(crate) fn sql_for_log(sql: &str) -> String {
    let sql = sql.trim();
    if sql.chars().count() <= SQL_LIMIT {
        sql.to_string()
    } else {
        let cut: String = sql.chars().take(SQL_LIMIT).collect();
        format!("{cut}…")
    }
}

/// An entry as the Activity tab and the CLI show it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ActivityEntry {
    pub seq: i64,
    /// Unix milliseconds.
    pub at_ms: i64,
    pub user_id: String,
    pub user_name: String,
    pub kind: String,
    pub action: String,
    pub target: String,
    pub outcome: Outcome,
    pub reveals_pii: bool,
    pub summary: String,
    #[ts(type = "Record<string, unknown>")]
    pub details: Value,
    pub hash: String,
}

impl From<EntryRow> for ActivityEntry {
    fn from(r: EntryRow) -> Self {
        ActivityEntry {
            seq: r.seq,
            at_ms: r.at_ms,
            user_id: r.user_id,
            user_name: r.user_name,
            kind: r.kind,
            action: r.action,
            target: r.target,
            outcome: Outcome::parse(&r.outcome),
            reveals_pii: r.reveals_pii,
            summary: r.summary,
            details: serde_json::from_str(&r.details).unwrap_or(Value::Null),
            hash: r.hash,
        }
    }
}

/// Which entries to show. Dates are `YYYY-MM-DD`, in UTC, both inclusive.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct ActivityQuery {
    pub user: Option<String>,
    pub kind: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub reveals_pii: bool,
}

const DAY_MS: i64 = 86_400_000;

fn day(field: &str, raw: &str) -> Result<i64> {
    Date::parse(raw.trim())
        .map(|d| d.to_days() * DAY_MS)
        .ok_or_else(|| {
            Error::field(
                field,
                format!("Enter the date as YYYY-MM-DD, e.g. 2026-11-30 (not \"{raw}\")."),
            )
        })
}

fn blank_to_none(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

impl ActivityQuery {
    fn filter(&self) -> Result<Filter> {
        let since_ms = blank_to_none(&self.since)
            .map(|s| day("since", &s))
            .transpose()?;
        let until_ms = blank_to_none(&self.until)
            .map(|s| day("until", &s).map(|d| d + DAY_MS))
            .transpose()?;
        if let (Some(s), Some(u)) = (since_ms, until_ms) {
            if u <= s {
                return Err(Error::field(
                    "until",
                    "Choose an end date on or after the start date.",
                ));
            }
        }
        Ok(Filter {
            user: blank_to_none(&self.user),
            kind: blank_to_none(&self.kind),
            since_ms,
            until_ms,
            reveals_pii: self.reveals_pii,
        })
    }
}

/// A page of the log, newest first, with what the filters can offer.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ActivityPage {
    pub entries: Vec<ActivityEntry>,
    pub offset: i64,
    /// How many entries match the filter.
    pub total: i64,
    /// Every user name and kind in the log, for the filter pickers.
    pub users: Vec<String>,
    pub kinds: Vec<String>,
}

/// The most entries one page carries.
pub const MAX_PAGE: i64 = 500;

/// Entries `offset..offset + limit` (newest first) of those matching `query`.
pub fn list(
    app: &App,
    actor: &Actor,
    query: &ActivityQuery,
    offset: i64,
    limit: i64,
) -> Result<ActivityPage> {
    allow(app, actor, Action::ReadActivity)?;
    let filter = query.filter()?;
    app.store().read(|conn| {
        let (users, kinds) = table::facets(conn)?;
        Ok(ActivityPage {
            entries: table::list(conn, &filter, offset.max(0), limit.clamp(0, MAX_PAGE))?
                .into_iter()
                .map(ActivityEntry::from)
                .collect(),
            offset: offset.max(0),
            total: table::count(conn, &filter)?,
            users,
            kinds,
        })
    })
}

/// Writes the matching entries as CSV (oldest first, one header row) and records the export.
/// Returns how many entries were written.
pub fn export_csv(
    app: &App,
    actor: &Actor,
    query: &ActivityQuery,
    out: &mut dyn Write,
) -> Result<u64> {
    allow(app, actor, Action::ReadActivity)?;
    let filter = query.filter()?;
    let mut w = csv::Writer::from_writer(out);
    let csv_err = |e: csv::Error| Error::Io(std::io::Error::other(e.to_string()));
    w.write_record([
        "seq",
        "time_utc",
        "user",
        "kind",
        "action",
        "target",
        "outcome",
        "reveals_pii",
        "summary",
        "details",
        "hash",
    ])
    .map_err(csv_err)?;
    let mut n = 0u64;
    app.store().read(|conn| {
        table::for_each(conn, &filter, |e| {
            n += 1;
            w.write_record([
                e.seq.to_string(),
                time_text(e.at_ms),
                e.user_name,
                e.kind,
                e.action,
                e.target,
                e.outcome,
                if e.reveals_pii { "yes" } else { "no" }.to_string(),
                e.summary,
                e.details,
                e.hash,
            ])
            .map_err(csv_err)
        })
    })?;
    w.flush()?;
    record(
        app,
        actor,
        Event::new(
            kind::ACTIVITY,
            "activity.export",
            "",
            format!("Exported {n} activity entries as CSV"),
        ),
    );
    Ok(n)
}

/// `YYYY-MM-DD HH:MM:SS` in UTC.
pub fn time_text(at_ms: i64) -> String {
    let secs = at_ms.div_euclid(1000);
    let date = Date::from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{date} {:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

/// What walking the chain found.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct VerifyReport {
    pub entries: i64,
    pub intact: bool,
    /// The first problems found (at most 100).
    pub problems: Vec<ChainProblem>,
}

/// Checks every entry against its hash and its predecessor, and the end of the log against
/// the recorded head.
pub fn verify(app: &App, actor: &Actor) -> Result<VerifyReport> {
    allow(app, actor, Action::ReadActivity)?;
    let (entries, problems) = app.store().read(|conn| {
        // NOTE: one read transaction, so an entry appended while the chain is walked cannot
        // make its end differ from the recorded head.
        let tx = conn.unchecked_transaction()?;
        let found = table::verify(&tx, 100)?;
        tx.commit()?;
        Ok(found)
    })?;
    Ok(VerifyReport {
        entries,
        intact: problems.is_empty(),
        problems,
    })
}
