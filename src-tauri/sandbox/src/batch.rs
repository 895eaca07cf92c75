//! `$batch`: OData 4.0 multipart/mixed batches with change sets, as Dataverse runs them.
//!
//! The whole batch is read and checked before any part runs: a boundary that is missing or
//! absent from the body, a body or change set without its closing delimiter, a part without a
//! request line, or an absolute URL naming another host is a 400 and nothing executes. Parts
//! then run in order through the same handlers as top-level requests. A change set is one
//! transaction (any failure rolls it back); `Content-ID` references (`$1`) work in URLs and in
//! `@odata.bind` values; without `Prefer: odata.continue-on-error` the batch stops at the first
//! failure and answers 400 with the responses of the items that ran before it (so a change set
//! already committed is reported) followed by the failing part. The parser accepts what
//! clients send (quoted or bare boundaries, a preamble, CRLF or LF, absolute or relative inner
//! URLs, unescaped spaces in a request line's query, any Content-ID values); it is not a
//! general MIME library.

use crate::http::{reason, ApiError, ApiRequest, ApiResponse};
use crate::records::Work;
use crate::service::{execute_in_tx, Ctx, VERSIONS};
use crate::{odata, store::Tx};
use bytes::Bytes;
use serde_json::Value;
use std::collections::HashMap;

/// Dataverse's limit on requests in one batch.
pub const MAX_REQUESTS: usize = 1000;

/// One top-level item of a batch.
enum Item {
    Single(Part),
    ChangeSet(Vec<Part>),
}

/// The part of a change set that failed, and why.
struct PartFailure(Option<String>, ApiError);

impl From<rusqlite::Error> for PartFailure {
    fn from(e: rusqlite::Error) -> Self {
        Self(None, e.into())
    }
}

/// One inner HTTP request with its MIME `Content-ID`.
struct Part {
    content_id: Option<String>,
    request: ApiRequest,
}

/// Answers `POST $batch`; returns the multipart response and what its committed parts wrote.
pub fn execute(ctx: &Ctx, req: &ApiRequest) -> Result<(ApiResponse, Work), ApiError> {
    let items = parse(
        req.header("content-type").unwrap_or(""),
        &req.body,
        ctx.version,
        &ctx.svc.base_url,
    )?;
    let total: usize = items
        .iter()
        .map(|i| match i {
            Item::Single(_) => 1,
            Item::ChangeSet(p) => p.len(),
        })
        .sum();
    if total > MAX_REQUESTS {
        return Err(ApiError::bad_request(format!(
            "The number of requests in the batch ({total}) exceeds the limit of {MAX_REQUESTS}."
        )));
    }
    let keep_going = req.prefers("odata.continue-on-error");
    let mut refs: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    let mut written = Work::NONE;
    let mut failed = false;
    let mut store = ctx.svc.store();
    for item in items {
        match item {
            Item::Single(part) => {
                let r = store.with_tx(|tx| run_part(ctx, tx, &part, &mut refs));
                let (resp, n) = r.unwrap_or_else(|e| (e.to_response(), Work::NONE));
                written += n;
                out.push(render_part(&resp, None));
                if resp.status >= 400 && !keep_going {
                    failed = true;
                    break;
                }
            }
            Item::ChangeSet(parts) => {
                let mut local = refs.clone();
                let mut set_work = Work::NONE;
                let result: Result<Vec<(Option<String>, ApiResponse)>, PartFailure> = store
                    .with_tx(|tx| {
                        let mut done = Vec::new();
                        for part in &parts {
                            match run_part(ctx, tx, part, &mut local) {
                                Ok((resp, n)) => {
                                    set_work += n;
                                    done.push((part.content_id.clone(), resp))
                                }
                                Err(e) => return Err(PartFailure(part.content_id.clone(), e)),
                            }
                        }
                        Ok(done)
                    });
                match result {
                    Ok(done) => {
                        refs = local;
                        written += set_work;
                        out.push(render_changeset(&done));
                    }
                    Err(PartFailure(id, e)) => {
                        out.push(render_part(&e.to_response(), id.as_deref()));
                        if !keep_going {
                            failed = true;
                            break;
                        }
                    }
                }
            }
        }
    }
    let response_boundary = format!("batchresponse_{}", uuid::Uuid::new_v4());
    let mut body = String::new();
    for part in out {
        body.push_str(&format!("--{response_boundary}\r\n{part}"));
    }
    body.push_str(&format!("--{response_boundary}--\r\n"));
    let mut r = ApiResponse::raw(
        if failed { 400 } else { 200 },
        &format!("multipart/mixed; boundary={response_boundary}"),
        Bytes::from(body),
    );
    r.headers.push(("OData-Version".into(), "4.0".into()));
    Ok((r, written))
}

