//! `ferry send` and `ferry jobs`: sending a template's rows as a job, resuming or retrying
//! one, and its history with per-row receipts. The engine and its rules are core's
//! (`ops::jobs`); this file reads flags, draws the progress line and prints.
//!
//! For schedulers: `--json` prints the job as JSON, and the exit status says how it went
//! (0 every row delivered, 15 some rows rejected, failed or not sent, 130 cancelled with
//! Ctrl-C; other errors as every command).

use crate::output::{print_json, table};
use crate::progress::ProgressLine;
use crate::templates_cmd::EXIT_ROWS_WITH_ERRORS;
use clap::{Args, Subcommand, ValueEnum};
use ferry_core::jobs::Cancel;
use ferry_core::ops::jobs::{self, JobProgress, JobView, ReceiptFilter, SendOptions};
use ferry_core::ops::start::{self, DemoTarget};
use ferry_core::ops::{destinations, preview, templates};
use ferry_core::policy::Actor;
use ferry_core::secrets::Secret;
use ferry_core::store::job_rows::RowState;
use ferry_core::store::jobs::JobState;
use ferry_core::{App, Error, Result};
use ferry_sandbox::{Profile, Sandbox, SandboxConfig, SandboxHandle};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;
use tokio::runtime::Runtime;

/// The exit status of a send the person stopped with Ctrl-C.
pub const EXIT_CANCELLED: u8 = 130;

#[derive(Args)]
pub struct SendArgs {
    /// The template to send (name or id).
    #[arg(required_unless_present_any = ["resume", "retry_failed"])]
    template: Option<String>,
    /// Read and map every row and say what would be sent; send nothing.
    #[arg(long, conflicts_with_all = ["resume", "retry_failed"])]
    dry_run: bool,
    /// Carry on with an unfinished job (see `ferry jobs`): rows already delivered are not
    /// sent again.
    #[arg(long, value_name = "JOB", conflicts_with_all = ["template", "retry_failed"])]
    resume: Option<String>,
    /// Send again the rows a job rejected, failed or did not send (after fixing the data):
    /// a new job reads the source again and sends only those rows.
    #[arg(long, value_name = "JOB", conflicts_with = "template")]
    retry_failed: Option<String>,
    /// Rows per request, 1 to 1000, for the whole send (default: starts at 500 and adapts to
    /// how long rows take and which service-protection limit binds).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1000))]
    chunk_size: Option<u16>,
    /// Requests in flight at once, 1 to 52 (default: what Dynamics recommends).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=52))]
    parallelism: Option<u8>,
    #[command(flatten)]
    list: crate::campaigns_cmd::SendToListArgs,
}

#[derive(Args)]
pub struct JobsArgs {
    #[command(subcommand)]
    cmd: Option<JobsCmd>,
}

