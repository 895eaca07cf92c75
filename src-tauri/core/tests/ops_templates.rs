//! Data templates through `ops::templates`, against the sandbox's real metadata over HTTPS,
//! with real SQLite files and the real keychain (run under scripts/with-keyring.sh).

mod dataverse_support;
mod templates_support;

use ferry_core::mapping::plan::{LookupTarget, Operation, ValueSource, Verdict};
use ferry_core::ops::activity::{self, ActivityQuery};
use ferry_core::ops::connection;
use ferry_core::ops::destinations::{self, DestinationInput};
use ferry_core::ops::queries::{self, QueryInput};
use ferry_core::ops::rows::RowSource;
use ferry_core::ops::templates;
use ferry_core::ops::users::{self, UserInput};
use ferry_core::policy::{Actor, Policy};
use ferry_core::secrets::Secret;
use ferry_core::ErrorCode;
use templates_support::{field, fixture, input};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_is_checked_against_the_table_and_its_source_and_dropped_columns_are_said() {
    let f = fixture().await;
    let check = templates::check(&f.app, &f.admin, &input(&f, "Demo contacts"), None)
        .await
        .unwrap();
    assert!(check.fields.is_empty(), "{:?}", check.fields);
    assert_eq!(check.dropped.len(), 1, "{:?}", check.dropped);
    assert_eq!(check.dropped[0].subject, "new_loyaltytier");
    assert_eq!(check.unused_sources, ["customer_id"], "said, not hidden");

    let saved = templates::create(&f.app, &f.admin, input(&f, "Demo contacts"))
        .await
        .unwrap();
    assert_eq!(saved.destination.name, "Sandbox");
    assert_eq!(saved.table, "contact");
    let listed = templates::list(&f.app, &f.admin).unwrap();
    assert_eq!(listed.len(), 1);

    let mut bad = input(&f, "Broken");
    bad.mapping.fields.push(field("telephone1", "phone"));
    bad.table = "nosuchtable".into();
    let e = templates::create(&f.app, &f.admin, bad).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation, "{e}");
    let mut dup = input(&f, "demo CONTACTS");
    dup.description = "again".into();
    let e = templates::create(&f.app, &f.admin, dup).await.unwrap_err();
    assert!(e.to_string().contains("already exists"), "{e}");
    let mut unknown = input(&f, "Unknown source column");
    unknown.mapping.fields.push(field("telephone1", "phone"));
    let e = templates::create(&f.app, &f.admin, unknown)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no column \"phone\""), "{e}");

    let log = activity::list(&f.app, &f.admin, &ActivityQuery::default(), 0, 50).unwrap();
    assert!(log.entries.iter().any(|e| e.action == "template.add"));
    templates::delete(&f.app, &f.admin, "Demo contacts").unwrap();
    assert!(templates::list(&f.app, &f.admin).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_is_never_more_open_than_its_destination_and_business_users_only_see_theirs() {
    let f = fixture().await;
    let mut open_to_restricted = input(&f, "Too open");
    open_to_restricted.restricted_pii = true;
    let e = templates::create(&f.app, &f.admin, open_to_restricted)
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("does not allow users with restricted PII"),
        "{e}"
    );

    let mut operators_only = input(&f, "Operators only");
    operators_only.business_users = false;
    templates::create(&f.app, &f.admin, operators_only)
        .await
        .unwrap();
    templates::create(&f.app, &f.admin, input(&f, "Everyone"))
        .await
        .unwrap();
    let amy = users::create(
        &f.app,
        &f.admin,
        UserInput {
            name: "Amy".into(),
            policy: Policy::Amp360,
            restrict_pii: false,
        },
    )
    .unwrap();
    let amy = users::resolve(&f.app, Some(&amy.id)).unwrap();
    let names: Vec<String> = templates::list(&f.app, &amy)
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["Everyone"]);
    let e = templates::get(&f.app, &amy, "Operators only").unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    let e = templates::delete(&f.app, &amy, "Everyone").unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::Forbidden,
        "only operators change templates"
    );
    let e = templates::create(&f.app, &amy, input(&f, "Mine"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preview_gives_each_row_a_verdict_and_its_exact_request_masked_for_restricted_users() {
    let f = fixture().await;
    templates::create(&f.app, &f.admin, input(&f, "Demo contacts"))
        .await
        .unwrap();
    let p = ferry_core::ops::preview::preview(&f.app, &f.admin, "Demo contacts", 1000, false)
        .await
        .unwrap();
    assert_eq!(p.total, 30, "every row is mapped");
    assert_eq!(p.ready + p.warning + p.error, p.total);
    assert!(!p.pii_hidden);
    let ready = p
        .rows
        .iter()
        .find(|r| r.verdict == ferry_core::mapping::plan::Verdict::Ready)
        .expect("a ready row");
    let email = ready.record["emailaddress1"].as_str().unwrap().to_string();
    assert!(email.contains('@'));
    let req = ready.request.as_ref().unwrap();
    assert_eq!(req.method, "PATCH", "an upsert");
    assert!(
        req.url.ends_with(&format!(
            "/contacts(emailaddress1='{}')",
            email.replace('@', "%40")
        )),
        "the key in the URL: {}",
        req.url
    );
    assert!(
        req.headers.iter().all(|(k, _)| k != "Authorization"),
        "no token"
    );
    assert!(req.body.as_deref().unwrap().contains(&email));
    // Rows whose key is empty or repeated are errors, named as such.
    let errors = ferry_core::ops::preview::preview(&f.app, &f.admin, "Demo contacts", 1000, true)
        .await
        .unwrap();
    assert_eq!(errors.rows.len() as u64, p.error, "only the errors");
    assert!(errors
        .rows
        .iter()
        .all(|r| r.verdict == ferry_core::mapping::plan::Verdict::Error));

    // A restricted user the destination and template admit sees no personal data anywhere.
    let mut open = destinations::get(&f.app, &f.admin, "Sandbox").unwrap();
    open.restricted_pii = true;
    destinations::update(
        &f.app,
        &f.admin,
        "Sandbox",
        DestinationInput {
            name: open.name.clone(),
            description: open.description.clone(),
            plugin: open.plugin.id.clone(),
            credential_id: open.credential.id.clone(),
            tenant_id: open.tenant_id.clone(),
            dynamics_url: open.dynamics_url.clone(),
            api_version: open.api_version.clone(),
            business_users: true,
            restricted_pii: true,
            extra_credentials: Vec::new(),
        },
    )
    .unwrap();
    let mut both = input(&f, "Demo contacts");
    both.restricted_pii = true;
    templates::update(&f.app, &f.admin, "Demo contacts", both)
        .await
        .unwrap();
    let ria = users::create(
        &f.app,
        &f.admin,
        UserInput {
            name: "Ria".into(),
            policy: Policy::Amp360,
            restrict_pii: true,
        },
    )
    .unwrap();
    let ria = users::resolve(&f.app, Some(&ria.id)).unwrap();
    let masked = ferry_core::ops::preview::preview(&f.app, &ria, "Demo contacts", 1000, false)
        .await
        .unwrap();
    assert!(masked.pii_hidden);
    assert_eq!(
        (masked.ready, masked.warning, masked.error),
        (p.ready, p.warning, p.error),
        "verdicts are about the real values"
    );
    let text = serde_json::to_string(&masked.rows).unwrap();
    assert!(
        !text.contains(&email),
        "not in the row, record, URL or body"
    );
    assert!(text.contains("•••• (PII)"));
    // The findings quote the values they are about (a repeated e-mail key): not to this user.
    let twice = queries::create(
        &f.app,
        &f.admin,
        QueryInput {
            name: "Every customer twice".into(),
            description: String::new(),
            sql: "SELECT customer_id, email, first_name, last_name, loyalty_tier FROM customers \
                  UNION ALL SELECT customer_id, email, first_name, last_name, loyalty_tier \
                  FROM customers"
                .into(),
            time_limit_secs: 30,
        },
    )
    .unwrap();
    let mut repeated = input(&f, "Contacts twice");
    repeated.source = RowSource::Query(twice.id);
    repeated.restricted_pii = true;
    templates::create(&f.app, &f.admin, repeated).await.unwrap();
    let p = ferry_core::ops::preview::preview(&f.app, &f.admin, "Contacts twice", 1000, false)
        .await
        .unwrap();
    let masked = ferry_core::ops::preview::preview(&f.app, &ria, "Contacts twice", 1000, false)
        .await
        .unwrap();
    let quoted: Vec<&str> = p
        .rows
        .iter()
        .flat_map(|r| &r.findings)
        .map(|f| f.message.as_str())
        .filter(|m| m.contains('@'))
        .collect();
    assert!(!quoted.is_empty(), "every e-mail key is repeated");
    let said: Vec<&str> = masked
        .rows
        .iter()
        .flat_map(|r| &r.findings)
        .map(|f| f.message.as_str())
        .collect();
    assert!(
        said.iter().all(|m| !m.contains('@')),
        "no e-mail in the findings: {said:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_template_reads_only_its_key_and_previews_bodiless_deletes() {
    let f = fixture().await;
    let mut del = input(&f, "Forget contacts");
    del.mapping.operation = Operation::DeleteByKey { key: f.key.clone() };
    let check = templates::check(&f.app, &f.admin, &del, None)
        .await
        .unwrap();
    assert!(check.fields.is_empty(), "{:?}", check.fields);
    let not_sent: Vec<&str> = check.dropped.iter().map(|n| n.subject.as_str()).collect();
    for column in ["firstname", "lastname", "new_loyaltytier"] {
        assert!(
            not_sent.contains(&column),
            "{column} is said not to be sent: {not_sent:?}"
        );
    }
    assert!(
        check.warnings.is_empty(),
        "a delete leaves no required column unfilled: {:?}",
        check.warnings
    );
    templates::create(&f.app, &f.admin, del).await.unwrap();
    let p = ferry_core::ops::preview::preview(&f.app, &f.admin, "Forget contacts", 1000, false)
        .await
        .unwrap();
    assert_eq!(p.total, 30, "every source row would remove a record");
    let keyed = p
        .rows
        .iter()
        .find(|r| r.request.is_some())
        .expect("some rows have an email");
    let request = keyed.request.as_ref().unwrap();
    assert_eq!(request.method, "DELETE");
    assert!(request.url.contains("emailaddress1="), "{}", request.url);
    assert_eq!(request.body, None, "a delete has no body");
    assert_eq!(keyed.record, serde_json::json!({}));

    let mut no_key = input(&f, "Delete without a key");
    no_key.mapping.operation = Operation::DeleteByKey {
        key: "nokey".into(),
    };
    let e = templates::create(&f.app, &f.admin, no_key)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no alternate key"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaigns_need_a_template_open_to_business_users() {
    let f = fixture().await;
    let mut closed = input(&f, "Campaign contacts");
    closed.business_users = false;
    closed.campaigns = true;
    let check = templates::check(&f.app, &f.admin, &closed, None)
        .await
        .unwrap();
    assert!(
        check.fields.iter().any(|e| e.field == "campaigns"),
        "{:?}",
        check.fields
    );
    let e = templates::create(&f.app, &f.admin, closed.clone())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation, "{e}");
    closed.business_users = true;
    let saved = templates::create(&f.app, &f.admin, closed).await.unwrap();
    assert!(saved.campaigns && saved.business_users);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_start_makes_a_demo_contacts_template_once_ready_to_preview() {
    use ferry_core::ops::start::{self, DemoTarget};
    let f = fixture().await;
    let demo = DemoTarget {
        base_url: f._sb.base_url.clone(),
        tenant: f._sb.tenant.clone(),
        client_id: f._sb.client_id.clone(),
        client_secret: Secret::new(&f._sb.client_secret),
    };
    let startup = Actor::startup();
    start::ensure_demo_destination(&f.app, &startup, &demo)
        .unwrap()
        .expect("the Local sandbox destination is made");
    let made = start::ensure_demo_template(&f.app, &startup)
        .await
        .unwrap()
        .expect("the demo template is made on the first start");
    assert_eq!(made.name, "Demo contacts");
    assert_eq!(made.destination.id, start::DEMO_DESTINATION_ID);
    assert!(
        matches!(&made.mapping.operation, Operation::UpsertByKey { key } if *key == f.key),
        "upsert by the e-mail key: {:?}",
        made.mapping.operation
    );
    let mapped: Vec<(&str, &str)> = made
        .mapping
        .fields
        .iter()
        .filter_map(|m| match &m.source {
            ValueSource::Column { name } => Some((m.column.as_str(), name.as_str())),
            ValueSource::Constant { .. } => None,
        })
        .collect();
    for pair in [
        ("emailaddress1", "email"),
        ("firstname", "first_name"),
        ("lastname", "last_name"),
    ] {
        assert!(mapped.contains(&pair), "{pair:?} is mapped: {mapped:?}");
    }
    let p = ferry_core::ops::preview::preview(&f.app, &f.admin, "Demo contacts", 10, false)
        .await
        .unwrap();
    assert_eq!(p.total, 30, "the preview reads every demo customer");
    assert!(p.ready > 0, "most demo customers can be sent: {p:?}");

    // Made once: deleted by the user, it does not come back at the next start.
    assert!(start::ensure_demo_template(&f.app, &startup)
        .await
        .unwrap()
        .is_none());
    templates::delete(&f.app, &f.admin, "Demo contacts").unwrap();
    assert!(start::ensure_demo_template(&f.app, &startup)
        .await
        .unwrap()
        .is_none());
    assert!(templates::list(&f.app, &f.admin).unwrap().is_empty());

    // The demo destination deleted and added back brings its demo template back too.
    destinations::delete(&f.app, &f.admin, start::DEMO_DESTINATION_ID).unwrap();
    start::restore_demo(&f.app, &f.admin, &demo).await.unwrap();
    let names: Vec<String> = templates::list(&f.app, &f.admin)
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["Demo contacts"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_with_a_lookup_previews_the_bind_and_must_say_which_table_it_names() {
    let f = fixture().await;
    let query = queries::create(
        &f.app,
        &f.admin,
        QueryInput {
            name: "Customers and their accounts".into(),
            description: String::new(),
            sql: "SELECT email, last_name, 'A-' || customer_id AS account_number FROM customers"
                .into(),
            time_limit_secs: 30,
        },
    )
    .unwrap();
    let account_key = connection::table_columns(&f.app, &f.admin, "Sandbox", "account", false)
        .await
        .unwrap()
        .details
        .keys
        .iter()
        .find(|k| k.columns == ["accountnumber"])
        .expect("the sandbox keys accounts by number")
        .logical_name
        .clone();
    let mut t = input(&f, "Contacts with accounts");
    t.source = RowSource::Query(query.id);
    t.mapping.fields = vec![
        field("emailaddress1", "email"),
        field("lastname", "last_name"),
        field("parentcustomerid", "account_number"),
    ];
    let e = templates::create(&f.app, &f.admin, t.clone())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation, "{e}");
    assert!(
        e.to_string().contains("account or contact"),
        "a customer lookup must say which table its values name: {e}"
    );

    t.mapping.fields[2].lookup = Some(LookupTarget {
        table: "account".into(),
        key: Some(account_key),
    });
    templates::create(&f.app, &f.admin, t).await.unwrap();
    let saved = templates::get(&f.app, &f.admin, "Contacts with accounts").unwrap();
    assert_eq!(
        saved.mapping.fields[2]
            .lookup
            .as_ref()
            .map(|l| l.table.as_str()),
        Some("account"),
        "the lookup is saved with the template"
    );
    let p =
        ferry_core::ops::preview::preview(&f.app, &f.admin, "Contacts with accounts", 50, false)
            .await
            .unwrap();
    let row = p
        .rows
        .iter()
        .find(|r| r.verdict != Verdict::Error)
        .expect("a row that would be sent");
    let bind = row.record["parentcustomerid_account@odata.bind"]
        .as_str()
        .expect("the record binds the customer lookup");
    assert!(
        bind.starts_with("/accounts(accountnumber='A-") && bind.ends_with("')"),
        "the account named by its number: {bind}"
    );
    assert!(
        row.record.get("parentcustomerid").is_none(),
        "the lookup column itself is never sent"
    );
    let body = row.request.as_ref().unwrap().body.as_deref().unwrap();
    assert!(
        body.contains("parentcustomerid_account@odata.bind"),
        "the request carries the bind: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checking_against_dynamics_says_which_rows_would_update_and_which_would_create() {
    use ferry_core::dataverse::records::{self, WriteKind};
    use ferry_core::ops::online_check::{self, CheckOutcome};
    let f = fixture().await;
    templates::create(&f.app, &f.admin, input(&f, "Demo contacts"))
        .await
        .unwrap();
    let p = ferry_core::ops::preview::preview(&f.app, &f.admin, "Demo contacts", 1000, false)
        .await
        .unwrap();
    // Three of the rows that would be sent already have a contact in Dynamics.
    let client = dataverse_support::client(&f._sb);
    let mut existing = Vec::new();
    for r in p
        .rows
        .iter()
        .filter(|r| r.verdict != ferry_core::mapping::plan::Verdict::Error)
        .take(3)
    {
        let email = r.record["emailaddress1"].as_str().unwrap();
        records::write(
            &client,
            WriteKind::Upsert,
            "contacts",
            Some(&dataverse_support::email_key(email)),
            &dataverse_support::record(&[("lastname", serde_json::json!("Known"))]),
        )
        .await
        .unwrap();
        existing.push(r.index);
    }
    let sendable = p.total - p.error;
    let c = online_check::check(&f.app, &f.admin, "Demo contacts", 500)
        .await
        .unwrap();
    assert_eq!(
        c.checked, sendable,
        "every row that would be sent is asked about"
    );
    assert_eq!(c.updates, 3, "{c:?}");
    assert_eq!(c.creates, sendable - 3);
    for r in &c.rows {
        let want = if existing.contains(&r.index) {
            CheckOutcome::Updates
        } else {
            CheckOutcome::Creates
        };
        assert_eq!(r.outcome, want, "row {}", r.index);
    }
    let small = online_check::check(&f.app, &f.admin, "Demo contacts", 2)
        .await
        .unwrap();
    assert_eq!(small.checked, 2, "the sample size is kept");

    // An update-only template finds no record for the others; a create-only one has no key.
    let mut update = input(&f, "Update contacts");
    update.mapping.operation = Operation::UpdateByKey { key: f.key.clone() };
    templates::create(&f.app, &f.admin, update).await.unwrap();
    let u = online_check::check(&f.app, &f.admin, "Update contacts", 500)
        .await
        .unwrap();
    assert_eq!((u.updates, u.not_found), (3, sendable - 3));
    let mut create = input(&f, "Create contacts");
    create.mapping.operation = Operation::Create;
    templates::create(&f.app, &f.admin, create).await.unwrap();
    let e = online_check::check(&f.app, &f.admin, "Create contacts", 10)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no key to look up"), "{e}");
    let log = activity::list(&f.app, &f.admin, &ActivityQuery::default(), 0, 50).unwrap();
    assert!(log.entries.iter().any(|e| e.action == "template.check"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_page_says_its_counts_are_partial_and_the_full_pass_finds_a_later_repeated_key() {
    use ferry_core::mapping::plan::Verdict;
    use ferry_core::ops::preview;
    let f = fixture().await;
    // The demo's customers, then the first one with an email again, last.
    let repeat = queries::create(
        &f.app,
        &f.admin,
        QueryInput {
            name: "Customers, one twice".into(),
            description: String::new(),
            sql: "SELECT * FROM (SELECT customer_id, email, first_name, last_name, loyalty_tier \
                  FROM customers ORDER BY customer_id) \
                  UNION ALL SELECT * FROM (SELECT customer_id, email, first_name, last_name, \
                  loyalty_tier FROM customers WHERE email LIKE '%@%' ORDER BY customer_id LIMIT 1)"
                .into(),
            time_limit_secs: 30,
        },
    )
    .unwrap()
    .id;
    let mut t = input(&f, "Repeat");
    t.source = RowSource::Query(repeat);
    templates::create(&f.app, &f.admin, t).await.unwrap();
    let same_key =
        |r: &preview::PreviewRow| r.findings.iter().any(|x| x.message.contains("same key"));

    let page = preview::first_page(&f.app, &f.admin, "Repeat", 5, false)
        .await
        .unwrap();
    assert!(!page.complete, "26 rows are left unread");
    assert_eq!(page.total, 5, "the page reads only the rows it shows");
    assert_eq!(page.rows.len(), 5);
    assert_eq!(page.ready + page.warning + page.error, page.total);

    let full = preview::preview(&f.app, &f.admin, "Repeat", 5, false)
        .await
        .unwrap();
    assert!(full.complete, "the pass reads every row");
    assert_eq!(full.total, 31);
    let verdicts =
        |p: &preview::Preview| -> Vec<Verdict> { p.rows.iter().map(|r| r.verdict).collect() };
    assert_eq!(
        verdicts(&page),
        verdicts(&full),
        "a row's verdict depends only on the rows before it"
    );
    let errors = preview::preview(&f.app, &f.admin, "Repeat", 1000, true)
        .await
        .unwrap();
    let last = errors.rows.last().expect("the repeated row is an error");
    assert_eq!(last.index, 30, "the repeat is the last row");
    assert!(same_key(last), "{:?}", last.findings);
    assert!(
        !page.rows.iter().any(same_key),
        "the page saw no repeat: it comes after"
    );

    // An errors-only first page over a short source reads it all, so its counts are final.
    let short = preview::first_page(&f.app, &f.admin, "Repeat", 1000, true)
        .await
        .unwrap();
    assert!(short.complete, "31 rows are fewer than a first page reads");
    assert_eq!(
        (short.total, short.error),
        (full.total, full.error),
        "the same counts as the full pass"
    );
    assert!(short.rows.last().is_some_and(same_key));
}
