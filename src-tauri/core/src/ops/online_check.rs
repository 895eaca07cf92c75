//! "Check against Dynamics": for a sample of a template's rows, asks Dataverse whether each
//! row's key already finds a record, so the preview can say which rows would update a record
//! and which would make a new one (or, for update-only and delete templates, find nothing).
//!
//! It only reads (one GET per row, selecting the primary id alone), and it is optional: the
//! preview's verdicts never need it. Rows whose verdict is an error, or that have no key, are
//! not asked about: they would not be sent. Values never leave this module in the answer (only
//! row positions and outcomes), so it says the same to a user with Restrict PII access.

use super::activity::{self, kind, Event};
use super::common::{allow, NamedRef};
use super::connection;
use super::rows;
use super::templates;
use crate::app::App;
use crate::dataverse::keys::RowRef;
use crate::dataverse::records;
use crate::error::{Error, FieldError, Result};
use crate::mapping::plan::{plan, Operation, Verdict};
use crate::policy::{Action, Actor};
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The most rows one check asks about.
pub const MAX_SAMPLE: usize = 500;

/// How many lookups are in flight at once: well under Dataverse's 52 concurrent requests per
/// user, so a check never competes with a send for the tenant's limits.
const IN_FLIGHT: usize = 8;

/// How long reading the source for the sample may take.
const READ_LIMIT: Duration = Duration::from_secs(120);

/// What sending one row would do, as Dataverse answers today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum CheckOutcome {
    /// No record has the key: an upsert makes one.
    Creates,
    /// A record has the key: an upsert or update changes it.
    Updates,
    /// A record has the key: a delete removes it.
    Deletes,
    /// No record has the key: an update-only or delete template would fail or do nothing.
    NotFound,
    /// Dataverse could not be asked (see the message).
    Failed,
}

/// One row's outcome.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RowCheck {
    /// The row's position in the source, from 0 (as in the preview).
    pub index: u64,
    pub outcome: CheckOutcome,
    /// Why it failed; empty otherwise.
    pub message: String,
}

/// The answer for a sample of rows.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OnlineCheck {
    pub template: NamedRef,
    /// How many rows were asked about.
    pub checked: u64,
    pub creates: u64,
    pub updates: u64,
    pub deletes: u64,
    pub not_found: u64,
    pub failed: u64,
    pub rows: Vec<RowCheck>,
}

fn outcome(op: &Operation, found: bool) -> CheckOutcome {
    match (op, found) {
        (Operation::DeleteByKey { .. }, true) => CheckOutcome::Deletes,
        (Operation::UpdateByKey { .. } | Operation::DeleteByKey { .. }, false) => {
            CheckOutcome::NotFound
        }
        (_, true) => CheckOutcome::Updates,
        (_, false) => CheckOutcome::Creates,
    }
}

