//! Users, policies, Restrict PII access and the activity log through `ops`, over real SQLite
//! files and the real keychain (the test command runs gnome-keyring): what the window and the
//! CLI rely on.

use ferry_core::data::results::RunState;
use ferry_core::data::types::PII_MASK;
use ferry_core::data::Cell;
use ferry_core::ops::activity::{self, ActivityQuery};
use ferry_core::ops::credentials::{self, NewCredential};
use ferry_core::ops::destinations::{self, DestinationInput};
use ferry_core::ops::queries;
use ferry_core::ops::rows::{self, RowSource};
use ferry_core::ops::users::{self, Session, UserInput};
use ferry_core::ops::{data, segments};
use ferry_core::policy::{Actor, Policy};
use ferry_core::secrets::{Secret, SecretStore};
use ferry_core::validate::ExpiryInput;
use ferry_core::{App, ErrorCode};
use std::time::{Duration, Instant};

fn app() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let service = format!("ferry-core-test-{}", ferry_core::ids::new_id("t"));
    let app = App::open(dir.path(), SecretStore::new(service)).unwrap();
    (dir, app)
}

/// The first administrator, made as on a first start.
fn admin(app: &App) -> Actor {
    users::resolve(app, None).unwrap()
}

fn add(app: &App, name: &str, policy: Policy, restrict_pii: bool) -> Actor {
    let u = users::create(
        app,
        &admin(app),
        UserInput {
            name: name.into(),
            policy,
            restrict_pii,
        },
    )
    .unwrap();
    users::resolve(app, Some(&u.id)).unwrap()
}

fn everything(app: &App) -> Vec<activity::ActivityEntry> {
    activity::list(app, &admin(app), &ActivityQuery::default(), 0, 500)
        .unwrap()
        .entries
}

#[test]
fn the_first_start_makes_the_person_at_the_computer_an_administrator_once() {
    let (_dir, app) = app();
    let me = admin(&app);
    assert_eq!(me.name(), users::os_user_name(), "named after the OS user");
    assert_eq!(me.policy(), Policy::Administrator);
    assert!(
        users::ensure_first_admin(&app).unwrap().is_none(),
        "not made twice"
    );
    assert_eq!(users::list(&app, &me).unwrap().len(), 1);
    let log = everything(&app);
    assert_eq!(log.last().unwrap().action, "user.add", "and it is recorded");
}

#[test]
fn the_last_administrator_can_be_neither_demoted_nor_disabled() {
    let (_dir, app) = app();
    let me = admin(&app);
    let demote = UserInput {
        name: me.name().into(),
        policy: Policy::Operator,
        restrict_pii: false,
    };
    let e = users::update(&app, &me, me.id(), demote.clone()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InUse, "{e}");
    assert!(e
        .to_string()
        .contains("last enabled DataGrid Administrator"));
    let e = users::set_disabled(&app, &me, me.id(), true).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InUse);
    let other = add(&app, "Second admin", Policy::Administrator, false);
    let e = users::set_disabled(&app, &me, me.id(), true).unwrap_err();
    assert!(
        e.to_string().contains("cannot disable themselves"),
        "not oneself, even with another administrator: {e}"
    );
    users::update(&app, &me, me.id(), demote).expect("another administrator remains");
    // `me` was resolved before the demotion, as a call already under way would have been: the
    // rule holds on what the store says now, not on what the caller believed.
    let e = users::set_disabled(&app, &me, other.id(), true).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InUse, "now the second is the last");
    assert!(e.to_string().contains("last enabled"), "{e}");
}

#[test]
fn a_disabled_user_cannot_act_and_names_are_unique() {
    let (_dir, app) = app();
    let me = admin(&app);
    let dana = add(&app, "Dana", Policy::AmpIq, false);
    let e = users::create(
        &app,
        &me,
        UserInput {
            name: "dana".into(),
            policy: Policy::Amp360,
            restrict_pii: false,
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation, "names differ beyond case");
    users::set_disabled(&app, &me, "Dana", true).unwrap();
    let e = users::resolve(&app, Some("Dana")).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden, "{e}");
    assert!(e.to_string().contains("disabled"));
    let e = users::resolve(&app, Some("Nobody")).unwrap_err();
    assert!(
        e.to_string().contains(me.name()),
        "says who one may act as: {e}"
    );
    let e = users::create(
        &app,
        &dana,
        UserInput {
            name: "Eve".into(),
            policy: Policy::Administrator,
            restrict_pii: false,
        },
    )
    .unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::Forbidden,
        "only administrators add users"
    );
}

