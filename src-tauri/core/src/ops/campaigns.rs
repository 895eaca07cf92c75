//! Campaigns: the records a segment's send delivered, added to a Dynamics marketing list
//! (the `list` table), which can be made for the purpose.
//!
//! Only sends that can make a campaign's audience qualify: the job's template is open to
//! campaigns, its rows came from a segment, and its table is one a marketing list can hold
//! (account, contact or lead). The records are the ones the job's ledger says were delivered,
//! read page by page and added with Dataverse's unbound `AddListMembersList` action in batches,
//! so a job of any size is never held in memory at once. Adding a record a list already holds
//! keeps one membership, so adding a job twice, or after a retry, is harmless.
//!
//! Not done here: dynamic lists (their members come from a query, not from additions), and
//! attaching a list to a campaign, which people do in Dynamics.

use super::activity::{self, kind, Event};
use super::common::{allow, NamedRef};
use super::connection;
use super::destinations;
use super::jobs::{self, JobView};
use super::rows::RowSource;
use super::segments;
use super::templates;
use crate::app::App;
use crate::dataverse::client::{DataverseClient, Request};
use crate::dataverse::keys::{encode_query, is_guid};
use crate::dataverse::records::entity_id;
use crate::dataverse::DataverseError;
use crate::error::{Error, FieldError, Result};
use crate::policy::{Action, Actor};
use crate::store::job_rows::{self, RowState};
use crate::store::jobs as job_table;
use crate::validate;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Records added per `AddListMembersList` call: large enough that a big send needs few calls,
/// small enough that one call stays well inside Dataverse's two-minute request limit.
pub const MEMBERS_PER_CALL: usize = 1000;

/// The most lists one listing returns (many more and nobody would pick from them).
const MAX_LISTS: usize = 5000;

/// A static marketing list in Dynamics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MarketingList {
    /// The list's id (`listid`).
    pub id: String,
    pub name: String,
    /// The table its members come from: `account`, `contact` or `lead`.
    pub member_type: String,
    /// How many members Dynamics counts, when it says.
    pub member_count: Option<u64>,
}

/// Which list to add a job's records to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
#[ts(export)]
pub enum ListTarget {
    /// A static list that exists, by id or by name.
    Existing { list: String },
    /// A new static list, made for the job's table.
    #[serde(rename_all = "camelCase")]
    New {
        name: String,
        #[serde(default)]
        description: String,
    },
}

/// What adding a job's records to a list did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AddedToList {
    /// The job whose records were added.
    pub job: String,
    pub list: NamedRef,
    /// Whether the list was made for this.
    pub created_list: bool,
    pub member_type: String,
    /// Records sent to the list (a record it already held stays there once).
    pub added: u64,
    /// Delivered rows whose record id Dynamics never told (they could not be added).
    pub without_id: u64,
    /// The list's member count afterwards, when Dynamics says.
    pub member_count: Option<u64>,
}

/// The `createdfromcode` of a list whose members come from `table`, and that table's
/// primary id column; `None` for a table no marketing list can hold.
fn member_kind(table: &str) -> Option<(i64, &'static str)> {
    match table {
        "account" => Some((1, "accountid")),
        "contact" => Some((2, "contactid")),
        "lead" => Some((4, "leadid")),
        _ => None,
    }
}

fn member_table(code: i64) -> Option<&'static str> {
    match code {
        1 => Some("account"),
        2 => Some("contact"),
        4 => Some("lead"),
        _ => None,
    }
}

/// A list as Dataverse answered it, with what decides whether members can be added.
struct ListRecord {
    list: MarketingList,
    dynamic: bool,
    locked: bool,
    inactive: bool,
}

const LIST_SELECT: &str = "listid,listname,createdfromcode,type,membercount,lockstatus,statecode";

fn parse_list(v: &Value) -> Option<ListRecord> {
    let id = v["listid"].as_str()?.to_ascii_lowercase();
    let code = v["createdfromcode"].as_i64().unwrap_or(0);
    Some(ListRecord {
        list: MarketingList {
            id,
            name: v["listname"].as_str().unwrap_or_default().to_string(),
            member_type: member_table(code).unwrap_or("other").to_string(),
            member_count: v["membercount"].as_u64(),
        },
        dynamic: v["type"].as_bool().unwrap_or(false),
        locked: v["lockstatus"].as_bool().unwrap_or(false),
        inactive: v["statecode"].as_i64().unwrap_or(0) != 0,
    })
}

