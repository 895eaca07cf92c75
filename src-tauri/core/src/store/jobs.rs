//! The `jobs` table: one row per send, with what it sent, for whom, and how it stands.
//! Migration: `migrations/0008_jobs.sql`. Its rows' outcomes are in [`super::job_rows`].
//!
//! A job being sent is `running` and names its owner (`pid:start`), whose heartbeat moves on
//! while it works. A `running` job whose owner has gone (killed, crashed, power lost) is
//! unfinished, and [`claim`] lets the next process take it over, exactly one of them.

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// How a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum JobState {
    /// Being sent by a live process (or by one that died: see [`JobRow::abandoned`]).
    Running,
    /// Left unfinished by a process that stopped; resumable.
    Interrupted,
    /// Stopped by a person; resumable.
    Cancelled,
    /// Every row was dealt with.
    Finished,
    /// Stopped by an error that would fail every row (sign-in, permission); resumable once
    /// that is fixed.
    Stopped,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Interrupted => "interrupted",
            JobState::Cancelled => "cancelled",
            JobState::Finished => "finished",
            JobState::Stopped => "stopped",
        }
    }

    fn parse(s: &str) -> JobState {
        match s {
            "running" => JobState::Running,
            "cancelled" => JobState::Cancelled,
            "finished" => JobState::Finished,
            "stopped" => JobState::Stopped,
            _ => JobState::Interrupted,
        }
    }
}

/// One job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    pub seq: i64,
    pub id: String,
    pub template_id: String,
    pub template_name: String,
    pub destination_id: String,
    pub destination_name: String,
    pub table_name: String,
    /// `query` or `segment`.
    pub source_kind: String,
    pub source_id: String,
    pub source_name: String,
    /// The template's operation as JSON (`mapping::plan::Operation`).
    pub operation: String,
    pub actor_id: String,
    pub actor_name: String,
    pub retry_of: Option<String>,
    /// Whether the match key's values (and so receipts' keys) are personal data.
    pub key_pii: bool,
    pub state: JobState,
    pub total: Option<i64>,
    pub error: Option<String>,
    pub owner: Option<String>,
    /// Unix milliseconds of the owner's last sign of life.
    pub heartbeat: i64,
    pub elapsed_ms: i64,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// How long a running job's owner may stay silent before the job counts as abandoned when
/// its process cannot be looked up (see [`owner_alive`]).
pub const STALE_MS: i64 = 30_000;

impl JobRow {
    /// Whether the job says `running` but nobody runs it any more.
    pub fn abandoned(&self, now_ms: i64) -> bool {
        self.state == JobState::Running
            && match self.owner.as_deref().and_then(owner_alive) {
                Some(alive) => !alive,
                None => now_ms - self.heartbeat > STALE_MS,
            }
    }
}

/// This process as a job's owner: its pid and start time, so a reused pid is not mistaken
/// for the process that began the job.
pub fn this_owner() -> String {
    format!(
        "{}:{}",
        std::process::id(),
        process_start(std::process::id()).unwrap_or(0)
    )
}

/// Whether the owner named `pid:start` still runs; `None` where the OS cannot say.
pub fn owner_alive(owner: &str) -> Option<bool> {
    let (pid, start) = owner.split_once(':')?;
    let pid: u32 = pid.parse().ok()?;
    let start: u64 = start.parse().ok()?;
    if start == 0 {
        return None;
    }
    Some(process_start(pid) == Some(start))
}

/// The process's start time in clock ticks since boot (Linux `/proc/PID/stat` field 22).
#[cfg(target_os = "linux")]
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // NOTE: the command name (field 2) may hold spaces and parentheses; fields after it are
    // counted from its closing parenthesis.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(not(target_os = "linux"))]
fn process_start(_pid: u32) -> Option<u64> {
    None
}

/// Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

const COLUMNS: &str = "seq, id, template_id, template_name, destination_id, destination_name, \
     table_name, source_kind, source_id, source_name, operation, actor_id, actor_name, retry_of, \
     state, total, error, owner, heartbeat, elapsed_ms, created_at, finished_at, key_pii";

