//! Which host a failed connection is blamed on, and which input: the sign-in host that cannot
//! be reached (the network's doing), a Dynamics host that does not exist (the URL's), and an
//! offline computer where no name resolves (nobody's input).
//!
//! Nothing here touches the internet: names that must not exist are under `.invalid` (RFC 6761
//! reserves it: it never resolves), and "offline" is a resolver injected into the client that
//! fails every lookup, standing in for a machine with no network. Requests that should succeed
//! go over real HTTP to a loopback sandbox.

mod dataverse_support;

use dataverse_support::*;
use ferry_core::dataverse::auth::{AccessToken, FixedToken};
use ferry_core::dataverse::dns::{LookupFailed, Resolver};
use ferry_core::dataverse::{ClientConfig, DataverseClient, DataverseError, NetworkFailure};
use reqwest::dns::{Name, Resolve, Resolving};
use std::sync::Arc;
use std::time::Duration;

/// Fails every lookup the way getaddrinfo does when no DNS server can be reached: this stands
/// in for an offline machine.
struct OfflineResolver;

impl Resolve for OfflineResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let why = std::io::Error::other("Temporary failure in name resolution");
            Err(Box::new(LookupFailed::new(host, why)) as _)
        })
    }
}

fn offline() -> Resolver {
    Resolver::custom(Arc::new(OfflineResolver))
}

fn port_of(url: &str) -> &str {
    url.rsplit(':').next().expect("the sandbox URL has a port")
}

/// What the UI receives for this error: its code and the fields it marks.
fn reply(e: DataverseError) -> serde_json::Value {
    let reply = ferry_core::ErrorReply::from(&ferry_core::Error::from(e));
    serde_json::to_value(&reply).expect("an error reply serialises")
}

async fn who_am_i_error(config: ClientConfig) -> DataverseError {
    DataverseClient::new(config)
        .expect("the client builds")
        .who_am_i()
        .await
        .expect_err("the request cannot succeed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_the_sign_in_failure_blames_the_network_and_marks_no_field() {
    let env = start(|_| {});
    let mut cfg = config(&env.sb);
    // NOTE: the shape of a real tenant's settings, under .invalid so no lookup could succeed
    // even if the injected resolver were bypassed.
    cfg.org_url = "https://contoso.crm4.dynamics.invalid".into();
    cfg.scope = format!("{}/.default", cfg.org_url);
    cfg.token_url = "https://login.microsoftonline.invalid/t/oauth2/v2.0/token".into();
    cfg.resolver = offline();
    let e = who_am_i_error(cfg).await;
    let text = e.to_string();
    assert!(
        matches!(
            e,
            DataverseError::Network {
                kind: NetworkFailure::Offline,
                field: None,
                ..
            }
        ),
        "no name resolves: the computer is offline, and no input is to blame: {e:?}"
    );
    assert!(
        text.contains("offline")
            && !text.contains("Dynamics URL")
            && !text.contains("does not exist"),
        "the message says the network, not the URL: {text}"
    );
    let json = reply(e);
    assert_eq!(
        json["code"], "network",
        "an offline failure is a network error"
    );
    assert!(
        json.get("fields").is_none(),
        "an offline failure marks no field, least of all the Dynamics URL: {json}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_host_that_cannot_be_looked_up_while_others_can_blames_the_network() {
    let env = start(|_| {});
    let mut cfg = config(&env.sb);
    // The organisation is the sandbox by name (it resolves), the sign-in host does not.
    cfg.org_url = format!("http://localhost:{}", port_of(&env.sb.base_url));
    cfg.token_url = "https://login.ferry-test.invalid/t/oauth2/v2.0/token".into();
    let e = who_am_i_error(cfg).await;
    let text = e.to_string();
    assert!(
        matches!(
            e,
            DataverseError::Network {
                kind: NetworkFailure::Dns,
                field: None,
                ..
            }
        ),
        "the sign-in host is the cloud's, so its lookup failing blames no input: {e:?}"
    );
    assert!(
        text.contains("sign-in host login.ferry-test.invalid")
            && text.contains("firewall")
            && !text.contains("Dynamics URL"),
        "the message names the sign-in host and the network, not the URL: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dynamics_host_that_does_not_exist_after_signing_in_blames_the_dynamics_url() {
    let env = start(|_| {});
    let mut cfg = config(&env.sb);
    // Signs in at the sandbox for real (its own resource), then asks an organisation that
    // does not exist.
    cfg.org_url = "https://no-such-org.invalid".into();
    let e = who_am_i_error(cfg).await;
    let text = e.to_string();
    assert!(
        matches!(
            e,
            DataverseError::Network {
                kind: NetworkFailure::Dns,
                field: Some("dynamicsUrl"),
                ..
            }
        ),
        "sign-in worked, so a name that does not resolve is the URL's fault: {e:?}"
    );
    assert!(
        text.contains("no-such-org.invalid does not exist") && text.contains("Dynamics URL"),
        "the message names the host and says to check the URL: {text}"
    );
    let json = reply(e);
    assert_eq!(
        json["fields"][0]["field"], "dynamicsUrl",
        "the Dynamics URL field is marked: {json}"
    );
    assert_eq!(
        json["fields"][0]["message"], json["message"],
        "the field says the same as the message, once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn going_offline_with_a_token_in_hand_blames_the_network_not_the_dynamics_url() {
    let env = start(|_| {});
    let mut cfg = config(&env.sb);
    // The tables browser's case: a client that signed in earlier, so the first request that
    // fails is the organisation's; the sign-in host is then asked for as the second name.
    cfg.org_url = format!("http://localhost:{}", port_of(&env.sb.base_url));
    cfg.token_url = "https://login.ferry-test.invalid/t/oauth2/v2.0/token".into();
    cfg.resolver = offline();
    let token = FixedToken(AccessToken::new("earlier", Duration::from_secs(3600)));
    let e = DataverseClient::with_token_source(cfg, Arc::new(token))
        .expect("the client builds")
        .who_am_i()
        .await
        .expect_err("offline, nothing answers");
    let text = e.to_string();
    assert!(
        matches!(
            e,
            DataverseError::Network {
                kind: NetworkFailure::Offline,
                field: None,
                ..
            }
        ),
        "the sign-in host does not resolve either: offline, not a wrong URL: {e:?}"
    );
    assert!(
        !text.contains("Dynamics URL") && text.contains("offline"),
        "the message says offline: {text}"
    );
}
