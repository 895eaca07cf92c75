//! `ferry data`: the demo dataset, CSV import (plan, modes, bad rows, cancel) and PII marks.

use super::*;

#[test]
fn the_demo_dataset_lists_customers_and_orders_with_their_counts() {
    let c = cli();
    let made = c.json(&["data", "demo", "--rows", "200", "--seed", "7"]);
    assert_eq!(made["customers"], 200, "as many customers as asked");
    assert_eq!(c.table_rows("customers"), Some(200), "customers are listed");
    let orders = c.table_rows("orders").expect("orders are listed");
    assert_eq!(
        orders,
        made["orders"].as_i64().unwrap(),
        "with the count made"
    );
    assert!(orders > 0, "customers have orders to join");

    let again = c.run(&["data", "demo", "--rows", "10"]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "existing tables are not replaced silently"
    );
    assert!(stderr(&again).contains("--replace"), "{}", stderr(&again));
    assert_eq!(c.table_rows("customers"), Some(200), "and they are kept");

    c.ok(&["data", "demo", "--rows", "10", "--replace"]);
    assert_eq!(c.table_rows("customers"), Some(10), "replaced when asked");

    let huge = c.run(&["data", "demo", "--rows", "20000001", "--replace"]);
    assert_eq!(
        huge.status.code(),
        Some(2),
        "beyond the maximum is bad input"
    );
    assert!(
        stderr(&huge).contains("at most 20,000,000"),
        "{}",
        stderr(&huge)
    );
}

#[test]
fn bad_rows_are_reported_by_line_and_kept_in_the_rejects_file() {
    let c = cli();
    let file = c.file("people.csv", PEOPLE);
    let rejects = c.files.path().join("bad.csv");
    let args = [
        "data",
        "import",
        path(&file),
        "--table",
        "people",
        "--type",
        "score=integer",
        "--rejects",
        path(&rejects),
    ];
    let out = c.run(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the good rows committed: exit 0"
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Imported 3 rows"),
        "the count imported: {text}"
    );
    assert!(
        text.contains("2 rows rejected"),
        "the count rejected: {text}"
    );
    assert!(
        text.contains("line 4: score"),
        "the bad value's line and column: {text}"
    );
    assert!(
        text.contains("line 5: This row has 3 values"),
        "the short row: {text}"
    );

    let kept = csv_rows(&std::fs::read_to_string(&rejects).unwrap());
    assert_eq!(
        kept[0][4..],
        ["line", "reason"],
        "line and reason after the columns"
    );
    assert_eq!(
        kept[1][..2],
        ["3", "Cy"],
        "the rejected row as the file had it"
    );
    assert_eq!(kept[1][4], "4", "with its line");
    assert_eq!(kept[2][4], "5", "every rejected row is kept");
    assert_eq!(c.table_rows("people"), Some(3), "only the good rows are in");

    // Without --rejects the file goes to the data folder's imports/ folder, as --json says.
    let report = c.json(&[
        "data",
        "import",
        path(&file),
        "--table",
        "people",
        "--mode",
        "append",
    ]);
    assert_eq!(report["rowsImported"], 3, "counts in JSON");
    assert_eq!(report["rowsRejected"], 2, "rejected count in JSON");
    assert_eq!(
        report["rejects"][0]["line"], 4,
        "first rejected line in JSON"
    );
    let default = PathBuf::from(report["rejectsFile"].as_str().unwrap());
    assert_eq!(
        default.parent().unwrap(),
        c.dir.path().join("imports"),
        "beside the data folder's other imports"
    );
    assert!(default.is_file(), "and written");
}

#[test]
fn all_or_nothing_imports_nothing_when_a_row_is_bad() {
    let c = cli();
    let file = c.file("people.csv", PEOPLE);
    let out = c.run(&[
        "data",
        "import",
        path(&file),
        "--table",
        "people",
        "--type",
        "score=integer",
        "--all-or-nothing",
    ]);
    assert_eq!(out.status.code(), Some(2), "a bad row is bad input: exit 2");
    assert!(
        stderr(&out).contains("Line 4"),
        "names the line: {}",
        stderr(&out)
    );
    assert_eq!(c.table_rows("people"), None, "no table was made");
}

#[test]
fn a_dry_run_prints_the_plan_and_imports_nothing() {
    let c = cli();
    let file = c.file(
        "contacts.csv",
        "Full Name;Email;Joined;Email\nAnn;a@x.com;2024-01-31;b@x.com\n",
    );
    let out = c.ok(&[
        "data",
        "import",
        path(&file),
        "--table",
        "contacts",
        "--dry-run",
        "--no-pii",
        "full_name",
    ]);
    assert!(out.contains("Dry run: nothing was imported."), "{out}");
    assert!(
        out.contains("; (semicolon)"),
        "the detected delimiter: {out}"
    );
    assert!(
        out.contains("joined") && out.contains("date"),
        "types: {out}"
    );
    assert!(
        out.contains("email_2"),
        "the suggested name for the repeated header: {out}"
    );
    assert!(
        out.contains("like column 2"),
        "and the problem as a warning: {out}"
    );
    assert_eq!(c.table_rows("contacts"), None, "nothing was imported");

    let plan = c.json(&[
        "data",
        "import",
        path(&file),
        "--table",
        "contacts",
        "--dry-run",
    ]);
    let cols = plan["request"]["columns"].as_array().unwrap();
    assert_eq!(cols[0]["name"], "full_name", "planned names in JSON");
    assert_eq!(cols[0]["pii"], true, "names are suggested as PII");
    assert_eq!(
        plan["warnings"].as_array().unwrap().len(),
        1,
        "the header problem"
    );
}

