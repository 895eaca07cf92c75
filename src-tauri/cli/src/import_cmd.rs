//! `ferry data import`: a CSV file into a table, in the foreground. Core inspects the file and
//! proposes a plan (encoding, delimiter, names, types, PII marks); the flags adjust it; core
//! imports it in one transaction. This file maps flags onto the plan, draws the progress line,
//! turns Ctrl-C into core's cancel and prints the outcome. The rules (what a valid name is,
//! which rows are rejected, what append requires) are all core's.

use crate::import_flags::{delimiter, warnings, ColumnFlags};
use crate::output::{print_json, table, warning};
use crate::progress::{megabytes, percent, size_words, ProgressLine};
use crate::rows_out::{count_words, thousands};
use clap::{Args, ValueEnum};
use ferry_core::data::import::{
    DateOrder, ImportMode, ImportPlan, ImportReport, ImportRequest, InspectOptions, PlannedColumn,
};
use ferry_core::data::{CancelToken, ColumnType};
use ferry_core::ops::data;
use ferry_core::policy::Actor;
use ferry_core::store::{backup, folder, now_unix};
use ferry_core::{App, Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use tokio::runtime::Runtime;

const IMPORT_HELP: &str = "\
COL in --type, --pii, --no-pii, --skip and --rename is a column's header as the file has it, \
or the name Ferry planned for it (`--dry-run` lists both). TYPE is text, integer, decimal, \
boolean, date or datetime; a date column's day order can follow it: date:dmy, date:mdy.

Without --mode the table must be new; an existing one is refused with the mode to add. With \
--mode append the file's columns take the table's types unless --type says otherwise.

Header problems (an empty or repeated column name) do not stop the import: the column gets \
the name Ferry suggests and each problem is printed as a warning (in `warnings` with --json); \
--rename or --skip that column to choose yourself.

Bad rows (wrong number of values, a value not of its column's type) are set aside with their \
line and reason; the good rows are imported. The rejected rows go to --rejects FILE, by \
default to imports/TABLE-TIME-rejects.csv in the data folder (it holds customer data, so it \
stays in the private folder). --all-or-nothing stops at the first bad row and imports nothing.

Ctrl-C cancels: nothing is imported and the table stays as it was.

Exit status: 0 when the import committed, even with rejected rows (their count is printed, \
and is `rowsRejected` with --json); 2 when the flags, the file's contents or the table refuse \
it (with --all-or-nothing, a bad row) and nothing was imported; 1 when the file cannot be \
read; 130 when cancelled; see `ferry --help` for the rest.";

/// Flags of `ferry data import`.
#[derive(Args)]
#[command(after_long_help = IMPORT_HELP)]
pub struct ImportArgs {
    /// The CSV file: a header row, then rows of data.
    file: PathBuf,
    /// The table to import into.
    #[arg(long)]
    table: String,
    /// create a new table (the default), append rows to the table, or replace its rows and
    /// columns with the file's.
    #[arg(long, value_enum)]
    mode: Option<ModeArg>,
    /// The character between values: , ; | or tab (default: detected).
    #[arg(long, value_name = "C")]
    delimiter: Option<String>,
    /// UTF-8, UTF-16LE, UTF-16BE, Windows-1252, … (default: detected).
    #[arg(long, value_name = "E")]
    encoding: Option<String>,
    #[command(flatten)]
    columns: ColumnFlags,
    /// Import nothing if any row is bad.
    #[arg(long)]
    all_or_nothing: bool,
    /// Where to write the rejected rows (replaced if it exists).
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Print the plan (encoding, delimiter, columns with type and PII mark); import nothing.
    #[arg(long)]
    dry_run: bool,
}

/// `--mode`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ModeArg {
    Create,
    Append,
    Replace,
}

impl From<ModeArg> for ImportMode {
    fn from(m: ModeArg) -> Self {
        match m {
            ModeArg::Create => ImportMode::Create,
            ModeArg::Append => ImportMode::Append,
            ModeArg::Replace => ImportMode::Replace,
        }
    }
}

/// What `--json` prints after an import.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ImportOutcome<'a> {
    #[serde(flatten)]
    report: &'a ImportReport,
    mode: ImportMode,
    warnings: &'a [String],
}

