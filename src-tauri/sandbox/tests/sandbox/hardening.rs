//! Who may drive the sandbox: the admin key, and the Host and Origin checks that keep web
//! pages (cross-site requests, DNS rebinding) from reaching any endpoint.

use crate::common::{authority, raw, read_until_closed, status_of, Env};
use ferry_sandbox::{Profile, Sandbox, SandboxConfig, ADMIN_KEY_HEADER};
use std::io::Write;

#[tokio::test]
async fn admin_calls_without_the_admin_key_are_refused() {
    let env = Env::fast().await;
    env.send(
        "POST",
        "accounts",
        Some(&serde_json::json!({"name": "x"})),
        &[],
    )
    .await;
    let url = |path: &str| format!("{}/_sandbox/{path}", env.sb.base_url);
    let bare = env.http.post(url("reset")).send().await.expect("answers");
    let wrong = env
        .http
        .post(url("reset"))
        .header(ADMIN_KEY_HEADER, "not-the-key")
        .send()
        .await
        .expect("answers");
    let token = env
        .http
        .get(url("counts"))
        .bearer_auth(&env.token)
        .send()
        .await
        .expect("answers");
    for (what, r) in [
        ("no key", bare),
        ("a wrong key", wrong),
        ("a Web API token", token),
    ] {
        assert_eq!(
            r.status().as_u16(),
            401,
            "an admin call with {what} is refused"
        );
        let body: serde_json::Value = r.json().await.expect("a JSON error");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(ADMIN_KEY_HEADER)),
            "the refusal names the header to send: {body}"
        );
    }
    assert_eq!(
        env.admin("counts").await["account"],
        1,
        "the refused reset removed nothing, and the admin key opens the admin surface"
    );
}

#[tokio::test]
async fn the_admin_key_is_kept_in_the_data_file_across_restarts() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = SandboxConfig {
        data_path: Some(dir.path().join("sandbox.sqlite3")),
        ..SandboxConfig::for_profile(Profile::Fast)
    };
    let first = Sandbox::start(config.clone()).expect("starts");
    let key = first.admin_key.clone();
    first.shutdown();
    let second = Sandbox::start(config).expect("restarts");
    assert!(
        key.len() >= 40,
        "the admin key is long enough not to be guessed"
    );
    assert_eq!(
        second.admin_key, key,
        "scripts holding the admin key keep working after a restart"
    );
    let other = Sandbox::start(SandboxConfig::for_profile(Profile::Fast)).expect("starts");
    assert_ne!(other.admin_key, key, "each sandbox has its own admin key");
}

/// Sends `head` (without the Host line) with `Host: host` and returns the raw response.
fn with_host(env: &Env, head: &str, host: &str) -> String {
    let mut stream = raw(&env.sb);
    let request = format!("{head}\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .expect("the request is sent");
    read_until_closed(&mut stream).expect("the sandbox answers and closes")
}

#[tokio::test]
async fn every_endpoint_refuses_a_host_that_is_not_the_sandboxs_loopback_name() {
    let env = Env::fast().await;
    let own = authority(&env.sb);
    let port = own.rsplit_once(':').expect("a port").1.to_string();
    let admin = format!(
        "GET /_sandbox/counts HTTP/1.1\r\n{ADMIN_KEY_HEADER}: {}",
        env.sb.admin_key
    );
    let sign_in = format!(
        "GET /{}/v2.0/.well-known/openid-configuration HTTP/1.1",
        env.sb.tenant
    );
    let web_api = format!(
        "GET /api/data/v9.2/WhoAmI HTTP/1.1\r\nAuthorization: Bearer {}",
        env.token
    );
    for (what, head) in [
        ("admin", &admin),
        ("sign-in", &sign_in),
        ("Web API", &web_api),
    ] {
        for host in [own.clone(), format!("localhost:{port}")] {
            let ok = with_host(&env, head, &host);
            assert_eq!(
                status_of(&ok),
                200,
                "the {what} endpoint answers Host {host}: {ok}"
            );
        }
        for host in [format!("rebound.example:{port}"), "127.0.0.1:1".to_string()] {
            let refused = with_host(&env, head, &host);
            assert_eq!(
                status_of(&refused),
                421,
                "the {what} endpoint refuses Host {host}: {refused}"
            );
            assert!(
                refused.contains("\"error\":{") && refused.contains("Host header"),
                "the refusal is a Dataverse-shaped error that names the Host header: {refused}"
            );
        }
    }
}

#[tokio::test]
async fn a_request_from_another_web_origin_is_refused_and_the_own_origin_passes() {
    let env = Env::fast().await;
    let who_am_i = |origin: &'static str| {
        env.http
            .get(env.api("WhoAmI"))
            .bearer_auth(&env.token)
            .header("Origin", origin)
            .send()
    };
    let foreign = who_am_i("https://attacker.example").await.expect("answers");
    assert_eq!(
        foreign.status().as_u16(),
        403,
        "a cross-site request is refused"
    );
    let reset = env
        .http
        .post(format!("{}/_sandbox/reset", env.sb.base_url))
        .header(ADMIN_KEY_HEADER, &env.sb.admin_key)
        .header("Origin", "null")
        .send()
        .await
        .expect("answers");
    assert_eq!(
        reset.status().as_u16(),
        403,
        "even with the admin key, a request from a sandboxed page (Origin: null) is refused"
    );
    let own = env.sb.base_url.clone();
    let same = env
        .http
        .get(env.api("WhoAmI"))
        .bearer_auth(&env.token)
        .header("Origin", own)
        .send()
        .await
        .expect("answers");
    assert_eq!(
        same.status().as_u16(),
        200,
        "the sandbox's own origin passes"
    );
}