#[derive(Subcommand)]
enum JobsCmd {
    /// Jobs, newest first (the default).
    List {
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One job: what it sent, for whom, how it went.
    Show { job: String },
    /// A job's per-row receipts: outcome, Dynamics record id, error.
    Receipts {
        job: String,
        /// Only rows with this outcome (repeatable).
        #[arg(long, value_enum)]
        state: Vec<StateArg>,
        #[arg(long, default_value_t = 0)]
        offset: usize,
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Write the rows a job rejected, failed or did not send to a CSV file, with the reason.
    ExportRejects {
        job: String,
        /// The CSV file to write.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Add the records a segment's send delivered to a Dynamics marketing list (an existing
    /// static list, or a new one).
    AddToList(crate::campaigns_cmd::AddToListArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum StateArg {
    Delivered,
    Rejected,
    Failed,
    NotSent,
    InFlight,
}

impl From<StateArg> for RowState {
    fn from(s: StateArg) -> RowState {
        match s {
            StateArg::Delivered => RowState::Delivered,
            StateArg::Rejected => RowState::Rejected,
            StateArg::Failed => RowState::Failed,
            StateArg::NotSent => RowState::Invalid,
            StateArg::InFlight => RowState::InFlight,
        }
    }
}

/// `ferry send`.
pub fn send(args: SendArgs, app: &App, me: &Actor, rt: &Runtime, json: bool) -> Result<u8> {
    // NOTE: kept until the command ends, like every sandbox handle here.
    let _first = match &args.template {
        Some(t)
            if t.trim().eq_ignore_ascii_case(start::DEMO_TEMPLATE_NAME)
                && templates::get(app, me, t).is_err() =>
        {
            first_start(app, me, rt)?
        }
        _ => None,
    };
    if args.dry_run {
        let name = args.template.as_deref().unwrap_or_default();
        return dry_run(app, me, rt, name, json);
    }
    if let Some(t) = &args.template {
        crate::campaigns_cmd::check_before_send(app, me, t, &args.list)?;
    }
    if !json && args.resume.is_none() {
        offer_unfinished(app, me);
    }
    let opts = SendOptions {
        chunk_size: args.chunk_size.map(usize::from),
        parallelism: args.parallelism.map(usize::from),
        ..SendOptions::default()
    };
    // NOTE: the sandbox handle is kept until the send ends: the local sandbox stops when it
    // is dropped.
    let (job, _sandbox) = match (&args.resume, &args.retry_failed, &args.template) {
        (Some(id), _, _) => {
            let j = jobs::get(app, me, id)?;
            let sandbox = local_sandbox(app, me, &j.template.id)?;
            (j, sandbox)
        }
        (_, Some(id), _) => {
            let old = jobs::get(app, me, id)?;
            let sandbox = local_sandbox(app, me, &old.template.id)?;
            (rt.block_on(jobs::retry_failed(app, me, id))?, sandbox)
        }
        (_, _, Some(t)) => {
            let sandbox = local_sandbox(app, me, t)?;
            (rt.block_on(jobs::start(app, me, t))?, sandbox)
        }
        _ => unreachable!("clap requires one"),
    };
    if args.resume.is_some() && !job.resumable {
        return Err(Error::field(
            "resume",
            format!(
                "The send job {} is {}: there is nothing to resume.{}",
                job.id,
                state_word(job.state),
                if job.counts.rejected + job.counts.failed + job.counts.invalid > 0 {
                    format!(
                        " To send its failed rows again: ferry send --retry-failed {}",
                        job.id
                    )
                } else {
                    String::new()
                }
            ),
        ));
    }
    let cancel = Cancel::default();
    let stopper = cancel.clone();
    rt.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stopper.cancel();
            eprintln!(
                "\nStopping: waiting for the requests already sent, so every row is recorded \
                 (Ctrl-C again quits at once; the job can be resumed either way)."
            );
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(i32::from(EXIT_CANCELLED));
            }
        }
    });
    let line = std::sync::Mutex::new(ProgressLine::new(json));
    let name = job.template.name.clone();
    let report = |p: &JobProgress| {
        line.lock()
            .unwrap_or_else(|p| p.into_inner())
            .draw(|| progress_text(&name, p));
    };
    let done = rt.block_on(jobs::run(app, me, &job.id, &opts, &report, &cancel));
    line.lock().unwrap_or_else(|p| p.into_inner()).clear();
    let done = done?;
    if !json {
        println!("{}", summary(&done));
    }
    let added = match done.state {
        JobState::Finished => crate::campaigns_cmd::after_send(app, me, rt, &done, &args.list),
        _ => Ok(None),
    };
    if json {
        match &added {
            Ok(Some(a)) => print_json(&serde_json::json!({ "job": done, "addedToList": a })),
            _ => print_json(&done),
        }
    } else if let Ok(Some(a)) = &added {
        println!("{}", crate::campaigns_cmd::added_text(a));
    }
    added?;
    Ok(exit_status(&done))
}

fn exit_status(j: &JobView) -> u8 {
    match j.state {
        JobState::Cancelled => EXIT_CANCELLED,
        _ if j.counts.rejected + j.counts.failed + j.counts.invalid > 0 => EXIT_ROWS_WITH_ERRORS,
        _ => 0,
    }
}

fn dry_run(app: &App, me: &Actor, rt: &Runtime, template: &str, json: bool) -> Result<u8> {
    let t = templates::get(app, me, template)?;
    let _sandbox = local_sandbox(app, me, &t.id)?;
    let p = rt.block_on(preview::preview(app, me, template, 0, false))?;
    if json {
        print_json(&serde_json::json!({
            "dryRun": true,
            "template": p.template,
            "total": p.total,
            "ready": p.ready,
            "warning": p.warning,
            "error": p.error,
            "dropped": p.dropped,
        }));
    } else {
        println!(
            "Dry run of {} (nothing sent): {} rows would be sent ({} ready, {} with warnings); \
             {} rows have errors and would not be sent.",
            p.template.name,
            p.ready + p.warning,
            p.ready,
            p.warning,
            p.error
        );
        if p.error > 0 {
            println!(
                "See them with: ferry preview \"{}\" --errors-only",
                p.template.name
            );
        }
    }
    Ok(if p.error > 0 {
        EXIT_ROWS_WITH_ERRORS
    } else {
        0
    })
}

/// Says, on stderr, which jobs a stopped process left unfinished.
fn offer_unfinished(app: &App, me: &Actor) {
    let Ok(left) = jobs::unfinished(app, me) else {
        return;
    };
    for j in left {
        eprintln!(
            "The send job {} ({} to {}) was left unfinished with {} of {} rows done: resume it \
             with `ferry send --resume {}`.",
            j.id,
            j.template.name,
            j.destination.name,
            done_rows(&j),
            j.total.map_or("?".to_string(), |t| t.to_string()),
            j.id
        );
    }
}

fn done_rows(j: &JobView) -> u64 {
    j.counts.delivered + j.counts.rejected + j.counts.failed + j.counts.invalid
}

fn progress_text(name: &str, p: &JobProgress) -> String {
    let of = match p.total {
        Some(t) if t > 0 => format!(
            "{} of {} rows ({}%)",
            p.done,
            t,
            p.done.saturating_mul(100) / t
        ),
        _ => format!("{} rows", p.done),
    };
    let mut text = format!("Sending {name}: {of} · {:.0} rows/s", p.rows_per_second);
    if let Some(n) = p.rows_per_request {
        text.push_str(&format!(" · {n} a request"));
    }
    if let Some(eta) = p.eta_seconds {
        text.push_str(&format!(" · {} left", duration_words(eta)));
    }
    if let Some(w) = &p.waiting {
        text.push_str(&format!(
            " · waiting {:.0} s: Dynamics asked to slow down",
            w.seconds.ceil()
        ));
    }
    text
}

fn duration_words(secs: f64) -> String {
    let s = secs.round() as u64;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {} s", s / 60, s % 60)
    } else {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    }
}

