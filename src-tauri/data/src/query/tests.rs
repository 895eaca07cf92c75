//! The read-only guard against writes in many disguises, SQL errors with their place, and the
//! row reader's columns, paging, cancel and time limit.

use super::*;
use crate::schema::record_columns;
use std::time::Instant;

/// A store with a small `customers` table (PII on names, email, city, birthdate) and an
/// `orders` table, both recorded as Ferry made them. Shared by the query, results and
/// segment tests.
pub(crate) fn store_with_customers() -> (tempfile::TempDir, DataStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = DataStore::open(dir.path()).unwrap();
    {
        let conn = store.writer();
        conn.execute_batch(
            "CREATE TABLE customers (
                customer_id TEXT, first_name TEXT, email TEXT, city TEXT, country TEXT,
                birthdate TEXT, loyalty_tier TEXT, lifetime_value REAL, visits INTEGER,
                last_order_date TEXT, opt_in_email INTEGER, created_at TEXT);
             INSERT INTO customers VALUES
              ('C1', 'Ann',     'ann@example.com',   'Berlin',   'DE', '1980-02-29', 'Gold',     1200.5, 12, '2024-05-30', 1, '2020-01-01T09:00:00'),
              ('C2', 'Bob',     'BOB@Example.COM',   'Hamburg',  'DE', '1990-07-15', 'Silver',    300.0,  3, '2024-03-01', 0, '2021-06-15T23:59:59'),
              ('C3', 'Chloé',   '',                  'Paris',    'FR', '2001-12-31', 'Bronze',     15.0,  1, NULL,         1, '2022-03-01T00:00:00'),
              ('C4', 'Dan',     NULL,                'Lyon',     'FR', NULL,         'Platinum', 9800.0, 40, '2024-06-01', NULL, '2023-11-30T12:30:00'),
              ('C5', 'O''Brien','obrien@x.ie',       'Cork',     'IE', '1975-01-01', 'gold',      750.0,  8, '2023-12-24', 1, '2024-06-01T08:00:00'),
              ('C6', 'Eve',     'eve_100%@odd.org',  'New York', 'US', '1999-09-09', NULL,          NULL, NULL, '2024-06-02', 0, NULL);
             CREATE TABLE orders (order_id TEXT, customer_id TEXT, order_date TEXT, total REAL, status TEXT);
             INSERT INTO orders VALUES
              ('O1', 'C1', '2024-05-30', 250.0, 'shipped'),
              ('O2', 'C1', '2023-01-10',  20.0, 'returned'),
              ('O3', 'C2', '2024-03-01',  80.0, 'shipped'),
              ('O4', 'C4', '2024-06-01', 999.0, 'shipped'),
              ('O5', NULL, '2024-06-01',   5.0, 'shipped'),
              ('O6', 'C5', '2023-12-24', 120.0, 'cancelled');",
        )
        .unwrap();
        let col = |name: &str, t: ColumnType, pii: bool| ColumnMeta {
            name: name.to_string(),
            column_type: t,
            pii,
        };
        use ColumnType::*;
        record_columns(
            &conn,
            "customers",
            &[
                col("customer_id", Text, false),
                col("first_name", Text, true),
                col("email", Text, true),
                col("city", Text, true),
                col("country", Text, false),
                col("birthdate", Date, true),
                col("loyalty_tier", Text, false),
                col("lifetime_value", Decimal, false),
                col("visits", Integer, false),
                col("last_order_date", Date, false),
                col("opt_in_email", Boolean, false),
                col("created_at", DateTime, false),
            ],
        )
        .unwrap();
        record_columns(
            &conn,
            "orders",
            &[
                col("order_id", Text, false),
                col("customer_id", Text, false),
                col("order_date", Date, false),
                col("total", Decimal, false),
                col("status", Text, false),
            ],
        )
        .unwrap();
    }
    (dir, store)
}

