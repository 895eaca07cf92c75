//! `ferry query`: saved queries, the read-only door, SQL errors, the output formats.

use super::*;

#[test]
fn a_saved_query_runs_as_csv_and_json_lines_that_match_the_data() {
    let c = cli();
    import_people(&c);
    c.ok(&[
        "query",
        "add",
        "Top scorers",
        "--sql",
        "SELECT name, score, score > 15 AS high FROM people ORDER BY id",
        "--description",
        "who scored",
    ]);
    let list = c.json(&["query", "list"]);
    assert_eq!(list[0]["name"], "Top scorers", "listed");

    let out = c.ok(&["query", "run", "top scorers", "--csv"]);
    assert_eq!(
        csv_rows(&out),
        [
            ["name", "score", "high"],
            ["Ann", "10", "0"],
            ["Bob", "20", "1"],
            ["Eve", "50", "1"]
        ],
        "header, then the rows in order"
    );
    let lines: Vec<Value> = c
        .ok(&["--json", "query", "run", "Top scorers"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "one JSON object per row");
    assert_eq!(
        lines[1],
        serde_json::json!({"name": "Bob", "score": 20, "high": 1}),
        "column names as keys, numbers as numbers"
    );

    let limited = c.ok(&["query", "run", "Top scorers", "--limit", "2", "--csv"]);
    assert_eq!(
        csv_rows(&limited).len(),
        3,
        "--limit: a header and two rows"
    );
    let table = c.ok(&["query", "run", "Top scorers", "--limit", "2"]);
    assert!(
        table.contains("raise --limit"),
        "the table says rows were left: {table}"
    );

    c.ok(&[
        "query",
        "edit",
        "Top scorers",
        "--sql",
        "SELECT count(*) AS n FROM people",
    ]);
    assert_eq!(
        csv_rows(&c.ok(&["query", "run", "Top scorers", "--csv"]))[1],
        ["3"],
        "edited"
    );
    c.ok(&["query", "delete", "Top scorers"]);
    let gone = c.run(&["query", "run", "Top scorers"]);
    assert_eq!(gone.status.code(), Some(3), "a deleted query is not found");
}

#[test]
fn sql_that_writes_is_refused_and_changes_nothing() {
    let c = cli();
    import_people(&c);
    let out = c.run(&["query", "run", "--sql", "DELETE FROM people"]);
    assert_eq!(
        out.status.code(),
        Some(12),
        "write refused has its own exit code"
    );
    assert!(
        stderr(&out).contains("Queries can only read"),
        "the read-only refusal: {}",
        stderr(&out)
    );
    let add = c.run(&["query", "add", "wipe", "--sql", "DROP TABLE people"]);
    assert_eq!(add.status.code(), Some(2), "a writing query is not saved");
    assert_eq!(
        c.count("SELECT count(*) FROM people"),
        3,
        "no row was deleted"
    );
}

#[test]
fn an_sql_error_says_its_line_and_column() {
    let c = cli();
    import_people(&c);
    let sql = "SELECT name\nFROM people\nWHERE shoe = 1";
    let out = c.run(&["query", "run", "--sql", sql]);
    assert_eq!(
        out.status.code(),
        Some(11),
        "SQL errors have their own exit code"
    );
    assert!(
        stderr(&out).contains("no such column: shoe (line 3, column 7)"),
        "SQLite's message with the place: {}",
        stderr(&out)
    );
    let out = c.run(&["--json", "query", "run", "--sql", sql]);
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["code"], "sql", "machine-readable code");
    assert_eq!(
        (err["line"].clone(), err["column"].clone()),
        (3.into(), 7.into()),
        "and place"
    );
}

#[test]
fn json_lines_carry_booleans_and_no_value_as_json() {
    let c = cli();
    c.ok(&["data", "demo", "--rows", "20"]);
    let out = c.ok(&[
        "--json",
        "query",
        "run",
        "--sql",
        "SELECT customer_id, opt_in_email, NULL AS no_value FROM customers ORDER BY 1",
        "--limit",
        "5",
    ]);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5, "--limit rows, one per line");
    assert!(
        lines.iter().all(|l| l["opt_in_email"].is_boolean()),
        "a boolean column prints true/false: {out}"
    );
    assert!(lines[0]["no_value"].is_null(), "no value is null");

    let out = c.run(&["--json", "query", "run", "--sql", "SELECT 1", "--csv"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "--json and --csv together are refused"
    );
    let out = c.run(&["query", "run", "--sql", "SELECT 1", "--time-limit", "0"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a time limit below a second is refused"
    );
}
