//! Sign-in: token endpoints, Entra error bodies and the bearer check.

use crate::common::{client, post_form, reply, sign_in, Env};
use ferry_sandbox::{Profile, Sandbox, SandboxConfig};
use std::time::Duration;

#[tokio::test]
async fn client_credentials_yield_a_bearer_token_that_opens_who_am_i() {
    let env = Env::fast().await;
    let r = env.send("GET", "WhoAmI", None, &[]).await;
    assert_eq!(
        r.status, 200,
        "WhoAmI answers with a valid token: {}",
        r.text
    );
    let body = r.json();
    for field in ["BusinessUnitId", "UserId", "OrganizationId"] {
        assert!(
            body[field].as_str().is_some_and(|s| s.len() == 36),
            "{field} is a GUID: {body}"
        );
    }
    assert!(
        r.header("x-ms-dop-hint").is_some(),
        "Web API responses carry x-ms-dop-hint"
    );
}

#[tokio::test]
async fn retrieve_current_organization_names_the_organisation_who_am_i_reports() {
    let env = Env::fast().await;
    let who = env.send("GET", "WhoAmI", None, &[]).await.json();
    let r = env
        .send(
            "GET",
            "RetrieveCurrentOrganization(AccessType=@p1)?@p1=Microsoft.Dynamics.CRM.EndpointAccessType'Default'",
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "the function answers: {}", r.text);
    let detail = &r.json()["Detail"];
    assert_eq!(
        detail["OrganizationId"], who["OrganizationId"],
        "the same organisation as WhoAmI's: {detail}"
    );
    assert_eq!(
        detail["FriendlyName"], "Ferry sandbox",
        "the organisation has a friendly name: {detail}"
    );
    let bare = env
        .send("GET", "RetrieveCurrentOrganization()", None, &[])
        .await;
    assert_eq!(
        bare.status, 400,
        "AccessType is required, as in Dataverse: {}",
        bare.text
    );
}

#[tokio::test]
async fn a_wrong_secret_gets_aadsts7000215_with_401() {
    let sb = Sandbox::start(SandboxConfig::for_profile(Profile::Fast)).expect("starts");
    let http = client(&sb);
    let scope = sb.scope();
    let r = post_form(
        &http,
        &sb.token_url(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sb.client_id),
            ("client_secret", "nope"),
            ("scope", &scope),
        ],
    )
    .await;
    assert_eq!(r.status, 401, "bad client credentials are 401 as on Entra");
    let body = r.json();
    assert_eq!(
        body["error"], "invalid_client",
        "the OAuth error string: {body}"
    );
    assert_eq!(body["error_codes"][0], 7000215, "the AADSTS code: {body}");
    let text = body["error_description"].as_str().unwrap_or("");
    assert!(
        text.starts_with("AADSTS7000215:"),
        "the description starts with the code: {text}"
    );
    for field in ["timestamp", "trace_id", "correlation_id", "error_uri"] {
        assert!(
            body[field].is_string(),
            "{field} is present like Entra's: {body}"
        );
    }
}

#[tokio::test]
async fn an_unknown_app_gets_aadsts700016_and_an_unknown_tenant_aadsts90002() {
    let sb = Sandbox::start(SandboxConfig::for_profile(Profile::Fast)).expect("starts");
    let http = client(&sb);
    let scope = sb.scope();
    let other = "00000000-0000-0000-0000-000000000001";
    let r = post_form(
        &http,
        &sb.token_url(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", other),
            ("client_secret", &sb.client_secret),
            ("scope", &scope),
        ],
    )
    .await;
    assert_eq!(
        (r.status, r.json()["error_codes"][0].as_u64()),
        (400, Some(700016)),
        "unknown app: {}",
        r.text
    );
    assert_eq!(
        r.json()["error"],
        "unauthorized_client",
        "unknown app error string"
    );
    let url = format!("{}/{other}/oauth2/v2.0/token", sb.base_url);
    let r = post_form(
        &http,
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sb.client_id),
            ("client_secret", &sb.client_secret),
            ("scope", &scope),
        ],
    )
    .await;
    assert_eq!(
        (r.status, r.json()["error_codes"][0].as_u64()),
        (400, Some(90002)),
        "unknown tenant: {}",
        r.text
    );
}

