//! Send jobs through `ops::jobs` against the sandbox over HTTPS, with real SQLite files and
//! the real keychain (run under scripts/with-keyring.sh): every row delivered once, receipts,
//! cancel and resume, answers lost after a write, retrying fixed rows, exporting rejects.

mod dataverse_support;
mod templates_support;

use ferry_core::dataverse::client::Request;
use ferry_core::jobs::Cancel;
use ferry_core::mapping::plan::Operation;
use ferry_core::ops::jobs::{self, JobProgress, ReceiptFilter, SendOptions};
use ferry_core::ops::templates;
use ferry_core::policy::{Actor, Policy};
use ferry_core::store::job_rows::RowState;
use ferry_core::store::jobs::JobState;
use ferry_core::ErrorCode;
use reqwest::Method;
use std::sync::Mutex;
use templates_support::{field, fixture, fixture_with, input, user, Fixture};

/// How many records of `set` the sandbox holds.
async fn count(f: &Fixture, set: &str) -> u64 {
    let client = dataverse_support::client(&f._sb);
    let r = client
        .send(&Request::new(Method::GET, format!("{set}/$count")))
        .await
        .unwrap();
    String::from_utf8(r.body)
        .unwrap()
        .trim()
        .trim_start_matches('\u{feff}')
        .parse()
        .unwrap()
}

fn quiet(_: &JobProgress) {}

/// Sends `template` as the administrator with the default options, to its end.
async fn send(f: &Fixture, template: &str) -> jobs::JobView {
    jobs::send(
        &f.app,
        &f.admin,
        template,
        &SendOptions::default(),
        &quiet,
        &Cancel::default(),
    )
    .await
    .unwrap()
}

/// Sends "Contacts" as `actor`, cancelled before its first row: a job left to resume.
async fn cancelled_send(f: &Fixture, actor: &Actor) -> jobs::JobView {
    let cancel = Cancel::default();
    cancel.cancel();
    let job = jobs::send(
        &f.app,
        actor,
        "Contacts",
        &SendOptions::default(),
        &quiet,
        &cancel,
    )
    .await
    .unwrap();
    assert_eq!(job.state, JobState::Cancelled);
    job
}

/// Rows of `template` the preview says can be sent (the demo data has a few bad ones).
async fn sendable(f: &Fixture, template: &str) -> u64 {
    let p = ferry_core::ops::preview::preview(&f.app, &f.admin, template, 1, false)
        .await
        .unwrap();
    assert_eq!(p.total, 30);
    assert!(
        p.error > 0 && p.error < 10,
        "the demo data has a few bad rows: {p:?}"
    );
    p.ready + p.warning
}

/// A template creating contacts (no key: every send writes new records).
async fn create_template(f: &Fixture) {
    let mut t = input(f, "New contacts");
    t.mapping.operation = Operation::Create;
    t.mapping.fields = vec![
        field("emailaddress1", "email"),
        field("firstname", "first_name"),
        field("lastname", "last_name"),
    ];
    templates::create(&f.app, &f.admin, t).await.unwrap();
}

