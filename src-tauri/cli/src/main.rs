//! `ferry`: the headless command line over ferry-core, for admins and schedulers.
//!
//! Every operation the desktop app offers is here too, with `--json` output for scripts. It
//! links no webview, so it runs on servers. Secrets are read from standard input (or a hidden
//! prompt), never from arguments, which other users can see in the process list.

mod activity_cmd;
#[cfg(feature = "bench")]
mod bench;
#[cfg(feature = "bench")]
mod bench_peers;
mod campaigns_cmd;
mod data_cmd;
mod data_folder_cmd;
mod dataverse_cmd;
mod import_cmd;
mod import_flags;
mod output;
mod progress;
mod query_cmd;
mod rows_out;
mod sandbox_cmd;
mod segment_cmd;
mod segment_words;
mod send_cmd;
mod templates_cmd;
mod users_cmd;

use clap::{Args, Parser, Subcommand};
use ferry_core::ops::credentials::{self, CredentialEdit, NewCredential, SecretRotation};
use ferry_core::ops::destinations::{self, DestinationInput};
use ferry_core::ops::status;
use ferry_core::policy::Actor;
use ferry_core::secrets::{Secret, SecretStore, DEFAULT_SERVICE};
use ferry_core::store::{data_dir_from_env, StoreError};
use ferry_core::validate::ExpiryInput;
use ferry_core::{plugins, App, Result};
use std::ffi::OsString;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use tokio::runtime::Runtime;

/// The exit statuses, one per error code (see `output::exit_code`).
const EXIT_STATUS: &str = "\
Exit status: 0 ok; 1 anything else; 2 bad input (each flag to fix is named); 3 not found; \
4 in use; 5 keychain unavailable; 6 sign-in failed; 7 access refused (by Dynamics, or by your \
Ferry policy); 8 throttled; 9 network; 10 other Dataverse error; 11 SQL that SQLite refused \
(with its line and column); 12 SQL that tries to write; 13 a query's time limit ran out; \
14 the activity log was tampered with (`ferry activity verify`); 15 a previewed row has an \
error (`ferry preview`); 130 cancelled with Ctrl-C.";

#[derive(Parser)]
#[command(
    name = "ferry",
    // NOTE: the commit too, so a bug report names the exact build (see build.rs).
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("FERRY_COMMIT"), ")"),
    about = "Send customer data to Microsoft Dynamics 365 / Dataverse",
    after_help = EXIT_STATUS
)]
struct Cli {
    /// Data folder (default: FERRY_DATA_DIR, else the platform's app-data folder).
    // NOTE: FERRY_DATA_DIR is read by core, not by clap, so an empty value gets Ferry's own
    // message (what is wrong, what to do) instead of clap's "a value is required".
    #[arg(long, global = true, value_parser = clap::builder::OsStringValueParser::new())]
    data_dir: Option<OsString>,
    /// Print machine-readable JSON (errors too, on stderr).
    #[arg(long, global = true)]
    json: bool,
    /// Act as this Ferry user (name or id); default: FERRY_USER, else the user named like the
    /// person logged in to this computer.
    #[arg(long = "as", global = true, value_name = "USER")]
    as_user: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show the data folder, keychain state and credentials that expire soon.
    Status,
    /// List destination plugins.
    Plugins {
        /// Only plugins whose name or keywords contain this text.
        #[arg(long, default_value = "")]
        filter: String,
    },
    /// Manage credentials (client ID + secret in the OS keychain).
    #[command(subcommand)]
    Credentials(CredentialCmd),
    /// Manage destinations.
    #[command(subcommand)]
    Destinations(DestinationCmd),
    /// Run the local Dataverse sandbox until Ctrl-C.
    Sandbox(sandbox_cmd::SandboxArgs),
    /// Measure sending contacts to a sandbox (prints figures; not a test).
    #[cfg(feature = "bench")]
    Bench(bench::BenchArgs),
    /// Backups of the settings database: list them, restore one.
    #[command(subcommand)]
    DataFolder(data_folder_cmd::DataFolderCmd),
    /// Customer data: tables, PII marks, CSV import, the demo dataset.
    #[command(subcommand)]
    Data(data_cmd::DataCmd),
    /// Saved queries, and running SQL over the customer data (read-only).
    #[command(subcommand, alias = "queries")]
    Query(query_cmd::QueryCmd),
    /// Saved segments (audiences): their definitions, counts and rows.
    #[command(subcommand, alias = "segments")]
    Segment(segment_cmd::SegmentCmd),
    /// Ferry users: their policy (what they may do) and whether personal data is hidden.
    #[command(subcommand, alias = "user")]
    Users(users_cmd::UsersCmd),
    /// Data templates: where a query's or segment's rows go in Dynamics, mapped how.
    #[command(subcommand, alias = "template")]
    Templates(templates_cmd::TemplatesCmd),
    /// What a template would send, row by row, with each row's verdict and request (exit
    /// status 15 when a row has an error).
    Preview(templates_cmd::PreviewArgs),
    /// Send a template's rows to Dynamics as a job with per-row receipts; resume an unfinished
    /// job or send a job's failed rows again (exit status 15 when a row was not delivered,
    /// 130 when stopped with Ctrl-C).
    Send(send_cmd::SendArgs),
    /// Send jobs: their history, per-row receipts, and rejected rows as CSV.
    #[command(alias = "job")]
    Jobs(send_cmd::JobsArgs),
    /// A destination's static marketing lists, which a segment's send can fill (see `ferry
    /// jobs add-to-list` and `ferry send --add-to-list`).
    Lists(campaigns_cmd::ListsArgs),
    /// Who you act as, with your policy and what it allows.
    Whoami,
    /// The activity log (administrators): who did what, when; `verify` checks its hash chain.
    Activity(activity_cmd::ActivityArgs),
}

