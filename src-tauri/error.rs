//! The one error type commands return: `{code, message, fields?}` for the UI.

use ferry_core::ErrorReply;
use serde::Serialize;

/// A command's failure as the UI receives it. Built only from `ferry_core::Error`, whose
/// messages never contain secrets.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct AppError(ErrorReply);

impl From<ferry_core::Error> for AppError {
    fn from(e: ferry_core::Error) -> Self {
        AppError(ErrorReply::from(&e))
    }
}

/// What every command returns.
pub type CmdResult<T> = Result<T, AppError>;