#[test]
fn a_policy_change_applies_to_the_window_at_its_next_call() {
    let (_dir, app) = app();
    let me = admin(&app);
    let bo = add(&app, "Bo", Policy::Operator, false);
    let session = Session::new();
    session.switch(&app, "Bo").unwrap();
    assert!(data::tables(&app, &session.actor(&app).unwrap()).is_ok());
    assert!(credentials::list(&app, &session.actor(&app).unwrap()).is_ok());
    users::update(
        &app,
        &me,
        bo.id(),
        UserInput {
            name: "Bo".into(),
            policy: Policy::AmpIq,
            restrict_pii: true,
        },
    )
    .unwrap();
    let now = session.actor(&app).unwrap();
    assert_eq!(now.policy(), Policy::AmpIq, "read afresh");
    assert!(now.restrict_pii());
    let e = credentials::list(&app, &now).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert!(
        e.to_string()
            .contains("DataGrid Operator or DataGrid Administrator"),
        "names who may: {e}"
    );
    let me_view = session.me(&app).unwrap();
    assert_eq!(me_view.user.name, "Bo");
    assert!(!me_view
        .permissions
        .contains(&ferry_core::policy::Action::ReadCredentials));
    let switches: Vec<_> = everything(&app)
        .into_iter()
        .filter(|e| e.action == "session.switch")
        .collect();
    assert_eq!(switches.len(), 1, "the switch is recorded");
    assert!(switches[0].summary.contains("to Bo"));
}

fn new_credential(app: &App, me: &Actor, secret: &str) -> String {
    credentials::create(
        app,
        me,
        NewCredential {
            name: "Prod app".into(),
            description: String::new(),
            plugin: "microsoft-dynamics".into(),
            client_id: "0f6e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5".into(),
            client_secret: Secret::new(secret),
            expiry: ExpiryInput::Years { years: 1 },
        },
    )
    .unwrap()
    .id
}

fn destination(name: &str, cred: &str, business: bool, restricted: bool) -> DestinationInput {
    DestinationInput {
        name: name.into(),
        description: String::new(),
        plugin: "microsoft-dynamics".into(),
        credential_id: cred.into(),
        tenant_id: "contoso.onmicrosoft.com".into(),
        dynamics_url: "https://contoso.crm4.dynamics.com/".into(),
        api_version: String::new(),
        business_users: business,
        restricted_pii: restricted,
        extra_credentials: Vec::new(),
    }
}

#[test]
fn business_and_restricted_users_are_offered_only_destinations_open_to_them() {
    let (_dir, app) = app();
    let me = admin(&app);
    let secret = "matrix~secret~value~9";
    let cred = new_credential(&app, &me, secret);
    destinations::create(&app, &me, destination("Open", &cred, true, true)).unwrap();
    destinations::create(&app, &me, destination("Business", &cred, true, false)).unwrap();
    destinations::create(
        &app,
        &me,
        destination("Operators only", &cred, false, false),
    )
    .unwrap();
    let names = |a: &Actor| -> Vec<String> {
        destinations::list(&app, a)
            .unwrap()
            .into_iter()
            .map(|d| d.name)
            .collect()
    };
    let amp = add(&app, "Amy", Policy::Amp360, false);
    let amp_r = add(&app, "Ria", Policy::Amp360AmpIq, true);
    let op_r = add(&app, "Olu", Policy::Operator, true);
    assert_eq!(names(&amp), ["Business", "Open"]);
    assert_eq!(names(&amp_r), ["Open"], "restricted: only what allows them");
    assert_eq!(names(&op_r).len(), 3, "operators see every destination");
    let ops_view = destinations::list(&app, &op_r).unwrap();
    let business = ops_view.iter().find(|d| d.name == "Business").unwrap();
    assert!(
        business
            .unavailable
            .as_deref()
            .unwrap()
            .contains("Restrict PII"),
        "but are told which they may not use"
    );
    let e = destinations::get(&app, &amp, "Operators only").unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden, "not accepted either");
    let e = destinations::create(&app, &amp, destination("Mine", &cred, true, true)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let e = rt
        .block_on(ferry_core::ops::connection::test(&app, &amp_r, "Business"))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden, "no test through it either");
    // The log has every change with before and after, and never the secret.
    let log = everything(&app);
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains(secret), "no secret in the activity log");
    assert!(log.iter().any(|e| e.action == "credential.add"));
    assert!(log
        .iter()
        .any(|e| e.action == "access.refused" && e.user_name == "Amy"));
    destinations::update(
        &app,
        &me,
        "Business",
        destination("Business", &cred, false, false),
    )
    .unwrap();
    let edit = everything(&app)
        .into_iter()
        .find(|e| e.action == "destination.edit")
        .unwrap();
    assert_eq!(
        edit.details["changes"]["businessUsers"],
        serde_json::json!({"before": true, "after": false}),
        "before and after: {}",
        edit.details
    );
    assert!(
        edit.details["changes"].get("name").is_none(),
        "only what changed"
    );
    credentials::delete(&app, &me, "Prod app").ok();
    for d in ["Open", "Business", "Operators only"] {
        destinations::delete(&app, &me, d).unwrap();
    }
    credentials::delete(&app, &me, &cred).unwrap();
}