fn from_row(r: &Row<'_>) -> rusqlite::Result<JobRow> {
    let state: String = r.get(14)?;
    Ok(JobRow {
        seq: r.get(0)?,
        id: r.get(1)?,
        template_id: r.get(2)?,
        template_name: r.get(3)?,
        destination_id: r.get(4)?,
        destination_name: r.get(5)?,
        table_name: r.get(6)?,
        source_kind: r.get(7)?,
        source_id: r.get(8)?,
        source_name: r.get(9)?,
        operation: r.get(10)?,
        actor_id: r.get(11)?,
        actor_name: r.get(12)?,
        retry_of: r.get(13)?,
        state: JobState::parse(&state),
        total: r.get(15)?,
        error: r.get(16)?,
        owner: r.get(17)?,
        heartbeat: r.get(18)?,
        elapsed_ms: r.get(19)?,
        created_at: r.get(20)?,
        finished_at: r.get(21)?,
        key_pii: r.get(22)?,
    })
}

/// Adds a job (its `seq` is ignored and assigned); returns the job as stored.
pub fn insert(conn: &Connection, j: &JobRow) -> Result<JobRow> {
    conn.execute(
        "INSERT INTO jobs (id, template_id, template_name, destination_id, destination_name, \
         table_name, source_kind, source_id, source_name, operation, actor_id, actor_name, \
         retry_of, state, total, error, owner, heartbeat, elapsed_ms, created_at, finished_at, \
         key_pii) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, \
         ?17, ?18, ?19, ?20, ?21, ?22)",
        params![
            j.id,
            j.template_id,
            j.template_name,
            j.destination_id,
            j.destination_name,
            j.table_name,
            j.source_kind,
            j.source_id,
            j.source_name,
            j.operation,
            j.actor_id,
            j.actor_name,
            j.retry_of,
            j.state.as_str(),
            j.total,
            j.error,
            j.owner,
            j.heartbeat,
            j.elapsed_ms,
            j.created_at,
            j.finished_at,
            j.key_pii,
        ],
    )?;
    Ok(get(conn, &j.id)?.expect("the job was just inserted"))
}

