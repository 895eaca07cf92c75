//! Figures for the query side, printed, not asserted: time to the first page of a
//! million-row result, peak memory while that result spills to disk, and segment counts over
//! a million customers. Run with `cargo bench -p ferry-data --bench query`;
//! `FERRY_BENCH_ROWS` changes the number of customers (1,000,000 by default),
//! `FERRY_BENCH_DB=<folder>` keeps the generated database there for the next run, and
//! `FERRY_BENCH_ONLY_SEGMENTS=1` skips the result and stream figures.
//!
//! Targets from issue 9: first page ≤ 100 ms after the query starts, scrolling never loads
//! all rows, a segment's count ≤ 300 ms.

use ferry_data::query::QueryOptions;
use ferry_data::results::{ResultSet, RunState};
use ferry_data::segments::SegmentDefinition;
use ferry_data::DataStore;
use serde_json::json;
use std::time::{Duration, Instant};

fn main() {
    let rows: u64 = std::env::var("FERRY_BENCH_ROWS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("a temporary folder");
    // FERRY_BENCH_DB keeps the generated database in that folder for the next run.
    let data_dir =
        std::env::var_os("FERRY_BENCH_DB").map_or_else(|| dir.path().to_path_buf(), Into::into);
    std::fs::create_dir_all(&data_dir).expect("the database folder");
    let store = DataStore::open(&data_dir).expect("the customer database");
    if store
        .tables()
        .expect("the tables")
        .iter()
        .any(|t| t.name == "customers")
    {
        println!("reusing the customers in {}", data_dir.display());
    } else {
        let started = Instant::now();
        build(&store, rows);
        println!(
            "built {rows} customers and {} orders in {:.1} s (database {} MB)",
            rows * 2,
            started.elapsed().as_secs_f64(),
            std::fs::metadata(store.path()).map_or(0, |m| m.len()) / 1_000_000
        );
    }
    println!("peak RSS after building: {} MB", peak_mb());
    println!(
        "load average when starting: {} (the machine is shared; figures scale with it)",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );

    if std::env::var_os("FERRY_BENCH_ONLY_SEGMENTS").is_none() {
        first_page_and_spill(&store, rows, dir.path());
        stream(&store, rows);
    }
    segments(&store);
    // NOTE: queries cannot make indexes (they only read); these are the demo dataset's own
    // (its customers' primary key and ferry_data::demo::ORDER_INDEXES), measured, not guessed.
    let started = Instant::now();
    rusqlite::Connection::open(store.path())
        .and_then(|c| {
            c.execute_batch(&format!(
                "CREATE INDEX IF NOT EXISTS bench_customers_id ON customers (customer_id);
                 {} ANALYZE;",
                ferry_data::demo::ORDER_INDEXES
            ))
        })
        .expect("the indexes");
    println!(
        "with the demo dataset's indexes: customers by id, orders by customer and by date (made in {:.1} s):",
        started.elapsed().as_secs_f64()
    );
    segments(&store);
}

/// A customers table shaped like the demo's (16 columns) and two orders per customer, made by
/// SQLite from a counter so the figures do not include Rust-side generation.
fn build(store: &DataStore, rows: u64) {
    let conn = rusqlite::Connection::open(store.path()).expect("a writer");
    conn.execute_batch(&format!(
        "PRAGMA synchronous = OFF;
         CREATE TABLE customers (
            customer_id TEXT, first_name TEXT, last_name TEXT, email TEXT, phone TEXT,
            street TEXT, city TEXT, postcode TEXT, country TEXT, birthdate DATE,
            loyalty_tier TEXT, lifetime_value REAL, last_order_date DATE,
            opt_in_email BOOLEAN, opt_in_sms BOOLEAN, created_at DATETIME);
         BEGIN;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
         INSERT INTO customers SELECT
            printf('C%07d', i),
            'First' || (i % 997),
            'Last' || (i * 7 % 1009),
            'user' || i || '@example' || (i % 50) || '.com',
            printf('+49 30 %07d', i * 13 % 10000000),
            (i % 300) || ' Main Street',
            CASE i % 6 WHEN 0 THEN 'Hamburg' WHEN 1 THEN 'Berlin' WHEN 2 THEN 'Paris'
                       WHEN 3 THEN 'Lyon' WHEN 4 THEN 'Heidelberg' ELSE 'Cork' END,
            printf('%05d', i * 31 % 99999),
            CASE i % 5 WHEN 0 THEN 'DE' WHEN 1 THEN 'FR' WHEN 2 THEN 'DE' WHEN 3 THEN 'IE'
                       ELSE 'NL' END,
            date('1940-01-01', '+' || (i * 37 % 25000) || ' days'),
            CASE i % 10 WHEN 0 THEN 'Platinum' WHEN 1 THEN 'Gold' WHEN 2 THEN 'Gold'
                        WHEN 3 THEN 'Silver' WHEN 4 THEN 'Silver' ELSE 'Bronze' END,
            round((i * 7919 % 100000) / 10.0, 2),
            date('2024-06-30', '-' || (i * 31 % 1500) || ' days'),
            i % 3 <> 0,
            i % 4 = 0,
            datetime('2015-01-01', '+' || (i * 17 % 3500) || ' days')
         FROM n;
         CREATE TABLE orders (order_id TEXT, customer_id TEXT, order_date DATE, total REAL,
                              status TEXT, channel TEXT);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {orders})
         INSERT INTO orders SELECT
            printf('O%08d', i),
            printf('C%07d', (i * 7 % {rows}) + 1),
            date('2024-06-30', '-' || (i * 13 % 1000) || ' days'),
            round((i * 104729 % 50000) / 100.0, 2),
            CASE i % 7 WHEN 0 THEN 'returned' ELSE 'shipped' END,
            CASE i % 3 WHEN 0 THEN 'web' WHEN 1 THEN 'store' ELSE 'phone' END
         FROM n;
         COMMIT;",
        orders = rows * 2
    ))
    .expect("the bench tables");
    for column in [
        "first_name",
        "last_name",
        "email",
        "phone",
        "street",
        "city",
        "postcode",
        "birthdate",
    ] {
        store
            .set_pii("customers", column, true)
            .expect("a PII mark");
    }
}

