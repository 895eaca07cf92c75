//! The validated settings one Dataverse client runs with: where the organisation and its
//! sign-in live, which credential signs in, what TLS roots to trust and how writes behave.
//!
//! Built from a destination (or by hand in tests). It checks what can be checked without the
//! network: HTTPS except on loopback, a PEM that parses. It does not sign in.

use super::error::{DataverseError, Result};
use crate::cloud::{self, Cloud};
use crate::secrets::Secret;
use std::time::Duration;

/// How writes behave, sent as Dataverse's optional headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// Send `MSCRM.SuppressDuplicateDetection: true`.
    pub suppress_duplicate_detection: bool,
    /// Send `MSCRM.BypassCustomPluginExecution: true` (needs prvBypassCustomPlugins).
    pub bypass_custom_plugins: bool,
}

/// Everything a [`super::client::DataverseClient`] needs.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Organisation URL, `scheme://host[:port]`, no trailing slash.
    pub org_url: String,
    /// Web API version without the `v`, e.g. `9.2`.
    pub api_version: String,
    /// Tenant id or domain.
    pub tenant: String,
    /// Application (client) id.
    pub client_id: String,
    /// Client secret; only the token request reads it.
    pub client_secret: Secret,
    /// The v2.0 token endpoint.
    pub token_url: String,
    /// `<org_url>/.default`.
    pub scope: String,
    /// An extra trusted CA (PEM), e.g. the sandbox's in HTTPS mode. It vouches for loopback
    /// servers only; other hosts are verified against the platform's roots alone.
    pub extra_ca_pem: Option<String>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Attempts per request, the first included, before giving up on retriable failures.
    pub max_attempts: u32,
    /// Write headers.
    pub write: WriteOptions,
    /// Pace requests by the service-protection budget the server reports (see
    /// [`super::pace`]). Off only where a test needs the server's 429 answers themselves.
    pub pace: bool,
    /// Where host names are looked up: the system's resolver, or a test's.
    pub resolver: super::dns::Resolver,
}

/// Host of `url` (`scheme://host[:port]/…`), without the port.
pub fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.starts_with('[') {
        return authority
            .split(']')
            .next()
            .map_or(authority, |h| &authority[..h.len() + 1]);
    }
    authority.split(':').next().unwrap_or(authority)
}

impl ClientConfig {
    /// Settings for a destination in `cloud`; the authority comes from the cloud, except for the
    /// local sandbox, which signs in at the organisation URL's own host.
    pub fn new(
        cloud: Cloud,
        org_url: &str,
        api_version: &str,
        tenant: &str,
        client_id: &str,
        client_secret: Secret,
    ) -> Result<ClientConfig> {
        let org_url = org_url.trim().trim_end_matches('/').to_string();
        let authority = match cloud.authority_host() {
            Some(host) => format!("https://{host}"),
            None => org_url.clone(),
        };
        let config = ClientConfig {
            token_url: format!("{authority}/{}/oauth2/v2.0/token", tenant.trim()),
            scope: format!("{org_url}/.default"),
            org_url,
            api_version: api_version
                .trim()
                .trim_start_matches(['v', 'V'])
                .to_string(),
            tenant: tenant.trim().to_string(),
            client_id: client_id.trim().to_string(),
            client_secret,
            extra_ca_pem: None,
            // NOTE: Microsoft's ServiceClient waits 4 minutes; a 1,000-row bulk request can
            // legitimately take that long.
            timeout: Duration::from_secs(240),
            max_attempts: 6,
            write: WriteOptions::default(),
            pace: true,
            resolver: super::dns::Resolver::system(),
        };
        config.check()?;
        Ok(config)
    }

    /// Refuses settings that cannot work: plain HTTP to anything but loopback, an empty version.
    pub fn check(&self) -> Result<()> {
        for (what, url) in [
            ("Dynamics URL", &self.org_url),
            ("sign-in URL", &self.token_url),
        ] {
            let https = url.starts_with("https://");
            let loopback_http = url.starts_with("http://") && cloud::is_loopback(host_of(url));
            if !https && !loopback_http {
                return Err(DataverseError::Config(format!(
                    "The {what} must use https:// (plain http is only allowed for this computer)."
                )));
            }
        }
        if self.api_version.is_empty() {
            return Err(DataverseError::Config(
                "Choose a Web API version, e.g. 9.2.".into(),
            ));
        }
        Ok(())
    }

    /// `<org>/api/data/v<version>`.
    pub fn api_base(&self) -> String {
        format!("{}/api/data/v{}", self.org_url, self.api_version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(cloud: Cloud, url: &str) -> Result<ClientConfig> {
        ClientConfig::new(
            cloud,
            url,
            "9.2",
            "contoso.onmicrosoft.com",
            "app",
            Secret::new("s"),
        )
    }

    #[test]
    fn the_authority_follows_the_cloud_and_the_scope_the_org() {
        let c = config(Cloud::UsGccHigh, "https://org.crm.microsoftdynamics.us/").unwrap();
        assert_eq!(
            c.token_url,
            "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token",
            "GCC High signs in at the US Government authority"
        );
        assert_eq!(
            c.scope, "https://org.crm.microsoftdynamics.us/.default",
            "scope is the org"
        );
        assert_eq!(
            c.api_base(),
            "https://org.crm.microsoftdynamics.us/api/data/v9.2",
            "the Web API lives under /api/data/vX.Y"
        );
    }

    #[test]
    fn the_sandbox_signs_in_at_its_own_host() {
        let c = config(Cloud::LocalSandbox, "http://127.0.0.1:4000").unwrap();
        assert_eq!(
            c.token_url, "http://127.0.0.1:4000/contoso.onmicrosoft.com/oauth2/v2.0/token",
            "the sandbox serves its own token endpoint"
        );
    }

    #[test]
    fn plain_http_is_refused_except_on_loopback() {
        let e = config(Cloud::Commercial, "http://org.crm.dynamics.com").unwrap_err();
        assert!(e.to_string().contains("https://"), "says to use https: {e}");
        assert_eq!(
            host_of("http://[::1]:80/x"),
            "[::1]",
            "IPv6 hosts keep their brackets"
        );
        assert_eq!(host_of("https://a.b:443/x"), "a.b", "ports are dropped");
    }
}
