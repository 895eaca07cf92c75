//! Credential commands. Secrets come in; none ever goes back out.

use super::Window;
use crate::error::CmdResult;
use ferry_core::ops::credentials::{
    self, CredentialEdit, CredentialView, NewCredential, SecretRotation,
};
use ferry_core::FieldError;
use tauri::State;

#[tauri::command(async)]
pub fn list_credentials(app: State<'_, Window>) -> CmdResult<Vec<CredentialView>> {
    Ok(credentials::list(&app, &app.actor()?)?)
}

#[tauri::command(async)]
pub fn check_credential(
    app: State<'_, Window>,
    input: NewCredential,
    except_id: Option<String>,
) -> CmdResult<Vec<FieldError>> {
    Ok(credentials::check(
        &app,
        &app.actor()?,
        &input,
        except_id.as_deref(),
    )?)
}

#[tauri::command(async)]
pub fn create_credential(
    app: State<'_, Window>,
    input: NewCredential,
) -> CmdResult<CredentialView> {
    Ok(credentials::create(&app, &app.actor()?, input)?)
}

#[tauri::command(async)]
pub fn update_credential(
    app: State<'_, Window>,
    id: String,
    edit: CredentialEdit,
) -> CmdResult<CredentialView> {
    Ok(credentials::update(&app, &app.actor()?, &id, edit)?)
}

#[tauri::command(async)]
pub fn rotate_secret(
    app: State<'_, Window>,
    id: String,
    rotation: SecretRotation,
) -> CmdResult<CredentialView> {
    Ok(credentials::rotate_secret(
        &app,
        &app.actor()?,
        &id,
        rotation,
    )?)
}

#[tauri::command(async)]
pub fn delete_credential(app: State<'_, Window>, id: String) -> CmdResult<()> {
    Ok(credentials::delete(&app, &app.actor()?, &id)?)
}
