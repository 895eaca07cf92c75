//! Data templates: per destination, which Dataverse table receives the rows of a saved query
//! or segment, mapped how, and who may use it.
//!
//! A template is checked when it is saved: its destination and source exist, its table is one
//! the destination has (from the metadata cache, or asked of Dataverse), and its mapping plans
//! against that table and the source's columns (`mapping::plan`). Columns the table lacks are
//! dropped with a note rather than refused, since a table can lose a column after the template
//! is saved and the preview must say so then too.
//!
//! A template is never more open than its destination: business users and restricted-PII users
//! may use it only if the destination lets them.

use super::activity::{self, kind, Event};
use super::common::{allow, by_id_or_name, fail_if_any, name_conflict, NamedRef, NamedRow};
use super::connection;
use super::destinations::{self, DestinationView};
use super::rows::RowSource;
use crate::app::App;
use crate::error::{Error, FieldError, Result};
use crate::ids;
use crate::mapping::plan::{lookup_tables, plan, Mapping, PlanNote, RelatedTables};
use crate::policy::{Action, Actor};
use crate::store::now_unix;
use crate::store::templates::{self as table, SourceKind, TemplateRow};
use crate::validate;
use ferry_data::ColumnMeta;
use serde::{Deserialize, Serialize};
use serde_json::json;

impl NamedRow for TemplateRow {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
}

/// What a person fills in to save a template.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TemplateInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The destination's id or name.
    pub destination: String,
    pub source: RowSource,
    /// The Dataverse table's logical name, e.g. `contact`.
    pub table: String,
    pub mapping: Mapping,
    #[serde(default)]
    pub business_users: bool,
    #[serde(default)]
    pub restricted_pii: bool,
    #[serde(default)]
    pub campaigns: bool,
}

/// A template as lists show it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TemplateView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub destination: NamedRef,
    pub source: RowSource,
    pub table: String,
    pub mapping: Mapping,
    pub business_users: bool,
    pub restricted_pii: bool,
    pub campaigns: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// Why the acting user may not use it, or `None` when they may.
    pub unavailable: Option<String>,
}

/// What saving would keep out of the requests, and what it would warn about.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TemplateCheck {
    pub fields: Vec<FieldError>,
    pub dropped: Vec<PlanNote>,
    pub warnings: Vec<PlanNote>,
    pub unused_sources: Vec<String>,
}

fn source_of(r: &TemplateRow) -> RowSource {
    match r.source_kind {
        SourceKind::Query => RowSource::Query(r.source_id.clone()),
        SourceKind::Segment => RowSource::Segment(r.source_id.clone()),
    }
}

/// Whether `actor` may use a template with these flags through `dest`.
fn access(actor: &Actor, r: &TemplateRow, dest: &DestinationView) -> Result<()> {
    destinations::access(actor, dest)?;
    crate::policy::destination_access(actor, &r.name, r.business_users, r.restricted_pii)
        .map_err(|e| Error::Forbidden(e.to_string().replace("destination", "template")))
}