/// Every row of a query, read through the door.
pub(crate) fn all_rows(store: &DataStore, sql: &str, params: &[Cell]) -> Result<Vec<Vec<Cell>>> {
    let mut reader = store.reader(sql, params, QueryOptions::default())?;
    let mut rows = Vec::new();
    while let Some(page) = reader.next_page(1000)? {
        rows.extend(page);
    }
    Ok(rows)
}

/// Everything a write could touch: the schema, the rows, the journal mode.
fn snapshot(store: &DataStore) -> (Vec<Vec<Cell>>, Vec<Vec<Cell>>, String) {
    let schema = all_rows(
        store,
        "SELECT type, name, sql FROM sqlite_schema ORDER BY name",
        &[],
    )
    .unwrap();
    let rows = all_rows(store, "SELECT * FROM customers ORDER BY customer_id", &[]).unwrap();
    let mode: String = store
        .writer()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    (schema, rows, mode)
}

#[test]
fn writes_in_every_disguise_are_refused_and_nothing_changes() {
    let (dir, store) = store_with_customers();
    let before = snapshot(&store);
    let elsewhere = dir.path().join("elsewhere.sqlite3");
    let elsewhere = elsewhere.display().to_string();
    let attempts: Vec<String> = vec![
        "DELETE FROM customers".into(),
        "delete from customers -- just tidying".into(),
        "dElEtE FrOm customers".into(),
        "DELETE/**/FROM/**/customers".into(),
        "\n\t  DELETE\n FROM\tcustomers ;".into(),
        "/* x */ UPDATE customers SET email = 'x'".into(),
        "UPDATE customers SET email = NULL WHERE 1 RETURNING email".into(),
        "WITH x AS (SELECT 1) DELETE FROM customers".into(),
        "WITH x AS (SELECT 1) DELETE FROM customers RETURNING *".into(),
        "INSERT INTO customers (customer_id) SELECT 'C9'".into(),
        "INSERT INTO customers DEFAULT VALUES RETURNING *".into(),
        "REPLACE INTO customers (customer_id) VALUES ('C1')".into(),
        "CREATE TABLE t (a)".into(),
        "CREATE TEMP TABLE t (a)".into(),
        "CREATE TEMPORARY VIEW v AS SELECT 1".into(),
        "CREATE VIEW v AS SELECT 1".into(),
        "CREATE INDEX i ON customers (email)".into(),
        "CREATE TRIGGER tr AFTER INSERT ON customers BEGIN DELETE FROM customers; END".into(),
        "CREATE VIRTUAL TABLE f USING fts5(a)".into(),
        "DROP TABLE customers".into(),
        "DROP TABLE IF EXISTS orders".into(),
        "ALTER TABLE customers ADD COLUMN shoe_size INTEGER".into(),
        "ALTER TABLE customers RENAME TO clients".into(),
        format!("ATTACH DATABASE '{elsewhere}' AS y"),
        "DETACH DATABASE main".into(),
        "PRAGMA writable_schema=ON".into(),
        "PRAGMA writable_schema = 1".into(),
        "PRAGMA query_only=0".into(),
        "PRAGMA journal_mode=DELETE".into(),
        "PRAGMA main.journal_mode = DELETE".into(),
        "PRAGMA user_version = 5".into(),
        "PRAGMA trusted_schema = ON".into(),
        "PRAGMA foreign_keys = OFF".into(),
        "VACUUM".into(),
        format!("VACUUM INTO '{elsewhere}'"),
        "ANALYZE".into(),
        "REINDEX".into(),
        "SELECT load_extension('x')".into(),
        "SELECT LOAD_EXTENSION('/tmp/evil.so', 'init')".into(),
        "SELECT 1; DELETE FROM customers".into(),
        "SELECT * FROM customers; DROP TABLE customers".into(),
        "BEGIN; DELETE FROM customers; COMMIT".into(),
        "BEGIN IMMEDIATE".into(),
        "SAVEPOINT s".into(),
        "EXPLAIN DELETE FROM customers".into(),
        "DELETE FROM _ferry_columns".into(),
        "UPDATE sqlite_schema SET sql = '' WHERE name = 'customers'".into(),
        "\u{a0}DELETE FROM customers".into(),
        "SELECT writefile('x', 'y')".into(),
    ];
    for sql in &attempts {
        for (how, outcome) in [
            ("check_sql", store.check_sql(sql).map(|_| ())),
            (
                "reader",
                store.reader(sql, &[], QueryOptions::default()).map(|_| ()),
            ),
        ] {
            let err = outcome.expect_err(&format!("{how} must refuse {sql:?}"));
            assert!(
                matches!(err, DataError::WriteRefused(_) | DataError::Sql { .. }),
                "{how}: {sql:?} is refused as a write or as bad SQL, got {err:?}"
            );
            assert!(!err.to_string().is_empty(), "{sql:?} gets a message");
        }
    }
    // Pragma functions compile, but SQLite takes no setting through them when they run.
    for sql in [
        "SELECT * FROM pragma_journal_mode('delete')",
        "SELECT * FROM pragma_query_only(0)",
        "SELECT * FROM pragma_writable_schema(1)",
    ] {
        assert!(all_rows(&store, sql, &[]).is_err(), "{sql:?} sets nothing");
    }
    assert_eq!(
        snapshot(&store),
        before,
        "no attempt changed the schema, rows or settings"
    );
    assert!(
        !std::path::Path::new(&elsewhere).exists(),
        "neither ATTACH nor VACUUM INTO made a file"
    );
}

