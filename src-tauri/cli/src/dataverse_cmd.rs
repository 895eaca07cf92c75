//! `ferry destinations test|tables|columns` and `ferry bench`: the Dataverse side of the CLI.
//!
//! The destination commands are thin: they call the catalog's connection and metadata
//! functions and print the result as aligned text or `--json`. `ferry bench` measures the
//! sender against a sandbox; it prints figures and asserts nothing. With `--profile fast` the
//! sandbox runs as a child `ferry sandbox` process so the CPU time printed is the client's
//! alone; with `--profile demo` it runs in-process with Dataverse's documented limits and an
//! artificial latency, and the figure that matters is throughput against the limits' ceiling.

use clap::{Args, Subcommand};
use ferry_core::cloud::Cloud;
use ferry_core::connection::{block_on, ConnectionReport, TableColumns, TableList};
use ferry_core::dataverse::bulk::{self, BulkOp, BulkOptions, BulkRow, RowStatus, TableRef};
use ferry_core::dataverse::{ClientConfig, DataverseClient, KeyValue, RowRef};
use ferry_core::date::Date;
use ferry_core::secrets::Secret;
use ferry_core::{Catalog, Error, Result};
use ferry_sandbox::{Latency, Limits, Profile, Sandbox, SandboxConfig};
use serde::Serialize;
use serde_json::{json, Value};
use std::io::BufRead;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Destination subcommands that talk to Dataverse.
#[derive(Subcommand)]
pub enum RemoteCmd {
    /// Sign in and call WhoAmI: prints the organisation, user, business unit and parallelism.
    Test { destination: String },
    /// List the destination's tables (cached; --refresh asks Dataverse again).
    Tables {
        destination: String,
        #[arg(long)]
        refresh: bool,
    },
    /// List a table's columns, alternate keys and lookups (cached; --refresh asks again).
    Columns {
        destination: String,
        /// Table logical name, e.g. contact.
        table: String,
        #[arg(long)]
        refresh: bool,
    },
}

fn print_json<T: Serialize>(v: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("views always serialise")
    );
}

fn age(fetched_at: i64, from_cache: bool) -> String {
    if !from_cache {
        return "fetched just now".into();
    }
    let mins = (ferry_core::store::now_unix() - fetched_at).max(0) / 60;
    format!("cached {mins} min ago; --refresh to fetch again")
}

fn print_report(r: &ConnectionReport) {
    println!(
        "Connected to \"{}\" in {} ms.",
        r.destination_name, r.elapsed_ms
    );
    println!(
        "  Web API:           {} (v{})",
        r.web_api_url, r.api_version
    );
    println!("  Organisation ID:   {}", r.organization_id);
    println!("  User ID:           {}", r.user_id);
    println!("  Business unit ID:  {}", r.business_unit_id);
    println!(
        "  Parallel requests: {} (server's x-ms-dop-hint)",
        r.dop_hint
    );
}

fn print_tables(t: &TableList) {
    println!(
        "{} tables ({})",
        t.tables.len(),
        age(t.fetched_at, t.from_cache)
    );
    let w = t
        .tables
        .iter()
        .map(|x| x.logical_name.len())
        .max()
        .unwrap_or(0);
    let s = t
        .tables
        .iter()
        .map(|x| x.entity_set.len())
        .max()
        .unwrap_or(0);
    for x in &t.tables {
        println!(
            "  {:<w$}  {:<s$}  {}",
            x.logical_name, x.entity_set, x.display_name
        );
    }
}

fn print_columns(c: &TableColumns) {
    let d = &c.details;
    println!(
        "{} ({}, {}): {} columns ({})",
        d.table.display_name,
        d.table.logical_name,
        d.table.entity_set,
        d.columns.len(),
        age(c.fetched_at, c.from_cache)
    );
    let w = d
        .columns
        .iter()
        .map(|x| x.logical_name.len())
        .max()
        .unwrap_or(0);
    for col in &d.columns {
        let len = col
            .max_length
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let kind = format!("{}{len}", col.type_name);
        let writable = match (col.valid_for_create, col.valid_for_update) {
            (true, true) => "create+update",
            (true, false) => "create only",
            (false, true) => "update only",
            (false, false) => "read-only",
        };
        let options = if col.options.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = col
                .options
                .iter()
                .map(|o| format!("{}={}", o.value, o.label))
                .collect();
            format!("  [{}]", list.join(", "))
        };
        println!(
            "  {:<w$}  {kind:<20}  {:<19}  {writable}{options}",
            col.logical_name, col.required_level
        );
    }
    for k in &d.keys {
        println!(
            "Key {}: {} ({})",
            k.logical_name,
            k.columns.join(", "),
            k.index_status
        );
    }
    for l in &d.lookups {
        println!(
            "Lookup {} → {} (bind as {}@odata.bind)",
            l.column, l.target_table, l.navigation_property
        );
    }
}

