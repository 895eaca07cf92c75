//! Saved segments and the builder's live audience count.

use super::Window;
use crate::error::CmdResult;
use ferry_core::data::segments::{SegmentCount, SegmentDefinition};
use ferry_core::ops::segments::{self, SavedSegment, SegmentInput};
use tauri::State;

#[tauri::command(async)]
pub fn list_segments(app: State<'_, Window>) -> CmdResult<Vec<SavedSegment>> {
    Ok(segments::list(&app, &app.actor()?)?)
}

#[tauri::command(async)]
pub fn create_segment(app: State<'_, Window>, input: SegmentInput) -> CmdResult<SavedSegment> {
    Ok(segments::create(&app, &app.actor()?, input)?)
}

#[tauri::command(async)]
pub fn update_segment(
    app: State<'_, Window>,
    id: String,
    input: SegmentInput,
) -> CmdResult<SavedSegment> {
    Ok(segments::update(&app, &app.actor()?, &id, input)?)
}

#[tauri::command(async)]
pub fn delete_segment(app: State<'_, Window>, id: String) -> CmdResult<()> {
    Ok(segments::delete(&app, &app.actor()?, &id)?)
}

#[tauri::command(async)]
pub fn segment_count(
    app: State<'_, Window>,
    definition: SegmentDefinition,
) -> CmdResult<SegmentCount> {
    Ok(segments::count(&app, &app.actor()?, &definition)?)
}

#[tauri::command(async)]
pub fn segment_start(
    app: State<'_, Window>,
    definition: SegmentDefinition,
    time_limit_secs: i64,
) -> CmdResult<String> {
    Ok(segments::start_preview(
        &app,
        &app.actor()?,
        &definition,
        time_limit_secs,
    )?)
}