fn state_word(s: JobState) -> &'static str {
    match s {
        JobState::Running => "running",
        JobState::Interrupted => "interrupted",
        JobState::Cancelled => "cancelled",
        JobState::Finished => "finished",
        JobState::Stopped => "stopped",
    }
}

fn summary(j: &JobView) -> String {
    let c = &j.counts;
    let mut s = format!(
        "{} {} to {} (job {}): {} delivered",
        match j.state {
            JobState::Finished => "Sent",
            JobState::Cancelled => "Cancelled sending",
            _ => "Stopped sending",
        },
        j.template.name,
        j.destination.name,
        j.id,
        c.delivered
    );
    if c.created + c.updated > 0 {
        s.push_str(&format!(" ({} created, {} updated)", c.created, c.updated));
    }
    s.push_str(&format!(
        ", {} rejected, {} failed, {} not sent (errors in the data), in {}.",
        c.rejected,
        c.failed,
        c.invalid,
        duration_words(j.elapsed_ms as f64 / 1000.0)
    ));
    if j.state == JobState::Cancelled {
        s.push_str(&format!("\nResume it with: ferry send --resume {}", j.id));
    } else if c.rejected + c.failed + c.invalid > 0 {
        s.push_str(&format!(
            "\nSee why with: ferry jobs receipts {} --state rejected --state failed --state \
             not-sent\nFix the data, then: ferry send --retry-failed {}",
            j.id, j.id
        ));
    }
    s
}

