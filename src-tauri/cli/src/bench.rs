//! `ferry bench`: measures the sender against a sandbox; it prints figures and asserts nothing.
//!
//! Built only with the `bench` feature (`cargo build -p ferry-cli --features bench`): it looks
//! for the source tree's test scripts and runs node and python, which have no place in the
//! `ferry` users install.
//!
//! With `--profile fast` the sandbox runs as a child `ferry sandbox --https` process so the CPU
//! time printed is the client's alone, and `--peers` also sends the same contacts with two
//! third-party clients against it (see `bench_peers`), then again against a demo-profile
//! sandbox (the realistic comparison, `--realistic-rows`); with `--profile demo` the HTTPS
//! sandbox runs in-process with Dataverse's documented limits and an artificial latency (its
//! threads' CPU is taken out of Ferry's), and the figures that matter are throughput against
//! the limits' ceiling, the 429 share and the rows counted in the sandbox afterwards. Every
//! network call runs on the one runtime `main` starts.

use crate::bench_peers;
use crate::dataverse_cmd::print_json;
use clap::Args;
use ferry_core::cloud::Cloud;
use ferry_core::dataverse::bulk::{self, BulkOp, BulkOptions, BulkRow, RowStatus, TableRef};
use ferry_core::dataverse::client::http_client;
use ferry_core::dataverse::{ClientConfig, DataverseClient, KeyValue, RowRef};
use ferry_core::secrets::Secret;
use ferry_core::{Error, Result};
use ferry_sandbox::{Latency, Limits, Profile, Sandbox, SandboxConfig};
use serde_json::{json, Value};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

/// Flags of `ferry bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// Contacts Ferry sends.
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
    /// fast (no limits, HTTPS sandbox in a child process) or demo (documented limits + latency).
    #[arg(long, default_value = "fast")]
    profile: Profile,
    /// Rows per bulk request.
    #[arg(long, default_value_t = 1000)]
    chunk: usize,
    /// Parallel requests (default: the server's x-ms-dop-hint).
    #[arg(long)]
    parallelism: Option<usize>,
    /// Ferry's message: upsert (UpsertMultiple keyed on emailaddress1, what Ferry's runs send)
    /// or create (CreateMultiple, what the Python peer sends).
    #[arg(long, default_value = "upsert", value_parser = ["upsert", "create"])]
    op: String,
    /// Also send contacts with dynamics-web-api and PowerPlatform-Dataverse-Client
    /// (tests/fidelity, installed by its setup.sh) against the same sandbox, and compare.
    #[arg(long)]
    peers: bool,
    /// Contacts each peer sends (Ferry sends as many again for the comparison).
    #[arg(long, default_value_t = 20_000)]
    peer_rows: usize,
    /// Runs of each tool in the comparison; the median is compared.
    #[arg(long, default_value_t = 3)]
    peer_repeat: usize,
    /// With --peers: contacts each tool sends in the realistic comparison (Dataverse's
    /// documented limits and demo server time, one run each); 0 skips it. With --profile demo
    /// the comparison is this one alone.
    #[arg(long, default_value_t = 10_000)]
    realistic_rows: usize,
}

/// CPU seconds (user + system) of this whole process, every thread included (ended ones too),
/// with nanosecond resolution: `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`, as the peers'
/// `process.cpuUsage()` and `time.process_time()` measure theirs.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn cpu_seconds() -> Option<f64> {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: glibc's and musl's clock_gettime on 64-bit Linux take a clockid_t (int) and a
    // struct timespec of two 64-bit fields, which `Timespec` mirrors; the pointer is to a live,
    // writable local.
    let rc = unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| ts.sec as f64 + ts.nsec as f64 / 1e9)
}

/// CPU seconds (user + system) of this process from `/proc/self/stat` (10 ms resolution).
#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // NOTE: fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // NOTE: USER_HZ is 100 on every Linux configuration Ferry targets.
    Some(ticks / 100.0)
}

/// CPU seconds (user + system) of another process so far, from `/proc/PID/stat` (10 ms
/// resolution): the child sandbox's, to show what the server itself costs per row.
fn process_cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // NOTE: fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // NOTE: USER_HZ is 100 on every Linux configuration Ferry targets.
    Some(ticks / 100.0)
}

