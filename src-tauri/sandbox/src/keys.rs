//! Alternate keys and lookups: keeping the key index in step with rows, and resolving
//! `@odata.bind` targets (by GUID or alternate key, relative or absolute URL) to row ids.
//!
//! Uniqueness is enforced here with Dataverse's DuplicateRecordEntityKey error; values compare
//! case-insensitively like SQL Server's default collation. It does not parse bodies.

use crate::http::ApiError;
use crate::odata;
use crate::records::{existing_id, not_found};
use crate::schema::Table;
use crate::service::Ctx;
use crate::store::Tx;
use serde_json::{Map, Value};

/// Canonical values of each alternate key for `row` (None where a key column is empty).
pub fn key_values(table: &Table, row: &Map<String, Value>) -> Vec<Option<String>> {
    table
        .keys
        .iter()
        .map(|k| {
            let vals: Vec<&Value> = k
                .columns
                .iter()
                .map(|c| row.get(c).unwrap_or(&Value::Null))
                .collect();
            odata::canonical(&vals)
        })
        .collect()
}

/// Moves the key-index rows of record `id` from `old` to `row`'s values, refusing a value
/// another record holds (`known_free` names a key just looked up and found free).
pub fn update_keys(
    tx: &Tx,
    table: &Table,
    id: &str,
    old: &[Option<String>],
    row: &Map<String, Value>,
    known_free: Option<(&str, &str)>,
) -> Result<(), ApiError> {
    let new = key_values(table, row);
    for ((key, old), new) in table.keys.iter().zip(old).zip(&new) {
        if old == new {
            continue;
        }
        let free = known_free == Some((key.logical_name.as_str(), new.as_deref().unwrap_or("")));
        if let Some(new) = new.as_ref().filter(|_| !free) {
            if let Some(other) = tx.find_key(&table.logical_name, &key.logical_name, new)? {
                if other != id {
                    let shown: Vec<String> = key
                        .columns
                        .iter()
                        .map(|c| {
                            row.get(c)
                                .map(|v| {
                                    v.as_str()
                                        .map(str::to_string)
                                        .unwrap_or_else(|| v.to_string())
                                })
                                .unwrap_or_default()
                        })
                        .collect();
                    return Err(ApiError::new(412, "0x80060892", format!(
                        "A record that has the attribute values {} already exists. The entity key {} requires that this set of attributes contains unique values. Select unique values and try again.",
                        shown.join(", "), key.logical_name
                    )));
                }
            }
        }
        if let Some(old) = old {
            tx.remove_key(&table.logical_name, &key.logical_name, old)?;
        }
        if let Some(new) = new {
            tx.set_key(&table.logical_name, &key.logical_name, new, id)?;
        }
    }
    Ok(())
}

/// Resolves an `@odata.bind` path (relative, absolute, GUID or alternate key) to a row id.
pub fn resolve_ref(ctx: &Ctx, tx: &Tx, expected: &str, path: &str) -> Result<String, ApiError> {
    let seg = odata::record_segment(path);
    let bad = || {
        ApiError::bad_request(format!(
            "The URI '{path}' in an @odata.bind annotation does not address a record."
        ))
    };
    let (set, raw) = odata::split_key(&seg)?;
    let raw = raw.ok_or_else(bad)?;
    let target = ctx.svc.schema.table_by_set(set).ok_or_else(bad)?;
    if target.logical_name != expected {
        return Err(ApiError::bad_request(format!(
            "The entity set '{set}' does not match the navigation property's target '{expected}'."
        )));
    }
    let addr = odata::resolve_key(target, &raw)?;
    existing_id(tx, target, &addr)?.ok_or_else(|| not_found(target, &addr))
}
