//! Segments: named audiences built from conditions on the customer table, for people who do
//! not write SQL. ferry-data compiles a definition to parameterised SQL and counts it through
//! the same read-only door as queries; here the definitions are saved and named.

use super::activity::{self, kind, Event};
use super::common::allow;
use super::common::{by_id_or_name, fail_if_any, name_and_description, name_conflict};
use crate::app::App;
use crate::error::{Error, FieldError, Result};
use crate::ids;
use crate::policy::{Action, Actor};
use crate::store::now_unix;
use crate::store::segments::{self as table, SegmentRow};
use ferry_data::query::QueryOptions;
use ferry_data::segments::{SegmentCount, SegmentDefinition};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;

/// How long a live audience count may take before it gives up; the builder asks again at the
/// next change, so a slow count must not pile up behind the user's typing.
const COUNT_TIME_LIMIT: Duration = Duration::from_secs(10);

/// What a person fills in to save a segment.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SegmentInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub definition: SegmentDefinition,
}

/// A saved segment as lists show it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SavedSegment {
    pub id: String,
    pub name: String,
    pub description: String,
    pub definition: SegmentDefinition,
    pub created_at: i64,
    pub updated_at: i64,
}

fn view(r: SegmentRow) -> Result<SavedSegment> {
    let definition = serde_json::from_str(&r.definition).map_err(|e| {
        Error::Remote(format!(
            "The saved segment \"{}\" cannot be read ({e}): delete it and build it again.",
            r.name
        ))
    })?;
    Ok(SavedSegment {
        id: r.id,
        name: r.name,
        description: r.description,
        definition,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// Every saved segment, by name.
pub fn list(app: &App, actor: &Actor) -> Result<Vec<SavedSegment>> {
    allow(app, actor, Action::ReadSegments)?;
    app.store()
        .read(table::list)?
        .into_iter()
        .map(view)
        .collect()
}

/// The saved segment with this id or name (any case).
pub fn get(app: &App, actor: &Actor, id_or_name: &str) -> Result<SavedSegment> {
    allow(app, actor, Action::ReadSegments)?;
    view(app.store().read(|c| require(c, id_or_name))?)
}

fn require(conn: &rusqlite::Connection, id_or_name: &str) -> Result<SegmentRow> {
    by_id_or_name(
        table::get(conn, id_or_name)?,
        || table::list(conn),
        id_or_name,
        "segment",
    )
}

/// How many rows of the customer database a definition picks, and the SQL it compiles to.
pub fn count(app: &App, actor: &Actor, definition: &SegmentDefinition) -> Result<SegmentCount> {
    allow(app, actor, Action::ReadSegments)?;
    let opts = QueryOptions::with_time_limit(COUNT_TIME_LIMIT);
    let counted = app
        .data()
        .and_then(|d| Ok(d.segment_count_on(definition, &app.today().to_string(), opts)?));
    let summary = match &counted {
        Ok(c) => format!("Counted a segment: {} rows", c.count),
        Err(_) => "Counted a segment".to_string(),
    };
    activity::record(
        app,
        actor,
        Event::new(kind::SEGMENT, "segment.count", "", summary)
            .details(json!({ "definition": definition }))
            .result(&counted),
    );
    counted
}

/// Starts reading a definition's rows in the background, like a query run (page, cancel and
/// close it through [`super::queries`]), for the builder's preview. Paging it needs only what
/// counting needs, so people who build segments without SQL can see who is in them.
pub fn start_preview(
    app: &App,
    actor: &Actor,
    definition: &SegmentDefinition,
    time_limit_secs: i64,
) -> Result<String> {
    allow(app, actor, Action::ReadSegments)?;
    let compiled = app
        .data()?
        .compile_segment_on(definition, &app.today().to_string())?;
    let run = super::queries::open_run(
        app,
        Action::ReadSegments,
        &compiled.sql,
        &compiled.params,
        time_limit_secs,
    );
    super::queries::record_run(
        app,
        actor,
        "segment.preview",
        "a segment",
        &compiled.sql,
        &run,
    );
    run
}

fn snapshot(r: &SegmentRow) -> serde_json::Value {
    json!({
        "name": r.name,
        "description": r.description,
        "definition": serde_json::from_str::<serde_json::Value>(&r.definition).unwrap_or_default(),
    })
}

fn validated(
    app: &App,
    input: &SegmentInput,
    except_id: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Result<Option<(String, String, String)>> {
    let rows = app.store().read(table::list)?;
    let (name, description) = name_and_description(
        errors,
        &input.name,
        &input.description,
        "segment",
        &rows,
        except_id,
    );
    // NOTE: a segment is saved only if it compiles against today's customer data, so the
    // list never holds one that fails the first time it is used.
    match app
        .data()?
        .compile_segment_on(&input.definition, &app.today().to_string())
    {
        Ok(_) => {}
        Err(ferry_data::DataError::Invalid(problems)) => errors.extend(
            problems
                .into_iter()
                .map(|p| FieldError::new(&format!("definition.{}", p.field), p.message)),
        ),
        Err(other) => return Err(other.into()),
    }
    let json = serde_json::to_string(&input.definition).expect("a definition serialises");
    Ok(match (name, description) {
        (Some(n), Some(d)) if errors.is_empty() => Some((n, d, json)),
        _ => None,
    })
}

/// Saves a new segment.
pub fn create(app: &App, actor: &Actor, input: SegmentInput) -> Result<SavedSegment> {
    allow(app, actor, Action::ManageSegments)?;
    let mut errors = Vec::new();
    let clean = validated(app, &input, None, &mut errors)?;
    fail_if_any(errors)?;
    let (name, description, definition) = clean.expect("no errors means a clean input");
    let now = now_unix();
    let row = SegmentRow {
        id: ids::new_id(ids::SEGMENT),
        name: name.clone(),
        description,
        definition,
        created_at: now,
        updated_at: now,
    };
    app.store()
        .with_tx(|tx| {
            table::upsert(tx, &row)?;
            activity::record_in(
                tx,
                actor,
                Event::new(
                    kind::SEGMENT,
                    "segment.add",
                    &row.name,
                    format!("Saved the new segment {}", row.name),
                )
                .details(json!({ "after": snapshot(&row) })),
            )
        })
        .map_err(|e| name_conflict(e, "segment", &name))?;
    view(row)
}

/// Changes a saved segment.
pub fn update(app: &App, actor: &Actor, id: &str, input: SegmentInput) -> Result<SavedSegment> {
    allow(app, actor, Action::ManageSegments)?;
    let old = app.store().read(|c| require(c, id))?;
    let mut errors = Vec::new();
    let clean = validated(app, &input, Some(&old.id), &mut errors)?;
    fail_if_any(errors)?;
    let (name, description, definition) = clean.expect("no errors means a clean input");
    let row = SegmentRow {
        name: name.clone(),
        description,
        definition,
        updated_at: now_unix(),
        ..old.clone()
    };
    app.store()
        .with_tx(|tx| {
            table::upsert(tx, &row)?;
            activity::record_in(
                tx,
                actor,
                Event::new(
                    kind::SEGMENT,
                    "segment.edit",
                    &row.name,
                    format!("Changed the segment {}", old.name),
                )
                .details(json!({ "changes": activity::changes(&snapshot(&old), &snapshot(&row)) })),
            )
        })
        .map_err(|e| name_conflict(e, "segment", &name))?;
    view(row)
}

/// Deletes a saved segment.
pub fn delete(app: &App, actor: &Actor, id: &str) -> Result<()> {
    allow(app, actor, Action::ManageSegments)?;
    app.store().with_tx(|tx| {
        let row = require(tx, id)?;
        table::delete(tx, &row.id)?;
        activity::record_in(
            tx,
            actor,
            Event::new(
                kind::SEGMENT,
                "segment.delete",
                &row.name,
                format!("Deleted the segment {}", row.name),
            )
            .details(json!({ "before": snapshot(&row) })),
        )
    })
}
