//! Name lookups for the Dataverse client: the resolver every request goes through, and the
//! probe that tells "this name does not exist" from "no name resolves at all" (the computer is
//! offline or its DNS server cannot be reached).
//!
//! The operating system's resolver answers both cases with an error whose text differs by
//! platform, so Ferry does not read it. Instead, after a failed lookup the caller asks for a
//! second name it knows exists (the other host of the same destination): if that fails too,
//! the network is down, not the name. The resolver is a seam: tests inject one that fails every
//! lookup, standing in for an offline machine, without touching the internet.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// How long the probe waits for its one lookup: a resolver that cannot be reached often hangs
/// rather than failing, and hanging that long already means no name resolves.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// A failed name lookup, as Ferry's resolver reports it: a type of our own, so the failure is
/// recognised by its type all the way up the error chain.
#[derive(Debug)]
pub struct LookupFailed {
    host: String,
    source: std::io::Error,
}

impl LookupFailed {
    /// The lookup of `host` failed with `source` (what the system resolver said).
    pub fn new(host: impl Into<String>, source: std::io::Error) -> Self {
        LookupFailed {
            host: host.into(),
            source,
        }
    }
}

impl fmt::Display for LookupFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the name {} could not be looked up", self.host)
    }
}

impl std::error::Error for LookupFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The operating system's resolver (getaddrinfo on a blocking thread, as reqwest's own does),
/// reporting failures as [`LookupFailed`].
struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map(|addrs| addrs.collect::<Vec<_>>());
            match found {
                Ok(addrs) => Ok(Box::new(addrs.into_iter()) as Addrs),
                Err(source) => Err(Box::new(LookupFailed::new(host, source)) as _),
            }
        })
    }
}

/// The resolver a client uses for every request and for the offline probe.
#[derive(Clone)]
pub struct Resolver(Arc<dyn Resolve>);

impl Resolver {
    /// The operating system's resolver.
    pub fn system() -> Self {
        Resolver(Arc::new(SystemResolver))
    }

    /// Another resolver (tests: one that fails every lookup, or one that can be switched off).
    pub fn custom(resolver: Arc<dyn Resolve>) -> Self {
        Resolver(resolver)
    }

    /// The resolver, for reqwest's client builder.
    pub fn shared(&self) -> Arc<dyn Resolve> {
        self.0.clone()
    }

    /// Whether `host` resolves to at least one address. An IP address needs no lookup and
    /// always does; a name that is not valid never does.
    pub async fn resolves(&self, host: &str) -> bool {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if bare.parse::<IpAddr>().is_ok() {
            return true;
        }
        let Ok(name) = Name::from_str(bare) else {
            return false;
        };
        match tokio::time::timeout(PROBE_TIMEOUT, self.0.resolve(name)).await {
            Ok(Ok(mut addrs)) => addrs.next().is_some(),
            _ => false,
        }
    }
}

impl Default for Resolver {
    fn default() -> Self {
        Self::system()
    }
}

impl fmt::Debug for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Resolver")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn addresses_resolve_without_a_lookup_and_invalid_names_never_do() {
        // NOTE: `.invalid` never resolves (RFC 6761), so neither lookup leaves this machine.
        let r = Resolver::system();
        assert!(
            r.resolves("127.0.0.1").await,
            "an IPv4 address needs no lookup"
        );
        assert!(r.resolves("[::1]").await, "nor a bracketed IPv6 address");
        assert!(
            !r.resolves("no-such-org.invalid").await,
            "a name under .invalid never resolves"
        );
        assert!(
            !r.resolves("bad name").await,
            "a malformed name never resolves"
        );
    }
}