fn page_when_done(app: &App, actor: &Actor, run: &str) -> ferry_core::data::results::ResultPage {
    let start = Instant::now();
    loop {
        let p = queries::page(app, actor, run, 0, 50).unwrap();
        if p.status.state != RunState::Running {
            return p;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "the run ends");
    }
}

fn text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        other => format!("{other:?}"),
    }
}

#[test]
fn restricted_users_see_personal_data_masked_everywhere_and_others_are_recorded_seeing_it() {
    let (_dir, app) = app();
    let me = admin(&app);
    data::make_demo(&app, &me, 50, 3, &mut |_| {}).unwrap();
    let ria = add(&app, "Ria", Policy::Amp360AmpIq, true);
    let sql = "SELECT customer_id, email FROM customers ORDER BY customer_id";

    // Data sample.
    let open = data::sample(&app, &me, "customers", 5).unwrap();
    let hidden = data::sample(&app, &ria, "customers", 5).unwrap();
    assert!(!open.pii_hidden && hidden.pii_hidden);
    let email = open.columns.iter().position(|c| c.name == "email").unwrap();
    let id = open
        .columns
        .iter()
        .position(|c| c.name == "customer_id")
        .unwrap();
    assert!(text(&open.rows[0][email]).contains('@'), "real values");
    for row in &hidden.rows {
        assert_eq!(text(&row[email]), PII_MASK);
    }
    assert_eq!(hidden.rows[0][id], open.rows[0][id], "other columns show");

    // A query run the grid pages through, and the same run paged by someone else.
    let run = queries::start_run(&app, &ria, sql, 30).unwrap();
    let p = page_when_done(&app, &ria, &run);
    assert!(p.pii_hidden);
    assert!(p.rows.iter().all(|r| text(&r[1]) == PII_MASK));
    let run = queries::start_run(&app, &me, sql, 30).unwrap();
    let p = page_when_done(&app, &me, &run);
    assert!(!p.pii_hidden && text(&p.rows[0][1]).contains('@'));

    // Rows read for people to see (the CLI), and a segment's preview.
    let q = queries::create(
        &app,
        &me,
        queries::QueryInput {
            name: "Emails".into(),
            description: String::new(),
            sql: sql.into(),
            time_limit_secs: 30,
        },
    )
    .unwrap();
    let mut r = rows::open_for_view(
        &app,
        &ria,
        &RowSource::Query(q.id.clone()),
        Duration::from_secs(30),
    )
    .unwrap();
    assert!(r.pii_hidden());
    let rows_seen = r.next_page(100).unwrap().unwrap();
    assert!(rows_seen.iter().all(|row| text(&row[1]) == PII_MASK));
    let def: ferry_core::data::segments::SegmentDefinition =
        serde_json::from_value(serde_json::json!({
            "table": "customers", "rules": { "match": "all", "rules": [] }
        }))
        .unwrap();
    let preview = segments::start_preview(&app, &ria, &def, 30).unwrap();
    let p = page_when_done(&app, &ria, &preview);
    let email = p.columns.iter().position(|c| c.name == "email").unwrap();
    assert!(p.pii_hidden && p.rows.iter().all(|row| text(&row[email]) == PII_MASK));
    let mut sql_reader = queries::reader_for_sql(&app, &ria, sql, 30).unwrap();
    assert!(sql_reader.pii_hidden());
    assert!(sql_reader
        .next_page(10)
        .unwrap()
        .unwrap()
        .iter()
        .all(|row| text(&row[1]) == PII_MASK));

    // The log: who saw personal data, who did not.
    let log = activity::list(
        &app,
        &me,
        &ActivityQuery {
            reveals_pii: true,
            ..Default::default()
        },
        0,
        500,
    )
    .unwrap();
    assert!(log.total >= 2, "the sample and the run: {:?}", log.entries);
    assert!(
        log.entries.iter().all(|e| e.user_name == me.name()),
        "only the unrestricted user saw personal data"
    );
    assert!(log
        .entries
        .iter()
        .any(|e| e.action == "data.sample" && e.summary.contains("email")));
    let runs = activity::list(
        &app,
        &me,
        &ActivityQuery {
            user: Some("ria".into()),
            kind: Some("query".into()),
            ..Default::default()
        },
        0,
        500,
    )
    .unwrap();
    assert!(runs.total >= 3, "Ria's runs are recorded too");
    assert!(runs
        .entries
        .iter()
        .all(|e| !e.reveals_pii && e.summary.contains("hidden")));
}

