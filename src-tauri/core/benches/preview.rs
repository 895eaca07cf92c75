//! Figures for a template's preview over a million customers, printed, not asserted: time to
//! the first page, the full validation pass (time and rows/s) and peak memory of each.
//!
//! Run with `scripts/with-keyring.sh cargo bench -p ferry-core --bench preview` (the
//! destination's secret lives in the keychain, as in the app). `FERRY_BENCH_ROWS` changes the
//! number of customers (1,000,000 by default); `FERRY_BENCH_DIR` keeps the data folder there.
//!
//! The setup is the app's own: the demo customers (with their empty, blank and repeated
//! emails), the in-process sandbox as the destination with `contact`'s metadata cached, and a
//! template upserting by the email key that maps six columns, a date and a choice among them.
//! Each phase then runs in a fresh process of this binary, so the setup's memory (and one
//! phase's) does not hide the next one's peak.
//!
//! Targets from issue 11: first page ≤ 200 ms, full pass ≤ 3 s, peak RSS ≤ 300 MB.

use ferry_core::mapping::plan::{FieldMapping, Mapping, Operation, ValueSource};
use ferry_core::ops::credentials::{self, NewCredential};
use ferry_core::ops::destinations::{self, DestinationInput};
use ferry_core::ops::preview;
use ferry_core::ops::queries::{self, QueryInput};
use ferry_core::ops::rows::RowSource;
use ferry_core::ops::templates::{self, TemplateInput};
use ferry_core::ops::{connection, data, users};
use ferry_core::secrets::{Secret, SecretStore};
use ferry_core::validate::ExpiryInput;
use ferry_core::App;
use ferry_sandbox::{Sandbox, SandboxConfig};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const CHILD_FLAG: &str = "--ferry-preview-child";
const TEMPLATE: &str = "Bench contacts";
/// Rows a page shows in the app.
const PAGE: usize = 100;

const FIRST_PAGE_MS: f64 = 200.0;
const FULL_PASS_MS: f64 = 3000.0;
const PEAK_MB: f64 = 300.0;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == CHILD_FLAG) {
        child(&args[i + 1], Path::new(&args[i + 2]), &args[i + 3]);
        return;
    }
    let rows: u64 = std::env::var("FERRY_BENCH_ROWS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let temp = tempfile::tempdir().expect("a temporary folder");
    // FERRY_BENCH_DIR keeps the data folder, for profiling one phase on its own (the command
    // is printed; it needs the same keychain session).
    let kept = std::env::var_os("FERRY_BENCH_DIR").map(std::path::PathBuf::from);
    let dir = kept.as_deref().unwrap_or(temp.path());
    let service = format!("ferry-bench-{}", ferry_core::ids::new_id("b"));
    let started = Instant::now();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    // NOTE: the sandbox stays up while the phases run, though they only read cached metadata.
    let _sandbox = runtime.block_on(setup(dir, &service, rows));
    println!(
        "set up {rows} demo customers, the sandbox destination and the template in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!(
        "load average: {} (the machine is shared; figures scale with it)",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );

    let exe = std::env::current_exe().expect("this binary");
    let mut verdicts = Vec::new();
    for phase in ["first", "first-errors", "full"] {
        let out = Command::new(&exe)
            .args([CHILD_FLAG, phase, &dir.to_string_lossy(), &service])
            .output()
            .expect("the phase runs");
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            eprintln!("{}", String::from_utf8_lossy(&out.stderr));
            panic!("phase {phase} failed");
        }
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("FIGURES "))
            .expect("the phase prints its figures");
        let f: Vec<f64> = line
            .split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect();
        let (ms, peak_mb, read, error, cpu) = (f[0], f[1], f[2], f[3], f[4]);
        match phase {
            "first" => {
                println!(
                    "first page ({PAGE} rows): {ms:.0} ms ({cpu:.0} ms CPU), {read:.0} rows read, \
                     peak RSS {peak_mb:.0} MB"
                );
                verdicts.push(("first page ≤ 200 ms", ms <= FIRST_PAGE_MS));
            }
            "first-errors" => println!(
                "first page of errors only ({PAGE} rows): {ms:.0} ms ({cpu:.0} ms CPU), \
                 {read:.0} rows read, peak RSS {peak_mb:.0} MB"
            ),
            _ => {
                println!(
                    "full validation pass: {read:.0} rows ({error:.0} with errors) in {ms:.0} ms \
                     ({cpu:.0} ms CPU on all threads), {:.0} rows/s, peak RSS {peak_mb:.0} MB",
                    read / (ms / 1000.0)
                );
                verdicts.push(("full pass ≤ 3 s", ms <= FULL_PASS_MS));
            }
        }
        verdicts.push((
            match phase {
                "first" => "first page peak RSS ≤ 300 MB",
                "first-errors" => "errors-only first page peak RSS ≤ 300 MB",
                _ => "full pass peak RSS ≤ 300 MB",
            },
            peak_mb <= PEAK_MB,
        ));
    }
    for (what, ok) in verdicts {
        println!("{} {what}", if ok { "PASS" } else { "FAIL" });
    }
    if kept.is_some() {
        println!(
            "one phase alone: {} {CHILD_FLAG} full {} {service}",
            exe.display(),
            dir.display()
        );
    }
}

