//! FetchXML through `?fetchXml=`: placeholder until the FetchXML reader lands.

use super::filter::not_emulated;
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::schema::Table;
use crate::service::Ctx;
use crate::store::Tx;

/// Answers `GET {set}?fetchXml=…`.
pub fn execute(
    _ctx: &Ctx,
    _tx: &Tx,
    _req: &ApiRequest,
    _table: &Table,
) -> Result<ApiResponse, ApiError> {
    Err(not_emulated("FetchXML queries"))
}
