//! The self-signed certificate HTTPS mode serves: a throwaway CA and a loopback leaf it signs.
//!
//! A separate CA (rather than one self-signed leaf) is what strict verifiers such as Python's
//! `ssl` accept as a trust anchor, so clients can trust the sandbox through configuration alone
//! (`REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`, `NODE_EXTRA_CA_CERTS`). The CA key is kept in the
//! sandbox's data file so a CA trusted once stays trusted across restarts; nothing here is
//! meant to protect anything.

use crate::error::SandboxError;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use std::sync::Arc;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{crypto::ring, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// A TLS acceptor, the PEM of the CA that signed its certificate, and the CA key's PEM.
///
/// `ca_key_pem` reuses a stored CA key (same subject and key, so clients that trusted it
/// before still do); `None` makes a new one.
pub fn acceptor(ca_key_pem: Option<&str>) -> Result<(TlsAcceptor, String, String), SandboxError> {
    let err = |e: &dyn std::fmt::Display| SandboxError::Tls(e.to_string());
    let ca_key = match ca_key_pem {
        Some(pem) => KeyPair::from_pem(pem).map_err(|e| err(&e))?,
        None => KeyPair::generate().map_err(|e| err(&e))?,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(|e| err(&e))?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Ferry sandbox local CA");
    let ca = ca_params.self_signed(&ca_key).map_err(|e| err(&e))?;
    let leaf_key = KeyPair::generate().map_err(|e| err(&e))?;
    let mut leaf_params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .map_err(|e| err(&e))?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    let leaf = leaf_params
        .signed_by(&leaf_key, &ca, &ca_key)
        .map_err(|e| err(&e))?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| err(&e))?
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone(), ca.der().clone()], key)
        .map_err(|e| err(&e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((
        TlsAcceptor::from(Arc::new(config)),
        ca.pem(),
        ca_key.serialize_pem(),
    ))
}