/// Builds the app's data folder: customers, a destination with cached metadata, a template.
async fn setup(dir: &Path, service: &str, rows: u64) -> ferry_sandbox::SandboxHandle {
    let mut cfg = SandboxConfig::for_profile(ferry_sandbox::Profile::Fast);
    cfg.data_path = Some(dir.join("sandbox.sqlite3"));
    cfg.https = true;
    let sb = Sandbox::start(cfg).expect("the sandbox starts");
    let data_dir = dir.join("data");
    let app = App::open(&data_dir, SecretStore::new(service)).expect("the app opens");
    std::fs::write(
        data_dir.join(connection::TRUSTED_CA_FILE),
        sb.ca_certificate_pem.as_deref().expect("a CA"),
    )
    .expect("the CA is written");
    let admin = users::resolve(&app, None).expect("the administrator");
    let cred = credentials::create(
        &app,
        &admin,
        NewCredential {
            name: "Sandbox app".into(),
            description: String::new(),
            plugin: "microsoft-dynamics".into(),
            client_id: sb.client_id.clone(),
            client_secret: Secret::new(&sb.client_secret),
            expiry: ExpiryInput::Years { years: 1 },
        },
    )
    .expect("the credential");
    destinations::create(
        &app,
        &admin,
        DestinationInput {
            name: "Sandbox".into(),
            description: String::new(),
            plugin: "microsoft-dynamics".into(),
            credential_id: cred.id,
            tenant_id: sb.tenant.clone(),
            dynamics_url: sb.base_url.clone(),
            api_version: String::new(),
            business_users: true,
            restricted_pii: false,
            extra_credentials: Vec::new(),
        },
    )
    .expect("the destination");
    data::make_demo(&app, &admin, rows, 11, &mut |_| {}).expect("the demo customers");
    let query = queries::create(
        &app,
        &admin,
        QueryInput {
            name: "Customers".into(),
            description: String::new(),
            // The preferred contact method is a label the choice column knows.
            sql: "SELECT customer_id, email, first_name, last_name, birthdate, city, \
                  CASE WHEN opt_in_email THEN 'Email' ELSE 'Phone' END AS contact_method \
                  FROM customers"
                .into(),
            time_limit_secs: 60,
        },
    )
    .expect("the query");
    let details = connection::table_columns(&app, &admin, "Sandbox", "contact", false)
        .await
        .expect("contact's metadata")
        .details;
    let key = details
        .keys
        .iter()
        .find(|k| k.columns == ["emailaddress1"])
        .expect("the email key")
        .logical_name
        .clone();
    let field = |column: &str, source: &str| FieldMapping {
        column: column.into(),
        source: ValueSource::Column {
            name: source.into(),
        },
        choice_overrides: BTreeMap::new(),
        lookup: None,
    };
    templates::create(
        &app,
        &admin,
        TemplateInput {
            name: TEMPLATE.into(),
            description: String::new(),
            destination: "Sandbox".into(),
            source: RowSource::Query(query.id),
            table: "contact".into(),
            mapping: Mapping {
                operation: Operation::UpsertByKey { key },
                fields: vec![
                    field("emailaddress1", "email"),
                    field("firstname", "first_name"),
                    field("lastname", "last_name"),
                    field("birthdate", "birthdate"),
                    field("address1_city", "city"),
                    field("preferredcontactmethodcode", "contact_method"),
                ],
                time_zone: "Europe/Paris".into(),
            },
            business_users: true,
            restricted_pii: false,
            campaigns: false,
        },
    )
    .await
    .expect("the template");
    sb
}

/// One phase in this fresh process; prints `FIGURES ms peak_mb rows_read rows_with_errors
/// cpu_ms`.
fn child(phase: &str, dir: &Path, service: &str) {
    let app = App::open(&dir.join("data"), SecretStore::new(service)).expect("the app opens");
    let admin = users::resolve(&app, None).expect("the administrator");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let started = Instant::now();
    let cpu_before = cpu_ms();
    let p = runtime
        .block_on(async {
            match phase {
                "first" => preview::first_page(&app, &admin, TEMPLATE, PAGE, false).await,
                "first-errors" => preview::first_page(&app, &admin, TEMPLATE, PAGE, true).await,
                _ => preview::preview(&app, &admin, TEMPLATE, PAGE, false).await,
            }
        })
        .expect("the preview");
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    println!(
        "FIGURES {ms} {} {} {} {}",
        peak_kb() as f64 / 1024.0,
        p.total,
        p.error,
        cpu_ms() - cpu_before
    );
}

/// This process's peak resident set size in KiB (Linux).
fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time this process used so far (user and system, every thread), in milliseconds: on a
/// shared machine it says what the work costs when the wall time says how long it waited.
fn cpu_ms() -> f64 {
    // Fields 14 and 15 of /proc/self/stat, after the command name in parentheses, are in
    // clock ticks, which Linux reports at 100 per second.
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<f64> = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    fields.iter().sum::<f64>() * 10.0
}
