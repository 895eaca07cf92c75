//! Single-row writes: create, update, upsert, create-only and delete, plus a read-back.
//!
//! Each maps to one Web API request with Dataverse's conditional headers: update is `PATCH`
//! with `If-Match: *` (never creates), create-only is `PATCH` with `If-None-Match: *` (never
//! updates), upsert is a plain `PATCH`. Lookups are set with [`bind`]. Bulk sending lives in
//! [`super::bulk`].

use super::client::{DataverseClient, Request, Response};
use super::error::{DataverseError, Result};
use super::keys::RowRef;
use reqwest::Method;
use serde_json::{Map, Value};

/// How one write is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    /// `POST` to the entity set.
    Create,
    /// `PATCH` with `If-Match: *`: 404 when the row is missing.
    Update,
    /// `PATCH`: update when the row exists, create otherwise.
    Upsert,
    /// `PATCH` with `If-None-Match: *`: 412 when the row exists.
    CreateOnly,
    /// `DELETE`.
    Delete,
}

/// Adds `"<nav>@odata.bind": "/set(key)"` to `record`, pointing lookup `nav` at a row.
///
/// `nav` is the single-valued navigation property (case-sensitive; see
/// [`super::metadata::Lookup::navigation_property`]), not the column name.
pub fn bind(record: &mut Map<String, Value>, nav: &str, target_set: &str, target: &RowRef) {
    record.insert(
        format!("{nav}@odata.bind"),
        Value::String(target.bind(target_set)),
    );
}

/// The request for one write; `row` is required except for `Create`.
pub fn write_request(
    kind: WriteKind,
    entity_set: &str,
    row: Option<&RowRef>,
    record: &Map<String, Value>,
) -> Result<Request> {
    let path = match (kind, row) {
        (WriteKind::Create, _) => entity_set.to_string(),
        (_, Some(r)) => {
            r.check().map_err(DataverseError::InvalidRow)?;
            r.path(entity_set)
        }
        (_, None) => {
            return Err(DataverseError::InvalidRow(
                "This write needs the row's id or alternate key.".into(),
            ))
        }
    };
    let body = Value::Object(record.clone());
    Ok(match kind {
        WriteKind::Create => Request::new(Method::POST, path).json(&body),
        WriteKind::Update => Request::new(Method::PATCH, path)
            .header("If-Match", "*")
            .json(&body),
        WriteKind::Upsert => Request::new(Method::PATCH, path).json(&body),
        WriteKind::CreateOnly => Request::new(Method::PATCH, path)
            .header("If-None-Match", "*")
            .json(&body),
        WriteKind::Delete => Request::new(Method::DELETE, path),
    })
}

/// The id in an `OData-EntityId` header, when it names one (`…/set(<guid>)`).
pub fn entity_id(r: &Response) -> Option<String> {
    let h = r.header("odata-entityid")?;
    let inner = h.rsplit_once('(')?.1.strip_suffix(')')?;
    super::keys::is_guid(inner).then(|| inner.to_ascii_lowercase())
}

/// Applies one write; returns the row's id when Dataverse reports it.
pub async fn write(
    client: &DataverseClient,
    kind: WriteKind,
    entity_set: &str,
    row: Option<&RowRef>,
    record: &Map<String, Value>,
) -> Result<Option<String>> {
    let r = client
        .send(&write_request(kind, entity_set, row, record)?)
        .await?;
    Ok(entity_id(&r))
}

/// Reads one row (selected columns, or all with an empty `select`); `None` when it is missing.
pub async fn read(
    client: &DataverseClient,
    entity_set: &str,
    row: &RowRef,
    select: &[&str],
) -> Result<Option<Map<String, Value>>> {
    row.check().map_err(DataverseError::InvalidRow)?;
    let mut path = row.path(entity_set);
    if !select.is_empty() {
        path.push_str(&format!("?$select={}", select.join(",")));
    }
    match client.send(&Request::new(Method::GET, path)).await {
        Ok(r) => r.json().map(Some),
        Err(DataverseError::Api(e)) if e.status == 404 => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditional_headers_follow_the_write_kind() {
        let row = RowRef::text_key("emailaddress1", "a@b.example");
        let rec = Map::new();
        let h = |k| {
            let r = write_request(k, "contacts", Some(&row), &rec).unwrap();
            (r.method.to_string(), r.headers)
        };
        assert_eq!(
            h(WriteKind::Update).1,
            vec![("If-Match".to_string(), "*".to_string())],
            "update never creates"
        );
        assert_eq!(
            h(WriteKind::CreateOnly).1,
            vec![("If-None-Match".to_string(), "*".to_string())],
            "create-only never updates"
        );
        assert!(h(WriteKind::Upsert).1.is_empty(), "upsert is a bare PATCH");
        assert_eq!(h(WriteKind::Delete).0, "DELETE", "delete is DELETE");
        let create = write_request(WriteKind::Create, "contacts", None, &rec).unwrap();
        assert_eq!(create.path, "contacts", "create posts to the entity set");
        assert!(
            write_request(WriteKind::Update, "contacts", None, &rec).is_err(),
            "an update without a row is refused"
        );
    }

    #[test]
    fn lookups_bind_through_their_navigation_property() {
        let mut rec = Map::new();
        bind(
            &mut rec,
            "parentcustomerid_account",
            "accounts",
            &RowRef::text_key("accountnumber", "O'Neil 1"),
        );
        assert_eq!(
            rec["parentcustomerid_account@odata.bind"], "/accounts(accountnumber='O''Neil%201')",
            "bind by alternate key, quoted and encoded"
        );
    }
}
