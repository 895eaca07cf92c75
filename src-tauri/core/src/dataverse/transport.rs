//! What goes on the wire around every request: the standard OData headers and Ferry's write
//! options, and how a transport failure is told apart (DNS, TLS, timeout, connection) so the
//! message says what to fix. No request is sent from here.

use super::config::ClientConfig;
use super::error::{DataverseError, NetworkFailure};

/// Headers every Web API request carries: OData versions, JSON, and the write options.
pub fn standard_headers(config: &ClientConfig) -> Vec<(&'static str, &'static str)> {
    let mut h = vec![
        ("Accept", "application/json"),
        ("OData-MaxVersion", "4.0"),
        ("OData-Version", "4.0"),
    ];
    if config.write.suppress_duplicate_detection {
        h.push(("MSCRM.SuppressDuplicateDetection", "true"));
    }
    if config.write.bypass_custom_plugins {
        h.push(("MSCRM.BypassCustomPluginExecution", "true"));
    }
    h
}

/// Maps a transport error to an actionable [`DataverseError::Network`]. Never includes a body.
pub fn network_error(e: &reqwest::Error, url: &str) -> DataverseError {
    let mut chain = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        chain.push_str(&s.to_string().to_ascii_lowercase());
        chain.push(' ');
        source = s.source();
    }
    let host = super::config::host_of(url).to_string();
    let (kind, message) = if e.is_timeout() {
        (
            NetworkFailure::Timeout,
            format!("{host} did not answer in time."),
        )
    } else if chain.contains("dns") || chain.contains("lookup") || chain.contains("resolve") {
        (
            NetworkFailure::Dns,
            format!(
                "{host} does not exist. Check the Dynamics URL (organisation name and region), \
                 or your network's DNS."
            ),
        )
    } else if chain.contains("certificate") || chain.contains("tls") || chain.contains("handshake")
    {
        (
            NetworkFailure::Tls,
            format!(
                "The secure connection to {host} failed: its certificate is not trusted here. If \
                 a proxy inspects HTTPS, add its CA; otherwise check the Dynamics URL."
            ),
        )
    } else {
        (
            NetworkFailure::Connection,
            format!("The connection to {host} failed or was closed. Check the network and retry."),
        )
    };
    DataverseError::Network { kind, message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::Cloud;
    use crate::secrets::Secret;

    #[test]
    fn write_options_become_dataverse_headers() {
        let mut c = ClientConfig::new(
            Cloud::Commercial,
            "https://org.crm.dynamics.com",
            "9.2",
            "t",
            "app",
            Secret::new("s"),
        )
        .unwrap();
        assert!(
            !standard_headers(&c)
                .iter()
                .any(|(k, _)| k.starts_with("MSCRM.")),
            "no MSCRM headers unless asked"
        );
        c.write.suppress_duplicate_detection = true;
        c.write.bypass_custom_plugins = true;
        let h = standard_headers(&c);
        assert!(
            h.contains(&("MSCRM.SuppressDuplicateDetection", "true")),
            "duplicate detection suppressed on request"
        );
        assert!(
            h.contains(&("MSCRM.BypassCustomPluginExecution", "true")),
            "custom plug-ins bypassed on request"
        );
        assert!(h.contains(&("OData-Version", "4.0")), "OData 4.0 always");
    }
}
