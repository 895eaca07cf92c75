//! Reading Web API resource paths: entity sets, key segments, bound actions and `$select`.
//!
//! Parses just the OData URL grammar Ferry and the peer clients send (keys by GUID, by named
//! primary key or by alternate key with quoted or numeric values, `Microsoft.Dynamics.CRM.*`
//! actions), refuses alternate-key values Dataverse cannot address in a URL, and knows which
//! operations are functions (GET only) and which are actions (POST only). It is not a general
//! OData parser: no `$expand` on records, no function parameters beyond `AccessType`.

use crate::http::ApiError;
use crate::schema::Table;
use percent_encoding::percent_decode_str;

/// How a record is addressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addr {
    /// By primary key GUID (lower-case).
    Id(String),
    /// By alternate key: its logical name, canonical value and the column values to copy on
    /// create.
    Key {
        /// Key logical name.
        name: String,
        /// Canonical value used in the key index.
        canonical: String,
        /// Column name and JSON value pairs from the URL.
        values: Vec<(String, serde_json::Value)>,
    },
}

/// A key segment as written, before it is matched against the table's keys.
#[derive(Debug, Clone, PartialEq)]
pub enum RawKey {
    /// `(guid)`.
    Bare(String),
    /// `(name=value,...)`.
    Named(Vec<(String, serde_json::Value)>),
}

/// Splits a path on `/`, but not inside quoted key values, then percent-decodes each segment.
pub fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in path.chars() {
        match ch {
            '\'' => {
                quoted = !quoted;
                cur.push(ch);
            }
            '/' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(ch),
        }
    }
    out.push(cur);
    out.into_iter()
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode_str(&s).decode_utf8_lossy().into_owned())
        .collect()
}

/// The decoded `set(key)` segment of a record URL given absolute (`https://…/api/data/v9.2/…`),
/// root-relative (`/contacts(…)`) or relative (`contacts(…)`), as `@odata.bind` and
/// `@odata.id` values come.
pub fn record_segment(url: &str) -> String {
    let rel = match url.find("/api/data/v") {
        Some(i) => url[i + 11..].split_once('/').map(|(_, r)| r).unwrap_or(""),
        None => url.trim_start_matches('/'),
    };
    percent_decode_str(rel).decode_utf8_lossy().into_owned()
}

/// Splits `contacts(emailaddress1='a')` into `contacts` and the parsed key.
pub fn split_key(segment: &str) -> Result<(&str, Option<RawKey>), ApiError> {
    let Some(open) = segment.find('(') else {
        return Ok((segment, None));
    };
    let name = &segment[..open];
    let inner = segment[open + 1..].strip_suffix(')').ok_or_else(|| {
        ApiError::bad_request(format!("Bad Request - Error in query syntax: '{segment}'."))
    })?;
    if inner.is_empty() {
        // NOTE: `WhoAmI()` style function calls have empty parentheses.
        return Ok((name, Some(RawKey::Named(Vec::new()))));
    }
    if !inner.contains('=') {
        return Ok((name, Some(RawKey::Bare(inner.trim().to_string()))));
    }
    let mut pairs = Vec::new();
    for part in split_top_level(inner) {
        let (k, v) = part.split_once('=').ok_or_else(|| {
            ApiError::bad_request(format!("Bad Request - Error in query syntax: '{segment}'."))
        })?;
        pairs.push((k.trim().to_string(), literal(v.trim())?));
    }
    Ok((name, Some(RawKey::Named(pairs))))
}

