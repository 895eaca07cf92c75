//! Saved queries and query runs: SQL over the customer database, always through ferry-data's
//! read-only door, and results the grid pages through without holding them in memory.

use super::activity::{self, kind, Event};
use super::common::allow;
use super::common::{by_id_or_name, fail_if_any, name_and_description, name_conflict};
use crate::app::App;
use crate::error::{Error, FieldError, Result};
use crate::ids;
use crate::policy::{self, Action, Actor};
use crate::store::now_unix;
use crate::store::queries::{self as table, QueryRow};
use ferry_data::query::{QueryOptions, RowReader};
use ferry_data::results::{ResultPage, ResultSet};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The time limit a new query gets, and the bounds a user may set.
pub const DEFAULT_TIME_LIMIT_SECS: i64 = 30;
pub const MAX_TIME_LIMIT_SECS: i64 = 3600;

/// What a person fills in to save a query.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct QueryInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub sql: String,
    #[serde(default = "default_limit")]
    pub time_limit_secs: i64,
}

fn default_limit() -> i64 {
    DEFAULT_TIME_LIMIT_SECS
}

/// A saved query as lists show it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SavedQuery {
    pub id: String,
    pub name: String,
    pub description: String,
    pub sql: String,
    pub time_limit_secs: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<QueryRow> for SavedQuery {
    fn from(r: QueryRow) -> Self {
        SavedQuery {
            id: r.id,
            name: r.name,
            description: r.description,
            sql: r.sql,
            time_limit_secs: r.time_limit_secs,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Every saved query, by name.
pub fn list(app: &App, actor: &Actor) -> Result<Vec<SavedQuery>> {
    allow(app, actor, Action::RunQueries)?;
    Ok(app
        .store()
        .read(table::list)?
        .into_iter()
        .map(SavedQuery::from)
        .collect())
}

/// The saved query with this id or name (any case).
pub fn get(app: &App, actor: &Actor, id_or_name: &str) -> Result<SavedQuery> {
    allow(app, actor, Action::RunQueries)?;
    app.store()
        .read(|c| require(c, id_or_name))
        .map(SavedQuery::from)
}

fn require(conn: &rusqlite::Connection, id_or_name: &str) -> Result<QueryRow> {
    by_id_or_name(
        table::get(conn, id_or_name)?,
        || table::list(conn),
        id_or_name,
        "query",
    )
}

/// Every problem with a query form, each on its field; empty when it can be saved.
pub fn check(
    app: &App,
    actor: &Actor,
    input: &QueryInput,
    except_id: Option<&str>,
) -> Result<Vec<FieldError>> {
    allow(app, actor, Action::ManageQueries)?;
    let mut errors = Vec::new();
    validated(app, input, except_id, &mut errors)?;
    Ok(errors)
}

/// The input cleaned up, with every problem recorded in `errors`.
fn validated(
    app: &App,
    input: &QueryInput,
    except_id: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Result<Option<(String, String, String)>> {
    let rows = app.store().read(table::list)?;
    let (name, description) = name_and_description(
        errors,
        &input.name,
        &input.description,
        "query",
        &rows,
        except_id,
    );
    if let Err(Error::Validation(mut limit)) = time_limit(input.time_limit_secs) {
        errors.append(&mut limit);
    }
    let sql = input.sql.trim();
    if sql.is_empty() {
        errors.push(FieldError::new("sql", "Write the SQL the query runs."));
    } else if let Err(e) = app.data()?.check_sql(sql) {
        errors.push(FieldError::new("sql", Error::from(e).to_string()));
    }
    Ok(match (name, description) {
        (Some(n), Some(d)) if errors.is_empty() => Some((n, d, sql.to_string())),
        _ => None,
    })
}

/// Saves a new query.
pub fn create(app: &App, actor: &Actor, input: QueryInput) -> Result<SavedQuery> {
    allow(app, actor, Action::ManageQueries)?;
    let mut errors = Vec::new();
    let clean = validated(app, &input, None, &mut errors)?;
    fail_if_any(errors)?;
    let (name, description, sql) = clean.expect("no errors means a clean input");
    let now = now_unix();
    let row = QueryRow {
        id: ids::new_id(ids::QUERY),
        name: name.clone(),
        description,
        sql,
        time_limit_secs: input.time_limit_secs,
        created_at: now,
        updated_at: now,
    };
    app.store()
        .with_tx(|tx| {
            table::upsert(tx, &row)?;
            activity::record_in(
                tx,
                actor,
                Event::new(
                    kind::QUERY,
                    "query.add",
                    &row.name,
                    format!("Saved the new query {}", row.name),
                )
                .details(json!({ "after": snapshot(&row) })),
            )
        })
        .map_err(|e| name_conflict(e, "query", &name))?;
    Ok(row.into())
}

fn snapshot(r: &QueryRow) -> serde_json::Value {
    json!({
        "name": r.name,
        "description": r.description,
        "sql": activity::sql_for_log(&r.sql),
        "timeLimitSecs": r.time_limit_secs,
    })
}

/// Changes a saved query.
pub fn update(app: &App, actor: &Actor, id: &str, input: QueryInput) -> Result<SavedQuery> {
    allow(app, actor, Action::ManageQueries)?;
    let old = app.store().read(|c| require(c, id))?;
    let mut errors = Vec::new();
    let clean = validated(app, &input, Some(&old.id), &mut errors)?;
    fail_if_any(errors)?;
    let (name, description, sql) = clean.expect("no errors means a clean input");
    let row = QueryRow {
        name: name.clone(),
        description,
        sql,
        time_limit_secs: input.time_limit_secs,
        updated_at: now_unix(),
        ..old.clone()
    };
    app.store()
        .with_tx(|tx| {
            table::upsert(tx, &row)?;
            activity::record_in(
                tx,
                actor,
                Event::new(
                    kind::QUERY,
                    "query.edit",
                    &row.name,
                    format!("Changed the query {}", old.name),
                )
                .details(json!({ "changes": activity::changes(&snapshot(&old), &snapshot(&row)) })),
            )
        })
        .map_err(|e| name_conflict(e, "query", &name))?;
    Ok(row.into())
}

/// Deletes a saved query.
pub fn delete(app: &App, actor: &Actor, id: &str) -> Result<()> {
    allow(app, actor, Action::ManageQueries)?;
    app.store().with_tx(|tx| {
        let row = require(tx, id)?;
        table::delete(tx, &row.id)?;
        activity::record_in(
            tx,
            actor,
            Event::new(
                kind::QUERY,
                "query.delete",
                &row.name,
                format!("Deleted the query {}", row.name),
            )
            .details(json!({ "before": snapshot(&row) })),
        )
    })
}

/// How many results the app keeps open at once. Each is a scratch file, not memory; the
/// oldest is closed when a new one starts beyond this.
const OPEN_RUNS: usize = 8;

/// One open result, with what its starter needed to be allowed: paging, cancelling and
/// closing it need the same, so a user who may preview segments but not run SQL can still page
/// through a segment's rows.
struct OpenRun {
    id: String,
    needs: Action,
    set: Arc<ResultSet>,
}

/// The query runs whose results the app can page through, oldest first.
#[derive(Default)]
pub struct Runs(Mutex<VecDeque<OpenRun>>);

impl std::fmt::Debug for Runs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Runs")
    }
}

impl Runs {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<OpenRun>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The run with this id, once `actor` is found allowed to use it.
    fn get(&self, actor: &Actor, id: &str) -> Result<Arc<ResultSet>> {
        let (needs, set) = self
            .lock()
            .iter()
            .find(|r| r.id == id)
            .map(|r| (r.needs, r.set.clone()))
            .ok_or_else(|| Error::NotFound {
                what: "query result",
                key: id.to_string(),
            })?;
        policy::check(actor, needs)?;
        Ok(set)
    }

    /// Keeps a new run open, closing the oldest beyond [`OPEN_RUNS`]; returns its id.
    fn open(&self, needs: Action, set: ResultSet) -> String {
        let id = ids::new_id("run");
        let mut runs = self.lock();
        runs.push_back(OpenRun {
            id: id.clone(),
            needs,
            set: Arc::new(set),
        });
        while runs.len() > OPEN_RUNS {
            // NOTE: dropping the last handle cancels the run and deletes its scratch file; a
            // page request already holding it finishes first.
            runs.pop_front();
        }
        id
    }
}

/// Where query results are spilled while the grid pages through them.
fn scratch_dir(app: &App) -> std::path::PathBuf {
    app.data_dir().join("scratch")
}

/// Deletes result files a previous run of the app left behind when it was killed (a closed
/// result deletes its own). They hold customer rows, so they are not kept a moment longer than
/// needed. Call before any run starts.
pub fn clear_scratch(app: &App) {
    // NOTE: best effort; a file that cannot be removed now is tried again at the next start.
    let _ = std::fs::remove_dir_all(scratch_dir(app));
}

/// Starts running `sql` in the background and returns the run's id; the grid then asks for
/// pages with [`page`]. The result is kept on disk, so a million rows cost no memory.
pub fn start_run(app: &App, actor: &Actor, sql: &str, time_limit_secs: i64) -> Result<String> {
    allow(app, actor, Action::RunQueries)?;
    let run = open_run(app, Action::RunQueries, sql, &[], time_limit_secs);
    record_run(app, actor, "query.run", "SQL", sql, &run);
    run
}

/// Records a run of `sql` (for `target`): whether it started, and whether it shows `actor` the
/// values of PII columns. The columns are known from preparing the statement, before any row.
pub(crate) fn record_run<T>(
    app: &App,
    actor: &Actor,
    action: &'static str,
    target: &str,
    sql: &str,
    started: &Result<T>,
) {
    let pii: Vec<String> = match (started, app.data().and_then(|d| Ok(d.check_sql(sql)?))) {
        (Ok(_), Ok(cols)) if !actor.restrict_pii() => {
            cols.into_iter().filter(|c| c.pii).map(|c| c.name).collect()
        }
        _ => Vec::new(),
    };
    let mut summary = if action == "query.run" {
        "Ran SQL".to_string()
    } else {
        format!("Read the rows of {target}")
    };
    if !pii.is_empty() {
        summary.push_str(&format!(", showing personal data ({})", pii.join(", ")));
    } else if actor.restrict_pii() {
        summary.push_str(", personal data hidden");
    }
    activity::record(
        app,
        actor,
        Event::new(kind::QUERY, action, target, summary)
            .reveals_pii(!pii.is_empty())
            .details(json!({ "sql": activity::sql_for_log(sql), "piiColumns": pii }))
            .result(started),
    );
}

/// Starts a result the grid pages through, kept open under the permission `needs` (see
/// [`Runs::get`]); the caller has checked that permission already.
pub(crate) fn open_run(
    app: &App,
    needs: Action,
    sql: &str,
    params: &[ferry_data::Cell],
    time_limit_secs: i64,
) -> Result<String> {
    let opts = QueryOptions::with_time_limit(time_limit(time_limit_secs)?);
    let dir = scratch_dir(app);
    crate::store::folder::create_private(&dir)?;
    let set = ResultSet::start(&app.data()?, sql, params, opts, &dir)?;
    Ok(app.runs().open(needs, set))
}

/// The limit check shared by every kind of run.
pub(crate) fn time_limit(secs: i64) -> Result<Duration> {
    if !(1..=MAX_TIME_LIMIT_SECS).contains(&secs) {
        return Err(Error::field(
            "timeLimitSecs",
            format!("Enter a time limit from 1 to {MAX_TIME_LIMIT_SECS} seconds."),
        ));
    }
    Ok(Duration::from_secs(secs as u64))
}

/// A reader over the rows of SQL that is not saved (the CLI's `ferry query run --sql`): the same
/// read-only door, time limit and PII marks as a saved query read through [`super::rows::open`],
/// streamed page by page to the caller instead of spilled to disk for the grid.
pub fn reader_for_sql(
    app: &App,
    actor: &Actor,
    sql: &str,
    time_limit_secs: i64,
) -> Result<RowReader> {
    allow(app, actor, Action::RunQueries)?;
    let opts = QueryOptions::with_time_limit(time_limit(time_limit_secs)?);
    let reader = app
        .data()
        .and_then(|d| Ok(d.reader(sql, &[], opts)?))
        .map(|mut r| {
            if actor.restrict_pii() {
                r.hide_pii();
            }
            r
        });
    record_run(app, actor, "query.run", "SQL", sql, &reader);
    reader
}

/// Rows `offset..offset + limit` of a run, waiting briefly for them if the run is still going.
pub fn page(
    app: &App,
    actor: &Actor,
    run_id: &str,
    offset: u64,
    limit: usize,
) -> Result<ResultPage> {
    // NOTE: the run's own check (see `Runs::get`): a segment preview needs less than SQL does.
    // Masked for the one asking now, so a user switched to mid-run never sees more than theirs.
    let mut page = app.runs().get(actor, run_id)?.page(offset, limit)?;
    if actor.restrict_pii() {
        page.hide_pii();
    }
    Ok(page)
}

/// Stops a run; the rows it has so far stay pageable.
pub fn cancel_run(app: &App, actor: &Actor, run_id: &str) -> Result<()> {
    app.runs().get(actor, run_id)?.cancel();
    Ok(())
}

/// Forgets a run and deletes its scratch file. Closing one already gone is not an error: the
/// grid closes on unmount without knowing whether the app closed it first.
pub fn close_run(app: &App, actor: &Actor, run_id: &str) -> Result<()> {
    let found = app.runs().get(actor, run_id);
    if let Err(e @ Error::Forbidden(_)) = found {
        return Err(e);
    }
    app.runs().lock().retain(|r| r.id != run_id);
    Ok(())
}
