//! TLS failures over real loopback connections: a server that completes the handshake and then
//! drops the TCP connection without TLS's `close_notify` is a dropped connection (retried),
//! not an untrusted certificate; a server whose certificate is not trusted is one.

use ferry_core::cloud::Cloud;
use ferry_core::dataverse::{ClientConfig, DataverseClient, DataverseError, NetworkFailure};
use ferry_core::secrets::Secret;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::AsyncReadExt;

/// A CA (as PEM) and a certificate with its key for 127.0.0.1 issued by it.
fn loopback_identity() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "Test CA");
    let ca = ca.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    (ca.pem(), leaf.der().clone(), key)
}

/// A TLS server on 127.0.0.1 that completes each handshake, reads the request's first bytes
/// and drops the connection without `close_notify`. Returns its URL and a handshake counter.
async fn rude_tls_server(
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
) -> (String, Arc<AtomicUsize>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let handshakes = Arc::new(AtomicUsize::new(0));
    let counter = handshakes.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    counter.fetch_add(1, Ordering::SeqCst);
                    let mut buf = [0u8; 64];
                    let _ = tls.read(&mut buf).await;
                    // NOTE: dropped without shutdown(): the TCP connection closes and no
                    // close_notify alert is sent.
                    drop(tls);
                }
            });
        }
    });
    (url, handshakes)
}

fn client(url: &str, ca_pem: Option<String>) -> DataverseClient {
    let mut cfg = ClientConfig::new(
        Cloud::LocalSandbox,
        url,
        "9.2",
        "t",
        "app",
        Secret::new("s"),
    )
    .unwrap();
    cfg.extra_ca_pem = ca_pem;
    cfg.max_attempts = 2;
    DataverseClient::new(cfg).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_after_the_handshake_is_a_connection_failure_not_a_certificate_one() {
    let (ca_pem, cert, key) = loopback_identity();
    let (url, handshakes) = rude_tls_server(cert, key).await;
    let e = client(&url, Some(ca_pem))
        .sign_in()
        .await
        .expect_err("the server never answers");
    assert!(
        handshakes.load(Ordering::SeqCst) >= 1,
        "the handshake completed, so the certificate was trusted"
    );
    assert!(
        matches!(
            e,
            DataverseError::Network {
                kind: NetworkFailure::Connection,
                ..
            }
        ),
        "a connection closed without close_notify is a connection failure: {e:?}"
    );
    assert!(
        !e.to_string().contains("not trusted"),
        "and the message does not blame the certificate: {e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_certificate_from_an_unknown_ca_is_reported_as_untrusted() {
    let (_, cert, key) = loopback_identity();
    let (url, handshakes) = rude_tls_server(cert, key).await;
    let e = client(&url, None)
        .sign_in()
        .await
        .expect_err("the certificate is not trusted");
    assert_eq!(
        handshakes.load(Ordering::SeqCst),
        0,
        "no handshake completed"
    );
    assert!(
        matches!(
            e,
            DataverseError::Network {
                kind: NetworkFailure::Tls,
                ..
            }
        ),
        "an unknown issuer is a TLS trust failure: {e:?}"
    );
    assert!(
        e.to_string().contains("not trusted"),
        "the message says the certificate is not trusted: {e}"
    );
}
