//! Users: who acts in this window, switching, and (administrators) managing users.

use super::Window;
use crate::error::CmdResult;
use ferry_core::ops::users::{self, Me, UserInput, UserView};
use ferry_core::FieldError;
use tauri::State;

/// Who is acting, and what they may do.
#[tauri::command(async)]
pub fn whoami(app: State<'_, Window>) -> CmdResult<Me> {
    Ok(app.session().me(&app)?)
}

/// Acts as another user from now on (recorded in the activity log).
#[tauri::command(async)]
pub fn switch_user(app: State<'_, Window>, user: String) -> CmdResult<Me> {
    Ok(app.session().switch(&app, &user)?)
}

#[tauri::command(async)]
pub fn list_users(app: State<'_, Window>) -> CmdResult<Vec<UserView>> {
    Ok(users::list(&app, &app.actor()?)?)
}

#[tauri::command(async)]
pub fn check_user(
    app: State<'_, Window>,
    input: UserInput,
    except_id: Option<String>,
) -> CmdResult<Vec<FieldError>> {
    Ok(users::check(
        &app,
        &app.actor()?,
        &input,
        except_id.as_deref(),
    )?)
}

#[tauri::command(async)]
pub fn create_user(app: State<'_, Window>, input: UserInput) -> CmdResult<UserView> {
    Ok(users::create(&app, &app.actor()?, input)?)
}

#[tauri::command(async)]
pub fn update_user(app: State<'_, Window>, id: String, input: UserInput) -> CmdResult<UserView> {
    Ok(users::update(&app, &app.actor()?, &id, input)?)
}

#[tauri::command(async)]
pub fn set_user_disabled(
    app: State<'_, Window>,
    id: String,
    disabled: bool,
) -> CmdResult<UserView> {
    Ok(users::set_disabled(&app, &app.actor()?, &id, disabled)?)
}