#[test]
fn only_administrators_read_the_log_and_filters_narrow_it() {
    let (_dir, app) = app();
    let me = admin(&app);
    let op = add(&app, "Olu", Policy::Operator, false);
    let e = activity::list(&app, &op, &ActivityQuery::default(), 0, 10).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert!(e.to_string().contains("DataGrid Administrator"));
    let e = activity::list(
        &app,
        &me,
        &ActivityQuery {
            since: Some("30/11/2026".into()),
            ..Default::default()
        },
        0,
        10,
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation, "a date that is not a date");
    let all = activity::list(&app, &me, &ActivityQuery::default(), 0, 500).unwrap();
    let by_olu = activity::list(
        &app,
        &me,
        &ActivityQuery {
            user: Some("OLU".into()),
            ..Default::default()
        },
        0,
        500,
    )
    .unwrap();
    assert_eq!(by_olu.total, 1, "Olu's refusal only");
    assert!(all.total > by_olu.total);
    assert!(all.users.contains(&"Olu".to_string()));
    let future = activity::list(
        &app,
        &me,
        &ActivityQuery {
            since: Some("2999-01-01".into()),
            ..Default::default()
        },
        0,
        500,
    )
    .unwrap();
    assert_eq!(future.total, 0);
    let mut csv = Vec::new();
    let n = activity::export_csv(&app, &me, &ActivityQuery::default(), &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(
        csv.lines().count() as u64,
        n + 1,
        "a header and a line each"
    );
    assert!(csv.starts_with("seq,time_utc,user,kind"));
}

#[test]
fn the_log_cannot_be_edited_through_sqlite_by_mistake_and_tampering_is_found() {
    let (_dir, app) = app();
    let me = admin(&app);
    for n in 0..5 {
        add(&app, &format!("User {n}"), Policy::Amp360, n % 2 == 0);
    }
    let report = activity::verify(&app, &me).unwrap();
    assert!(report.intact, "{:?}", report.problems);
    assert_eq!(report.entries, 6, "the first administrator and five more");

    let conn = app.store().conn().unwrap();
    let e = conn
        .execute("UPDATE activity SET summary = 'nothing' WHERE seq = 3", [])
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    assert!(conn
        .execute("DELETE FROM activity WHERE seq = 3", [])
        .is_err());

    // Someone drops the guard and edits an entry behind Ferry's back.
    conn.execute_batch(
        "DROP TRIGGER activity_no_update;
         UPDATE activity SET summary = 'Added nobody' WHERE seq = 3;",
    )
    .unwrap();
    let report = activity::verify(&app, &me).unwrap();
    assert!(!report.intact);
    assert_eq!(report.problems[0].seq, 3, "{:?}", report.problems);
    assert!(report.problems[0].problem.contains("changed"));
}

#[test]
fn removing_entries_from_the_middle_or_the_end_is_found() {
    let (_dir, app) = app();
    let me = admin(&app);
    for n in 0..4 {
        add(&app, &format!("User {n}"), Policy::AmpIq, false);
    }
    let conn = app.store().conn().unwrap();
    conn.execute_batch(
        "DROP TRIGGER activity_no_delete;
         DELETE FROM activity WHERE seq = 2;",
    )
    .unwrap();
    let report = activity::verify(&app, &me).unwrap();
    assert!(!report.intact);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.seq == 3 && p.problem.contains("missing")),
        "{:?}",
        report.problems
    );

    let (_dir2, app2) = self::app();
    let me2 = admin(&app2);
    add(&app2, "Solo", Policy::AmpIq, false);
    let conn2 = app2.store().conn().unwrap();
    conn2
        .execute_batch(
            "DROP TRIGGER activity_no_delete;
             DELETE FROM activity WHERE seq = (SELECT max(seq) FROM activity);",
        )
        .unwrap();
    let report = activity::verify(&app2, &me2).unwrap();
    assert!(!report.intact, "the end was cut off");
    assert_eq!(report.problems[0].seq, 0);
    assert!(report.problems[0].problem.contains("should end at entry"));
}
