//! The bulk messages bound to an entity set: `CreateMultiple`, `UpdateMultiple` and
//! `UpsertMultiple`, all-or-nothing as on Dataverse's standard tables.
//!
//! Each item goes through the same `records::write` as a single request, inside the one
//! transaction the caller opened, so one bad item rolls back every item. Elastic-table
//! behaviour (partial success, `DeleteMultiple`) is deliberately not emulated.

use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::odata::{self, Addr};
use crate::records::{self, Mode, Work};
use crate::schema::Table;
use crate::service::Ctx;
use crate::store::Tx;
use serde_json::{json, Value};

/// Answers `POST {set}/Microsoft.Dynamics.CRM.{action}`; returns the response and the rows it
/// created and updated.
pub fn execute(
    ctx: &Ctx,
    tx: &mut Tx,
    req: &ApiRequest,
    table: &Table,
    segment: &str,
) -> Result<(ApiResponse, Work), ApiError> {
    let action = segment
        .strip_prefix("Microsoft.Dynamics.CRM.")
        .or_else(|| segment.strip_prefix("mscrm."))
        .ok_or_else(|| ApiError::no_route(segment))?;
    if !matches!(
        action,
        "CreateMultiple" | "UpdateMultiple" | "UpsertMultiple"
    ) {
        return Err(ApiError::no_route(segment));
    }
    if !table.supports_bulk(action) {
        return Err(ApiError::new(
            400,
            "0x80040800",
            format!(
                "The '{action}' message is not supported on entity '{}'.",
                table.logical_name
            ),
        ));
    }
    let body = req.json()?;
    let targets = body["Targets"].as_array().ok_or_else(|| {
        ApiError::bad_request(format!(
            "The parameter 'Targets' of the '{action}' action is missing or is not an array."
        ))
    })?;
    let expected_type = format!("Microsoft.Dynamics.CRM.{}", table.logical_name);
    let mut ids = Vec::with_capacity(targets.len());
    let mut work = Work::NONE;
    for (index, item) in targets.iter().enumerate() {
        let odata_type = item.get("@odata.type").and_then(Value::as_str);
        if odata_type != Some(expected_type.as_str()) {
            return Err(ApiError::bad_request(format!(
                "Item {index} of Targets must carry \"@odata.type\": \"{expected_type}\"; it has {}.",
                odata_type.map(|t| format!("'{t}'")).unwrap_or_else(|| "none".into())
            )));
        }
        let written = match action {
            "CreateMultiple" => records::write(ctx, tx, table, None, item, Mode::Create, None)?,
            "UpdateMultiple" => {
                let id = item_id(table, item).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "Item {index} of Targets has no '{}' value to update.",
                        table.primary_id
                    ))
                })?;
                let addr = Addr::Id(id.clone());
                records::write(ctx, tx, table, Some(&addr), item, Mode::UpdateOnly, None).map_err(
                    |e| {
                        if e.status == 404 {
                            ApiError::new(
                                404,
                                "0x80040217",
                                format!("{} With Ids = {id} Do Not Exist", table.schema_name),
                            )
                        } else {
                            e
                        }
                    },
                )?
            }
            _ => {
                let addr = match item.get("@odata.id").and_then(Value::as_str) {
                    Some(path) => Some(key_from_odata_id(ctx, table, path)?),
                    None => item_id(table, item).map(Addr::Id),
                };
                match addr {
                    Some(a) => records::write(ctx, tx, table, Some(&a), item, Mode::Upsert, None)?,
                    None => records::write(ctx, tx, table, None, item, Mode::Create, None)?,
                }
            }
        };
        if written.created {
            work.bulk_created += 1;
        } else {
            work.bulk_updated += 1;
        }
        ids.push(written.id);
    }
    if action == "CreateMultiple" {
        let body = json!({
            "@odata.context": format!("{}/$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse", ctx.api_base()),
            "Ids": ids,
        });
        return Ok((ApiResponse::json(200, &body), work));
    }
    Ok((ApiResponse::empty(204), work))
}

fn item_id(table: &Table, item: &Value) -> Option<String> {
    item.get(&table.primary_id)
        .and_then(Value::as_str)
        .and_then(|s| uuid::Uuid::parse_str(s).ok())
        .map(|u| u.to_string())
}

/// Reads `"@odata.id": "contacts(emailaddress1='a')"` (relative or absolute) into an address.
fn key_from_odata_id(ctx: &Ctx, table: &Table, path: &str) -> Result<Addr, ApiError> {
    let seg = odata::record_segment(path);
    let (set, raw) = odata::split_key(&seg)?;
    let same_table = ctx
        .svc
        .schema
        .table_by_set(set)
        .map(|t| t.logical_name == table.logical_name);
    match (raw, same_table) {
        (Some(raw), Some(true)) => odata::resolve_key(table, &raw),
        _ => Err(ApiError::bad_request(format!(
            "The '@odata.id' value '{path}' does not address a row of '{}'.",
            table.entity_set
        ))),
    }
}
