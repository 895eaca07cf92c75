//! Customer data: the tables in `customers.sqlite3`, their PII marks, the demo dataset and CSV
//! imports. An import started from the window runs on a thread of its own and is followed by
//! id; the CLI runs the same import in the foreground with its own progress bar.

use super::activity::{self, kind, Event, Outcome};
use super::common::allow;
use crate::app::App;
use crate::error::{Error, ErrorReply, Result};
use crate::ids;
use crate::policy::{Action, Actor};
use crate::store::app_settings;
use ferry_data::demo::DemoReport;
use ferry_data::import::{ImportPlan, ImportProgress, ImportReport, ImportRequest, InspectOptions};
use ferry_data::schema::{TableSample, TableSummary};
use ferry_data::{CancelToken, ColumnMeta};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Every table of the customer database with its columns and row count.
pub fn tables(app: &App, actor: &Actor) -> Result<Vec<TableSummary>> {
    allow(app, actor, Action::ReadData)?;
    Ok(app.data()?.tables()?)
}

/// The first rows of a table. Personal data is masked for users with Restrict PII access;
/// anyone else seeing it is recorded.
pub fn sample(app: &App, actor: &Actor, table: &str, limit: usize) -> Result<TableSample> {
    allow(app, actor, Action::ReadData)?;
    let mut sample = app.data()?.sample(table, limit)?;
    if actor.restrict_pii() {
        sample.hide_pii();
    } else {
        note_pii_view(app, actor, "data.sample", &sample.table, &sample.columns);
    }
    Ok(sample)
}

/// Records that `actor` was shown the values of PII columns, when `columns` has any.
pub(crate) fn note_pii_view(
    app: &App,
    actor: &Actor,
    action: &'static str,
    target: &str,
    columns: &[ColumnMeta],
) {
    let pii: Vec<&str> = columns
        .iter()
        .filter(|c| c.pii)
        .map(|c| c.name.as_str())
        .collect();
    if pii.is_empty() {
        return;
    }
    activity::record(
        app,
        actor,
        Event::new(
            kind::DATA,
            action,
            target,
            format!("Viewed personal data in {target}: {}", pii.join(", ")),
        )
        .reveals_pii(true)
        .details(json!({ "piiColumns": pii })),
    );
}

/// Marks or unmarks a column as personal data.
pub fn set_pii(
    app: &App,
    actor: &Actor,
    table: &str,
    column: &str,
    pii: bool,
) -> Result<ColumnMeta> {
    allow(app, actor, Action::MarkPii)?;
    let col = app.data()?.set_pii(table, column, pii)?;
    activity::record(
        app,
        actor,
        Event::new(
            kind::CONFIG,
            "data.pii",
            &format!("{table}.{}", col.name),
            format!(
                "{} {table}.{} as personal data",
                if pii { "Marked" } else { "Unmarked" },
                col.name
            ),
        )
        .details(json!({ "changes": { "pii": { "before": !pii, "after": pii } } })),
    );
    Ok(col)
}

/// (Re)makes the demo customers and orders from a seed, replacing those two tables.
pub fn make_demo(
    app: &App,
    actor: &Actor,
    customers: u64,
    seed: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<DemoReport> {
    allow(app, actor, Action::ImportData)?;
    let made = app
        .data()?
        .make_demo(customers, seed, progress)
        .map_err(Error::from);
    let ev = Event::new(
        kind::DATA,
        "data.demo",
        "customers, orders",
        format!("Made the demo data: {customers} customers from seed {seed}"),
    )
    .details(json!({ "customers": customers, "seed": seed }));
    activity::record(app, actor, ev.result(&made));
    made
}

/// Makes the demo dataset on the first start, unless `FERRY_DEMO=off` or the user already has
/// a customers table. `None` when nothing was made.
pub fn ensure_demo(app: &App, actor: &Actor) -> Result<Option<DemoReport>> {
    allow(app, actor, Action::ImportData)?;
    if std::env::var("FERRY_DEMO").is_ok_and(|v| v.eq_ignore_ascii_case("off")) {
        return Ok(None);
    }
    let made = app.data()?.ensure_demo()?;
    if let Some(report) = &made {
        activity::record(
            app,
            actor,
            Event::new(
                kind::DATA,
                "data.demo",
                "customers, orders",
                "First start: made the demo customers and orders".to_string(),
            )
            .details(serde_json::to_value(report).unwrap_or_default()),
        );
    }
    Ok(made)
}

/// Reads the head of a CSV file and proposes how to import it.
pub fn inspect(app: &App, actor: &Actor, path: &Path, opts: &InspectOptions) -> Result<ImportPlan> {
    allow(app, actor, Action::ImportData)?;
    Ok(ferry_data::import::inspect(path, opts, &app.data()?)?)
}

/// Imports in the foreground (the CLI). Rejected rows go to `rejects`.
pub fn import(
    app: &App,
    actor: &Actor,
    req: &ImportRequest,
    rejects: &Path,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(&ImportProgress),
) -> Result<ImportReport> {
    allow(app, actor, Action::ImportData)?;
    let report = app
        .data()?
        .import(req, rejects, cancel, progress)
        .map_err(Error::from);
    record_import(app, actor, req, &report);
    let report = report?;
    note_imported(app);
    Ok(report)
}

/// Records an import: which file into which table, and how it ended.
fn record_import(app: &App, actor: &Actor, req: &ImportRequest, r: &Result<ImportReport>) {
    let file = Path::new(&req.path)
        .file_name()
        .map(|f| f.to_string_lossy().to_string())
        .unwrap_or_else(|| req.path.clone());
    let summary = match r {
        Ok(rep) => format!(
            "Imported {file} into {}: {} rows, {} rejected",
            rep.table, rep.rows_imported, rep.rows_rejected
        ),
        Err(_) => format!("Import of {file} into {} did not finish", req.table),
    };
    let mut details = json!({ "file": req.path, "mode": req.mode });
    if let Ok(rep) = r {
        details["rowsImported"] = json!(rep.rows_imported);
        details["rowsRejected"] = json!(rep.rows_rejected);
    }
    activity::record(
        app,
        actor,
        Event::new(kind::DATA, "data.import", &req.table, summary)
            .details(details)
            .result(r),
    );
}

/// Ticks "Import customer data" in Getting started. The flag lives with the settings, which
/// that panel reads anyway, so showing it never opens the customer database.
fn note_imported(app: &App) {
    // NOTE: best effort: the rows are committed already, and a missed tick must not turn a
    // finished import into a reported failure.
    let _ = app
        .store()
        .with_tx(|tx| app_settings::set_flag(tx, app_settings::DATA_IMPORTED, true));
}

/// Where a background import keeps its rejected rows until the user saves them elsewhere.
fn rejects_path(app: &App, id: &str) -> PathBuf {
    app.data_dir()
        .join("imports")
        .join(format!("{id}-rejects.csv"))
}

/// Where a background import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum TaskState {
    Running,
    Done,
    Failed,
    Cancelled,
}

