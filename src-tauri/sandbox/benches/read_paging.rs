//! Read bench: 100,000 contacts read back by paging (`Prefer: odata.maxpagesize=5000`) with a
//! `$filter` and an `$orderby`, over real loopback HTTP against a `fast`-profile sandbox backed
//! by a SQLite file.
//!
//! Prints rows/s for the paged read (following `@odata.nextLink` to the end) and for
//! `$count`, and checks as it goes that every matching row came exactly once, so a fast but
//! wrong answer cannot pass for a fast one. Speed is reported, never tested.

mod common;

use ferry_sandbox::{Profile, Sandbox, SandboxConfig};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Instant;

const PAGE: usize = 5000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rows: usize = std::env::var("ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = SandboxConfig {
        data_path: Some(dir.path().join("bench.sqlite3")),
        ..SandboxConfig::for_profile(Profile::Fast)
    };
    let sb = Sandbox::start(config).expect("the sandbox starts");
    let http = common::client();
    let token = common::sign_in(&http, &sb).await;
    let api = format!("{}/api/data/v9.2", sb.base_url);
    for start in (0..rows).step_by(1000) {
        let targets: Vec<Value> = (start..(start + 1000).min(rows))
            .map(|i| {
                json!({
                    "@odata.type": "Microsoft.Dynamics.CRM.contact",
                    "firstname": format!("First{}", i % 97), "lastname": format!("Last{i:07}"),
                    "emailaddress1": format!("c{i}@bench.example"),
                    "numberofchildren": (i % 4) as i64, "address1_city": "Seattle",
                })
            })
            .collect();
        let r = http
            .post(format!(
                "{api}/contacts/Microsoft.Dynamics.CRM.CreateMultiple"
            ))
            .bearer_auth(&token)
            .header("Content-Type", "application/json")
            .body(json!({ "Targets": targets }).to_string())
            .send()
            .await
            .expect("the sandbox answers");
        assert!(r.status().is_success(), "seeding answered {}", r.status());
    }
    // Three of every four rows match: the filter has to be evaluated, not skipped.
    let expected = (0..rows).filter(|i| i % 4 != 0).count();
    let query = "contacts?$select=firstname,lastname,emailaddress1&$filter=numberofchildren%20gt%200%20and%20address1_city%20eq%20'Seattle'&$orderby=firstname%20asc,lastname%20desc";
    println!("Read bench: {rows} contacts, {expected} match, pages of {PAGE}, SQLite file");
    let started = Instant::now();
    let mut url = format!("{api}/{query}");
    let (mut seen, mut pages) = (HashSet::new(), 0);
    let mut last: Option<(String, String)> = None;
    loop {
        let body: Value = http
            .get(&url)
            .bearer_auth(&token)
            .header("Prefer", format!("odata.maxpagesize={PAGE}"))
            .send()
            .await
            .expect("the sandbox answers")
            .json()
            .await
            .expect("a JSON page");
        pages += 1;
        for r in body["value"].as_array().expect("a value array") {
            let key = (
                r["firstname"].as_str().unwrap_or_default().to_string(),
                r["lastname"].as_str().unwrap_or_default().to_string(),
            );
            if let Some(prev) = &last {
                let in_order = prev.0 < key.0 || (prev.0 == key.0 && prev.1 > key.1);
                assert!(in_order, "rows out of order: {prev:?} then {key:?}");
            }
            assert!(seen.insert(key.1.clone()), "row {} came twice", key.1);
            last = Some(key);
        }
        match body["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(seen.len(), expected, "every matching row was read");
    println!(
        "paged read: {} rows in {pages} pages, {secs:.2} s = {:.0} rows/s",
        seen.len(),
        seen.len() as f64 / secs
    );
    let started = Instant::now();
    let counted = http
        .get(format!(
            "{api}/contacts/$count?$filter=numberofchildren%20gt%200"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("the sandbox answers")
        .text()
        .await
        .expect("a count");
    println!(
        "/$count: {counted} (capped at 5000 as documented) in {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    println!(
        "peak RSS (client + server): {} MiB",
        common::rss_mib("VmHWM")
    );
    sb.shutdown();
}
