//! Starting a job and running it: the feed, the workers and the ledger wired together, with
//! progress reported while they work (see the module doc of [`super`]).

use super::feed::{Feed, Item, Selection};
use super::ledger::Ledger;
use super::size::{self, Sizer};
use super::{lookup, Cancel, Counters, JobProgress, Progress, SendOptions, Wait};
use crate::app::App;
use crate::dataverse::bulk::{self, BulkSupport};
use crate::dataverse::client::{DataverseClient, MAX_PARALLELISM};
use crate::dataverse::keys::RowRef;
use crate::dataverse::metadata::TableDetails;
use crate::dataverse::rows::{BulkOp, BulkOptions, BulkRow, RowStatus, TableRef};
use crate::error::{Error, Result};
use crate::ids;
use crate::mapping::plan::{Operation, Plan};
use crate::ops::rows::{self, RowSource};
use crate::ops::{connection, templates};
use crate::policy::Actor;
use crate::store::job_rows::{self, Counts, Entry, RowState};
use crate::store::jobs::{self, JobRow, JobState};
use crate::store::now_unix;
use ferry_data::ColumnMeta;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long SQLite may spend producing the source's rows.
const READ_LIMIT: Duration = Duration::from_secs(600);

/// Rows per request a send starts with, before [`size`] has learnt anything.
///
/// NOTE: Dataverse's guidance for bulk messages is a few hundred to a thousand rows per
/// request; larger requests spend fewer of the per-user request budget, smaller ones lose
/// less time when a request fails and is halved. 500 sits between.
pub const DEFAULT_CHUNK: usize = 500;

/// How often progress is reported and the job's heartbeat written.
const TICK: Duration = Duration::from_millis(250);

/// The window the rate is measured over.
const RATE_WINDOW: Duration = Duration::from_secs(5);

/// Error code Dataverse answers a create whose id already exists with.
const DUPLICATE_KEY: &str = "0x80040237";

/// Records a new job for `template` (or for the failed rows of `retry_of`), owned by this
/// process. Checks what a send needs first: template access, the source, the mapping.
pub(crate) async fn create(
    app: &App,
    actor: &Actor,
    template: &str,
    retry_of: Option<&JobRow>,
) -> Result<JobRow> {
    let t = templates::get(app, actor, template)?;
    if let Some(why) = &t.unavailable {
        return Err(Error::Forbidden(why.clone()));
    }
    let (source_name, reader) = rows::open_named(app, actor, &t.source, READ_LIMIT)?;
    let columns = reader.columns().to_vec();
    drop(reader);
    let (plan, details) = templates::planned(app, &t, &columns).await?;
    if let Some(old) = retry_of {
        let c = app.store().read(|c| job_rows::counts(c, old.seq))?;
        if c.rejected + c.failed + c.invalid == 0 {
            return Err(Error::field(
                "job",
                format!(
                    "The send job {} has no rejected, failed or unsent rows to send again.",
                    old.id
                ),
            ));
        }
    }
    let (kind, source_id) = match &t.source {
        RowSource::Query(id) => ("query", id),
        RowSource::Segment(id) => ("segment", id),
    };
    let row = JobRow {
        seq: 0,
        id: ids::new_id(ids::JOB),
        template_id: t.id.clone(),
        template_name: t.name.clone(),
        destination_id: t.destination.id.clone(),
        destination_name: t.destination.name.clone(),
        table_name: t.table.clone(),
        source_kind: kind.to_string(),
        source_id: source_id.clone(),
        source_name,
        operation: serde_json::to_string(&plan.operation).map_err(std::io::Error::other)?,
        actor_id: actor.id().to_string(),
        actor_name: actor.name().to_string(),
        retry_of: retry_of.map(|j| j.id.clone()),
        key_pii: key_pii(&plan, &details, &columns),
        state: JobState::Running,
        total: None,
        error: None,
        owner: Some(jobs::this_owner()),
        heartbeat: jobs::now_ms(),
        elapsed_ms: 0,
        created_at: now_unix(),
        finished_at: None,
    };
    app.store().with_tx(|tx| jobs::insert(tx, &row))
}

