//! The rules for every value a person types into Ferry, with messages that say what to fix.
//!
//! Each function takes raw input and returns the normalised value or the message to show
//! beside the field. The UI shows these same messages inline (it asks the backend rather than
//! repeating the rules), and the CLI prints them, so a rule lives here once.

mod names;

pub use names::{fold, name, same_name, NAME_MAX};

use crate::cloud::{self, HostInfo};
use crate::date::Date;
use serde::{Deserialize, Serialize};

/// Longest accepted description, in characters.
pub const DESCRIPTION_MAX: usize = 1000;
/// Azure caps a client secret's lifetime at two years in its portal (market.md §5, MS13).
pub const SECRET_MAX_YEARS: i32 = 2;

/// An optional free-text description: trimmed, bounded.
pub fn description(raw: &str) -> Result<String, String> {
    let v = raw.trim();
    if v.chars().count() > DESCRIPTION_MAX {
        return Err(format!(
            "Shorten the description to {DESCRIPTION_MAX} characters or fewer."
        ));
    }
    Ok(v.to_string())
}

/// Parses a GUID in its usual 8-4-4-4-12 form (braces allowed) and lower-cases it.
fn parse_guid(raw: &str) -> Option<String> {
    let v = raw.trim();
    let v = v
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or(v);
    let groups: Vec<&str> = v.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip(lens)
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    ok.then(|| v.to_ascii_lowercase())
}

/// An application (client) ID: a GUID from the app registration's overview page.
pub fn client_id(raw: &str) -> Result<String, String> {
    if raw.trim().is_empty() {
        return Err("Enter the application (client) ID from the app registration in Azure.".into());
    }
    let g = parse_guid(raw).ok_or_else(|| {
        "The client ID is a GUID like 11111111-2222-3333-4444-555555555555: copy the \
         \"Application (client) ID\" from the app registration in Azure."
            .to_string()
    })?;
    if g.bytes().all(|b| b == b'0' || b == b'-') {
        return Err("The all-zero GUID is not a real client ID: copy the one from Azure.".into());
    }
    Ok(g)
}

/// A client secret's text: required, single line. Returned as-is (no trimming inside).
pub fn client_secret(raw: &str) -> Result<String, String> {
    let v = raw.trim_matches(|c| c == '\n' || c == '\r');
    if v.trim().is_empty() {
        return Err("Enter the client secret's value (not its secret ID).".into());
    }
    if v.chars().any(char::is_control) {
        return Err("A client secret is a single line: paste just the value.".into());
    }
    if v.len() > 1024 {
        return Err("That is too long for a client secret: paste just the value.".into());
    }
    Ok(v.to_string())
}

/// Longest host name DNS allows, in characters (RFC 1035, without the final dot).
pub const HOST_MAX: usize = 253;
/// Longest label (the part between two dots) DNS allows.
pub const LABEL_MAX: usize = 63;

/// What is wrong with the length of `host` or of one of its labels, as DNS limits them.
fn dns_length_problem(host: &str, what: &str) -> Option<String> {
    let len = host.chars().count();
    if len > HOST_MAX {
        return Some(format!(
            "The {what} is {len} characters long; DNS allows at most {HOST_MAX}. Check that you \
             pasted the right text."
        ));
    }
    host.split('.')
        .find(|l| l.chars().count() > LABEL_MAX)
        .map(|label| {
            let start: String = label.chars().take(12).collect();
            format!(
                "The part \"{start}…\" of the {what} is {} characters long; DNS allows at most \
                 {LABEL_MAX} between two dots.",
                label.chars().count()
            )
        })
}

fn is_domain(v: &str) -> bool {
    let labels: Vec<&str> = v.split('.').collect();
    v.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// The Active Directory (tenant) ID: a GUID, or a verified domain such as
/// `contoso.onmicrosoft.com`. Lower-cased.
pub fn tenant(raw: &str) -> Result<String, String> {
    let v = raw.trim().to_ascii_lowercase();
    if v.is_empty() {
        return Err(
            "Enter the Active Directory (tenant) ID: a GUID from the app registration's \
                    overview page, or a domain such as contoso.onmicrosoft.com."
                .into(),
        );
    }
    if let Some(g) = parse_guid(&v) {
        return Ok(g);
    }
    if ["common", "organizations", "consumers"].contains(&v.as_str()) {
        return Err(format!(
            "\"{v}\" is not a tenant: an app signs in with its own secret only in its own \
             tenant. Enter the tenant ID or domain."
        ));
    }
    if v.contains("://") || v.contains('/') {
        return Err("Enter just the tenant ID or domain, not a URL.".into());
    }
    if let Some(problem) = dns_length_problem(&v, "tenant domain") {
        return Err(problem);
    }
    if is_domain(&v) {
        return Ok(v);
    }
    Err(
        "The tenant ID is a GUID like 11111111-2222-3333-4444-555555555555 or a domain like \
         contoso.onmicrosoft.com."
            .into(),
    )
}

/// A Dynamics URL after normalisation, with what its host told us.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DynamicsUrl {
    /// `scheme://host[:port]`, lower-case, no path, no trailing slash.
    pub url: String,
    pub host: HostInfo,
}