/// Every list matching `filter`, following Dataverse's pages.
async fn query_lists(client: &DataverseClient, filter: &str) -> Result<Vec<ListRecord>> {
    let mut path = format!(
        "lists?$select={LIST_SELECT}&$filter={}&$orderby=listname",
        encode_query(filter)
    );
    let base = format!("{}/", client.config().api_base());
    let mut out = Vec::new();
    loop {
        let page: Value = client
            .send(&Request::new(Method::GET, path))
            .await?
            .json()?;
        out.extend(
            page["value"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(parse_list),
        );
        match page["@odata.nextLink"].as_str() {
            Some(next) if out.len() < MAX_LISTS => {
                path = next.strip_prefix(&base).unwrap_or(next).to_string();
            }
            _ => return Ok(out),
        }
    }
}

/// The static, active marketing lists of `destination`, by name; only those holding members
/// of `table` when it is given. For choosing a list to add a send's records to.
pub async fn list_marketing_lists(
    app: &App,
    actor: &Actor,
    destination: &str,
    table: Option<&str>,
) -> Result<Vec<MarketingList>> {
    allow(app, actor, Action::AddToMarketingLists)?;
    let dest = destinations::find(app, destination)?;
    destinations::access(actor, &dest)?;
    let mut filter = "type eq false and statecode eq 0".to_string();
    if let Some(t) = table {
        let (code, _) = member_kind(t).ok_or_else(|| not_a_member_table(t))?;
        filter.push_str(&format!(" and createdfromcode eq {code}"));
    }
    let (_, client) = connection::client(app, &dest.id, false)?;
    Ok(query_lists(&client, &filter)
        .await?
        .into_iter()
        .filter(|l| !l.locked && l.list.member_type != "other")
        .map(|l| l.list)
        .collect())
}

fn not_a_member_table(table: &str) -> Error {
    Error::field(
        "table",
        format!(
            "Marketing lists hold accounts, contacts or leads, not rows of \"{table}\": choose a \
             send to one of those tables."
        ),
    )
}

/// The recent sends of `segment` through templates open to campaigns that the acting user may
/// add to a list, newest first (at most `limit`): what the Segments tab offers.
pub fn segment_jobs(app: &App, actor: &Actor, segment: &str, limit: usize) -> Result<Vec<JobView>> {
    allow(app, actor, Action::AddToMarketingLists)?;
    let seg = segments::get(app, actor, segment)?;
    let mut out = Vec::new();
    let mut campaign_templates = std::collections::HashMap::new();
    for j in jobs::of_source(app, actor, &RowSource::Segment(seg.id.clone()))? {
        if j.counts.delivered == 0 {
            continue;
        }
        let open = *campaign_templates
            .entry(j.template.id.clone())
            .or_insert_with(|| {
                templates::get(app, actor, &j.template.id)
                    .is_ok_and(|t| t.campaigns && t.unavailable.is_none())
            });
        if open && member_kind(&j.table).is_some() {
            out.push(j);
            if out.len() >= limit.max(1) {
                break;
            }
        }
    }
    Ok(out)
}

/// Adds the records `job` delivered to a marketing list: an existing static list holding the
/// job's table, or a new one made for it. See the module's notes for which jobs qualify.
pub async fn add_to_list(
    app: &App,
    actor: &Actor,
    job: &str,
    target: &ListTarget,
) -> Result<AddedToList> {
    allow(app, actor, Action::AddToMarketingLists)?;
    // NOTE: a business user asking for someone else's job is told it does not exist.
    let j = jobs::get(app, actor, job)?;
    let outcome = add(app, actor, &j, target).await;
    let list_name = match (&outcome, target) {
        (Ok(a), _) => a.list.name.clone(),
        (Err(_), ListTarget::Existing { list }) => list.clone(),
        (Err(_), ListTarget::New { name, .. }) => name.trim().to_string(),
    };
    activity::record(
        app,
        actor,
        Event::new(
            kind::DATA,
            "job.add_to_list",
            &list_name,
            match &outcome {
                Ok(a) => format!(
                    "Added {} {}s that {} ({}) delivered to the marketing list {}{}",
                    a.added,
                    a.member_type,
                    j.template.name,
                    j.id,
                    a.list.name,
                    if a.created_list { " (new)" } else { "" }
                ),
                Err(_) => format!(
                    "Could not add the records {} ({}) delivered to the marketing list {}",
                    j.template.name, j.id, list_name
                ),
            },
        )
        .details(match &outcome {
            Ok(a) => json!({
                "job": j.id,
                "destination": j.destination.name,
                "list": a.list.id,
                "createdList": a.created_list,
                "added": a.added,
                "withoutId": a.without_id,
            }),
            Err(_) => json!({ "job": j.id, "destination": j.destination.name }),
        })
        .result(&outcome),
    );
    outcome
}

async fn add(app: &App, actor: &Actor, j: &JobView, target: &ListTarget) -> Result<AddedToList> {
    let t = templates::get(app, actor, &j.template.id)?;
    if let Some(why) = &t.unavailable {
        return Err(Error::Forbidden(why.clone()));
    }
    if !t.campaigns {
        return Err(Error::field(
            "job",
            format!(
                "The template \"{}\" is not available to campaigns, so its sends cannot fill a \
                 marketing list. A DataGrid Operator or Administrator can make it available to \
                 campaigns.",
                t.name
            ),
        ));
    }
    if !matches!(j.source, RowSource::Segment(_)) {
        return Err(Error::field(
            "job",
            format!(
                "The send {} read its rows from the query \"{}\", not from a segment: only a \
                 segment's send can fill a marketing list.",
                j.id, j.source_name
            ),
        ));
    }
    let (_, id_column) = member_kind(&j.table).ok_or_else(|| not_a_member_table(&j.table))?;
    if j.counts.delivered == 0 {
        return Err(Error::field(
            "job",
            format!(
                "The send {} has not delivered any record yet, so there is nothing to add to a \
                 list.",
                j.id
            ),
        ));
    }
    let seq = app
        .store()
        .read(|c| job_table::get(c, &j.id))?
        .ok_or_else(|| Error::NotFound {
            what: "send job",
            key: j.id.clone(),
        })?
        .seq;
    let (_, client) = connection::client(app, &j.destination.id, false)?;
    let (list, created_list) = match target {
        ListTarget::Existing { list } => (existing(&client, list, &j.table).await?, false),
        ListTarget::New { name, description } => {
            (create(&client, name, description, &j.table).await?, true)
        }
    };

    let mut added = 0u64;
    let mut without_id = 0u64;
    let mut after = -1i64;
    loop {
        let page = app
            .store()
            .read(|c| job_rows::page(c, seq, after, MEMBERS_PER_CALL, &[RowState::Delivered]))?;
        let Some(last) = page.last() else { break };
        after = last.idx;
        let ids: Vec<&str> = page.iter().filter_map(|e| e.record_id.as_deref()).collect();
        without_id += (page.len() - ids.len()) as u64;
        if ids.is_empty() {
            continue;
        }
        add_members(&client, &list.id, &j.table, id_column, &ids)
            .await
            .map_err(|e| partly(e, added, &list.name))?;
        added += ids.len() as u64;
    }
    let member_count = client
        .send(&Request::new(
            Method::GET,
            format!("lists({})?$select=membercount", list.id),
        ))
        .await
        .ok()
        .and_then(|r| r.json::<Value>().ok())
        .and_then(|v| v["membercount"].as_u64());
    Ok(AddedToList {
        job: j.id.clone(),
        list: NamedRef {
            id: list.id,
            name: list.name,
        },
        created_list,
        member_type: j.table.clone(),
        added,
        without_id,
        member_count,
    })
}

/// One `AddListMembersList` call.
async fn add_members(
    client: &DataverseClient,
    list_id: &str,
    table: &str,
    id_column: &str,
    ids: &[&str],
) -> std::result::Result<(), DataverseError> {
    let members: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({
                "@odata.type": format!("Microsoft.Dynamics.CRM.{table}"),
                id_column: id,
            })
        })
        .collect();
    let body = json!({
        "List": { "@odata.type": "Microsoft.Dynamics.CRM.list", "listid": list_id },
        "Members": members,
    });
    client
        .send(&Request::new(Method::POST, "AddListMembersList").json(&body))
        .await
        .map(|_| ())
}

