//! `ferry segment …`: saved audiences. A definition is JSON (the same shape the app saves and
//! `ferry --json segment show` prints), so segments can be scripted and kept in version
//! control; `show` says the definition in words. Compiling, checking and counting are core's
//! (`ferry_core::ops::{segments, rows}`); this file parses flags and prints.

use crate::output::{print_json, table, Printer};
use crate::rows_out::{self, Format};
use crate::segment_words::{count_rules, describe};
use clap::Subcommand;
use ferry_core::data::segments::SegmentDefinition;
use ferry_core::data::{Cell, DataError};
use ferry_core::ops::queries::{DEFAULT_TIME_LIMIT_SECS, MAX_TIME_LIMIT_SECS};
use ferry_core::ops::rows::{self, RowSource};
use ferry_core::ops::segments::{self, SavedSegment, SegmentInput};
use ferry_core::policy::Actor;
use ferry_core::{App, Error, FieldError, Result};
use serde::Serialize;
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DEFINITION_HELP: &str = "\
DEF.json holds {\"table\": \"customers\", \"rules\": {\"match\": \"all\", \"rules\": [...]}}, \
each rule one of
  {\"kind\": \"condition\", \"column\": \"loyalty_tier\", \"op\": \"inList\", \"values\": [\"Gold\"]}
  {\"kind\": \"group\", \"match\": \"any\", \"rules\": [...]}
  {\"kind\": \"related\", \"table\": \"orders\", \"column\": \"customer_id\", \"on\": \"customer_id\",
   \"exists\": true, \"rules\": {\"match\": \"all\", \"rules\": [...]}}
Operators: equals notEquals contains notContains startsWith endsWith isEmpty isNotEmpty inList \
notInList gt gte lt lte between before after onOrBefore onOrAfter inLastDays notInLastDays \
isTrue isFalse. A file with a \"definition\" key (what `ferry --json segment show NAME` prints) \
is read too. Give - to read standard input.";

/// The `segment` subcommands.
#[derive(Subcommand)]
pub enum SegmentCmd {
    /// List the saved segments.
    List,
    /// Show a segment's definition in words; --count counts its audience.
    Show {
        segment: String,
        /// Count the rows the segment picks (printed with the time it took).
        #[arg(long)]
        count: bool,
        /// Print the SQL the segment compiles to, with its parameters.
        #[arg(long)]
        sql: bool,
    },
    /// Save a segment from a JSON definition (it must fit today's customer data).
    #[command(after_long_help = DEFINITION_HELP)]
    Add {
        name: String,
        /// The definition, as JSON (- for standard input).
        #[arg(long, value_name = "DEF.json")]
        file: PathBuf,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Change a saved segment; flags left out keep their value.
    #[command(after_long_help = DEFINITION_HELP)]
    Edit {
        segment: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// A new definition, as JSON (- for standard input).
        #[arg(long, value_name = "DEF.json")]
        file: Option<PathBuf>,
    },
    /// Delete a saved segment.
    Delete { segment: String },
    /// Print the segment's rows (a table, --csv, or JSON lines with --json; see `query run`).
    Rows {
        segment: String,
        /// Print at most this many rows.
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
        /// Seconds the query may run.
        #[arg(long, value_name = "SECS", default_value_t = DEFAULT_TIME_LIMIT_SECS,
              value_parser = clap::value_parser!(i64).range(1..=MAX_TIME_LIMIT_SECS))]
        time_limit: i64,
        /// Print CSV: a header row, then the rows.
        #[arg(long)]
        csv: bool,
    },
}

/// Runs one `segment` subcommand.
pub fn run(cmd: SegmentCmd, app: &App, me: &Actor, json: bool) -> Result<()> {
    match cmd {
        SegmentCmd::List => {
            let list = segments::list(app, me)?;
            if json {
                print_json(&list);
            } else {
                print_list(&list);
            }
        }
        SegmentCmd::Show {
            segment,
            count,
            sql,
        } => show(
            app,
            me,
            &segments::get(app, me, &segment)?,
            count,
            sql,
            json,
        )?,
        SegmentCmd::Add {
            name,
            file,
            description,
        } => {
            let input = SegmentInput {
                name,
                description,
                definition: read_definition(&file)?,
            };
            let saved = segments::create(app, me, input).map_err(|e| in_definition(e, None))?;
            show(app, me, &saved, false, false, json)?;
        }
        SegmentCmd::Edit {
            segment,
            name,
            description,
            file,
        } => {
            let cur = segments::get(app, me, &segment)?;
            let definition = match file {
                Some(f) => read_definition(&f)?,
                None => cur.definition,
            };
            let input = SegmentInput {
                name: name.unwrap_or(cur.name),
                description: description.unwrap_or(cur.description),
                definition,
            };
            let saved =
                segments::update(app, me, &cur.id, input).map_err(|e| in_definition(e, None))?;
            show(app, me, &saved, false, false, json)?;
        }
        SegmentCmd::Delete { segment } => {
            segments::delete(app, me, &segment)?;
            Printer { json }.done(&format!("Deleted segment \"{segment}\"."));
        }
        SegmentCmd::Rows {
            segment,
            limit,
            time_limit,
            csv,
        } => {
            if json && csv {
                return Err(Error::field("format", "Choose one of --json and --csv."));
            }
            let started = Instant::now();
            let saved = segments::get(app, me, &segment)?;
            let limit_secs = Duration::from_secs(u64::try_from(time_limit).unwrap_or(1));
            let mut reader =
                rows::open_for_view(app, me, &RowSource::Segment(saved.id), limit_secs)
                    .map_err(|e| in_definition(e, Some(&segment)))?;
            if reader.pii_hidden() {
                rows_out::note_hidden_pii(json);
            }
            rows_out::print_rows(&mut reader, Format::pick(json, csv), limit, started)?;
        }
    }
    Ok(())
}

/// A definition that does not fit the data (a column dropped since it was saved) names each
/// problem by its place in the definition, as saving one does (`definition.rules.rules[0]
/// .column`). For a saved segment the last message also says how to save the fix.
fn in_definition(e: Error, saved: Option<&str>) -> Error {
    let Error::Data(DataError::Invalid(problems)) = e else {
        return e;
    };
    let mut fields: Vec<FieldError> = problems
        .into_iter()
        .map(|p| FieldError::new(&format!("definition.{}", p.field), p.message))
        .collect();
    if let (Some(name), Some(last)) = (saved, fields.last_mut()) {
        last.message.push_str(&format!(
            " Then save the fixed definition with `ferry segment edit \"{name}\" --file \
             DEF.json` (`ferry --json segment show \"{name}\"` prints the saved one)."
        ));
    }
    Error::Validation(fields)
}

/// Reads a definition: a bare one, or an object with a `definition` key (a saved segment).
fn read_definition(path: &Path) -> Result<SegmentDefinition> {
    let from_stdin = path.as_os_str() == "-";
    let shown = if from_stdin {
        "Standard input".to_string()
    } else {
        path.display().to_string()
    };
    let text = if from_stdin {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map(|_| s)
    } else {
        std::fs::read_to_string(path)
    }
    .map_err(|e| Error::field("definitionFile", format!("{shown} could not be read: {e}.")))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        Error::field(
            "definitionFile",
            format!("{shown} is not JSON: {e}. Fix it there and try again."),
        )
    })?;
    let parsed = match value.get("definition") {
        Some(inner) => serde_json::from_value(inner.clone()),
        None => serde_json::from_str(&text),
    };
    parsed.map_err(|e| {
        Error::field(
            "definitionFile",
            format!(
                "{shown} is not a segment definition: {e}. See `ferry segment add --help` for \
                 its shape."
            ),
        )
    })
}