/// Runs a destination subcommand.
pub fn run(cmd: RemoteCmd, catalog: &Catalog, today: Date, json: bool) -> Result<()> {
    match cmd {
        RemoteCmd::Test { destination } => {
            let r = catalog.test_connection(&destination, today)?;
            if json {
                print_json(&r)
            } else {
                print_report(&r)
            }
        }
        RemoteCmd::Tables {
            destination,
            refresh,
        } => {
            let t = catalog.list_tables(&destination, refresh, today)?;
            if json {
                print_json(&t)
            } else {
                print_tables(&t)
            }
        }
        RemoteCmd::Columns {
            destination,
            table,
            refresh,
        } => {
            let c = catalog.table_columns(&destination, &table, refresh, today)?;
            if json {
                print_json(&c)
            } else {
                print_columns(&c)
            }
        }
    }
    Ok(())
}

/// Flags of `ferry bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// Contacts to send.
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
    /// fast (no limits, sandbox in a child process) or demo (documented limits + latency).
    #[arg(long, default_value = "fast")]
    profile: Profile,
    /// Rows per UpsertMultiple request.
    #[arg(long, default_value_t = 1000)]
    chunk: usize,
    /// Parallel requests (default: the server's x-ms-dop-hint).
    #[arg(long)]
    parallelism: Option<usize>,
}

/// Client CPU seconds (user + system) of this process, from `/proc/self/stat`.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // NOTE: fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // NOTE: USER_HZ is 100 on every Linux configuration Ferry targets.
    Some(ticks / 100.0)
}

/// Where the benchmark's sandbox runs.
struct Target {
    base_url: String,
    tenant: String,
    client_id: String,
    client_secret: String,
    child: Option<std::process::Child>,
    in_process: Option<ferry_sandbox::SandboxHandle>,
}

fn io(e: impl std::fmt::Display) -> Error {
    Error::Io(std::io::Error::other(e.to_string()))
}

/// Demo latency: per request and per record, roughly a plug-in-free Dataverse.
const DEMO_LATENCY: Latency = Latency {
    per_request: Duration::from_millis(40),
    per_record: Duration::from_millis(2),
};

fn start_target(profile: Profile, dir: &std::path::Path) -> Result<Target> {
    if profile == Profile::Demo {
        let mut cfg = SandboxConfig::for_profile(Profile::Demo);
        cfg.data_path = Some(dir.join("sandbox.sqlite3"));
        cfg.latency = DEMO_LATENCY;
        let sb = Sandbox::start(cfg).map_err(io)?;
        return Ok(Target {
            base_url: sb.base_url.clone(),
            tenant: sb.tenant.clone(),
            client_id: sb.client_id.clone(),
            client_secret: sb.client_secret.clone(),
            child: None,
            in_process: Some(sb),
        });
    }
    let exe = std::env::current_exe()?;
    let mut child = std::process::Command::new(exe)
        .arg("--data-dir")
        .arg(dir)
        .args([
            "--json",
            "sandbox",
            "--port",
            "0",
            "--profile",
            "fast",
            "--data",
        ])
        .arg(dir.join("sandbox.sqlite3"))
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| io("the sandbox has no stdout"))?;
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    let v: Value =
        serde_json::from_str(&line).map_err(|e| io(format!("sandbox said {line:?}: {e}")))?;
    let text = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    Ok(Target {
        base_url: text("baseUrl"),
        tenant: text("tenant"),
        client_id: text("clientId"),
        client_secret: text("clientSecret"),
        child: Some(child),
        in_process: None,
    })
}