#[test]
fn an_existing_table_needs_a_mode_and_append_and_replace_do_what_they_say() {
    let c = cli();
    let file = import_people(&c);
    let out = c.run(&["data", "import", path(&file), "--table", "PEOPLE"]);
    assert_eq!(out.status.code(), Some(2), "refused without --mode");
    let err = stderr(&out);
    assert!(
        err.contains("--mode append") && err.contains("--mode replace"),
        "the hint names both modes: {err}"
    );
    assert_eq!(c.table_rows("people"), Some(3), "the table is untouched");

    // Append takes the table's types: score stays integer although no --type is given.
    c.ok(&[
        "data",
        "import",
        path(&file),
        "--table",
        "people",
        "--mode",
        "append",
    ]);
    assert_eq!(c.table_rows("people"), Some(6), "appended");

    let other = c.file("people2.csv", "id,nickname\n9,Zed\n10,Yan\n");
    c.ok(&[
        "data",
        "import",
        path(&other),
        "--table",
        "people",
        "--mode",
        "replace",
    ]);
    assert_eq!(c.table_rows("people"), Some(2), "replaced");
    let shown = c.json(&["data", "show", "people"]);
    let names: Vec<&str> = shown["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|col| col["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["id", "nickname"], "with the new file's columns");
}

#[test]
fn pii_marks_are_set_and_cleared_and_shown() {
    let c = cli();
    import_people(&c);
    let pii = |col: &str| -> Value {
        let shown = c.json(&["data", "show", "people", "--rows", "1"]);
        assert_eq!(shown["rows"].as_array().unwrap().len(), 1, "one sample row");
        shown["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == col)
            .unwrap()["pii"]
            .clone()
    };
    assert_eq!(pii("email"), true, "email is suggested as PII on import");
    assert_eq!(pii("score"), false, "score is not");
    c.ok(&["data", "pii", "people", "SCORE", "--on"]);
    assert_eq!(pii("score"), true, "marked");
    c.ok(&["data", "pii", "people", "email", "--off"]);
    assert_eq!(pii("email"), false, "unmarked");

    let out = c.run(&["data", "pii", "people", "shoe", "--on"]);
    assert_eq!(out.status.code(), Some(3), "an unknown column is not found");
    let out = c.run(&["data", "pii", "people", "email"]);
    assert_eq!(out.status.code(), Some(2), "--on or --off is required");
}

/// Waits until the import has written this many bytes to the database's log, so Ctrl-C
/// lands mid-import (and after the handler is in place).
#[cfg(unix)]
fn wait_for_wal(data: &Path, bytes: u64, child: &mut std::process::Child) {
    let wal = data.join("customers.sqlite3-wal");
    let started = std::time::Instant::now();
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < bytes {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import is still running"
        );
        assert!(
            started.elapsed().as_secs() < 60,
            "the import writes within a minute"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_cancels_an_import_and_leaves_the_table_as_it_was() {
    let c = cli();
    import_people(&c);
    let mut text = String::from("id,name,email,score\n");
    for i in 0..600_000 {
        text.push_str(&format!("{i},Name {i},n{i}@example.com,{i}\n"));
    }
    let big = c.file("big.csv", &text);
    let mut child = c
        .cmd(&[
            "data",
            "import",
            path(&big),
            "--table",
            "people",
            "--mode",
            "replace",
        ])
        .spawn()
        .unwrap();
    wait_for_wal(c.dir.path(), 4 << 20, &mut child);
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "cancelled: {}", stderr(&out));
    assert!(
        stderr(&out).contains("cancelled"),
        "said so: {}",
        stderr(&out)
    );
    assert_eq!(c.table_rows("people"), Some(3), "the table is as it was");
}

#[test]
fn column_flags_rename_skip_retype_and_mark_by_header_or_planned_name() {
    let c = cli();
    let file = c.file(
        "contacts.csv",
        "Full Name,Email,Joined,Code,Email\nAnn,a@x.com,31/01/2024,007,b@x.com\n",
    );
    c.ok(&[
        "data",
        "import",
        path(&file),
        "--table",
        "contacts",
        "--rename",
        "Full Name=person",
        "--skip",
        "email_2",
        "--type",
        "joined=date:dmy",
        "--type",
        "Code=text",
        "--pii",
        "code",
        "--no-pii",
        "email",
    ]);
    let shown = c.json(&["data", "show", "contacts"]);
    let cols: Vec<(String, String, bool)> = shown["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|col| {
            let s = |k: &str| col[k].as_str().unwrap().to_string();
            (s("name"), s("type"), col["pii"].as_bool().unwrap())
        })
        .collect();
    let want = [
        ("person", "text", true),
        ("email", "text", false),
        ("joined", "date", false),
        ("code", "text", true),
    ];
    let want: Vec<(String, String, bool)> = want
        .iter()
        .map(|(n, t, p)| (n.to_string(), t.to_string(), *p))
        .collect();
    assert_eq!(
        cols, want,
        "renamed, skipped, typed and marked as the flags say"
    );
    assert_eq!(
        shown["rows"][0],
        serde_json::json!(["Ann", "a@x.com", "2024-01-31", "007"]),
        "a day-first date stored as ISO, a code kept as text with its zeros"
    );

    let out = c.run(&[
        "data",
        "import",
        path(&file),
        "--table",
        "x",
        "--type",
        "shoe=text",
    ]);
    assert_eq!(out.status.code(), Some(2), "an unknown column is bad input");
    assert!(
        stderr(&out).contains("--type: The file has no column \"shoe\""),
        "the flag is named: {}",
        stderr(&out)
    );
}
