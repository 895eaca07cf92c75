//! The desktop shell: opens the app context, registers the commands, starts the window.
//!
//! Nothing here decides anything. Each command in [`commands`] is a few lines over
//! `ferry_core`, which holds every rule and is tested without a window.

pub mod commands;
pub mod demo;
pub mod error;

use ferry_core::policy::Actor;
use ferry_core::secrets::{SecretStore, DEFAULT_SERVICE};
use ferry_core::App;

/// Registers state and commands on any runtime, so the mock runtime in tests wires exactly
/// what the real app does.
///
/// NOTE: state is managed on the builder, not in `.setup()`: a mock app never runs setup.
pub fn builder<R: tauri::Runtime>(
    b: tauri::Builder<R>,
    app: App,
    sandbox: demo::DemoSandbox,
) -> tauri::Builder<R> {
    b.plugin(tauri_plugin_dialog::init())
        .manage(commands::Window::new(app))
        .manage(sandbox)
        .invoke_handler(tauri::generate_handler![
            commands::app::app_status,
            commands::app::build_info,
            commands::app::list_plugins,
            commands::credentials::list_credentials,
            commands::credentials::check_credential,
            commands::credentials::create_credential,
            commands::credentials::update_credential,
            commands::credentials::rotate_secret,
            commands::credentials::delete_credential,
            commands::destinations::list_destinations,
            commands::destinations::check_destination,
            commands::destinations::create_destination,
            commands::destinations::update_destination,
            commands::destinations::delete_destination,
            commands::dataverse::test_connection,
            commands::dataverse::test_connection_input,
            commands::dataverse::list_tables,
            commands::dataverse::table_columns,
            commands::start::getting_started,
            commands::start::set_getting_started_dismissed,
            commands::start::restore_demo_destination,
            commands::data::data_tables,
            commands::data::data_sample,
            commands::data::set_pii,
            commands::data::pick_csv_file,
            commands::data::import_inspect,
            commands::data::import_start,
            commands::data::import_status,
            commands::data::import_cancel,
            commands::data::save_rejects,
            commands::queries::list_queries,
            commands::queries::check_query,
            commands::queries::create_query,
            commands::queries::update_query,
            commands::queries::delete_query,
            commands::queries::query_start,
            commands::queries::query_page,
            commands::queries::query_cancel,
            commands::queries::query_close,
            commands::segments::list_segments,
            commands::segments::create_segment,
            commands::segments::update_segment,
            commands::segments::delete_segment,
            commands::segments::segment_count,
            commands::segments::segment_start,
            commands::users::whoami,
            commands::users::switch_user,
            commands::users::list_users,
            commands::users::check_user,
            commands::users::create_user,
            commands::users::update_user,
            commands::users::set_user_disabled,
            commands::activity::activity_page,
            commands::activity::activity_verify,
            commands::activity::activity_export,
            commands::templates::list_templates,
            commands::templates::suggest_mapping,
            commands::templates::check_template,
            commands::templates::create_template,
            commands::templates::update_template,
            commands::templates::delete_template,
            commands::templates::count_source_rows,
            commands::templates::check_against_dynamics,
            commands::templates::preview_template,
            commands::templates::preview_template_first_page,
            commands::jobs::send_template,
            commands::jobs::resume_job,
            commands::jobs::retry_failed_rows,
            commands::jobs::cancel_job,
            commands::jobs::list_jobs,
            commands::jobs::get_job,
            commands::jobs::unfinished_jobs,
            commands::jobs::job_receipts,
            commands::jobs::export_rejected_rows,
            commands::campaigns::list_marketing_lists,
            commands::campaigns::segment_jobs,
            commands::campaigns::add_job_to_list,
        ])
}

/// Opens the app context on the data folder (`FERRY_DATA_DIR` or the platform's app-data
/// folder) with the OS keychain.
pub fn open_app() -> ferry_core::Result<App> {
    let service =
        std::env::var("FERRY_KEYCHAIN_SERVICE").unwrap_or_else(|_| DEFAULT_SERVICE.to_string());
    // NOTE: a damaged or read-only database still opens, read-only: the window then says what
    // is wrong (app_status) instead of the app refusing to start.
    App::open(
        &ferry_core::store::data_dir_from_env()?,
        SecretStore::new(service),
    )
}

/// Starts the app.
pub fn run() {
    let app = match open_app() {
        Ok(a) => a,
        Err(e) => {
            // NOTE: without its data folder the app has nothing to show; say why on the
            // terminal and stop rather than open a window that can only fail.
            eprintln!("Ferry could not open its data folder: {e}");
            std::process::exit(1);
        }
    };
    // NOTE: before the window opens, so the Data tab never shows a half-made demo; 10,000
    // rows take well under a second. A failure only costs the demo, never the start.
    ferry_core::ops::queries::clear_scratch(&app);
    if let Err(e) = ferry_core::ops::users::ensure_first_admin(&app) {
        eprintln!("Ferry could not make its first user: {e}");
    }
    if let Err(e) = ferry_core::ops::data::ensure_demo(&app, &Actor::startup()) {
        eprintln!("Ferry could not make its demo customer data: {e}");
    }
    let sandbox = demo::start(&app);
    builder(tauri::Builder::default(), app, sandbox)
        .run(tauri::generate_context!())
        .expect("the Ferry window could not start");
}