#[test]
fn refusals_say_that_queries_only_read_and_what_was_tried() {
    let (_dir, store) = store_with_customers();
    let refused = |sql: &str| match store.check_sql(sql) {
        Err(DataError::WriteRefused(m)) => m,
        other => panic!("{sql:?} must be refused as a write, got {other:?}"),
    };
    assert_eq!(
        refused("DELETE FROM customers"),
        "Queries can only read: this SQL tries to delete rows from customers.",
        "the message names the action and the table"
    );
    assert!(
        refused("/* hi */ update customers set email = ''").contains("change email in customers")
    );
    assert!(refused("INSERT INTO orders (order_id) VALUES ('x')").contains("add rows to orders"));
    assert!(refused("DROP TABLE orders").contains("drop the table orders"));
    assert!(refused("CREATE TEMP TABLE t(a)").contains("create the table t"));
    assert!(refused("PRAGMA query_only = 0").contains("change the setting query_only"));
    assert!(refused("VACUUM").contains("vacuum"), "VACUUM is named");
    assert!(refused("SELECT load_extension('x')").contains("load an extension"));
    assert!(refused("BEGIN").contains("transaction"));
    assert!(
        refused("SELECT 1; DELETE FROM customers").contains("delete rows from customers"),
        "a write hidden after a read is still named"
    );
    assert!(
        refused("SELECT * FROM customers; DROP TABLE customers")
            .contains("drop the table customers"),
        "a schema change after a read is named from its own words"
    );
    assert!(refused("CREATE TEMP VIEW v AS SELECT 1").contains("create the view v"));
    assert!(refused("ANALYZE").contains("ANALYZE"));
}

