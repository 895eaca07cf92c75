//! `$batch`: many independent writes in one multipart request, and reading the answer back.
//!
//! Ferry sends each operation as its own part (no change sets), with
//! `Prefer: odata.continue-on-error`, so one refused row does not stop the others and every
//! part answers in order. The byte layout follows Microsoft's batch page (CRLF lines,
//! `application/http` parts, `Content-Transfer-Encoding: binary`). The parser reads the
//! response boundary from the response's Content-Type (it differs from ours) and tolerates nested
//! change-set responses and LF-only lines. It is not a general MIME library.

use super::client::{DataverseClient, Request};
use super::error::{DataverseError, Result};
use reqwest::Method;

/// Dataverse's limit on operations in one batch.
pub const MAX_OPERATIONS: usize = 1000;

/// One operation inside a batch.
#[derive(Debug, Clone)]
pub struct BatchOp {
    /// The method.
    pub method: Method,
    /// Path relative to the Web API root (e.g. `contacts(…)`), percent-encoded.
    pub path: String,
    /// Conditional headers and the like.
    pub headers: Vec<(String, String)>,
    /// JSON body.
    pub body: Option<Vec<u8>>,
}

impl From<Request> for BatchOp {
    fn from(r: Request) -> Self {
        BatchOp {
            method: r.method,
            path: r.path,
            headers: r.headers,
            body: r.body.map(|(_, b)| b.to_vec()),
        }
    }
}

/// One part of a batch response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartResponse {
    /// The inner HTTP status.
    pub status: u16,
    /// Inner headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Inner body.
    pub body: Vec<u8>,
}

