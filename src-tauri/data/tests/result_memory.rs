//! Memory stays bounded while a large result spills to disk: its own test binary, so the
//! process's peak memory is this test's alone.

#![cfg(target_os = "linux")]

use ferry_data::query::QueryOptions;
use ferry_data::results::{ResultSet, RunState};
use ferry_data::DataStore;
use std::time::{Duration, Instant};

/// The process's peak resident memory so far, in KiB.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn a_result_larger_than_the_memory_bound_never_sits_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let store = DataStore::open(dir.path()).unwrap();
    // NOTE: writing 5 resets the peak to the current size (Linux 4.0+); where that is not
    // allowed the peak so far is this young process's start-up, still far below the bound.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = peak_kib();
    // 100,000 rows of 2 KB text: 200 MB if the rows were ever all held at once.
    let sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
               SELECT i, printf('%.2000c', 'x') AS wide FROM n";
    let rs = ResultSet::start(&store, sql, &[], QueryOptions::default(), dir.path()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while rs.status().state == RunState::Running && Instant::now() < deadline {
        // The grid scrolling meanwhile.
        let _ = rs.page(50_000, 100).unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = rs.status();
    assert_eq!(
        (status.state, status.rows_so_far),
        (RunState::Done, 100_000),
        "the whole result spilled"
    );
    let grew_mib = peak_kib().saturating_sub(before) / 1024;
    assert!(
        grew_mib < 64,
        "peak memory grew by {grew_mib} MiB for a 200 MB result: rows must not pile up in memory"
    );
}
