//! Send jobs: start, resume, retry and cancel a send, and its history with receipts.
//!
//! A send runs in the background on Tauri's runtime, not inside the command: the command
//! answers at once with the job, and the window follows it through two events,
//! [`PROGRESS_EVENT`] (a [`JobProgress`], a few a second) and [`FINISHED_EVENT`] (a
//! [`JobFinished`]). The window keeps a [`Cancel`] for each job it sends, which `cancel_job`
//! fires.

use super::Window;
use crate::error::{AppError, CmdResult};
use ferry_core::jobs::Cancel;
use ferry_core::ops::jobs::{self, JobProgress, JobView, ReceiptFilter, Receipts, SendOptions};
use ferry_core::policy::Actor;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};
use tauri_plugin_dialog::DialogExt;

/// Carries a [`JobProgress`] while a job is sent.
pub const PROGRESS_EVENT: &str = "job-progress";
/// Carries a [`JobFinished`] once a run ends, however it ends.
pub const FINISHED_EVENT: &str = "job-finished";

/// How a run ended: the job as it now stands, or the error that ended it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobFinished {
    pub job_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<JobView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<AppError>,
}

/// The jobs this window is sending, each with the switch that cancels it.
#[derive(Default)]
pub struct Sending(Mutex<HashMap<String, Cancel>>);

impl Sending {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cancel>> {
        // NOTE: the map holds no invariant a panic elsewhere could break; carry on with it.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Starts sending `template`'s rows and answers with the new job.
#[tauri::command]
pub async fn send_template<R: Runtime>(
    handle: AppHandle<R>,
    app: State<'_, Window>,
    template: String,
) -> CmdResult<JobView> {
    let me = app.actor()?;
    let job = jobs::start(&app, &me, &template).await?;
    spawn_run(handle, &app, me, &job.id)?;
    Ok(job)
}

/// Carries on sending an interrupted, cancelled or stopped job.
#[tauri::command]
pub async fn resume_job<R: Runtime>(
    handle: AppHandle<R>,
    app: State<'_, Window>,
    id: String,
) -> CmdResult<JobView> {
    let me = app.actor()?;
    let job = jobs::resumable(&app, &me, &id)?;
    spawn_run(handle, &app, me, &job.id)?;
    Ok(job)
}

/// Starts a new job that sends `id`'s rejected and failed rows again, read afresh from the
/// source.
#[tauri::command]
pub async fn retry_failed_rows<R: Runtime>(
    handle: AppHandle<R>,
    app: State<'_, Window>,
    id: String,
) -> CmdResult<JobView> {
    let me = app.actor()?;
    let job = jobs::retry_failed(&app, &me, &id).await?;
    spawn_run(handle, &app, me, &job.id)?;
    Ok(job)
}

/// Asks a job this window is sending to stop; `false` when this window is not sending it.
#[tauri::command(async)]
pub fn cancel_job(app: State<'_, Window>, id: String) -> CmdResult<bool> {
    // NOTE: looked up first, so a user cannot stop a job they may not see.
    let job = jobs::get(&app, &app.actor()?, &id)?;
    Ok(match app.sending().lock().get(&job.id) {
        Some(cancel) => {
            cancel.cancel();
            true
        }
        None => false,
    })
}

/// The jobs the acting user may see, newest first.
#[tauri::command(async)]
pub fn list_jobs(app: State<'_, Window>, limit: usize) -> CmdResult<Vec<JobView>> {
    Ok(jobs::list(&app, &app.actor()?, limit)?)
}

#[tauri::command(async)]
pub fn get_job(app: State<'_, Window>, id: String) -> CmdResult<JobView> {
    Ok(jobs::get(&app, &app.actor()?, &id)?)
}

/// Jobs a process that stopped left unfinished, for the banner that offers to resume them.
#[tauri::command(async)]
pub fn unfinished_jobs(app: State<'_, Window>) -> CmdResult<Vec<JobView>> {
    Ok(jobs::unfinished(&app, &app.actor()?)?)
}

#[tauri::command(async)]
pub fn job_receipts(
    app: State<'_, Window>,
    id: String,
    filter: ReceiptFilter,
) -> CmdResult<Receipts> {
    Ok(jobs::receipts(&app, &app.actor()?, &id, &filter)?)
}

/// Writes a job's undelivered rows as CSV where the user chooses: the rows written, or `None`
/// if they close the dialog.
#[tauri::command(async)]
pub fn export_rejected_rows<R: Runtime>(
    app: State<'_, Window>,
    window: tauri::Window<R>,
    id: String,
) -> CmdResult<Option<u64>> {
    let me = app.actor()?;
    // NOTE: looked up before the dialog opens, so a refused user or a wrong id is told so
    // without being shown a save dialog first.
    let job = jobs::get(&app, &me, &id)?;
    let Some(to) = window
        .dialog()
        .file()
        .set_parent(&window)
        .set_file_name(format!("{}-rejected-rows.csv", job.id))
        .add_filter("CSV files", &["csv"])
        .blocking_save_file()
        .and_then(|f| f.into_path().ok())
    else {
        return Ok(None);
    };
    Ok(Some(jobs::export_rejects(&app, &me, &job.id, &to)?))
}

/// Sends `job` on Tauri's runtime, reporting as it goes, and says how it ended.
fn spawn_run<R: Runtime>(
    handle: AppHandle<R>,
    window: &Window,
    me: Actor,
    job: &str,
) -> CmdResult<()> {
    let cancel = Cancel::default();
    {
        let mut sending = window.sending().lock();
        if sending.contains_key(job) {
            return Err(ferry_core::Error::field(
                "id",
                format!("Ferry is already sending the job {job} in this window."),
            )
            .into());
        }
        sending.insert(job.to_string(), cancel.clone());
    }
    let app = ferry_core::App::clone(window);
    let job = job.to_string();
    tauri::async_runtime::spawn(async move {
        let events = handle.clone();
        let progress = move |p: &JobProgress| {
            // NOTE: a window that has closed has nobody to tell; the send goes on.
            let _ = events.emit(PROGRESS_EVENT, p);
        };
        let out = jobs::run(&app, &me, &job, &SendOptions::default(), &progress, &cancel).await;
        handle.state::<Window>().sending().lock().remove(&job);
        let finished = match out {
            Ok(v) => JobFinished {
                job_id: job,
                job: Some(v),
                error: None,
            },
            Err(e) => JobFinished {
                job_id: job,
                job: None,
                error: Some(e.into()),
            },
        };
        let _ = handle.emit(FINISHED_EVENT, &finished);
    });
    Ok(())
}