/// The error of a call that failed after earlier calls added records, saying so.
fn partly(e: DataverseError, added: u64, list: &str) -> Error {
    let e = Error::from(e);
    if added == 0 {
        return e;
    }
    let note = format!(
        " {added} records were added to \"{list}\" before this; adding the send again adds the \
         rest (records already in the list stay there once)."
    );
    match e {
        Error::Remote(m) => Error::Remote(m + &note),
        Error::Throttled(m) => Error::Throttled(m + &note),
        Error::Network { message, field } => Error::Network {
            message: message + &note,
            field,
        },
        other => other,
    }
}

/// The static list `key` (an id or a name) that can take members of `table`.
async fn existing(client: &DataverseClient, key: &str, table: &str) -> Result<MarketingList> {
    let key = key.trim();
    if key.is_empty() {
        return Err(Error::field("list", "Choose the marketing list to add to."));
    }
    let not_found = || Error::NotFound {
        what: "marketing list",
        key: key.to_string(),
    };
    let found = if is_guid(key) {
        let path = format!("lists({key})?$select={LIST_SELECT}");
        match client.send(&Request::new(Method::GET, path)).await {
            Ok(r) => parse_list(&r.json()?).ok_or_else(not_found)?,
            Err(DataverseError::Api(e)) if e.status == 404 => return Err(not_found()),
            Err(e) => return Err(e.into()),
        }
    } else {
        let literal = key.replace('\'', "''");
        let mut lists = query_lists(client, &format!("listname eq '{literal}'")).await?;
        match lists.len() {
            0 => return Err(not_found()),
            1 => lists.remove(0),
            n => {
                return Err(Error::field(
                    "list",
                    format!(
                        "{n} marketing lists are named \"{key}\": choose one by its id (see \
                         them with `ferry lists`)."
                    ),
                ))
            }
        }
    };
    let name = &found.list.name;
    let refuse = |why: String| Err(Error::field("list", why));
    if found.dynamic {
        return refuse(format!(
            "\"{name}\" is a dynamic marketing list: its members come from its query, so none \
             can be added. Choose a static list."
        ));
    }
    if found.list.member_type != table {
        return refuse(format!(
            "\"{name}\" holds {}s, and this send delivered {table}s: choose a list of {table}s \
             or make a new one.",
            found.list.member_type
        ));
    }
    if found.locked {
        return refuse(format!(
            "\"{name}\" is locked in Dynamics, so no members can be added: unlock it there or \
             choose another list."
        ));
    }
    if found.inactive {
        return refuse(format!(
            "\"{name}\" is inactive in Dynamics, so it cannot change: activate it there or \
             choose another list."
        ));
    }
    Ok(found.list)
}

