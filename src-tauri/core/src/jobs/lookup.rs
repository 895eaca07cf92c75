//! Finding which of Ferry's chosen record ids Dynamics already has: the check that keeps a
//! create from being written twice when an earlier attempt's answer was lost.

use crate::dataverse::client::{DataverseClient, Request};
use crate::dataverse::keys::encode_query;
use crate::dataverse::rows::TableRef;
use crate::dataverse::DataverseError;
use reqwest::Method;
use serde_json::Value;
use std::collections::HashSet;

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
