//! Reading rows: one row by id or key, lists with simple filters, collection-valued
//! navigation, and the JSON shape Dataverse returns (context, ETag, `$select`).
//!
//! Reads never write. Lists and their query options are `query`'s; this module shapes one
//! record the way Dataverse returns it.

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
    if single {
        let cols = match select {
            Some(s) => format!("({})", s.join(",")),
            None => String::new(),
        };
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
    let mut put = |prop: String| {
        let v = row.get(&prop).cloned().unwrap_or(Value::Null);
        out.insert(prop, v);
    };
    match select {
        // NOTE: walk the selected names, not every column: a CDM table has hundreds of
        // columns, and a page has thousands of rows.
        Some(s) => {
            put(table.primary_id.clone());
            for name in s {
                // NOTE: a lookup may be selected as `_name_value`; read the name out of it
                // rather than build every column's property name for every row.
                let col = table.column(name).or_else(|| {
                    name.strip_prefix('_')
                        .and_then(|n| n.strip_suffix("_value"))
                        .and_then(|n| table.column(n))
                        .filter(|c| c.kind.is_lookup())
                });
                if let Some(col) = col {
                    put(col.property_name());
                }
            }
        }
        None => {
            for col in &table.columns {
                put(col.property_name());
            }
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
    let mut body = representation(ctx, table, v, &row, select.as_deref(), true);
    crate::query::expand_one(ctx, tx, req, table, v, &row, &mut body)?;
    let mut resp =
        ApiResponse::json(200, &Value::Object(body)).with_header("ETag", format!("W/\"{v}\""));
    if let Some(a) = crate::query::Annotations::of(req).applied() {
        resp = resp.with_header("Preference-Applied", a);
    }
    Ok(resp)
}

/// Lists rows: the full query grammar lives in `query`.
pub fn list(
    ctx: &Ctx,
    tx: &Tx,
    req: &ApiRequest,
    table: &Table,
    parent: Option<(String, String)>,
) -> Result<ApiResponse, ApiError> {
    crate::query::list(ctx, tx, req, table, parent)
}
