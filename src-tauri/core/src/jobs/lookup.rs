//! Asking Dynamics about records a job wrote: which of Ferry's chosen ids it already has (the
//! check that keeps a create from being written twice when an earlier answer was lost), and
//! which record each upserted key became (for receipts).

use crate::dataverse::batch::{self, BatchOp};
use crate::dataverse::client::{DataverseClient, Request};
use crate::dataverse::keys::{encode_query, KeyValue, RowRef};
use crate::dataverse::rows::TableRef;
use crate::dataverse::DataverseError;
use reqwest::Method;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Ids asked about per request: about 3 KB of URL, well inside what Dataverse accepts.
const PER_REQUEST: usize = 50;

/// The ids among `ids` that name a record of `table` (lower-case).
pub(super) async fn existing(
    client: &DataverseClient,
    table: &TableRef,
    ids: &[String],
) -> Result<HashSet<String>, DataverseError> {
    let mut found = HashSet::new();
    for group in ids.chunks(PER_REQUEST) {
        let filter = group
            .iter()
            .map(|id| format!("{} eq {}", table.primary_id, id))
            .collect::<Vec<_>>()
            .join(" or ");
        let path = format!(
            "{}?$select={}&$filter={}",
            table.entity_set,
            table.primary_id,
            encode_query(&filter)
        );
        let r = client.send(&Request::new(Method::GET, path)).await?;
        let body: Value = r.json()?;
        for row in body["value"].as_array().into_iter().flatten() {
            if let Some(id) = row[&table.primary_id].as_str() {
                found.insert(id.to_ascii_lowercase());
            }
        }
    }
    Ok(found)
}

/// The ids of the records `keys` name now, by key label (lower-case; see `feed::key_label`),
/// in one request: a `$batch` holding one GET, so a chunk's worth of keys never meets a URL
/// limit. Bulk upserts do not say which record each row became, or whether they made it
/// (`UpsertMultiple` answers 204), so receipts ask before (what existed) and after (the ids of
/// what was made).
pub(super) async fn by_keys(
    client: &DataverseClient,
    table: &TableRef,
    keys: &[&RowRef],
) -> Result<HashMap<String, String>, DataverseError> {
    let Some(columns) = key_columns(keys) else {
        return Ok(HashMap::new());
    };
    let filter = if let [only] = columns.as_slice() {
        let values: Vec<String> = keys
            .iter()
            .filter_map(|k| match k {
                RowRef::Key(cols) => cols.first().map(|(_, v)| quoted(v)),
                RowRef::Id(_) => None,
            })
            .collect();
        format!(
            "Microsoft.Dynamics.CRM.In(PropertyName='{only}',PropertyValues=[{}])",
            values.join(",")
        )
    } else {
        keys.iter()
            .filter_map(|k| match k {
                RowRef::Key(cols) => Some(format!(
                    "({})",
                    cols.iter()
                        .map(|(c, v)| format!("{c} eq {}", v.literal()))
                        .collect::<Vec<_>>()
                        .join(" and ")
                )),
                RowRef::Id(_) => None,
            })
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let mut select = vec![
        table.primary_id.clone(),
        "createdon".into(),
        "modifiedon".into(),
    ];
    select.extend(columns.iter().filter(|c| **c != table.primary_id).cloned());
    let path = format!(
        "{}?$select={}&$filter={}",
        table.entity_set,
        select.join(","),
        encode_query(&filter)
    );
    let op = BatchOp::from(Request::new(Method::GET, path));
    let parts = batch::execute(client, &[op]).await?;
    let Some(part) = parts.first().filter(|p| (200..300).contains(&p.status)) else {
        return Ok(HashMap::new());
    };
    let body: Value = serde_json::from_slice(&part.body).unwrap_or(Value::Null);
    let mut out = HashMap::new();
    for row in body["value"].as_array().into_iter().flatten() {
        let Some(id) = row[&table.primary_id].as_str() else {
            continue;
        };
        let key = RowRef::Key(
            columns
                .iter()
                .map(|c| (c.clone(), key_value(&row[c])))
                .collect(),
        );
        out.insert(
            super::feed::key_label(&key, &table.primary_id).to_lowercase(),
            id.to_ascii_lowercase(),
        );
    }
    Ok(out)
}

/// The key's columns, when every key names the same ones.
fn key_columns(keys: &[&RowRef]) -> Option<Vec<String>> {
    let cols = |k: &RowRef| match k {
        RowRef::Key(cols) => cols.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>(),
        RowRef::Id(_) => Vec::new(),
    };
    let first = cols(keys.first()?);
    (!first.is_empty() && keys.iter().all(|k| cols(k) == first)).then_some(first)
}

/// A key value as `PropertyValues` takes it: always a quoted string.
fn quoted(v: &KeyValue) -> String {
    match v {
        KeyValue::Text(_) => v.literal(),
        other => format!("'{}'", other.literal()),
    }
}

/// A key column's value as Dataverse returned it, typed as the key builds it.
fn key_value(v: &Value) -> KeyValue {
    match v {
        Value::String(s) => KeyValue::Text(s.clone()),
        Value::Number(n) if n.is_i64() => KeyValue::Integer(n.as_i64().unwrap_or_default()),
        Value::Number(n) => KeyValue::Decimal(n.to_string()),
        other => KeyValue::Text(other.to_string()),
    }
}