/// `ferry jobs`.
pub fn jobs_cmd(args: JobsArgs, app: &App, me: &Actor, rt: &Runtime, json: bool) -> Result<u8> {
    match args.cmd.unwrap_or(JobsCmd::List { limit: 50 }) {
        JobsCmd::List { limit } => {
            let list = jobs::list(app, me, limit)?;
            if json {
                print_json(&list);
            } else if list.is_empty() {
                println!("No send jobs yet: send a template with `ferry send TEMPLATE`.");
            } else {
                table(
                    &[
                        "Job",
                        "Template",
                        "Destination",
                        "Ran by",
                        "State",
                        "Rows",
                        "Delivered",
                        "Rejected",
                        "Failed",
                        "Not sent",
                    ],
                    list.iter()
                        .map(|j| {
                            vec![
                                j.id.clone(),
                                j.template.name.clone(),
                                j.destination.name.clone(),
                                j.ran_by.name.clone(),
                                state_word(j.state).to_string(),
                                j.total.map_or("?".into(), |t| t.to_string()),
                                j.counts.delivered.to_string(),
                                j.counts.rejected.to_string(),
                                j.counts.failed.to_string(),
                                j.counts.invalid.to_string(),
                            ]
                        })
                        .collect(),
                );
                let unfinished = list.iter().filter(|j| j.state == JobState::Interrupted);
                for j in unfinished {
                    println!("{} was left unfinished: ferry send --resume {}", j.id, j.id);
                }
            }
        }
        JobsCmd::Show { job } => {
            let j = jobs::get(app, me, &job)?;
            if json {
                print_json(&j);
            } else {
                println!("{}", summary(&j));
                println!(
                    "Source: {} ({}); table {}; ran by {}; state {}{}",
                    j.source_name,
                    match &j.source {
                        ferry_core::ops::rows::RowSource::Query(_) => "query",
                        ferry_core::ops::rows::RowSource::Segment(_) => "segment",
                    },
                    j.table,
                    j.ran_by.name,
                    state_word(j.state),
                    j.error
                        .as_deref()
                        .map(|e| format!("\nWhy it stopped: {e}"))
                        .unwrap_or_default()
                );
            }
        }
        JobsCmd::Receipts {
            job,
            state,
            offset,
            limit,
        } => {
            let r = jobs::receipts(
                app,
                me,
                &job,
                &ReceiptFilter {
                    states: state.into_iter().map(RowState::from).collect(),
                    offset,
                    limit,
                },
            )?;
            if json {
                print_json(&r);
            } else if r.rows.is_empty() {
                println!("No receipts match.");
            } else {
                table(
                    &["Row", "Key", "Outcome", "Record id", "Error", "Message"],
                    r.rows
                        .iter()
                        .map(|x| {
                            vec![
                                x.index.to_string(),
                                x.key.clone().unwrap_or_default(),
                                outcome_word(x.state, x.created).to_string(),
                                x.record_id.clone().unwrap_or_default(),
                                x.code.clone().unwrap_or_default(),
                                x.message.clone().unwrap_or_default(),
                            ]
                        })
                        .collect(),
                );
                println!(
                    "{} of {} receipts{}",
                    r.rows.len(),
                    r.total,
                    if r.pii_hidden {
                        "; personal data is hidden from you"
                    } else {
                        ""
                    }
                );
            }
        }
        JobsCmd::AddToList(a) => return crate::campaigns_cmd::add_to_list(a, app, me, rt, json),
        JobsCmd::ExportRejects { job, output } => {
            let n = jobs::export_rejects(app, me, &job, &output)?;
            if json {
                print_json(&serde_json::json!({ "rows": n, "file": output }));
            } else {
                println!("Wrote {n} rows to {}.", output.display());
            }
        }
    }
    Ok(0)
}

