//! Saved segments and the builder's live audience count.

use super::actor;
use crate::error::CmdResult;
use ferry_core::data::segments::{SegmentCount, SegmentDefinition};
use ferry_core::ops::segments::{self, SavedSegment, SegmentInput};
use ferry_core::App;
use tauri::State;

#[tauri::command(async)]
pub fn list_segments(app: State<'_, App>) -> CmdResult<Vec<SavedSegment>> {
    Ok(segments::list(&app, &actor())?)
}

#[tauri::command(async)]
pub fn create_segment(app: State<'_, App>, input: SegmentInput) -> CmdResult<SavedSegment> {
    Ok(segments::create(&app, &actor(), input)?)
}

#[tauri::command(async)]
pub fn update_segment(
    app: State<'_, App>,
    id: String,
    input: SegmentInput,
) -> CmdResult<SavedSegment> {
    Ok(segments::update(&app, &actor(), &id, input)?)
}

#[tauri::command(async)]
pub fn delete_segment(app: State<'_, App>, id: String) -> CmdResult<()> {
    Ok(segments::delete(&app, &actor(), &id)?)
}

#[tauri::command(async)]
pub fn segment_count(
    app: State<'_, App>,
    definition: SegmentDefinition,
) -> CmdResult<SegmentCount> {
    Ok(segments::count(&app, &actor(), &definition)?)
}

#[tauri::command(async)]
pub fn segment_start(
    app: State<'_, App>,
    definition: SegmentDefinition,
    time_limit_secs: i64,
) -> CmdResult<String> {
    Ok(segments::start_preview(
        &app,
        &actor(),
        &definition,
        time_limit_secs,
    )?)
}
