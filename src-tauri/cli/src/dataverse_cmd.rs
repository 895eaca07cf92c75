//! `ferry destinations test|tables|columns`: the Dataverse side of the CLI.
//!
//! The commands are thin: they await core's connection and metadata operations on the one
//! runtime `main` starts, and print the result as aligned text or `--json`.

use clap::Subcommand;
use ferry_core::ops::connection::{self, ConnectionReport, TableColumns, TableList};
use ferry_core::policy::Actor;
use ferry_core::{App, Result};
use serde::Serialize;
use tokio::runtime::Runtime;

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

pub(crate) fn print_json<T: Serialize>(v: &T) {
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
    if let Some(name) = &r.organization_name {
        println!("  Organisation:      {name}");
    }
    println!("  Organisation ID:   {}", r.organization_id);
    println!("  User ID:           {}", r.user_id);
    for extra in &r.additional_users {
        println!(
            "  Also signed in as: {} (credential \"{}\")",
            extra.user_id, extra.credential.name
        );
    }
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
pub fn run(cmd: RemoteCmd, app: &App, actor: &Actor, rt: &Runtime, json: bool) -> Result<()> {
    match cmd {
        RemoteCmd::Test { destination } => {
            let r = rt.block_on(connection::test(app, actor, &destination))?;
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
            let t = rt.block_on(connection::list_tables(app, actor, &destination, refresh))?;
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
            let c = rt.block_on(connection::table_columns(
                app,
                actor,
                &destination,
                &table,
                refresh,
            ))?;
            if json {
                print_json(&c)
            } else {
                print_columns(&c)
            }
        }
    }
    Ok(())
}