#[tokio::test]
async fn the_v1_endpoint_takes_a_resource_and_answers_string_lifetimes() {
    let sb = Sandbox::start(SandboxConfig::for_profile(Profile::Fast)).expect("starts");
    let http = client(&sb);
    let url = format!("{}/{}/oauth2/token", sb.base_url, sb.tenant);
    let resource = format!("{}/", sb.base_url.replace("127.0.0.1", "localhost"));
    let r = post_form(
        &http,
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sb.client_id),
            ("client_secret", &sb.client_secret),
            ("resource", &resource),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "v1 sign-in works: {}", r.text);
    assert!(
        r.json()["expires_in"].is_string(),
        "v1 writes expires_in as a string: {}",
        r.text
    );
    let v2 = post_form(
        &http,
        &sb.token_url(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sb.client_id),
            ("client_secret", &sb.client_secret),
            ("resource", &resource),
        ],
    )
    .await;
    assert_eq!(
        v2.json()["error_codes"][0],
        901002,
        "v2 refuses the resource parameter: {}",
        v2.text
    );
}

#[tokio::test]
async fn missing_expired_and_foreign_tokens_get_401_with_a_bearer_challenge() {
    let mut config = SandboxConfig::for_profile(Profile::Fast);
    config.token_lifetime = Duration::ZERO;
    let env = Env::with(config).await;
    let url = env.api("WhoAmI");
    let none = reply(env.http.get(&url).send().await.expect("answers")).await;
    assert_eq!(none.status, 401, "no token is refused");
    let challenge = none.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer authorization_uri=") && challenge.contains("resource_id="),
        "the challenge names the authority and resource: {challenge}"
    );
    let expired = env.send("GET", "WhoAmI", None, &[]).await;
    assert_eq!(
        expired.status, 401,
        "a token with zero lifetime is already expired"
    );
    let other = Sandbox::start(SandboxConfig::for_profile(Profile::Fast)).expect("starts");
    let foreign = sign_in(&client(&other), &other).await;
    let r = reply(
        env.http
            .get(&url)
            .bearer_auth(foreign)
            .send()
            .await
            .expect("answers"),
    )
    .await;
    assert_eq!(r.status, 401, "another sandbox's token is refused");
}

#[tokio::test]
async fn https_mode_serves_sign_in_and_the_web_api_under_its_own_ca() {
    let config = SandboxConfig {
        https: true,
        ..SandboxConfig::for_profile(Profile::Fast)
    };
    let env = Env::with(config).await;
    assert!(
        env.sb.base_url.starts_with("https://127.0.0.1:"),
        "the base URL is HTTPS: {}",
        env.sb.base_url
    );
    let pem = env.sb.ca_certificate_pem.clone().unwrap_or_default();
    assert!(
        pem.starts_with("-----BEGIN CERTIFICATE-----"),
        "the CA is handed out as PEM"
    );
    let r = env.send("GET", "WhoAmI", None, &[]).await;
    assert_eq!(r.status, 200, "WhoAmI over TLS: {}", r.text);
}

#[tokio::test]
async fn a_scope_without_dot_default_or_for_another_resource_is_refused() {
    let sb = Sandbox::start(SandboxConfig::for_profile(Profile::Fast)).expect("starts");
    let http = client(&sb);
    let user_scope = format!("{}/user_impersonation", sb.base_url);
    let r = post_form(
        &http,
        &sb.token_url(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sb.client_id),
            ("client_secret", &sb.client_secret),
            ("scope", &user_scope),
        ],
    )
    .await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (400, Some("invalid_scope")),
        "AADSTS70011: {}",
        r.text
    );
    let other = "https://contoso.crm.dynamics.com/.default";
    let r = post_form(
        &http,
        &sb.token_url(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sb.client_id),
            ("client_secret", &sb.client_secret),
            ("scope", other),
        ],
    )
    .await;
    assert_eq!(
        r.json()["error_codes"][0],
        500011,
        "a resource that is not this sandbox: {}",
        r.text
    );
}

#[tokio::test]
async fn the_largest_token_lifetime_is_clamped_to_a_day_instead_of_panicking() {
    let env = Env::with(SandboxConfig {
        token_lifetime: Duration::from_secs(u64::MAX),
        ..SandboxConfig::for_profile(Profile::Fast)
    })
    .await;
    let scope = env.sb.scope();
    let r = post_form(
        &env.http,
        &env.sb.token_url(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &env.sb.client_id),
            ("client_secret", &env.sb.client_secret),
            ("scope", &scope),
        ],
    )
    .await;
    assert_eq!(
        r.json()["expires_in"],
        86_400,
        "the lifetime is clamped to a day: {}",
        r.text
    );
    assert_eq!(
        env.send("GET", "WhoAmI", None, &[]).await.status,
        200,
        "the clamped token opens the Web API"
    );
}
