//! `ferry sandbox`: runs the local Dataverse emulator in the foreground until Ctrl-C.
//!
//! It prints what a person (or a script, with `--json`) needs to point a client at it: the base
//! URL, tenant, every app registration's client id and secret (`--app-users`), and the admin
//! key its `/_sandbox/…` calls need. It only
//! maps flags onto `ferry_sandbox::SandboxConfig` and the sandbox's start errors onto the CLI's
//! errors (each naming the flag to change); all behaviour lives in the sandbox crate. Who may
//! start one is decided in core first (`Action::RunSandbox`), since that crate knows no users.

use clap::Args;
use ferry_core::{Error, Result};
use ferry_sandbox::{
    AppRegistration, KeyConfig, Latency, Profile, Sandbox, SandboxConfig, SandboxError,
    ADMIN_KEY_HEADER,
};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Flags of `ferry sandbox`.
#[derive(Args)]
pub struct SandboxArgs {
    /// Loopback port (0 picks a free one).
    #[arg(long, default_value_t = 5555)]
    port: u16,
    /// Serve HTTPS with a self-signed certificate (its local CA is kept in the data file).
    #[arg(long)]
    https: bool,
    /// demo (Dataverse's documented limits) or fast (no limits, for benchmarks).
    #[arg(long, default_value = "demo")]
    profile: Profile,
    /// SQLite file for records (default: sandbox.sqlite3 in the data folder).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Access-token lifetime in seconds (at most 86400, a day; longer is clamped).
    #[arg(long, default_value_t = 3599)]
    token_lifetime: u64,
    /// Write the PEM of the CA that signed the HTTPS certificate here, for clients to trust.
    #[arg(long)]
    ca_out: Option<PathBuf>,
    /// Alternate key as TABLE=COLUMN[,COLUMN…]; repeat for more. Replaces the defaults
    /// (contact=emailaddress1, account=accountnumber).
    #[arg(long = "key", value_name = "TABLE=COLUMNS")]
    keys: Vec<String>,
    /// Server time charged per write: off, full (Microsoft's sample timings: 40 ms per single or
    /// $batch operation, 10 ms per row created in bulk, 30 ms per row updated in bulk) or 1/N
    /// (the same ratios N times faster).
    #[arg(long, default_value = "off", value_name = "off|full|1/N")]
    server_time: String,
    /// Added to every Web API request, in milliseconds (network and front end).
    #[arg(long, default_value_t = 0, value_name = "MS")]
    request_latency_ms: u64,
    /// Divide the service-protection window and its request and execution-time budgets by N
    /// (10: 30 s windows with a tenth of the budgets), so a short bench spans many windows.
    #[arg(long, default_value_t = 1, value_name = "N")]
    window_scale: u32,
    /// App registrations to serve, each its own application user with its own limits (2 or
    /// more lets a client spread a load over several users' limits).
    #[arg(long, default_value_t = 1, value_name = "N")]
    app_users: u32,
}

/// Most app registrations `--app-users` may ask for: enough for any load Ferry spreads, few
/// enough that a typo (1000) does not write a thousand secrets into the data file.
const MAX_APP_USERS: u32 = 16;

/// Reads `--server-time`: off, full or 1/N.
fn server_time(text: &str) -> Result<Latency> {
    let bad = || {
        Error::field(
            "serverTime",
            format!(
                "\"{text}\" is not a server-time model: give off, full (Microsoft's sample \
                 timings) or 1/N with N a whole number of 1 or more, e.g. 1/5."
            ),
        )
    };
    match text.trim() {
        "off" => Ok(Latency::default()),
        "full" => Ok(Latency::DATAVERSE_SAMPLES),
        other => {
            let n: u32 = other
                .strip_prefix("1/")
                .and_then(|n| n.trim().parse().ok())
                .filter(|n| *n >= 1)
                .ok_or_else(bad)?;
            Ok(Latency::DATAVERSE_SAMPLES.scaled_down(n))
        }
    }
}

