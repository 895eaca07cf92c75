//! Send jobs: a template's rows written to Dynamics as a job with a per-row ledger, resumable
//! after a crash, and the history of every job with its receipts.
//!
//! Starting a job ([`start`], [`retry_failed`]) checks everything a send needs and records the
//! job; [`run`] sends it (the first time, or again to resume it) until every row is dealt
//! with, the person cancels, or an error that would fail every row stops it. [`send`] does
//! both, for the CLI. The engine itself is [`crate::jobs`]; this module is its door: policy,
//! the activity log, and what people see (with personal data masked for restricted users).

use super::activity::{self, kind, Event};
use super::common::{allow, NamedRef};
use super::rows::{self, RowSource};
use super::templates;
use crate::app::App;
use crate::error::{Error, Result};
use crate::jobs::{self as engine, Cancel, Progress};
use crate::mapping::plan::Operation;
use crate::policy::{Action, Actor};
use crate::store::job_rows::{self, Counts, RowState};
use crate::store::jobs::{self as table, JobRow, JobState};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;

pub use crate::jobs::{JobProgress, SendOptions, Wait};

/// A job as history shows it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JobView {
    pub id: String,
    pub template: NamedRef,
    pub destination: NamedRef,
    /// The Dataverse table's logical name.
    pub table: String,
    pub source: RowSource,
    pub source_name: String,
    pub operation: Operation,
    /// Who started it.
    pub ran_by: NamedRef,
    /// The job whose failed rows this one resends.
    pub retry_of: Option<String>,
    pub state: JobState,
    /// Rows the job reads from its source; `None` until the source was read to its end.
    pub total: Option<u64>,
    pub counts: JobCounts,
    /// Time spent sending, over every run of the job.
    pub elapsed_ms: u64,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    /// Why a stopped job stopped.
    pub error: Option<String>,
    /// Whether [`run`] would carry on with it.
    pub resumable: bool,
}

/// A job's rows by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JobCounts {
    pub delivered: u64,
    /// Of the delivered rows, those Dynamics created and those it updated (when it said).
    pub created: u64,
    pub updated: u64,
    pub rejected: u64,
    pub failed: u64,
    /// Rows never sent because their mapping has errors.
    pub invalid: u64,
    /// Rows sent whose answer was never recorded (only after a crash, until resumed).
    pub in_flight: u64,
}

impl From<Counts> for JobCounts {
    fn from(c: Counts) -> Self {
        JobCounts {
            delivered: c.delivered,
            created: c.created,
            updated: c.updated,
            rejected: c.rejected,
            failed: c.failed,
            invalid: c.invalid,
            in_flight: c.in_flight,
        }
    }
}

/// One row's receipt.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Receipt {
    /// The row's position in the source, from 0.
    pub index: u64,
    pub state: RowState,
    /// The match key's values (masked for restricted users when they are personal data).
    pub key: Option<String>,
    /// The Dynamics record's id.
    pub record_id: Option<String>,
    /// Whether Dynamics created the record (`false`: updated it).
    pub created: Option<bool>,
    /// Dataverse's error code, e.g. `0x80040237`.
    pub code: Option<String>,
    pub message: Option<String>,
}

/// Which receipts to list.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReceiptFilter {
    /// Only rows in these states; every row when empty.
    #[serde(default)]
    pub states: Vec<RowState>,
    #[serde(default)]
    pub offset: usize,
    /// At most [`MAX_RECEIPTS`].
    pub limit: usize,
}

/// The most receipts one call returns.
pub const MAX_RECEIPTS: usize = 1000;

/// A page of receipts.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Receipts {
    pub job: String,
    /// Rows matching the filter.
    pub total: u64,
    pub rows: Vec<Receipt>,
    /// Whether personal data was masked for the viewer.
    pub pii_hidden: bool,
}

/// Starts a send of `template`: checks that the acting user may use it and that its mapping
/// plans, records the job, and returns it for [`run`].
pub async fn start(app: &App, actor: &Actor, template: &str) -> Result<JobView> {
    allow(app, actor, Action::SendData)?;
    let job = engine::create(app, actor, template, None).await?;
    view(app, actor, &job)
}

/// Starts a job that resends `job`'s rejected and failed rows (after their data was fixed):
/// the source is read again and only those rows are sent.
pub async fn retry_failed(app: &App, actor: &Actor, job: &str) -> Result<JobView> {
    allow(app, actor, Action::SendData)?;
    let old = visible(app, actor, job)?;
    let job = engine::create(app, actor, &old.template_id, Some(&old)).await?;
    view(app, actor, &job)
}