#[derive(Subcommand)]
enum CredentialCmd {
    /// List credentials with their expiry and the destinations using them.
    List,
    /// Show one credential.
    Show { credential: String },
    /// Add a credential. The client secret is read from standard input.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long, default_value = plugins::DYNAMICS)]
        plugin: String,
        /// Application (client) ID of the app registration.
        #[arg(long)]
        client_id: String,
        /// When the secret expires: 1y, 2y, YYYY-MM-DD (any later date too), or never.
        #[arg(long, default_value = "1y")]
        expires: String,
    },
    /// Change a credential's name, description, client ID or recorded expiry.
    Edit {
        credential: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
        #[arg(long)]
        client_id: Option<String>,
        /// Correct the recorded expiry: 1y, 2y, YYYY-MM-DD, or never.
        #[arg(long)]
        expires: Option<String>,
    },
    /// Replace a credential's secret (read from standard input).
    Rotate {
        credential: String,
        /// When the new secret expires: 1y, 2y, YYYY-MM-DD (any later date too), or never.
        #[arg(long, default_value = "1y")]
        expires: String,
    },
    /// Delete a credential and its secret (refused while a destination uses it).
    Delete { credential: String },
}

#[derive(Args)]
struct DestinationFlags {
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    description: Option<String>,
    #[arg(long)]
    plugin: Option<String>,
    /// Credential name or id.
    #[arg(long)]
    credential: Option<String>,
    /// Active Directory (tenant) ID: a GUID or a domain like contoso.onmicrosoft.com.
    #[arg(long)]
    tenant: Option<String>,
    /// Dynamics URL, e.g. https://contoso.crm.dynamics.com.
    #[arg(long)]
    url: Option<String>,
    /// Web API version (9.2, 9.1, 9.0 or 8.2).
    #[arg(long)]
    api_version: Option<String>,
    /// Business users may use this destination.
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    business_users: Option<bool>,
    /// Users with restricted PII access may use this destination.
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    restricted_pii: Option<bool>,
    /// An additional credential (name or id), repeat for more: each another app registration,
    /// so another application user in Dynamics with its own limits, for sending large loads.
    /// On edit the list given replaces the one kept.
    #[arg(long = "extra-credential", value_name = "CREDENTIAL")]
    extra_credentials: Vec<String>,
    /// Remove every additional credential (edit).
    #[arg(long, conflicts_with = "extra_credentials")]
    no_extra_credentials: bool,
}

#[derive(Subcommand)]
enum DestinationCmd {
    /// List destinations.
    List,
    /// Show one destination.
    Show { destination: String },
    /// Add a destination.
    Add(DestinationFlags),
    /// Change a destination; flags left out keep their value.
    Edit {
        destination: String,
        #[command(flatten)]
        flags: DestinationFlags,
    },
    /// Delete a destination (its credential stays).
    Delete { destination: String },
    #[command(flatten)]
    Remote(dataverse_cmd::RemoteCmd),
}

/// Reads the client secret from piped standard input, or from a hidden prompt on a terminal.
fn read_secret() -> Result<Secret> {
    let stdin = std::io::stdin();
    let text = if stdin.is_terminal() {
        rpassword::prompt_password("Client secret (input hidden): ").map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidData {
                not_utf8()
            } else {
                e.into()
            }
        })?
    } else {
        let mut bytes = Vec::new();
        stdin.lock().read_to_end(&mut bytes)?;
        // NOTE: the bytes are not kept or echoed: the error says where, never what.
        String::from_utf8(bytes).map_err(|_| not_utf8())?
    };
    Ok(Secret::new(text.trim_end_matches(['\r', '\n']).to_string()))
}