const URL_EXAMPLE: &str = "https://contoso.crm.dynamics.com";

/// A Dynamics organisation URL. Requires `https://` except for loopback (the local sandbox),
/// drops any path, query or fragment (people paste the address of a page in the app), and
/// recognises the cloud from the host.
pub fn dynamics_url(raw: &str) -> Result<DynamicsUrl, String> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(format!(
            "Enter the Dynamics URL, for example {URL_EXAMPLE}."
        ));
    }
    let lower = v.to_ascii_lowercase();
    let (scheme, rest) = if let Some(r) = lower.strip_prefix("https://") {
        ("https", r)
    } else if let Some(r) = lower.strip_prefix("http://") {
        ("http", r)
    } else if lower.contains("://") {
        return Err(format!(
            "The Dynamics URL must start with https://, for example {URL_EXAMPLE}."
        ));
    } else {
        return Err(format!(
            "Enter the full URL, starting with https:// — for example https://{}.",
            lower.trim_end_matches('/')
        ));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(
            "Remove the user name from the URL: Ferry signs in with the credential.".into(),
        );
    }
    let (host, port) = split_port(authority)?;
    if host.is_empty() {
        return Err(format!(
            "The URL has no host name. For example: {URL_EXAMPLE}."
        ));
    }
    if let Some(problem) = dns_length_problem(host, "host name") {
        return Err(problem);
    }
    if !host.starts_with('[')
        && !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err("The host name contains characters a web address cannot have.".into());
    }
    let host_info = cloud::recognise(host).ok_or_else(|| {
        format!(
            "{host} is not a Dynamics 365 address. Use your organisation's URL as shown in Power \
             Platform admin center, such as {URL_EXAMPLE} (regions use crm2, crm4, …; US \
             Government uses .crm.microsoftdynamics.us or .crm.appsplatform.us; China uses \
             .crm.dynamics.cn)."
        )
    })?;
    if scheme == "http" && !cloud::is_loopback(host) {
        return Err(format!(
            "Use https:// — plain http:// is only allowed for the local sandbox on this computer. \
             For example: https://{host}."
        ));
    }
    let default_port = if scheme == "https" { 443 } else { 80 };
    let url = match port {
        Some(p) if p != default_port => format!("{scheme}://{host}:{p}"),
        _ => format!("{scheme}://{host}"),
    };
    Ok(DynamicsUrl {
        url,
        host: host_info,
    })
}

fn split_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    let bad_port = || "The port after the host name must be a number from 1 to 65535.".to_string();
    // An IPv6 literal keeps its colons inside the brackets.
    let (host, port) = if let Some(end) = authority.find(']') {
        let (h, rest) = authority.split_at(end + 1);
        (h, rest.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(bad_port)?,
        ),
    };
    Ok((host, port))
}

/// How a person gives a secret's expiry: a preset lifetime or the date Azure shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum ExpiryInput {
    /// Expires this many years after today (Azure offers 1 or 2 for new secrets).
    Years { years: i32 },
    /// Expires on this date (`YYYY-MM-DD`), as shown under "Certificates & secrets".
    Date { date: String },
}

impl ExpiryInput {
    /// Parses the CLI's form: `1y`, `2y`, or `YYYY-MM-DD`.
    pub fn from_cli(s: &str) -> ExpiryInput {
        match s.trim() {
            "1y" | "1" => ExpiryInput::Years { years: 1 },
            "2y" | "2" => ExpiryInput::Years { years: 2 },
            other => ExpiryInput::Date {
                date: other.to_string(),
            },
        }
    }
}