fn outcome_word(s: RowState, created: Option<bool>) -> &'static str {
    match (s, created) {
        (RowState::Delivered, Some(true)) => "created",
        (RowState::Delivered, Some(false)) => "updated",
        (RowState::Delivered, None) => "delivered",
        (RowState::Rejected, _) => "rejected",
        (RowState::Failed, _) => "failed",
        (RowState::Invalid, _) => "not sent",
        (RowState::InFlight, _) => "in flight",
    }
}

/// [`sandbox_for`] the destination `template` sends to.
fn local_sandbox(app: &App, me: &Actor, template: &str) -> Result<Option<SandboxHandle>> {
    let t = templates::get(app, me, template)?;
    sandbox_for(app, me, &t.destination.id)
}

/// The local sandbox, started for this command when `destination` is the Local sandbox and
/// nothing answers at its address (the app is not running), for as long as the handle lives.
pub(crate) fn sandbox_for(
    app: &App,
    me: &Actor,
    destination: &str,
) -> Result<Option<SandboxHandle>> {
    let dest = destinations::get(app, me, destination)?;
    if dest.id != start::DEMO_DESTINATION_ID {
        return Ok(None);
    }
    let port = listening_port(&dest.dynamics_url);
    if port.is_some_and(answers) {
        return Ok(None);
    }
    start_local(app, port.map_or(start::SANDBOX_PORT, |a| a.port())).map(Some)
}

/// On a machine where Ferry never ran (no app start has made them), makes what the app's
/// first start makes, when the demo template is asked for and not found yet: the demo customers, the Local
/// sandbox destination and the "Demo contacts" template, with the local sandbox running for
/// them. `None` when the destination exists, the user deleted it, or `FERRY_DEMO=off`.
fn first_start(app: &App, me: &Actor, rt: &Runtime) -> Result<Option<SandboxHandle>> {
    let startup = Actor::startup();
    let exists = destinations::get(app, me, start::DEMO_DESTINATION_ID).is_ok();
    let off = std::env::var("FERRY_DEMO").is_ok_and(|v| v.eq_ignore_ascii_case("off"));
    if off || exists || start::demo_destination_removed(app, me)? {
        return Ok(None);
    }
    ferry_core::ops::data::ensure_demo(app, &startup)?;
    let handle = start_local(app, start::SANDBOX_PORT)?;
    rt.block_on(start::ensure_demo_template(app, &startup))?;
    Ok(Some(handle))
}

/// Starts the local sandbox on `port` (or any free port) and points the Local sandbox
/// destination at it.
pub(crate) fn start_local(app: &App, port: u16) -> Result<SandboxHandle> {
    let config = |port| {
        let mut c = SandboxConfig::for_profile(Profile::Demo);
        c.data_path = Some(app.data_dir().join(start::SANDBOX_FILE));
        c.port = port;
        c
    };
    let handle = Sandbox::start(config(port))
        .or_else(|_| Sandbox::start(config(0)))
        .map_err(|e| Error::Network {
            message: format!("The local sandbox could not be started for this send: {e}"),
            field: None,
        })?;
    let demo = DemoTarget {
        base_url: handle.base_url.clone(),
        tenant: handle.tenant.clone(),
        client_id: handle.client_id.clone(),
        client_secret: Secret::new(handle.client_secret.clone()),
    };
    start::ensure_demo_destination(app, &Actor::startup(), &demo)?;
    eprintln!(
        "Started the local sandbox at {} for this send; it stops when the send ends.",
        handle.base_url
    );
    Ok(handle)
}

pub(crate) fn listening_port(url: &str) -> Option<SocketAddr> {
    let rest = url.split_once("://")?.1;
    let host = rest.split('/').next()?;
    host.to_socket_addrs().ok()?.next()
}

pub(crate) fn answers(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_ok()
}
