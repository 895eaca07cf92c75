//! The sandbox's own request and response values, independent of hyper.
//!
//! `$batch` parts are parsed into the same [`ApiRequest`] as top-level requests and answered by
//! the same handlers, so a record operation behaves identically inside and outside a batch.
//! This is not an HTTP implementation: hyper owns the wire.

use bytes::Bytes;
use serde_json::{json, Value};
use std::sync::OnceLock;

/// One request, top-level or a `$batch` part.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// Upper-case method, e.g. `PATCH`.
    pub method: String,
    /// The path, still percent-encoded, e.g. `/api/data/v9.2/contacts(emailaddress1='a%40b')`.
    pub path: String,
    /// The raw query string without `?`, possibly empty.
    pub query: String,
    /// Headers with lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
    /// The body parsed as JSON, filled on first use.
    parsed: OnceLock<Result<Value, String>>,
}

impl ApiRequest {
    /// A request from its parts.
    pub fn new(
        method: String,
        path: String,
        query: String,
        headers: Vec<(String, String)>,
        body: Bytes,
    ) -> Self {
        Self {
            method,
            path,
            query,
            headers,
            body,
            parsed: OnceLock::new(),
        }
    }

    /// Replaces the body (and forgets any parsed form of the old one).
    pub fn set_body(&mut self, body: Bytes) {
        self.body = body;
        self.parsed = OnceLock::new();
    }

    /// The body as JSON, parsed once; malformed JSON, or an object that names a property
    /// twice, is Dataverse's 400.
    pub fn json(&self) -> Result<&Value, ApiError> {
        self.parsed
            .get_or_init(|| strict_json(&self.body))
            .as_ref()
            .map_err(|e| ApiError::bad_request(e.clone()))
    }

    /// The first value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Decoded query parameters in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// One decoded query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// Whether `Prefer` asks for `value` (e.g. `return=representation`).
    pub fn prefers(&self, value: &str) -> bool {
        self.headers.iter().any(|(k, v)| {
            k == "prefer" && v.split(',').any(|p| p.trim().eq_ignore_ascii_case(value))
        })
    }
}

/// Parses `body` as JSON like `serde_json::from_slice`, but refuses an object that names a
/// property twice (serde_json would keep the last value), with the message Dataverse's OData
/// reader gives. The check is the map insert serde_json does anyway, so it costs nothing extra.
fn strict_json(body: &[u8]) -> Result<Value, String> {
    use serde::de::DeserializeSeed;
    let duplicate = std::cell::RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(body);
    let parsed = StrictSeed(&duplicate)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    parsed.map_err(|e| match duplicate.into_inner() {
        // NOTE: the text of Microsoft.OData's DuplicatePropertyNamesNotAllowed, wrapped the way
        // Dataverse wraps its other body errors.
        Some(name) => format!(
            "An error occurred while validating input parameters: Microsoft.OData.ODataException: \
             Multiple properties with the name '{name}' were detected in a resource or a complex \
             value. In OData, duplicate property names are not allowed."
        ),
        None => format!(
            "An error occurred while validating input parameters: Microsoft.OData.ODataException: Invalid JSON. {e}"
        ),
    })
}

/// Deserializes one JSON value, noting the first property name an object repeats.
#[derive(Clone, Copy)]
struct StrictSeed<'a>(&'a std::cell::RefCell<Option<String>>);

impl<'de> serde::de::DeserializeSeed<'de> for StrictSeed<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for StrictSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(v) = seq.next_element_seed(self)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(self)?;
            if let Some(key) = insert_new(&mut out, key, value) {
                *self.0.borrow_mut() = Some(key);
                return Err(serde::de::Error::custom("duplicate property"));
            }
        }
        Ok(Value::Object(out))
    }
}

/// Inserts `key` unless present; returns the key when it was a duplicate.
fn insert_new(
    map: &mut serde_json::Map<String, Value>,
    key: String,
    value: Value,
) -> Option<String> {
    use serde_json::map::Entry;
    match map.entry(key) {
        Entry::Vacant(e) => {
            e.insert(value);
            None
        }
        Entry::Occupied(e) => Some(e.key().clone()),
    }
}

