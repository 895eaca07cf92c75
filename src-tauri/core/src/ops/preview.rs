//! The preview: a template's rows made into the records Dynamics would receive, each with its
//! verdict and the exact request Ferry would send, before anything leaves the machine.
//!
//! It comes in two reads of the same source. [`first_page`] maps only the first rows, so a
//! person sees records at once; its counts and duplicate-key verdicts know only the rows it
//! read, and it says so ([`Preview::complete`] is false). [`preview`] is the validation pass:
//! every row mapped and counted (the counts cover the whole send), returning the first
//! `limit` rows, or the first `limit` with errors. Rows are mapped from their real values, so a
//! verdict is about what would be sent; personal data is masked only afterwards, for a user
//! with Restrict PII access, in the source row, the record and the request alike.
//!
//! Neither read holds the source: rows stream through the plan and only the rows returned
//! are kept, with the keys seen so far as hashes (see [`SeenKeys`]), so memory stays flat
//! however long the source is.

use super::activity::{self, kind, Event};
use super::common::{allow, NamedRef};
use super::connection;
use super::rows;
use super::templates;
use crate::app::App;
use crate::dataverse::client::{DataverseClient, WireRequest};
use crate::dataverse::keys::{KeyValue, RowRef};
use crate::dataverse::records::{write_request, WriteKind};
use crate::error::{Error, Result};
use crate::mapping::plan::{Finding, Operation, Plan, PlanNote, SeenKeys, Verdict};
use crate::policy::{Action, Actor};
use ferry_data::query::RowReader;
use ferry_data::types::PII_MASK;
use ferry_data::{Cell, ColumnMeta};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// The most rows one preview returns; the counts of a full pass always cover every row.
pub const MAX_ROWS: usize = 1000;

/// The most source rows a first page reads while looking for the rows it shows.
///
/// NOTE: this bounds the errors-only first page over a clean source, which would otherwise
/// read everything to find nothing; mapping this many rows takes a few tens of milliseconds.
pub const FIRST_PAGE_READ: u64 = 20_000;

/// How long reading the source may take.
const READ_LIMIT: Duration = Duration::from_secs(600);

/// Rows taken from the reader at a time: small pages, so a source producing rows slowly (a
/// selective segment) shows its first ones without waiting for a full page.
///
/// NOTE: the reader works a few hundred rows ahead of its caller on its own thread (see
/// `ferry_data::query`). Asking for more than that at once made it wait idle while a large
/// page was mapped and the mapping wait while it refilled, so the two threads took turns; at
/// this size they run side by side on two cores (the full pass went from 3.7 s to 2.7 s).
const PAGE_ROWS: usize = 256;

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
    /// Rows read and counted: every row of the source when `complete`.
    pub total: u64,
    pub ready: u64,
    pub warning: u64,
    pub error: u64,
    /// Whether every row of the source was read, so the counts are the send's. A first page
    /// that stopped early has counts for its `total` rows only, and a key repeated after
    /// them is not yet found.
    pub complete: bool,
    pub dropped: Vec<PlanNote>,
    pub warnings: Vec<PlanNote>,
    pub unused_sources: Vec<String>,
    pub rows: Vec<PreviewRow>,
    /// Whether personal data was masked for the viewer.
    pub pii_hidden: bool,
}

/// How much of the source a preview reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extent {
    /// Until the rows to show are found (at most [`FIRST_PAGE_READ`] rows).
    FirstPage,
    /// Every row.
    Every,
}

fn write_kind(op: &Operation) -> WriteKind {
    match op {
        Operation::Create => WriteKind::Create,
        Operation::UpdateByKey { .. } => WriteKind::Update,
        Operation::DeleteByKey { .. } => WriteKind::Delete,
        Operation::UpsertByKey { .. } | Operation::UpsertById { .. } => WriteKind::Upsert,
    }
}

/// The first page of `template`'s preview: the first `limit` rows (or the first `limit` with
/// errors when `errors_only`, looking at no more than [`FIRST_PAGE_READ`] rows), with counts
/// over the rows read. Meant to be shown while [`preview`] checks every row.
pub async fn first_page(
    app: &App,
    actor: &Actor,
    template: &str,
    limit: usize,
    errors_only: bool,
) -> Result<Preview> {
    run(app, actor, template, limit, errors_only, Extent::FirstPage).await
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
    run(app, actor, template, limit, errors_only, Extent::Every).await
}