fn view(actor: &Actor, r: TemplateRow, dest: &DestinationView) -> Result<TemplateView> {
    let mapping = serde_json::from_str(&r.mapping).map_err(|e| {
        Error::Remote(format!(
            "The template \"{}\" cannot be read ({e}): delete it and make it again.",
            r.name
        ))
    })?;
    Ok(TemplateView {
        unavailable: access(actor, &r, dest).err().map(|e| e.to_string()),
        source: source_of(&r),
        destination: NamedRef {
            id: dest.id.clone(),
            name: dest.name.clone(),
        },
        id: r.id,
        name: r.name,
        description: r.description,
        table: r.table_name,
        mapping,
        business_users: r.business_users,
        restricted_pii: r.restricted_pii,
        campaigns: r.campaigns,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

fn require(conn: &rusqlite::Connection, id_or_name: &str) -> Result<TemplateRow> {
    by_id_or_name(
        table::get(conn, id_or_name)?,
        || table::list(conn),
        id_or_name,
        "template",
    )
}

/// Every template the acting user may see: business users only those open to them (and whose
/// destination is), operators and administrators all, each saying whether they may use it.
pub fn list(app: &App, actor: &Actor) -> Result<Vec<TemplateView>> {
    allow(app, actor, Action::UseTemplates)?;
    let rows = app.store().read(table::list)?;
    let mut out = Vec::new();
    for r in rows {
        let dest = destinations::find(app, &r.destination_id)?;
        let v = view(actor, r, &dest)?;
        if !actor.policy().is_business() || v.unavailable.is_none() {
            out.push(v);
        }
    }
    Ok(out)
}

/// One template by id or name; refused to a business user it is not open to.
pub fn get(app: &App, actor: &Actor, id_or_name: &str) -> Result<TemplateView> {
    allow(app, actor, Action::UseTemplates)?;
    let r = app.store().read(|c| require(c, id_or_name))?;
    let dest = destinations::find(app, &r.destination_id)?;
    if actor.policy().is_business() {
        access(actor, &r, &dest)?;
    }
    view(actor, r, &dest)
}

/// The columns the source's rows have, as the mapping reads them.
fn source_columns(
    app: &App,
    actor: &Actor,
    source: &RowSource,
) -> Result<(String, Vec<ColumnMeta>)> {
    let data = app.data()?;
    match source {
        RowSource::Query(key) => {
            let q = super::queries::get(app, actor, key)?;
            Ok((q.id, data.check_sql(&q.sql)?))
        }
        RowSource::Segment(key) => {
            let s = super::segments::get(app, actor, key)?;
            let compiled = data.compile_segment_on(&s.definition, &app.today().to_string())?;
            Ok((s.id, data.check_sql(&compiled.sql)?))
        }
    }
}

/// The row a form would save (id not set) and what its mapping leaves out, or every problem.
async fn validated(
    app: &App,
    actor: &Actor,
    input: &TemplateInput,
    except_id: Option<&str>,
) -> Result<(Option<TemplateRow>, TemplateCheck)> {
    let mut check = TemplateCheck::default();
    let errors = &mut check.fields;
    let name = validate::name(&input.name, "template")
        .map_err(|m| errors.push(FieldError::new("name", m)))
        .ok();
    if let Some(n) = &name {
        let taken = app
            .store()
            .read(table::list)?
            .iter()
            .any(|t| Some(t.id.as_str()) != except_id && validate::same_name(&t.name, n));
        if taken {
            errors.push(FieldError::new(
                "name",
                format!("A template named \"{n}\" already exists: choose another name."),
            ));
        }
    }
    let description = validate::description(&input.description)
        .map_err(|m| errors.push(FieldError::new("description", m)))
        .ok();
    let dest = match destinations::find(app, &input.destination) {
        Ok(d) => Some(d),
        Err(Error::NotFound { .. }) => {
            errors.push(FieldError::new(
                "destination",
                "Choose the destination the template sends to.",
            ));
            None
        }
        Err(e) => return Err(e),
    };
    if let Some(d) = &dest {
        if input.business_users && !d.business_users {
            errors.push(FieldError::new(
                "businessUsers",
                format!(
                    "The destination \"{}\" is closed to business users, so its templates are \
                     too: open the destination to them first.",
                    d.name
                ),
            ));
        }
        if input.restricted_pii && !d.restricted_pii {
            errors.push(FieldError::new(
                "restrictedPii",
                format!(
                    "The destination \"{}\" does not allow users with restricted PII access, so \
                     its templates cannot either: allow them on the destination first.",
                    d.name
                ),
            ));
        }
    }
    // NOTE: campaigns are sent by business users (AmpIQ), so a template closed to them cannot
    // serve one. The other condition peers set (settings the destination leaves empty filled
    // in the template) cannot arise: a Ferry destination is saved only with every setting.
    if input.campaigns && !input.business_users {
        errors.push(FieldError::new(
            "campaigns",
            "Campaigns are sent by business users: allow business users to use this template \
             first.",
        ));
    }
    let source = match source_columns(app, actor, &input.source) {
        Ok(s) => Some(s),
        Err(e @ Error::Forbidden(_)) => return Err(e),
        Err(e) => {
            errors.push(FieldError::new("source", e.to_string()));
            None
        }
    };
    let table_name = input.table.trim().to_ascii_lowercase();
    let details = match (&dest, table_name.is_empty()) {
        (_, true) => {
            errors.push(FieldError::new(
                "table",
                "Choose the Dynamics table, e.g. contact.",
            ));
            None
        }
        (None, false) => None,
        (Some(d), false) => match connection::details(app, &d.id, &table_name, false).await {
            Ok(t) => Some(t.details),
            Err(e @ Error::Forbidden(_)) => return Err(e),
            Err(e) => {
                errors.push(FieldError::new("table", e.to_string()));
                None
            }
        },
    };
    let related = match (&dest, &details) {
        (Some(d), Some(details)) => {
            match related_details(app, &d.id, &input.mapping, details).await {
                Ok(r) => Some(r),
                Err(e @ Error::Forbidden(_)) => return Err(e),
                Err(e) => {
                    errors.push(FieldError::new("mapping", e.to_string()));
                    None
                }
            }
        }
        _ => None,
    };
    if let (Some(details), Some(related), Some((_, columns))) = (&details, &related, &source) {
        match plan(&input.mapping, details, related, columns) {
            Ok(p) => {
                check.dropped = p.dropped;
                check.warnings = p.warnings;
                check.unused_sources = p.unused_sources;
            }
            Err(problems) => check.fields.extend(
                problems
                    .into_iter()
                    .map(|n| FieldError::new(&format!("mapping.{}", n.subject), n.message)),
            ),
        }
    }
    let row = match (name, description, dest, source) {
        (Some(name), Some(description), Some(d), Some((source_id, _)))
            if check.fields.is_empty() =>
        {
            Some(TemplateRow {
                id: String::new(),
                name,
                description,
                destination_id: d.id,
                source_kind: match input.source {
                    RowSource::Query(_) => SourceKind::Query,
                    RowSource::Segment(_) => SourceKind::Segment,
                },
                source_id,
                table_name,
                mapping: serde_json::to_string(&input.mapping).expect("a mapping serialises"),
                business_users: input.business_users,
                restricted_pii: input.restricted_pii,
                campaigns: input.campaigns,
                created_at: 0,
                updated_at: 0,
            })
        }
        _ => None,
    };
    Ok((row, check))
}

/// The details of the related tables `mapping`'s lookups on `details` name (from the metadata
/// cache, else Dataverse), which planning needs for their entity sets and keys.
/// `t`'s mapping planned against its table (as cached, or asked of Dataverse) and the
/// source's `columns`: what a preview shows and a send sends. A mapping that no longer plans
/// (a key the table lost, say) is a validation error naming each problem.
pub(crate) async fn planned(
    app: &App,
    t: &TemplateView,
    columns: &[ColumnMeta],
) -> Result<(
    crate::mapping::plan::Plan,
    crate::dataverse::metadata::TableDetails,
)> {
    let details = connection::details(app, &t.destination.id, &t.table, false)
        .await?
        .details;
    let related = related_details(app, &t.destination.id, &t.mapping, &details).await?;
    let plan = plan(&t.mapping, &details, &related, columns).map_err(|problems| {
        Error::Validation(
            problems
                .into_iter()
                .map(|n| FieldError::new(&format!("mapping.{}", n.subject), n.message))
                .collect(),
        )
    })?;
    Ok((plan, details))
}

pub(crate) async fn related_details(
    app: &App,
    destination: &str,
    mapping: &Mapping,
    details: &crate::dataverse::metadata::TableDetails,
) -> Result<RelatedTables> {
    let mut out = RelatedTables::new();
    for table in lookup_tables(mapping, details) {
        let related = connection::details(app, destination, &table, false).await?;
        out.insert(table, related.details);
    }
    Ok(out)
}

/// First guesses for a mapping: which column of `table` each column of `source` fills, by
/// name (see `mapping::suggest`), for the mapping editor to start from.
pub async fn suggest(
    app: &App,
    actor: &Actor,
    destination: &str,
    source: &RowSource,
    table: &str,
) -> Result<Vec<crate::mapping::suggest::Suggestion>> {
    allow(app, actor, Action::ManageTemplates)?;
    let (_, columns) = source_columns(app, actor, source)?;
    let details = connection::details(app, destination, table, false)
        .await?
        .details;
    let names: Vec<String> = columns.into_iter().map(|c| c.name).collect();
    Ok(crate::mapping::suggest::suggest(&names, &details.columns))
}

/// Field messages for a template form as it stands, and what its mapping would leave out.
pub async fn check(
    app: &App,
    actor: &Actor,
    input: &TemplateInput,
    except_id: Option<&str>,
) -> Result<TemplateCheck> {
    allow(app, actor, Action::ManageTemplates)?;
    Ok(validated(app, actor, input, except_id).await?.1)
}

fn snapshot(r: &TemplateRow) -> serde_json::Value {
    json!({
        "name": r.name,
        "description": r.description,
        "destination": r.destination_id,
        "source": format!("{}:{}", match r.source_kind { SourceKind::Query => "query", SourceKind::Segment => "segment" }, r.source_id),
        "table": r.table_name,
        "mapping": serde_json::from_str::<serde_json::Value>(&r.mapping).unwrap_or_default(),
        "businessUsers": r.business_users,
        "restrictedPii": r.restricted_pii,
        "campaigns": r.campaigns,
    })
}

/// Saves a new template.
pub async fn create(app: &App, actor: &Actor, input: TemplateInput) -> Result<TemplateView> {
    allow(app, actor, Action::ManageTemplates)?;
    let (row, check) = validated(app, actor, &input, None).await?;
    fail_if_any(check.fields)?;
    let now = now_unix();
    let row = TemplateRow {
        id: ids::new_id(ids::TEMPLATE),
        created_at: now,
        updated_at: now,
        ..row.expect("no errors means a row")
    };
    app.store()
        .with_tx(|tx| {
            table::upsert(tx, &row)?;
            activity::record_in(
                tx,
                actor,
                Event::new(
                    kind::CONFIG,
                    "template.add",
                    &row.name,
                    format!("Added the template {}", row.name),
                )
                .details(json!({ "after": snapshot(&row) })),
            )
        })
        .map_err(|e| name_conflict(e, "template", &row.name))?;
    get(app, actor, &row.id)
}

/// Changes a template.
pub async fn update(
    app: &App,
    actor: &Actor,
    id_or_name: &str,
    input: TemplateInput,
) -> Result<TemplateView> {
    allow(app, actor, Action::ManageTemplates)?;
    let old = app.store().read(|c| require(c, id_or_name))?;
    let (row, check) = validated(app, actor, &input, Some(&old.id)).await?;
    fail_if_any(check.fields)?;
    let row = TemplateRow {
        id: old.id.clone(),
        created_at: old.created_at,
        updated_at: now_unix(),
        ..row.expect("no errors means a row")
    };
    app.store()
        .with_tx(|tx| {
            table::upsert(tx, &row)?;
            activity::record_in(
                tx,
                actor,
                Event::new(
                    kind::CONFIG,
                    "template.edit",
                    &row.name,
                    format!("Changed the template {}", old.name),
                )
                .details(json!({ "changes": activity::changes(&snapshot(&old), &snapshot(&row)) })),
            )
        })
        .map_err(|e| name_conflict(e, "template", &row.name))?;
    get(app, actor, &row.id)
}

/// Deletes a template.
pub fn delete(app: &App, actor: &Actor, id_or_name: &str) -> Result<()> {
    allow(app, actor, Action::ManageTemplates)?;
    app.store().with_tx(|tx| {
        let row = require(tx, id_or_name)?;
        table::delete(tx, &row.id)?;
        activity::record_in(
            tx,
            actor,
            Event::new(
                kind::CONFIG,
                "template.delete",
                &row.name,
                format!("Deleted the template {}", row.name),
            )
            .details(json!({ "before": snapshot(&row) })),
        )
    })
}