/// Runs one inner request, resolving and recording `Content-ID` references.
fn run_part(
    ctx: &Ctx,
    tx: &mut Tx,
    part: &Part,
    refs: &mut HashMap<String, String>,
) -> Result<(ApiResponse, Work), ApiError> {
    let mut req = part.request.clone();
    if let Some(rest) = req.path.strip_prefix('$') {
        let (id, tail) = rest
            .split_once('/')
            .map(|(a, b)| (a, format!("/{b}")))
            .unwrap_or((rest, String::new()));
        let target = refs.get(id).ok_or_else(|| missing_ref(id))?;
        req.path = format!("{target}{tail}");
    }
    if req.body.contains(&b'$') {
        // NOTE: a body that does not parse is left as sent, for its handler to refuse.
        if let Ok(json) = req.json() {
            let mut json = json.clone();
            replace_refs(&mut json, refs)?;
            req.set_body(Bytes::from(json.to_string()));
        }
    }
    let segs = odata::segments(&req.path);
    let (version, rest) = match segs.as_slice() {
        [api, data, v, rest @ ..]
            if api == "api" && data == "data" && VERSIONS.contains(&v.as_str()) =>
        {
            (v.clone(), rest.to_vec())
        }
        _ => return Err(ApiError::no_route(&req.path)),
    };
    let inner = Ctx {
        svc: ctx.svc,
        version: &version,
        user_id: ctx.user_id,
    };
    let (mut resp, n) = execute_in_tx(&inner, tx, &req, &rest)?;
    if let Some(url) = resp.header("OData-EntityId").map(str::to_string) {
        resp.headers.insert(1, ("Location".into(), url.clone()));
        if let Some(id) = &part.content_id {
            let path = url
                .find("/api/data/")
                .map(|i| url[i..].to_string())
                .unwrap_or(url);
            refs.insert(id.clone(), path);
        }
    }
    Ok((resp, n))
}

fn missing_ref(id: &str) -> ApiError {
    ApiError::bad_request(format!(
        "Content-ID Reference: '${id}' does not exist in the batch context."
    ))
}

/// Replaces string values `$N` (e.g. in `@odata.bind`) with the referenced entity's path.
fn replace_refs(v: &mut Value, refs: &HashMap<String, String>) -> Result<(), ApiError> {
    match v {
        Value::String(s) if s.starts_with('$') && s.len() > 1 && !s.contains(['/', '(']) => {
            let target = refs.get(&s[1..]).ok_or_else(|| missing_ref(&s[1..]))?;
            *s = target.clone();
        }
        Value::Object(m) => m.values_mut().try_for_each(|x| replace_refs(x, refs))?,
        Value::Array(a) => a.iter_mut().try_for_each(|x| replace_refs(x, refs))?,
        _ => {}
    }
    Ok(())
}

/// Parses a batch body sent with `content_type` into its items, in order, refusing anything
/// malformed; `base_url` is this sandbox's, which absolute part URLs must name.
// NOTE: Microsoft does not document the texts of these 400s; they are worded in its style.
fn parse(
    content_type: &str,
    body: &[u8],
    version: &str,
    base_url: &str,
) -> Result<Vec<Item>, ApiError> {
    let boundary = boundary(content_type).ok_or_else(|| {
        ApiError::bad_request(
            "The batch request must have a multipart/mixed Content-Type with a boundary.",
        )
    })?;
    let text = String::from_utf8_lossy(body);
    let port = base_url
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or(0);
    split(&text, &boundary)?
        .into_iter()
        .map(|t| parse_item(t, version, port))
        .collect()
}

