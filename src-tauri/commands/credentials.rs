//! Credential commands. Secrets come in; none ever goes back out.

use crate::error::CmdResult;
use ferry_core::catalog::{CredentialEdit, CredentialView, NewCredential, SecretRotation};
use ferry_core::date::Date;
use ferry_core::{Catalog, FieldError};
use tauri::State;

#[tauri::command(async)]
pub fn list_credentials(catalog: State<'_, Catalog>) -> CmdResult<Vec<CredentialView>> {
    Ok(catalog.list_credentials(Date::today())?)
}

#[tauri::command(async)]
pub fn check_credential(
    catalog: State<'_, Catalog>,
    input: NewCredential,
    except_id: Option<String>,
) -> CmdResult<Vec<FieldError>> {
    Ok(catalog.check_credential(&input, except_id.as_deref(), Date::today())?)
}

#[tauri::command(async)]
pub fn create_credential(
    catalog: State<'_, Catalog>,
    input: NewCredential,
) -> CmdResult<CredentialView> {
    Ok(catalog.create_credential(input, Date::today())?)
}

#[tauri::command(async)]
pub fn update_credential(
    catalog: State<'_, Catalog>,
    id: String,
    edit: CredentialEdit,
) -> CmdResult<CredentialView> {
    Ok(catalog.update_credential(&id, edit, Date::today())?)
}

#[tauri::command(async)]
pub fn rotate_secret(
    catalog: State<'_, Catalog>,
    id: String,
    rotation: SecretRotation,
) -> CmdResult<CredentialView> {
    Ok(catalog.rotate_secret(&id, rotation, Date::today())?)
}

#[tauri::command(async)]
pub fn delete_credential(catalog: State<'_, Catalog>, id: String) -> CmdResult<()> {
    Ok(catalog.delete_credential(&id)?)
}