/// A background import as the window polls it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ImportStatus {
    pub id: String,
    pub state: TaskState,
    pub progress: ImportProgress,
    pub report: Option<ImportReport>,
    pub error: Option<ErrorReply>,
}

struct ImportTask {
    cancel: CancelToken,
    status: Mutex<ImportStatus>,
}

impl ImportTask {
    fn update(&self, f: impl FnOnce(&mut ImportStatus)) {
        f(&mut self.status.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The imports this process started, by id. Finished ones stay so the window can read their
/// outcome and save their rejects; they are few and small.
#[derive(Default)]
pub struct Imports(Mutex<HashMap<String, Arc<ImportTask>>>);

impl std::fmt::Debug for Imports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Imports")
    }
}

impl Imports {
    fn get(&self, id: &str) -> Result<Arc<ImportTask>> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
            .ok_or_else(|| Error::NotFound {
                what: "import",
                key: id.to_string(),
            })
    }
}

/// Starts an import on a thread of its own; follow it with [`import_status`].
pub fn start_import(app: &App, actor: &Actor, req: ImportRequest) -> Result<String> {
    allow(app, actor, Action::ImportData)?;
    let data = app.data()?;
    let app = app.clone();
    let actor = actor.clone();
    let id = ids::new_id("imp");
    let rejects = rejects_path(&app, &id);
    if let Some(dir) = rejects.parent() {
        crate::store::folder::create_private(dir)?;
    }
    let task = Arc::new(ImportTask {
        cancel: CancelToken::new(),
        status: Mutex::new(ImportStatus {
            id: id.clone(),
            state: TaskState::Running,
            progress: ImportProgress::default(),
            report: None,
            error: None,
        }),
    });
    app.imports()
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id.clone(), task.clone());
    std::thread::Builder::new()
        .name(format!("import {id}"))
        .spawn(move || {
            let result = data
                .import(&req, &rejects, &task.cancel, &mut |p| {
                    task.update(|s| s.progress = p.clone())
                })
                .map_err(Error::from);
            record_import(&app, &actor, &req, &result);
            if result.is_ok() {
                note_imported(&app);
            }
            task.update(|s| match result {
                Ok(report) => {
                    s.progress.rows_imported = report.rows_imported;
                    s.progress.rows_rejected = report.rows_rejected;
                    s.state = TaskState::Done;
                    s.report = Some(report);
                }
                Err(e) => {
                    s.state = if Outcome::of_error(&e) == Outcome::Cancelled {
                        TaskState::Cancelled
                    } else {
                        TaskState::Failed
                    };
                    s.error = Some(ErrorReply::from(&e));
                }
            });
        })?;
    Ok(id)
}

/// Where an import stands: its progress, then its report or why it stopped.
pub fn import_status(app: &App, actor: &Actor, id: &str) -> Result<ImportStatus> {
    allow(app, actor, Action::ImportData)?;
    let task = app.imports().get(id)?;
    let status = task.status.lock().unwrap_or_else(|p| p.into_inner());
    Ok(status.clone())
}

/// Asks a running import to stop; the table stays as it was before the import.
pub fn cancel_import(app: &App, actor: &Actor, id: &str) -> Result<()> {
    allow(app, actor, Action::ImportData)?;
    app.imports().get(id)?.cancel.cancel();
    Ok(())
}

/// Copies an import's rejected rows to `to` (a file the user chose).
pub fn save_rejects(app: &App, actor: &Actor, id: &str, to: &Path) -> Result<()> {
    allow(app, actor, Action::ImportData)?;
    let task = app.imports().get(id)?;
    let file = task
        .status
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .report
        .as_ref()
        .and_then(|r| r.rejects_file.clone())
        .ok_or_else(|| Error::NotFound {
            what: "rejects file for import",
            key: id.to_string(),
        })?;
    std::fs::copy(file, to)?;
    Ok(())
}