/// Resolves an expiry to a date. Past dates are refused; so are lifetimes Azure cannot issue.
pub fn expiry(input: &ExpiryInput, today: Date) -> Result<Date, String> {
    let latest = today.add_years(SECRET_MAX_YEARS);
    match input {
        ExpiryInput::Years { years } if (1..=SECRET_MAX_YEARS).contains(years) => {
            Ok(today.add_years(*years))
        }
        ExpiryInput::Years { .. } => {
            Err("Choose 1 year or 2 years, or enter the expiry date shown in Azure.".into())
        }
        ExpiryInput::Date { date } => {
            let d = Date::parse(date).ok_or_else(|| {
                format!(
                    "Enter the expiry date as YYYY-MM-DD, for example {}.",
                    today.add_years(1)
                )
            })?;
            if d < today {
                return Err(format!(
                    "{d} has passed: a secret that has expired cannot sign in. Create a new \
                     secret in Azure and enter its expiry date."
                ));
            }
            if d > latest {
                return Err(format!(
                    "Azure issues client secrets for at most two years, so the expiry can be no \
                     later than {latest}. Check the date under Certificates & secrets."
                ));
            }
            Ok(d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::Cloud;

    fn today() -> Date {
        Date::parse("2026-11-27").unwrap()
    }

    #[test]
    fn client_ids_must_be_guids() {
        let ok = client_id(" {A1B2C3D4-E5F6-4789-ABCD-0123456789EF} ").unwrap();
        assert_eq!(
            ok, "a1b2c3d4-e5f6-4789-abcd-0123456789ef",
            "braces dropped, lower-cased"
        );
        for bad in [
            "",
            "not-a-guid",
            "a1b2c3d4e5f64789abcd0123456789ef",
            "a1b2c3d4-e5f6-4789-abcd-0123456789eg",
        ] {
            assert!(client_id(bad).is_err(), "{bad:?} is refused");
        }
        assert!(
            client_id("00000000-0000-0000-0000-000000000000")
                .unwrap_err()
                .contains("all-zero"),
            "the nil GUID is refused with its own message"
        );
    }

    #[test]
    fn tenants_are_guids_or_domains() {
        assert_eq!(
            tenant("72F988BF-86F1-41AF-91AB-2D7CD011DB47").unwrap(),
            "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "GUID tenant lower-cased"
        );
        assert_eq!(
            tenant(" Contoso.onmicrosoft.com ").unwrap(),
            "contoso.onmicrosoft.com",
            "domain"
        );
        assert_eq!(
            tenant("contoso.co.uk").unwrap(),
            "contoso.co.uk",
            "custom verified domain"
        );
        for bad in [
            "",
            "contoso",
            "-contoso.com",
            "contoso..com",
            "contoso.c0m",
            "under_score.com",
        ] {
            assert!(tenant(bad).is_err(), "{bad:?} is refused");
        }
        assert!(
            tenant("common").unwrap_err().contains("not a tenant"),
            "multi-tenant alias"
        );
        assert!(
            tenant("https://login.microsoftonline.com/contoso.com")
                .unwrap_err()
                .contains("not a URL"),
            "pasted URLs get their own hint"
        );
    }

    #[test]
    fn dynamics_urls_are_normalised_to_their_origin() {
        let u = dynamics_url(" HTTPS://Contoso.CRM4.Dynamics.com/main.aspx?appid=1#x ").unwrap();
        assert_eq!(
            u.url, "https://contoso.crm4.dynamics.com",
            "path, query, case dropped"
        );
        assert_eq!(u.host.cloud, Cloud::Commercial, "crm4 is commercial");
        let u = dynamics_url("https://contoso.crm.dynamics.com/").unwrap();
        assert_eq!(
            u.url, "https://contoso.crm.dynamics.com",
            "trailing slash dropped"
        );
        let u = dynamics_url("https://contoso.crm.dynamics.com:443/api/data/v9.2").unwrap();
        assert_eq!(
            u.url, "https://contoso.crm.dynamics.com",
            "default port dropped"
        );
        let u = dynamics_url("https://org.crm.microsoftdynamics.us").unwrap();
        assert_eq!(u.host.cloud, Cloud::UsGccHigh, "GCC High recognised");
    }

    #[test]
    fn host_names_longer_than_dns_allows_are_refused() {
        let huge = format!("https://{}.crm.dynamics.com", "a".repeat(100_000));
        let e = dynamics_url(&huge).unwrap_err();
        assert!(
            e.contains("100017 characters long") && e.contains("at most 253"),
            "a 100,000-character host is refused with its length: {e:.200}"
        );
        assert!(
            e.len() < 300,
            "the message does not repeat the host: {e:.200}"
        );
        let labels = vec!["a".repeat(60); 4].join(".");
        let e = dynamics_url(&format!("https://{labels}.crm.dynamics.com")).unwrap_err();
        assert!(e.contains("at most 253"), "254+ characters in total: {e}");
        let long_label = format!("https://{}.crm.dynamics.com", "b".repeat(64));
        let e = dynamics_url(&long_label).unwrap_err();
        assert!(
            e.contains("64 characters long") && e.contains("63 between two dots"),
            "a 64-character label is refused: {e}"
        );
        let longest = format!("https://{}.crm.dynamics.com", "c".repeat(63));
        assert!(
            dynamics_url(&longest).is_ok(),
            "63 characters per label is allowed"
        );
        let e = tenant(&format!("{}.onmicrosoft.com", "d".repeat(64))).unwrap_err();
        assert!(e.contains("63 between two dots"), "tenant labels too: {e}");
        let e = tenant(&format!("{}.com", vec!["e".repeat(50); 6].join("."))).unwrap_err();
        assert!(e.contains("at most 253"), "tenant domains too: {e}");
    }

    #[test]
    fn dynamics_urls_need_https_except_on_loopback() {
        assert!(
            dynamics_url("http://contoso.crm.dynamics.com")
                .unwrap_err()
                .contains("Use https://"),
            "plain http to Microsoft is refused"
        );
        let local = dynamics_url("http://127.0.0.1:8765/").unwrap();
        assert_eq!(
            local.url, "http://127.0.0.1:8765",
            "loopback keeps http and port"
        );
        assert_eq!(
            local.host.cloud,
            Cloud::LocalSandbox,
            "loopback is the sandbox"
        );
        assert!(
            dynamics_url("http://localhost:8765").is_ok(),
            "localhost works too"
        );
        assert!(
            dynamics_url("http://[::1]:8765").is_ok(),
            "IPv6 loopback works too"
        );
    }

    #[test]
    fn dynamics_url_mistakes_get_specific_messages() {
        let missing = dynamics_url("contoso.crm.dynamics.com").unwrap_err();
        assert!(
            missing.contains("https://contoso.crm.dynamics.com"),
            "suggests the fix: {missing}"
        );
        assert!(
            dynamics_url("ftp://x.crm.dynamics.com")
                .unwrap_err()
                .contains("must start"),
            "ftp"
        );
        assert!(
            dynamics_url("https://contoso.example.com")
                .unwrap_err()
                .contains("not a Dynamics"),
            "foreign host"
        );
        assert!(
            dynamics_url("https://u:p@x.crm.dynamics.com")
                .unwrap_err()
                .contains("user name"),
            "userinfo"
        );
        assert!(
            dynamics_url("https://x.crm.dynamics.com:99999")
                .unwrap_err()
                .contains("port"),
            "port"
        );
        assert!(
            dynamics_url("https://").unwrap_err().contains("no host"),
            "empty host"
        );
        assert!(
            dynamics_url("")
                .unwrap_err()
                .contains("Enter the Dynamics URL"),
            "blank"
        );
    }

    #[test]
    fn expiry_accepts_presets_and_future_dates_within_two_years() {
        let t = today();
        assert_eq!(
            expiry(&ExpiryInput::Years { years: 1 }, t)
                .unwrap()
                .to_string(),
            "2027-11-27",
            "1y"
        );
        assert_eq!(
            expiry(&ExpiryInput::Years { years: 2 }, t)
                .unwrap()
                .to_string(),
            "2028-11-27",
            "2y"
        );
        assert!(
            expiry(&ExpiryInput::Years { years: 3 }, t).is_err(),
            "no 3-year preset"
        );
        let d = |s: &str| ExpiryInput::Date { date: s.into() };
        assert!(expiry(&d("2026-11-27"), t).is_ok(), "today is not yet past");
        assert!(
            expiry(&d("2026-11-26"), t)
                .unwrap_err()
                .contains("has passed"),
            "yesterday"
        );
        assert!(
            expiry(&d("2028-11-28"), t)
                .unwrap_err()
                .contains("two years"),
            "beyond the cap"
        );
        assert!(
            expiry(&d("next year"), t)
                .unwrap_err()
                .contains("YYYY-MM-DD"),
            "not a date"
        );
    }

    #[test]
    fn cli_expiry_forms_parse() {
        assert_eq!(
            ExpiryInput::from_cli("2y"),
            ExpiryInput::Years { years: 2 },
            "2y"
        );
        assert_eq!(
            ExpiryInput::from_cli("2027-01-31"),
            ExpiryInput::Date {
                date: "2027-01-31".into()
            },
            "dates pass through"
        );
    }

    #[test]
    fn client_secrets_are_single_lines() {
        assert_eq!(
            client_secret("abc~123\n").unwrap(),
            "abc~123",
            "trailing newline from stdin dropped"
        );
        assert!(client_secret("  ").is_err(), "blank");
        assert!(client_secret("a\nb").is_err(), "two lines");
    }
}