/// CPU seconds so far of this process's sandbox threads (named `ferry-sandbox…`), from
/// `/proc/self/task/*/schedstat` (nanoseconds): the in-process sandbox's cost, to leave out of
/// Ferry's. A sandbox thread that ends meanwhile drops out of the sum, so its CPU then counts
/// as Ferry's: the error only ever goes against Ferry. `None` off Linux.
fn in_process_sandbox_cpu() -> Option<f64> {
    let mut nanos = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if is_sandbox_thread(&comm) {
            let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
            nanos += schedstat_nanos(&stat).unwrap_or(0);
        }
    }
    Some(nanos as f64 / 1e9)
}

/// Whether a thread name (`/proc/…/comm`, cut to 15 bytes) is one of the sandbox crate's.
fn is_sandbox_thread(comm: &str) -> bool {
    comm.trim_end().starts_with("ferry-sandbox")
}

/// The time on CPU (nanoseconds) in a `/proc/…/schedstat` line: its first field.
fn schedstat_nanos(line: &str) -> Option<u64> {
    line.split_whitespace().next()?.parse().ok()
}

/// Where the benchmark's sandbox runs.
struct Target {
    base_url: String,
    tenant: String,
    client_id: String,
    client_secret: String,
    /// The key the sandbox's admin surface needs.
    admin_key: String,
    /// PEM of the sandbox's CA (HTTPS only).
    ca_pem: Option<String>,
    /// The CA file and the sandbox's JSON line, for the peers (child sandbox only).
    ca_path: Option<PathBuf>,
    info_path: Option<PathBuf>,
    child: Option<std::process::Child>,
    in_process: Option<ferry_sandbox::SandboxHandle>,
}

fn io(e: impl std::fmt::Display) -> Error {
    Error::Io(std::io::Error::other(e.to_string()))
}

/// Demo latency: 40 ms per request, and the sandbox's server-time model (Microsoft's sample
/// timings) at 1/5 scale: 2 ms per row a bulk message creates, 6 ms per row it updates, 8 ms per
/// single or `$batch` operation, roughly a plug-in-free Dataverse.
const DEMO_LATENCY: Latency = Latency {
    per_request: Duration::from_millis(40),
    ..Latency::DATAVERSE_SAMPLES.scaled_down(5)
};

fn start_target(profile: Profile, dir: &Path) -> Result<Target> {
    if profile == Profile::Demo {
        // NOTE: in-process, because only the sandbox crate can set its latency; HTTPS and the
        // same JSON line `ferry sandbox --json` prints, so the peers can run against it too.
        let mut cfg = SandboxConfig::for_profile(Profile::Demo);
        cfg.data_path = Some(dir.join("sandbox.sqlite3"));
        cfg.latency = DEMO_LATENCY;
        cfg.https = true;
        let sb = Sandbox::start(cfg).map_err(io)?;
        let ca_path = dir.join("ca.pem");
        let info_path = dir.join("sandbox.json");
        // NOTE: the secret stays in memory; the peers get it over a pipe (see `peers`).
        let info = json!({
            "baseUrl": sb.base_url, "tenant": sb.tenant, "clientId": sb.client_id,
            "tokenUrl": sb.token_url(), "scope": sb.scope(),
        });
        let written = std::fs::write(&info_path, info.to_string()).and_then(|()| {
            std::fs::write(&ca_path, sb.ca_certificate_pem.clone().unwrap_or_default())
        });
        if let Err(e) = written {
            sb.shutdown();
            return Err(e.into());
        }
        return Ok(Target {
            base_url: sb.base_url.clone(),
            tenant: sb.tenant.clone(),
            client_id: sb.client_id.clone(),
            client_secret: sb.client_secret.clone(),
            admin_key: sb.admin_key.clone(),
            ca_pem: sb.ca_certificate_pem.clone(),
            ca_path: Some(ca_path),
            info_path: Some(info_path),
            child: None,
            in_process: Some(sb),
        });
    }
    let exe = std::env::current_exe()?;
    let ca_path = dir.join("ca.pem");
    // NOTE: the child opens a fresh data folder, whose only user is the person logged in (its
    // first administrator); a FERRY_USER meant for the caller's folder would name nobody there.
    let mut child = std::process::Command::new(exe)
        .env_remove("FERRY_USER")
        .arg("--data-dir")
        .arg(dir)
        .args([
            "--json",
            "sandbox",
            "--port",
            "0",
            "--https",
            "--profile",
            "fast",
            "--ca-out",
        ])
        .arg(&ca_path)
        .arg("--data")
        .arg(dir.join("sandbox.sqlite3"))
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| io("the sandbox has no stdout"))?;
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    let v: Value = match serde_json::from_str(&line) {
        Ok(v) => v,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io(format!("sandbox said {line:?}: {e}")));
        }
    };
    let info_path = dir.join("sandbox.json");
    let mut public = v.clone();
    if let Some(o) = public.as_object_mut() {
        o.remove("clientSecret");
    }
    std::fs::write(&info_path, public.to_string())?;
    let text = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    Ok(Target {
        base_url: text("baseUrl"),
        tenant: text("tenant"),
        client_id: text("clientId"),
        client_secret: text("clientSecret"),
        admin_key: text("adminKey"),
        ca_pem: Some(std::fs::read_to_string(&ca_path)?),
        ca_path: Some(ca_path),
        info_path: Some(info_path),
        child: Some(child),
        in_process: None,
    })
}