/// `--data-dir` if given, else `FERRY_DATA_DIR`, else the platform's folder.
fn data_dir(flag: Option<OsString>) -> Result<PathBuf> {
    match flag {
        Some(f) if f.is_empty() => Err(StoreError::EmptyDataDirFlag.into()),
        Some(f) => Ok(PathBuf::from(f)),
        None => data_dir_from_env(),
    }
}

/// The error for a secret that is not text.
fn not_utf8() -> ferry_core::Error {
    ferry_core::Error::field(
        "clientSecret",
        "The secret is not UTF-8 text: pipe just the secret's value as text (for example from \
         a file saved as UTF-8), or type it at the hidden prompt.",
    )
}

/// The keychain the secrets live in: FERRY_KEYCHAIN_SERVICE (tests use their own), else Ferry's.
fn keychain() -> SecretStore {
    let service =
        std::env::var("FERRY_KEYCHAIN_SERVICE").unwrap_or_else(|_| DEFAULT_SERVICE.into());
    SecretStore::new(service)
}

/// Who the CLI acts for: `--as`, else FERRY_USER, else (`None`) the person logged in; and what
/// chose them, for `whoami`.
fn acting_user(flag: Option<String>) -> (Option<String>, &'static str) {
    let given = |v: &Option<String>| v.as_ref().is_some_and(|w| !w.trim().is_empty());
    if given(&flag) {
        return (flag, "--as");
    }
    let env = std::env::var("FERRY_USER").ok();
    if given(&env) {
        return (env, "FERRY_USER");
    }
    (None, "the name you are logged in with")
}

