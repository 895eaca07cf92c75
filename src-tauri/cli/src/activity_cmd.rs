//! `ferry activity …`: the activity log, for administrators: newest entries as a table or
//! JSON, the whole filtered log as CSV, and `verify`, which walks the hash chain. Reading,
//! exporting and verifying are core's (`ferry_core::ops::activity`); this file parses flags
//! and prints.

use crate::output::{print_json, table};
use crate::query_cmd::cut;
use clap::{Args, Subcommand};
use ferry_core::ops::activity::{self, ActivityEntry, ActivityQuery, VerifyReport, MAX_PAGE};
use ferry_core::policy::Actor;
use ferry_core::{App, Error, Result};
use serde::Serialize;
use std::io::{BufWriter, Write};

/// The exit status of `ferry activity verify` when the chain is broken: no error code of
/// core's says "the log was tampered with", and a script must be able to tell it apart.
pub const EXIT_CHAIN_BROKEN: u8 = 14;

const ACTIVITY_HELP: &str = "\
Kinds: config (credentials, destinations), users, session, data, query, segment, connection, \
access (refusals), activity (exports). Dates are YYYY-MM-DD in UTC, both days included.

The table shows the newest entries first (--limit of them); --json prints them with their \
details and hashes; --csv writes every matching entry, oldest first, with a header row (the \
export is recorded in the log). Only a DataGrid Administrator may read the log.";

/// Flags of `ferry activity`.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, after_long_help = ACTIVITY_HELP)]
pub struct ActivityArgs {
    #[command(subcommand)]
    cmd: Option<ActivityCmd>,
    /// Only entries on or after this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Only entries on or before this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// Only entries of this user (their name, any case).
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
    /// Only entries of this kind (see below).
    #[arg(long)]
    kind: Option<String>,
    /// Only entries that showed personal data.
    #[arg(long)]
    pii: bool,
    /// Write every matching entry as CSV (oldest first), not the newest as a table.
    #[arg(long, conflicts_with = "limit")]
    csv: bool,
    /// How many of the newest entries to show.
    #[arg(long, value_name = "N", default_value_t = 50,
          value_parser = clap::value_parser!(i64).range(1..))]
    limit: i64,
}

/// The `activity` subcommands.
#[derive(Subcommand)]
pub enum ActivityCmd {
    /// Check that no entry was changed or removed since it was written (exit status 14 if
    /// one was).
    Verify,
}

/// Runs `ferry activity`; returns the exit status (see [`EXIT_CHAIN_BROKEN`]).
pub fn run(args: ActivityArgs, app: &App, me: &Actor, json: bool) -> Result<u8> {
    if let Some(ActivityCmd::Verify) = args.cmd {
        return verify(&activity::verify(app, me)?, json);
    }
    let query = ActivityQuery {
        user: args.user,
        kind: args.kind,
        since: args.since,
        until: args.until,
        reveals_pii: args.pii,
    };
    if args.csv {
        if json {
            return Err(Error::field("format", "Choose one of --json and --csv."));
        }
        let stdout = std::io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        activity::export_csv(app, me, &query, &mut out)?;
        out.flush()?;
        return Ok(0);
    }
    let (entries, total, kinds) = newest(app, me, &query, args.limit)?;
    if json {
        print_json(&Listing {
            total,
            entries: &entries,
        });
    } else {
        print_table(&entries, total, &kinds);
    }
    Ok(0)
}

/// What `--json` prints: the entries shown and how many match in all.
#[derive(Serialize)]
struct Listing<'a> {
    total: i64,
    entries: &'a [ActivityEntry],
}

/// The newest `limit` matching entries, the number matching, and the kinds in the log; read a
/// page at a time, since core hands out at most [`MAX_PAGE`] per call.
fn newest(
    app: &App,
    me: &Actor,
    query: &ActivityQuery,
    limit: i64,
) -> Result<(Vec<ActivityEntry>, i64, Vec<String>)> {
    let mut entries = Vec::new();
    loop {
        let want = (limit - entries.len() as i64).min(MAX_PAGE);
        let page = activity::list(app, me, query, entries.len() as i64, want)?;
        let got = page.entries.len() as i64;
        entries.extend(page.entries);
        if got < want || entries.len() as i64 >= limit {
            return Ok((entries, page.total, page.kinds));
        }
    }
}

fn print_table(entries: &[ActivityEntry], total: i64, kinds: &[String]) {
    if entries.is_empty() {
        if kinds.is_empty() {
            println!("The activity log is empty.");
        } else {
            println!(
                "No entries match. The log has entries of the kinds: {}.",
                kinds.join(", ")
            );
        }
        return;
    }
    table(
        &[
            "#",
            "TIME (UTC)",
            "USER",
            "KIND",
            "OUTCOME",
            "PII",
            "SUMMARY",
        ],
        entries
            .iter()
            .map(|e| {
                vec![
                    e.seq.to_string(),
                    activity::time_text(e.at_ms),
                    e.user_name.clone(),
                    e.kind.clone(),
                    e.outcome.as_str().to_string(),
                    if e.reveals_pii { "yes" } else { "" }.to_string(),
                    cut(&e.summary, 100),
                ]
            })
            .collect(),
    );
    if (entries.len() as i64) < total {
        println!(
            "The newest {} of {total} entries; --limit N shows more, --csv writes them all.",
            entries.len()
        );
    } else {
        println!("{}.", entries_words(total));
    }
}

fn entries_words(n: i64) -> String {
    if n == 1 {
        "1 entry".into()
    } else {
        format!("{n} entries")
    }
}

/// Prints what `verify` found; the exit status is [`EXIT_CHAIN_BROKEN`] when it found
/// anything.
fn verify(r: &VerifyReport, json: bool) -> Result<u8> {
    let status = if r.intact { 0 } else { EXIT_CHAIN_BROKEN };
    if json {
        print_json(r);
        return Ok(status);
    }
    if r.intact {
        println!("{}, chain intact.", entries_words(r.entries));
        return Ok(status);
    }
    println!(
        "The activity log is NOT intact ({} read):",
        entries_words(r.entries)
    );
    for p in &r.problems {
        if p.seq == 0 {
            println!("  end of the log: {}", p.problem);
        } else {
            println!("  entry {}: {}", p.seq, p.problem);
        }
    }
    println!(
        "Ferry never changes or removes an entry: the settings database (ferry.sqlite3) was \
         edited with another tool. Keep a copy of it as it is; the automatic backups \
         (`ferry data-folder backups`) hold earlier copies of the log to compare with."
    );
    Ok(status)
}
