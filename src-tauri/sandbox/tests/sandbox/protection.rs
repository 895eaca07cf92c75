//! Service protection (429s), fault injection and the admin surface.

use crate::common::Env;
use ferry_sandbox::{Faults, Limits, Profile, SandboxConfig};
use std::time::Duration;

fn limited(limits: Limits) -> SandboxConfig {
    SandboxConfig {
        limits: Some(limits),
        ..SandboxConfig::for_profile(Profile::Demo)
    }
}

#[tokio::test]
async fn the_request_over_the_window_limit_gets_the_documented_429() {
    let env = Env::with(limited(Limits {
        requests_per_window: 3,
        ..Limits::dataverse_defaults()
    }))
    .await;
    for left in [2, 1, 0] {
        let r = env.send("GET", "WhoAmI", None, &[]).await;
        assert_eq!(r.status, 200, "requests under the limit pass");
        let header = r.header("x-ms-ratelimit-burst-remaining-xrm-requests");
        assert_eq!(
            header,
            Some(left.to_string()),
            "the debug header counts down"
        );
    }
    let r = env.send("GET", "WhoAmI", None, &[]).await;
    assert_eq!(r.status, 429, "the fourth request is throttled: {}", r.text);
    assert_eq!(r.error_code(), "0x80072322", "the number-of-requests code");
    assert_eq!(
        r.json()["error"]["message"],
        "Number of requests exceeded the limit of 3 over time window of 300 seconds.",
        "the documented wording"
    );
    let wait: u64 = r
        .header("retry-after")
        .and_then(|s| s.parse().ok())
        .expect("Retry-After in seconds");
    assert!(
        (1..=300).contains(&wait),
        "Retry-After lies within the window: {wait}"
    );
    let stats = env.admin("stats").await;
    assert_eq!(
        stats["throttled"], 1,
        "the admin surface counts 429s: {stats}"
    );
}

#[tokio::test]
async fn exhausted_execution_time_gets_the_execution_time_429() {
    let env = Env::with(limited(Limits {
        execution_time_per_window: Duration::ZERO,
        ..Limits::dataverse_defaults()
    }))
    .await;
    let r = env.send("GET", "WhoAmI", None, &[]).await;
    assert_eq!(
        (r.status, r.error_code()),
        (429, "0x80072321".to_string()),
        "the execution-time code: {}",
        r.text
    );
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap_or("")
            .starts_with(
                "Combined execution time of incoming requests exceeded limit of 0  milliseconds"
            ),
        "the documented wording: {}",
        r.text
    );
}

#[tokio::test]
async fn a_request_over_the_concurrency_limit_is_refused_at_once() {
    let mut config = limited(Limits {
        concurrent_requests: 1,
        ..Limits::dataverse_defaults()
    });
    config.latency.per_request = Duration::from_millis(400);
    let env = Env::with(config).await;
    let (a, b) = tokio::join!(env.send("GET", "WhoAmI", None, &[]), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        env.send("GET", "WhoAmI", None, &[]).await
    });
    assert_eq!(a.status, 200, "the first request holds the only slot");
    assert_eq!(
        (b.status, b.error_code()),
        (429, "0x80072326".to_string()),
        "the overlapping one is refused: {}",
        b.text
    );
}

#[tokio::test]
async fn the_fault_plan_answers_503_and_drops_connections_on_schedule() {
    let faults = Faults {
        unavailable_every: Some(2),
        ..Faults::default()
    };
    let env = Env::with(SandboxConfig {
        faults,
        ..SandboxConfig::for_profile(Profile::Fast)
    })
    .await;
    let first = env.send("GET", "WhoAmI", None, &[]).await;
    let second = env.send("GET", "WhoAmI", None, &[]).await;
    assert_eq!(
        (first.status, second.status),
        (200, 503),
        "every second request is unavailable"
    );
    assert!(
        second.json()["error"]["message"].is_string(),
        "503s have a Dataverse error body"
    );
    let plan = serde_json::json!({"resetEvery": 1});
    let set = env.admin_post("faults", &plan.to_string()).await;
    assert_eq!(set.status, 204, "the fault plan can be changed at run time");
    let dropped = env
        .http
        .get(env.api("WhoAmI"))
        .bearer_auth(&env.token)
        .send()
        .await;
    assert!(
        dropped.is_err(),
        "the connection is dropped without a response"
    );
    assert_eq!(
        env.admin("stats").await["resets"],
        1,
        "the reset is counted"
    );
}

#[tokio::test]
async fn reset_empties_every_table() {
    let env = Env::fast().await;
    env.send(
        "POST",
        "accounts",
        Some(&serde_json::json!({"name": "x"})),
        &[],
    )
    .await;
    assert_eq!(
        env.admin("counts").await["account"],
        1,
        "one account before the reset"
    );
    let r = env.admin_post("reset", "").await;
    assert_eq!(r.status, 204, "reset answers 204");
    assert_eq!(
        env.admin("counts").await["account"],
        0,
        "no account after the reset"
    );
    assert_eq!(
        env.send("GET", "WhoAmI", None, &[]).await.status,
        200,
        "sign-in survives a reset"
    );
}

#[tokio::test]
async fn slow_faults_and_latency_delay_but_never_fail_requests() {
    let faults = Faults {
        slow_every: Some(1),
        slow_delay: Duration::from_millis(20),
        ..Faults::default()
    };
    let mut config = SandboxConfig {
        faults,
        ..SandboxConfig::for_profile(Profile::Fast)
    };
    config.latency.per_request = Duration::from_millis(5);
    config.latency.per_bulk_create = Duration::from_millis(1);
    let env = Env::with(config).await;
    let targets: Vec<_> = (0..3)
        .map(|i| serde_json::json!({"@odata.type": "Microsoft.Dynamics.CRM.contact", "lastname": format!("s{i}")}))
        .collect();
    let r = env
        .send(
            "POST",
            "contacts/Microsoft.Dynamics.CRM.CreateMultiple",
            Some(&serde_json::json!({"Targets": targets})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "a slowed request still succeeds: {}", r.text);
    let stats = env.admin("stats").await;
    assert_eq!(
        stats["recordsWritten"], 3,
        "the records were written and counted: {stats}"
    );
}