/// One response, top-level or a `$batch` part.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers in the order they are written.
    pub headers: Vec<(String, String)>,
    /// The body (empty for 204).
    pub body: Bytes,
}

impl ApiResponse {
    /// A bodiless response.
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: vec![("OData-Version".into(), "4.0".into())],
            body: Bytes::new(),
        }
    }

    /// A JSON response with OData headers.
    pub fn json(status: u16, value: &Value) -> Self {
        let body = serde_json::to_vec(value).unwrap_or_default();
        Self {
            status,
            headers: vec![
                (
                    "Content-Type".into(),
                    "application/json; odata.metadata=minimal".into(),
                ),
                ("OData-Version".into(), "4.0".into()),
            ],
            body: Bytes::from(body),
        }
    }

    /// A response with a plain body and content type, for non-OData endpoints.
    pub fn raw(status: u16, content_type: &str, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// Adds a header and returns the response.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A Dataverse-shaped error: HTTP status plus the OData `{"error":{code,message}}` body.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Dataverse error code such as `0x80044331`; often empty or `0x0` for OData errors.
    pub code: String,
    /// The message, worded as Dataverse words it.
    pub message: String,
    /// Extra headers, e.g. `Retry-After` on 429.
    pub headers: Vec<(String, String)>,
}

impl ApiError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            headers: Vec::new(),
        }
    }

    /// 400 with an OData-level code (`0x0`), as malformed requests get.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "0x0", message)
    }

    /// 404 for a path that names nothing.
    pub fn no_route(path: &str) -> Self {
        Self::new(
            404,
            "0x8006088a",
            format!("Resource not found for the segment '{path}'."),
        )
    }

    /// The record addressed by id does not exist.
    pub fn record_not_found(table: &str, id: &str) -> Self {
        Self::new(
            404,
            "0x80040217",
            format!("{table} With Id = {id} Does Not Exist"),
        )
    }

    /// The record addressed by alternate key does not exist.
    pub fn key_not_found(table: &str) -> Self {
        Self::new(
            404,
            "0x80040217",
            format!("A record with the specified key values does not exist in {table} entity"),
        )
    }

    /// Renders the error as a response.
    pub fn to_response(&self) -> ApiResponse {
        let mut r = ApiResponse::json(
            self.status,
            &json!({"error": {"code": self.code, "message": self.message}}),
        );
        r.headers.extend(self.headers.iter().cloned());
        r
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        Self::new(
            500,
            "0x80040216",
            format!("An unexpected error occurred: {e}"),
        )
    }
}

/// The reason phrase for a status, as written in `$batch` part status lines.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_json_reads_what_serde_json_reads() {
        let text =
            br#"{"a":[1,-2,3.25,1e3,true,null,"x\u00e9"],"b":{"c":{}},"d":18446744073709551615}"#;
        let strict = strict_json(text).expect("valid JSON parses");
        let plain: Value = serde_json::from_slice(text).expect("valid JSON parses");
        assert_eq!(strict, plain, "the same value as serde_json's");
    }

    #[test]
    fn a_repeated_property_is_refused_at_any_depth() {
        for text in [
            &br#"{"firstname":"a","firstname":"b"}"#[..],
            br#"{"Targets":[{"x":1},{"firstname":1,"y":2,"firstname":3}]}"#,
        ] {
            let e = strict_json(text).expect_err("a duplicate is refused");
            assert!(
                e.contains("Multiple properties with the name 'firstname'"),
                "the OData duplicate-property message: {e}"
            );
        }
        let e = strict_json(b"{\"a\":1").expect_err("truncated JSON is refused");
        assert!(
            e.contains("Invalid JSON"),
            "truncation is not a duplicate: {e}"
        );
        let e = strict_json(b"{\"a\":1} x").expect_err("trailing text is refused");
        assert!(e.contains("Invalid JSON"), "trailing text: {e}");
    }
}