/// Runs `ferry data import`.
pub fn run(args: ImportArgs, app: &App, me: &Actor, rt: &Runtime, json: bool) -> Result<()> {
    let opts = InspectOptions {
        delimiter: args.delimiter.as_deref().map(delimiter).transpose()?,
        encoding: args.encoding.clone(),
    };
    let plan = data::inspect(app, me, &args.file, &opts)?;
    let table = args.table.trim().to_string();
    let mode = mode(&plan, &table, args.mode)?;
    let mut columns = plan.columns.clone();
    // NOTE: only for a table that exists; appending to one that does not is core's to refuse,
    // with its own message.
    if mode == ImportMode::Append
        && plan
            .existing_tables
            .iter()
            .any(|t| t.eq_ignore_ascii_case(&table))
    {
        take_table_types(app, me, &table, &mut columns)?;
    }
    let settled = args.columns.apply(&mut columns)?;
    let warnings = warnings(&plan, &settled);
    let req = ImportRequest {
        path: args.file.display().to_string(),
        table,
        mode,
        encoding: plan.encoding.clone(),
        delimiter: plan.delimiter.clone(),
        columns,
        all_or_nothing: args.all_or_nothing,
    };
    if args.dry_run {
        if json {
            print_json(&serde_json::json!({
                "dryRun": true, "request": req, "plan": plan, "warnings": warnings,
            }));
        } else {
            print_plan(&plan, &req, &warnings);
        }
        return Ok(());
    }
    for w in &warnings {
        warning(w, json);
    }
    let rejects = match args.rejects {
        Some(path) => checked_rejects_path(path)?,
        None => default_rejects_path(app, &req.table)?,
    };

    let cancel = CancelToken::new();
    let on_ctrl_c = cancel_on_ctrl_c(rt, cancel.clone())?;
    let mut line = ProgressLine::new(json);
    let result = data::import(app, me, &req, &rejects, &cancel, &mut |p| {
        line.draw(|| {
            let rejected = if p.rows_rejected > 0 {
                format!(" ({} rejected)", thousands(p.rows_rejected))
            } else {
                String::new()
            };
            format!(
                "Importing: {}{rejected} · {} of {} MB · {}%  (Ctrl-C cancels)",
                count_words(p.rows_imported + p.rows_rejected, "row"),
                megabytes(p.bytes_read),
                megabytes(p.total_bytes),
                percent(p.bytes_read, p.total_bytes)
            )
        })
    });
    on_ctrl_c.abort();
    line.clear();
    let report = result?;
    if json {
        print_json(&ImportOutcome {
            report: &report,
            mode,
            warnings: &warnings,
        });
    } else {
        print_report(&report, mode);
    }
    Ok(())
}

/// The mode to import with. Without `--mode`, a new table; an existing table is refused with
/// the two modes that would use it, so a script never appends or replaces by accident.
fn mode(plan: &ImportPlan, table: &str, asked: Option<ModeArg>) -> Result<ImportMode> {
    let existing = plan
        .existing_tables
        .iter()
        .find(|t| t.eq_ignore_ascii_case(table));
    match (asked, existing) {
        (None | Some(ModeArg::Create), Some(name)) => Err(Error::field(
            "mode",
            format!(
                "A table named {name} already exists: add --mode append to add the file's \
                 rows to it, or --mode replace to replace its rows with the file's; or choose \
                 another --table."
            ),
        )),
        (None, None) => Ok(ImportMode::Create),
        (Some(m), _) => Ok(m.into()),
    }
}

/// For append: each planned column whose name the table has takes the table's type, so a
/// file whose postcodes happen to look like numbers still fits a text column.
fn take_table_types(
    app: &App,
    me: &Actor,
    table: &str,
    columns: &mut [PlannedColumn],
) -> Result<()> {
    let existing = data::sample(app, me, table, 0)?.columns;
    for c in columns.iter_mut() {
        if let Some(e) = existing
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(&c.name))
        {
            if e.column_type != ColumnType::Unknown {
                c.column_type = e.column_type;
            }
        }
    }
    Ok(())
}

/// `--rejects FILE`, once its folder is known to exist.
fn checked_rejects_path(path: PathBuf) -> Result<PathBuf> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if parent.is_some_and(|p| !p.is_dir()) {
        return Err(Error::field(
            "rejects",
            format!(
                "The folder of {} does not exist: create it, or choose a file in another folder.",
                path.display()
            ),
        ));
    }
    Ok(path)
}

