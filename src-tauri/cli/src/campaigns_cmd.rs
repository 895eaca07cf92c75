//! Campaigns from the command line: `ferry lists DESTINATION` (the static marketing lists a
//! send can fill), `ferry jobs add-to-list JOB` and `ferry send TEMPLATE --add-to-list LIST`.
//! The rules (which sends qualify, which lists take their records) are core's
//! (`ops::campaigns`); this file reads flags and prints.

use crate::output::{print_json, table};
use clap::Args;
use ferry_core::ops::campaigns::{self, AddedToList, ListTarget};
use ferry_core::ops::jobs::JobView;
use ferry_core::ops::rows::RowSource;
use ferry_core::ops::templates;
use ferry_core::policy::{Action, Actor};
use ferry_core::{App, Error, Result};
use tokio::runtime::Runtime;

#[derive(Args)]
pub struct ListsArgs {
    /// The destination (name or id).
    destination: String,
    /// Only lists whose members are rows of this table: account, contact or lead.
    #[arg(long)]
    table: Option<String>,
}

#[derive(Args)]
pub struct AddToListArgs {
    /// The send job whose delivered records to add.
    job: String,
    /// An existing static marketing list, by name or id.
    #[arg(
        long,
        value_name = "NAME_OR_ID",
        required_unless_present = "new_list",
        conflicts_with = "new_list"
    )]
    list: Option<String>,
    /// Make a new static list with this name for the job's table.
    #[arg(long, value_name = "NAME")]
    new_list: Option<String>,
    /// The new list's description.
    #[arg(long, requires = "new_list", default_value = "")]
    description: String,
}

/// `ferry send`'s campaign flags.
#[derive(Args)]
pub struct SendToListArgs {
    /// After the send, add the records it delivered to this static marketing list (by name or
    /// id). The template must be open to campaigns and read a segment. With --json the answer
    /// is `{"job": …, "addedToList": …}`.
    #[arg(long, value_name = "LIST", conflicts_with = "dry_run")]
    add_to_list: Option<String>,
    /// Make the list named by --add-to-list when Dynamics has none by that name.
    #[arg(long, requires = "add_to_list")]
    create_list: bool,
}

/// `ferry lists`.
pub fn lists(args: ListsArgs, app: &App, me: &Actor, rt: &Runtime, json: bool) -> Result<u8> {
    // NOTE: the policy first, so a user who may not is told so rather than whether the
    // destination exists (core asks again; it cannot be refused twice).
    ferry_core::ops::require(app, me, Action::AddToMarketingLists)?;
    let _sandbox = crate::send_cmd::sandbox_for(app, me, &args.destination)?;
    let lists = rt.block_on(campaigns::list_marketing_lists(
        app,
        me,
        &args.destination,
        args.table.as_deref(),
    ))?;
    if json {
        print_json(&lists);
    } else if lists.is_empty() {
        println!(
            "No static marketing lists{} yet: make one while adding a send's records, e.g. \
             `ferry jobs add-to-list JOB --new-list \"Spring campaign\"`.",
            args.table
                .as_deref()
                .map(|t| format!(" of {t}s"))
                .unwrap_or_default()
        );
    } else {
        table(
            &["Name", "Members of", "Members", "Id"],
            lists
                .iter()
                .map(|l| {
                    vec![
                        l.name.clone(),
                        l.member_type.clone(),
                        l.member_count.map_or("?".into(), |n| n.to_string()),
                        l.id.clone(),
                    ]
                })
                .collect(),
        );
    }
    Ok(0)
}

/// `ferry jobs add-to-list`.
pub fn add_to_list(
    args: AddToListArgs,
    app: &App,
    me: &Actor,
    rt: &Runtime,
    json: bool,
) -> Result<u8> {
    ferry_core::ops::require(app, me, Action::AddToMarketingLists)?;
    let job = ferry_core::ops::jobs::get(app, me, &args.job)?;
    let target = match (args.list, args.new_list) {
        (Some(list), _) => ListTarget::Existing { list },
        (None, Some(name)) => ListTarget::New {
            name,
            description: args.description,
        },
        (None, None) => unreachable!("clap requires one"),
    };
    let _sandbox = crate::send_cmd::sandbox_for(app, me, &job.destination.id)?;
    let added = rt.block_on(campaigns::add_to_list(app, me, &job.id, &target))?;
    if json {
        print_json(&added);
    } else {
        println!("{}", added_text(&added));
    }
    Ok(0)
}

/// Refuses `--add-to-list` before a send whose records could not fill a list, so nothing is
/// sent for a campaign that would then fail.
pub fn check_before_send(
    app: &App,
    me: &Actor,
    template: &str,
    args: &SendToListArgs,
) -> Result<()> {
    if args.add_to_list.is_none() {
        return Ok(());
    }
    let t = templates::get(app, me, template)?;
    if !t.campaigns {
        return Err(Error::field(
            "addToList",
            format!(
                "The template \"{}\" is not available to campaigns, so its sends cannot fill a \
                 marketing list: send it without --add-to-list, or ask a DataGrid Operator to \
                 make it available to campaigns.",
                t.name
            ),
        ));
    }
    if let RowSource::Query(_) = t.source {
        return Err(Error::field(
            "addToList",
            format!(
                "The template \"{}\" reads a query, and only a segment's send can fill a \
                 marketing list: send it without --add-to-list.",
                t.name
            ),
        ));
    }
    Ok(())
}

/// After a send: adds its delivered records to the list `--add-to-list` names (made first with
/// `--create-list` when none has that name). `None` when no list was asked for.
pub fn after_send(
    app: &App,
    me: &Actor,
    rt: &Runtime,
    job: &JobView,
    args: &SendToListArgs,
) -> Result<Option<AddedToList>> {
    let Some(list) = &args.add_to_list else {
        return Ok(None);
    };
    if job.counts.delivered == 0 {
        eprintln!(
            "Nothing was delivered, so nothing was added to \"{list}\". Once the send delivers, \
             add it with: ferry jobs add-to-list {} --list \"{list}\"",
            job.id
        );
        return Ok(None);
    }
    let existing = ListTarget::Existing { list: list.clone() };
    let added = match rt.block_on(campaigns::add_to_list(app, me, &job.id, &existing)) {
        Err(Error::NotFound { .. }) if args.create_list => {
            let new = ListTarget::New {
                name: list.clone(),
                description: String::new(),
            };
            rt.block_on(campaigns::add_to_list(app, me, &job.id, &new))?
        }
        Err(Error::NotFound { .. }) => {
            return Err(Error::field(
                "addToList",
                format!(
                    "Dynamics has no static marketing list named \"{list}\", so the records were \
                     sent but not added to one. Add --create-list to make it, or add them later: \
                     ferry jobs add-to-list {} --new-list \"{list}\"",
                    job.id
                ),
            ))
        }
        other => other?,
    };
    Ok(Some(added))
}

pub fn added_text(a: &AddedToList) -> String {
    let mut s = format!(
        "Added {} {}s from job {} to the marketing list \"{}\"{}",
        a.added,
        a.member_type,
        a.job,
        a.list.name,
        if a.created_list { " (new)" } else { "" }
    );
    if let Some(n) = a.member_count {
        s.push_str(&format!("; it now has {n} members"));
    }
    s.push('.');
    if a.without_id > 0 {
        s.push_str(&format!(
            "\n{} delivered rows could not be added: Dynamics did not say which records they \
             became.",
            a.without_id
        ));
    }
    s
}