impl PartResponse {
    /// An inner header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The multipart body for `ops`; `api_root` is the absolute path prefix, e.g. `/api/data/v9.2`.
pub fn build(api_root: &str, ops: &[BatchOp], boundary: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for op in ops {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        out.extend_from_slice(
            b"Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n",
        );
        out.extend_from_slice(
            format!("{} {api_root}/{} HTTP/1.1\r\n", op.method, op.path).as_bytes(),
        );
        for (k, v) in &op.headers {
            out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        match &op.body {
            Some(body) => {
                out.extend_from_slice(b"Content-Type: application/json; type=entry\r\n\r\n");
                out.extend_from_slice(body);
                out.extend_from_slice(b"\r\n");
            }
            None => out.extend_from_slice(b"\r\n"),
        }
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

/// The `boundary` parameter of a multipart Content-Type, quoted or bare.
pub fn boundary_of(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// Splits `text` at `\r\n\r\n` (or `\n\n`) into header lines and the rest.
fn head_and_rest(text: &str) -> (Vec<&str>, &str) {
    let (head, rest) = match (text.find("\r\n\r\n"), text.find("\n\n")) {
        (Some(a), Some(b)) if b < a => (&text[..b], &text[b + 2..]),
        (Some(a), _) => (&text[..a], &text[a + 4..]),
        (None, Some(b)) => (&text[..b], &text[b + 2..]),
        (None, None) => (text, ""),
    };
    (
        head.lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty())
            .collect(),
        rest,
    )
}

fn header_value<'a>(lines: &[&'a str], name: &str) -> Option<&'a str> {
    lines.iter().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Reads a multipart batch response into its parts, in order (change sets flattened).
pub fn parse(content_type: &str, body: &[u8]) -> Result<Vec<PartResponse>> {
    let boundary = boundary_of(content_type).ok_or_else(|| {
        DataverseError::Protocol(format!(
            "the batch response is not multipart ({content_type})"
        ))
    })?;
    let text = String::from_utf8_lossy(body);
    let mut parts = Vec::new();
    parse_into(&text, &boundary, &mut parts, 0)?;
    Ok(parts)
}

/// How deep multipart parts may nest: a batch holds change sets, which hold requests. Deeper
/// nesting is no Dataverse answer, and unbounded recursion could exhaust the stack.
const MAX_NESTING: usize = 2;

fn parse_into(text: &str, boundary: &str, out: &mut Vec<PartResponse>, depth: usize) -> Result<()> {
    if depth > MAX_NESTING {
        return Err(DataverseError::Protocol(
            "the batch response nests multipart parts deeper than change sets".into(),
        ));
    }
    let delim = format!("--{boundary}");
    for chunk in text.split(delim.as_str()).skip(1) {
        if chunk.starts_with("--") {
            break;
        }
        let chunk = chunk.trim_start_matches(['\r', '\n']);
        let (mime, rest) = head_and_rest(chunk);
        if let Some(inner) = header_value(&mime, "content-type").and_then(boundary_of) {
            parse_into(rest, &inner, out, depth + 1)?;
            continue;
        }
        let (http_head, body) = head_and_rest(rest);
        let status_line = http_head.first().copied().unwrap_or("");
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| {
                DataverseError::Protocol(format!("a batch part has no status line ({status_line})"))
            })?;
        let headers = http_head[1..]
            .iter()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let body = body.trim_end_matches(['\r', '\n']).as_bytes().to_vec();
        out.push(PartResponse {
            status,
            headers,
            body,
        });
    }
    Ok(())
}

/// A boundary unlikely to occur in any body.
fn new_boundary() -> String {
    let mut b = [0u8; 12];
    let _ = getrandom::fill(&mut b);
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("batch_{hex}")
}

/// Sends `ops` (at most [`MAX_OPERATIONS`]) as one `$batch` that continues past failures;
/// returns one response per operation, in order. A whole-batch failure is an error.
pub async fn execute(client: &DataverseClient, ops: &[BatchOp]) -> Result<Vec<PartResponse>> {
    if ops.len() > MAX_OPERATIONS {
        return Err(DataverseError::Config(format!(
            "A batch holds at most {MAX_OPERATIONS} operations; this one has {}.",
            ops.len()
        )));
    }
    let boundary = new_boundary();
    let root = format!("/api/data/v{}", client.config().api_version);
    let mut req = Request::new(Method::POST, "$batch").header("Prefer", "odata.continue-on-error");
    req.body = Some((
        format!("multipart/mixed; boundary=\"{boundary}\""),
        build(&root, ops, &boundary).into(),
    ));
    let r = client.send(&req).await?;
    let ct = r.header("content-type").unwrap_or("").to_string();
    parse(&ct, &r.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_body_has_crlf_parts_with_absolute_paths_and_a_closing_boundary() {
        let ops = vec![
            BatchOp {
                method: Method::POST,
                path: "contacts".into(),
                headers: vec![],
                body: Some(br#"{"lastname":"A"}"#.to_vec()),
            },
            BatchOp {
                method: Method::PATCH,
                path: "contacts(emailaddress1='b%40x')".into(),
                headers: vec![("If-Match".into(), "*".into())],
                body: Some(b"{}".to_vec()),
            },
        ];
        let body = String::from_utf8(build("/api/data/v9.2", &ops, "batch_x")).unwrap();
        assert!(
            body.starts_with("--batch_x\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nPOST /api/data/v9.2/contacts HTTP/1.1\r\n"),
            "each part is an application/http request: {body}"
        );
        assert!(body.contains("If-Match: *\r\n"), "part headers are kept");
        assert!(
            body.ends_with("--batch_x--\r\n"),
            "the batch closes its boundary"
        );
        assert_eq!(
            body.matches("--batch_x\r\n").count(),
            2,
            "one part per operation"
        );
    }

    #[test]
    fn a_response_is_read_part_by_part_with_errors_kept() {
        let resp = "--batchresponse_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 204 No Content\r\nOData-EntityId: https://x/api/data/v9.2/contacts(00000000-0000-0000-0000-000000000001)\r\n\r\n\r\n--batchresponse_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 400 Bad Request\r\nContent-Type: application/json; odata.metadata=minimal\r\n\r\n{\"error\":{\"code\":\"0x80044331\",\"message\":\"too long\"}}\r\n--batchresponse_1--\r\n";
        let parts = parse("multipart/mixed; boundary=batchresponse_1", resp.as_bytes()).unwrap();
        assert_eq!(parts.len(), 2, "two parts");
        assert_eq!(parts[0].status, 204, "first landed");
        assert!(
            parts[0].header("OData-EntityId").is_some(),
            "headers are readable"
        );
        assert_eq!(parts[1].status, 400, "second refused");
        assert!(
            String::from_utf8_lossy(&parts[1].body).contains("0x80044331"),
            "the part's error body is kept"
        );
    }

    #[test]
    fn change_set_responses_are_flattened_in_order() {
        let resp = "--b\r\nContent-Type: multipart/mixed; boundary=cs\r\n\r\n--cs\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n\r\n--cs\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 201 Created\r\n\r\n{}\r\n--cs--\r\n--b--\r\n";
        let parts = parse("multipart/mixed; boundary=\"b\"", resp.as_bytes()).unwrap();
        let statuses: Vec<u16> = parts.iter().map(|p| p.status).collect();
        assert_eq!(statuses, vec![204, 201], "nested parts come out in order");
    }

    #[test]
    fn deeply_nested_parts_are_refused_instead_of_recursing_without_end() {
        let depth = 10_000;
        let mut resp = String::new();
        for i in 0..depth {
            resp.push_str(&format!(
                "--b{i}\r\nContent-Type: multipart/mixed; boundary=b{}\r\n\r\n",
                i + 1
            ));
        }
        let e = parse("multipart/mixed; boundary=b0", resp.as_bytes()).unwrap_err();
        assert!(
            e.to_string().contains("nests multipart parts deeper"),
            "a nesting no server sends is a protocol error: {e}"
        );
    }
}
