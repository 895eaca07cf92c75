use super::*;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

fn store() -> (tempfile::TempDir, DataStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = DataStore::open(dir.path()).unwrap();
    (dir, store)
}

fn one_number(store: &DataStore, sql: &str) -> i64 {
    store
        .reader_connection()
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// A hash of every row of both tables, in order, values as SQLite returns them.
fn fingerprint(store: &DataStore) -> u64 {
    let conn = store.reader_connection().unwrap();
    let mut h = DefaultHasher::new();
    for sql in [
        "SELECT * FROM customers ORDER BY customer_id",
        "SELECT * FROM orders ORDER BY order_id",
    ] {
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..n {
                format!("{:?}", row.get_ref(i).unwrap()).hash(&mut h);
            }
        }
    }
    h.finish()
}

#[test]
fn the_same_seed_makes_the_same_rows() {
    let (_a, first) = store();
    let (_b, second) = store();
    first.make_demo(2_000, 7, &mut |_| {}).unwrap();
    second.make_demo(2_000, 7, &mut |_| {}).unwrap();
    assert_eq!(
        fingerprint(&first),
        fingerprint(&second),
        "same seed, same rows"
    );
    second.make_demo(2_000, 8, &mut |_| {}).unwrap();
    assert_ne!(
        fingerprint(&first),
        fingerprint(&second),
        "another seed, other rows"
    );
}

