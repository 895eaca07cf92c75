//! `ferry data …`: the customer database: its tables, a table's columns and first rows, PII
//! marks, the demo dataset, and CSV import (in `import_cmd`). Every rule is in
//! `ferry_core::ops::data`; this file parses flags and prints.

use crate::import_cmd::{self, ImportArgs};
use crate::output::{print_json, table};
use crate::progress::{percent, ProgressLine};
use crate::rows_out::{self, thousands};
use clap::{ArgGroup, Subcommand};
use ferry_core::data::demo::{DEFAULT_ROWS, DEFAULT_SEED, MAX_ROWS};
use ferry_core::data::schema::{TableSample, TableSummary};
use ferry_core::ops::data;
use ferry_core::policy::{self, Action, Actor};
use ferry_core::{App, Error, Result};
use tokio::runtime::Runtime;

/// The `data` subcommands.
#[derive(Subcommand)]
pub enum DataCmd {
    /// List the tables of the customer database: name, rows, columns.
    Tables,
    /// Show a table's columns (type, PII mark) and its first rows.
    Show {
        table: String,
        /// How many rows to show (0 to 500).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(0..=500))]
        rows: u16,
    },
    /// Make the demo customers and orders from a seed (the same seed makes the same rows).
    ///
    /// Replaces the tables customers and orders; if either exists already, pass --replace.
    Demo {
        #[arg(
            long,
            default_value_t = DEFAULT_ROWS,
            help = format!(
                "How many customers, up to {MAX_ROWS} (orders add about 2.3 times as many rows)."
            )
        )]
        rows: u64,
        /// The seed the rows are made from.
        #[arg(long, default_value_t = DEFAULT_SEED)]
        seed: u64,
        /// Replace existing customers and orders tables with the demo's.
        #[arg(long)]
        replace: bool,
    },
    /// Import a CSV file into a table (--dry-run prints the plan; --help has the details).
    Import(Box<ImportArgs>),
    /// Mark (--on) or unmark (--off) a column as personal data.
    #[command(group(ArgGroup::new("mark").required(true).args(["on", "off"])))]
    Pii {
        table: String,
        column: String,
        /// Mark the column as personal data.
        #[arg(long)]
        on: bool,
        /// Remove the mark.
        #[arg(long)]
        off: bool,
    },
}

/// Runs one `data` subcommand.
pub fn run(cmd: DataCmd, app: &App, me: &Actor, rt: &Runtime, json: bool) -> Result<()> {
    match cmd {
        DataCmd::Tables => {
            let tables = data::tables(app, me)?;
            if json {
                print_json(&tables);
            } else {
                print_tables(&tables);
            }
        }
        DataCmd::Show { table, rows } => {
            let sample = data::sample(app, me, &table, usize::from(rows))?;
            if sample.pii_hidden {
                rows_out::note_hidden_pii(json);
            }
            if json {
                print_json(&sample);
            } else {
                print_sample(&sample)?;
            }
        }
        DataCmd::Demo {
            rows,
            seed,
            replace,
        } => demo(app, me, rows, seed, replace, json)?,
        DataCmd::Import(args) => import_cmd::run(*args, app, me, rt, json)?,
        DataCmd::Pii {
            table, column, on, ..
        } => {
            let col = data::set_pii(app, me, &table, &column, on)?;
            if json {
                print_json(&serde_json::json!({
                    "table": table, "name": col.name, "type": col.column_type, "pii": col.pii,
                }));
            } else if col.pii {
                println!("{table}.{} is now marked as personal data (PII).", col.name);
            } else {
                println!("{table}.{} is no longer marked as personal data.", col.name);
            }
        }
    }
    Ok(())
}

fn print_tables(tables: &[TableSummary]) {
    if tables.is_empty() {
        println!(
            "No tables yet. Import a CSV file with `ferry data import FILE --table NAME`, or \
             make demo customers and orders with `ferry data demo`."
        );
        return;
    }
    table(
        &["TABLE", "ROWS", "COLUMNS"],
        tables
            .iter()
            .map(|t| {
                vec![
                    t.name.clone(),
                    thousands(t.row_count.max(0) as u64),
                    t.columns.len().to_string(),
                ]
            })
            .collect(),
    );
}

fn print_sample(s: &TableSample) -> Result<()> {
    println!(
        "{}: {}, {} columns",
        s.table,
        rows_out::count_words(s.row_count.max(0) as u64, "row"),
        s.columns.len()
    );
    table(
        &["COLUMN", "TYPE", "PII"],
        s.columns
            .iter()
            .map(|c| {
                let pii = if c.pii { "yes" } else { "" };
                vec![c.name.clone(), c.column_type.as_str().into(), pii.into()]
            })
            .collect(),
    );
    if s.rows.is_empty() {
        return Ok(());
    }
    println!();
    println!(
        "First {}:",
        rows_out::count_words(s.rows.len() as u64, "row")
    );
    rows_out::print_table(&s.columns, &s.rows)
}

fn demo(app: &App, me: &Actor, rows: u64, seed: u64, replace: bool, json: bool) -> Result<()> {
    // NOTE: asked first, so a user who may not import is told so, not to add --replace. Core
    // asks again in `make_demo`, where a refusal is also recorded in the activity log; this
    // early one is not (core offers no public check that records).
    policy::check(me, Action::ImportData)?;
    if rows > MAX_ROWS {
        return Err(Error::field(
            "rows",
            format!(
                "A demo dataset can have at most {} customers: ask for fewer with --rows.",
                thousands(MAX_ROWS)
            ),
        ));
    }
    // NOTE: the demo drops customers and orders; a person may have imported their own under
    // those names, so replacing them takes a flag, as the app asks before it does.
    let existing: Vec<String> = data::tables(app, me)?
        .into_iter()
        .map(|t| t.name)
        .filter(|n| n.eq_ignore_ascii_case("customers") || n.eq_ignore_ascii_case("orders"))
        .collect();
    if !existing.is_empty() && !replace {
        return Err(Error::field(
            "replace",
            format!(
                "The customer database already has {}: the demo would replace {}. Add \
                 --replace to replace {} with demo data, or use another data folder \
                 (--data-dir).",
                existing.join(" and "),
                if existing.len() == 1 { "it" } else { "them" },
                if existing.len() == 1 { "it" } else { "them" },
            ),
        ));
    }
    let mut line = ProgressLine::new(json);
    let report = data::make_demo(app, me, rows, seed, &mut |made| {
        line.draw(|| {
            format!(
                "Making demo data: {} of {} customers ({}%)",
                thousands(made),
                thousands(rows),
                percent(made, rows)
            )
        })
    })?;
    line.clear();
    if json {
        print_json(&report);
    } else {
        println!(
            "Made {} and {} from seed {seed} in {} ms.",
            rows_out::count_words(report.customers, "customer"),
            rows_out::count_words(report.orders, "order"),
            report.elapsed_ms
        );
    }
    Ok(())
}