/// Whether the job's match key is made from personal data.
fn key_pii(plan: &Plan, details: &TableDetails, columns: &[ColumnMeta]) -> bool {
    let key_columns: Vec<String> = match &plan.operation {
        Operation::UpsertByKey { key }
        | Operation::UpdateByKey { key }
        | Operation::DeleteByKey { key } => details
            .keys
            .iter()
            .find(|k| &k.logical_name == key)
            .map(|k| k.columns.clone())
            .unwrap_or_default(),
        Operation::UpsertById { source } => {
            return columns.iter().any(|c| &c.name == source && c.pii)
        }
        Operation::Create => return false,
    };
    columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.pii)
        .any(|(i, _)| {
            plan.columns_from(i)
                .iter()
                .any(|p| key_columns.iter().any(|k| k == p))
        })
}

fn bulk_op(op: &Operation) -> BulkOp {
    match op {
        Operation::Create => BulkOp::Create,
        Operation::UpsertByKey { .. } | Operation::UpsertById { .. } => BulkOp::Upsert,
        Operation::UpdateByKey { .. } => BulkOp::Update,
        Operation::DeleteByKey { .. } => BulkOp::Delete,
    }
}

/// Sends `job` from where its ledger stands; see [`crate::ops::jobs::run`]. Returns how many
/// rows sent by an earlier run have changed in the source since (they are not sent again).
pub(crate) async fn run(
    app: &App,
    actor: &Actor,
    job: &JobRow,
    opts: &SendOptions,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<u64> {
    let owner = jobs::this_owner();
    let mine = job.state == JobState::Running && job.owner.as_deref() == Some(owner.as_str());
    if !mine {
        let claimed = app
            .store()
            .with_tx(|tx| jobs::claim(tx, &job.id, &owner, jobs::now_ms()))?;
        if !claimed {
            return Err(Error::InUse(format!(
                "The send job {} is running in another Ferry window or command. Wait for it \
                 to finish, or cancel it there.",
                job.id
            )));
        }
    }
    let started = Instant::now();
    let result = drive(app, actor, job, &owner, opts, progress, cancel, started).await;
    let elapsed = job.elapsed_ms + started.elapsed().as_millis() as i64;
    let (state, error) = match &result {
        Ok((true, _)) => (JobState::Finished, None),
        Ok((false, _)) => (JobState::Cancelled, None),
        Err(e) => (JobState::Stopped, Some(e.to_string())),
    };
    app.store()
        .with_tx(|tx| jobs::finish(tx, job.seq, state, error.as_deref(), elapsed, now_unix()))?;
    let counts = app.store().read(|c| job_rows::counts(c, job.seq))?;
    let total = app
        .store()
        .read(|c| jobs::get(c, &job.id))?
        .and_then(|j| j.total)
        .map(|t| t as u64);
    progress.report(&final_progress(&job.id, state, &counts, total));
    result.map(|(_, changed)| changed)
}

fn final_progress(job: &str, state: JobState, c: &Counts, total: Option<u64>) -> JobProgress {
    JobProgress {
        job: job.to_string(),
        state,
        done: c.delivered + c.rejected + c.failed + c.invalid,
        total,
        delivered: c.delivered,
        rejected: c.rejected,
        failed: c.failed,
        invalid: c.invalid,
        rows_per_second: 0.0,
        eta_seconds: None,
        throttled: 0,
        waiting: None,
        rows_per_request: None,
    }
}

/// What every worker shares.
struct Shared {
    table: TableRef,
    op: BulkOp,
    bulk: BulkOptions,
    support: BulkSupport,
    ledger: Ledger,
    counters: Arc<Counters>,
    halt: Cancel,
    stop: Mutex<Option<Error>>,
    sizer: Arc<Sizer>,
}

impl Shared {
    fn stop(&self, e: Error) {
        let mut s = self.stop.lock().unwrap_or_else(|p| p.into_inner());
        if s.is_none() {
            *s = Some(e);
        }
        self.halt.cancel();
    }
}

/// Returns whether every row was dealt with (`false`: cancelled), and how many rows sent by an
/// earlier run have changed in the source since.
#[allow(clippy::too_many_arguments)]
async fn drive(
    app: &App,
    actor: &Actor,
    job: &JobRow,
    owner: &str,
    opts: &SendOptions,
    progress: &dyn Progress,
    cancel: &Cancel,
    started: Instant,
) -> Result<(bool, u64)> {
    let prior = app.store().read(|c| job_rows::counts(c, job.seq))?;
    // NOTE: signing in and reading the table's definition come before the first row; saying
    // where the job stands at once lets a window show it has begun.
    progress.report(&JobProgress {
        done: carried(&prior),
        failed: 0,
        ..final_progress(
            &job.id,
            JobState::Running,
            &prior,
            job.total.map(|t| t as u64),
        )
    });
    let t = templates::get(app, actor, &job.template_id)?;
    if let Some(why) = &t.unavailable {
        return Err(Error::Forbidden(why.clone()));
    }
    let (_, reader) = rows::open_named(app, actor, &t.source, READ_LIMIT)?;
    let columns = reader.columns().to_vec();
    let (plan, details) = templates::planned(app, &t, &columns).await?;
    let then: serde_json::Value =
        serde_json::from_str(&job.operation).unwrap_or(serde_json::Value::Null);
    if serde_json::to_value(&plan.operation).ok().as_ref() != Some(&then) {
        return Err(Error::InUse(format!(
            "The template \"{}\" now matches or writes rows differently than when job {} \
             started, so resuming would mix two kinds of write. Start a new send instead.",
            t.name, job.id
        )));
    }
    // NOTE: one client per application user of the destination: each has its own
    // service-protection limits, so the work is spread over all of them.
    let clients: Vec<Arc<DataverseClient>> = connection::clients(app, &t.destination.id, false)?
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    for client in &clients {
        if client.dop_hint() == 0 {
            // NOTE: learns the server's recommended parallelism, and fails on sign-in or
            // access before any row is read.
            client.who_am_i().await?;
        }
    }
    let op = bulk_op(&plan.operation);
    let table = TableRef {
        logical_name: details.table.logical_name.clone(),
        entity_set: details.table.entity_set.clone(),
        primary_id: details.table.primary_id.clone(),
    };
    let select = match &job.retry_of {
        Some(old) => Some(selection(app, old)?),
        None => None,
    };
    let (ledger, writer) = Ledger::start(
        app.store().conn()?,
        job.seq,
        owner.to_string(),
        op == BulkOp::Create,
        opts.without_ledger,
    )?;
    let counters = Arc::new(Counters::default());
    let halt = Cancel::default();
    let per_client = |c: &DataverseClient| {
        opts.parallelism
            .unwrap_or_else(|| c.parallelism())
            .clamp(1, MAX_PARALLELISM as usize)
    };
    let workers: usize = clients.iter().map(|c| per_client(c)).sum();
    let sizer = Arc::new(Sizer::new(opts.chunk_size));
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<Item>>(workers * 2);
    let feed = Feed {
        plan,
        op,
        primary_id: table.primary_id.clone(),
        size: sizer.clone(),
        prior: app.store().conn()?,
        seq: job.seq,
        select,
        counters: counters.clone(),
        cancel: halt.clone(),
        ledger: ledger.clone(),
    };
    let mut feeding = Some(tokio::task::spawn_blocking(move || feed.run(reader, tx)));
    let shared = Arc::new(Shared {
        table,
        op,
        bulk: BulkOptions {
            // NOTE: the feed cuts the chunks; each goes as one request.
            chunk_size: size::LARGEST,
            parallelism: None,
            use_bulk_messages: true,
        },
        support: BulkSupport::default(),
        ledger: ledger.clone(),
        counters: counters.clone(),
        halt: halt.clone(),
        stop: Mutex::new(None),
        sizer,
    });
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let mut tasks = tokio::task::JoinSet::new();
    for client in &clients {
        for _ in 0..per_client(client) {
            tasks.spawn(worker(shared.clone(), client.clone(), rx.clone()));
        }
    }
    drop(rx);
    let throttled_before = throttled(&clients);
    let mut total: Option<u64> = job.total.map(|t| t as u64);
    let mut fed_total: Option<u64> = None;
    let mut changed = 0u64;
    let mut rate = Rate::default();
    let mut tick = tokio::time::interval(TICK);
    let mut workers_done = false;
    while !(workers_done && feeding.is_none()) {
        tokio::select! {
            r = async { feeding.as_mut().expect("guarded").await }, if feeding.is_some() => {
                feeding = None;
                match r {
                    Ok(Ok(fed)) if !halt.is_cancelled() => {
                        fed_total = Some(fed.total);
                        total = Some(fed.total);
                        changed = fed.changed;
                    }
                    Ok(Ok(fed)) => changed = fed.changed,
                    Ok(Err(e)) => shared.stop(e),
                    Err(e) => shared.stop(Error::Io(std::io::Error::other(format!(
                        "reading the source stopped unexpectedly: {e}"
                    )))),
                }
            }
            j = tasks.join_next(), if !workers_done => {
                if j.is_none() {
                    workers_done = true;
                }
            }
            _ = tick.tick() => {
                if cancel.is_cancelled() {
                    halt.cancel();
                }
                let p = live_progress(
                    &job.id, &prior, &shared, total, &mut rate, &clients, throttled_before,
                );
                progress.report(&p);
                ledger.beat(
                    job.elapsed_ms + started.elapsed().as_millis() as i64,
                    fed_total.map(|t| t as i64),
                );
            }
        }
    }
    // NOTE: the last requests may have ended after the last tick; this says where they left
    // the counts and the size before the run's closing report.
    progress.report(&live_progress(
        &job.id,
        &prior,
        &shared,
        total,
        &mut rate,
        &clients,
        throttled_before,
    ));
    if let Some(t) = fed_total {
        ledger.beat(
            job.elapsed_ms + started.elapsed().as_millis() as i64,
            Some(t as i64),
        );
    }
    let failure = ledger.failure();
    drop(ledger);
    let stop = shared.stop.lock().unwrap_or_else(|p| p.into_inner()).take();
    drop(shared);
    writer.close();
    if let Some(e) = stop {
        return Err(e);
    }
    if let Some(why) = failure {
        return Err(Error::Io(std::io::Error::other(why)));
    }
    Ok((!cancel.is_cancelled() && fed_total.is_some(), changed))
}

/// The rows a retry of `old` resends: its rejected, failed and unsent rows.
fn selection(app: &App, old: &str) -> Result<Selection> {
    app.store().read(|c| {
        let Some(j) = jobs::get(c, old)? else {
            return Err(Error::NotFound {
                what: "send job",
                key: old.to_string(),
            });
        };
        let mut sel = Selection::default();
        let mut after = -1;
        loop {
            let page = job_rows::page(
                c,
                j.seq,
                after,
                4096,
                &[RowState::Rejected, RowState::Failed, RowState::Invalid],
            )?;
            let Some(last) = page.last() else { break };
            after = last.idx;
            for e in page {
                if let (RowState::Failed, Some(id)) = (e.state, &e.record_id) {
                    sel.chosen.insert(e.idx, id.clone());
                }
                match e.row_key {
                    Some(k) => sel.keys.insert(k),
                    None => sel.positions.insert(e.idx),
                };
            }
        }
        Ok(sel)
    })
}

#[derive(Default)]
struct Rate(VecDeque<(Instant, u64)>);

impl Rate {
    fn per_second(&mut self, done: u64) -> f64 {
        let now = Instant::now();
        self.0.push_back((now, done));
        while self
            .0
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > RATE_WINDOW)
        {
            self.0.pop_front();
        }
        match self.0.front() {
            Some((t, d)) if now.duration_since(*t).as_secs_f64() > 0.2 => {
                (done - d) as f64 / now.duration_since(*t).as_secs_f64()
            }
            _ => 0.0,
        }
    }
}

