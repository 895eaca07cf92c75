//! `ferry query …`: saved queries and running SQL over the customer database. Every query goes
//! through core's read-only door (a write is refused whatever the SQL looks like) and its rows
//! are streamed page by page to stdout, never held all at once. The rules are in
//! `ferry_core::ops::{queries, rows}`; this file parses flags and prints.

use crate::output::{print_json, table, Printer};
use crate::rows_out::{self, Format};
use clap::{Args, Subcommand};
use ferry_core::ops::queries::{
    self, QueryInput, SavedQuery, DEFAULT_TIME_LIMIT_SECS, MAX_TIME_LIMIT_SECS,
};
use ferry_core::ops::rows::{self, RowSource};
use ferry_core::policy::Actor;
use ferry_core::{App, Error, Result};
use std::time::{Duration, Instant};

const RUN_HELP: &str = "\
Output: a table on the terminal (column widths from the first rows, long values cut with …, \
then the row count and time); --csv prints a header row and one CSV record per row; --json \
prints one JSON object per line (JSON Lines), the column names as keys (a repeated name gets \
_2, _3), so it streams into jq or a loader. Booleans print as true/false, no value as empty \
(null in JSON). Rows are read page by page: a large result never sits in memory, and --limit \
or a closed pipe stops the query.

Only reading SQL runs: INSERT, UPDATE, DELETE, CREATE, DROP, ATTACH, writing pragmas and \
the like are refused. For a user with Restrict PII access, columns marked as personal data \
show as \"•••• (PII)\" (stderr says so); everyone else's reads of them are recorded in the \
activity log.

Exit status: 0 ok; 2 bad flags; 3 no such saved query; 11 SQLite refused the SQL (the message \
has its line and column, and --json errors carry `line` and `column`); 12 the SQL tries to \
write; 13 the time limit ran out (rows printed before it stay printed).";

/// The `query` subcommands.
#[derive(Subcommand)]
pub enum QueryCmd {
    /// List the saved queries.
    List,
    /// Show a saved query: description, time limit and SQL.
    Show { query: String },
    /// Save a query (its SQL is checked first: it must read, and it must compile).
    Add {
        name: String,
        /// The SQL (SQLite dialect), one SELECT or WITH statement.
        #[arg(long)]
        sql: String,
        #[arg(long, default_value = "")]
        description: String,
        /// Seconds the query may run before it is stopped.
        #[arg(long, value_name = "SECS", default_value_t = DEFAULT_TIME_LIMIT_SECS)]
        time_limit: i64,
    },
    /// Change a saved query; flags left out keep their value.
    Edit {
        query: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        sql: Option<String>,
        #[arg(long)]
        description: Option<String>,
        #[arg(long, value_name = "SECS")]
        time_limit: Option<i64>,
    },
    /// Delete a saved query.
    Delete { query: String },
    /// Run a saved query, or SQL given with --sql, and print its rows.
    Run(RunArgs),
}

/// Flags of `ferry query run`.
#[derive(Args)]
#[command(after_long_help = RUN_HELP)]
pub struct RunArgs {
    /// A saved query's name or id.
    #[arg(required_unless_present = "sql", conflicts_with = "sql")]
    query: Option<String>,
    /// Run this SQL instead of a saved query.
    #[arg(long)]
    sql: Option<String>,
    /// Print at most this many rows.
    #[arg(long, value_name = "N")]
    limit: Option<u64>,
    /// Seconds the query may run (default: the saved query's, else 30).
    #[arg(long, value_name = "SECS",
          value_parser = clap::value_parser!(i64).range(1..=MAX_TIME_LIMIT_SECS))]
    time_limit: Option<i64>,
    /// Print CSV: a header row, then the rows.
    #[arg(long)]
    csv: bool,
}

/// Runs one `query` subcommand.
pub fn run(cmd: QueryCmd, app: &App, me: &Actor, json: bool) -> Result<()> {
    let out = Printer { json };
    match cmd {
        QueryCmd::List => {
            let list = queries::list(app, me)?;
            if json {
                print_json(&list);
            } else {
                print_list(&list);
            }
        }
        QueryCmd::Show { query } => show(&queries::get(app, me, &query)?, json),
        QueryCmd::Add {
            name,
            sql,
            description,
            time_limit,
        } => {
            let input = QueryInput {
                name,
                description,
                sql,
                time_limit_secs: time_limit,
            };
            show(&queries::create(app, me, input)?, json);
        }
        QueryCmd::Edit {
            query,
            name,
            sql,
            description,
            time_limit,
        } => {
            let cur = queries::get(app, me, &query)?;
            let input = QueryInput {
                name: name.unwrap_or(cur.name),
                description: description.unwrap_or(cur.description),
                sql: sql.unwrap_or(cur.sql),
                time_limit_secs: time_limit.unwrap_or(cur.time_limit_secs),
            };
            show(&queries::update(app, me, &cur.id, input)?, json);
        }
        QueryCmd::Delete { query } => {
            queries::delete(app, me, &query)?;
            out.done(&format!("Deleted query \"{query}\"."));
        }
        QueryCmd::Run(args) => run_query(args, app, me, json)?,
    }
    Ok(())
}

fn run_query(args: RunArgs, app: &App, me: &Actor, json: bool) -> Result<()> {
    if json && args.csv {
        return Err(Error::field("format", "Choose one of --json and --csv."));
    }
    let started = Instant::now();
    let mut reader = match (&args.query, &args.sql) {
        (_, Some(sql)) => queries::reader_for_sql(
            app,
            me,
            sql,
            args.time_limit.unwrap_or(DEFAULT_TIME_LIMIT_SECS),
        )?,
        (Some(key), None) => {
            let saved = queries::get(app, me, key)?;
            let secs = args.time_limit.unwrap_or(saved.time_limit_secs);
            let limit = Duration::from_secs(u64::try_from(secs).unwrap_or(1));
            rows::open_for_view(app, me, &RowSource::Query(saved.id), limit)?
        }
        (None, None) => unreachable!("clap requires a query or --sql"),
    };
    if reader.pii_hidden() {
        rows_out::note_hidden_pii(json);
    }
    rows_out::print_rows(
        &mut reader,
        Format::pick(json, args.csv),
        args.limit,
        started,
    )?;
    Ok(())
}

fn print_list(list: &[SavedQuery]) {
    if list.is_empty() {
        println!("No saved queries yet. Save one with: ferry query add NAME --sql \"SELECT …\"");
        return;
    }
    table(
        &["NAME", "TIME LIMIT", "DESCRIPTION", "SQL"],
        list.iter()
            .map(|q| {
                vec![
                    q.name.clone(),
                    format!("{} s", q.time_limit_secs),
                    cut(&q.description, 40),
                    cut(&q.sql.split_whitespace().collect::<Vec<_>>().join(" "), 60),
                ]
            })
            .collect(),
    );
}

fn show(q: &SavedQuery, json: bool) {
    if json {
        return print_json(q);
    }
    println!("Query \"{}\" ({})", q.name, q.id);
    if !q.description.is_empty() {
        println!("  Description: {}", q.description);
    }
    println!("  Time limit:  {} s", q.time_limit_secs);
    println!("  SQL:");
    for line in q.sql.lines() {
        println!("    {line}");
    }
}

/// `text` on one line, at most `max` characters, cut with "…".
pub(crate) fn cut(text: &str, max: usize) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut s: String = one_line.chars().take(max - 1).collect();
    s.push('…');
    s
}