async fn run(
    app: &App,
    actor: &Actor,
    template: &str,
    limit: usize,
    errors_only: bool,
    extent: Extent,
) -> Result<Preview> {
    allow(app, actor, Action::UseTemplates)?;
    let t = templates::get(app, actor, template)?;
    if let Some(why) = &t.unavailable {
        return Err(Error::Forbidden(why.clone()));
    }
    let (_, client) = connection::client(app, &t.destination.id, false)?;
    let reader = rows::open(app, actor, &t.source, READ_LIMIT)?;
    let columns = reader.columns().to_vec();
    let (plan, details) = templates::planned(app, &t, &columns).await?;
    let hide = actor.restrict_pii();
    let pii_targets: HashSet<String> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.pii)
        .flat_map(|(i, _)| plan.columns_from(i))
        .map(str::to_string)
        .collect();
    let out = Preview {
        template: NamedRef {
            id: t.id.clone(),
            name: t.name.clone(),
        },
        columns: columns.clone(),
        total: 0,
        ready: 0,
        warning: 0,
        error: 0,
        complete: false,
        dropped: plan.dropped.clone(),
        warnings: plan.warnings.clone(),
        unused_sources: plan.unused_sources.clone(),
        rows: Vec::new(),
        pii_hidden: hide && columns.iter().any(|c| c.pii),
    };
    let pass = Pass {
        kind: write_kind(&plan.operation),
        entity_set: details.table.entity_set.clone(),
        plan,
        client,
        hide,
        pii_targets,
        limit: limit.min(MAX_ROWS),
        errors_only,
        extent,
    };
    // NOTE: reading a million rows takes seconds of blocking work; it runs off the async
    // runtime so the app's other commands (the first page among them) are not held up.
    let out = tokio::task::spawn_blocking(move || pass.read(reader, out))
        .await
        .map_err(|e| {
            Error::Io(std::io::Error::other(format!(
                "The preview stopped unexpectedly: {e}"
            )))
        })??;
    let what = if out.complete {
        format!("{} rows", out.total)
    } else {
        format!("the first {} rows", out.total)
    };
    activity::record(
        app,
        actor,
        Event::new(
            kind::DATA,
            "template.preview",
            &t.name,
            format!(
                "Previewed {}: {what}, {} ready, {} with warnings, {} with errors{}",
                t.name,
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
        .details(json!({ "total": out.total, "errors": out.error, "complete": out.complete })),
    );
    Ok(out)
}

/// One read of the source through the plan.
struct Pass {
    plan: Plan,
    client: Arc<DataverseClient>,
    kind: WriteKind,
    entity_set: String,
    hide: bool,
    pii_targets: HashSet<String>,
    limit: usize,
    errors_only: bool,
    extent: Extent,
}

impl Pass {
    /// Maps the reader's rows into `out`'s counts and rows; stops early for a first page.
    fn read(&self, mut reader: RowReader, mut out: Preview) -> Result<Preview> {
        let mut seen = SeenKeys::default();
        let mut index = 0u64;
        let mut stopped = false;
        'read: while let Some(mut rows) = reader.next_page(PAGE_ROWS)? {
            for cells in &mut rows {
                if self.extent == Extent::FirstPage
                    && (out.rows.len() >= self.limit || index >= FIRST_PAGE_READ)
                {
                    // `cells` is a row left unread, so the counts are not the send's.
                    stopped = true;
                    break 'read;
                }
                // NOTE: once the rows to show are found, the rest are only counted, and a
                // verdict alone skips making the record (most of the cost of a row).
                let verdict = if out.rows.len() < self.limit {
                    let mapped = self.plan.map_row(index as usize, cells, &mut seen);
                    let verdict = mapped.verdict;
                    if !self.errors_only || verdict == Verdict::Error {
                        let source = std::mem::take(cells);
                        out.rows
                            .push(self.shown(index, source, mapped, &out.columns));
                    }
                    verdict
                } else {
                    self.plan.row_verdict(cells, &mut seen)
                };
                out.total += 1;
                match verdict {
                    Verdict::Ready => out.ready += 1,
                    Verdict::Warning => out.warning += 1,
                    Verdict::Error => out.error += 1,
                }
                index += 1;
            }
            // Refilled by the reader rather than freed here: see `RowReader::give_back`.
            reader.give_back(rows);
        }
        out.complete = !stopped;
        Ok(out)
    }

    /// A row as the preview shows it: masked for a restricted viewer, with its request.
    fn shown(
        &self,
        index: u64,
        mut source: Vec<Cell>,
        mapped: crate::mapping::plan::MappedRow,
        columns: &[ColumnMeta],
    ) -> PreviewRow {
        let mut record = mapped.row.record;
        let mut row_ref = mapped.row.row;
        let mut findings = mapped.findings;
        if self.hide {
            hide_in_findings(&mut findings, columns, &source);
            ferry_data::types::hide_pii(columns, std::slice::from_mut(&mut source));
            mask_record(&mut record, row_ref.as_mut(), &self.pii_targets);
        }
        let request = write_request(self.kind, &self.entity_set, row_ref.as_ref(), &record)
            .ok()
            .map(|r| r.wire(self.client.config()));
        PreviewRow {
            index,
            verdict: mapped.verdict,
            findings,
            source,
            record: Value::Object(record),
            request,
        }
    }
}

/// Masks, in the findings' messages, the values of the row's personal data: a message quotes
/// the value it is about ("… is longer than …", a repeated key), and a restricted viewer must
/// not read it there either.
fn hide_in_findings(findings: &mut [Finding], columns: &[ColumnMeta], source: &[Cell]) {
    let mut values: Vec<String> = Vec::new();
    for (c, cell) in columns.iter().zip(source) {
        let text = match cell {
            Cell::Text(t) if c.pii => t.clone(),
            Cell::Integer(n) if c.pii => n.to_string(),
            Cell::Real(r) if c.pii => r.to_string(),
            _ => continue,
        };
        let trimmed = text.trim().to_string();
        // As a key's URL writes it, quotes doubled.
        values.push(trimmed.replace('\'', "''"));
        values.push(trimmed);
        values.push(text);
    }
    // NOTE: longest first, so a value is masked whole before a part of it could be; a single
    // character would mask digits and letters of the message itself, and tells little.
    values.retain(|v| v.chars().count() > 1);
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    for f in findings.iter_mut() {
        for v in &values {
            if f.message.contains(v.as_str()) {
                f.message = f.message.replace(v.as_str(), PII_MASK);
            }
        }
    }
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