/// Runs the benchmark and prints its figures.
pub fn bench(args: BenchArgs, json: bool, rt: &Runtime) -> Result<()> {
    if args.rows == 0 {
        return Err(Error::field(
            "rows",
            "Send at least one contact: --rows 1 or more.",
        ));
    }
    if args.chunk == 0 {
        return Err(Error::field(
            "chunk",
            "A bulk request carries at least one row: --chunk 1 or more.",
        ));
    }
    let tmp = bench_peers::private_work_dir()?;
    let dir = tmp.path().to_path_buf();
    let result = with_target(args.profile, &dir, |t| run_all(&args, t, rt)).and_then(|mut r| {
        if args.peers && args.profile == Profile::Fast && args.realistic_rows > 0 {
            let dir = dir.join("realistic");
            std::fs::create_dir_all(&dir)?;
            let (figures, summary) = &mut r;
            summary.push(String::new());
            match with_target(Profile::Demo, &dir, |t| realistic(&args, t, rt)) {
                Ok((lines, json)) => {
                    summary.extend(lines);
                    figures["realisticPeers"] = json;
                }
                Err(e) => summary.push(format!("Realistic comparison skipped: {e}")),
            }
        }
        Ok(r)
    });
    drop(tmp);
    let (figures, summary) = result?;
    if json {
        print_json(&figures);
    } else {
        for (k, v) in figures.as_object().into_iter().flatten() {
            if k != "peers" && k != "realisticPeers" {
                println!("{k:>32}: {v}");
            }
        }
        println!();
        for line in summary {
            println!("{line}");
        }
    }
    Ok(())
}

/// Starts the sandbox for `profile` in `dir`, runs `f` against it and stops it.
fn with_target<T>(profile: Profile, dir: &Path, f: impl FnOnce(&Target) -> Result<T>) -> Result<T> {
    let mut target = start_target(profile, dir)?;
    let result = f(&target);
    if let Some(mut child) = target.child.take() {
        let _ = child.kill();
        let _ = child.wait();
    }
    if let Some(sb) = target.in_process.take() {
        sb.shutdown();
    }
    result
}

/// The realistic comparison on a demo-profile sandbox: its lines and JSON.
fn realistic(args: &BenchArgs, t: &Target, rt: &Runtime) -> Result<(Vec<String>, Value)> {
    let config = client_config(t)?;
    let admin = sandbox_admin(&config, t, rt)?;
    eprintln!(
        "ferry bench: realistic comparison ({} contacts per tool, demo limits and latency)…",
        args.realistic_rows
    );
    let (lines, json) = versus_peers(args, t, &config, &admin, args.realistic_rows, 1, rt)?;
    Ok((lines, json.unwrap_or(Value::Null)))
}

