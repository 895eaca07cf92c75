//! `ferry segment`: definitions from files, counts that agree with SQL, rows, and a segment
//! whose column was dropped.

use super::*;

const GOLD: &str = r#"{"table": "customers", "rules": {"match": "all", "rules": [
  {"kind": "condition", "column": "loyalty_tier", "op": "inList", "values": ["Gold", "Platinum"]},
  {"kind": "condition", "column": "email", "op": "isNotEmpty"},
  {"kind": "related", "table": "orders", "column": "customer_id", "on": "customer_id",
   "exists": true, "rules": {"match": "all", "rules": [
     {"kind": "condition", "column": "total", "op": "gt", "value": 50}]}}
]}}"#;

#[test]
fn a_segment_counts_what_the_same_sql_counts_and_prints_its_rows() {
    let c = cli();
    c.ok(&["data", "demo", "--rows", "300"]);
    let def = c.file("gold.json", GOLD);
    let added = c.ok(&["segment", "add", "Gold buyers", "--file", path(&def)]);
    assert!(
        added.contains("loyalty_tier is one of \"Gold\", \"Platinum\""),
        "the definition in words: {added}"
    );
    let shown = c.json(&["segment", "show", "gold buyers", "--count", "--sql"]);
    let expected = c.count(
        "SELECT count(*) FROM customers c
         WHERE lower(loyalty_tier) IN ('gold', 'platinum') AND coalesce(email, '') <> ''
           AND customer_id IN (SELECT customer_id FROM orders WHERE total > 50)",
    );
    assert!(expected > 0, "the demo has such customers");
    assert_eq!(shown["count"], expected, "the segment's count is the SQL's");
    assert!(
        shown["sql"].as_str().unwrap().starts_with("SELECT * FROM"),
        "--sql: {shown}"
    );
    let text = c.ok(&["segment", "show", "Gold buyers", "--count"]);
    assert!(
        text.contains(&format!("Audience: {expected} rows")),
        "{text}"
    );

    let rows = c.ok(&["segment", "rows", "Gold buyers", "--csv", "--limit", "5"]);
    let rows = csv_rows(&rows);
    assert_eq!(rows[0][0], "customer_id", "the table's columns");
    assert_eq!(
        rows.len(),
        6.min(expected as usize + 1),
        "at most --limit rows"
    );

    let list = c.json(&["segment", "list"]);
    assert_eq!(
        list[0]["definition"]["table"], "customers",
        "listed with its definition"
    );
    c.ok(&["segment", "delete", "Gold buyers"]);
    assert_eq!(
        c.json(&["segment", "list"]),
        Value::Array(vec![]),
        "deleted"
    );
}

#[test]
fn a_segment_on_a_dropped_column_says_what_to_fix() {
    let c = cli();
    c.ok(&["data", "demo", "--rows", "50"]);
    let def = c.file("gold.json", GOLD);
    c.ok(&["segment", "add", "Gold buyers", "--file", path(&def)]);
    // Replace customers with a file that has no email column.
    let slim = c.file("slim.csv", "customer_id,loyalty_tier\nC1,Gold\n");
    c.ok(&[
        "data",
        "import",
        path(&slim),
        "--table",
        "customers",
        "--mode",
        "replace",
    ]);

    let out = c.run(&["segment", "show", "Gold buyers", "--count"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a definition to fix is bad input"
    );
    let err = stderr(&out);
    assert!(
        err.contains("The column email no longer exists in customers")
            && err.contains("pick another column or remove this condition")
            && err.contains("ferry segment edit \"Gold buyers\" --file"),
        "what is wrong and how to fix it: {err}"
    );
    let out = c.run(&["--json", "segment", "rows", "Gold buyers"]);
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(
        err["fields"][0]["field"], "definition.rules.rules[1].column",
        "the rule is named by its place in the definition"
    );

    // The saved definition, as --json prints it, goes back in with the rule removed.
    let mut saved = c.json(&["segment", "show", "Gold buyers"]);
    saved["definition"]["rules"]["rules"]
        .as_array_mut()
        .unwrap()
        .remove(1);
    let fixed = c.file("fixed.json", &saved.to_string());
    c.ok(&["segment", "edit", "Gold buyers", "--file", path(&fixed)]);
    let shown = c.json(&["segment", "show", "Gold buyers", "--count"]);
    assert!(shown["count"].is_u64(), "it counts again: {shown}");
}