/// Asks Dataverse about the first `sample` rows that would be sent.
pub async fn check(app: &App, actor: &Actor, template: &str, sample: usize) -> Result<OnlineCheck> {
    allow(app, actor, Action::UseTemplates)?;
    let t = templates::get(app, actor, template)?;
    if let Some(why) = &t.unavailable {
        return Err(Error::Forbidden(why.clone()));
    }
    let details = connection::details(app, &t.destination.id, &t.table, false)
        .await?
        .details;
    let related = templates::related_details(app, &t.destination.id, &t.mapping, &details).await?;
    // NOTE: the source is opened first, so a user who may not read its rows hears that
    // rather than something about the template's operation.
    let mut reader = rows::open(app, actor, &t.source, READ_LIMIT)?;
    if t.mapping.operation == Operation::Create {
        return Err(Error::field(
            "operation",
            "This template creates a new record for every row, so there is no key to look up: \
             choose an upsert, update or delete to check rows against Dynamics.",
        ));
    }
    let columns = reader.columns().to_vec();
    let plan = plan(&t.mapping, &details, &related, &columns).map_err(|problems| {
        Error::Validation(
            problems
                .into_iter()
                .map(|n| FieldError::new(&format!("mapping.{}", n.subject), n.message))
                .collect(),
        )
    })?;
    let sample = sample.clamp(1, MAX_SAMPLE);
    let mut wanted: Vec<(u64, RowRef)> = Vec::new();
    let mut seen = crate::mapping::plan::SeenKeys::default();
    let mut index = 0u64;
    'read: while let Some(page) = reader.next_page(500)? {
        for cells in page {
            let mapped = plan.map_row(index as usize, &cells, &mut seen);
            if mapped.verdict != Verdict::Error {
                if let Some(r) = mapped.row.row {
                    wanted.push((index, r));
                    if wanted.len() >= sample {
                        break 'read;
                    }
                }
            }
            index += 1;
        }
    }
    let (_, client) = connection::client(app, &t.destination.id, false)?;
    let entity_set = Arc::new(details.table.entity_set.clone());
    let primary_id = Arc::new(details.table.primary_id.clone());
    let mut tasks = tokio::task::JoinSet::new();
    let mut pending = wanted.into_iter();
    let mut answers = Vec::new();
    loop {
        while tasks.len() < IN_FLIGHT {
            let Some((i, row)) = pending.next() else {
                break;
            };
            let (client, set, id) = (client.clone(), entity_set.clone(), primary_id.clone());
            tasks.spawn(async move {
                let found = records::read(&client, &set, &row, &[id.as_str()]).await;
                (i, found.map(|r| r.is_some()))
            });
        }
        match tasks.join_next().await {
            Some(Ok(answer)) => answers.push(answer),
            Some(Err(e)) => return Err(Error::Remote(format!("A lookup stopped: {e}"))),
            None => break,
        }
    }
    answers.sort_by_key(|(i, _)| *i);
    // NOTE: when not one row could be asked about, the reason is the connection's, not a
    // row's: say it once, as the connection test would.
    if !answers.is_empty() && answers.iter().all(|(_, a)| a.is_err()) {
        let (_, first) = answers.swap_remove(0);
        let e = first.expect_err("every answer failed");
        return Err(match hidden(&e, actor) {
            Some(said) => Error::Remote(said),
            None => e.into(),
        });
    }
    let mut out = OnlineCheck {
        template: NamedRef {
            id: t.id.clone(),
            name: t.name.clone(),
        },
        checked: answers.len() as u64,
        creates: 0,
        updates: 0,
        deletes: 0,
        not_found: 0,
        failed: 0,
        rows: Vec::new(),
    };
    for (index, answer) in answers {
        let (o, message) = match answer {
            Ok(found) => (outcome(&plan.operation, found), String::new()),
            Err(e) => (
                CheckOutcome::Failed,
                hidden(&e, actor).unwrap_or_else(|| e.to_string()),
            ),
        };
        match o {
            CheckOutcome::Creates => out.creates += 1,
            CheckOutcome::Updates => out.updates += 1,
            CheckOutcome::Deletes => out.deletes += 1,
            CheckOutcome::NotFound => out.not_found += 1,
            CheckOutcome::Failed => out.failed += 1,
        }
        out.rows.push(RowCheck {
            index,
            outcome: o,
            message,
        });
    }
    activity::record(
        app,
        actor,
        Event::new(
            kind::DATA,
            "template.check",
            &t.name,
            format!(
                "Checked {} rows of {} against Dynamics: {} would update, {} would create, {} \
                 would delete, {} find no record, {} could not be asked",
                out.checked,
                t.name,
                out.updates,
                out.creates,
                out.deletes,
                out.not_found,
                out.failed
            ),
        )
        .details(json!({ "checked": out.checked, "destination": t.destination.name })),
    );
    Ok(out)
}

/// What to say instead of Dataverse's own text to a user with Restrict PII access: its answer
/// about a row may quote the row's key, which can be personal data. `None`: say it as it is.
fn hidden(e: &crate::dataverse::DataverseError, actor: &Actor) -> Option<String> {
    use crate::dataverse::DataverseError;
    match e {
        DataverseError::Api(a) if actor.restrict_pii() => Some(format!(
            "Dynamics refused the lookup (HTTP {}); its message is hidden because it may quote \
             personal data (Restrict PII access).",
            a.status
        )),
        _ => None,
    }
}