/// Sends `job` (started, interrupted, cancelled or stopped) until every row is dealt with,
/// `cancel` fires, or an error that would fail every row stops it. Rows already delivered,
/// rejected or found invalid are not sent again; see [`crate::jobs`] for rows in flight.
pub async fn run(
    app: &App,
    actor: &Actor,
    job: &str,
    opts: &SendOptions,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<JobView> {
    allow(app, actor, Action::SendData)?;
    let row = visible(app, actor, job)?;
    // NOTE: the template is checked again: access may have been withdrawn since the start.
    let t = templates::get(app, actor, &row.template_id)?;
    if let Some(why) = &t.unavailable {
        return Err(Error::Forbidden(why.clone()));
    }
    let resumed =
        row.state != JobState::Running || row.owner.as_deref() != Some(&table::this_owner());
    let out = engine::run(app, actor, &row, opts, progress, cancel).await;
    let changed = *out.as_ref().unwrap_or(&0);
    let after = app.store().read(|c| table::get(c, &row.id))?.unwrap_or(row);
    let v = view(app, actor, &after)?;
    let c = v.counts;
    activity::record(
        app,
        actor,
        Event::new(
            kind::DATA,
            if resumed { "job.resume" } else { "job.send" },
            &after.template_name,
            format!(
                "{} {} to {} ({}): {} delivered, {} rejected, {} failed, {} not sent for errors; {}{}",
                if resumed { "Resumed sending" } else { "Sent" },
                after.template_name,
                after.destination_name,
                after.id,
                c.delivered,
                c.rejected,
                c.failed,
                c.invalid,
                after.state.as_str(),
                if changed > 0 {
                    format!(
                        "; {changed} rows sent earlier have changed in the source since and \
                         were not sent again"
                    )
                } else {
                    String::new()
                }
            ),
        )
        .details(json!({
            "job": after.id,
            "state": after.state.as_str(),
            "delivered": c.delivered,
            "rejected": c.rejected,
            "failed": c.failed,
            "invalid": c.invalid,
            "changedSinceSent": changed,
        })),
    );
    out.map(|_| v)
}

/// [`start`] then [`run`].
pub async fn send(
    app: &App,
    actor: &Actor,
    template: &str,
    opts: &SendOptions,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<JobView> {
    let job = start(app, actor, template).await?;
    run(app, actor, &job.id, opts, progress, cancel).await
}

/// The jobs the acting user may see, newest first: every job for operators and
/// administrators, their own for business users.
pub fn list(app: &App, actor: &Actor, limit: usize) -> Result<Vec<JobView>> {
    listed(app, actor, limit, |_| true)
}

/// Jobs left unfinished by a process that stopped (crash, kill, power loss), which the next
/// start offers to resume.
pub fn unfinished(app: &App, actor: &Actor) -> Result<Vec<JobView>> {
    listed(app, actor, 10_000, |j| j.state == JobState::Interrupted)
}

/// The jobs that sent `source`'s rows that the acting user may see, newest first.
pub fn of_source(app: &App, actor: &Actor, source: &RowSource) -> Result<Vec<JobView>> {
    listed(app, actor, 10_000, |j| source_of(j) == *source)
}

/// The newest `limit` jobs the acting user may see, those `keep` picks.
///
/// NOTE: picked before their views are made, since a view counts the job's ledger rows.
fn listed(
    app: &App,
    actor: &Actor,
    limit: usize,
    keep: impl Fn(&JobRow) -> bool,
) -> Result<Vec<JobView>> {
    allow(app, actor, Action::SendData)?;
    let rows = app.store().read(|c| {
        // NOTE: marks jobs whose process died, so history says "interrupted", not "running".
        let _ = table::mark_abandoned(c, table::now_ms());
        table::list(c, limit.clamp(1, 10_000))
    })?;
    rows.iter()
        .filter(|j| sees(actor, j) && keep(j))
        .map(|j| view(app, actor, j))
        .collect()
}

fn source_of(j: &JobRow) -> RowSource {
    if j.source_kind == "segment" {
        RowSource::Segment(j.source_id.clone())
    } else {
        RowSource::Query(j.source_id.clone())
    }
}

/// One job.
pub fn get(app: &App, actor: &Actor, job: &str) -> Result<JobView> {
    allow(app, actor, Action::SendData)?;
    let row = visible(app, actor, job)?;
    view(app, actor, &row)
}

/// `job`, when the acting user may resume it now: the template is still theirs to use and its
/// source opens. [`run`] checks the same, but a caller that runs the job in the background
/// would only hear of a refusal from there as a progress event; asked first, the user is told
/// at once. Opening the source reads no row.
pub fn resumable(app: &App, actor: &Actor, job: &str) -> Result<JobView> {
    allow(app, actor, Action::SendData)?;
    let row = visible(app, actor, job)?;
    let t = templates::get(app, actor, &row.template_id)?;
    if let Some(why) = t.unavailable {
        return Err(Error::Forbidden(why));
    }
    drop(rows::open(app, actor, &t.source, Duration::from_secs(60))?);
    view(app, actor, &row)
}

/// A page of `job`'s receipts.
pub fn receipts(app: &App, actor: &Actor, job: &str, filter: &ReceiptFilter) -> Result<Receipts> {
    allow(app, actor, Action::SendData)?;
    let row = visible(app, actor, job)?;
    let hide = actor.restrict_pii();
    let (total, entries) = app.store().read(|c| {
        let counts = job_rows::counts(c, row.seq)?;
        let total = if filter.states.is_empty() {
            counts.recorded()
        } else {
            filter.states.iter().map(|s| count_of(&counts, *s)).sum()
        };
        let limit = filter.limit.clamp(1, MAX_RECEIPTS);
        Ok((
            total,
            job_rows::slice(c, row.seq, &filter.states, filter.offset, limit)?,
        ))
    })?;
    let rows = entries
        .into_iter()
        .map(|mut e| {
            if hide {
                engine::mask_entry(&mut e, row.key_pii);
            }
            Receipt {
                index: e.idx as u64,
                state: e.state,
                key: e.row_key,
                record_id: e.record_id.filter(|_| e.state != RowState::InFlight),
                created: e.created,
                code: e.code,
                message: e.message,
            }
        })
        .collect();
    Ok(Receipts {
        job: row.id,
        total,
        rows,
        pii_hidden: hide,
    })
}

/// Writes `job`'s rejected, failed and invalid rows to `path` as CSV: the source row's columns
/// as they are now, then the outcome, the error code and the reason. Returns the rows written.
/// Personal data is masked for restricted users.
pub fn export_rejects(app: &App, actor: &Actor, job: &str, path: &std::path::Path) -> Result<u64> {
    allow(app, actor, Action::SendData)?;
    let row = visible(app, actor, job)?;
    let n = engine::export_rejects(app, actor, &row, path)?;
    activity::record(
        app,
        actor,
        Event::new(
            kind::DATA,
            "job.export_rejects",
            &row.template_name,
            format!(
                "Exported {n} rows {} could not deliver ({}) to {}",
                row.template_name,
                row.id,
                path.display()
            ),
        )
        .reveals_pii(!actor.restrict_pii()),
    );
    Ok(n)
}

fn count_of(c: &Counts, s: RowState) -> u64 {
    match s {
        RowState::InFlight => c.in_flight,
        RowState::Delivered => c.delivered,
        RowState::Rejected => c.rejected,
        RowState::Failed => c.failed,
        RowState::Invalid => c.invalid,
    }
}

/// Whether `actor` may see `job`: business users see the jobs they ran.
fn sees(actor: &Actor, job: &JobRow) -> bool {
    !actor.policy().is_business() || job.actor_id == actor.id()
}

/// The job, if it exists and `actor` may see it (a hidden job is reported as missing).
fn visible(app: &App, actor: &Actor, id: &str) -> Result<JobRow> {
    let found = app.store().read(|c| {
        let _ = table::mark_abandoned(c, table::now_ms());
        table::get(c, id.trim())
    })?;
    found
        .filter(|j| sees(actor, j))
        .ok_or_else(|| Error::NotFound {
            what: "send job",
            key: id.to_string(),
        })
}

fn view(app: &App, _actor: &Actor, j: &JobRow) -> Result<JobView> {
    let counts = app.store().read(|c| job_rows::counts(c, j.seq))?;
    let operation = serde_json::from_str(&j.operation)
        .map_err(|e| Error::Remote(format!("The job {} cannot be read ({e}).", j.id)))?;
    Ok(JobView {
        id: j.id.clone(),
        template: NamedRef {
            id: j.template_id.clone(),
            name: j.template_name.clone(),
        },
        destination: NamedRef {
            id: j.destination_id.clone(),
            name: j.destination_name.clone(),
        },
        table: j.table_name.clone(),
        source: source_of(j),
        source_name: j.source_name.clone(),
        operation,
        ran_by: NamedRef {
            id: j.actor_id.clone(),
            name: j.actor_name.clone(),
        },
        retry_of: j.retry_of.clone(),
        state: j.state,
        total: j.total.map(|t| t as u64),
        counts: counts.into(),
        elapsed_ms: j.elapsed_ms.max(0) as u64,
        created_at: j.created_at,
        finished_at: j.finished_at,
        error: j.error.clone(),
        resumable: matches!(
            j.state,
            JobState::Interrupted | JobState::Cancelled | JobState::Stopped
        ),
    })
}