/// `imports/TABLE-YYYY-MM-DDTHHMMSS-rejects.csv` in the data folder (made private if new); a
/// name already taken gets `-2`, `-3`, … so no earlier rejects file is overwritten.
fn default_rejects_path(app: &App, table: &str) -> Result<PathBuf> {
    let dir = app.data_dir().join("imports");
    folder::prepare(&dir)?;
    let utc = backup::format_utc(now_unix());
    let stamp = format!("{}T{}", &utc[..10], utc[11..19].replace(':', ""));
    let safe: String = table
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut path = dir.join(format!("{safe}-{stamp}-rejects.csv"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{safe}-{stamp}-{n}-rejects.csv"));
        n += 1;
    }
    Ok(path)
}

/// Cancels the import on Ctrl-C; a second Ctrl-C ends the process at once (SQLite rolls the
/// unfinished transaction back the next time the database opens).
///
/// NOTE: the handler is registered before this returns, not when the task first runs, so a
/// Ctrl-C right after the import starts is never lost to the default handler.
fn cancel_on_ctrl_c(rt: &Runtime, cancel: CancelToken) -> Result<tokio::task::JoinHandle<()>> {
    let _entered = rt.enter();
    #[cfg(unix)]
    let mut signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    #[cfg(windows)]
    let mut signal = tokio::signal::windows::ctrl_c()?;
    Ok(rt.spawn(async move {
        if signal.recv().await.is_some() {
            cancel.cancel();
        }
        if signal.recv().await.is_some() {
            std::process::exit(130);
        }
    }))
}

fn mode_words(mode: ImportMode) -> &'static str {
    match mode {
        ImportMode::Create => "create: a new table",
        ImportMode::Append => "append: add rows to the table",
        ImportMode::Replace => "replace: the file's rows and columns replace the table's",
    }
}

fn delimiter_words(d: &str) -> String {
    match d {
        "\t" => "tab".into(),
        "," => ", (comma)".into(),
        ";" => "; (semicolon)".into(),
        "|" => "| (pipe)".into(),
        other => other.into(),
    }
}

fn print_plan(plan: &ImportPlan, req: &ImportRequest, warnings: &[String]) {
    println!("Dry run: nothing was imported.");
    println!(
        "File:       {} ({})",
        plan.file,
        size_words(plan.file_bytes)
    );
    println!("Encoding:   {}", plan.encoding);
    println!("Delimiter:  {}", delimiter_words(&plan.delimiter));
    println!("Table:      {} ({})", req.table, mode_words(req.mode));
    println!(
        "Columns (types read from the first {}):",
        count_words(plan.sampled_rows, "row")
    );
    table(
        &["  COLUMN", "HEADER", "TYPE", "PII"],
        req.columns
            .iter()
            .map(|c| {
                let ty = match (c.include, c.column_type, c.date_order) {
                    (false, _, _) => "(skipped)".to_string(),
                    (true, ColumnType::Date | ColumnType::DateTime, DateOrder::Dmy) => {
                        format!("{}:dmy", c.column_type.as_str())
                    }
                    (true, ColumnType::Date | ColumnType::DateTime, DateOrder::Mdy) => {
                        format!("{}:mdy", c.column_type.as_str())
                    }
                    (true, t, _) => t.as_str().to_string(),
                };
                let pii = if c.pii && c.include { "yes" } else { "" };
                vec![format!("  {}", c.name), c.header.clone(), ty, pii.into()]
            })
            .collect(),
    );
    for w in warnings {
        println!("Warning: {w}");
    }
}

/// How many rejected rows the text report lists; the rejects file has every one.
const REJECTS_SHOWN: usize = 10;

fn print_report(r: &ImportReport, mode: ImportMode) {
    let verb = match mode {
        ImportMode::Create => "into the new table",
        ImportMode::Append => "into",
        ImportMode::Replace => "into (replacing its rows)",
    };
    println!(
        "Imported {} {verb} {} in {} ms.",
        count_words(r.rows_imported, "row"),
        r.table,
        r.elapsed_ms
    );
    if r.rows_rejected == 0 {
        return;
    }
    println!("{} rejected:", count_words(r.rows_rejected, "row"));
    for row in r.rejects.iter().take(REJECTS_SHOWN) {
        println!("  line {}: {}", row.line, row.reason);
    }
    let more = r.rows_rejected.saturating_sub(REJECTS_SHOWN as u64);
    if more > 0 {
        println!("  … and {} more.", thousands(more));
    }
    if let Some(file) = &r.rejects_file {
        println!(
            "Every rejected row, with its line and reason, is in {}",
            Path::new(file).display()
        );
    }
}
