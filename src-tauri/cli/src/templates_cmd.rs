//! `ferry templates …` and `ferry preview`: data templates kept in files (JSON or TOML, so they
//! can live in version control), and what a template would send, row by row, before anything
//! is sent. The rules and the checks are core's (`ops::templates`, `ops::preview`); this file
//! reads files and flags and prints.

use crate::output::{print_json, table};
use clap::{Args, Subcommand};
use ferry_core::mapping::plan::Verdict;
use ferry_core::ops::preview;
use ferry_core::ops::rows::RowSource;
use ferry_core::ops::templates::{self, TemplateCheck, TemplateInput, TemplateView};
use ferry_core::policy::Actor;
use ferry_core::{App, Error, Result};
use std::path::{Path, PathBuf};
use tokio::runtime::Runtime;

/// The exit status of `ferry preview` when a row has an error verdict.
pub const EXIT_ROWS_WITH_ERRORS: u8 = 15;

const FILE_HELP: &str = "\
The file holds the whole template, as JSON or TOML (by its extension), e.g. in TOML:

  name = \"Demo contacts\"
  destination = \"Local sandbox\"
  table = \"contact\"
  source = { kind = \"query\", id = \"Customers\" }   # or kind = \"segment\"
  businessUsers = true

  [mapping]
  operation = { kind = \"upsertByKey\", key = \"contact_emailaddress1\" }
  timeZone = \"Europe/Paris\"
  fields = [
    { column = \"emailaddress1\", source = { kind = \"column\", name = \"email\" } },
    { column = \"firstname\", source = { kind = \"column\", name = \"first_name\" } },
    { column = \"new_tier\", source = { kind = \"column\", name = \"loyalty_tier\" },
      choiceOverrides = { platinum = 100000000 } },
  ]

Operations: upsertByKey (key), upsertById (source: the column holding record ids), create,
updateByKey (key), deleteByKey (key; saving it needs --confirm-delete NAME). Columns the table lacks are dropped and listed; required columns nothing
fills are listed as warnings.";

/// The `templates` subcommands.
#[derive(Subcommand)]
pub enum TemplatesCmd {
    /// List the templates you may see, by destination.
    List,
    /// Show one template, its mapping included.
    Show { template: String },
    /// Add a template from a JSON or TOML file.
    #[command(after_long_help = FILE_HELP)]
    Add {
        file: PathBuf,
        /// Check the file against the table and the source, and save nothing.
        #[arg(long)]
        check: bool,
        /// For a template that deletes records: its name, typed again, to confirm.
        #[arg(long, value_name = "NAME")]
        confirm_delete: Option<String>,
    },
    /// Replace a template with the one in a JSON or TOML file.
    #[command(after_long_help = FILE_HELP)]
    Edit {
        template: String,
        file: PathBuf,
        /// For a template that deletes records: its name, typed again, to confirm.
        #[arg(long, value_name = "NAME")]
        confirm_delete: Option<String>,
    },
    /// Delete a template.
    Delete { template: String },
}

/// `ferry preview`'s flags.
#[derive(Args)]
pub struct PreviewArgs {
    /// The template's name or id.
    template: String,
    /// How many rows to show (the counts cover every row).
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Show only rows with errors.
    #[arg(long)]
    errors_only: bool,
    /// Also ask Dynamics (read only) which of the first --limit rows that would be sent find a
    /// record: each row then says whether it would update or create one.
    #[arg(long)]
    check_dynamics: bool,
}

fn read_input(path: &Path) -> Result<TemplateInput> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::field("file", format!("Could not read {}: {e}", path.display())))?;
    let toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let parsed = if toml {
        toml::from_str(&text).map_err(|e| e.to_string())
    } else {
        serde_json::from_str(&text).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| {
        Error::field(
            "file",
            format!(
                "{} is not a template ({e}). See `ferry templates add --help` for the shape.",
                path.display()
            ),
        )
    })
}

fn source_text(s: &RowSource) -> String {
    match s {
        RowSource::Query(id) => format!("query {id}"),
        RowSource::Segment(id) => format!("segment {id}"),
    }
}

fn print_template(t: &TemplateView, json: bool) {
    if json {
        print_json(t);
        return;
    }
    println!("{} ({})", t.name, t.id);
    println!("  destination  {}", t.destination.name);
    println!("  table        {}", t.table);
    println!("  source       {}", source_text(&t.source));
    println!(
        "  access       business users: {}, restricted PII: {}, campaigns: {}",
        yes(t.business_users),
        yes(t.restricted_pii),
        yes(t.campaigns)
    );
    if let Some(why) = &t.unavailable {
        println!("  not for you  {why}");
    }
    println!(
        "  mapping      {}",
        serde_json::to_string(&t.mapping).unwrap_or_default()
    );
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn print_check(c: &TemplateCheck, json: bool) {
    if json {
        print_json(c);
        return;
    }
    for d in &c.dropped {
        eprintln!("dropped: {}: {}", d.subject, d.message);
    }
    for w in &c.warnings {
        eprintln!("warning: {}: {}", w.subject, w.message);
    }
    if !c.unused_sources.is_empty() {
        eprintln!("not sent: {}", c.unused_sources.join(", "));
    }
}

/// A template that deletes records is saved only when its name is typed again: saving it is
/// the last step before a send can remove every record its source names.
fn confirm_delete(app: &App, me: &Actor, input: &TemplateInput, typed: Option<&str>) -> Result<()> {
    if !input.mapping.operation.deletes() || typed.is_some_and(|t| t.trim() == input.name.trim()) {
        return Ok(());
    }
    let rows =
        ferry_core::ops::rows::count(app, me, &input.source, std::time::Duration::from_secs(60))
            .map(|n| format!("{n} records now, one per source row"))
            .unwrap_or_else(|_| "one record per source row".into());
    Err(Error::field(
        "confirmDelete",
        format!(
            "This template deletes records in Dynamics ({rows}). To save it, add \
             --confirm-delete \"{}\".",
            input.name.trim()
        ),
    ))
}

/// Runs one `templates` subcommand.
pub fn run(cmd: TemplatesCmd, app: &App, me: &Actor, rt: &Runtime, json: bool) -> Result<()> {
    match cmd {
        TemplatesCmd::List => {
            let list = templates::list(app, me)?;
            if json {
                print_json(&list);
            } else if list.is_empty() {
                println!("No templates yet: add one with `ferry templates add FILE`.");
            } else {
                table(
                    &[
                        "Name",
                        "Destination",
                        "Table",
                        "Source",
                        "Business",
                        "Restricted PII",
                    ],
                    list.iter()
                        .map(|t| {
                            vec![
                                t.name.clone(),
                                t.destination.name.clone(),
                                t.table.clone(),
                                source_text(&t.source),
                                yes(t.business_users).into(),
                                yes(t.restricted_pii).into(),
                            ]
                        })
                        .collect(),
                );
            }
        }
        TemplatesCmd::Show { template } => {
            print_template(&templates::get(app, me, &template)?, json)
        }
        TemplatesCmd::Add {
            file,
            check,
            confirm_delete: typed,
        } => {
            let input = read_input(&file)?;
            if !check {
                confirm_delete(app, me, &input, typed.as_deref())?;
            }
            if check {
                let c = rt.block_on(templates::check(app, me, &input, None))?;
                print_check(&c, json);
                if !c.fields.is_empty() {
                    return Err(Error::Validation(c.fields));
                }
                if !json {
                    println!("The template is fine; nothing was saved.");
                }
            } else {
                let c = rt.block_on(templates::check(app, me, &input, None))?;
                let saved = rt.block_on(templates::create(app, me, input))?;
                if !json {
                    print_check(&c, false);
                }
                print_template(&saved, json);
            }
        }
        TemplatesCmd::Edit {
            template,
            file,
            confirm_delete: typed,
        } => {
            let input = read_input(&file)?;
            confirm_delete(app, me, &input, typed.as_deref())?;
            let saved = rt.block_on(templates::update(app, me, &template, input))?;
            print_template(&saved, json);
        }
        TemplatesCmd::Delete { template } => {
            templates::delete(app, me, &template)?;
            if !json {
                println!("Deleted template \"{template}\".");
            }
        }
    }
    Ok(())
}

/// Runs `ferry preview`; the exit status is [`EXIT_ROWS_WITH_ERRORS`] when any row has one.
fn outcome_text(o: ferry_core::ops::online_check::CheckOutcome) -> &'static str {
    use ferry_core::ops::online_check::CheckOutcome;
    match o {
        CheckOutcome::Creates => "creates",
        CheckOutcome::Updates => "updates",
        CheckOutcome::Deletes => "deletes",
        CheckOutcome::NotFound => "finds no record",
        CheckOutcome::Failed => "not asked",
    }
}

pub fn preview(args: PreviewArgs, app: &App, me: &Actor, rt: &Runtime, json: bool) -> Result<u8> {
    let p = rt.block_on(preview::preview(
        app,
        me,
        &args.template,
        args.limit,
        args.errors_only,
    ))?;
    let online = if args.check_dynamics {
        Some(rt.block_on(ferry_core::ops::online_check::check(
            app,
            me,
            &args.template,
            args.limit,
        ))?)
    } else {
        None
    };
    let outcomes: std::collections::HashMap<u64, &ferry_core::ops::online_check::RowCheck> = online
        .iter()
        .flat_map(|c| c.rows.iter().map(|r| (r.index, r)))
        .collect();
    if json {
        let mut v = serde_json::to_value(&p).expect("a preview serialises");
        if let Some(c) = &online {
            v["online"] = serde_json::to_value(c).expect("a check serialises");
        }
        print_json(&v);
    } else {
        println!(
            "{}: {} rows: {} ready, {} with warnings, {} with errors",
            p.template.name, p.total, p.ready, p.warning, p.error
        );
        for d in &p.dropped {
            println!("dropped: {}: {}", d.subject, d.message);
        }
        for w in &p.warnings {
            println!("warning: {}: {}", w.subject, w.message);
        }
        for r in &p.rows {
            let verdict = match r.verdict {
                Verdict::Ready => "ready",
                Verdict::Warning => "warning",
                Verdict::Error => "error",
            };
            let target = r
                .request
                .as_ref()
                .map(|w| format!("{} {}", w.method, w.url))
                .unwrap_or_else(|| "(no request: the row cannot be addressed)".into());
            let said = outcomes
                .get(&r.index)
                .map(|o| format!("  [{}]", outcome_text(o.outcome)))
                .unwrap_or_default();
            println!("row {:>6}  {verdict:<7}  {target}{said}", r.index + 1);
            for f in &r.findings {
                println!("            {}: {}", f.column, f.message);
            }
        }
        if let Some(c) = &online {
            println!(
                "Dynamics, for the first {} rows that would be sent: {} would update, {} would \
                 create, {} would delete, {} find no record, {} could not be asked",
                c.checked, c.updates, c.creates, c.deletes, c.not_found, c.failed
            );
        }
        if p.pii_hidden {
            eprintln!(
                "Personal data hidden: columns marked PII show as {} (Restrict PII access).",
                ferry_core::data::types::PII_MASK
            );
        }
    }
    Ok(if p.error > 0 {
        EXIT_ROWS_WITH_ERRORS
    } else {
        0
    })
}
