//! Campaigns from the command line: `ferry send --add-to-list`, `ferry jobs add-to-list` and
//! `ferry lists`, with the marketing lists' members read back from the sandbox's data file
//! (real processes, a sandbox over HTTPS, the real keychain under scripts/with-keyring.sh).

mod sandbox_env;

use sandbox_env::{env, Env};
use serde_json::Value;
use std::collections::BTreeSet;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// A segment of every demo customer, and a template upserting it as contacts by e-mail, open
/// to campaigns; and a query's template, open to campaigns too.
fn setup(e: &Env) {
    let def = e.file(
        "everyone.json",
        r#"{"table": "customers", "rules": {"match": "all", "rules": []}}"#,
    );
    e.ok(&["segment", "add", "Everyone", "--file", &def], "");
    for (name, source) in [
        (
            "Campaign contacts",
            r#"{ kind = "segment", id = "Everyone" }"#,
        ),
        ("Query contacts", r#"{ kind = "query", id = "Customers" }"#),
    ] {
        let toml = e.file(
            &format!("{name}.toml"),
            &format!(
                r#"name = "{name}"
destination = "Sandbox"
table = "contact"
source = {source}
businessUsers = true
campaigns = true

[mapping]
operation = {{ kind = "upsertByKey", key = "{}" }}
fields = [
  {{ column = "emailaddress1", source = {{ kind = "column", name = "email" }} }},
  {{ column = "firstname", source = {{ kind = "column", name = "first_name" }} }},
]
"#,
                e.email_key()
            ),
        );
        e.ok(&["templates", "add", &toml], "");
    }
}

/// Each marketing list's name and members, read from the sandbox's data file.
fn lists(e: &Env) -> Vec<(String, String, BTreeSet<String>)> {
    let db = rusqlite::Connection::open(e.data.path().join("sandbox-under-test.sqlite3")).unwrap();
    let bodies = |tbl: &str| -> Vec<Value> {
        let mut stmt = db
            .prepare("SELECT body FROM records WHERE tbl = ?1")
            .unwrap();
        stmt.query_map([tbl], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|b| json(&b.unwrap()))
            .collect()
    };
    let members = bodies("listmember");
    let mut out: Vec<_> = bodies("list")
        .into_iter()
        .map(|l| {
            let id = l["listid"].as_str().unwrap().to_string();
            let of: BTreeSet<String> = members
                .iter()
                .filter(|m| m["_listid_value"] == id.as_str())
                .map(|m| m["_entityid_value"].as_str().unwrap().to_string())
                .collect();
            (l["listname"].as_str().unwrap().to_string(), id, of)
        })
        .collect();
    out.sort();
    out
}

fn delivered(e: &Env, job: &str) -> BTreeSet<String> {
    e.receipts(job)
        .iter()
        .filter(|r| r["state"] == "delivered")
        .map(|r| r["recordId"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_segment_send_fills_a_list_made_for_it_and_a_job_is_added_to_another_later() {
    let e = env();
    setup(&e);
    let none = e.ok(&["lists", "Sandbox"], "");
    assert!(
        none.contains("No static marketing lists"),
        "the empty state says what to do: {none}"
    );

    let out = e.run(
        &[
            "--json",
            "send",
            "Campaign contacts",
            "--add-to-list",
            "Spring campaign",
            "--create-list",
        ],
        "",
    );
    assert_eq!(
        out.status.code(),
        Some(15),
        "the demo data has rows that cannot be sent: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = json(&String::from_utf8_lossy(&out.stdout));
    let job = said["job"]["id"].as_str().unwrap().to_string();
    let sent = delivered(&e, &job);
    assert!(!sent.is_empty());
    assert_eq!(said["addedToList"]["createdList"], true, "{said}");
    assert_eq!(said["addedToList"]["added"], sent.len() as u64);
    let held = lists(&e);
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0].0, "Spring campaign");
    assert_eq!(
        held[0].2, sent,
        "the list holds exactly the records the send delivered"
    );

    // Later, the same job into a new list and into the existing one again.
    let text = e.ok(
        &["jobs", "add-to-list", &job, "--new-list", "Newsletter"],
        "",
    );
    assert!(
        text.contains(&format!("Added {} contacts", sent.len()))
            && text.contains("\"Newsletter\" (new)"),
        "{text}"
    );
    let again = e.ok(
        &[
            "--json",
            "jobs",
            "add-to-list",
            &job,
            "--list",
            "Spring campaign",
        ],
        "",
    );
    assert_eq!(
        json(&again)["memberCount"],
        sent.len() as u64,
        "nobody is added twice"
    );
    let held = lists(&e);
    assert_eq!(
        held.iter().map(|l| l.0.as_str()).collect::<Vec<_>>(),
        ["Newsletter", "Spring campaign"]
    );
    assert!(held.iter().all(|l| l.2 == sent), "{held:?}");

    let listed = json(&e.ok(&["--json", "lists", "Sandbox", "--table", "contact"], ""));
    assert_eq!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["Newsletter", "Spring campaign"]
    );
    let table = e.ok(&["lists", "Sandbox"], "");
    assert!(
        table.contains("Spring campaign") && table.contains("contact"),
        "{table}"
    );
}

#[test]
fn sends_that_cannot_fill_a_list_are_refused_with_what_to_do() {
    let e = env();
    setup(&e);
    let jobs_before = json(&e.ok(&["--json", "jobs"], ""))
        .as_array()
        .unwrap()
        .len();
    let out = e.run(
        &[
            "send",
            "Query contacts",
            "--add-to-list",
            "Spring",
            "--create-list",
        ],
        "",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "bad input: {err}");
    assert!(err.contains("only a segment's send"), "{err}");
    assert_eq!(
        json(&e.ok(&["--json", "jobs"], ""))
            .as_array()
            .unwrap()
            .len(),
        jobs_before,
        "nothing was sent"
    );

    let out = e.run(&["send", "Campaign contacts", "--add-to-list", "Nope"], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no static marketing list named \"Nope\"") && err.contains("--create-list"),
        "says how to make it: {err}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Sent Campaign contacts"),
        "the send itself went and says so"
    );
    assert!(lists(&e).is_empty(), "no list was made");

    let out = e.run(&["jobs", "add-to-list", "job_none"], "");
    assert_eq!(out.status.code(), Some(2), "a list must be named");
    let out = e.run(
        &[
            "jobs",
            "add-to-list",
            "job_none",
            "--list",
            "A",
            "--new-list",
            "B",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "one list at a time");
}
