//! Throughput bench: contacts through `UpsertMultiple` against a `fast`-profile sandbox backed
//! by a SQLite file, over real loopback HTTP.
//!
//! Prints rows/s for a first pass (every row created) and a second pass (every row updated),
//! and the process's resident memory as rows grow. Client and server share this process, so
//! the memory figures are an upper bound for the server. It asserts nothing: speed is reported,
//! never tested.

mod common;

use ferry_sandbox::{Profile, Sandbox, SandboxConfig};
use serde_json::{json, Value};
use std::time::Instant;

const BATCH: usize = 1000;
const CONCURRENCY: usize = 4;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rows: usize = std::env::var("ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("a temp dir");
    // NOTE: IN_MEMORY=1 drops the file, to tell SQLite's disk work from the rest.
    let in_memory = std::env::var("IN_MEMORY").is_ok_and(|v| v == "1");
    let config = SandboxConfig {
        data_path: (!in_memory).then(|| dir.path().join("bench.sqlite3")),
        ..SandboxConfig::for_profile(Profile::Fast)
    };
    let sb = Sandbox::start(config).expect("the sandbox starts");
    let http = common::client();
    let token = common::sign_in(&http, &sb).await;
    let url = format!(
        "{}/api/data/v9.2/contacts/Microsoft.Dynamics.CRM.UpsertMultiple",
        sb.base_url
    );
    let store = if in_memory {
        "in memory"
    } else {
        "SQLite file"
    };
    println!("UpsertMultiple bench: {rows} contacts, {BATCH} per request, {CONCURRENCY} in flight, {store}");
    // NOTE: PASSES=create profiles one pass alone.
    let passes = std::env::var("PASSES").unwrap_or_else(|_| "create,update".into());
    for pass in ["create", "update"]
        .into_iter()
        .filter(|p| passes.split(',').any(|x| x.trim() == *p))
    {
        // NOTE: bodies are built before the clock starts, so the figure is the sandbox's and
        // not the bench client's JSON encoding (they share two cores).
        let mut bodies: std::collections::VecDeque<String> = (0..rows)
            .step_by(BATCH)
            .map(|start| body(start..(start + BATCH).min(rows), pass))
            .collect();
        let started = Instant::now();
        let mut in_flight = tokio::task::JoinSet::new();
        let mut done = 0;
        let report_every = (rows / 5).max(BATCH);
        loop {
            while in_flight.len() < CONCURRENCY {
                let Some(payload) = bodies.pop_front() else {
                    break;
                };
                let (http, url, token) = (http.clone(), url.clone(), token.clone());
                in_flight.spawn(async move { send(&http, &url, &token, payload).await });
            }
            let Some(status) = in_flight.join_next().await else {
                break;
            };
            let status = status.expect("the request task finished");
            assert!(status == 204, "UpsertMultiple answered {status}");
            done += BATCH;
            if done % report_every == 0 {
                println!(
                    "  {pass}: {:>7} rows, RSS {} MiB",
                    done.min(rows),
                    common::rss_mib("VmRSS")
                );
            }
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{pass} pass: {rows} rows in {secs:.2} s = {:.0} rows/s",
            rows as f64 / secs
        );
    }
    println!(
        "peak RSS (client + server): {} MiB",
        common::rss_mib("VmHWM")
    );
    sb.shutdown();
}

fn body(range: std::ops::Range<usize>, pass: &str) -> String {
    let targets: Vec<Value> = range
        .map(|i| {
            json!({
                "@odata.type": "Microsoft.Dynamics.CRM.contact",
                "@odata.id": format!("contacts(emailaddress1='c{i}@bench.example')"),
                "firstname": format!("First{i}"), "lastname": format!("Last{i}"),
                "jobtitle": pass, "telephone1": "+1 555 0100", "address1_city": "Seattle",
            })
        })
        .collect();
    json!({ "Targets": targets }).to_string()
}

async fn send(http: &reqwest::Client, url: &str, token: &str, body: String) -> u16 {
    let r = http
        .post(url)
        .bearer_auth(token)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .expect("the sandbox answers");
    r.status().as_u16()
}
