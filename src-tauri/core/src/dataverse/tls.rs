//! Which certificates Ferry trusts, per server name.
//!
//! An extra CA (the sandbox's, from `trusted-ca.pem` or [`super::ClientConfig::extra_ca_pem`])
//! vouches for loopback servers only: `localhost`, 127.0.0.0/8 and `::1`. Every other host, in
//! particular the real organisation and sign-in hosts, is verified against the platform's roots
//! alone. Otherwise anyone who could read that CA's key (or plant a CA file in the data folder)
//! could impersonate `login.microsoftonline.com` and receive a client secret. A proxy that
//! inspects TLS therefore needs its CA in the operating system's trust store, where every
//! program's trust is managed.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_platform_verifier::Verifier;
use std::sync::Arc;

/// A certificate verifier that lets extra roots vouch for loopback servers only.
#[derive(Debug)]
pub struct LoopbackScopedVerifier {
    /// The platform's roots alone, for every non-loopback host. An error when the system has no
    /// roots at all: then only loopback servers can be reached, and others fail with it.
    platform: Result<Verifier, rustls::Error>,
    /// The platform's roots plus the extra ones, for loopback servers; `None` without extras.
    loopback: Option<Verifier>,
    provider: Arc<CryptoProvider>,
}

impl LoopbackScopedVerifier {
    /// A verifier trusting the platform's roots everywhere and `extra_roots` on loopback only.
    pub fn new(
        extra_roots: Vec<CertificateDer<'static>>,
        provider: Arc<CryptoProvider>,
    ) -> Result<Self, rustls::Error> {
        let loopback = if extra_roots.is_empty() {
            None
        } else {
            Some(Verifier::new_with_extra_roots(
                extra_roots,
                provider.clone(),
            )?)
        };
        Ok(LoopbackScopedVerifier {
            platform: Verifier::new(provider.clone()),
            loopback,
            provider,
        })
    }
}

/// Whether `name` can only be this computer: `localhost`, 127.0.0.0/8 or `::1`.
pub fn is_loopback_name(name: &ServerName<'_>) -> bool {
    match name {
        ServerName::DnsName(dns) => dns.as_ref().eq_ignore_ascii_case("localhost"),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).is_loopback(),
        _ => false,
    }
}

impl ServerCertVerifier for LoopbackScopedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verifier = match &self.loopback {
            Some(extra) if is_loopback_name(server_name) => extra,
            _ => self.platform.as_ref().map_err(Clone::clone)?,
        };
        verifier.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    };

    /// A CA that is not name-constrained, as a careless or stolen CA would be, and a function
    /// issuing leaves under it.
    fn rogue_ca() -> (
        CertificateDer<'static>,
        impl Fn(&str) -> CertificateDer<'static>,
    ) {
        let ca_key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "Unconstrained test CA");
        let ca = params.self_signed(&ca_key).unwrap();
        let ca_der = ca.der().clone();
        let issue = move |name: &str| {
            let mut leaf = CertificateParams::new(vec![name.to_string()]).unwrap();
            leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            let key = KeyPair::generate().unwrap();
            leaf.signed_by(&key, &ca, &ca_key).unwrap().der().clone()
        };
        (ca_der, issue)
    }

    fn verify(v: &LoopbackScopedVerifier, leaf: &CertificateDer<'_>, name: &str) -> bool {
        let name = ServerName::try_from(name.to_string()).unwrap();
        v.verify_server_cert(leaf, &[], &name, &[], UnixTime::now())
            .is_ok()
    }

    #[test]
    fn an_extra_ca_vouches_for_loopback_servers_but_never_for_cloud_hosts() {
        let (ca, issue) = rogue_ca();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let v = LoopbackScopedVerifier::new(vec![ca], provider).unwrap();
        for host in [
            "login.microsoftonline.com",
            "org.crm.dynamics.com",
            "login.microsoftonline.us",
        ] {
            assert!(
                !verify(&v, &issue(host), host),
                "a certificate for {host} from the extra CA is rejected"
            );
        }
        for host in ["localhost", "127.0.0.1", "127.3.2.1", "::1"] {
            assert!(
                verify(&v, &issue(host), host),
                "a certificate for {host} from the extra CA is accepted"
            );
        }
    }

    #[test]
    fn loopback_means_localhost_and_loopback_addresses_only() {
        let name = |s: &str| ServerName::try_from(s.to_string()).unwrap();
        for yes in ["localhost", "LOCALHOST", "127.0.0.1", "127.255.0.9", "::1"] {
            assert!(is_loopback_name(&name(yes)), "{yes} is loopback");
        }
        for no in [
            "localhost.example.com",
            "127.0.0.1.nip.io",
            "10.0.0.1",
            "::2",
            "login.microsoftonline.com",
        ] {
            assert!(!is_loopback_name(&name(no)), "{no} is not loopback");
        }
    }
}