/// 429 answers over every client of the send.
fn throttled(clients: &[Arc<DataverseClient>]) -> u64 {
    clients
        .iter()
        .map(|c| c.stats.throttled.load(Ordering::Relaxed))
        .sum()
}

/// Rows an earlier run of the job dealt with for good.
///
/// NOTE: rows failed or in flight in an earlier run are sent again in this one, so only the
/// settled ones carry over.
fn carried(prior: &Counts) -> u64 {
    prior.delivered + prior.rejected + prior.invalid
}

fn live_progress(
    job: &str,
    prior: &Counts,
    shared: &Shared,
    total: Option<u64>,
    rate: &mut Rate,
    clients: &[Arc<DataverseClient>],
    throttled_before: u64,
) -> JobProgress {
    let c = &shared.counters;
    let paused = clients.iter().filter_map(|c| c.paused_for()).max();
    let pacing = clients.iter().filter_map(|c| c.pacing_for()).min();
    let (d, r, f, i) = (
        c.delivered.load(Ordering::Relaxed),
        c.rejected.load(Ordering::Relaxed),
        c.failed.load(Ordering::Relaxed),
        c.invalid.load(Ordering::Relaxed),
    );
    let this_run = d + r + f + i;
    let done = carried(prior) + this_run;
    let per_second = rate.per_second(this_run);
    JobProgress {
        job: job.to_string(),
        state: JobState::Running,
        done,
        total,
        delivered: prior.delivered + d,
        rejected: prior.rejected + r,
        failed: f,
        invalid: prior.invalid + i,
        rows_per_second: per_second,
        eta_seconds: match total {
            Some(t) if per_second > 0.0 => Some(t.saturating_sub(done) as f64 / per_second),
            _ => None,
        },
        throttled: throttled(clients).saturating_sub(throttled_before),
        waiting: match (paused, pacing) {
            (Some(d), _) => Some(Wait {
                reason: "Dynamics asked Ferry to slow down (service protection limits); \
                         sending goes on by itself"
                    .into(),
                seconds: d.as_secs_f64(),
            }),
            // NOTE: short holds are the pacer's normal rhythm; only a long one is news.
            (None, Some(d)) if d >= Duration::from_secs(1) => Some(Wait {
                reason: "Pacing to the service-protection budget Dynamics reports, so it \
                         never has to refuse a request"
                    .into(),
                seconds: d.as_secs_f64(),
            }),
            _ => None,
        },
        rows_per_request: Some(shared.sizer.rows() as u32),
    }
}