/// Splits `a='x,y',b=2` on commas outside quotes.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, ch) in s.char_indices() {
        match ch {
            '\'' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// An OData literal: `'text'` (with `''` for a quote), `null`, a number or a bare GUID.
pub fn literal(v: &str) -> Result<serde_json::Value, ApiError> {
    use serde_json::Value;
    if let Some(inner) = v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return Ok(Value::String(inner.replace("''", "'")));
    }
    match v {
        "null" => return Ok(Value::Null),
        "true" => return Ok(Value::Bool(true)),
        "false" => return Ok(Value::Bool(false)),
        _ => {}
    }
    if uuid::Uuid::parse_str(v).is_ok() {
        return Ok(Value::String(v.to_ascii_lowercase()));
    }
    serde_json::from_str::<serde_json::Number>(v)
        .map(Value::Number)
        .map_err(|_| {
            ApiError::bad_request(format!("Unrecognized literal '{v}' in the request URI."))
        })
}

/// The canonical key-index value for column values; text compares case-insensitively, as
/// Dataverse's SQL collation does.
pub fn canonical(values: &[&serde_json::Value]) -> Option<String> {
    let parts: Option<Vec<String>> = values
        .iter()
        .map(|v| match v {
            serde_json::Value::String(s) => Some(s.to_lowercase()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        })
        .collect();
    parts.map(|p| serde_json::to_string(&p).unwrap_or_default())
}

/// Matches a raw key against `table`: its primary key or one of its alternate keys.
pub fn resolve_key(table: &Table, raw: &RawKey) -> Result<Addr, ApiError> {
    let invalid = || {
        ApiError::bad_request(format!(
            "The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.{0}'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource 'Microsoft.Dynamics.CRM.{0}'.",
            table.logical_name
        ))
    };
    let guid = |s: &str| {
        uuid::Uuid::parse_str(s)
            .map(|u| u.to_string())
            .map_err(|_| {
                ApiError::bad_request(format!(
                    "Unrecognized 'Edm.Guid' literal '{s}' at '0' in '{s}'."
                ))
            })
    };
    match raw {
        RawKey::Bare(s) => Ok(Addr::Id(guid(s)?)),
        RawKey::Named(pairs) if pairs.len() == 1 && pairs[0].0 == table.primary_id => {
            Ok(Addr::Id(guid(pairs[0].1.as_str().unwrap_or_default())?))
        }
        RawKey::Named(pairs) => {
            let key = table
                .keys
                .iter()
                .find(|k| {
                    k.columns.len() == pairs.len()
                        && k.columns.iter().all(|c| pairs.iter().any(|(n, _)| n == c))
                })
                .ok_or_else(invalid)?;
            let ordered: Vec<&serde_json::Value> = key
                .columns
                .iter()
                .filter_map(|c| pairs.iter().find(|(n, _)| n == c).map(|(_, v)| v))
                .collect();
            if ordered
                .iter()
                .any(|v| v.as_str().is_some_and(has_forbidden_key_char))
            {
                return Err(forbidden_key_value());
            }
            let canonical = canonical(&ordered).ok_or_else(invalid)?;
            Ok(Addr::Key {
                name: key.logical_name.clone(),
                canonical,
                values: pairs.clone(),
            })
        }
    }
}

/// Characters Dataverse documents as breaking an alternate-key value in a URL: GET, PATCH,
/// upsert and `@odata.bind` by such a key fail, even percent-encoded (`%2F` is decoded to `/`
/// before the key is read). The 2018 list had `/ < > * % & : \ ? +`; the current one adds `#`.
const FORBIDDEN_IN_KEY: &[char] = &['/', '<', '>', '*', '%', '&', ':', '\\', '?', '+', '#'];

/// Whether a decoded alternate-key value contains a character Dataverse cannot address.
fn has_forbidden_key_char(value: &str) -> bool {
    value.contains(FORBIDDEN_IN_KEY)
}

/// The 400 Dataverse answers a key value with a forbidden character. The documentation only
/// says such requests do not work; code and text are what users report the service returns
/// (the OData URL parser's error).
fn forbidden_key_value() -> ApiError {
    ApiError::new(400, "0x8006088a", "Bad Request - Error in query syntax.")
}

/// Refuses a function called with a method other than GET, or an action called with one
/// other than POST, as Dataverse's OData routing does (405); `rest` is the path after
/// `/api/data/vX.Y/`. Everything else is left to the handlers.
pub fn check_operation_method(method: &str, rest: &[String]) -> Result<(), ApiError> {
    let Some(first) = rest.first() else {
        return Ok(());
    };
    let name = first.split('(').next().unwrap_or(first);
    let allowed = match (name, rest.get(1).map(String::as_str)) {
        ("$metadata" | "WhoAmI" | "RetrieveCurrentOrganization", _) => "GET",
        ("EntityDefinitions", _) => {
            return match method {
                "GET" => Ok(()),
                // NOTE: Dataverse changes metadata with POST/PUT/DELETE and refuses PATCH
                // ("Operation not supported on EntityMetadata"); the sandbox emulates no
                // metadata changes at all, and says so.
                _ => Err(method_refused(
                    "GET",
                    format!(
                        "Operation not supported on EntityMetadata: the Ferry sandbox does not \
                         emulate metadata changes ({method})."
                    ),
                )),
            };
        }
        ("$batch" | "AddListMembersList", _) => "POST",
        (_, Some(action))
            if matches!(
                action.strip_prefix("Microsoft.Dynamics.CRM."),
                Some("CreateMultiple" | "UpdateMultiple" | "UpsertMultiple" | "AddMemberList")
            ) =>
        {
            "POST"
        }
        _ => return Ok(()),
    };
    if method == allowed {
        return Ok(());
    }
    Err(method_refused(
        allowed,
        format!("The requested HTTP method {method} is not supported on this resource."),
    ))
}

/// A 405 with the OData error code Dataverse uses for unsupported operations and the `Allow`
/// header HTTP asks for. Microsoft does not document the message for this case.
fn method_refused(allow: &str, message: String) -> ApiError {
    let mut e = ApiError::new(405, "0x80060888", message);
    e.headers.push(("Allow".into(), allow.into()));
    e
}

/// The columns named by `$select`, checked against the table.
pub fn select(table: &Table, raw: Option<&str>) -> Result<Option<Vec<String>>, ApiError> {
    let Some(raw) = raw.filter(|s| !s.trim().is_empty()) else {
        return Ok(None);
    };
    let mut cols = Vec::new();
    for name in raw.split(',').map(str::trim) {
        let known =
            table.column(name).is_some() || table.columns.iter().any(|c| c.property_name() == name);
        if !known {
            return Err(ApiError::bad_request(format!(
                "Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{}'.",
                table.logical_name
            )));
        }
        cols.push(name.to_string());
    }
    Ok(Some(cols))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_keys_keep_slashes_commas_and_doubled_quotes() {
        let segs = segments("/api/data/v9.2/contacts(lastname='O''Brien, a/b')");
        assert_eq!(segs.len(), 4, "the quoted slash does not split: {segs:?}");
        let (set, key) = split_key(&segs[3]).expect("key parses");
        assert_eq!(set, "contacts", "entity set before the parenthesis");
        let expected = RawKey::Named(vec![("lastname".into(), "O'Brien, a/b".into())]);
        assert_eq!(key, Some(expected), "doubled quote becomes one quote");
    }

    #[test]
    fn a_decimal_key_value_parses_to_exactly_the_number_written() {
        // Found by the property tests: the default float parser was one ULP off here.
        let (_, key) = split_key("contacts(a=-983192906650.1969)").expect("key parses");
        let expected = RawKey::Named(vec![("a".into(), serde_json::json!(-983192906650.1969))]);
        assert_eq!(key, Some(expected), "the decimal comes back unchanged");
    }

    #[test]
    fn canonical_key_values_ignore_case() {
        let a = serde_json::json!("Ann@Example.com");
        let b = serde_json::json!("ann@example.com");
        assert_eq!(
            canonical(&[&a]),
            canonical(&[&b]),
            "keys compare case-insensitively"
        );
    }
}

#[cfg(test)]
#[path = "odata_props.rs"]
mod props;