/// Runs the benchmark and prints its figures.
pub fn bench(args: BenchArgs, json: bool) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("ferry-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut target = start_target(args.profile, &dir)?;
    let result = run_bench(&args, &target);
    if let Some(mut child) = target.child.take() {
        let _ = child.kill();
        let _ = child.wait();
    }
    if let Some(sb) = target.in_process.take() {
        sb.shutdown();
    }
    let _ = std::fs::remove_dir_all(&dir);
    let figures = result?;
    if json {
        print_json(&figures);
    } else {
        for (k, v) in figures.as_object().into_iter().flatten() {
            println!("{k:>28}: {v}");
        }
    }
    Ok(())
}

fn run_bench(args: &BenchArgs, t: &Target) -> Result<Value> {
    let config = ClientConfig::new(
        Cloud::LocalSandbox,
        &t.base_url,
        "9.2",
        &t.tenant,
        &t.client_id,
        Secret::new(t.client_secret.clone()),
    )?;
    let client = Arc::new(DataverseClient::new(config)?);
    let rows: Vec<BulkRow> = (0..args.rows)
        .map(|i| BulkRow {
            index: i,
            row: Some(RowRef::Key(vec![(
                "emailaddress1".into(),
                KeyValue::Text(format!("bench{i}@example.com")),
            )])),
            record: json!({"firstname": "Bench", "lastname": format!("Contact {i}")})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        })
        .collect();
    let opts = BulkOptions {
        chunk_size: args.chunk,
        parallelism: args.parallelism,
        use_bulk_messages: true,
    };
    block_on(client.who_am_i())?;
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let table = TableRef {
        logical_name: "contact".into(),
        entity_set: "contacts".into(),
        primary_id: "contactid".into(),
    };
    let out = block_on(bulk::send(
        client.clone(),
        &table,
        BulkOp::Upsert,
        rows,
        &opts,
    ))?;
    let secs = started.elapsed().as_secs_f64();
    let cpu = match (cpu_before, cpu_seconds()) {
        (Some(a), Some(b)) => json!(((b - a) * 100.0).round() / 100.0),
        _ => Value::Null,
    };
    let delivered = out
        .iter()
        .filter(|o| matches!(o.status, RowStatus::Delivered(_)))
        .count();
    let requests = client.stats.requests.load(Ordering::Relaxed);
    let throttled = client.stats.throttled.load(Ordering::Relaxed);
    let parallel = args.parallelism.unwrap_or_else(|| client.parallelism());
    let mut figures = json!({
        "profile": format!("{:?}", args.profile).to_lowercase(),
        "rows": args.rows,
        "delivered": delivered,
        "seconds": (secs * 100.0).round() / 100.0,
        "rowsPerSecond": (delivered as f64 / secs).round(),
        "parallelism": parallel,
        "chunk": args.chunk,
        "requests": requests,
        "throttled429": throttled,
        "throttledShare": if requests == 0 { 0.0 } else { throttled as f64 / requests as f64 },
        "clientCpuSeconds": cpu,
        "cpuIncludesSandbox": t.in_process.is_some(),
    });
    if args.profile == Profile::Demo {
        let (sustained, burst) = ceilings(args.chunk, parallel);
        figures["ceilingSustainedRowsPerSecond"] = json!(sustained.round());
        figures["ceilingBurstRowsPerSecond"] = json!(burst.round());
    }
    Ok(figures)
}

/// Theoretical ceilings in rows/s with the demo latency: sustained (the least of Dataverse's
/// request-count and execution-time limits over their 300 s window) and burst (what `parallel`
/// requests of `chunk` rows carry at that latency before the window fills).
fn ceilings(chunk: usize, parallel: usize) -> (f64, f64) {
    let l = Limits::dataverse_defaults();
    let window = l.window.as_secs_f64();
    let per_request =
        (DEMO_LATENCY.per_request + DEMO_LATENCY.per_record * chunk as u32).as_secs_f64();
    let by_count = f64::from(l.requests_per_window) / window * chunk as f64;
    let by_time = l.execution_time_per_window.as_secs_f64() / window / per_request * chunk as f64;
    let burst = parallel.min(l.concurrent_requests as usize) as f64 * chunk as f64 / per_request;
    (by_count.min(by_time).min(burst), burst)
}
