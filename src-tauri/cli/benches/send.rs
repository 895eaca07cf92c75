//! Send jobs end to end: `ops::jobs` reading demo customers from SQLite, mapping them and
//! sending them through the bulk writer with the per-row ledger, to a sandbox in a child
//! process (`ferry sandbox`), so the memory and CPU figures are Ferry's alone. Prints figures;
//! asserts nothing.
//!
//!   scripts/with-keyring.sh cargo bench -p ferry-cli --bench send -- big [--rows N]
//!   scripts/with-keyring.sh cargo bench -p ferry-cli --bench send -- sustained [--windows N]
//!   scripts/with-keyring.sh cargo bench -p ferry-cli --bench send -- users [--windows N]
//!
//! `big`: N rows (default 1,000,000) to the fast sandbox (no limits): rows/s and peak RSS
//! while sending, then the same rows again with the ledger off, for what the ledger costs.
//! `sustained`: the demo limits scaled to 30 s windows (`--window-scale 10`, same ratios) with
//! the demo server-time model (`--server-time 1/5`, 40 ms per request): enough rows to last
//! N windows (default 6) at the ceiling, then the share of the ceiling reached, the 429s and
//! the rows the sandbox holds. `users`: the sustained run with one application user, then
//! with two (`--app-users 2`, the second an additional credential of the destination), and
//! the ratio of their throughputs.

use ferry_core::cloud::Cloud;
use ferry_core::dataverse::client::http_client;
use ferry_core::dataverse::ClientConfig;
use ferry_core::jobs::Cancel;
use ferry_core::mapping::plan::{FieldMapping, Mapping, Operation, ValueSource};
use ferry_core::ops::credentials::{self, NewCredential};
use ferry_core::ops::destinations::{self, DestinationInput};
use ferry_core::ops::jobs::{self, JobProgress, SendOptions};
use ferry_core::ops::queries::{self, QueryInput};
use ferry_core::ops::rows::RowSource;
use ferry_core::ops::templates::{self, TemplateInput};
use ferry_core::ops::{connection, data, users};
use ferry_core::policy::Actor;
use ferry_core::secrets::{Secret, SecretStore};
use ferry_core::validate::ExpiryInput;
use ferry_core::App;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Dataverse's documented execution budget per second of window (1,200 s per 300 s).
const EXECUTION_PER_SECOND: f64 = 4.0;
/// The demo server-time model: 40 ms per request, Microsoft's 10 ms per bulk-created row / 5.
const REQUEST_LATENCY: f64 = 0.040;
const PER_ROW_CREATED: f64 = 0.010 / 5.0;
/// Requests per second of window: 6,000 per 300 s.
const REQUESTS_PER_SECOND: f64 = 20.0;
const CHUNK: usize = 500;