async fn worker(
    s: Arc<Shared>,
    client: Arc<DataverseClient>,
    rx: Arc<tokio::sync::Mutex<tokio::sync::mpsc::Receiver<Vec<Item>>>>,
) {
    loop {
        if s.halt.is_cancelled() {
            break;
        }
        let next = rx.lock().await.recv().await;
        let Some(items) = next else { break };
        if s.halt.is_cancelled() {
            // NOTE: left without a ledger entry, these rows are sent when the job resumes.
            break;
        }
        if let Err(e) = send_items(&s, &client, items).await {
            s.stop(e);
            break;
        }
    }
}

/// The chosen id a create row carries.
fn chosen_id(row: &BulkRow, primary_id: &str) -> Option<String> {
    row.record
        .get(primary_id)
        .and_then(|v| v.as_str())
        .map(str::to_ascii_lowercase)
}

struct Meta {
    fp: i64,
    key: Option<String>,
    recheck: bool,
}

async fn send_items(s: &Shared, client: &DataverseClient, items: Vec<Item>) -> Result<()> {
    let pid = &s.table.primary_id;
    let mut entries: Vec<Entry> = Vec::with_capacity(items.len());
    let (mut rows, mut metas): (Vec<BulkRow>, Vec<Meta>) = items
        .into_iter()
        .map(|i| {
            (
                i.row,
                Meta {
                    fp: i.fp,
                    key: i.key,
                    recheck: i.recheck,
                },
            )
        })
        .unzip();
    if s.op == BulkOp::Create {
        let ask: Vec<String> = rows
            .iter()
            .zip(&metas)
            .filter(|(_, m)| m.recheck)
            .filter_map(|(r, _)| chosen_id(r, pid))
            .collect();
        if !ask.is_empty() {
            let found = lookup::existing(client, &s.table, &ask).await?;
            let mut keep_rows = Vec::with_capacity(rows.len());
            let mut keep_metas = Vec::with_capacity(rows.len());
            for (r, m) in rows.into_iter().zip(metas) {
                match chosen_id(&r, pid) {
                    Some(id) if m.recheck && found.contains(&id) => {
                        entries.push(delivered(r.index as i64, &m, Some(id), Some(true)));
                    }
                    _ => {
                        keep_rows.push(r);
                        keep_metas.push(m);
                    }
                }
            }
            (rows, metas) = (keep_rows, keep_metas);
        }
        let flying: Vec<Entry> = rows
            .iter()
            .zip(&metas)
            .map(|(r, m)| Entry::in_flight(r.index as i64, m.fp, m.key.clone(), chosen_id(r, pid)))
            .collect();
        s.ledger.put_durable(flying).await?;
    }
    // NOTE: which keys name a record before the write tells a receipt "updated" from
    // "created"; unknown (`None`) when the lookup fails, which costs the receipt that detail
    // and never the send.
    let existed =
        if s.op == BulkOp::Upsert && rows.iter().any(|r| matches!(r.row, Some(RowRef::Key(_)))) {
            let keys: Vec<&RowRef> = rows
                .iter()
                .filter_map(|r| r.row.as_ref())
                .filter(|k| matches!(k, RowRef::Key(_)))
                .collect();
            lookup::by_keys(client, &s.table, &keys).await.ok()
        } else {
            None
        };
    let outcomes = if rows.is_empty() {
        Vec::new()
    } else {
        let sent = Instant::now();
        let out = bulk::send_rows(client, &s.table, s.op, &rows, &s.bulk, &s.support).await?;
        let timed_out = out.iter().any(|o| {
            matches!(&o.status, RowStatus::Rejected(api) if api.code.eq_ignore_ascii_case(size::SQL_TIMEOUT))
        });
        if timed_out {
            s.sizer.timed_out(rows.len());
        } else {
            s.sizer.sent(rows.len(), sent.elapsed(), client.budgets());
        }
        out
    };
    let mut duplicates: Vec<(usize, String)> = Vec::new();
    let mut unnamed: Vec<usize> = Vec::new();
    let mut pending: Vec<Option<Entry>> = Vec::with_capacity(rows.len());
    for (n, ((r, m), o)) in rows.iter().zip(&metas).zip(outcomes).enumerate() {
        let idx = r.index as i64;
        let chosen = chosen_id(r, pid);
        let e = match o.status {
            RowStatus::Delivered(id) => {
                let before = existed
                    .as_ref()
                    .map(|found| found.get(&m.key.as_deref().unwrap_or_default().to_lowercase()));
                let created = match (s.op, before) {
                    (BulkOp::Create, _) => Some(true),
                    (BulkOp::Update, _) => Some(false),
                    (BulkOp::Upsert, Some(was)) => Some(was.is_none()),
                    _ => None,
                };
                let id = id
                    .or(chosen)
                    .or_else(|| before.flatten().cloned())
                    .or_else(|| match &r.row {
                        Some(RowRef::Id(id)) => Some(id.to_ascii_lowercase()),
                        _ => None,
                    });
                if id.is_none() && s.op != BulkOp::Delete && matches!(r.row, Some(RowRef::Key(_))) {
                    unnamed.push(n);
                }
                delivered(idx, m, id, created)
            }
            RowStatus::Rejected(api) => {
                if s.op == BulkOp::Create && api.code.eq_ignore_ascii_case(DUPLICATE_KEY) {
                    if let Some(id) = chosen.clone() {
                        // NOTE: an earlier attempt of this request may have written the row
                        // before its answer was lost; the id is Ferry's own, so finding it
                        // means the row was delivered, not that it clashes.
                        duplicates.push((n, id));
                    }
                }
                Entry {
                    state: RowState::Rejected,
                    code: Some(api.code),
                    message: Some(api.message),
                    ..Entry::in_flight(idx, m.fp, m.key.clone(), None)
                }
            }
            RowStatus::FailedRetriable(why) => Entry {
                state: RowState::Failed,
                message: Some(why),
                // NOTE: a create keeps its chosen id, so a later run looks it up first.
                ..Entry::in_flight(idx, m.fp, m.key.clone(), chosen)
            },
            RowStatus::Invalid(why) => Entry {
                state: RowState::Invalid,
                message: Some(why),
                ..Entry::in_flight(idx, m.fp, m.key.clone(), None)
            },
        };
        pending.push(Some(e));
    }
    if !duplicates.is_empty() {
        let ids: Vec<String> = duplicates.iter().map(|(_, id)| id.clone()).collect();
        let found = lookup::existing(client, &s.table, &ids).await?;
        for (n, id) in duplicates {
            if found.contains(&id) {
                let m = &metas[n];
                pending[n] = Some(delivered(rows[n].index as i64, m, Some(id), Some(true)));
            }
        }
    }
    if !unnamed.is_empty() {
        // NOTE: a receipt without its record id is still true, so a failed lookup costs
        // only the ids, never the send.
        let keys: Vec<&RowRef> = unnamed
            .iter()
            .filter_map(|&n| rows[n].row.as_ref())
            .collect();
        let found = lookup::by_keys(client, &s.table, &keys)
            .await
            .unwrap_or_default();
        for n in unnamed {
            let label = metas[n].key.as_deref().unwrap_or_default().to_lowercase();
            if let (Some(id), Some(Some(e))) = (found.get(&label), pending.get_mut(n)) {
                e.record_id = Some(id.clone());
            }
        }
    }
    entries.extend(pending.into_iter().flatten());
    for e in &entries {
        let c = match e.state {
            RowState::Delivered => &s.counters.delivered,
            RowState::Rejected => &s.counters.rejected,
            RowState::Failed => &s.counters.failed,
            RowState::Invalid => &s.counters.invalid,
            RowState::InFlight => continue,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }
    s.ledger.put(entries)
}

fn delivered(idx: i64, m: &Meta, id: Option<String>, created: Option<bool>) -> Entry {
    Entry {
        state: RowState::Delivered,
        created,
        ..Entry::in_flight(idx, m.fp, m.key.clone(), id)
    }
}