/// The job with this id.
pub fn get(conn: &Connection, id: &str) -> Result<Option<JobRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// Jobs, newest first, at most `limit`.
pub fn list(conn: &Connection, limit: usize) -> Result<Vec<JobRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM jobs ORDER BY created_at DESC, seq DESC LIMIT ?1"
    ))?;
    let rows = stmt
        .query_map([limit as i64], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Takes a job over for this process: only if it is not running, or its owner is gone.
/// Returns whether this process now owns it; exactly one of several racing processes does.
pub fn claim(conn: &Connection, id: &str, owner: &str, now_ms: i64) -> Result<bool> {
    let Some(job) = get(conn, id)? else {
        return Ok(false);
    };
    if job.state == JobState::Running && !job.abandoned(now_ms) {
        return Ok(false);
    }
    // NOTE: conditional on the state and owner read above, so a process that claimed it in
    // between wins and this one changes nothing.
    let changed = conn.execute(
        "UPDATE jobs SET state = 'running', owner = ?2, heartbeat = ?3, error = NULL, \
         finished_at = NULL WHERE id = ?1 AND state = ?4 AND owner IS ?5",
        params![id, owner, now_ms, job.state.as_str(), job.owner],
    )?;
    Ok(changed == 1)
}

/// The owner's sign of life, with the time spent so far and the total once known.
pub fn heartbeat(
    conn: &Connection,
    seq: i64,
    owner: &str,
    now_ms: i64,
    elapsed_ms: i64,
    total: Option<i64>,
) -> Result<()> {
    conn.execute(
        "UPDATE jobs SET heartbeat = ?3, elapsed_ms = ?4, total = COALESCE(?5, total) \
         WHERE seq = ?1 AND owner = ?2",
        params![seq, owner, now_ms, elapsed_ms, total],
    )?;
    Ok(())
}

/// Ends this owner's run of the job in `state`.
pub fn finish(
    conn: &Connection,
    seq: i64,
    state: JobState,
    error: Option<&str>,
    elapsed_ms: i64,
    now: i64,
) -> Result<()> {
    conn.execute(
        "UPDATE jobs SET state = ?2, error = ?3, elapsed_ms = ?4, owner = NULL, \
         finished_at = CASE WHEN ?2 = 'finished' THEN ?5 ELSE finished_at END WHERE seq = ?1",
        params![seq, state.as_str(), error, elapsed_ms, now],
    )?;
    Ok(())
}

/// Marks the running jobs nobody runs any more as interrupted; returns how many.
pub fn mark_abandoned(conn: &Connection, now_ms: i64) -> Result<usize> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM jobs WHERE state = 'running'"
    ))?;
    let running = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut n = 0;
    for j in running.iter().filter(|j| j.abandoned(now_ms)) {
        n += conn.execute(
            "UPDATE jobs SET state = 'interrupted', owner = NULL WHERE seq = ?1 AND owner IS ?2",
            params![j.seq, j.owner],
        )?;
    }
    Ok(n)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::Store;

    pub(crate) fn job(id: &str) -> JobRow {
        JobRow {
            seq: 0,
            id: id.into(),
            template_id: "tpl_1".into(),
            template_name: "Contacts".into(),
            destination_id: "dst_1".into(),
            destination_name: "Local".into(),
            table_name: "contact".into(),
            source_kind: "query".into(),
            source_id: "qry_1".into(),
            source_name: "All".into(),
            operation: r#"{"kind":"create"}"#.into(),
            actor_id: "usr_1".into(),
            actor_name: "Ada".into(),
            retry_of: None,
            key_pii: false,
            state: JobState::Running,
            total: None,
            error: None,
            owner: Some(this_owner()),
            heartbeat: now_ms(),
            elapsed_ms: 0,
            created_at: 1,
            finished_at: None,
        }
    }

    #[test]
    fn this_process_is_alive_and_a_made_up_owner_is_not() {
        assert_eq!(owner_alive(&this_owner()), Some(true));
        // Same pid, another start time: a reused pid is not the job's owner.
        let me = std::process::id();
        assert_eq!(owner_alive(&format!("{me}:1")), Some(false));
        assert_eq!(owner_alive("garbage"), None);
    }

    #[test]
    fn only_one_claim_wins_and_a_live_owner_keeps_its_job() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let conn = store.conn().unwrap();
        let j = insert(&conn, &job("job_a")).unwrap();
        assert!(
            !claim(&conn, "job_a", "other:1", now_ms()).unwrap(),
            "a job its live owner runs cannot be taken"
        );
        finish(&conn, j.seq, JobState::Cancelled, None, 5, 2).unwrap();
        let me = this_owner();
        assert!(claim(&conn, "job_a", &me, now_ms()).unwrap());
        assert!(
            !claim(&conn, "job_a", "2:2", now_ms()).unwrap(),
            "the first claim holds: its owner is alive"
        );
        let got = get(&conn, "job_a").unwrap().unwrap();
        assert_eq!(
            (got.state, got.owner.as_deref()),
            (JobState::Running, Some(me.as_str()))
        );
    }

    #[test]
    fn a_job_whose_owner_died_is_marked_interrupted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let conn = store.conn().unwrap();
        let mut dead = job("job_dead");
        dead.owner = Some(format!("{}:1", std::process::id()));
        insert(&conn, &dead).unwrap();
        insert(&conn, &job("job_live")).unwrap();
        assert_eq!(mark_abandoned(&conn, now_ms()).unwrap(), 1);
        assert_eq!(
            get(&conn, "job_dead").unwrap().unwrap().state,
            JobState::Interrupted
        );
        assert_eq!(
            get(&conn, "job_live").unwrap().unwrap().state,
            JobState::Running
        );
    }
}
