//! Reading rows: one row by id or key, lists with simple filters, collection-valued
//! navigation, and the JSON shape Dataverse returns (context, ETag, `$select`).
//!
//! Reads never write. Only what writing clients use to check their work is supported: `$select`,
//! `$top` and `$filter` of `column eq value` clauses joined by `and`; no `$expand`, `$orderby`
//! or paging links.

use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::odata::{self, Addr};
use crate::records::{existing_id, not_found};
use crate::schema::Table;
use crate::service::Ctx;
use crate::store::Tx;
use serde_json::{json, Map, Value};

/// The JSON a read returns: context, ETag and columns (all, or `$select`ed plus the key).
pub fn representation(
    ctx: &Ctx,
    table: &Table,
    version: u64,
    row: &Map<String, Value>,
    select: Option<&[String]>,
    single: bool,
) -> Map<String, Value> {
    let mut out = Map::new();
    let cols = match select {
        Some(s) => format!("({})", s.join(",")),
        None => String::new(),
    };
    if single {
        out.insert(
            "@odata.context".into(),
            json!(format!(
                "{}/$metadata#{}{cols}/$entity",
                ctx.api_base(),
                table.entity_set
            )),
        );
    }
    out.insert("@odata.etag".into(), json!(format!("W/\"{version}\"")));
    for col in &table.columns {
        let prop = col.property_name();
        let wanted = match select {
            Some(s) => {
                s.iter().any(|n| *n == prop || *n == col.logical_name)
                    || col.logical_name == table.primary_id
            }
            None => true,
        };
        if wanted {
            out.insert(prop.clone(), row.get(&prop).cloned().unwrap_or(Value::Null));
        }
    }
    out
}

pub fn read(
    ctx: &Ctx,
    tx: &Tx,
    req: &ApiRequest,
    table: &Table,
    addr: &Addr,
) -> Result<ApiResponse, ApiError> {
    let select = odata::select(table, req.query_param("$select").as_deref())?;
    let id = existing_id(tx, table, addr)?.ok_or_else(|| not_found(table, addr))?;
    let (v, row) = tx
        .get(&table.logical_name, &id)?
        .ok_or_else(|| not_found(table, addr))?;
    let body = representation(ctx, table, v, &row, select.as_deref(), true);
    Ok(ApiResponse::json(200, &Value::Object(body)).with_header("ETag", format!("W/\"{v}\"")))
}

/// Lists rows, with `$select`, `$top` and `$filter` of `col eq literal` joined by `and`.
pub fn list(
    ctx: &Ctx,
    tx: &Tx,
    req: &ApiRequest,
    table: &Table,
    parent: Option<(String, String)>,
) -> Result<ApiResponse, ApiError> {
    let select = odata::select(table, req.query_param("$select").as_deref())?;
    let top = match req.query_param("$top") {
        Some(t) => t.parse::<usize>().map_err(|_| {
            ApiError::bad_request(format!("Invalid value '{t}' for $top query option found."))
        })?,
        None => 5000,
    };
    let mut filters = Vec::new();
    if let Some((prop, id)) = parent {
        filters.push((prop, odata::canonical(&[&Value::String(id)])));
    }
    if let Some(f) = req.query_param("$filter") {
        for clause in f.split(" and ") {
            let mut parts = clause.trim().splitn(3, ' ');
            let (Some(col), Some("eq"), Some(lit)) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(ApiError::bad_request(format!("The Ferry sandbox only supports '$filter=column eq value' clauses joined by 'and', not '{clause}'.")));
            };
            if odata::select(table, Some(col)).is_err() {
                return Err(ApiError::bad_request(format!(
                    "Could not find a property named '{col}' on type 'Microsoft.Dynamics.CRM.{}'.",
                    table.logical_name
                )));
            }
            filters.push((col.to_string(), odata::canonical(&[&odata::literal(lit)?])));
        }
    }
    let rows = tx.list(&table.logical_name, usize::MAX >> 1)?;
    let value: Vec<Value> = rows
        .iter()
        .filter(|(_, row)| {
            filters
                .iter()
                .all(|(c, want)| odata::canonical(&[row.get(c).unwrap_or(&Value::Null)]) == *want)
        })
        .take(top)
        .map(|(v, row)| {
            Value::Object(representation(
                ctx,
                table,
                *v,
                row,
                select.as_deref(),
                false,
            ))
        })
        .collect();
    let cols = select
        .map(|s| format!("({})", s.join(",")))
        .unwrap_or_default();
    Ok(ApiResponse::json(
        200,
        &json!({
            "@odata.context": format!("{}/$metadata#{}{cols}", ctx.api_base(), table.entity_set),
            "value": value,
        }),
    ))
}