#[test]
fn reads_of_every_shape_are_allowed() {
    let (_dir, store) = store_with_customers();
    let allowed = [
        "SELECT * FROM customers",
        "select c.first_name, o.total from customers c join orders o using (customer_id)",
        "WITH big AS (SELECT * FROM orders WHERE total > 100) SELECT count(*) FROM big",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) SELECT i FROM n",
        "SELECT customer_id, sum(total) OVER (PARTITION BY customer_id ORDER BY order_date) FROM orders",
        "SELECT country, count(*) FROM customers GROUP BY country HAVING count(*) > 1",
        "SELECT * FROM customers WHERE customer_id IN (SELECT customer_id FROM orders)",
        "SELECT json_object('id', customer_id) FROM customers",
        "PRAGMA table_info(customers)",
        "PRAGMA TABLE_XINFO('orders')",
        "PRAGMA index_list(customers)",
        "PRAGMA foreign_key_list(orders)",
        "PRAGMA user_version",
        "SELECT * FROM pragma_table_info('customers')",
        "SELECT name FROM sqlite_schema",
        "EXPLAIN QUERY PLAN SELECT * FROM customers WHERE city = 'Paris'",
        "SELECT 1;",
        "SELECT 1; -- that's all\n",
        "/* leading comment */ SELECT 'DELETE FROM customers' AS harmless",
    ];
    for sql in allowed {
        assert!(
            store.check_sql(sql).is_ok(),
            "{sql:?} is a read: {:?}",
            store.check_sql(sql)
        );
        assert!(all_rows(&store, sql, &[]).is_ok(), "{sql:?} runs");
    }
}

#[test]
fn sql_errors_carry_the_line_and_column() {
    let (_dir, store) = store_with_customers();
    match store.check_sql("SELECT *\n  FROM customers\nWHERE nope = 1") {
        Err(DataError::Sql {
            message,
            line,
            column,
        }) => {
            assert_eq!(
                (line, column),
                (Some(3), Some(7)),
                "points at nope: {message}"
            );
            assert!(
                message.contains("nope") && message.contains("line 3, column 7"),
                "the message says what and where: {message}"
            );
        }
        other => panic!("an unknown column is a SQL error, got {other:?}"),
    }
    match store.check_sql("SELECT first_name\nFORM customers") {
        Err(DataError::Sql { line, message, .. }) => {
            assert_eq!(line, Some(2), "the typo is on line 2: {message}")
        }
        other => panic!("a typo is a SQL error, got {other:?}"),
    }
    match store.check_sql("SELECT 1;\nSELECT 2") {
        Err(DataError::Sql {
            message,
            line,
            column,
        }) => {
            assert!(message.contains("one statement at a time"), "{message}");
            assert_eq!(
                (line, column),
                (Some(2), Some(1)),
                "where the second starts"
            );
        }
        other => panic!("two statements are refused, got {other:?}"),
    }
    match store.check_sql("SELECT 1; SELEC 2") {
        Err(DataError::Sql { column, .. }) => {
            assert_eq!(
                column,
                Some(11),
                "offsets in a later statement count from the start"
            )
        }
        other => panic!("a typo in a second statement is a SQL error, got {other:?}"),
    }
    assert!(
        matches!(
            store.check_sql("  -- nothing\n"),
            Err(DataError::Invalid(_))
        ),
        "empty SQL asks for a query"
    );
}

#[test]
fn result_columns_carry_types_and_pii_from_their_origin() {
    let (_dir, store) = store_with_customers();
    let cols = store
        .check_sql("SELECT customer_id AS id, email, birthdate, lifetime_value, opt_in_email FROM customers")
        .unwrap();
    let got: Vec<(&str, ColumnType, bool)> = cols
        .iter()
        .map(|c| (c.name.as_str(), c.column_type, c.pii))
        .collect();
    assert_eq!(
        got,
        vec![
            ("id", ColumnType::Text, false),
            ("email", ColumnType::Text, true),
            ("birthdate", ColumnType::Date, true),
            ("lifetime_value", ColumnType::Decimal, false),
            ("opt_in_email", ColumnType::Boolean, false),
        ],
        "a renamed column keeps its origin's type and mark"
    );
    let joined = store
        .check_sql(
            "SELECT o.total, c.first_name FROM orders o JOIN customers c USING (customer_id)",
        )
        .unwrap();
    assert!(
        !joined[0].pii && joined[1].pii,
        "marks follow each side of a join"
    );
}