fn all_receipts(f: &Fixture, job: &str) -> jobs::Receipts {
    jobs::receipts(
        &f.app,
        &f.admin,
        job,
        &ReceiptFilter {
            states: vec![],
            offset: 0,
            limit: 1000,
        },
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_delivers_every_row_once_with_receipts_in_the_history() {
    let f = fixture().await;
    templates::create(&f.app, &f.admin, input(&f, "Contacts"))
        .await
        .unwrap();
    let good = sendable(&f, "Contacts").await;
    let seen = Mutex::new(Vec::<JobProgress>::new());
    let report = |p: &JobProgress| seen.lock().unwrap().push(p.clone());
    let job = jobs::send(
        &f.app,
        &f.admin,
        "Contacts",
        &SendOptions::default(),
        &report,
        &Cancel::default(),
    )
    .await
    .unwrap();
    assert_eq!(job.state, JobState::Finished);
    assert_eq!(job.total, Some(30), "every demo customer is read");
    assert_eq!(job.counts.delivered, good, "{:?}", job.counts);
    assert_eq!(
        job.counts.invalid,
        30 - good,
        "rows with errors are not sent"
    );
    assert_eq!(
        count(&f, "contacts").await,
        good,
        "one record per delivered row"
    );
    let last = seen
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("progress was reported");
    assert_eq!(
        (last.state, last.done, last.total),
        (JobState::Finished, 30, Some(30))
    );

    let r = all_receipts(&f, &job.id);
    assert_eq!(r.total, 30);
    assert_eq!(
        r.rows
            .iter()
            .filter(|x| x.state == RowState::Delivered)
            .count() as u64,
        good
    );
    for x in r.rows.iter().filter(|x| x.state == RowState::Delivered) {
        assert!(
            x.record_id.is_some(),
            "a delivered row names its record: {x:?}"
        );
        assert_eq!(x.created, Some(true), "the first send creates: {x:?}");
    }
    assert_eq!(job.counts.created, good);
    assert!(
        r.rows[0]
            .key
            .as_deref()
            .unwrap()
            .starts_with("emailaddress1='"),
        "the receipt names the row by its key: {:?}",
        r.rows[0]
    );

    // Sent again, the upsert by key updates the same records: still one per row.
    let again = send(&f, "Contacts").await;
    assert_eq!(again.counts.delivered, good);
    assert_eq!(
        again.counts.updated, good,
        "the second send updates the same records: {:?}",
        again.counts
    );
    let first_ids: Vec<Option<String>> = r.rows.iter().map(|x| x.record_id.clone()).collect();
    let second_ids: Vec<Option<String>> = all_receipts(&f, &again.id)
        .rows
        .iter()
        .map(|x| x.record_id.clone())
        .collect();
    assert_eq!(
        first_ids, second_ids,
        "each row names the same record both times"
    );
    assert_eq!(count(&f, "contacts").await, good);
    let history = jobs::list(&f.app, &f.admin, 50).unwrap();
    assert_eq!(
        history.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
        [again.id.as_str(), job.id.as_str()],
        "newest first"
    );
    assert_eq!(history[1].ran_by.name, f.admin.name());
    assert_eq!(history[1].source_name, "Customers");
    let log = ferry_core::ops::activity::list(
        &f.app,
        &f.admin,
        &ferry_core::ops::activity::ActivityQuery::default(),
        0,
        50,
    )
    .unwrap();
    assert!(
        log.entries
            .iter()
            .any(|e| e.action == "job.send" && e.summary.contains(&job.id)),
        "the send is in the activity log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_create_job_resumes_where_it_stopped_and_writes_no_row_twice() {
    // NOTE: 100 ms per request, so the send lasts long enough to be cancelled part way.
    let f = fixture_with(|c| c.latency.per_request = std::time::Duration::from_millis(100)).await;
    create_template(&f).await;
    let good = sendable(&f, "New contacts").await;
    let cancel = Cancel::default();
    let stop_early = |p: &JobProgress| {
        if p.done >= 6 {
            cancel.cancel();
        }
    };
    let opts = SendOptions {
        chunk_size: Some(2),
        parallelism: Some(1),
        ..SendOptions::default()
    };
    let job = jobs::send(
        &f.app,
        &f.admin,
        "New contacts",
        &opts,
        &stop_early,
        &cancel,
    )
    .await
    .unwrap();
    assert_eq!(job.state, JobState::Cancelled);
    assert!(job.resumable);
    let sent = job.counts.delivered;
    assert!(
        (6..good).contains(&sent),
        "cancelled part way: {sent} delivered"
    );
    assert_eq!(
        count(&f, "contacts").await,
        sent,
        "every row sent is recorded"
    );

    let done = jobs::run(&f.app, &f.admin, &job.id, &opts, &quiet, &Cancel::default())
        .await
        .unwrap();
    assert_eq!(done.state, JobState::Finished);
    assert_eq!(done.counts.delivered, good);
    assert_eq!(
        done.counts.created, good,
        "a create job's rows are all created"
    );
    assert_eq!(
        count(&f, "contacts").await,
        good,
        "no row was written twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_whose_answer_was_lost_are_looked_up_before_they_are_sent_again() {
    let f = fixture().await;
    create_template(&f).await;
    let good = sendable(&f, "New contacts").await;
    let job = send(&f, "New contacts").await;
    assert_eq!(count(&f, "contacts").await, good);
    let receipts = all_receipts(&f, &job.id);
    let delivered: Vec<usize> = (0..30)
        .filter(|&i| receipts.rows[i].state == RowState::Delivered)
        .collect();
    let (lost, never) = (&delivered[5..15], &delivered[10..15]);
    // The process "died" after ten rows left but before their answers were recorded, and five
    // of them never reached Dynamics at all (removed here to stand for that).
    let client = dataverse_support::client(&f._sb);
    for &i in never {
        let id = receipts.rows[i].record_id.as_deref().unwrap();
        client
            .send(&Request::new(Method::DELETE, format!("contacts({id})")))
            .await
            .unwrap();
    }
    let conn = f.app.store().conn().unwrap();
    for &i in lost {
        conn.execute(
            "UPDATE job_rows SET state = 1, created = NULL WHERE idx = ?1",
            [i as i64],
        )
        .unwrap();
    }
    conn.execute(
        "UPDATE jobs SET state = 'running', owner = '1:1', total = NULL WHERE id = ?1",
        [&job.id],
    )
    .unwrap();
    let unfinished = jobs::unfinished(&f.app, &f.admin).unwrap();
    assert_eq!(
        unfinished.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
        [job.id.as_str()],
        "a job whose process died is offered for resuming"
    );
    assert_eq!(unfinished[0].counts.in_flight, 10);

    let done = jobs::run(
        &f.app,
        &f.admin,
        &job.id,
        &SendOptions::default(),
        &quiet,
        &Cancel::default(),
    )
    .await
    .unwrap();
    assert_eq!(done.state, JobState::Finished);
    assert_eq!(done.counts.delivered, good);
    assert_eq!(
        count(&f, "contacts").await,
        good,
        "found rows are not written again"
    );
    let after = all_receipts(&f, &job.id);
    for i in 10..20 {
        assert_eq!(
            after.rows[i].record_id, receipts.rows[i].record_id,
            "row {i} keeps the id Ferry chose for it"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_with_errors_are_not_sent_and_a_retry_sends_them_once_fixed() {
    let f = fixture().await;
    templates::create(&f.app, &f.admin, input(&f, "Contacts"))
        .await
        .unwrap();
    let good = sendable(&f, "Contacts").await;
    let customers = f.app.data().unwrap().path().to_path_buf();
    let data = rusqlite::Connection::open(&customers).unwrap();
    let long = "x".repeat(300);
    // NOTE: the first customer the preview finds sendable, so this is the one new error.
    let p = ferry_core::ops::preview::preview(&f.app, &f.admin, "Contacts", 30, false)
        .await
        .unwrap();
    let first_good = p
        .rows
        .iter()
        .find(|r| r.verdict != ferry_core::mapping::plan::Verdict::Error)
        .unwrap();
    let email = match &first_good.source[1] {
        ferry_core::data::Cell::Text(t) => t.clone(),
        other => panic!("the second column is the e-mail: {other:?}"),
    };
    data.execute(
        "UPDATE customers SET first_name = ?1 WHERE email = ?2",
        [&long, &email],
    )
    .unwrap();
    let job = send(&f, "Contacts").await;
    let bad_before = 30 - good;
    assert_eq!(
        (job.counts.delivered, job.counts.invalid),
        (good - 1, bad_before + 1),
        "{:?}",
        job.counts
    );
    assert_eq!(count(&f, "contacts").await, good - 1);

    let bad = jobs::receipts(
        &f.app,
        &f.admin,
        &job.id,
        &ReceiptFilter {
            states: vec![RowState::Invalid],
            offset: 0,
            limit: 10,
        },
    )
    .unwrap();
    assert_eq!(bad.total, bad_before + 1);
    assert!(bad
        .rows
        .iter()
        .any(|r| r.code.as_deref() == Some("firstname")));

    let csv = f._dir.path().join("rejects.csv");
    assert_eq!(
        jobs::export_rejects(&f.app, &f.admin, &job.id, &csv).unwrap(),
        bad_before + 1
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert!(lines
        .next()
        .unwrap()
        .ends_with("ferry_row,ferry_outcome,ferry_error_code,ferry_reason"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(
        rows.len() as u64,
        bad_before + 1,
        "only the rows not delivered"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains(&long) && r.contains("not sent") && r.contains("firstname")),
        "{rows:?}"
    );

    data.execute(
        "UPDATE customers SET first_name = 'Fixed' WHERE first_name = ?1",
        [&long],
    )
    .unwrap();
    let retry = jobs::retry_failed(&f.app, &f.admin, &job.id).await.unwrap();
    assert_eq!(retry.retry_of.as_deref(), Some(job.id.as_str()));
    let retried = jobs::run(
        &f.app,
        &f.admin,
        &retry.id,
        &SendOptions::default(),
        &quiet,
        &Cancel::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        retried.total,
        Some(bad_before + 1),
        "only the rows not delivered are read again"
    );
    assert_eq!(
        retried.counts.delivered, 1,
        "the fixed row goes; the others still have errors"
    );
    assert_eq!(retried.counts.invalid, bad_before);
    assert_eq!(count(&f, "contacts").await, good);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restricted_users_see_masked_receipts_and_business_users_only_their_own_jobs() {
    let f = fixture().await;
    templates::create(&f.app, &f.admin, input(&f, "Contacts"))
        .await
        .unwrap();
    let job = send(&f, "Contacts").await;
    let nosy = user(&f, "Nosy operator", Policy::Operator, true);
    let r = jobs::receipts(
        &f.app,
        &nosy,
        &job.id,
        &ReceiptFilter {
            states: vec![],
            offset: 0,
            limit: 5,
        },
    )
    .unwrap();
    assert!(r.pii_hidden);
    let key = r.rows[0].key.clone().unwrap();
    assert!(!key.contains('@'), "the e-mail key is personal data: {key}");

    let business = user(&f, "Bea", Policy::Amp360, false);
    assert!(
        jobs::list(&f.app, &business, 50).unwrap().is_empty(),
        "a business user sees only the jobs they ran"
    );
    let hidden = jobs::get(&f.app, &business, &job.id).unwrap_err();
    assert_eq!(hidden.code(), ErrorCode::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_is_not_resumed_once_its_template_writes_differently() {
    let f = fixture().await;
    let t = templates::create(&f.app, &f.admin, input(&f, "Contacts"))
        .await
        .unwrap();
    let job = cancelled_send(&f, &f.admin).await;
    let mut changed = input(&f, "Contacts");
    changed.mapping.operation = Operation::Create;
    templates::update(&f.app, &f.admin, &t.id, changed)
        .await
        .unwrap();
    let e = jobs::run(
        &f.app,
        &f.admin,
        &job.id,
        &SendOptions::default(),
        &quiet,
        &Cancel::default(),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("Start a new send"), "{e}");
    assert_eq!(
        jobs::get(&f.app, &f.admin, &job.id).unwrap().state,
        JobState::Stopped,
        "the job says why it stopped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_is_not_resumable_by_a_user_who_lost_the_template() {
    let f = fixture().await;
    let t = templates::create(&f.app, &f.admin, input(&f, "Contacts"))
        .await
        .unwrap();
    let bea = user(&f, "Bea", Policy::Amp360, false);
    let job = cancelled_send(&f, &bea).await;
    assert_eq!(
        jobs::resumable(&f.app, &bea, &job.id).unwrap().id,
        job.id,
        "while the template is open to business users, Bea may resume her job"
    );
    let mut closed = input(&f, "Contacts");
    closed.business_users = false;
    templates::update(&f.app, &f.admin, &t.id, closed)
        .await
        .unwrap();
    let e = jobs::resumable(&f.app, &bea, &job.id).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden, "{e}");
    assert_eq!(
        jobs::get(&f.app, &f.admin, &job.id).unwrap().state,
        JobState::Cancelled,
        "the refusal leaves the job as it was"
    );
}

/// Makes the "Contacts" template and sends it with `opts` to its end; returns the job and
/// every progress report of the run.
async fn send_watched(f: &Fixture, opts: &SendOptions) -> (jobs::JobView, Vec<JobProgress>) {
    templates::create(&f.app, &f.admin, input(f, "Contacts"))
        .await
        .unwrap();
    let seen = Mutex::new(Vec::<JobProgress>::new());
    let report = |p: &JobProgress| seen.lock().unwrap().push(p.clone());
    let job = jobs::send(
        &f.app,
        &f.admin,
        "Contacts",
        opts,
        &report,
        &Cancel::default(),
    )
    .await
    .unwrap();
    assert_eq!(job.state, JobState::Finished);
    (job, seen.into_inner().unwrap())
}

/// Sends "Contacts" with `opts`; returns the rows per request the last progress report of
/// the run gave.
async fn rows_per_request(f: &Fixture, opts: SendOptions) -> u32 {
    let (_, seen) = send_watched(f, &opts).await;
    seen.iter()
        .filter_map(|p| p.rows_per_request)
        .next_back()
        .expect("the running send said how many rows a request carries")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_carry_more_rows_when_the_request_budget_binds_first() {
    use ferry_sandbox::Limits;
    // Requests cost far less than their share of the execution budget (20 s each): the
    // request count is what runs out, so each request should carry as many rows as it may.
    let f = fixture_with(|c| {
        c.limits = Some(Limits {
            execution_time_per_window: std::time::Duration::from_secs(120_000),
            ..Limits::dataverse_defaults()
        })
    })
    .await;
    assert_eq!(
        rows_per_request(&f, SendOptions::default()).await,
        1000,
        "the most a request carries"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_carry_fewer_rows_when_rows_are_slow_unless_the_size_was_chosen() {
    // 100 ms of server time a row: 500 rows would take 50 s; 150 rows take 15 s.
    let slow = |c: &mut ferry_sandbox::SandboxConfig| {
        c.latency.per_bulk_create = std::time::Duration::from_millis(100);
        c.latency.per_bulk_update = std::time::Duration::from_millis(100);
    };
    let f = fixture_with(slow).await;
    let adapted = rows_per_request(&f, SendOptions::default()).await;
    assert!(
        (100..=150).contains(&adapted),
        "a request of about 15 s: {adapted} rows"
    );
    let f = fixture_with(slow).await;
    let chosen = SendOptions {
        chunk_size: Some(400),
        ..SendOptions::default()
    };
    assert_eq!(
        rows_per_request(&f, chosen).await,
        400,
        "the user's size is kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_refusal_for_concurrency_the_send_keeps_to_what_the_server_takes() {
    use ferry_sandbox::Limits;
    // The server takes 2 requests at once; the send starts 6 workers, each request a quarter
    // of a second long. Without learning from the first refusals every round of requests
    // would be refused again, a dozen times or more over the send.
    let f = fixture_with(|c| {
        c.limits = Some(Limits {
            concurrent_requests: 2,
            ..Limits::dataverse_defaults()
        });
        // NOTE: server time, which the sandbox spends inside the request it counts as in
        // flight (its per-request latency comes before).
        c.latency.per_bulk_create = std::time::Duration::from_millis(125);
        c.latency.per_bulk_update = std::time::Duration::from_millis(125);
    })
    .await;
    let opts = SendOptions {
        chunk_size: Some(2),
        parallelism: Some(6),
        ..SendOptions::default()
    };
    let (job, seen) = send_watched(&f, &opts).await;
    assert_eq!(
        job.counts.delivered + job.counts.invalid,
        30,
        "every row delivered or not sent for its errors: {:?}",
        job.counts
    );
    assert_eq!(count(&f, "contacts").await, job.counts.delivered);
    // NOTE: the closing report counts rows only; the running ones count refusals.
    let throttled = seen.iter().map(|p| p.throttled).max().unwrap_or(0);
    assert!(
        (1..=8).contains(&throttled),
        "refused in the first round only, then kept to two at once: {throttled} refusals"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_spreads_its_rows_over_every_application_user_of_the_destination() {
    use ferry_core::ops::credentials::{self, NewCredential};
    use ferry_core::ops::destinations::{self, DestinationInput};
    use ferry_core::validate::ExpiryInput;
    // NOTE: a little time per request, so both users' workers find chunks waiting.
    let f = fixture_with(|c| {
        c.extra_apps = ferry_sandbox::AppRegistration::stored(1);
        c.latency.per_request = std::time::Duration::from_millis(30);
    })
    .await;
    let second = &f._sb.apps[1];
    let cred = credentials::create(
        &f.app,
        &f.admin,
        NewCredential {
            name: "Second app".into(),
            description: String::new(),
            plugin: "microsoft-dynamics".into(),
            client_id: second.client_id.clone(),
            client_secret: ferry_core::secrets::Secret::new(&second.client_secret),
            expiry: ExpiryInput::Years { years: 1 },
        },
    )
    .unwrap();
    let dest = destinations::get(&f.app, &f.admin, "Sandbox").unwrap();
    destinations::update(
        &f.app,
        &f.admin,
        &dest.id,
        DestinationInput {
            name: dest.name.clone(),
            description: dest.description.clone(),
            plugin: dest.plugin.id.clone(),
            credential_id: dest.credential.id.clone(),
            tenant_id: dest.tenant_id.clone(),
            dynamics_url: dest.dynamics_url.clone(),
            api_version: dest.api_version.clone(),
            business_users: dest.business_users,
            restricted_pii: dest.restricted_pii,
            extra_credentials: vec![cred.id],
        },
    )
    .unwrap();
    create_template(&f).await;
    let good = sendable(&f, "New contacts").await;
    let opts = SendOptions {
        chunk_size: Some(2),
        parallelism: Some(1),
        ..SendOptions::default()
    };
    let job = jobs::send(
        &f.app,
        &f.admin,
        "New contacts",
        &opts,
        &quiet,
        &Cancel::default(),
    )
    .await
    .unwrap();
    assert_eq!(job.counts.delivered, good);
    let sandbox = rusqlite::Connection::open(f._dir.path().join("sandbox.sqlite3")).unwrap();
    let mut by_user = sandbox
        .prepare(
            "SELECT json_extract(body, '$._createdby_value'), COUNT(*) FROM records \
             WHERE tbl = 'contact' GROUP BY 1 ORDER BY 1",
        )
        .unwrap();
    let made: Vec<(String, i64)> = by_user
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let users: Vec<&str> = made.iter().map(|(u, _)| u.as_str()).collect();
    let mut expected: Vec<&str> = f._sb.apps.iter().map(|a| a.user_id.as_str()).collect();
    expected.sort();
    assert_eq!(
        users, expected,
        "both application users created records: {made:?}"
    );
    assert_eq!(made.iter().map(|(_, n)| n).sum::<i64>() as u64, good);
}
