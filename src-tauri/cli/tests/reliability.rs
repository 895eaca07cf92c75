//! The reliability suite: `ferry send` killed with SIGKILL at random points and resumed, while
//! the sandbox throws 429 storms, 503s, dropped connections, slow answers and tokens that
//! expire mid-job at it. After each scenario, every source row is delivered or refused with a
//! reason, the sandbox holds exactly one record per delivered row, and the ledger's receipts
//! name exactly the records the sandbox holds.
//!
//! Seeds are printed; `FERRY_RELIABILITY_SEED=N` replays one. Run with `--nocapture` to see
//! the seeds and counts of a green run (scripts/test.sh does).

mod sandbox_env;

use ferry_sandbox::{Faults, Limits, SandboxConfig};
use sandbox_env::{env_with, Env};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Rows of demo customers each scenario sends.
const ROWS: usize = 1500;

/// A small deterministic generator (xorshift64*), so a seed replays the same kill times.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

fn seed(default: u64) -> u64 {
    std::env::var("FERRY_RELIABILITY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Starts `ferry send ARGS…` and kills it with SIGKILL after `after`, unless it ends first.
/// Returns its exit code when it ended by itself.
fn send_killed_after(e: &Env, args: &[&str], after: Duration) -> Option<i32> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(args)
        .env("FERRY_DATA_DIR", e.data.path())
        .env("FERRY_KEYCHAIN_SERVICE", &e.service)
        .env("FERRY_DEMO", "off")
        .env("USER", "admin")
        .env_remove("FERRY_USER")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ferry runs");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if started.elapsed() >= after {
            // NOTE: Child::kill is SIGKILL on Unix: no handler runs, nothing is flushed.
            child.kill().unwrap();
            child.wait().unwrap();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn newest_job(e: &Env) -> Value {
    let jobs: Value = serde_json::from_str(&e.ok(&["--json", "jobs"], "")).unwrap();
    jobs[0].clone()
}

/// Sends `template` under `kills` SIGKILLs at seeded moments, resumes until the job finishes,
/// retries failed rows until none fail, then checks the outcome against the sandbox.
fn scenario(name: &str, e: &Env, template: &str, seed: u64, kills: usize) {
    let mut rng = Rng(seed.max(1));
    let mut killed = 0;
    let mut ended = send_killed_after(
        e,
        &["send", template, "--chunk-size", "25", "--parallelism", "3"],
        Duration::from_millis(rng.between(150, 900)),
    );
    if ended.is_none() {
        killed += 1;
    }
    let first = newest_job(e)["id"]
        .as_str()
        .expect("the job was recorded")
        .to_string();
    let mut attempts = 0;
    while ended.is_none() {
        attempts += 1;
        assert!(attempts < 60, "{name}: the job never finished");
        let limit = if killed < kills {
            Duration::from_millis(rng.between(100, 900))
        } else {
            Duration::from_secs(120)
        };
        ended = send_killed_after(e, &["send", "--resume", &first], limit);
        if ended.is_none() {
            killed += 1;
        }
    }
    let mut chain = vec![first.clone()];
    loop {
        let job: Value =
            serde_json::from_str(&e.ok(&["--json", "jobs", "show", chain.last().unwrap()], ""))
                .unwrap();
        assert_eq!(job["state"], "finished", "{name}: {job}");
        if job["counts"]["failed"].as_u64() == Some(0) {
            break;
        }
        assert!(chain.len() < 6, "{name}: rows kept failing: {job}");
        let out = e.run(
            &["--json", "send", "--retry-failed", chain.last().unwrap()],
            "",
        );
        let retry: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("{name}: {}", String::from_utf8_lossy(&out.stderr)));
        chain.push(retry["id"].as_str().unwrap().to_string());
    }

    // Each source row's last word: later jobs (retries) speak for the rows they resent.
    let mut last: BTreeMap<u64, Value> = BTreeMap::new();
    let mut delivered_ids: Vec<String> = Vec::new();
    for job in &chain {
        for r in e.receipts(job) {
            if r["state"] == "delivered" {
                delivered_ids.push(
                    r["recordId"]
                        .as_str()
                        .expect("a delivered row names its record")
                        .to_string(),
                );
            }
            last.insert(r["index"].as_u64().unwrap(), r);
        }
    }
    let total = serde_json::from_str::<Value>(&e.ok(&["--json", "jobs", "show", &first], ""))
        .unwrap()["total"]
        .as_u64()
        .unwrap();
    assert_eq!(total, ROWS as u64, "{name}: every source row was read");
    assert_eq!(
        last.len() as u64,
        total,
        "{name}: every source row has a receipt"
    );
    let mut by_state: BTreeMap<String, u64> = BTreeMap::new();
    for (idx, r) in &last {
        let state = r["state"].as_str().unwrap().to_string();
        assert!(
            matches!(state.as_str(), "delivered" | "rejected" | "invalid"),
            "{name}: row {idx} ended {state}: {r}"
        );
        if state != "delivered" {
            assert!(
                r["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{name}: row {idx} was refused without a reason: {r}"
            );
        }
        *by_state.entry(state).or_default() += 1;
    }
    let unique: BTreeSet<&String> = delivered_ids.iter().collect();
    assert_eq!(
        unique.len(),
        delivered_ids.len(),
        "{name}: a record was delivered twice"
    );
    let stored: BTreeSet<String> = e.sandbox_ids("contact").into_iter().collect();
    assert_eq!(
        stored.len(),
        unique.len(),
        "{name}: the sandbox holds one record per delivered row"
    );
    assert!(
        unique.iter().all(|id| stored.contains(*id)),
        "{name}: the ledger names records the sandbox does not hold"
    );
    println!(
        "reliability {name}: seed {seed}, {killed} kills, {} jobs, {total} rows: {by_state:?}, {} records",
        chain.len(),
        stored.len()
    );
}

fn sandbox(adjust: impl FnOnce(&mut SandboxConfig)) -> Env {
    env_with(
        |c| {
            // NOTE: a little time per request, so a send lasts long enough to be killed in
            // the middle, many times over.
            c.latency.per_request = Duration::from_millis(15);
            adjust(c);
        },
        ROWS,
    )
}

fn create_template(e: &Env) -> &'static str {
    e.contacts_template("New contacts", r#"{ kind = "create" }"#);
    "New contacts"
}

fn upsert_template(e: &Env) -> &'static str {
    e.contacts_template(
        "Contacts",
        &format!(r#"{{ kind = "upsertByKey", key = "{}" }}"#, e.email_key()),
    );
    "Contacts"
}

#[test]
fn reliability_creates_survive_sigkill_at_random_points() {
    let e = sandbox(|_| {});
    let t = create_template(&e);
    scenario("kill -9 (create)", &e, t, seed(0x5eed_0001), 6);
}

#[test]
fn reliability_upserts_survive_sigkill_at_random_points() {
    let e = sandbox(|_| {});
    let t = upsert_template(&e);
    scenario("kill -9 (upsert)", &e, t, seed(0x5eed_0002), 6);
}

#[test]
fn reliability_429_storms() {
    let e = sandbox(|c| {
        c.limits = Some(Limits {
            requests_per_window: 25,
            execution_time_per_window: Duration::from_secs(600),
            concurrent_requests: 52,
            window: Duration::from_secs(2),
        });
    });
    let t = create_template(&e);
    scenario("429 storms", &e, t, seed(0x5eed_0003), 3);
}

#[test]
fn reliability_503s_resets_and_slow_answers() {
    let e = sandbox(|c| {
        c.faults = Faults {
            unavailable_every: Some(7),
            reset_every: Some(11),
            slow_every: Some(13),
            slow_delay: Duration::from_millis(1500),
        };
    });
    let t = create_template(&e);
    scenario("503s, resets, slow answers", &e, t, seed(0x5eed_0004), 3);
}

#[test]
fn reliability_tokens_expiring_mid_job() {
    let e = sandbox(|c| c.token_lifetime = Duration::from_secs(1));
    let t = upsert_template(&e);
    scenario("tokens expiring", &e, t, seed(0x5eed_0005), 3);
}
