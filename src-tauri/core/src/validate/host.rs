//! Hosts a person types: the Active Directory (tenant) domain and the Dynamics organisation
//! URL, checked against DNS's limits and normalised so that the same place is always stored
//! the same way.

use super::parse_guid;
use crate::cloud::{self, HostInfo};
use serde::Serialize;

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

/// Top-level domains that follow `onmicrosoft` in a tenant's initial domain: `.com` in the
/// commercial cloud and US GCC, `.us` in GCC High and DoD, `.de` in the former German cloud.
const ONMICROSOFT_TLDS: [&str; 3] = ["com", "us", "de"];

/// What is wrong with an `onmicrosoft` domain missing its ending (`contoso.onmicrosoft`) or
/// carrying a wrong one: such a name passes as a domain, yet no tenant can ever have it.
fn onmicrosoft_problem(v: &str) -> Option<String> {
    let labels: Vec<&str> = v.split('.').collect();
    let at = labels.iter().position(|l| *l == "onmicrosoft")?;
    let tail = &labels[at + 1..];
    if tail.len() == 1 && ONMICROSOFT_TLDS.contains(&tail[0]) && at > 0 {
        return None;
    }
    let org = if at > 0 {
        labels[..at].join(".")
    } else {
        "contoso".to_string()
    };
    Some(format!(
        "\"{v}\" is not a tenant domain: an initial domain ends in .onmicrosoft.com \
         (.onmicrosoft.us in US Government clouds). Enter {org}.onmicrosoft.com, another \
         verified domain, or the tenant's GUID."
    ))
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
    if let Some(problem) = onmicrosoft_problem(&v) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::Cloud;

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
        assert_eq!(
            tenant("contoso.onmicrosoft.us").unwrap(),
            "contoso.onmicrosoft.us",
            "the US Government clouds' initial domain"
        );
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
    fn an_onmicrosoft_domain_without_its_ending_is_refused_with_the_expected_form() {
        for bad in [
            "contoso.onmicrosoft",
            "Contoso.OnMicrosoft",
            "contoso.onmicrosoft.co",
            "contoso.onmicrosoft.com.au",
            "onmicrosoft.com",
        ] {
            let e = tenant(bad).expect_err(bad);
            assert!(
                e.contains(".onmicrosoft.com") && e.contains("GUID"),
                "{bad:?} is refused with what is expected: {e}"
            );
        }
        let e = tenant("contoso.onmicrosoft").unwrap_err();
        assert!(
            e.contains("contoso.onmicrosoft.com"),
            "the message shows the complete domain for this organisation: {e}"
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
}