#[test]
fn the_rows_do_not_depend_on_the_platform() {
    // A value pinned from the generator: it changes only if the generator does, which
    // would change every user's demo dataset (and must be a deliberate choice).
    let (_d, s) = store();
    s.make_demo(10, DEFAULT_SEED, &mut |_| {}).unwrap();
    let first: (String, String, String) = s
        .reader_connection()
        .unwrap()
        .query_row(
            "SELECT customer_id, country, birthdate FROM customers ORDER BY customer_id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(first.0, "C000001");
    assert_eq!(
        (first.1.as_str(), first.2.as_str()),
        PINNED_FIRST_CUSTOMER,
        "the seeded stream is stable"
    );
}

/// Country and birthdate of customer C000001 from [`DEFAULT_SEED`].
const PINNED_FIRST_CUSTOMER: (&str, &str) = ("United States", "1969-10-07");

#[test]
fn counts_and_links_are_as_asked() {
    let (_d, s) = store();
    let mut seen = Vec::new();
    let report = s
        .make_demo(3_000, DEFAULT_SEED, &mut |n| seen.push(n))
        .unwrap();
    assert_eq!(report.customers, 3_000);
    assert_eq!(
        one_number(&s, "SELECT count(*) FROM customers"),
        3_000,
        "customers"
    );
    let orders = one_number(&s, "SELECT count(*) FROM orders");
    assert_eq!(orders as u64, report.orders, "orders as reported");
    assert!(
        (3_000..=12_000).contains(&orders),
        "0-5 orders each, about 2 on average: {orders}"
    );
    assert_eq!(
        one_number(&s, "SELECT count(*) FROM orders WHERE customer_id NOT IN (SELECT customer_id FROM customers)"),
        0,
        "every order belongs to a customer"
    );
    assert_eq!(
        one_number(&s, "SELECT count(*) FROM customers c WHERE last_order_date IS NOT (SELECT max(order_date) FROM orders o WHERE o.customer_id = c.customer_id)"),
        0,
        "last_order_date agrees with the orders"
    );
    assert_eq!(
        one_number(&s, "SELECT count(*) FROM customers c WHERE abs(lifetime_value - (SELECT coalesce(sum(total), 0) FROM orders o WHERE o.customer_id = c.customer_id AND status NOT IN ('cancelled', 'returned'))) > 0.001"),
        0,
        "lifetime_value is what the kept orders add up to"
    );
    assert_eq!(
        seen,
        [1000, 2000, 3000, 3000],
        "progress as customers are made"
    );
    assert_eq!(
        one_number(&s, "SELECT count(DISTINCT loyalty_tier) FROM customers"),
        4,
        "all four tiers"
    );
}

#[test]
fn personal_columns_are_marked_and_types_recorded() {
    let (_d, s) = store();
    s.make_demo(10, 1, &mut |_| {}).unwrap();
    let marked: Vec<String> = s
        .columns("customers")
        .unwrap()
        .into_iter()
        .filter(|c| c.pii)
        .map(|c| c.name)
        .collect();
    assert_eq!(
        marked,
        [
            "first_name",
            "last_name",
            "email",
            "phone",
            "street",
            "city",
            "postcode",
            "birthdate"
        ],
        "names, email, phone, address and birthdate are PII"
    );
    let types: Vec<(String, ColumnType)> = s
        .columns("customers")
        .unwrap()
        .into_iter()
        .map(|c| (c.name, c.column_type))
        .filter(|(_, t)| *t != ColumnType::Text)
        .collect();
    assert_eq!(types.len(), 6, "{types:?}");
    assert!(
        s.columns("orders").unwrap().iter().all(|c| !c.pii),
        "orders hold no PII"
    );
}

#[test]
fn the_default_dataset_has_every_kind_of_messy_value() {
    let (_d, s) = store();
    s.make_demo(DEFAULT_ROWS, DEFAULT_SEED, &mut |_| {})
        .unwrap();
    let checks = [
        ("SELECT count(*) FROM customers WHERE email IS NULL", "no email"),
        ("SELECT count(*) FROM customers WHERE email = ''", "a blank email"),
        ("SELECT count(*) FROM (SELECT email FROM customers WHERE email <> '' GROUP BY email HAVING count(*) > 1)", "a repeated email"),
        ("SELECT count(*) FROM customers WHERE length(last_name) > 160", "a name over 160 characters"),
        ("SELECT count(*) FROM customers WHERE birthdate = '1900-01-01'", "born in 1900"),
        ("SELECT count(*) FROM customers WHERE birthdate > '2025-06-30'", "born in the future"),
        ("SELECT count(*) FROM customers WHERE first_name = 'Zoë' AND last_name = 'Ångström'", "Zoë Ångström"),
        ("SELECT count(*) FROM customers WHERE first_name = 'Łukasz'", "Łukasz"),
        ("SELECT count(*) FROM customers WHERE last_name = '山田'", "山田"),
        ("SELECT count(*) FROM customers WHERE last_name LIKE '%''%'", "an apostrophe"),
        ("SELECT count(*) FROM customers WHERE first_name <> trim(first_name)", "spaces around a name"),
    ];
    for (sql, what) in checks {
        let n = one_number(&s, sql);
        assert!(n > 0, "the demo has {what}");
        assert!(n < 1_000, "{what} stays rare: {n}");
    }
    let clean = one_number(
        &s,
        "SELECT count(*) FROM customers WHERE email LIKE '%@example.%' OR email LIKE '%@%.example'",
    );
    assert!(
        clean > 9_000,
        "emails use reserved example domains: {clean}"
    );
}

#[test]
fn ensure_demo_runs_once() {
    let (_d, s) = store();
    let made = s.ensure_demo().unwrap().expect("made on first start");
    assert_eq!(made.customers, DEFAULT_ROWS);
    assert_eq!(
        s.meta(META_KEY).unwrap().as_deref(),
        Some("made"),
        "recorded"
    );
    s.writer().execute_batch("DELETE FROM customers").unwrap();
    assert_eq!(
        s.ensure_demo().unwrap(),
        None,
        "not again, even if the user emptied it"
    );
    assert_eq!(
        one_number(&s, "SELECT count(*) FROM customers"),
        0,
        "the user's choice stands"
    );
}

#[test]
fn ensure_demo_leaves_a_users_customers_table_alone() {
    let (_d, s) = store();
    s.writer()
        .execute_batch("CREATE TABLE Customers (id INTEGER); INSERT INTO Customers VALUES (1);")
        .unwrap();
    assert_eq!(s.ensure_demo().unwrap(), None, "skipped");
    assert_eq!(
        one_number(&s, "SELECT count(*) FROM customers"),
        1,
        "the user's rows are intact"
    );
    let names: Vec<String> = s.tables().unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["Customers"], "no orders table either");
    assert!(
        s.meta(META_KEY).unwrap().unwrap().starts_with("skipped"),
        "and not tried again"
    );
}

#[test]
fn too_many_rows_are_refused_with_the_rows_field() {
    let (_d, s) = store();
    let e = s.make_demo(MAX_ROWS + 1, 1, &mut |_| {}).unwrap_err();
    assert!(
        matches!(&e, DataError::Invalid(p) if p[0].field == "rows"),
        "{e:?}"
    );
}
