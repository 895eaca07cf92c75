//! The preview: a template's rows made into the records Dynamics would receive, each with its
//! verdict and the exact request Ferry would send, before anything leaves the machine.
//!
//! Every row of the source is mapped and counted (the verdict counts cover the whole send); the
//! rows returned are the first `limit`, or the first `limit` with errors. Rows are mapped from
//! their real values, so a verdict is about what would be sent; personal data is masked only
//! afterwards, for a user with Restrict PII access, in the source row, the record and the
//! request alike.

use super::activity::{self, kind, Event};
use super::common::{allow, NamedRef};
use super::connection;
use super::rows;
use super::templates;
use crate::app::App;
use crate::dataverse::client::WireRequest;
use crate::dataverse::keys::{KeyValue, RowRef};
use crate::dataverse::records::{write_request, WriteKind};
use crate::error::{Error, Result};
use crate::mapping::plan::{plan, Finding, Operation, PlanNote, Verdict};
use crate::policy::{Action, Actor};
use ferry_data::types::PII_MASK;
use ferry_data::{Cell, ColumnMeta};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use std::time::Duration;

/// The most rows one preview returns; the counts always cover every row.
pub const MAX_ROWS: usize = 1000;

/// How long reading the source may take.
const READ_LIMIT: Duration = Duration::from_secs(600);

/// One previewed row.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PreviewRow {
    /// The row's position in the source, from 0.
    pub index: u64,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    /// The source row, in `Preview::columns` order.
    pub source: Vec<Cell>,
    /// The record as Dynamics would receive it.
    #[ts(type = "Record<string, unknown>")]
    pub record: Value,
    /// The request Ferry would send for this row alone; `None` when the row cannot be
    /// addressed (its key is missing or unusable).
    pub request: Option<WireRequest>,
}

/// A template's preview.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Preview {
    pub template: NamedRef,
    pub columns: Vec<ColumnMeta>,
    pub total: u64,
    pub ready: u64,
    pub warning: u64,
    pub error: u64,
    pub dropped: Vec<PlanNote>,
    pub warnings: Vec<PlanNote>,
    pub unused_sources: Vec<String>,
    pub rows: Vec<PreviewRow>,
    /// Whether personal data was masked for the viewer.
    pub pii_hidden: bool,
}

fn write_kind(op: &Operation) -> WriteKind {
    match op {
        Operation::Create => WriteKind::Create,
        Operation::UpdateByKey { .. } => WriteKind::Update,
        Operation::DeleteByKey { .. } => WriteKind::Delete,
        Operation::UpsertByKey { .. } | Operation::UpsertById { .. } => WriteKind::Upsert,
    }
}

/// Previews `template`: maps every row, returns the counts and the first `limit` rows (or the
/// first `limit` with errors when `errors_only`).
pub async fn preview(
    app: &App,
    actor: &Actor,
    template: &str,
    limit: usize,
    errors_only: bool,
) -> Result<Preview> {
    allow(app, actor, Action::UseTemplates)?;
    let t = templates::get(app, actor, template)?;
    if let Some(why) = &t.unavailable {
        return Err(Error::Forbidden(why.clone()));
    }
    let details = connection::details(app, &t.destination.id, &t.table, false)
        .await?
        .details;
    let (_, client) = connection::client(app, &t.destination.id, false)?;
    let mut reader = rows::open(app, actor, &t.source, READ_LIMIT)?;
    let columns = reader.columns().to_vec();
    let related = templates::related_details(app, &t.destination.id, &t.mapping, &details).await?;
    let plan = plan(&t.mapping, &details, &related, &columns).map_err(|problems| {
        Error::Validation(
            problems
                .into_iter()
                .map(|n| {
                    crate::error::FieldError::new(&format!("mapping.{}", n.subject), n.message)
                })
                .collect(),
        )
    })?;
    let hide = actor.restrict_pii();
    let pii_targets: HashSet<String> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.pii)
        .flat_map(|(i, _)| plan.columns_from(i))
        .map(str::to_string)
        .collect();
    let kind = write_kind(&plan.operation);
    let entity_set = details.table.entity_set.clone();
    let limit = limit.min(MAX_ROWS);
    let mut seen = HashSet::new();
    let mut out = Preview {
        template: NamedRef {
            id: t.id.clone(),
            name: t.name.clone(),
        },
        columns: columns.clone(),
        total: 0,
        ready: 0,
        warning: 0,
        error: 0,
        dropped: plan.dropped.clone(),
        warnings: plan.warnings.clone(),
        unused_sources: plan.unused_sources.clone(),
        rows: Vec::new(),
        pii_hidden: hide && columns.iter().any(|c| c.pii),
    };
    let mut index = 0u64;
    while let Some(page) = reader.next_page(2000)? {
        for cells in page {
            let mapped = plan.map_row(index as usize, &cells, &mut seen);
            out.total += 1;
            match mapped.verdict {
                Verdict::Ready => out.ready += 1,
                Verdict::Warning => out.warning += 1,
                Verdict::Error => out.error += 1,
            }
            let wanted = !errors_only || mapped.verdict == Verdict::Error;
            if wanted && out.rows.len() < limit {
                let mut source = cells;
                let mut record = mapped.row.record;
                let mut row_ref = mapped.row.row;
                if hide {
                    ferry_data::types::hide_pii(&columns, std::slice::from_mut(&mut source));
                    mask_record(&mut record, row_ref.as_mut(), &pii_targets);
                }
                let request = write_request(kind, &entity_set, row_ref.as_ref(), &record)
                    .ok()
                    .map(|r| r.wire(client.config()));
                out.rows.push(PreviewRow {
                    index,
                    verdict: mapped.verdict,
                    findings: mapped.findings,
                    source,
                    record: Value::Object(record),
                    request,
                });
            }
            index += 1;
        }
    }
    activity::record(
        app,
        actor,
        Event::new(
            kind::DATA,
            "template.preview",
            &t.name,
            format!(
                "Previewed {}: {} rows, {} ready, {} with warnings, {} with errors{}",
                t.name,
                out.total,
                out.ready,
                out.warning,
                out.error,
                if out.pii_hidden {
                    ", personal data hidden"
                } else {
                    ""
                }
            ),
        )
        .reveals_pii(!hide && columns.iter().any(|c| c.pii))
        .details(json!({ "total": out.total, "errors": out.error })),
    );
    Ok(out)
}

/// Masks the record's values and the key's values that came from personal data.
fn mask_record(record: &mut Map<String, Value>, row: Option<&mut RowRef>, pii: &HashSet<String>) {
    for (k, v) in record.iter_mut() {
        if pii.contains(k) && !v.is_null() {
            *v = Value::String(PII_MASK.to_string());
        }
    }
    if let Some(RowRef::Key(parts)) = row {
        for (column, value) in parts.iter_mut() {
            if pii.contains(column) {
                *value = KeyValue::Text(PII_MASK.to_string());
            }
        }
    }
}
