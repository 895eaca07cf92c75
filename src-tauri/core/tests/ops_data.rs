//! Customer data, saved queries and segments through `ops`, over real SQLite files: what the
//! window and the CLI rely on, with the acting user passed to every call.

use ferry_core::data::import::{ImportMode, ImportRequest, InspectOptions};
use ferry_core::data::results::RunState;
use ferry_core::data::segments::SegmentDefinition;
use ferry_core::data::Cell;
use ferry_core::ops::data::{self, TaskState};
use ferry_core::ops::queries::{self, QueryInput};
use ferry_core::ops::rows::{self, RowSource};
use ferry_core::ops::segments::{self, SegmentInput};
use ferry_core::policy::Actor;
use ferry_core::secrets::SecretStore;
use ferry_core::{App, Error, ErrorCode, ErrorReply};
use std::path::Path;
use std::time::{Duration, Instant};

fn user() -> Actor {
    Actor::new(
        "usr_test",
        "Tess",
        ferry_core::policy::Policy::Administrator,
        false,
    )
}

fn app() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    // NOTE: nothing here touches the keychain; the service only has to be unique.
    let service = format!("ferry-core-test-{}", ferry_core::ids::new_id("t"));
    let app = App::open(dir.path(), SecretStore::new(service)).unwrap();
    (dir, app)
}

fn demo_app(customers: u64) -> (tempfile::TempDir, App) {
    let (dir, app) = app();
    data::make_demo(&app, &user(), customers, 7, &mut |_| {}).unwrap();
    (dir, app)
}

fn request(app: &App, path: &Path, table: &str) -> ImportRequest {
    let plan = data::inspect(app, &user(), path, &InspectOptions::default()).unwrap();
    ImportRequest {
        path: path.display().to_string(),
        table: table.into(),
        mode: ImportMode::Create,
        encoding: plan.encoding,
        delimiter: plan.delimiter,
        columns: plan.columns,
        all_or_nothing: false,
    }
}

