//! The Dataverse client against the sandbox over real loopback HTTP: sign-in and its errors,
//! token renewal, throttling and injected faults; plus permission errors from a canned server.
//!
//! Each test starts its own sandbox in-process with a temporary data file. No assertion depends
//! on timing: throttling and renewal tests check counters and outcomes, not durations.

mod dataverse_support;

use dataverse_support::*;
use ferry_core::dataverse::auth::{
    AccessToken, ClientCredentials, Clock, TokenFuture, TokenSource,
};
use ferry_core::dataverse::bulk::{self, BulkOp, BulkOptions};
use ferry_core::dataverse::client::{http_client, Request};
use ferry_core::dataverse::records::{self, WriteKind};
use ferry_core::dataverse::{AuthFailure, DataverseClient, DataverseError, NetworkFailure};
use ferry_core::secrets::Secret;
use ferry_sandbox::{Faults, Limits};
use serde_json::{json, Map};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_and_who_am_i_return_the_sandbox_identity_and_dop_hint() {
    let env = start(|c| c.dop_hint = 11);
    let c = client(&env.sb);
    let who = c.who_am_i().await.expect("WhoAmI answers");
    assert_eq!(
        who.user_id.len(),
        36,
        "the user id is a GUID: {}",
        who.user_id
    );
    assert_eq!(
        who.organization_id.len(),
        36,
        "the organisation id is a GUID"
    );
    assert_eq!(c.dop_hint(), 11, "the server's x-ms-dop-hint is read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_the_sandbox_ca_works_and_without_it_is_a_tls_error() {
    let env = start(|c| c.https = true);
    let c = client(&env.sb);
    c.who_am_i()
        .await
        .expect("WhoAmI over HTTPS with the extra CA");
    let mut untrusted = config(&env.sb);
    untrusted.extra_ca_pem = None;
    let e = DataverseClient::new(untrusted)
        .unwrap()
        .who_am_i()
        .await
        .expect_err("an untrusted certificate is refused");
    assert!(
        matches!(
            e,
            DataverseError::Network {
                kind: NetworkFailure::Tls,
                ..
            }
        ),
        "the failure is named as TLS: {e:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_secret_tenant_and_app_give_actionable_sign_in_errors() {
    let env = start(|_| {});
    let mut bad_secret = config(&env.sb);
    bad_secret.client_secret = Secret::new("not-the-secret");
    let e = DataverseClient::new(bad_secret)
        .unwrap()
        .who_am_i()
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            DataverseError::Auth {
                failure: AuthFailure::BadSecret,
                ..
            }
        ),
        "a wrong secret is AADSTS7000215: {e:?}"
    );
    assert!(
        !e.to_string().contains("not-the-secret"),
        "the secret is never echoed: {e}"
    );

    let mut bad_app = config(&env.sb);
    bad_app.client_id = "00000000-0000-0000-0000-0000000000aa".into();
    let e = DataverseClient::new(bad_app)
        .unwrap()
        .who_am_i()
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            DataverseError::Auth {
                failure: AuthFailure::UnknownApp,
                ..
            }
        ),
        "an unknown app is AADSTS700016: {e:?}"
    );

    let mut cfg = config(&env.sb);
    cfg.token_url = cfg.token_url.replace(&env.sb.tenant, "no-such-tenant");
    let e = DataverseClient::new(cfg)
        .unwrap()
        .who_am_i()
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            DataverseError::Auth {
                failure: AuthFailure::UnknownTenant,
                ..
            }
        ),
        "an unknown tenant is AADSTS90002: {e:?}"
    );
    let reply = ferry_core::ErrorReply::from(&ferry_core::Error::from(e));
    assert_eq!(
        serde_json::to_value(&reply).unwrap()["code"],
        "auth_failed",
        "sign-in errors reach the UI as auth_failed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_host_is_a_dns_error_that_names_the_url() {
    let mut cfg = config(&start(|_| {}).sb);
    cfg.org_url = "https://no-such-org.invalid".into();
    cfg.token_url = "https://no-such-org.invalid/t/oauth2/v2.0/token".into();
    let e = DataverseClient::new(cfg)
        .unwrap()
        .who_am_i()
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            DataverseError::Network {
                kind: NetworkFailure::Dns,
                ..
            }
        ),
        "a host that does not resolve is a DNS failure: {e:?}"
    );
    assert!(
        e.to_string().contains("no-such-org.invalid"),
        "names the host: {e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_that_is_not_a_web_api_is_a_404_that_says_to_check_the_url() {
    let env = start(|_| {});
    let mut cfg = config(&env.sb);
    cfg.api_version = "7.1".into();
    let e = DataverseClient::new(cfg)
        .unwrap()
        .who_am_i()
        .await
        .unwrap_err();
    assert!(
        matches!(&e, DataverseError::Api(a) if a.status == 404),
        "a wrong version or org path is a 404: {e:?}"
    );
    assert!(
        e.to_string().contains("check the Dynamics URL"),
        "says what to fix: {e}"
    );
}

