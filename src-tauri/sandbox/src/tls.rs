//! The certificate HTTPS mode serves: a local CA and a loopback leaf it signs.
//!
//! A separate CA (rather than one self-signed leaf) is what strict verifiers such as Python's
//! `ssl` accept as a trust anchor, so clients can trust the sandbox through configuration alone
//! (`REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`, `NODE_EXTRA_CA_CERTS`). The CA key is kept in the
//! sandbox's data file so a CA trusted once stays trusted across restarts.
//!
//! Because people are told to trust this CA, it must not be able to vouch for anything but
//! this machine: it is name-constrained to `localhost`, 127.0.0.0/8 and ::1, may sign
//! certificates and nothing else, allows no intermediate CAs below it, and is valid for two
//! years from each start (the certificate is re-issued on every start; the key is kept).

use crate::error::SandboxError;
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, CidrSubnet, DnType, ExtendedKeyUsagePurpose,
    GeneralSubtree, IsCa, KeyPair, KeyUsagePurpose, NameConstraints, SerialNumber,
};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{crypto::ring, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// Subject of the CA; kept stable so a stored key re-issues "the same" CA.
const CA_NAME: &str = "Ferry sandbox local CA";

/// How long the CA certificate is valid from each start.
const CA_VALIDITY: Duration = Duration::days(730);

/// How long a leaf certificate is valid from each start.
const LEAF_VALIDITY: Duration = Duration::days(365);

/// The names the leaf is issued for; each lies inside the CA's permitted subtrees.
const LEAF_NAMES: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

/// The sandbox's certificate authority: its key and a certificate issued at this start.
pub struct LocalCa {
    key: KeyPair,
    cert: Certificate,
}

fn tls_err(e: impl std::fmt::Display) -> SandboxError {
    SandboxError::Tls(e.to_string())
}

/// A random, positive serial number, so a re-issued certificate never repeats one.
fn serial() -> SerialNumber {
    let mut bytes = *uuid::Uuid::new_v4().as_bytes();
    bytes[0] &= 0x7f;
    SerialNumber::from_slice(&bytes)
}

impl LocalCa {
    /// Issues the CA certificate for the stored key (`ca_key_pem`) or for a new key.
    pub fn load_or_create(ca_key_pem: Option<&str>) -> Result<Self, SandboxError> {
        let key = match ca_key_pem {
            Some(pem) => KeyPair::from_pem(pem).map_err(|e| {
                SandboxError::Tls(format!("the stored CA key cannot be read ({e})"))
            })?,
            None => KeyPair::generate().map_err(tls_err)?,
        };
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(tls_err)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.name_constraints = Some(NameConstraints {
            permitted_subtrees: vec![
                GeneralSubtree::DnsName("localhost".into()),
                GeneralSubtree::IpAddress(CidrSubnet::V4([127, 0, 0, 0], [255, 0, 0, 0])),
                GeneralSubtree::IpAddress(CidrSubnet::V6(
                    std::net::Ipv6Addr::LOCALHOST.octets(),
                    [0xff; 16],
                )),
            ],
            excluded_subtrees: Vec::new(),
        });
        params.distinguished_name.push(DnType::CommonName, CA_NAME);
        let now = OffsetDateTime::now_utc();
        // NOTE: a day of slack for clocks that run behind this machine's.
        params.not_before = now - Duration::days(1);
        params.not_after = now + CA_VALIDITY;
        params.serial_number = Some(serial());
        let cert = params.self_signed(&key).map_err(tls_err)?;
        Ok(Self { key, cert })
    }

    /// The CA certificate as PEM (what clients are told to trust).
    pub fn cert_pem(&self) -> String {
        self.cert.pem()
    }

    /// The CA key as PEM (stored so the CA survives restarts).
    pub fn key_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// Signs a server certificate for `names` with a fresh key.
    pub fn leaf(&self, names: &[&str]) -> Result<(Certificate, KeyPair), SandboxError> {
        let key = KeyPair::generate().map_err(tls_err)?;
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).map_err(tls_err)?;
        // NOTE: a CN inside the permitted DNS subtree, because some verifiers also hold the
        // subject's CN to the CA's name constraints.
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::days(1);
        params.not_after = now + LEAF_VALIDITY;
        params.serial_number = Some(serial());
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .map_err(tls_err)?;
        Ok((cert, key))
    }

    /// A TLS acceptor serving a loopback leaf signed by this CA (and the CA, as its chain).
    pub fn acceptor(&self) -> Result<TlsAcceptor, SandboxError> {
        let (leaf, leaf_key) = self.leaf(&LEAF_NAMES)?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(tls_err)?
            .with_no_client_auth()
            .with_single_cert(vec![leaf.der().clone(), self.cert.der().clone()], key)
            .map_err(tls_err)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tests;