#[test]
fn computed_columns_are_pii_when_the_statement_reads_pii() {
    let (_dir, store) = store_with_customers();
    let reader = store
        .reader(
            "SELECT upper(email) AS shout, count(*) OVER () AS n FROM customers",
            &[],
            QueryOptions::default(),
        )
        .unwrap();
    let cols = reader.columns();
    assert!(
        cols.iter().all(|c| c.pii),
        "conservative: every computed column is PII"
    );
    assert_eq!(
        cols[1].column_type,
        ColumnType::Integer,
        "inferred from the first rows"
    );
    let reader = store
        .reader(
            "SELECT count(*) AS n, max(order_date) AS last FROM orders",
            &[],
            QueryOptions::default(),
        )
        .unwrap();
    let cols = reader.columns();
    assert!(!cols[0].pii && !cols[1].pii, "no PII read, no PII mark");
    assert_eq!(
        (cols[0].column_type, cols[1].column_type),
        (ColumnType::Integer, ColumnType::Date),
        "types inferred from values"
    );
    let cols = store
        .check_sql("SELECT customer_id FROM customers UNION ALL SELECT email FROM customers")
        .unwrap();
    assert!(
        cols[0].pii,
        "a UNION may carry a PII column under a plain column's name"
    );
    let cols = store
        .check_sql("SELECT country FROM customers WHERE email LIKE '%@example.com'")
        .unwrap();
    assert!(
        !cols[0].pii,
        "a plain column stays unmarked even if a filter reads PII"
    );
}

#[test]
fn the_reader_pages_forward_and_binds_parameters() {
    let (_dir, store) = store_with_customers();
    let mut reader = store
        .reader(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) SELECT i FROM n",
            &[Cell::Integer(1000)],
            QueryOptions::default(),
        )
        .unwrap();
    let mut seen = 0i64;
    while let Some(page) = reader.next_page(300).unwrap() {
        assert!(page.len() <= 300, "a page never exceeds what was asked");
        for row in page {
            seen += 1;
            assert_eq!(row, vec![Cell::Integer(seen)], "rows arrive in order");
        }
    }
    assert_eq!(seen, 1000, "every row once");
    assert!(
        reader.next_page(10).unwrap().is_none(),
        "the end stays the end"
    );

    let rows = all_rows(
        &store,
        "SELECT first_name FROM customers WHERE city = ?1",
        &[Cell::Text("Cork".into())],
    )
    .unwrap();
    assert_eq!(
        rows,
        vec![vec![Cell::Text("O'Brien".into())]],
        "a bound text value"
    );
    assert!(
        matches!(
            all_rows(&store, "SELECT ?1, ?2", &[Cell::Null]),
            Err(DataError::Sql { .. })
        ),
        "too few parameters is a SQL error"
    );
}

const ENDLESS: &str =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n";

#[test]
fn a_query_past_its_time_limit_stops_with_a_message() {
    let (_dir, store) = store_with_customers();
    let started = Instant::now();
    let err = store
        .reader(
            ENDLESS,
            &[],
            QueryOptions::with_time_limit(Duration::from_millis(200)),
        )
        .unwrap_err();
    assert!(
        matches!(&err, DataError::TimedOut(m) if m.contains("0.2 s limit") && m.contains("raise the limit")),
        "timed out with the limit named: {err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "it stopped near its limit"
    );
}

#[test]
fn a_cancelled_query_stops() {
    let (_dir, store) = store_with_customers();
    let opts = QueryOptions::default();
    let cancel = opts.cancel.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        cancel.cancel();
    });
    let err = store.reader(ENDLESS, &[], opts).unwrap_err();
    canceller.join().unwrap();
    assert!(
        matches!(err, DataError::Cancelled(_)),
        "cancel wins: {err:?}"
    );
}

