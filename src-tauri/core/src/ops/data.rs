//! Customer data: the tables in `customers.sqlite3`, their PII marks, the demo dataset and CSV
//! imports. An import started from the window runs on a thread of its own and is followed by
//! id; the CLI runs the same import in the foreground with its own progress bar.

use crate::app::App;
use crate::error::{Error, ErrorReply, Result};
use crate::ids;
use crate::policy::{self, Action, Actor};
use crate::store::app_settings;
use ferry_data::demo::DemoReport;
use ferry_data::import::{ImportPlan, ImportProgress, ImportReport, ImportRequest, InspectOptions};
use ferry_data::schema::{TableSample, TableSummary};
use ferry_data::{CancelToken, ColumnMeta, DataError};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Every table of the customer database with its columns and row count.
pub fn tables(app: &App, actor: &Actor) -> Result<Vec<TableSummary>> {
    policy::check(actor, Action::ReadData)?;
    Ok(app.data()?.tables()?)
}

/// The first rows of a table.
pub fn sample(app: &App, actor: &Actor, table: &str, limit: usize) -> Result<TableSample> {
    policy::check(actor, Action::ReadData)?;
    Ok(app.data()?.sample(table, limit)?)
}

/// Marks or unmarks a column as personal data.
pub fn set_pii(
    app: &App,
    actor: &Actor,
    table: &str,
    column: &str,
    pii: bool,
) -> Result<ColumnMeta> {
    policy::check(actor, Action::MarkPii)?;
    Ok(app.data()?.set_pii(table, column, pii)?)
}

/// (Re)makes the demo customers and orders from a seed, replacing those two tables.
pub fn make_demo(
    app: &App,
    actor: &Actor,
    customers: u64,
    seed: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<DemoReport> {
    policy::check(actor, Action::ImportData)?;
    Ok(app.data()?.make_demo(customers, seed, progress)?)
}

/// Makes the demo dataset on the first start, unless `FERRY_DEMO=off` or the user already has
/// a customers table. `None` when nothing was made.
pub fn ensure_demo(app: &App, actor: &Actor) -> Result<Option<DemoReport>> {
    policy::check(actor, Action::ImportData)?;
    if std::env::var("FERRY_DEMO").is_ok_and(|v| v.eq_ignore_ascii_case("off")) {
        return Ok(None);
    }
    Ok(app.data()?.ensure_demo()?)
}

/// Reads the head of a CSV file and proposes how to import it.
pub fn inspect(app: &App, actor: &Actor, path: &Path, opts: &InspectOptions) -> Result<ImportPlan> {
    policy::check(actor, Action::ImportData)?;
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
    policy::check(actor, Action::ImportData)?;
    let report = app.data()?.import(req, rejects, cancel, progress)?;
    note_imported(app);
    Ok(report)
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
    policy::check(actor, Action::ImportData)?;
    let data = app.data()?;
    let app = app.clone();
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
            let result = data.import(&req, &rejects, &task.cancel, &mut |p| {
                task.update(|s| s.progress = p.clone())
            });
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
                    s.state = if matches!(e, DataError::Cancelled(_)) {
                        TaskState::Cancelled
                    } else {
                        TaskState::Failed
                    };
                    s.error = Some(ErrorReply::from(&Error::from(e)));
                }
            });
        })?;
    Ok(id)
}

/// Where an import stands: its progress, then its report or why it stopped.
pub fn import_status(app: &App, actor: &Actor, id: &str) -> Result<ImportStatus> {
    policy::check(actor, Action::ImportData)?;
    let task = app.imports().get(id)?;
    let status = task.status.lock().unwrap_or_else(|p| p.into_inner());
    Ok(status.clone())
}

/// Asks a running import to stop; the table stays as it was before the import.
pub fn cancel_import(app: &App, actor: &Actor, id: &str) -> Result<()> {
    policy::check(actor, Action::ImportData)?;
    app.imports().get(id)?.cancel.cancel();
    Ok(())
}

/// Copies an import's rejected rows to `to` (a file the user chose).
pub fn save_rejects(app: &App, actor: &Actor, id: &str, to: &Path) -> Result<()> {
    policy::check(actor, Action::ImportData)?;
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
