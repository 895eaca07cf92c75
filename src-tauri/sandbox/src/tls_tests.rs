//! The CA's trust scope, checked with the same verifier Ferry's client uses (rustls/webpki)
//! and by reading the certificate's extensions back with `x509-parser`.

use super::*;
use tokio_rustls::rustls::client::danger::ServerCertVerifier;
use tokio_rustls::rustls::client::WebPkiServerVerifier;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::RootCertStore;
use x509_parser::prelude::{FromDer, X509Certificate};

/// Verifies `leaf` for `host` trusting only `ca`, as a client with that one extra root would.
fn verify(ca: &LocalCa, leaf: &Certificate, host: &str) -> Result<(), String> {
    let mut roots = RootCertStore::empty();
    roots
        .add(ca.cert.der().clone())
        .expect("the CA is a usable root");
    let verifier = WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::new(ring::default_provider()),
    )
    .build()
    .expect("the verifier builds");
    let name = ServerName::try_from(host.to_string()).expect("a valid server name");
    verifier
        .verify_server_cert(
            &CertificateDer::from(leaf.der().to_vec()),
            &[],
            &name,
            &[],
            UnixTime::now(),
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[test]
fn a_certificate_the_ca_mints_for_a_real_sign_in_host_is_refused() {
    let ca = LocalCa::load_or_create(None).expect("the CA is made");
    let host = "login.microsoftonline.com";
    let (forged, _) = ca
        .leaf(&[host])
        .expect("rcgen signs whatever it is asked to");
    let verdict = verify(&ca, &forged, host);
    assert!(
        verdict.is_err(),
        "a client trusting the sandbox CA must refuse its certificate for {host}"
    );
}

#[test]
fn the_sandboxs_own_loopback_certificate_is_accepted() {
    let ca = LocalCa::load_or_create(None).expect("the CA is made");
    let (leaf, _) = ca.leaf(&LEAF_NAMES).expect("the leaf is signed");
    for host in ["127.0.0.1", "localhost", "::1"] {
        assert_eq!(
            verify(&ca, &leaf, host),
            Ok(()),
            "the loopback leaf verifies for {host} against the sandbox CA alone"
        );
    }
}

#[test]
fn a_ca_re_issued_from_the_stored_key_still_trusts_leaves_of_the_old_one() {
    let first = LocalCa::load_or_create(None).expect("the CA is made");
    let second = LocalCa::load_or_create(Some(&first.key_pem())).expect("the stored key loads");
    let (leaf, _) = second.leaf(&LEAF_NAMES).expect("the leaf is signed");
    assert_eq!(
        verify(&first, &leaf, "127.0.0.1"),
        Ok(()),
        "a client that trusted the CA before a restart trusts the restarted sandbox"
    );
}

#[test]
fn the_ca_is_short_lived_limited_to_signing_and_allows_no_intermediates() {
    let ca = LocalCa::load_or_create(None).expect("the CA is made");
    let (_, cert) = X509Certificate::from_der(ca.cert.der()).expect("the CA parses");
    let validity = cert.validity();
    let seconds = validity.not_after.timestamp() - validity.not_before.timestamp();
    assert!(
        seconds <= 3 * 366 * 86_400,
        "the CA is valid for a few years at most, not {} days",
        seconds / 86_400
    );
    let usage = cert
        .key_usage()
        .expect("the key usage parses")
        .expect("the CA has a key usage extension")
        .value;
    assert!(
        usage.key_cert_sign() && usage.crl_sign(),
        "the CA may sign certificates and CRLs"
    );
    assert!(
        !usage.digital_signature()
            && !usage.key_encipherment()
            && !usage.data_encipherment()
            && !usage.key_agreement()
            && !usage.non_repudiation(),
        "the CA's key may be used for nothing but signing certificates and CRLs: {usage}"
    );
    let constraints = cert
        .basic_constraints()
        .expect("basic constraints parse")
        .expect("the CA has basic constraints")
        .value;
    assert!(
        constraints.ca && constraints.path_len_constraint == Some(0),
        "the CA can sign leaves but no intermediate CAs"
    );
    let names = cert
        .name_constraints()
        .expect("name constraints parse")
        .expect("the CA is name-constrained");
    assert!(
        names.critical,
        "name constraints are critical, so verifiers that cannot apply them refuse the CA"
    );
}
