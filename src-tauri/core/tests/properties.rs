//! Property tests for what Ferry reads from outside: `$batch` responses, and the URL, tenant and
//! name rules. Random input must never panic or hang (cases and sizes are bounded), and what
//! round-trips must: normalising a valid value again changes nothing, and a response's parts
//! survive being rendered and parsed.

use ferry_core::dataverse::batch::{self, PartResponse};
use ferry_core::validate;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        // NOTE: no regression files in the source tree; a failure prints its minimal input.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Renders parts the way Dataverse answers a `$batch` (CRLF, `application/http` parts),
/// optionally wrapping them in one change set.
fn render(parts: &[PartResponse], boundary: &str, change_set: Option<&str>) -> String {
    let mut inner = String::new();
    let part_boundary = change_set.unwrap_or(boundary);
    for p in parts {
        inner.push_str(&format!(
            "--{part_boundary}\r\nContent-Type: application/http\r\n\
             Content-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 {} Whatever\r\n",
            p.status
        ));
        for (k, v) in &p.headers {
            inner.push_str(&format!("{k}: {v}\r\n"));
        }
        inner.push_str("\r\n");
        inner.push_str(std::str::from_utf8(&p.body).unwrap());
        inner.push_str("\r\n");
    }
    inner.push_str(&format!("--{part_boundary}--\r\n"));
    match change_set {
        None => inner,
        Some(cs) => format!(
            "--{boundary}\r\nContent-Type: multipart/mixed; boundary={cs}\r\n\r\n{inner}--{boundary}--\r\n"
        ),
    }
}

fn part() -> impl Strategy<Value = PartResponse> {
    (
        100u16..600,
        prop::collection::vec(("[a-z][a-z0-9-]{0,15}", "[!-~]([ -~]{0,30}[!-~])?"), 0..4),
        // NOTE: JSON-ish bodies: no line breaks at the ends (the parser trims those) and no
        // "--" (which could spell a boundary).
        "([a-zA-Z0-9{}\":,. ]{0,60}[a-zA-Z0-9{}\":,.])?",
    )
        .prop_map(|(status, headers, body)| PartResponse {
            status,
            headers,
            body: body.into_bytes(),
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_batch_parser_never_panics_on_random_bytes(
        content_type in "[ -~]{0,60}",
        body in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let _ = batch::parse(&content_type, &body);
        let _ = batch::parse("multipart/mixed; boundary=b", &body);
    }

    #[test]
    fn the_batch_parser_never_panics_on_mangled_responses(
        parts in prop::collection::vec(part(), 1..6),
        cut in 0usize..4096,
        noise in "[\r\n-]{0,8}",
    ) {
        // NOTE: the rendering is ASCII, so any cut is on a character boundary.
        let mut text = render(&parts, "batchresponse_x", None);
        text.truncate(cut);
        text.push_str(&noise);
        let _ = batch::parse("multipart/mixed; boundary=batchresponse_x", text.as_bytes());
    }

    #[test]
    fn rendered_parts_survive_parsing(
        parts in prop::collection::vec(part(), 1..8),
        boundary in "batchresponse_[a-z0-9]{1,20}",
        change_set in prop::option::of("changesetresponse_[a-z0-9]{1,20}"),
    ) {
        let text = render(&parts, &boundary, change_set.as_deref());
        let parsed = batch::parse(
            &format!("multipart/mixed; boundary=\"{boundary}\""),
            text.as_bytes(),
        );
        prop_assert_eq!(parsed.ok(), Some(parts), "every part comes back as rendered");
    }

    #[test]
    fn url_validation_never_panics_and_normalising_twice_changes_nothing(raw in "\\PC{0,300}") {
        if let Ok(u) = validate::dynamics_url(&raw) {
            prop_assert_eq!(validate::dynamics_url(&u.url), Ok(u.clone()), "normalised once is final");
        }
    }

    #[test]
    fn valid_dynamics_urls_normalise_to_their_lower_case_origin(
        org in "[a-zA-Z][a-zA-Z0-9-]{0,40}[a-zA-Z0-9]",
        region in prop::sample::select(vec!["crm", "crm4", "crm11", "crm9"]),
        path in "(/[a-zA-Z0-9.?=&#]{0,30}){0,3}",
        port in prop::option::of(prop::sample::select(vec![443u16, 8443])),
    ) {
        let port_text = port.map(|p| format!(":{p}")).unwrap_or_default();
        let raw = format!("HTTPS://{org}.{region}.Dynamics.com{port_text}{path}");
        let u = validate::dynamics_url(&raw);
        let expected_port = match port { Some(8443) => ":8443", _ => "" };
        let expected = format!(
            "https://{}.{region}.dynamics.com{expected_port}",
            org.to_ascii_lowercase()
        );
        prop_assert_eq!(u.as_ref().map(|u| u.url.as_str()), Ok(expected.as_str()), "{}", raw);
        let again = validate::dynamics_url(&expected);
        prop_assert_eq!(again, u, "the normalised URL normalises to itself");
    }

    #[test]
    fn long_hosts_are_refused_by_length(labels in prop::collection::vec("[a-z]{1,70}", 1..8)) {
        let host = format!("{}.crm.dynamics.com", labels.join("."));
        let result = validate::dynamics_url(&format!("https://{host}"));
        let too_long = host.len() > 253 || labels.iter().any(|l| l.len() > 63);
        prop_assert_eq!(result.is_err(), too_long, "DNS limits decide for {}", host);
    }

    #[test]
    fn tenant_validation_never_panics_and_is_stable(raw in "\\PC{0,300}") {
        if let Ok(t) = validate::tenant(&raw) {
            prop_assert!(t.len() <= 253, "an accepted tenant fits DNS: {}", t);
            prop_assert_eq!(validate::tenant(&t), Ok(t.clone()), "validating again changes nothing");
        }
    }

    #[test]
    fn names_never_panic_are_stable_and_fold_stably(raw in "\\PC{0,120}") {
        if let Ok(n) = validate::name(&raw, "destination") {
            prop_assert_eq!(validate::name(&n, "destination"), Ok(n.clone()), "a valid name is final");
        }
        let folded = validate::fold(&raw);
        prop_assert_eq!(validate::fold(&folded), folded.clone(), "folding twice changes nothing");
        prop_assert!(validate::same_name(&raw, &raw.to_lowercase()), "case never makes a name new");
    }
}
