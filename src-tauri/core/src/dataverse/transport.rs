//! What goes on the wire around every request: the standard OData headers and Ferry's write
//! options, and how a transport failure is told apart (DNS, TLS, timeout, connection) so the
//! message says what to fix. No request is sent from here.

use super::config::{host_of, ClientConfig};
use super::dns::LookupFailed;
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

/// Which host a failed request was addressed to. It decides what a message may blame: the
/// sign-in host is fixed by the cloud, so failing to reach it is the network's doing (a proxy,
/// a firewall, no connection), never the Dynamics URL's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// Entra ID's token endpoint (login.microsoftonline.com and its sovereign twins).
    SignIn,
    /// The organisation's own host, from the Dynamics URL (also the local sandbox's sign-in,
    /// which lives on the same host).
    Organisation,
}

/// What a transport failure came down to, found from the error's type rather than its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The request took too long.
    Timeout,
    /// The host name did not resolve. Whether the name does not exist or no name resolves at
    /// all is decided afterwards, by [`network_failure`]'s probe.
    Dns,
    /// No name resolves: the computer is offline or its DNS server cannot be reached.
    Offline,
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
/// Ferry's own [`LookupFailed`], `rustls::Error` (also inside an `io::Error`) and `io::Error`
/// kinds. `None` when nothing in the chain says more than "the connection failed".
pub fn classify(top: &(dyn std::error::Error + 'static)) -> Option<Cause> {
    let mut text = String::new();
    let mut next = Some(top);
    // NOTE: bounded, in case a chain ever loops back on itself.
    for _ in 0..64 {
        let Some(e) = next else { break };
        if e.downcast_ref::<LookupFailed>().is_some() {
            return Some(Cause::Dns);
        }
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
    // NOTE: Ferry's client resolves through [`super::dns::Resolver`], whose failures are typed
    // (above). A resolver of reqwest's own reaches us as hyper-util's private error around
    // getaddrinfo's message, so its words are still recognised, as a fallback.
    if text.contains("dns error") || text.contains("failed to lookup address") {
        return Some(Cause::Dns);
    }
    None
}

/// Maps a transport error on a request to `url` (addressed to `endpoint`) to an actionable
/// [`DataverseError::Network`]. A failed lookup is followed by a second one, of the other host
/// of the same destination, to tell a name that does not exist from a network where no name
/// resolves. Never includes a body.
pub async fn network_failure(
    e: &reqwest::Error,
    url: &str,
    endpoint: Endpoint,
    config: &ClientConfig,
) -> DataverseError {
    let mut cause = if e.is_timeout() {
        Some(Cause::Timeout)
    } else {
        classify(e)
    };
    let endpoint = effective_endpoint(endpoint, config);
    if cause == Some(Cause::Dns) {
        let other = match endpoint {
            Endpoint::SignIn => &config.org_url,
            Endpoint::Organisation => &config.token_url,
        };
        // NOTE: with one host for both (the sandbox) there is no second name to ask.
        let other = host_of(other);
        if other != host_of(url) && !config.resolver.resolves(other).await {
            cause = Some(Cause::Offline);
        }
    }
    describe(cause, url, endpoint)
}

/// The local sandbox signs in on the organisation's own host: there a sign-in failure is
/// about the Dynamics URL as much as any other request to it.
fn effective_endpoint(endpoint: Endpoint, config: &ClientConfig) -> Endpoint {
    if host_of(&config.token_url) == host_of(&config.org_url) {
        Endpoint::Organisation
    } else {
        endpoint
    }
}

/// The input a message blames, as the UI names it; marked on the form as that field's error.
const DYNAMICS_URL: &str = "dynamicsUrl";

/// The error and message for a classified failure talking to `url`, which went to `endpoint`.
pub fn describe(cause: Option<Cause>, url: &str, endpoint: Endpoint) -> DataverseError {
    let host = host_of(url).to_string();
    let network = |kind, message: String| DataverseError::Network {
        kind,
        message,
        field: None,
    };
    let blames_url = |kind, message: String| DataverseError::Network {
        kind,
        message,
        field: Some(DYNAMICS_URL),
    };
    let offline = || {
        network(
            NetworkFailure::Offline,
            format!(
                "No host name can be looked up, so {host} could not be reached: this computer \
                 seems to be offline, or its DNS server cannot be reached. Check the network \
                 connection (and any VPN or proxy), then try again."
            ),
        )
    };
    match (endpoint, cause) {
        (_, Some(Cause::Offline)) => offline(),
        (Endpoint::SignIn, Some(Cause::Dns)) => network(
            NetworkFailure::Dns,
            format!(
                "The sign-in host {host} could not be looked up, although other names can. A \
                 DNS filter, proxy or firewall on this network may block it: ask the network's \
                 administrator to allow {host}."
            ),
        ),
        (Endpoint::SignIn, Some(Cause::Timeout)) => network(
            NetworkFailure::Timeout,
            format!(
                "The sign-in host {host} did not answer in time. Check the network connection, \
                 and any proxy or firewall between this computer and {host}."
            ),
        ),
        (Endpoint::SignIn, Some(Cause::Refused)) => network(
            NetworkFailure::Connection,
            format!(
                "The sign-in host {host} refused the connection. A proxy or firewall on this \
                 network may be in the way."
            ),
        ),
        (Endpoint::SignIn, Some(Cause::Untrusted(detail))) => network(
            NetworkFailure::Tls,
            format!(
                "The secure connection to the sign-in host {host} failed: its certificate is \
                 not trusted here ({detail}). If a proxy on your network inspects HTTPS, its CA \
                 must be in the operating system's trust store."
            ),
        ),
        (Endpoint::SignIn, Some(Cause::Handshake(detail))) => network(
            NetworkFailure::Tls,
            format!(
                "The secure connection to the sign-in host {host} could not be set up \
                 ({detail}). Check any proxy between this computer and {host}."
            ),
        ),
        (Endpoint::SignIn, Some(Cause::Closed) | None) => network(
            NetworkFailure::Connection,
            format!(
                "The connection to the sign-in host {host} failed or was closed before it \
                 answered. Check the network connection, proxy or firewall, and try again."
            ),
        ),
        (Endpoint::Organisation, Some(Cause::Timeout)) => network(
            NetworkFailure::Timeout,
            format!(
                "{host} did not answer in time. Check the network connection; if other sites \
                 work, check the Dynamics URL."
            ),
        ),
        (Endpoint::Organisation, Some(Cause::Dns)) => blames_url(
            NetworkFailure::Dns,
            format!(
                "{host} does not exist: no such name is registered, although other names \
                 resolve. Check the Dynamics URL (organisation name and region)."
            ),
        ),
        (Endpoint::Organisation, Some(Cause::Untrusted(detail))) => network(
            NetworkFailure::Tls,
            format!(
                "The secure connection to {host} failed: its certificate is not trusted here \
                 ({detail}). If a proxy on your network inspects HTTPS, its CA must be in the \
                 operating system's trust store; otherwise check the Dynamics URL."
            ),
        ),
        (Endpoint::Organisation, Some(Cause::Handshake(detail))) => network(
            NetworkFailure::Tls,
            format!(
                "The secure connection to {host} could not be set up ({detail}). Check the \
                 Dynamics URL, and any proxy between this computer and {host}."
            ),
        ),
        (Endpoint::Organisation, Some(Cause::Refused)) => blames_url(
            NetworkFailure::Connection,
            format!(
                "{host} refused the connection: nothing answers there. Check the Dynamics URL \
                 and its port."
            ),
        ),
        (Endpoint::Organisation, Some(Cause::Closed) | None) => network(
            NetworkFailure::Connection,
            format!(
                "The connection to {host} failed or was closed before it answered. Check the \
                 network and retry."
            ),
        ),
    }
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
        let e = describe(
            Some(Cause::Closed),
            "https://org.crm.dynamics.com/x",
            Endpoint::Organisation,
        );
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
            Endpoint::Organisation,
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

    #[test]
    fn no_failure_of_the_sign_in_host_blames_the_dynamics_url() {
        let causes = [
            Cause::Timeout,
            Cause::Dns,
            Cause::Offline,
            Cause::Untrusted("UnknownIssuer".into()),
            Cause::Handshake("alert".into()),
            Cause::Refused,
            Cause::Closed,
        ];
        let url = "https://login.microsoftonline.com/t/oauth2/v2.0/token";
        for cause in causes {
            let e = describe(Some(cause.clone()), url, Endpoint::SignIn);
            assert!(
                matches!(e, DataverseError::Network { field: None, .. }),
                "{cause:?} at the sign-in host marks no field: {e:?}"
            );
            assert!(
                !e.to_string().contains("Dynamics URL"),
                "{cause:?} at the sign-in host does not send the user to the URL: {e}"
            );
        }
        let offline = describe(
            Some(Cause::Offline),
            "https://x.crm.dynamics.com",
            Endpoint::Organisation,
        );
        assert!(
            matches!(
                offline,
                DataverseError::Network {
                    field: None,
                    kind: NetworkFailure::Offline,
                    ..
                }
            ),
            "offline, the organisation's host is not blamed either: {offline:?}"
        );
    }
}