/// The `boundary` parameter of a multipart Content-Type, quoted or bare.
fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/mixed") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty())
    })
}

/// The bodies of the parts between `--boundary` lines (preamble and epilogue dropped). A
/// delimiter is a whole line (trailing whitespace allowed), so `--batch_1` is not a delimiter
/// of boundary `batch`; the body must contain the boundary and end with `--boundary--`.
fn split<'a>(text: &'a str, boundary: &str) -> Result<Vec<&'a str>, ApiError> {
    let delim = format!("--{boundary}");
    // (where the delimiter line starts, where the content after it starts, whether it closes)
    let mut lines: Vec<(usize, usize, bool)> = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find(&delim) {
        let at = from + i;
        from = at + delim.len();
        if at != 0 && !text[..at].ends_with('\n') {
            continue;
        }
        let after = &text[from..];
        let line_end = after.find('\n').map_or(after.len(), |i| i + 1);
        let rest_of_line = after[..line_end].trim_end();
        let closes = match rest_of_line {
            "" => false,
            "--" => true,
            _ => continue,
        };
        lines.push((at, from + line_end, closes));
        if closes {
            break;
        }
    }
    if lines.is_empty() {
        return Err(ApiError::bad_request(format!(
            "The batch does not contain the boundary '{boundary}' that its Content-Type names."
        )));
    }
    if !lines.last().is_some_and(|l| l.2) {
        return Err(ApiError::bad_request(format!(
            "The batch ends without the closing delimiter '--{boundary}--'."
        )));
    }
    Ok(lines
        .windows(2)
        .map(|w| {
            let content = &text[w[0].1.min(w[1].0)..w[1].0];
            let content = content.strip_suffix('\n').unwrap_or(content);
            content.strip_suffix('\r').unwrap_or(content)
        })
        .collect())
}

/// Splits `headers CRLF CRLF rest` (LF tolerated) into header pairs and the rest.
fn head_and_rest(text: &str) -> (Vec<(String, String)>, &str) {
    let text = text.trim_start_matches(['\r', '\n']);
    let (head, rest) = match (text.find("\r\n\r\n"), text.find("\n\n")) {
        (Some(a), Some(b)) if b < a => (&text[..b], &text[b + 2..]),
        (Some(a), _) => (&text[..a], &text[a + 4..]),
        (None, Some(b)) => (&text[..b], &text[b + 2..]),
        (None, None) => (text, ""),
    };
    let headers = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (headers, rest)
}

fn parse_item(text: &str, version: &str, port: u16) -> Result<Item, ApiError> {
    let (headers, rest) = head_and_rest(text);
    let content_type = headers
        .iter()
        .find(|(k, _)| k == "content-type")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    if content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/mixed")
    {
        let b = boundary(content_type).ok_or_else(|| {
            ApiError::bad_request("A change set's Content-Type must name its boundary.")
        })?;
        let parts = split(rest, &b)?
            .into_iter()
            .map(|t| parse_part(t, version, port))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(get) = parts.iter().find(|p| p.request.method == "GET") {
            return Err(ApiError::bad_request(format!(
                "GET requests are not allowed inside a change set ({}).",
                get.request.path
            )));
        }
        return Ok(Item::ChangeSet(parts));
    }
    parse_part(text, version, port).map(Item::Single)
}

/// Splits a request line into method and URL. The URL is everything between the method and
/// a trailing ` HTTP/x.y`, so a query with unescaped spaces (as some clients write
/// `$filter=firstname eq 'A'`) stays whole.
fn request_line(line: &str) -> Option<(&str, &str)> {
    let line = line.trim();
    let (method, rest) = line.split_once(char::is_whitespace)?;
    let rest = rest.trim_start();
    let url = match rest.rsplit_once(char::is_whitespace) {
        Some((url, version)) if version.to_ascii_uppercase().starts_with("HTTP/") => url.trim_end(),
        _ => rest,
    };
    (!url.is_empty()).then_some((method, url))
}

