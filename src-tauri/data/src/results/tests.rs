//! The grid's result: first page while the run goes on, random pages equal to LIMIT/OFFSET,
//! cancel, failure mid-run, and the scratch file gone on drop.

use super::*;
use crate::query::tests::{all_rows, store_with_customers};

/// `n` numbered rows with a text column, made by SQLite itself.
fn numbered(n: u64) -> String {
    format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})
         SELECT i, printf('row %08d', i) AS label, i * 0.5 AS half, NULL AS blank FROM n"
    )
}

/// Waits until the run has stopped running.
fn finished(rs: &ResultSet) -> RunStatus {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = rs.status();
        if status.state != RunState::Running || Instant::now() > deadline {
            return status;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn scratch_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

#[test]
fn the_first_page_is_served_while_the_run_continues() {
    let (dir, store) = store_with_customers();
    let scratch = dir.path().join("scratch");
    let rs = ResultSet::start(
        &store,
        &numbered(200_000),
        &[],
        QueryOptions::default(),
        &scratch,
    )
    .unwrap();
    let page = rs.page(0, 100).unwrap();
    assert_eq!(page.rows.len(), 100, "the first page is all there");
    assert_eq!(
        page.rows[0][0],
        Cell::Integer(1),
        "starting at the first row"
    );
    assert_eq!(
        page.status.state,
        RunState::Running,
        "served before the 200,000 rows are all on disk ({} so far)",
        page.status.rows_so_far
    );
    let names: Vec<&str> = page.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["i", "label", "half", "blank"],
        "columns come with the page"
    );
    let status = finished(&rs);
    assert_eq!(
        (status.state, status.rows_so_far),
        (RunState::Done, 200_000),
        "the run completes with every row"
    );
    let last = rs.page(199_990, 100).unwrap();
    assert_eq!(last.rows.len(), 10, "a page past the end holds what exists");
    assert_eq!(
        last.rows[9][0],
        Cell::Integer(200_000),
        "the last row is the last"
    );
}

#[test]
fn random_pages_match_limit_and_offset() {
    let (dir, store) = store_with_customers();
    let sql = numbered(20_000);
    let rs = ResultSet::start(&store, &sql, &[], QueryOptions::default(), dir.path()).unwrap();
    assert_eq!(finished(&rs).state, RunState::Done, "the run completes");
    for (offset, limit) in [
        (0u64, 50usize),
        (12_345, 100),
        (19_990, 50),
        (7, 1),
        (5_000, 0),
    ] {
        let page = rs.page(offset, limit).unwrap();
        let expected =
            all_rows(&store, &format!("{sql} LIMIT {limit} OFFSET {offset}"), &[]).unwrap();
        assert_eq!(
            page.rows, expected,
            "page at {offset}+{limit} equals LIMIT/OFFSET"
        );
        assert_eq!(page.offset, offset, "the page says where it starts");
    }
    let page = rs.page(30_000, 10).unwrap();
    assert!(
        page.rows.is_empty(),
        "beyond the end there is nothing, at once"
    );
}

#[test]
fn a_run_can_be_cancelled_mid_way() {
    let (dir, store) = store_with_customers();
    let endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n";
    let rs = ResultSet::start(&store, endless, &[], QueryOptions::default(), dir.path()).unwrap();
    assert_eq!(rs.page(0, 10).unwrap().rows.len(), 10, "rows arrive first");
    rs.cancel();
    let status = finished(&rs);
    assert_eq!(
        status.state,
        RunState::Cancelled,
        "the run stops as cancelled"
    );
    assert_eq!(
        status.error.map(|e| e.code),
        Some(RunErrorCode::Cancelled),
        "with the cancelled code"
    );
    assert_eq!(
        rs.page(0, 5).unwrap().rows.len(),
        5,
        "rows already on disk stay readable"
    );
}

#[test]
fn an_error_mid_run_is_reported_in_the_status() {
    let (dir, store) = store_with_customers();
    let sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
               SELECT CASE WHEN i < 50000 THEN i ELSE abs(-9223372036854775807 - 1) END FROM n";
    let rs = ResultSet::start(&store, sql, &[], QueryOptions::default(), dir.path()).unwrap();
    let status = finished(&rs);
    assert_eq!(status.state, RunState::Failed, "the run fails");
    let error = status.error.expect("a failed run says why");
    assert_eq!(error.code, RunErrorCode::Sql, "as a SQL error");
    assert!(
        error.message.contains("overflow"),
        "SQLite's reason: {}",
        error.message
    );
    assert_eq!(
        status.rows_so_far, 49_999,
        "the rows before the failure are kept"
    );
}

#[test]
fn refused_and_wrong_sql_fail_the_run_with_their_codes() {
    let (dir, store) = store_with_customers();
    let rs = ResultSet::start(
        &store,
        "DELETE FROM customers",
        &[],
        QueryOptions::default(),
        dir.path(),
    )
    .unwrap();
    let page = rs.page(0, 10).unwrap();
    assert_eq!(page.status.state, RunState::Failed, "a write never runs");
    assert_eq!(
        page.status.error.map(|e| e.code),
        Some(RunErrorCode::WriteRefused),
        "refused as a write"
    );
    let rs = ResultSet::start(
        &store,
        "SELECT\n  nope FROM customers",
        &[],
        QueryOptions::default(),
        dir.path(),
    )
    .unwrap();
    let error = finished(&rs).error.expect("an unknown column fails");
    assert_eq!(
        (error.code, error.line, error.column),
        (RunErrorCode::Sql, Some(2), Some(3)),
        "with where SQLite stopped"
    );
}

#[test]
fn the_scratch_file_is_private_and_removed_on_drop() {
    let (dir, store) = store_with_customers();
    let scratch = dir.path().join("scratch");
    let rs = ResultSet::start(
        &store,
        &numbered(5_000),
        &[],
        QueryOptions::default(),
        &scratch,
    )
    .unwrap();
    finished(&rs);
    let files = scratch_files(&scratch);
    assert_eq!(
        files.len(),
        1,
        "one scratch file while the result is open: {files:?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "customer rows on disk are private to their user"
        );
    }
    drop(rs);
    assert!(
        scratch_files(&scratch).is_empty(),
        "dropping the result deletes its file"
    );

    let endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n";
    let rs = ResultSet::start(&store, endless, &[], QueryOptions::default(), &scratch).unwrap();
    rs.page(0, 10).unwrap();
    let started = Instant::now();
    drop(rs);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a running result drops promptly"
    );
    assert!(scratch_files(&scratch).is_empty(), "and its file goes too");
}

#[test]
fn results_can_be_shared_between_threads() {
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<ResultSet>();
}