/// Hands out a token the server will refuse until asked to renew, then real ones.
struct StaleFirst {
    inner: ClientCredentials,
    stale_given: AtomicBool,
}

impl TokenSource for StaleFirst {
    fn token(&self, renew: bool) -> TokenFuture<'_> {
        Box::pin(async move {
            if !renew && !self.stale_given.swap(true, Ordering::SeqCst) {
                return Ok(AccessToken::new(
                    "stale.token.value",
                    Duration::from_secs(3600),
                ));
            }
            self.inner.token(renew).await
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_renews_the_token_once_and_replays_the_request() {
    let env = start(|_| {});
    let cfg = config(&env.sb);
    let http = http_client(&cfg).unwrap();
    let tokens = Arc::new(StaleFirst {
        inner: ClientCredentials::new(http, Arc::new(cfg.clone())),
        stale_given: AtomicBool::new(false),
    });
    let c = DataverseClient::with_token_source(cfg, tokens.clone()).unwrap();
    let id = records::write(
        &c,
        WriteKind::Create,
        "contacts",
        None,
        &record(&[("lastname", json!("Renewed"))]),
    )
    .await
    .expect("the create succeeds after one renewal");
    assert!(id.is_some(), "the created id is reported");
    assert_eq!(
        c.stats.renewals.load(Ordering::Relaxed),
        1,
        "exactly one renewal"
    );
    assert_eq!(tokens.inner.sign_ins(), 1, "one real sign-in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_reused_until_their_renewal_time_and_renewed_after_it() {
    // NOTE: the token cache reads a clock the test moves on, so no real time passes; the
    // sandbox's tokens last an hour of real time, far longer than the test runs.
    let env = start(|c| c.token_lifetime = Duration::from_secs(3600));
    let cfg = config(&env.sb);
    let http = http_client(&cfg).unwrap();
    let now = Arc::new(std::sync::Mutex::new(Instant::now()));
    let clock_now = now.clone();
    let clock: Clock = Arc::new(move || *clock_now.lock().unwrap());
    let tokens = Arc::new(ClientCredentials::with_clock(
        http,
        Arc::new(cfg.clone()),
        clock,
    ));
    let c = DataverseClient::with_token_source(cfg, tokens.clone()).unwrap();
    let advance = |d: Duration| *now.lock().unwrap() += d;
    c.who_am_i().await.expect("the first call signs in");
    assert_eq!(tokens.sign_ins(), 1, "the first call signs in once");
    advance(Duration::from_secs(3600 - 300 - 1));
    c.who_am_i().await.expect("the cached token still works");
    assert_eq!(
        tokens.sign_ins(),
        1,
        "an hour-long token is reused until five minutes before it ends"
    );
    advance(Duration::from_secs(2));
    c.who_am_i().await.expect("the renewed token works");
    assert_eq!(
        tokens.sign_ins(),
        2,
        "past its renewal time the token is renewed, once"
    );
    c.who_am_i().await.expect("the renewed token is reused");
    assert_eq!(tokens.sign_ins(), 2, "the renewed token is cached in turn");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_reply_with_a_huge_lifetime_signs_in_without_panicking() {
    for reply in [
        r#"{"token_type":"Bearer","expires_in":18446744073709551615,"access_token":"canned"}"#,
        r#"{"token_type":"Bearer","expires_in":"9223372036854775807","access_token":"canned"}"#,
    ] {
        let url = canned_server_with_token(
            reply,
            200,
            r#"{"OrganizationId":"o","UserId":"u","BusinessUnitId":"b"}"#,
        );
        let who = canned_client(&url)
            .who_am_i()
            .await
            .expect("a huge expires_in is clamped, and the call goes on");
        assert_eq!(
            who.user_id, "u",
            "WhoAmI answered after signing in with {reply}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_is_waited_out_with_retry_after_and_every_row_lands() {
    let env = start(|c| {
        c.limits = Some(Limits {
            requests_per_window: 4,
            execution_time_per_window: Duration::from_secs(600),
            concurrent_requests: 52,
            window: Duration::from_secs(2),
        })
    });
    // NOTE: pacing off: it would keep the client inside the budget, and this test is about
    // the server's refusals being waited out.
    let mut config = dataverse_support::config(&env.sb);
    config.pace = false;
    let c = Arc::new(DataverseClient::new(config).unwrap());
    let rows = contact_rows(24);
    let opts = BulkOptions {
        chunk_size: 3,
        parallelism: Some(4),
        use_bulk_messages: true,
    };
    let out = bulk::send(c.clone(), &contacts(), BulkOp::Upsert, rows, &opts)
        .await
        .expect("the send completes");
    assert_eq!(
        delivered(&out),
        24,
        "every row lands despite throttling: {out:?}"
    );
    let throttled = c.stats.throttled.load(Ordering::Relaxed);
    let requests = c.stats.requests.load(Ordering::Relaxed);
    assert!(
        throttled > 0,
        "the sandbox did throttle (else the test proves nothing)"
    );
    assert!(
        throttled * 2 <= requests,
        "waiting out Retry-After keeps refusals a minority ({throttled} of {requests})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unavailable_answers_and_dropped_connections_are_retried() {
    let env = start(|c| {
        c.faults = Faults {
            unavailable_every: Some(3),
            reset_every: Some(5),
            ..Faults::default()
        }
    });
    let c = client(&env.sb);
    for i in 0..8 {
        let rec = record(&[("lastname", json!(format!("Fault {i}")))]);
        records::write(
            &c,
            WriteKind::Upsert,
            "contacts",
            Some(&email_key(&format!("f{i}@x.example"))),
            &rec,
        )
        .await
        .expect("each write lands after retries");
    }
    assert!(
        c.stats.retries.load(Ordering::Relaxed) > 0,
        "503s and resets were retried"
    );
    for i in 0..8 {
        // NOTE: a $filter on the key column, not a read by key: a read by key would find one
        // row even if a replayed write had created a second.
        let path = format!(
            "contacts?$select=contactid&$filter=emailaddress1%20eq%20%27f{i}%40x.example%27"
        );
        let found: serde_json::Value = c
            .send(&Request::new(reqwest::Method::GET, path))
            .await
            .expect("the filtered query answers")
            .json()
            .unwrap();
        assert_eq!(
            found["value"].as_array().map(Vec::len),
            Some(1),
            "row {i} exists exactly once after retries: {found}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_application_user_or_privilege_says_what_to_set_up() {
    let url = canned_server(
        403,
        r#"{"error":{"code":"0x80072560","message":"The user is not a member of the organization."}}"#,
    );
    let e = canned_client(&url).who_am_i().await.unwrap_err();
    assert!(
        matches!(e, DataverseError::Forbidden { .. }),
        "403 is forbidden: {e:?}"
    );
    assert!(
        e.to_string()
            .contains("application user for client ID app-id"),
        "says to create the application user: {e}"
    );
    assert_eq!(
        ferry_core::Error::from(e).code(),
        ferry_core::ErrorCode::Forbidden,
        "reaches the UI as forbidden"
    );

    let url = canned_server(
        403,
        r#"{"error":{"code":"0x80040220","message":"Principal user (Id=1, type=8) is missing prvCreateContact privilege (Id=2)."}}"#,
    );
    let e = records::write(
        &canned_client(&url),
        WriteKind::Create,
        "contacts",
        None,
        &Map::new(),
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string().contains("prvCreateContact") && e.to_string().contains("security role"),
        "names the missing privilege and the fix: {e}"
    );
}