fn first_page_and_spill(store: &DataStore, rows: u64, dir: &std::path::Path) {
    // NOTE: writing 5 resets the peak to what is resident now (Linux 4.0+), so the peak below
    // is the spill's own.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = peak_mb();
    let started = Instant::now();
    let rs = ResultSet::start(
        store,
        "SELECT * FROM customers",
        &[],
        QueryOptions::default(),
        dir,
    )
    .expect("the run starts");
    let page = rs.page(0, 100).expect("the first page");
    let first = started.elapsed();
    println!(
        "ResultSet, SELECT * over {rows} customers: first page of {} rows after {} (target ≤ 100 ms; {} rows on disk then)",
        page.rows.len(),
        ms(first),
        page.status.rows_so_far
    );
    while rs.status().state == RunState::Running {
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = rs.status();
    println!(
        "  spill finished: {:?}, {} rows in {:.1} s ({:.0} rows/s); peak RSS {} MB (was {} MB before the run)",
        status.state,
        status.rows_so_far,
        status.elapsed_ms as f64 / 1000.0,
        status.rows_so_far as f64 / (status.elapsed_ms.max(1) as f64 / 1000.0),
        peak_mb(),
        before
    );
    for offset in [rows / 2, rows - 100, 7] {
        let t = Instant::now();
        let page = rs.page(offset, 100).expect("a page");
        println!(
            "  page at row {offset}: {} rows in {}",
            page.rows.len(),
            ms(t.elapsed())
        );
    }
}

fn stream(store: &DataStore, rows: u64) {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let started = Instant::now();
    let mut reader = store
        .reader("SELECT * FROM customers", &[], QueryOptions::default())
        .expect("the reader");
    let mut n = reader
        .next_page(100)
        .expect("a page")
        .map_or(0, |p| p.len());
    let first = started.elapsed();
    while let Some(page) = reader.next_page(1000).expect("a page") {
        n += page.len();
    }
    println!(
        "RowReader, SELECT * over {rows} customers: first page after {}, all {n} rows in {:.1} s; peak RSS {} MB",
        ms(first),
        started.elapsed().as_secs_f64(),
        peak_mb()
    );
}

fn segments(store: &DataStore) {
    let cond = |column: &str, op: &str, value: serde_json::Value| json!({ "kind": "condition", "column": column, "op": op, "value": value });
    let cases = [
        (
            "Gold or Platinum, opted in to email",
            json!({ "match": "all", "rules": [
                { "kind": "condition", "column": "loyalty_tier", "op": "inList", "values": ["Gold", "Platinum"] },
                cond("opt_in_email", "isTrue", json!(null)),
            ]}),
        ),
        (
            "(Germany or a city containing 'berg') and lifetime value over 500",
            json!({ "match": "all", "rules": [
                { "kind": "group", "match": "any", "rules": [
                    cond("country", "equals", json!("DE")),
                    cond("city", "contains", json!("berg")),
                ]},
                cond("lifetime_value", "gt", json!(500)),
            ]}),
        ),
        (
            "has orders in the last 90 days over 100, opted in to email",
            json!({ "match": "all", "rules": [
                cond("opt_in_email", "isTrue", json!(null)),
                { "kind": "related", "table": "orders", "column": "customer_id", "on": "customer_id",
                  "exists": true, "rules": { "match": "all", "rules": [
                    cond("order_date", "inLastDays", json!(90)),
                    cond("total", "gt", json!(100)),
                  ]}},
            ]}),
        ),
    ];
    let t = Instant::now();
    let mut reader = store
        .reader(
            "SELECT count(*) FROM customers",
            &[],
            QueryOptions::default(),
        )
        .expect("a count");
    reader.next_page(1).expect("the count");
    println!(
        "plain count(*) over all customers: {} (the floor for a segment no index can help)",
        ms(t.elapsed())
    );
    for (name, rules) in cases {
        let def: SegmentDefinition =
            serde_json::from_value(json!({ "table": "customers", "rules": rules }))
                .expect("a segment");
        let mut times = Vec::new();
        let mut count = 0;
        for _ in 0..5 {
            let t = Instant::now();
            count = store
                .segment_count_on(&def, "2024-06-30", QueryOptions::default())
                .expect("a count")
                .count;
            times.push(t.elapsed());
        }
        let first = times[0];
        times.sort();
        println!(
            "segment \"{name}\": {count} customers; first {}, median {} of 5 (target ≤ 300 ms)",
            ms(first),
            ms(times[2])
        );
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The process's peak resident memory so far, in MB (Linux; 0 elsewhere).
fn peak_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kib| kib / 1024)
}
