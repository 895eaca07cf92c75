//! More than one app registration: each signs in as its own application user, WhoAmI names
//! that user, and service-protection limits are counted for each user apart.

use crate::common::{client, post_form, reply, Env, Reply};
use ferry_sandbox::{AppRegistration, Limits, Profile, Sandbox, SandboxConfig, SandboxHandle};

/// A demo sandbox with `extra` app registrations after the first.
fn with_apps(extra: usize) -> SandboxConfig {
    SandboxConfig {
        extra_apps: AppRegistration::stored(extra),
        ..SandboxConfig::for_profile(Profile::Demo)
    }
}

/// Asks for a token with this client id and secret; the raw reply, so refusals can be read.
async fn token_reply(http: &reqwest::Client, sb: &SandboxHandle, id: &str, secret: &str) -> Reply {
    let scope = sb.scope();
    post_form(
        http,
        &sb.token_url(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
            ("scope", &scope),
        ],
    )
    .await
}

async fn token_for(http: &reqwest::Client, sb: &SandboxHandle, i: usize) -> String {
    let app = &sb.apps[i];
    let r = token_reply(http, sb, &app.client_id, &app.client_secret).await;
    assert_eq!(r.status, 200, "app {i} signs in: {}", r.text);
    r.json()["access_token"]
        .as_str()
        .expect("a token is issued")
        .to_string()
}

async fn who_am_i(http: &reqwest::Client, sb: &SandboxHandle, token: &str) -> Reply {
    let r = http
        .get(format!("{}/api/data/v9.2/WhoAmI", sb.base_url))
        .bearer_auth(token)
        .header("Accept", "application/json")
        .send()
        .await
        .expect("the sandbox answers");
    reply(r).await
}

#[tokio::test]
async fn each_app_registration_signs_in_as_its_own_application_user() {
    let env = Env::with(with_apps(1)).await;
    let sb = &env.sb;
    assert_eq!(sb.apps.len(), 2, "the first app and one extra");
    assert_eq!(
        sb.apps[0].client_id, sb.client_id,
        "the first app is the one the handle has always named"
    );
    assert_ne!(
        sb.apps[0].client_id, sb.apps[1].client_id,
        "each app has its own client id"
    );
    let mut users = Vec::new();
    for i in 0..2 {
        let token = token_for(&env.http, sb, i).await;
        let r = who_am_i(&env.http, sb, &token).await;
        assert_eq!(r.status, 200, "WhoAmI answers app {i}: {}", r.text);
        let user = r.json()["UserId"].as_str().expect("a UserId").to_string();
        assert_eq!(user, sb.apps[i].user_id, "WhoAmI names app {i}'s own user");
        users.push(user);
    }
    assert_ne!(users[0], users[1], "two apps are two application users");
}

#[tokio::test]
async fn a_secret_signs_in_only_its_own_app() {
    let env = Env::with(with_apps(1)).await;
    let sb = &env.sb;
    let r = token_reply(
        &env.http,
        sb,
        &sb.apps[0].client_id,
        &sb.apps[1].client_secret,
    )
    .await;
    assert_eq!(r.status, 401, "another app's secret is refused: {}", r.text);
    assert_eq!(
        r.json()["error"],
        "invalid_client",
        "Entra's error for a bad secret"
    );
}

#[tokio::test]
async fn limits_are_counted_for_each_application_user_apart() {
    let env = Env::with(SandboxConfig {
        limits: Some(Limits {
            requests_per_window: 2,
            ..Limits::dataverse_defaults()
        }),
        ..with_apps(1)
    })
    .await;
    let sb = &env.sb;
    let first = token_for(&env.http, sb, 0).await;
    let second = token_for(&env.http, sb, 1).await;
    for n in 1..=2 {
        let r = who_am_i(&env.http, sb, &first).await;
        assert_eq!(
            r.status, 200,
            "the first user's request {n} is within its limit"
        );
    }
    let r = who_am_i(&env.http, sb, &first).await;
    assert_eq!(r.status, 429, "the first user is throttled: {}", r.text);
    assert_eq!(r.error_code(), "0x80072322", "the number-of-requests code");
    for n in 1..=2 {
        let r = who_am_i(&env.http, sb, &second).await;
        assert_eq!(
            r.status, 200,
            "the second user's request {n} is still served: {}",
            r.text
        );
    }
    let r = who_am_i(&env.http, sb, &second).await;
    assert_eq!(r.status, 429, "the second user has its own limit too");
}

#[tokio::test]
async fn extra_apps_are_remembered_in_the_data_file() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = SandboxConfig {
        data_path: Some(dir.path().join("sandbox.sqlite3")),
        ..with_apps(2)
    };
    let first = Sandbox::start(config.clone()).expect("the sandbox starts");
    let apps = first.apps.clone();
    first.shutdown();
    let again = Sandbox::start(config).expect("the sandbox starts again");
    assert_eq!(
        again.apps, apps,
        "the same ids, secrets and users after a restart"
    );
    let http = client(&again);
    let token = token_for(&http, &again, 2).await;
    let r = who_am_i(&http, &again, &token).await;
    assert_eq!(
        r.json()["UserId"].as_str(),
        Some(apps[2].user_id.as_str()),
        "the third app is still its own user"
    );
}
