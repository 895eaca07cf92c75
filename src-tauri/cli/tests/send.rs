//! `ferry send` and `ferry jobs` as a scheduler or a person uses them: a send's summary, JSON
//! and exit status, the history with receipts, the rejected rows as CSV, retrying them once
//! fixed, and `--resume` (real processes, a sandbox over HTTPS, the real keychain under
//! scripts/with-keyring.sh).

mod sandbox_env;

use sandbox_env::env;
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn a_send_prints_its_summary_json_and_an_exit_status_and_its_history_has_receipts() {
    let e = env();
    e.contacts_template(
        "Contacts",
        &format!(r#"{{ kind = "upsertByKey", key = "{}" }}"#, e.email_key()),
    );

    let dry = e.run(&["send", "Contacts", "--dry-run"], "");
    let said = String::from_utf8_lossy(&dry.stdout);
    assert_eq!(
        dry.status.code(),
        Some(15),
        "the demo data has rows with errors: {said}"
    );
    assert!(said.contains("nothing sent"), "{said}");
    assert!(
        e.sandbox_ids("contact").is_empty(),
        "a dry run sends nothing"
    );

    let sent = e.run(&["--json", "send", "Contacts"], "");
    assert_eq!(
        sent.status.code(),
        Some(15),
        "some rows were not delivered: {}",
        String::from_utf8_lossy(&sent.stderr)
    );
    let job = json(&String::from_utf8_lossy(&sent.stdout));
    let id = job["id"].as_str().unwrap().to_string();
    assert_eq!(job["state"], "finished");
    let delivered = job["counts"]["delivered"].as_u64().unwrap();
    let invalid = job["counts"]["invalid"].as_u64().unwrap();
    assert_eq!(job["total"], 40);
    assert_eq!(delivered + invalid, 40, "{job}");
    assert_eq!(e.sandbox_ids("contact").len() as u64, delivered);

    let history = json(&e.ok(&["--json", "jobs"], ""));
    assert_eq!(history[0]["id"], id.as_str());
    let listed = e.ok(&["jobs"], "");
    assert!(
        listed.contains(&id) && listed.contains("finished"),
        "{listed}"
    );

    let receipts = e.receipts(&id);
    assert_eq!(receipts.len(), 40);
    let ids: std::collections::BTreeSet<&str> = receipts
        .iter()
        .filter(|r| r["state"] == "delivered")
        .map(|r| {
            r["recordId"]
                .as_str()
                .expect("a delivered row names its record")
        })
        .collect();
    let stored: std::collections::BTreeSet<String> = e.sandbox_ids("contact").into_iter().collect();
    assert_eq!(
        ids.iter()
            .map(|s| s.to_string())
            .collect::<std::collections::BTreeSet<_>>(),
        stored,
        "the receipts name exactly the records the sandbox holds"
    );
    let not_sent = json(&e.ok(
        &["--json", "jobs", "receipts", &id, "--state", "not-sent"],
        "",
    ));
    assert_eq!(not_sent["total"].as_u64(), Some(invalid));

    let csv = e.files.path().join("rejects.csv");
    let wrote = e.ok(
        &["jobs", "export-rejects", &id, "-o", csv.to_str().unwrap()],
        "",
    );
    assert!(wrote.contains(&format!("Wrote {invalid} rows")), "{wrote}");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(
        text.lines().count() as u64,
        invalid + 1,
        "a header and one line per row"
    );
    assert!(text.lines().next().unwrap().ends_with("ferry_reason"));

    let resume = e.run(&["send", "--resume", &id], "");
    assert_eq!(
        resume.status.code(),
        Some(2),
        "a finished job has nothing to resume"
    );
    assert!(String::from_utf8_lossy(&resume.stderr).contains("--retry-failed"));
}

#[test]
fn a_send_whose_rows_are_all_good_exits_zero_and_a_retry_sends_only_the_fixed_rows() {
    let e = env();
    e.contacts_template("New contacts", r#"{ kind = "create" }"#);
    let first = e.run(&["--json", "send", "New contacts"], "");
    assert_eq!(first.status.code(), Some(15));
    let job = json(&String::from_utf8_lossy(&first.stdout));
    let id = job["id"].as_str().unwrap();
    let bad =
        job["counts"]["invalid"].as_u64().unwrap() + job["counts"]["rejected"].as_u64().unwrap();
    assert!(bad > 0, "the demo data has rows that cannot be sent: {job}");
    let before = e.sandbox_ids("contact").len();

    // Fix the data: every row the job could not send gets a fresh, valid e-mail and names.
    let customers = e.data.path().join("customers.sqlite3");
    let db = rusqlite::Connection::open(&customers).unwrap();
    db.execute_batch(
        "UPDATE customers SET email = 'fixed' || rowid || '@example.com', \
         first_name = 'Fixed', last_name = 'Row'",
    )
    .unwrap();
    let retry = e.run(&["--json", "send", "--retry-failed", id], "");
    let said = String::from_utf8_lossy(&retry.stderr);
    assert_eq!(
        retry.status.code(),
        Some(0),
        "every fixed row is delivered: {said}"
    );
    let retried = json(&String::from_utf8_lossy(&retry.stdout));
    assert_eq!(retried["retryOf"], id);
    assert_eq!(
        retried["total"].as_u64(),
        Some(bad),
        "only those rows are read again"
    );
    assert_eq!(retried["counts"]["delivered"].as_u64(), Some(bad));
    assert_eq!(
        e.sandbox_ids("contact").len() as u64,
        before as u64 + bad,
        "the rows delivered the first time are not sent again"
    );
}