fn wait_for_import(app: &App, id: &str) -> data::ImportStatus {
    let start = Instant::now();
    loop {
        let s = data::import_status(app, &user(), id).unwrap();
        if s.state != TaskState::Running {
            return s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the import never ended"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn count_sql(app: &App, sql: &str) -> i64 {
    let mut r = app
        .data()
        .unwrap()
        .reader(sql, &[], Default::default())
        .unwrap();
    match &r.next_page(1).unwrap().unwrap()[0][0] {
        Cell::Integer(n) => *n,
        other => panic!("expected a count, got {other:?}"),
    }
}

#[test]
fn the_demo_dataset_lists_its_tables_with_pii_marks() {
    let (_dir, app) = demo_app(300);
    let tables = data::tables(&app, &user()).unwrap();
    let customers = tables.iter().find(|t| t.name == "customers").unwrap();
    assert_eq!(customers.row_count, 300);
    assert!(tables.iter().any(|t| t.name == "orders" && t.row_count > 0));
    let email = customers
        .columns
        .iter()
        .find(|c| c.name == "email")
        .unwrap();
    assert!(email.pii, "email comes marked as personal data");
    let tier = customers
        .columns
        .iter()
        .find(|c| c.name == "loyalty_tier")
        .unwrap();
    assert!(!tier.pii, "the loyalty tier is not personal data");
    let marked = data::set_pii(&app, &user(), "customers", "loyalty_tier", true).unwrap();
    assert!(marked.pii);
    let sample = data::sample(&app, &user(), "customers", 5).unwrap();
    assert_eq!(sample.rows.len(), 5);
    assert!(sample
        .columns
        .iter()
        .any(|c| c.name == "loyalty_tier" && c.pii));
}

#[test]
fn a_background_import_reports_progress_rejects_with_line_numbers_and_saves_them() {
    let (dir, app) = app();
    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        "id,email,joined\n1,a@example.com,2024-01-02\n2,\"b@example.com\nsecond line\",2024-02-03\n3,c@example.com\n4,d@example.com,2024-04-05\n",
    )
    .unwrap();
    let id = data::start_import(&app, &user(), request(&app, &csv, "people")).unwrap();
    let status = wait_for_import(&app, &id);
    assert_eq!(status.state, TaskState::Done, "{:?}", status.error);
    let report = status.report.unwrap();
    assert_eq!((report.rows_imported, report.rows_rejected), (3, 1));
    assert_eq!(
        report.rejects[0].line, 5,
        "the ragged row starts on line 5, after a quoted newline"
    );
    let to = dir.path().join("saved-rejects.csv");
    data::save_rejects(&app, &user(), &id, &to).unwrap();
    let saved = std::fs::read_to_string(&to).unwrap();
    assert!(
        saved.contains("c@example.com") && saved.contains('5'),
        "{saved}"
    );
    assert_eq!(count_sql(&app, "SELECT count(*) FROM people"), 3);
}

#[test]
fn a_cancelled_import_leaves_the_table_as_it_was() {
    let (dir, app) = app();
    let small = dir.path().join("small.csv");
    std::fs::write(&small, "id,name\n1,Ann\n2,Bo\n").unwrap();
    let id = data::start_import(&app, &user(), request(&app, &small, "people")).unwrap();
    assert_eq!(wait_for_import(&app, &id).state, TaskState::Done);

    let big = dir.path().join("big.csv");
    let mut text = String::from("id,name\n");
    for i in 0..400_000 {
        text.push_str(&format!("{i},name {i}\n"));
    }
    std::fs::write(&big, text).unwrap();
    let mut req = request(&app, &big, "people");
    req.mode = ImportMode::Replace;
    let id = data::start_import(&app, &user(), req).unwrap();
    data::cancel_import(&app, &user(), &id).unwrap();
    let status = wait_for_import(&app, &id);
    assert_eq!(status.state, TaskState::Cancelled);
    assert_eq!(status.error.unwrap().code, ErrorCode::Cancelled);
    assert_eq!(
        count_sql(&app, "SELECT count(*) FROM people"),
        2,
        "the replaced table still holds its two rows"
    );
}

#[test]
fn saved_queries_are_checked_by_the_read_only_door_before_they_are_saved() {
    let (_dir, app) = demo_app(100);
    let input = |name: &str, sql: &str| QueryInput {
        name: name.into(),
        description: String::new(),
        sql: sql.into(),
        time_limit_secs: 30,
    };
    let Err(Error::Validation(fields)) =
        queries::create(&app, &user(), input("Wipe", "DELETE FROM customers"))
    else {
        panic!("a writing query must be refused")
    };
    assert_eq!(fields[0].field, "sql");
    assert!(
        fields[0].message.contains("only read"),
        "{}",
        fields[0].message
    );

    let Err(Error::Validation(fields)) = queries::create(
        &app,
        &user(),
        input("Typo", "SELECT *\nFROM customers\nWHER x = 1"),
    ) else {
        panic!("SQL that does not parse must be refused")
    };
    assert!(
        fields[0].message.contains("line 3"),
        "{}",
        fields[0].message
    );

    let gold = queries::create(
        &app,
        &user(),
        input(
            "Gold",
            "SELECT customer_id, email FROM customers WHERE loyalty_tier = 'Gold'",
        ),
    )
    .unwrap();
    let dup = queries::create(&app, &user(), input("GOLD", "SELECT 1")).unwrap_err();
    assert!(dup.to_string().contains("already exists"), "{dup}");
    let renamed =
        queries::update(&app, &user(), &gold.id, input("Gold members", &gold.sql)).unwrap();
    assert_eq!(renamed.name, "Gold members");
    assert_eq!(queries::list(&app, &user()).unwrap().len(), 1);

    let mut reader = rows::open(
        &app,
        &user(),
        &RowSource::Query("gold members".into()),
        Duration::from_secs(30),
    )
    .unwrap();
    assert!(
        reader.columns()[1].pii,
        "the email column carries its PII mark"
    );
    let mut n = 0;
    while let Some(page) = reader.next_page(7).unwrap() {
        n += page.len() as i64;
    }
    assert_eq!(
        n,
        count_sql(
            &app,
            "SELECT count(*) FROM customers WHERE loyalty_tier = 'Gold'"
        )
    );
    queries::delete(&app, &user(), "Gold members").unwrap();
    assert!(queries::list(&app, &user()).unwrap().is_empty());
}

#[test]
fn a_query_run_is_paged_from_disk_and_closed() {
    let (_dir, app) = demo_app(500);
    let run = queries::start_run(
        &app,
        &user(),
        "SELECT customer_id FROM customers ORDER BY customer_id",
        30,
    )
    .unwrap();
    let start = Instant::now();
    let page = loop {
        let p = queries::page(&app, &user(), &run, 100, 50).unwrap();
        if p.status.state != RunState::Running {
            break p;
        }
        assert!(start.elapsed() < Duration::from_secs(30));
    };
    assert_eq!(page.status.rows_so_far, 500);
    assert_eq!(page.rows.len(), 50);
    let mut direct = app
        .data()
        .unwrap()
        .reader(
            "SELECT customer_id FROM customers ORDER BY customer_id LIMIT 50 OFFSET 100",
            &[],
            Default::default(),
        )
        .unwrap();
    assert_eq!(page.rows, direct.next_page(50).unwrap().unwrap());
    queries::close_run(&app, &user(), &run).unwrap();
    let gone = queries::page(&app, &user(), &run, 0, 10).unwrap_err();
    assert!(matches!(gone, Error::NotFound { .. }));

    let bad = queries::start_run(&app, &user(), "SELECT 1", 0).unwrap_err();
    assert!(
        matches!(bad, Error::Validation(_)),
        "a 0 s limit is refused"
    );
}

#[test]
fn sql_errors_reach_the_ui_with_their_line_and_column() {
    let (_dir, app) = demo_app(50);
    let e = app
        .data()
        .unwrap()
        .check_sql("SELECT\n  nope(1)")
        .unwrap_err();
    let reply = ErrorReply::from(&Error::from(e));
    assert_eq!(reply.code, ErrorCode::Sql);
    assert_eq!(reply.line, Some(2));
    assert!(reply.column.is_some());
    let e = app
        .data()
        .unwrap()
        .check_sql("DROP TABLE customers")
        .unwrap_err();
    assert_eq!(
        ErrorReply::from(&Error::from(e)).code,
        ErrorCode::WriteRefused
    );
}

fn definition(json: serde_json::Value) -> SegmentDefinition {
    serde_json::from_value(json).unwrap()
}

#[test]
fn segments_count_save_and_read_the_rows_they_count() {
    let (_dir, app) = demo_app(400);
    let gold = definition(serde_json::json!({
        "table": "customers",
        "rules": { "match": "all", "rules": [
            { "kind": "condition", "column": "loyalty_tier", "op": "inList", "values": ["Gold", "Platinum"] },
            { "kind": "related", "table": "orders", "column": "customer_id", "on": "customer_id", "exists": true,
              "rules": { "match": "all", "rules": [] } }
        ]}
    }));
    let counted = segments::count(&app, &user(), &gold).unwrap();
    let expected = count_sql(
        &app,
        "SELECT count(*) FROM customers WHERE loyalty_tier IN ('Gold', 'Platinum')
           AND customer_id IN (SELECT customer_id FROM orders)",
    );
    assert_eq!(counted.count as i64, expected);
    assert!(
        !counted.sql.contains("Gold"),
        "values are parameters: {}",
        counted.sql
    );

    let saved = segments::create(
        &app,
        &user(),
        SegmentInput {
            name: "Best customers".into(),
            description: String::new(),
            definition: gold,
        },
    )
    .unwrap();
    let mut reader = rows::open(
        &app,
        &user(),
        &RowSource::Segment(saved.id.clone()),
        Duration::from_secs(30),
    )
    .unwrap();
    let mut n = 0;
    while let Some(page) = reader.next_page(64).unwrap() {
        n += page.len() as i64;
    }
    assert_eq!(n, expected, "the segment's rows are the ones it counts");
    assert!(
        reader.columns().iter().any(|c| c.name == "email" && c.pii),
        "PII marks come with the rows"
    );
}

#[test]
fn a_segment_on_a_missing_column_says_which_condition_to_fix() {
    let (_dir, app) = demo_app(50);
    let Err(Error::Validation(fields)) = segments::create(
        &app,
        &user(),
        SegmentInput {
            name: "Big feet".into(),
            description: String::new(),
            definition: definition(serde_json::json!({
                "table": "customers",
                "rules": { "match": "all", "rules": [
                    { "kind": "condition", "column": "shoe_size", "op": "gt", "value": 44 }
                ]}
            })),
        },
    ) else {
        panic!("a segment on a missing column must be refused")
    };
    assert!(
        fields[0].field.starts_with("definition."),
        "{}",
        fields[0].field
    );
    assert!(
        fields[0].message.contains("shoe_size"),
        "{}",
        fields[0].message
    );
    assert!(
        segments::list(&app, &user()).unwrap().is_empty(),
        "nothing was saved"
    );
}

#[test]
fn a_segment_preview_pages_like_a_query_run_over_the_rows_it_counts() {
    let (_dir, app) = demo_app(300);
    let opted_in = definition(serde_json::json!({
        "table": "customers",
        "rules": { "match": "all", "rules": [
            { "kind": "condition", "column": "opt_in_email", "op": "isTrue" }
        ]}
    }));
    let counted = segments::count(&app, &user(), &opted_in).unwrap().count;
    let run = segments::start_preview(&app, &user(), &opted_in, 30).unwrap();
    let start = Instant::now();
    let page = loop {
        let p = queries::page(&app, &user(), &run, 0, 1000).unwrap();
        if p.status.state != RunState::Running {
            break p;
        }
        assert!(start.elapsed() < Duration::from_secs(30));
    };
    assert_eq!(page.rows.len() as u64, counted);
    assert_eq!(page.status.rows_so_far, counted);
    queries::close_run(&app, &user(), &run).unwrap();
    queries::close_run(&app, &user(), &run).expect("closing twice is harmless");
}

#[test]
fn getting_started_ticks_the_import_step_after_a_file_import_not_after_the_demo() {
    use ferry_core::ops::start;
    let (dir, app) = demo_app(20);
    assert!(
        !start::getting_started(&app, &user(), false)
            .unwrap()
            .data_imported,
        "the demo data is not the user's import"
    );
    let csv = dir.path().join("few.csv");
    std::fs::write(&csv, "id,name\n1,Ann\n").unwrap();
    let id = data::start_import(&app, &user(), request(&app, &csv, "few")).unwrap();
    assert_eq!(wait_for_import(&app, &id).state, TaskState::Done);
    assert!(
        start::getting_started(&app, &user(), false)
            .unwrap()
            .data_imported
    );
}

#[test]
fn result_files_left_by_a_killed_app_are_cleared_at_start() {
    let (dir, app) = demo_app(30);
    let leftover = dir.path().join("scratch").join("run_left-behind.sqlite3");
    std::fs::create_dir_all(leftover.parent().unwrap()).unwrap();
    std::fs::write(&leftover, b"rows of a run that never closed").unwrap();
    queries::clear_scratch(&app);
    assert!(!leftover.exists(), "the left-over result is gone");
    let run = queries::start_run(&app, &user(), "SELECT 1", 30).unwrap();
    assert!(
        queries::page(&app, &user(), &run, 0, 1).is_ok(),
        "new runs still work"
    );
}