/// Whether `authority` (`host[:port]` of an absolute URL with `scheme`) names this sandbox.
fn is_own_authority(scheme: &str, authority: &str, port: u16) -> bool {
    let authority = authority.to_ascii_lowercase();
    let (name, given) = match authority.rsplit_once(':') {
        Some((name, p)) if !p.contains(']') => (name, p.parse::<u16>().ok()),
        _ => (authority.as_str(), None),
    };
    let default = if scheme == "https" { 443 } else { 80 };
    given.unwrap_or(default) == port && matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

/// The path and query of a part's URL: absolute URLs must name this sandbox, and URLs
/// relative to the service root get `version`'s root.
fn part_url(url: &str, version: &str, port: u16) -> Result<String, ApiError> {
    let absolute = url
        .split_once("://")
        .filter(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+')
        })
        .map(|(scheme, rest)| (scheme.to_ascii_lowercase(), rest))
        .or_else(|| url.strip_prefix("//").map(|rest| (String::new(), rest)));
    if let Some((scheme, rest)) = absolute {
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        let known = matches!(scheme.as_str(), "http" | "https" | "");
        if !known || !is_own_authority(&scheme, authority, port) {
            return Err(ApiError::bad_request(format!(
                "The batch part URL '{url}' is addressed to another host; every request in a \
                 batch must address the service the batch was sent to."
            )));
        }
        let path = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        };
        return Ok(path);
    }
    Ok(match url.find("/api/data/") {
        Some(i) => url[i..].to_string(),
        None if url.starts_with(['$', '/']) => url.to_string(),
        None => format!("/api/data/{version}/{url}"),
    })
}

/// Parses one `application/http` part; URLs relative to the service root get `version`'s root.
fn parse_part(text: &str, version: &str, port: u16) -> Result<Part, ApiError> {
    let (mime, http) = head_and_rest(text);
    let content_id = mime
        .iter()
        .find(|(k, _)| k == "content-id")
        .map(|(_, v)| v.clone());
    let http = http.trim_start_matches(['\r', '\n']);
    let (line, after) = http.split_once('\n').unwrap_or((http, ""));
    let Some((method, url)) = request_line(line) else {
        return Err(ApiError::bad_request(format!(
            "A batch part has no request line: '{}'.",
            line.trim()
        )));
    };
    let (headers, body) = if after.trim().is_empty() {
        (Vec::new(), "")
    } else {
        head_and_rest(after)
    };
    let url = part_url(url, version, port)?;
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    Ok(Part {
        content_id,
        request: ApiRequest::new(
            method.to_ascii_uppercase(),
            path.to_string(),
            query.to_string(),
            headers,
            Bytes::from(body.trim_end().to_string()),
        ),
    })
}

fn render_part(resp: &ApiResponse, content_id: Option<&str>) -> String {
    let mut s =
        String::from("Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n");
    if let Some(id) = content_id {
        s.push_str(&format!("Content-ID: {id}\r\n"));
    }
    s.push_str(&format!(
        "\r\nHTTP/1.1 {} {}\r\n",
        resp.status,
        reason(resp.status)
    ));
    if resp.status >= 400 {
        s.push_str(&format!("REQ_ID: {}\r\n", uuid::Uuid::new_v4()));
    }
    for (k, v) in &resp.headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    s.push_str("\r\n");
    s.push_str(&String::from_utf8_lossy(&resp.body));
    s.push_str("\r\n");
    s
}

fn render_changeset(done: &[(Option<String>, ApiResponse)]) -> String {
    let b = format!("changesetresponse_{}", uuid::Uuid::new_v4());
    let mut s = format!("Content-Type: multipart/mixed; boundary={b}\r\n\r\n");
    for (id, resp) in done {
        s.push_str(&format!("--{b}\r\n{}", render_part(resp, id.as_deref())));
    }
    s.push_str(&format!("--{b}--\r\n"));
    s
}

#[cfg(test)]
#[path = "batch_props.rs"]
mod props;
