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

/// What a transport failure came down to, found from the error's type rather than its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The request took too long.
    Timeout,
    /// The host name did not resolve.
    Dns,
    /// The server's certificate was not accepted; the detail says why.
    Untrusted(String),
    /// TLS failed for another reason (an alert, no common protocol); the detail says which.
    Handshake(String),
    /// The connection was refused: nothing listens there.
    Refused,
    /// The connection was reset or closed before the answer was complete, with or without
    /// TLS's `close_notify`.
    Closed,
}

fn tls_cause(e: &rustls::Error) -> Cause {
    match e {
        rustls::Error::InvalidCertificate(c) => Cause::Untrusted(c.to_string()),
        other => Cause::Handshake(other.to_string()),
    }
}

/// Classifies a transport error by walking its source chain and looking at the types in it:
/// `rustls::Error` (also inside an `io::Error`) and `io::Error` kinds. `None` when nothing in
/// the chain says more than "the connection failed".
pub fn classify(top: &(dyn std::error::Error + 'static)) -> Option<Cause> {
    let mut text = String::new();
    let mut next = Some(top);
    // NOTE: bounded, in case a chain ever loops back on itself.
    for _ in 0..64 {
        let Some(e) = next else { break };
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls_cause(tls));
        }
        next = e.source();
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::TimedOut => return Some(Cause::Timeout),
                K::ConnectionRefused => return Some(Cause::Refused),
                K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => {
                    return Some(Cause::Closed)
                }
                _ => {}
            }
            // NOTE: an io::Error's source() skips the error it wraps (rustls's certificate
            // error sits two io::Errors deep), so descend into it instead.
            if let Some(inner) = io.get_ref() {
                next = Some(inner);
                continue;
            }
        }
        text.push_str(&e.to_string().to_ascii_lowercase());
        text.push(' ');
    }
    // NOTE: the resolver's failure reaches us as text only (hyper-util's private error type
    // around getaddrinfo's message), so DNS is the one cause still recognised by its words.
    if text.contains("dns error") || text.contains("failed to lookup address") {
        return Some(Cause::Dns);
    }
    None
}

/// Maps a transport error to an actionable [`DataverseError::Network`]. Never includes a body.
pub fn network_error(e: &reqwest::Error, url: &str) -> DataverseError {
    let cause = if e.is_timeout() {
        Some(Cause::Timeout)
    } else {
        classify(e)
    };
    describe(cause, url)
}

/// The error and message for a classified failure talking to `url`.
pub fn describe(cause: Option<Cause>, url: &str) -> DataverseError {
    let host = super::config::host_of(url).to_string();
    let (kind, message) = match cause {
        Some(Cause::Timeout) => (
            NetworkFailure::Timeout,
            format!("{host} did not answer in time."),
        ),
        Some(Cause::Dns) => (
            NetworkFailure::Dns,
            format!(
                "{host} does not exist. Check the Dynamics URL (organisation name and region), \
                 or your network's DNS."
            ),
        ),
        Some(Cause::Untrusted(detail)) => (
            NetworkFailure::Tls,
            format!(
                "The secure connection to {host} failed: its certificate is not trusted here \
                 ({detail}). If a proxy on your network inspects HTTPS, its CA must be in the \
                 operating system's trust store; otherwise check the Dynamics URL."
            ),
        ),
        Some(Cause::Handshake(detail)) => (
            NetworkFailure::Tls,
            format!(
                "The secure connection to {host} could not be set up ({detail}). Check the \
                 Dynamics URL, and any proxy between this computer and {host}."
            ),
        ),
        Some(Cause::Refused) => (
            NetworkFailure::Connection,
            format!(
                "{host} refused the connection: nothing answers there. Check the URL and port."
            ),
        ),
        Some(Cause::Closed) | None => (
            NetworkFailure::Connection,
            format!(
                "The connection to {host} failed or was closed before it answered. Check the \
                 network and retry."
            ),
        ),
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

    /// An error that wraps another, as reqwest and hyper wrap the transport's errors.
    #[derive(Debug)]
    struct Wrapped(&'static str, Box<dyn std::error::Error + Send + Sync>);

    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(self.1.as_ref())
        }
    }

    fn wrapped(inner: impl std::error::Error + Send + Sync + 'static) -> Wrapped {
        Wrapped(
            "error sending request",
            Box::new(Wrapped("client error (SendRequest)", Box::new(inner))),
        )
    }

    #[test]
    fn a_tls_connection_closed_without_close_notify_is_a_connection_failure() {
        let eof = std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "peer closed connection without sending TLS close_notify",
        );
        assert_eq!(
            classify(&wrapped(eof)),
            Some(Cause::Closed),
            "an unexpected EOF is the connection, whatever its text says about TLS"
        );
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(
            classify(&wrapped(reset)),
            Some(Cause::Closed),
            "a reset too"
        );
        let e = describe(Some(Cause::Closed), "https://org.crm.dynamics.com/x");
        assert!(
            matches!(
                e,
                DataverseError::Network {
                    kind: NetworkFailure::Connection,
                    ..
                }
            ),
            "a closed connection is retried as a connection failure: {e:?}"
        );
    }

    #[test]
    fn only_a_rejected_certificate_is_reported_as_untrusted() {
        let bad_cert = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let inside_io = std::io::Error::new(std::io::ErrorKind::InvalidData, bad_cert.clone());
        for e in [classify(&wrapped(bad_cert)), classify(&wrapped(inside_io))] {
            assert!(
                matches!(e, Some(Cause::Untrusted(_))),
                "an unknown issuer is a trust problem, bare or inside an io::Error: {e:?}"
            );
        }
        let alert = rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure);
        assert!(
            matches!(classify(&wrapped(alert)), Some(Cause::Handshake(_))),
            "a handshake alert is TLS, but not a certificate problem"
        );
        let untrusted = describe(
            Some(Cause::Untrusted("UnknownIssuer".into())),
            "https://org.crm.dynamics.com",
        );
        assert!(
            untrusted
                .to_string()
                .contains("operating system's trust store"),
            "the fix for an inspecting proxy is the OS trust store: {untrusted}"
        );
    }

    #[test]
    fn dns_failures_and_refusals_are_told_apart() {
        let dns = std::io::Error::other("dns error: failed to lookup address information");
        assert_eq!(
            classify(&wrapped(dns)),
            Some(Cause::Dns),
            "a failed lookup is DNS"
        );
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(
            classify(&wrapped(refused)),
            Some(Cause::Refused),
            "a refusal is its own cause"
        );
        let vague = std::io::Error::other("tls handshake eof certificate");
        assert_eq!(
            classify(&wrapped(vague)),
            None,
            "words in a message no longer decide the cause"
        );
    }
}