/// Runs the command; returns the exit status for an outcome that is not an error (a broken
/// activity log), else 0.
fn run(cli: Cli, rt: &Runtime) -> Result<u8> {
    let data_dir = data_dir(cli.data_dir)?;
    let (who, chosen_by) = acting_user(cli.as_user);
    let command = match cli.command {
        Command::DataFolder(cmd) => {
            return data_folder_cmd::run(cmd, &data_dir, who.as_deref(), keychain(), cli.json)
                .map(|()| 0)
        }
        other => other,
    };
    let app = App::open(&data_dir, keychain())?;
    if let Some(notice) = app.store().notice() {
        // Said before the command runs: a read from a damaged file may be incomplete.
        output::warning(&notice, cli.json);
    }
    // The acting user's policy decides what the command may do, in core.
    let me: Actor = ferry_core::ops::users::resolve(&app, who.as_deref())?;
    let out = output::Printer { json: cli.json };
    match command {
        Command::Status => out.status(&status::app_status(&app, &me)?),
        Command::Plugins { filter } => out.plugins(&plugins::filter(&filter)),
        Command::Sandbox(args) => {
            ferry_core::ops::require(&app, &me, ferry_core::policy::Action::RunSandbox)?;
            sandbox_cmd::run(args, &data_dir, cli.json)?
        }
        #[cfg(feature = "bench")]
        Command::Bench(args) => {
            ferry_core::ops::require(&app, &me, ferry_core::policy::Action::RunSandbox)?;
            bench::bench(args, cli.json, rt)?
        }
        Command::Credentials(c) => match c {
            CredentialCmd::List => out.credentials(&credentials::list(&app, &me)?),
            CredentialCmd::Show { credential } => {
                out.credential(&credentials::get(&app, &me, &credential)?)
            }
            CredentialCmd::Add {
                name,
                description,
                plugin,
                client_id,
                expires,
            } => {
                let client_secret = read_secret()?;
                let input = NewCredential {
                    name,
                    description,
                    plugin,
                    client_id,
                    client_secret,
                    expiry: ExpiryInput::from_cli(&expires),
                };
                out.credential(&credentials::create(&app, &me, input)?)
            }
            CredentialCmd::Edit {
                credential,
                name,
                description,
                client_id,
                expires,
            } => {
                let cur = credentials::get(&app, &me, &credential)?;
                let edit = CredentialEdit {
                    name: name.unwrap_or(cur.name),
                    description: description.unwrap_or(cur.description),
                    client_id: client_id.unwrap_or(cur.client_id),
                    expiry: expires.as_deref().map(ExpiryInput::from_cli),
                };
                out.credential(&credentials::update(&app, &me, &cur.id, edit)?)
            }
            CredentialCmd::Rotate {
                credential,
                expires,
            } => {
                let cur = credentials::get(&app, &me, &credential)?;
                let rotation = SecretRotation {
                    client_secret: read_secret()?,
                    expiry: ExpiryInput::from_cli(&expires),
                };
                out.credential(&credentials::rotate_secret(&app, &me, &cur.id, rotation)?)
            }
            CredentialCmd::Delete { credential } => {
                credentials::delete(&app, &me, &credential)?;
                out.done(&format!(
                    "Deleted credential \"{credential}\" and its secret."
                ))
            }
        },
        Command::Destinations(d) => match d {
            DestinationCmd::List => out.destinations(&destinations::list(&app, &me)?),
            DestinationCmd::Show { destination } => {
                out.destination(&destinations::get(&app, &me, &destination)?)
            }
            DestinationCmd::Add(f) => {
                // Core looks credentials up by id or name, so a name passes straight through.
                let credential_id = f.credential.unwrap_or_default();
                let input = DestinationInput {
                    name: f.name.unwrap_or_default(),
                    description: f.description.unwrap_or_default(),
                    plugin: f.plugin.unwrap_or_else(|| plugins::DYNAMICS.into()),
                    credential_id,
                    tenant_id: f.tenant.unwrap_or_default(),
                    dynamics_url: f.url.unwrap_or_default(),
                    api_version: f.api_version.unwrap_or_default(),
                    business_users: f.business_users.unwrap_or(false),
                    restricted_pii: f.restricted_pii.unwrap_or(false),
                    extra_credentials: f.extra_credentials,
                };
                out.destination(&destinations::create(&app, &me, input)?)
            }
            DestinationCmd::Edit {
                destination,
                flags: f,
            } => {
                let cur = destinations::get(&app, &me, &destination)?;
                let credential_id = f.credential.unwrap_or(cur.credential.id);
                let extra_credentials = if f.no_extra_credentials {
                    Vec::new()
                } else if f.extra_credentials.is_empty() {
                    cur.extra_credentials.into_iter().map(|c| c.id).collect()
                } else {
                    f.extra_credentials
                };
                let input = DestinationInput {
                    name: f.name.unwrap_or(cur.name),
                    description: f.description.unwrap_or(cur.description),
                    plugin: f.plugin.unwrap_or(cur.plugin.id),
                    credential_id,
                    tenant_id: f.tenant.unwrap_or(cur.tenant_id),
                    dynamics_url: f.url.unwrap_or(cur.dynamics_url),
                    api_version: f.api_version.unwrap_or(cur.api_version),
                    business_users: f.business_users.unwrap_or(cur.business_users),
                    restricted_pii: f.restricted_pii.unwrap_or(cur.restricted_pii),
                    extra_credentials,
                };
                out.destination(&destinations::update(&app, &me, &cur.id, input)?)
            }
            DestinationCmd::Delete { destination } => {
                destinations::delete(&app, &me, &destination)?;
                out.done(&format!("Deleted destination \"{destination}\"."))
            }
            DestinationCmd::Remote(cmd) => dataverse_cmd::run(cmd, &app, &me, rt, cli.json)?,
        },
        Command::Data(cmd) => data_cmd::run(cmd, &app, &me, rt, cli.json)?,
        Command::Query(cmd) => query_cmd::run(cmd, &app, &me, cli.json)?,
        Command::Segment(cmd) => segment_cmd::run(cmd, &app, &me, cli.json)?,
        Command::Users(cmd) => users_cmd::run(cmd, &app, &me, cli.json)?,
        Command::Templates(cmd) => templates_cmd::run(cmd, &app, &me, rt, cli.json)?,
        Command::Preview(args) => return templates_cmd::preview(args, &app, &me, rt, cli.json),
        Command::Send(args) => return send_cmd::send(args, &app, &me, rt, cli.json),
        Command::Jobs(args) => return send_cmd::jobs_cmd(args, &app, &me, rt, cli.json),
        Command::Lists(args) => return campaigns_cmd::lists(args, &app, &me, rt, cli.json),
        Command::Whoami => users_cmd::whoami(&app, &me, chosen_by, cli.json)?,
        Command::Activity(args) => return activity_cmd::run(args, &app, &me, cli.json),
        Command::DataFolder(_) => unreachable!("handled before the app is opened"),
    }
    Ok(0)
}

/// The one runtime of a `ferry` run: core's network operations are plain `async fn`s that own
/// none, so whatever needs the network is awaited here (with `block_on`, from this thread).
fn runtime() -> Result<Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("ferry-dataverse")
        .enable_all()
        .build()?)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    match runtime().and_then(|rt| run(cli, &rt)) {
        Ok(status) => ExitCode::from(status),
        Err(e) => {
            output::error(&e, json);
            ExitCode::from(output::exit_code(&e))
        }
    }
}