/// Makes a static list of `table`s, refusing a name another static list already has (people
/// pick lists by name, in Ferry and in Dynamics).
async fn create(
    client: &DataverseClient,
    name: &str,
    description: &str,
    table: &str,
) -> Result<MarketingList> {
    let mut problems = Vec::new();
    let name = validate::name(name, "marketing list")
        .map_err(|m| problems.push(FieldError::new("name", m)))
        .ok();
    let description = validate::description(description)
        .map_err(|m| problems.push(FieldError::new("description", m)))
        .ok();
    let (Some(name), Some(description)) = (name, description) else {
        return Err(Error::Validation(problems));
    };
    let (code, _) = member_kind(table).ok_or_else(|| not_a_member_table(table))?;
    let literal = name.replace('\'', "''");
    if !query_lists(client, &format!("listname eq '{literal}'"))
        .await?
        .is_empty()
    {
        return Err(Error::field(
            "name",
            format!(
                "A marketing list named \"{name}\" already exists in Dynamics: choose it from \
                 the lists, or give the new one another name."
            ),
        ));
    }
    let mut body = json!({ "listname": name, "createdfromcode": code, "type": false });
    if !description.is_empty() {
        body["description"] = json!(description);
    }
    let r = client
        .send(&Request::new(Method::POST, "lists").json(&body))
        .await?;
    let id = entity_id(&r).ok_or_else(|| {
        Error::Remote(
            "Dynamics made the marketing list but did not say its id: find it in Dynamics and \
             choose it."
                .into(),
        )
    })?;
    Ok(MarketingList {
        id,
        name,
        member_type: table.to_string(),
        member_count: Some(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_hold_accounts_contacts_and_leads_by_their_documented_codes() {
        assert_eq!(member_kind("account"), Some((1, "accountid")));
        assert_eq!(member_kind("contact"), Some((2, "contactid")));
        assert_eq!(member_kind("lead"), Some((4, "leadid")));
        assert_eq!(member_kind("task"), None, "a task cannot be a list member");
        for code in [1, 2, 4] {
            let table = member_table(code).unwrap();
            assert_eq!(member_kind(table).unwrap().0, code, "{table} round-trips");
        }
        assert_eq!(member_table(3), None);
    }

    #[test]
    fn a_list_target_reads_as_the_window_sends_it() {
        let t: ListTarget =
            serde_json::from_value(json!({ "kind": "new", "name": "Spring" })).unwrap();
        assert_eq!(
            t,
            ListTarget::New {
                name: "Spring".into(),
                description: String::new()
            },
            "a new list needs only its name"
        );
        let t: ListTarget =
            serde_json::from_value(json!({ "kind": "existing", "list": "Newsletter" })).unwrap();
        assert_eq!(
            t,
            ListTarget::Existing {
                list: "Newsletter".into()
            }
        );
    }
}