#[test]
fn waiting_for_the_consumer_does_not_count_against_the_limit() {
    let (_dir, store) = store_with_customers();
    let mut reader = store
        .reader(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) SELECT i FROM n",
            &[],
            QueryOptions::with_time_limit(Duration::from_millis(300)),
        )
        .unwrap();
    reader.next_page(10).unwrap();
    std::thread::sleep(Duration::from_millis(600));
    let mut n = 10;
    while let Some(page) = reader.next_page(1000).unwrap() {
        n += page.len();
    }
    assert_eq!(n, 5000, "a slow consumer is not the query running long");
}

#[test]
fn pages_given_back_are_refilled_with_the_same_rows_a_fresh_read_gives() {
    let (_dir, store) = store_with_customers();
    // Text, numbers and NULLs change places from row to row, so refilled cells change type.
    let sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) \
               SELECT CASE i % 3 WHEN 0 THEN NULL WHEN 1 THEN printf('%.*c', i % 50, 'x') \
               ELSE i END, CASE WHEN i % 7 = 0 THEN 'é' || i ELSE i * 0.5 END FROM n";
    let fresh = all_rows(&store, sql, &[]).unwrap();
    let mut reader = store.reader(sql, &[], QueryOptions::default()).unwrap();
    let mut refilled = Vec::new();
    while let Some(page) = reader.next_page(100).unwrap() {
        refilled.extend(page.iter().cloned());
        reader.give_back(page);
    }
    assert_eq!(
        refilled, fresh,
        "reusing a page's memory never changes what the rows read"
    );
}

#[test]
fn dropping_a_reader_stops_its_query() {
    let (_dir, store) = store_with_customers();
    let mut reader = store
        .reader(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n",
            &[],
            QueryOptions::default(),
        )
        .unwrap();
    assert!(reader.next_page(10).unwrap().is_some());
    let started = Instant::now();
    drop(reader);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the worker stopped at once"
    );
}

#[test]
fn an_error_mid_way_comes_after_the_rows_before_it() {
    let (_dir, store) = store_with_customers();
    let mut reader = store
        .reader(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
             SELECT CASE WHEN i < 1000 THEN i ELSE abs(-9223372036854775807 - 1) END FROM n",
            &[],
            QueryOptions::default(),
        )
        .unwrap();
    let mut rows = 0;
    let err = loop {
        match reader.next_page(100) {
            Ok(Some(page)) => rows += page.len(),
            Ok(None) => panic!("the overflow must surface"),
            Err(e) => break e,
        }
    };
    assert_eq!(rows, 999, "every row before the failure is delivered");
    assert!(matches!(err, DataError::Sql { .. }), "a SQL error: {err:?}");
}

#[test]
fn readers_can_move_between_threads() {
    fn is_send<T: Send>() {}
    is_send::<RowReader>();
}

#[test]
fn a_reader_told_to_hide_pii_masks_only_the_pii_columns() {
    let (_dir, store) = store_with_customers();
    let sql = "SELECT customer_id, email FROM customers ORDER BY customer_id";
    let plain = store
        .reader(sql, &[], QueryOptions::default())
        .unwrap()
        .next_page(100)
        .unwrap()
        .unwrap();
    let mut reader = store.reader(sql, &[], QueryOptions::default()).unwrap();
    assert!(!reader.pii_hidden(), "values show until told otherwise");
    assert!(
        reader.hide_pii(),
        "email is PII, so something will be hidden"
    );
    let masked = reader.next_page(100).unwrap().unwrap();
    assert_eq!(masked.len(), plain.len(), "the same rows");
    for (m, p) in masked.iter().zip(&plain) {
        assert_eq!(m[0], p[0], "the id is not PII and shows");
        assert_eq!(
            m[1],
            Cell::Text(crate::types::PII_MASK.to_string()),
            "every email is masked"
        );
    }
    let mut ids = store
        .reader(
            "SELECT customer_id FROM customers",
            &[],
            QueryOptions::default(),
        )
        .unwrap();
    assert!(!ids.hide_pii(), "no PII column, nothing to hide");
}