/// Ferry and each installed peer sending `n` contacts to an emptied table of `t` (Ferry
/// `repeat` times, the peers as often, medians compared): the verdict's lines and JSON.
fn versus_peers(
    args: &BenchArgs,
    t: &Target,
    config: &ClientConfig,
    admin: &impl Fn(&str, &str) -> Result<Value>,
    n: usize,
    repeat: usize,
    rt: &Runtime,
) -> Result<(Vec<String>, Option<Value>)> {
    let (runs, mut lines) = peers(t, admin, n, repeat)?;
    if runs.is_empty() {
        return Ok((lines, None));
    }
    let mut same_n = Vec::new();
    for _ in 0..repeat.max(1) {
        admin("POST", "reset")?;
        let (_, mut r) = run_bench(args, t, config.clone(), n, rt)?;
        r.counted = Some(contacts(admin)?);
        same_n.push(r);
    }
    let Some(ferry) = bench_peers::median(&same_n) else {
        return Ok((lines, None));
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let setting = if t.in_process.is_some() {
        bench_peers::Setting::Realistic {
            per_request_ms: DEMO_LATENCY.per_request.as_millis() as u64,
            per_bulk_create_ms: DEMO_LATENCY.per_bulk_create.as_millis() as u64,
            per_operation_ms: DEMO_LATENCY.per_operation.as_millis() as u64,
        }
    } else {
        bench_peers::Setting::Fast
    };
    let verdict = bench_peers::compare(&ferry, &runs, n, cores, setting);
    lines.push(String::new());
    lines.extend(verdict.lines);
    Ok((lines, Some(verdict.json)))
}

fn client_config(t: &Target) -> Result<ClientConfig> {
    let mut config = ClientConfig::new(
        Cloud::LocalSandbox,
        &t.base_url,
        "9.2",
        &t.tenant,
        &t.client_id,
        Secret::new(t.client_secret.clone()),
    )?;
    config.extra_ca_pem = t.ca_pem.clone();
    Ok(config)
}

/// A caller of the sandbox's admin surface (`/_sandbox/…`, with the admin key, no token):
/// `(method, path)` to the JSON answer (`Null` for an empty one).
fn sandbox_admin(
    config: &ClientConfig,
    t: &Target,
    rt: &Runtime,
) -> Result<impl Fn(&str, &str) -> Result<Value>> {
    let http = http_client(config)?;
    let handle = rt.handle().clone();
    let base = config.org_url.clone();
    let key = t.admin_key.clone();
    Ok(move |method: &str, path: &str| {
        let url = format!("{base}/_sandbox/{path}");
        handle.block_on(async {
            let req = if method == "POST" {
                http.post(&url)
            } else {
                http.get(&url)
            };
            let r = req
                .header(ferry_sandbox::ADMIN_KEY_HEADER, &key)
                .send()
                .await
                .map_err(io)?;
            let status = r.status();
            let body = r.bytes().await.map_err(io)?;
            if !status.is_success() {
                return Err(io(format!("{method} {url}: HTTP {status}")));
            }
            if body.is_empty() {
                return Ok(Value::Null);
            }
            serde_json::from_slice(&body).map_err(io)
        })
    })
}

/// Rows in the sandbox's contact table.
fn contacts(admin: &impl Fn(&str, &str) -> Result<Value>) -> Result<u64> {
    admin("GET", "counts")?["contact"]
        .as_u64()
        .ok_or_else(|| io("the sandbox's counts have no contact table"))
}

/// Ferry's run, the demo figures and (with `--peers`) the peers' runs: the figures as JSON
/// and the lines that sum them up.
fn run_all(args: &BenchArgs, t: &Target, rt: &Runtime) -> Result<(Value, Vec<String>)> {
    let config = client_config(t)?;
    let admin = sandbox_admin(&config, t, rt)?;
    admin("POST", "reset")?;
    let (mut figures, mut ferry) = run_bench(args, t, config.clone(), args.rows, rt)?;
    let stored = contacts(&admin)?;
    ferry.counted = Some(stored);
    let lost = (args.rows as u64).saturating_sub(stored);
    figures["rowsStored"] = json!(stored);
    figures["rowsLost"] = json!(lost);
    let mut summary = Vec::new();
    let rate = ferry.rate();
    if args.profile == Profile::Demo {
        let parallel = figures["parallelism"].as_u64().unwrap_or(1) as usize;
        let (ceiling, sustained) = ceilings(args.rows, args.chunk, parallel);
        let (at_limit, _) = ceilings(args.rows, args.chunk, usize::MAX);
        let share = figures["throttledShare"].as_f64().unwrap_or(0.0);
        let percent = rate / ceiling * 100.0;
        figures["ceilingRowsPerSecond"] = json!(ceiling.round());
        figures["ceilingAt52InFlightRowsPerSecond"] = json!(at_limit.round());
        figures["ceilingSustainedRowsPerSecond"] = json!(sustained.round());
        figures["percentOfCeiling"] = json!((percent * 10.0).round() / 10.0);
        summary.push(format!(
            "Demo profile: Dataverse's documented service-protection limits (6,000 requests and \
             1,200 s of execution per 300 s, 52 in flight) and {} ms + {} ms per row created \
             in bulk latency ({} ms per single or $batch operation).",
            DEMO_LATENCY.per_request.as_millis(),
            DEMO_LATENCY.per_bulk_create.as_millis(),
            DEMO_LATENCY.per_operation.as_millis(),
        ));
        summary.push(format!(
            "Ceiling for this run ({} rows, {} per request, {parallel} in flight): \
             {ceiling:.0} rows/s; achieved {rate:.0} rows/s = {percent:.1}% of the ceiling. \
             (At the 52 in flight the limits allow: {at_limit:.0} rows/s; sustained once a \
             300 s window's budget is spent: {sustained:.0} rows/s.)",
            args.rows, args.chunk
        ));
        summary.push(format!(
            "Rows lost: {lost} ({stored} of {} counted in the sandbox afterwards); 429 answers: \
             {:.1}% of {} requests.",
            args.rows,
            share * 100.0,
            figures["requests"]
        ));
    } else {
        summary.push(format!(
            "Ferry: {rate:.0} rows/s, {:.4} CPU s per 1k rows (client only: the sandbox runs in \
             a child process); rows lost: {lost} ({stored} counted in the sandbox).",
            ferry.cpu_per_1k()
        ));
    }
    if args.peers {
        let (n, repeat, key) = if args.profile == Profile::Demo {
            (args.realistic_rows, 1, "realisticPeers")
        } else {
            (args.peer_rows, args.peer_repeat, "peers")
        };
        if n > 0 {
            match versus_peers(args, t, &config, &admin, n, repeat, rt) {
                Ok((lines, json)) => {
                    summary.extend(lines);
                    if let Some(json) = json {
                        figures[key] = json;
                    }
                }
                Err(e) => summary.push(format!("Peers skipped: {e}")),
            }
        }
    }
    Ok((figures, summary))
}

/// Runs each installed peer `repeat` times on an empty contact table, `n` contacts a run: the
/// median run of each and any notes to print.
fn peers(
    t: &Target,
    admin: &impl Fn(&str, &str) -> Result<Value>,
    n: usize,
    repeat: usize,
) -> Result<(Vec<bench_peers::Run>, Vec<String>)> {
    let (Some(info), Some(ca)) = (&t.info_path, &t.ca_path) else {
        return Ok((
            Vec::new(),
            vec!["Peers skipped: this sandbox has no HTTPS details for them.".into()],
        ));
    };
    let dir = bench_peers::fidelity_dir();
    if let Some(why) = bench_peers::missing(dir.as_deref()) {
        return Ok((Vec::new(), vec![why]));
    }
    let Some(dir) = dir else {
        return Ok((Vec::new(), Vec::new()));
    };
    // The sandbox's description from the file, plus its secret from memory: the whole is
    // piped to each peer, so the secret is never written to disk.
    let mut info: Value = serde_json::from_str(&std::fs::read_to_string(info)?).map_err(io)?;
    info["clientSecret"] = Value::String(t.client_secret.clone());
    let info = info.to_string();
    let mut runs = Vec::new();
    let mut notes = Vec::new();
    type Peer = fn(&Path, &str, &Path, usize) -> Result<bench_peers::Run>;
    let all: [(&str, Peer); 2] = [
        ("dynamics-web-api", bench_peers::run_js),
        ("PowerPlatform-Dataverse-Client", bench_peers::run_py),
    ];
    for (name, run) in all {
        let mut mine = Vec::new();
        for _ in 0..repeat.max(1) {
            admin("POST", "reset")?;
            eprintln!("ferry bench: {name} is sending {n} contacts…");
            match run(&dir, &info, ca, n) {
                Ok(mut r) => {
                    r.counted = Some(contacts(admin)?);
                    mine.push(r);
                }
                Err(e) => {
                    notes.push(format!("{name} did not finish: {e}"));
                    break;
                }
            }
        }
        runs.extend(bench_peers::median(&mine));
    }
    Ok((runs, notes))
}

/// One Ferry run of `n` contacts: its figures and the same as a [`bench_peers::Run`].
fn run_bench(
    args: &BenchArgs,
    t: &Target,
    config: ClientConfig,
    n: usize,
    rt: &Runtime,
) -> Result<(Value, bench_peers::Run)> {
    let client = Arc::new(DataverseClient::new(config)?);
    let op = if args.op == "create" {
        BulkOp::Create
    } else {
        BulkOp::Upsert
    };
    // NOTE: the rows are built before the timed window and freed after it, as the peers'
    // scripts build their row objects beforehand and keep them; everything the library does
    // with them (checking keys, chunking, writing the bodies, TLS, reading the answers, the
    // outcomes) is inside the window.
    let rows: Arc<[BulkRow]> = (0..n)
        .map(|i| {
            let record = bench_peers::contact(i);
            let row = match op {
                BulkOp::Create => None,
                _ => Some(RowRef::Key(vec![(
                    "emailaddress1".into(),
                    KeyValue::Text(format!("bench{i}@example.com")),
                )])),
            };
            BulkRow {
                index: i,
                row,
                record,
            }
        })
        .collect();
    let opts = BulkOptions {
        chunk_size: args.chunk,
        parallelism: args.parallelism,
        use_bulk_messages: true,
    };
    rt.block_on(client.who_am_i())?;
    eprintln!("ferry bench: Ferry is sending {n} contacts…");
    let sandbox_pid = t.child.as_ref().map(std::process::Child::id);
    let sandbox_now = || match sandbox_pid {
        Some(pid) => process_cpu_seconds(pid),
        None if t.in_process.is_some() => in_process_sandbox_cpu(),
        None => None,
    };
    let sandbox_before = sandbox_now();
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let table = TableRef {
        logical_name: "contact".into(),
        entity_set: "contacts".into(),
        primary_id: "contactid".into(),
    };
    let out = rt.block_on(bulk::send_shared(
        client.clone(),
        &table,
        op,
        rows.clone(),
        &opts,
    ))?;
    let secs = started.elapsed().as_secs_f64();
    let process_cpu = match (cpu_before, cpu_seconds()) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    drop(rows);
    let sandbox_cpu = match (sandbox_before, sandbox_now()) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    // NOTE: an in-process sandbox's threads are taken out of this process's CPU, so Ferry's
    // figure is the client's alone there too.
    let cpu_used = match (process_cpu, sandbox_cpu, t.in_process.is_some()) {
        (Some(c), Some(s), true) => Some((c - s).max(0.0)),
        (c, _, _) => c,
    };
    let includes_sandbox = t.in_process.is_some() && sandbox_cpu.is_none();
    let cpu = cpu_used.map_or(Value::Null, |c| json!((c * 1000.0).round() / 1000.0));
    let delivered = out
        .iter()
        .filter(|o| matches!(o.status, RowStatus::Delivered(_)))
        .count();
    let requests = client.stats.requests.load(Ordering::Relaxed);
    let throttled = client.stats.throttled.load(Ordering::Relaxed);
    let parallel = args.parallelism.unwrap_or_else(|| client.parallelism());
    let message = op.message();
    let figures = json!({
        "profile": format!("{:?}", args.profile).to_lowercase(),
        "message": message,
        "rows": n,
        "delivered": delivered,
        "seconds": (secs * 100.0).round() / 100.0,
        "rowsPerSecond": (delivered as f64 / secs).round(),
        "parallelism": parallel,
        "chunk": args.chunk,
        "requests": requests,
        "throttled429": throttled,
        "throttledShare": if requests == 0 { 0.0 } else { throttled as f64 / requests as f64 },
        "clientCpuSeconds": cpu,
        "cpuPer1kRows": cpu_used.map_or(Value::Null, |c| json!((c / n.max(1) as f64 * 1e7).round() / 1e4)),
        "cpuIncludesSandbox": includes_sandbox,
        "sandboxCpuSeconds": sandbox_cpu.map(|c| (c * 100.0).round() / 100.0),
        "https": t.base_url.starts_with("https://"),
    });
    let run = bench_peers::Run {
        tool: "Ferry".into(),
        rows: delivered,
        counted: None,
        seconds: secs,
        cpu_seconds: cpu_used.unwrap_or(f64::NAN),
        sandbox_cpu_seconds: sandbox_cpu,
        how: format!(
            "{message}, {} per request, {parallel} in parallel",
            args.chunk
        ),
    };
    Ok((figures, run))
}

/// The best rows/s Dataverse's documented limits allow a run of `rows` contacts in requests of
/// `chunk` at `parallel` requests in flight, with the demo latency: `(this run, sustained)`.
///
/// A run starts with a full 300 s window: it goes at the burst rate (`parallel` requests, at
/// most 52, each taking the demo latency) until it has spent the window's request count or
/// execution time, then at the sustained rate (the lesser of the two per second). A run that
/// fits in the first window's budget is bounded by the burst rate alone.
fn ceilings(rows: usize, chunk: usize, parallel: usize) -> (f64, f64) {
    let l = Limits::dataverse_defaults();
    let window = l.window.as_secs_f64();
    let chunk = chunk.clamp(1, 1000);
    // NOTE: the bench's rows are new, so its bulk requests are charged per row created.
    let per_request =
        (DEMO_LATENCY.per_request + DEMO_LATENCY.per_bulk_create * chunk as u32).as_secs_f64();
    let in_flight = parallel.clamp(1, l.concurrent_requests as usize) as f64;
    let requests = rows.div_ceil(chunk) as f64;
    let budget = f64::from(l.requests_per_window)
        .min(l.execution_time_per_window.as_secs_f64() / per_request);
    let sustained_requests = budget / window;
    let burst_requests = in_flight / per_request;
    let sustained = sustained_requests.min(burst_requests) * chunk as f64;
    let seconds = if requests <= budget {
        requests / burst_requests
    } else {
        budget / burst_requests + (requests - budget) / sustained_requests.min(burst_requests)
    };
    (rows as f64 / seconds, sustained)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_threads_are_told_apart_and_their_cpu_read() {
        assert!(is_sandbox_thread("ferry-sandbox\n"), "runtime workers");
        assert!(
            is_sandbox_thread("ferry-sandbox-c\n"),
            "the checkpoint thread, cut"
        );
        assert!(
            !is_sandbox_thread("ferry-dataverse\n"),
            "Ferry's own runtime"
        );
        assert!(!is_sandbox_thread("ferry\n"), "the main thread");
        assert_eq!(
            schedstat_nanos("123456 789 10\n"),
            Some(123_456),
            "first field"
        );
        assert_eq!(schedstat_nanos(""), None, "nothing to read");
        assert!(
            in_process_sandbox_cpu().is_some_and(|c| c >= 0.0),
            "readable on Linux"
        );
    }

    #[test]
    fn a_short_run_is_bounded_by_the_burst_rate() {
        // NOTE: 1,000 rows take 40 ms + 2 s; 8 in flight carry 8,000 rows per 2.04 s.
        let (run, sustained) = ceilings(100_000, 1000, 8);
        assert!((run - 8000.0 / 2.04).abs() < 1.0, "burst: {run}");
        // NOTE: 1,200 s of execution per 300 s is 4 requests of 2.04 s at a time.
        assert!(
            (sustained - 4000.0 / 2.04).abs() < 1.0,
            "sustained: {sustained}"
        );
    }

    #[test]
    fn a_long_run_tends_to_the_sustained_rate() {
        let (run, sustained) = ceilings(50_000_000, 1000, 52);
        assert!(
            run > sustained && run < sustained * 1.05,
            "{run} vs {sustained}"
        );
        let (run, _) = ceilings(100_000, 1000, 500);
        assert!(
            (run - 52_000.0 / 2.04).abs() < 1.0,
            "52 in flight at most: {run}"
        );
    }
}