/// Starts the sandbox, prints its details, and blocks until Ctrl-C.
pub fn run(args: SandboxArgs, data_dir: &Path, json: bool) -> Result<()> {
    let data = args
        .data
        .unwrap_or_else(|| data_dir.join("sandbox.sqlite3"));
    if let Some(parent) = data.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent).map_err(|e| {
            Error::field(
                "sandboxData",
                format!(
                    "The folder {} for the sandbox's data file could not be created: {e}. \
                     Pass a file in a writable folder with --data.",
                    parent.display()
                ),
            )
        })?;
    }
    let mut keys = Vec::new();
    for k in &args.keys {
        let (table, columns) = k.split_once('=').ok_or_else(|| {
            Error::field(
                "sandboxKey",
                format!(
                    "\"{k}\" is not an alternate key: give TABLE=COLUMN[,COLUMN…], e.g. \
                     contact=emailaddress1."
                ),
            )
        })?;
        keys.push(KeyConfig {
            table: table.trim().to_string(),
            columns: columns.split(',').map(|c| c.trim().to_string()).collect(),
        });
    }
    let defaults = SandboxConfig::for_profile(args.profile);
    let latency = Latency {
        per_request: Duration::from_millis(args.request_latency_ms),
        ..server_time(&args.server_time)?
    };
    if args.window_scale == 0 {
        return Err(Error::field(
            "windowScale",
            "--window-scale must be a whole number of 1 or more (1 keeps Dataverse's 300 s \
             windows)."
                .to_string(),
        ));
    }
    if args.window_scale > 1 && defaults.limits.is_none() {
        return Err(Error::field(
            "windowScale",
            "The fast profile has no limits to scale: use --profile demo with --window-scale."
                .to_string(),
        ));
    }
    if !(1..=MAX_APP_USERS).contains(&args.app_users) {
        return Err(Error::field(
            "appUsers",
            format!(
                "--app-users must be a whole number from 1 to {MAX_APP_USERS} (1 serves one \
                 application user, as before)."
            ),
        ));
    }
    let limits = defaults
        .limits
        .as_ref()
        .map(|l| l.scaled_down(args.window_scale));
    let config = SandboxConfig {
        latency,
        limits: limits.clone(),
        keys: if keys.is_empty() {
            defaults.keys.clone()
        } else {
            keys
        },
        port: args.port,
        https: args.https,
        data_path: Some(data.clone()),
        token_lifetime: Duration::from_secs(args.token_lifetime),
        extra_apps: AppRegistration::stored(args.app_users as usize - 1),
        ..defaults
    };
    let sb = Sandbox::start(config).map_err(start_error)?;
    if let (Some(path), Some(pem)) = (&args.ca_out, &sb.ca_certificate_pem) {
        std::fs::write(path, pem).map_err(|e| {
            Error::field(
                "caOut",
                format!("{} could not be written: {e}.", path.display()),
            )
        })?;
    }
    if json {
        let v = serde_json::json!({
            "baseUrl": sb.base_url, "tenant": sb.tenant, "clientId": sb.client_id,
            "clientSecret": sb.client_secret, "tokenUrl": sb.token_url(), "scope": sb.scope(),
            "apps": sb.apps.iter().map(|a| serde_json::json!({
                "clientId": a.client_id, "clientSecret": a.client_secret, "userId": a.user_id,
            })).collect::<Vec<_>>(),
            "adminKey": sb.admin_key, "adminKeyHeader": ADMIN_KEY_HEADER,
            "dataFile": data, "caCertificate": args.ca_out,
            "limits": limits.as_ref().map(|l| serde_json::json!({
                "windowSeconds": l.window.as_secs_f64(),
                "requestsPerWindow": l.requests_per_window,
                "executionSecondsPerWindow": l.execution_time_per_window.as_secs_f64(),
                "concurrentRequests": l.concurrent_requests,
            })),
            "serverTimeMs": {
                "perRequest": latency.per_request.as_secs_f64() * 1000.0,
                "perOperation": latency.per_operation.as_secs_f64() * 1000.0,
                "perBulkCreate": latency.per_bulk_create.as_secs_f64() * 1000.0,
                "perBulkUpdate": latency.per_bulk_update.as_secs_f64() * 1000.0,
            },
        });
        println!("{v}");
    } else {
        println!("Ferry sandbox is running. Press Ctrl-C to stop.");
        println!("  Base URL:       {}", sb.base_url);
        println!("  Tenant:         {}", sb.tenant);
        println!("  Client ID:      {}", sb.client_id);
        println!("  Client secret:  {}", sb.client_secret);
        for (i, app) in sb.apps.iter().enumerate().skip(1) {
            let label = format!("App user {}:", i + 1);
            println!("  {label:<16}{} / {}", app.client_id, app.client_secret);
        }
        println!("  Token URL:      {}", sb.token_url());
        println!(
            "  Admin key:      {} (send as {ADMIN_KEY_HEADER})",
            sb.admin_key
        );
        println!("  Data file:      {}", data.display());
        match &limits {
            Some(l) => println!(
                "  Limits:         {} requests and {} s of execution time per {} s window, {} at once",
                l.requests_per_window,
                l.execution_time_per_window.as_secs_f64(),
                l.window.as_secs_f64(),
                l.concurrent_requests
            ),
            None => println!("  Limits:         none (fast profile)"),
        }
        if latency != Latency::default() {
            println!(
                "  Server time:    {} ms per request, {} ms per operation, {} ms per row created and {} ms per row updated in bulk",
                latency.per_request.as_millis(),
                latency.per_operation.as_secs_f64() * 1000.0,
                latency.per_bulk_create.as_secs_f64() * 1000.0,
                latency.per_bulk_update.as_secs_f64() * 1000.0
            );
        }
        if let Some(path) = &args.ca_out {
            println!(
                "  CA certificate: {} (trusted for loopback only)",
                path.display()
            );
        }
    }
    sb.run_until_ctrl_c().map_err(start_error)
}

/// Creates `dir` (and its parents) readable by the owner only on Unix, since the data file in
/// it holds the sandbox's CA key and secrets. An existing folder is left as it is.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// The CLI error for a sandbox that could not start: the flag to change when one would help.
fn start_error(e: SandboxError) -> Error {
    let message = e.to_string();
    match e {
        SandboxError::PortInUse { .. } => Error::InUse(message),
        SandboxError::Listen { .. } => Error::field("port", message),
        SandboxError::Key { .. } => Error::field("sandboxKey", message),
        SandboxError::DataFile { .. } | SandboxError::DataFilePermissions { .. } => {
            Error::field("sandboxData", message)
        }
        SandboxError::Tls(_) => Error::field("https", message),
        SandboxError::Runtime(io) => Error::Io(io),
        // NOTE: an in-memory store or a bundled schema failing is a defect, not the user's
        // input; the message is still the sandbox's own.
        SandboxError::Store(_) | SandboxError::Schema(_) => {
            Error::Io(std::io::Error::other(message))
        }
    }
}
