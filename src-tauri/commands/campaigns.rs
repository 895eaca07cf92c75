//! Campaigns: the marketing lists of a destination, a segment's sends that can fill one, and
//! adding a send's delivered records to a list. The list commands reach Dataverse, so they are
//! truly async, awaited on Tauri's runtime.

use super::Window;
use crate::error::CmdResult;
use ferry_core::ops::campaigns::{self, AddedToList, ListTarget, MarketingList};
use ferry_core::ops::jobs::JobView;
use tauri::State;

/// The destination's static marketing lists, only those holding `table`'s rows when given.
#[tauri::command]
pub async fn list_marketing_lists(
    app: State<'_, Window>,
    destination: String,
    table: Option<String>,
) -> CmdResult<Vec<MarketingList>> {
    Ok(
        campaigns::list_marketing_lists(&app, &app.actor()?, &destination, table.as_deref())
            .await?,
    )
}

/// The segment's recent sends through templates open to campaigns, newest first.
#[tauri::command(async)]
pub fn segment_jobs(
    app: State<'_, Window>,
    segment: String,
    limit: usize,
) -> CmdResult<Vec<JobView>> {
    Ok(campaigns::segment_jobs(
        &app,
        &app.actor()?,
        &segment,
        limit,
    )?)
}

/// Adds the records `job` delivered to an existing or a new marketing list.
#[tauri::command]
pub async fn add_job_to_list(
    app: State<'_, Window>,
    job: String,
    target: ListTarget,
) -> CmdResult<AddedToList> {
    Ok(campaigns::add_to_list(&app, &app.actor()?, &job, &target).await?)
}