fn print_list(list: &[SavedSegment]) {
    if list.is_empty() {
        println!(
            "No saved segments yet. Save one with: ferry segment add NAME --file DEF.json \
             (see ferry segment add --help)"
        );
        return;
    }
    table(
        &["NAME", "TABLE", "RULES", "DESCRIPTION"],
        list.iter()
            .map(|s| {
                vec![
                    s.name.clone(),
                    s.definition.table.clone(),
                    count_rules(&s.definition.rules).to_string(),
                    s.description.clone(),
                ]
            })
            .collect(),
    );
}

/// A saved segment with what `--count` and `--sql` asked for, as `--json` prints it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SegmentView<'a> {
    #[serde(flatten)]
    segment: &'a SavedSegment,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    elapsed_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sql: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<&'a [Cell]>,
}

fn show(app: &App, me: &Actor, s: &SavedSegment, count: bool, sql: bool, json: bool) -> Result<()> {
    // NOTE: one call compiles and counts, so --sql alone counts too; a count is fast (an
    // indexed count over a million customers takes well under a second).
    let counted = if count || sql {
        Some(segments::count(app, me, &s.definition).map_err(|e| in_definition(e, Some(&s.name)))?)
    } else {
        None
    };
    if json {
        print_json(&SegmentView {
            segment: s,
            count: counted.as_ref().filter(|_| count).map(|c| c.count),
            elapsed_ms: counted.as_ref().filter(|_| count).map(|c| c.elapsed_ms),
            sql: counted.as_ref().filter(|_| sql).map(|c| c.sql.as_str()),
            params: counted
                .as_ref()
                .filter(|_| sql)
                .map(|c| c.params.as_slice()),
        });
        return Ok(());
    }
    println!("Segment \"{}\" ({})", s.name, s.id);
    if !s.description.is_empty() {
        println!("  Description: {}", s.description);
    }
    for line in describe(&s.definition) {
        println!("  {line}");
    }
    if let Some(c) = counted {
        if count {
            println!(
                "Audience: {} (counted in {} ms)",
                rows_out::count_words(c.count, "row"),
                c.elapsed_ms
            );
        }
        if sql {
            println!("SQL:");
            for line in c.sql.lines() {
                println!("  {line}");
            }
            for (i, p) in c.params.iter().enumerate() {
                println!(
                    "  ?{} = {}",
                    i + 1,
                    serde_json::to_string(p).unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}