struct Sandbox {
    child: Child,
    info: Value,
    ca: std::path::PathBuf,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sandbox(dir: &std::path::Path, flags: &[&str]) -> Sandbox {
    let ca = dir.join("sandbox-ca.pem");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["--json", "sandbox", "--https", "--port", "0"])
        .args(["--data", dir.join("sandbox.sqlite3").to_str().unwrap()])
        .args(["--ca-out", ca.to_str().unwrap()])
        .args(flags)
        .env("FERRY_DATA_DIR", dir.join("sandbox-data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("ferry sandbox starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: Value = serde_json::from_str(&line).expect("the sandbox prints its JSON line");
    Sandbox { child, info, ca }
}

/// An app in `dir` sending `rows` demo customers as new contacts to `sb`.
fn app(
    dir: &std::path::Path,
    sb: &Sandbox,
    rows: u64,
    rt: &tokio::runtime::Runtime,
) -> (App, Actor) {
    let data_dir = dir.join("ferry");
    let service = format!("ferry-bench-send-{}", std::process::id());
    let app = App::open(&data_dir, SecretStore::new(service)).unwrap();
    std::fs::copy(&sb.ca, data_dir.join(connection::TRUSTED_CA_FILE)).unwrap();
    let admin = users::resolve(&app, None).unwrap();
    // NOTE: one credential per application user the sandbox has (`--app-users`): the first
    // is the destination's, the others its additional ones.
    let apps = sb.info["apps"].as_array().cloned().unwrap_or_default();
    let mut creds = Vec::new();
    for (n, a) in apps.iter().enumerate() {
        let c = credentials::create(
            &app,
            &admin,
            NewCredential {
                name: format!("Bench {}", n + 1),
                description: String::new(),
                plugin: "microsoft-dynamics".into(),
                client_id: a["clientId"].as_str().unwrap().into(),
                client_secret: Secret::new(a["clientSecret"].as_str().unwrap()),
                expiry: ExpiryInput::Years { years: 1 },
            },
        )
        .unwrap();
        creds.push(c.id);
    }
    destinations::create(
        &app,
        &admin,
        DestinationInput {
            name: "Bench".into(),
            description: String::new(),
            plugin: "microsoft-dynamics".into(),
            credential_id: creds[0].clone(),
            tenant_id: sb.info["tenant"].as_str().unwrap().into(),
            dynamics_url: sb.info["baseUrl"].as_str().unwrap().into(),
            api_version: String::new(),
            business_users: false,
            restricted_pii: false,
            extra_credentials: creds[1..].to_vec(),
        },
    )
    .unwrap();
    let made = Instant::now();
    data::make_demo(&app, &admin, rows, 7, &mut |_| {}).unwrap();
    eprintln!(
        "{rows} demo customers made in {:.1} s",
        made.elapsed().as_secs_f64()
    );
    // NOTE: e-mails made unique from the customer id, so every row is sendable and the
    // sandbox's e-mail key never refuses one.
    let q = queries::create(
        &app,
        &admin,
        QueryInput {
            name: "Bench".into(),
            description: String::new(),
            sql: "SELECT customer_id || '@bench.example' AS email, substr(first_name, 1, 50) \
                  AS first_name, substr(last_name, 1, 50) AS last_name FROM customers"
                .into(),
            time_limit_secs: 600,
        },
    )
    .unwrap();
    let field = |column: &str, name: &str| FieldMapping {
        column: column.into(),
        source: ValueSource::Column { name: name.into() },
        choice_overrides: BTreeMap::new(),
        lookup: None,
    };
    rt.block_on(templates::create(
        &app,
        &admin,
        TemplateInput {
            name: "Bench".into(),
            description: String::new(),
            destination: "Bench".into(),
            source: RowSource::Query(q.id),
            table: "contact".into(),
            mapping: Mapping {
                operation: Operation::Create,
                fields: vec![
                    field("emailaddress1", "email"),
                    field("firstname", "first_name"),
                    field("lastname", "last_name"),
                ],
                time_zone: "UTC".into(),
            },
            business_users: false,
            restricted_pii: false,
            campaigns: false,
        },
    ))
    .unwrap();
    (app, admin)
}

/// Resident memory of this process now, in MB (Linux `/proc/self/status`).
fn rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

struct Run {
    seconds: f64,
    delivered: u64,
    peak_rss: f64,
}

/// One send of the template, sampling memory while it runs.
fn send(app: &App, me: &Actor, opts: &SendOptions, rt: &tokio::runtime::Runtime) -> Run {
    let peak = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if let Some(mb) = rss_mb() {
                    peak.fetch_max((mb * 10.0) as u64, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    // NOTE: the most delivered any report said: without the ledger, the final report (read
    // from the ledger) has none.
    let last = Mutex::new(0u64);
    let report = |p: &JobProgress| {
        let mut most = last.lock().unwrap();
        *most = (*most).max(p.delivered);
    };
    let started = Instant::now();
    let job = rt
        .block_on(jobs::send(
            app,
            me,
            "Bench",
            opts,
            &report,
            &Cancel::default(),
        ))
        .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let reported = *last.lock().unwrap();
    Run {
        seconds,
        // NOTE: without the ledger the job's counts stay empty; the last progress has them.
        delivered: job.counts.delivered.max(reported),
        peak_rss: peak.load(Ordering::Relaxed) as f64 / 10.0,
    }
}

/// Calls the sandbox's admin surface (`/_sandbox/PATH`, with its admin key).
fn admin(sb: &Sandbox, method: &str, path: &str, rt: &tokio::runtime::Runtime) -> Value {
    let mut config = ClientConfig::new(
        Cloud::LocalSandbox,
        sb.info["baseUrl"].as_str().unwrap(),
        "9.2",
        sb.info["tenant"].as_str().unwrap(),
        sb.info["clientId"].as_str().unwrap(),
        Secret::new(sb.info["clientSecret"].as_str().unwrap()),
    )
    .unwrap();
    config.extra_ca_pem = Some(std::fs::read_to_string(&sb.ca).unwrap());
    let http = http_client(&config).unwrap();
    let url = format!("{}/_sandbox/{path}", config.org_url);
    rt.block_on(async {
        let req = if method == "POST" {
            http.post(&url)
        } else {
            http.get(&url)
        };
        let r = req
            .header(
                sb.info["adminKeyHeader"].as_str().unwrap(),
                sb.info["adminKey"].as_str().unwrap(),
            )
            .send()
            .await
            .unwrap();
        let body = r.bytes().await.unwrap();
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    })
}

fn big(rows: u64, rt: &tokio::runtime::Runtime) {
    let dir = tempfile::tempdir().unwrap();
    let sb = sandbox(dir.path(), &["--profile", "fast"]);
    let (app, me) = app(dir.path(), &sb, rows, rt);
    let before = rss_mb().unwrap_or(0.0);
    let opts = SendOptions {
        chunk_size: Some(1000),
        ..SendOptions::default()
    };
    let with = send(&app, &me, &opts, rt);
    let kept = admin(&sb, "GET", "counts", rt)["contact"]
        .as_u64()
        .unwrap_or(0);
    admin(&sb, "POST", "reset", rt);
    let without = send(
        &app,
        &me,
        &SendOptions {
            without_ledger: true,
            ..opts
        },
        rt,
    );
    let (a, b) = (
        with.delivered as f64 / with.seconds,
        without.delivered as f64 / without.seconds,
    );
    println!(
        "big: {rows} rows to the fast sandbox (child process), 1,000 per request, {} in flight",
        ferry_core::dataverse::client::MAX_PARALLELISM.min(8)
    );
    println!(
        "  with the ledger:    {:>9.0} rows/s ({} delivered in {:.1} s), peak RSS {:.0} MB \
         (before sending: {before:.0} MB)",
        a, with.delivered, with.seconds, with.peak_rss
    );
    println!(
        "  without the ledger: {:>9.0} rows/s ({} delivered in {:.1} s), peak RSS {:.0} MB",
        b, without.delivered, without.seconds, without.peak_rss
    );
    println!(
        "  the ledger costs {:.1}% of throughput (target: at most 15%); peak RSS target: 200 MB; \
         the sandbox held {kept} records after the send with the ledger",
        (1.0 - a / b) * 100.0
    );
}

/// The most rows per second the limits allow over `seconds` of sending (see [`ceiling_at`]).
fn ceiling(seconds: f64, window: f64, parallel: f64) -> f64 {
    ceiling_at(seconds, window, parallel, PER_ROW_CREATED)
}

/// The most rows per second a sliding window allows over `seconds`, at `per_row` seconds of
/// execution per row and `parallel` requests in flight. A window's budget (its execution time,
/// or its request count times each request's execution, whichever is less) is spent as fast as
/// `parallel` requests allow, and comes back as what was spent leaves the window: so each
/// window's length holds at most one budget, and a last partial window what the burst rate
/// fits in it.
fn ceiling_at(seconds: f64, window: f64, parallel: f64, per_row: f64) -> f64 {
    let exec_per_request = per_row * CHUNK as f64;
    let per_request = REQUEST_LATENCY + exec_per_request;
    let burst = parallel / per_request * exec_per_request;
    let budget =
        (EXECUTION_PER_SECOND * window).min(REQUESTS_PER_SECOND * window * exec_per_request);
    let full = (seconds / window).floor();
    let part = seconds - full * window;
    let exec = full * budget.min(burst * window) + budget.min(burst * part);
    exec / per_row / seconds
}

/// One sustained run with `users` application users; returns its rows per second.
fn sustained(windows: u32, users: u32, rt: &tokio::runtime::Runtime) -> f64 {
    let scale = 10;
    let window = 300.0 / f64::from(scale);
    let per_second = EXECUTION_PER_SECOND / PER_ROW_CREATED * f64::from(users);
    // Rows for `windows` windows at the sustained rate, plus the first window's burst.
    let rows = (per_second * window * f64::from(windows + 1)) as u64;
    let dir = tempfile::tempdir().unwrap();
    let sb = sandbox(
        dir.path(),
        &[
            "--profile",
            "demo",
            "--window-scale",
            &scale.to_string(),
            "--server-time",
            "1/5",
            "--request-latency-ms",
            "40",
            "--app-users",
            &users.to_string(),
        ],
    );
    let (app, me) = app(dir.path(), &sb, rows, rt);
    let run = send(
        &app,
        &me,
        &SendOptions {
            chunk_size: Some(CHUNK),
            ..SendOptions::default()
        },
        rt,
    );
    let stats = admin(&sb, "GET", "stats", rt);
    let (requests, throttled) = (
        stats["requests"].as_u64().unwrap_or(0),
        stats["throttled"].as_u64().unwrap_or(0),
    );
    let stored = admin(&sb, "GET", "counts", rt)["contact"]
        .as_u64()
        .unwrap_or(0);
    let rate = run.delivered as f64 / run.seconds;
    let parallel = 8.0;
    let ceil = ceiling(run.seconds, window, parallel) * f64::from(users);
    println!(
        "sustained, {users} application user(s): {rows} rows, Dataverse's limits scaled to \
         {window:.0} s windows (same ratios), 40 ms per request + {:.0} ms per row created in \
         bulk, {CHUNK} per request",
        PER_ROW_CREATED * 1000.0
    );
    println!(
        "  {:.0} rows/s over {:.0} s ({:.1} windows); ceiling {:.0} rows/s (sustained {:.0}): \
         {:.1}% of the ceiling (target: at least 90%)",
        rate,
        run.seconds,
        run.seconds / window,
        ceil,
        (EXECUTION_PER_SECOND / PER_ROW_CREATED).min(REQUESTS_PER_SECOND * CHUNK as f64)
            * f64::from(users),
        rate / ceil * 100.0
    );
    println!(
        "  429 answers: {} of {} requests ({:.2}%, target: at most 1%); rows delivered {}, \
         stored in the sandbox {}",
        throttled,
        requests,
        throttled as f64 / requests.max(1) as f64 * 100.0,
        run.delivered,
        stored
    );
    // NOTE: the sandbox counts each request's real handling on top of the modelled server
    // time, as Dataverse counts its own; the ceiling by what it counted is what pacing can
    // reach.
    let counted = stats["executionTimeMs"].as_f64().unwrap_or(0.0) / 1000.0;
    let charged = stats["serverTimeChargedMs"].as_f64().unwrap_or(0.0) / 1000.0;
    if counted > 0.0 {
        let per_row = counted / run.delivered.max(1) as f64;
        let counted_ceiling = ceiling_at(run.seconds, window, parallel, per_row) * f64::from(users);
        println!(
            "  the sandbox counted {counted:.0} s of execution for {charged:.0} s of modelled \
             server time ({:+.1}%): at what it counted, the ceiling is {counted_ceiling:.0} \
             rows/s and this run reached {:.1}% of it",
            (counted / charged.max(1e-9) - 1.0) * 100.0,
            rate / counted_ceiling * 100.0
        );
    }
    rate
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let which = args.first().map(String::as_str).unwrap_or("all");
    if matches!(which, "big" | "all") {
        big(flag("--rows").unwrap_or(1_000_000), &rt);
    }
    let windows = flag("--windows").unwrap_or(6) as u32;
    if matches!(which, "sustained" | "all") {
        sustained(windows, 1, &rt);
    }
    if matches!(which, "users" | "all") {
        let one = sustained(windows, 1, &rt);
        let two = sustained(windows, 2, &rt);
        println!(
            "users: two application users send {:.2}x one user's rows per second (target: at \
             least 1.8x)",
            two / one
        );
    }
}
