//! Who may talk to the sandbox at all: checks on a request's headers, made before its body is
//! read and before any route runs.
//!
//! Every endpoint refuses a `Host` that is not the loopback name and port the sandbox listens
//! on (`127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT`), which defeats DNS rebinding, and an
//! `Origin` other than its own, which defeats cross-site requests from web pages. Non-browser
//! clients send no `Origin` and pass. The admin surface (`/_sandbox/…`) also needs the
//! sandbox's admin key in the [`ADMIN_KEY_HEADER`] header; a custom header, because a web page
//! cannot add one to a cross-site request without the sandbox's consent. It does not know
//! bearer tokens: the Web API's sign-in check is `auth`'s.

use crate::http::{ApiError, ApiRequest};

/// The header admin calls carry the admin key in (`SandboxHandle::admin_key`).
pub const ADMIN_KEY_HEADER: &str = "x-ferry-sandbox-admin-key";

/// Where the sandbox listens, as clients must name it.
#[derive(Debug, Clone)]
pub struct Gate {
    port: u16,
    scheme: &'static str,
    admin_key: String,
}

impl Gate {
    /// A gate for a sandbox on `port` (`https` or not) with `admin_key`.
    pub fn new(port: u16, https: bool, admin_key: String) -> Self {
        Self {
            port,
            scheme: if https { "https" } else { "http" },
            admin_key,
        }
    }

    /// Refuses a request addressed to another host or sent from another site.
    pub fn check_origin(&self, req: &ApiRequest) -> Result<(), ApiError> {
        let host = req.header("host").unwrap_or("");
        if !self.is_own_authority(host) {
            return Err(ApiError::new(
                421,
                "0x80048306",
                format!(
                    "The Host header \"{}\" does not name this sandbox. Address it as \
                     127.0.0.1:{port}, localhost:{port} or [::1]:{port}.",
                    printable(host),
                    port = self.port
                ),
            ));
        }
        if let Some(origin) = req.header("origin") {
            let own = origin
                .strip_prefix(self.scheme)
                .and_then(|rest| rest.strip_prefix("://"))
                .is_some_and(|authority| self.is_own_authority(authority));
            if !own {
                return Err(ApiError::new(
                    403,
                    "0x80040220",
                    format!(
                        "Requests from the web origin \"{}\" are not allowed; the sandbox only \
                         answers its own origin and clients that send no Origin.",
                        printable(origin)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Refuses an admin call without the admin key.
    pub fn check_admin(&self, req: &ApiRequest) -> Result<(), ApiError> {
        let given = req.header(ADMIN_KEY_HEADER).unwrap_or("");
        if same(given.as_bytes(), self.admin_key.as_bytes()) {
            return Ok(());
        }
        Err(ApiError::new(
            401,
            "0x80040220",
            format!(
                "The sandbox's admin endpoints need its admin key in the {ADMIN_KEY_HEADER} \
                 header (`ferry sandbox` prints it as \"Admin key\")."
            ),
        ))
    }

    /// Whether `authority` (`host[:port]`) is a loopback name of this sandbox.
    fn is_own_authority(&self, authority: &str) -> bool {
        let authority = authority.trim().to_ascii_lowercase();
        let (name, port) = match authority.rsplit_once(':') {
            Some((name, port)) if !port.contains(']') => (name, port.parse::<u16>().ok()),
            _ => (authority.as_str(), None),
        };
        let default = if self.scheme == "https" { 443 } else { 80 };
        let port_ok = port.unwrap_or(default) == self.port;
        port_ok && matches!(name, "127.0.0.1" | "localhost" | "[::1]")
    }
}

/// Equality that takes as long however early the inputs differ, so timing does not leak a key.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A header value shortened and stripped of control characters, for an error message.
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(100).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)]) -> ApiRequest {
        ApiRequest::new(
            "GET".into(),
            "/".into(),
            String::new(),
            headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            bytes::Bytes::new(),
        )
    }

    #[test]
    fn only_loopback_names_with_the_sandboxs_port_pass_as_host() {
        let gate = Gate::new(5555, false, "k".into());
        for good in [
            "127.0.0.1:5555",
            "localhost:5555",
            "LOCALHOST:5555",
            "[::1]:5555",
        ] {
            assert!(
                gate.check_origin(&request(&[("host", good)])).is_ok(),
                "{good} names the sandbox"
            );
        }
        for bad in [
            "",
            "127.0.0.1",
            "127.0.0.1:5556",
            "evil.example:5555",
            "localhost.evil.example:5555",
            "[::1]",
            "127.0.0.2:5555",
        ] {
            let e = gate
                .check_origin(&request(&[("host", bad)]))
                .expect_err("a foreign Host is refused");
            assert_eq!(e.status, 421, "{bad:?} is refused as misdirected");
        }
    }

    #[test]
    fn only_the_sandboxs_own_origin_passes() {
        let gate = Gate::new(443, true, "k".into());
        let host = ("host", "localhost");
        assert!(
            gate.check_origin(&request(&[host])).is_ok(),
            "no Origin (a non-browser client) passes, and 443 is https' default port"
        );
        for good in ["https://127.0.0.1", "https://localhost:443"] {
            assert!(
                gate.check_origin(&request(&[host, ("origin", good)]))
                    .is_ok(),
                "{good} is the sandbox's own origin"
            );
        }
        for bad in [
            "null",
            "http://127.0.0.1",
            "https://evil.example",
            "https://127.0.0.1:444",
        ] {
            let e = gate
                .check_origin(&request(&[host, ("origin", bad)]))
                .expect_err("a foreign Origin is refused");
            assert_eq!(e.status, 403, "{bad} is refused as cross-site");
        }
    }

    #[test]
    fn admin_calls_need_the_exact_admin_key() {
        let gate = Gate::new(5555, false, "secret-key".into());
        assert!(
            gate.check_admin(&request(&[(ADMIN_KEY_HEADER, "secret-key")]))
                .is_ok(),
            "the admin key opens the admin surface"
        );
        for bad in [
            vec![],
            vec![(ADMIN_KEY_HEADER, "secret-kez")],
            vec![(ADMIN_KEY_HEADER, "")],
        ] {
            assert_eq!(
                gate.check_admin(&request(&bad)).map_err(|e| e.status),
                Err(401),
                "{bad:?} does not open the admin surface"
            );
        }
    }
}
