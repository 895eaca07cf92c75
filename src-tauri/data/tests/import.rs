//! CSV import through the public API, against real files written by each test and a real
//! customer database: every edge case the issue lists, each named for what it proves.

use ferry_data::import::{
    inspect, DateOrder, ImportMode, ImportPlan, ImportProgress, ImportReport, ImportRequest,
    InspectOptions,
};
use ferry_data::{CancelToken, ColumnType, DataError, DataStore};
use rusqlite::types::Value;
use std::path::{Path, PathBuf};

struct Fixture {
    dir: tempfile::TempDir,
    store: DataStore,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = DataStore::open(dir.path()).unwrap();
        Fixture { dir, store }
    }

    fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn rejects_path(&self) -> PathBuf {
        self.dir.path().join("rejects.csv")
    }

    fn plan(&self, path: &Path) -> ImportPlan {
        inspect(path, &InspectOptions::default(), &self.store).unwrap()
    }

    /// The plan as a request to create `table`, unchanged.
    fn request(&self, path: &Path, table: &str, mode: ImportMode) -> ImportRequest {
        request_from(&self.plan(path), table, mode)
    }

    fn run(&self, req: &ImportRequest) -> Result<ImportReport, DataError> {
        self.store
            .import(req, &self.rejects_path(), &CancelToken::new(), &mut |_| {})
    }

    /// Writes `csv`, plans it, and creates `table` from it as planned.
    fn import(&self, table: &str, csv: &str) -> ImportReport {
        let path = self.file(&format!("{table}.csv"), csv);
        self.run(&self.request(&path, table, ImportMode::Create))
            .unwrap()
    }

    fn rows(&self, sql: &str) -> Vec<Vec<Value>> {
        let conn = self.store.reader_connection().unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn count(&self, table: &str) -> i64 {
        match self.rows(&format!("SELECT count(*) FROM {table}"))[0][0] {
            Value::Integer(n) => n,
            ref v => panic!("count is {v:?}"),
        }
    }
}

fn request_from(plan: &ImportPlan, table: &str, mode: ImportMode) -> ImportRequest {
    ImportRequest {
        path: plan.file.clone(),
        table: table.into(),
        mode,
        encoding: plan.encoding.clone(),
        delimiter: plan.delimiter.clone(),
        columns: plan.columns.clone(),
        all_or_nothing: false,
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

/// The fields of an `Invalid` error, or a panic naming what came instead.
fn invalid_fields(e: &DataError) -> Vec<String> {
    match e {
        DataError::Invalid(problems) => problems.iter().map(|p| p.field.clone()).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn utf16(s: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in s.encode_utf16() {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

#[test]
fn each_delimiter_is_detected_and_imported() {
    let f = Fixture::new();
    for (i, d) in [",", ";", "\t", "|"].into_iter().enumerate() {
        let csv = format!("id{d}name{d}city\n1{d}Ann{d}Oslo\n2{d}\"Bo{d} Jr\"{d}Rome\n");
        let path = f.file(&format!("d{i}.csv"), &csv);
        let plan = f.plan(&path);
        assert_eq!(plan.delimiter, d, "detected {d:?}");
        assert_eq!(plan.columns.len(), 3, "three columns with {d:?}");
        let report = f
            .run(&request_from(&plan, &format!("t{i}"), ImportMode::Create))
            .unwrap();
        assert_eq!(
            (report.rows_imported, report.rows_rejected),
            (2, 0),
            "{d:?}"
        );
        assert_eq!(
            f.rows(&format!("SELECT name FROM t{i} WHERE id = 2")),
            [[text(&format!("Bo{d} Jr"))]],
            "a quoted delimiter stays in its value with {d:?}"
        );
    }
}

#[test]
fn utf8_with_and_without_bom_imports_the_same() {
    let f = Fixture::new();
    for (name, bytes, label) in [
        (
            "plain",
            "name,city\nZoë,Malmö\n".as_bytes().to_vec(),
            "UTF-8",
        ),
        (
            "bom",
            [&b"\xEF\xBB\xBF"[..], "name,city\nZoë,Malmö\n".as_bytes()].concat(),
            "UTF-8 (BOM)",
        ),
    ] {
        let path = f.file(&format!("{name}.csv"), bytes);
        let plan = f.plan(&path);
        assert_eq!(plan.encoding, label, "{name}");
        assert_eq!(
            plan.columns[0].header, "name",
            "the mark is not part of the first header"
        );
        f.run(&request_from(&plan, name, ImportMode::Create))
            .unwrap();
        assert_eq!(
            f.rows(&format!("SELECT name, city FROM {name}")),
            [[text("Zoë"), text("Malmö")]],
            "{name}"
        );
    }
}

#[test]
fn a_windows_1252_file_is_detected_and_decoded() {
    let f = Fixture::new();
    // 0xE9 é, 0x92 ’ (a curly apostrophe only Windows-1252 has), 0x80 €.
    let path = f.file("w.csv", b"name;note\nRen\xE9e;it\x92s \x8020\n");
    let plan = f.plan(&path);
    assert_eq!(plan.encoding, "Windows-1252", "bytes that are not UTF-8");
    assert_eq!(
        plan.sample_rows[0],
        ["Renée", "it’s €20"],
        "the sample is decoded"
    );
    f.run(&request_from(&plan, "w", ImportMode::Create))
        .unwrap();
    assert_eq!(
        f.rows("SELECT name, note FROM w"),
        [[text("Renée"), text("it’s €20")]],
        "stored as UTF-8"
    );
}

#[test]
fn utf16_files_with_a_mark_are_decoded_in_either_byte_order() {
    let f = Fixture::new();
    let csv = "name\tcity\n山田\tŁódź\n\"O'Brien\"\tZürich\n";
    for (name, big) in [("le", false), ("be", true)] {
        let path = f.file(&format!("{name}.csv"), utf16(csv, big));
        let plan = f.plan(&path);
        assert_eq!(
            plan.encoding,
            if big { "UTF-16BE" } else { "UTF-16LE" },
            "{name}"
        );
        assert_eq!(plan.delimiter, "\t", "{name}");
        f.run(&request_from(&plan, name, ImportMode::Create))
            .unwrap();
        assert_eq!(
            f.rows(&format!("SELECT name, city FROM {name} ORDER BY rowid")),
            [
                [text("山田"), text("Łódź")],
                [text("O'Brien"), text("Zürich")]
            ],
            "{name}"
        );
    }
}

#[test]
fn invalid_utf8_names_the_line_and_suggests_windows_1252() {
    let f = Fixture::new();
    let path = f.file("bad.csv", b"name\nAnn\nBob\n\"two\nlines\"\nRen\xE9e\n");
    let mut req = f.request(&path, "people", ImportMode::Create);
    req.encoding = "UTF-8".into();
    let e = f.run(&req).unwrap_err();
    assert_eq!(
        invalid_fields(&e),
        ["encoding"],
        "the encoding is what to fix"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("Line 6") && msg.contains("0xE9"),
        "where and what: {msg}"
    );
    assert!(msg.contains("Windows-1252"), "what to choose: {msg}");
    let tables = f.store.tables().unwrap();
    assert!(tables.is_empty(), "nothing was imported");
}

#[test]
fn quoted_newlines_keep_later_line_numbers_right() {
    let f = Fixture::new();
    let csv = "id,note\n1,\"first\nsecond\nthird\"\n2,fine\n3\n4,\"a, b\"\n";
    let report = f.import("notes", csv);
    assert_eq!(report.rows_imported, 3, "the good rows are in");
    assert_eq!(report.rejects.len(), 1, "one ragged row");
    assert_eq!(
        report.rejects[0].line, 6,
        "line 6 of the file, counting the quoted newlines"
    );
    assert_eq!(
        f.rows("SELECT note FROM notes WHERE id = 1"),
        [[text("first\nsecond\nthird")]],
        "newlines inside quotes are kept"
    );
}

#[test]
fn ragged_rows_are_rejected_with_line_and_reason_and_the_rest_imported() {
    let f = Fixture::new();
    let csv = "a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n";
    let report = f.import("ragged", csv);
    assert_eq!(
        (report.rows_imported, report.rows_rejected),
        (2, 2),
        "two good, two bad"
    );
    assert_eq!(report.rejects[0].line, 3);
    assert!(
        report.rejects[0]
            .reason
            .contains("2 values but the header has 3"),
        "{}",
        report.rejects[0].reason
    );
    assert_eq!(report.rejects[1].line, 4);
    assert!(
        report.rejects[1].reason.contains("quotes"),
        "says what to fix: {}",
        report.rejects[1].reason
    );
    assert_eq!(f.count("ragged"), 2, "good rows are in the table");
}

#[test]
fn the_rejects_file_has_the_original_values_the_line_and_the_reason() {
    let f = Fixture::new();
    let csv = "id,born,city\n1,2001-02-03,Oslo\nx2,2001-02-30,\"Rome, IT\"\n3,1999-01-01\n";
    let path = f.file("people.csv", csv);
    let mut req = f.request(&path, "people", ImportMode::Create);
    req.columns[0].column_type = ColumnType::Integer;
    req.columns[1].column_type = ColumnType::Date;
    let report = f.run(&req).unwrap();
    let path = report
        .rejects_file
        .clone()
        .expect("rows were rejected, so there is a file");
    assert_eq!(Path::new(&path), f.rejects_path(), "at the path asked for");
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&path)
        .unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        ["id", "born", "city", "line", "reason"],
        "the file's header, then line and reason"
    );
    let rows: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 2, "every rejected row");
    assert_eq!(
        &rows[0][..4],
        ["x2", "2001-02-30", "Rome, IT", "3"],
        "values as in the file"
    );
    assert!(
        rows[0][4].contains("id (column 1)") && rows[0][4].contains("\"x2\""),
        "{}",
        rows[0][4]
    );
    assert_eq!(
        &rows[1][..4],
        ["3", "1999-01-01", "", "4"],
        "a short row is padded"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "rejected customer rows are private to their user"
        );
    }
    let clean = f.import("clean", "a\n1\n");
    assert_eq!(clean.rejects_file, None, "no rejects, no file");
}

#[test]
fn a_10_mb_value_is_rejected_with_a_clear_message_and_the_rest_imported() {
    let f = Fixture::new();
    let mut csv = String::from("id,bio\n1,short\n2,\"");
    csv.push_str(&"x".repeat(10 * 1024 * 1024));
    csv.push_str("\"\n3,also short\n");
    let path = f.file("big.csv", &csv);
    let plan = f.plan(&path);
    assert_eq!(
        plan.columns[0].column_type,
        ColumnType::Integer,
        "inspect copes with the value"
    );
    assert!(
        plan.sample_rows[1][1].chars().count() <= 201,
        "the sample shows only its start"
    );
    let report = f
        .run(&request_from(&plan, "bios", ImportMode::Create))
        .unwrap();
    assert_eq!(
        (report.rows_imported, report.rows_rejected),
        (2, 1),
        "only that row is rejected"
    );
    let r = &report.rejects[0];
    assert_eq!(r.line, 3);
    assert!(
        r.reason.contains("10.0 MiB") && r.reason.contains("1.0 MiB"),
        "how long and the cap: {}",
        r.reason
    );
    let rejects = std::fs::read_to_string(report.rejects_file.unwrap()).unwrap();
    assert!(
        rejects.len() < 10_000,
        "the rejects file keeps only the start of the value"
    );
    assert!(
        rejects.contains("cut: 10485760 bytes"),
        "and says it was cut"
    );
}

#[test]
fn an_unclosed_quote_does_not_swallow_the_file_into_memory() {
    let f = Fixture::new();
    let mut csv = String::from("id,note\n1,\"never closed\n");
    for i in 0..400_000 {
        csv.push_str(&format!("{i},row number {i}\n"));
    }
    let report = f.import("runaway", &csv);
    assert_eq!(
        report.rows_imported, 0,
        "everything after the quote is one value"
    );
    assert_eq!(report.rows_rejected, 1);
    assert!(
        report.rejects[0].reason.contains("never closed"),
        "{}",
        report.rejects[0].reason
    );
}

#[test]
fn duplicate_and_empty_headers_are_problems_with_names_to_accept() {
    let f = Fixture::new();
    let path = f.file(
        "h.csv",
        "Email,,E-mail,email,山田\na@x.org,1,b@x.org,c@x.org,d\n",
    );
    let plan = f.plan(&path);
    let names: Vec<&str> = plan.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["email", "column_2", "e_mail", "email_2", "column_5"],
        "distinct names"
    );
    let fields: Vec<&str> = plan.problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        ["columns[1].name", "columns[3].name", "columns[4].name"]
    );
    assert!(
        plan.problems[0]
            .message
            .contains("Column 2 has no name in the header: give it one"),
        "{}",
        plan.problems[0].message
    );
    assert!(
        plan.problems[1].message.contains("column 1")
            && plan.problems[1].message.contains("email_2"),
        "{}",
        plan.problems[1].message
    );
    let report = f
        .run(&request_from(&plan, "h", ImportMode::Create))
        .unwrap();
    assert_eq!(report.rows_imported, 1, "accepting the suggestions imports");

    let mut req = request_from(&plan, "h2", ImportMode::Create);
    req.columns[3].name = "EMAIL".into();
    req.columns[1].name = "2nd".into();
    let fields = invalid_fields(&f.run(&req).unwrap_err());
    assert_eq!(
        fields,
        ["columns[1].name", "columns[3].name"],
        "a bad name and a repeated one"
    );
}

#[test]
fn bad_table_names_are_refused_with_the_table_field() {
    let f = Fixture::new();
    f.import("customers", "a\n1\n");
    let path = f.file("x.csv", "a\n1\n");
    for (table, words) in [
        ("2024 sales", "not a valid table name"),
        ("sqlite_stuff", "reserved"),
        ("_ferry_columns", "reserved"),
        ("", "Enter a table name"),
        ("Customers", "already exists"),
    ] {
        let req = f.request(&path, table, ImportMode::Create);
        let e = f.run(&req).unwrap_err();
        assert_eq!(invalid_fields(&e), ["table"], "{table:?}");
        assert!(e.to_string().contains(words), "{table:?}: {e}");
    }
    let e = f
        .run(&f.request(&path, "nowhere", ImportMode::Append))
        .unwrap_err();
    assert_eq!(
        invalid_fields(&e),
        ["table"],
        "append needs an existing table"
    );
}

#[test]
fn types_are_inferred_for_each_kind_of_column() {
    let f = Fixture::new();
    let csv = "id,score,vip,born,seen,zip,phone,big_id,code,is_active,visits,note\n\
        1,1.5,yes,1990-01-31,2024-01-31T10:00:00Z,01234,5551234567,9007199254740993,007,1,0,hi\n\
        2,2,no,31/12/1985,2024-02-01 08:30,98765,5559876543,12,12,0,1,\n\
        3,,,,,,,,,,,\n";
    let path = f.file("types.csv", csv);
    let plan = f.plan(&path);
    let types: Vec<(&str, ColumnType)> = plan
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.column_type))
        .collect();
    use ColumnType::*;
    assert_eq!(
        types,
        [
            ("id", Integer),
            ("score", Decimal),
            ("vip", Boolean),
            ("born", Date),
            ("seen", DateTime),
            ("zip", Text),
            ("phone", Text),
            ("big_id", Text),
            ("code", Text),
            ("is_active", Boolean),
            ("visits", Integer),
            ("note", Text),
        ],
        "inferred types"
    );
    assert_eq!(
        plan.columns[3].date_order,
        DateOrder::Dmy,
        "31/12 proves day first"
    );
    assert_eq!(plan.sampled_rows, 3);
}

#[test]
fn day_first_dates_are_inferred_and_stored_as_iso() {
    let f = Fixture::new();
    let path = f.file("d.csv", "born\n31/12/1985\n01/02/2003\n2001-05-06\n");
    let plan = f.plan(&path);
    assert_eq!(
        plan.columns[0].column_type,
        ColumnType::Date,
        "a value over 12 proves the order"
    );
    f.run(&request_from(&plan, "d", ImportMode::Create))
        .unwrap();
    assert_eq!(
        f.rows("SELECT born FROM d ORDER BY rowid"),
        [
            [text("1985-12-31")],
            [text("2003-02-01")],
            [text("2001-05-06")]
        ],
        "dates are stored as YYYY-MM-DD"
    );
}

#[test]
fn values_are_stored_with_their_types_and_empty_values_as_null() {
    let f = Fixture::new();
    f.import(
        "v",
        "n,d,b,day,at,t\n7,1.25,Yes,2024-02-09,2024-02-09 10:11:12+0100,x\n,,,,,\n",
    );
    assert_eq!(
        f.rows("SELECT n, d, b, day, at, t FROM v ORDER BY rowid"),
        [
            vec![
                Value::Integer(7),
                Value::Real(1.25),
                Value::Integer(1),
                text("2024-02-09"),
                text("2024-02-09T10:11:12+01:00"),
                text("x"),
            ],
            vec![Value::Null; 6],
        ],
        "typed values, and NULL for empty ones"
    );
    let cols = f.store.columns("v").unwrap();
    let types: Vec<ColumnType> = cols.iter().map(|c| c.column_type).collect();
    use ColumnType::*;
    assert_eq!(
        types,
        [Integer, Decimal, Boolean, Date, DateTime, Text],
        "Ferry's types are recorded"
    );
}

#[test]
fn a_type_the_user_overrides_is_the_type_imported() {
    let f = Fixture::new();
    let path = f.file("o.csv", "code,qty\n12,5\n34,x\n");
    let plan = f.plan(&path);
    assert_eq!(plan.columns[0].column_type, ColumnType::Integer, "inferred");
    let mut req = request_from(&plan, "o", ImportMode::Create);
    req.columns[0].column_type = ColumnType::Text;
    req.columns[1].column_type = ColumnType::Integer;
    let report = f.run(&req).unwrap();
    assert_eq!(
        f.rows("SELECT typeof(code), code FROM o"),
        [[text("text"), text("12")]],
        "kept as text"
    );
    assert_eq!(
        report.rejects[0].line, 3,
        "a value that does not fit the chosen type is rejected"
    );
    assert!(
        report.rejects[0]
            .reason
            .contains("qty (column 2): \"x\" is not a whole number"),
        "{}",
        report.rejects[0].reason
    );
}

#[test]
fn excluded_columns_are_left_out() {
    let f = Fixture::new();
    let path = f.file("e.csv", "a,b,c\n1,2,3\n");
    let mut req = f.request(&path, "e", ImportMode::Create);
    req.columns[1].include = false;
    f.run(&req).unwrap();
    let names: Vec<String> = f
        .store
        .columns("e")
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["a", "c"], "only the included columns");
}

#[test]
fn pii_suggestions_are_recorded_with_the_new_table() {
    let f = Fixture::new();
    let path = f.file(
        "p.csv",
        "First Name,E-mail,Phone,Birthdate,Loyalty Tier\nAnn,a@x.org,+44 1,1990-01-01,Gold\n",
    );
    let plan = f.plan(&path);
    let pii: Vec<bool> = plan.columns.iter().map(|c| c.pii).collect();
    assert_eq!(
        pii,
        [true, true, true, true, false],
        "suggested from the names"
    );
    let mut req = request_from(&plan, "p", ImportMode::Create);
    req.columns[4].pii = true;
    f.run(&req).unwrap();
    let marks: Vec<bool> = f
        .store
        .columns("p")
        .unwrap()
        .iter()
        .map(|c| c.pii)
        .collect();
    assert_eq!(
        marks,
        [true, true, true, true, true],
        "the marks as the user left them"
    );
}

#[test]
fn append_adds_rows_when_columns_match_and_keeps_the_marks() {
    let f = Fixture::new();
    f.import("people", "email,age\na@x.org,30\n");
    f.store.set_pii("people", "age", true).unwrap();
    f.store.set_pii("people", "email", false).unwrap();
    let path = f.file("more.csv", "Age,Email\n41,b@x.org\n");
    let report = f
        .run(&f.request(&path, "PEOPLE", ImportMode::Append))
        .unwrap();
    assert_eq!((report.table.as_str(), report.rows_imported), ("people", 1));
    assert_eq!(
        f.rows("SELECT email, age FROM people ORDER BY rowid"),
        [
            [text("a@x.org"), Value::Integer(30)],
            [text("b@x.org"), Value::Integer(41)]
        ],
        "matched by name, in any order and case"
    );
    let marks: Vec<bool> = f
        .store
        .columns("people")
        .unwrap()
        .iter()
        .map(|c| c.pii)
        .collect();
    assert_eq!(marks, [false, true], "the marks the user set are kept");
}

#[test]
fn append_with_columns_that_differ_says_which() {
    let f = Fixture::new();
    f.import("people", "email,age,city\na@x.org,30,Oslo\n");
    let path = f.file("other.csv", "email,age,shoe\nb@x.org,old,42\n");
    let mut req = f.request(&path, "people", ImportMode::Append);
    req.columns[1].column_type = ColumnType::Text;
    let e = f.run(&req).unwrap_err();
    assert_eq!(
        invalid_fields(&e),
        ["columns[1].type", "columns[2].name", "columns"]
    );
    let msg = e.to_string();
    assert!(
        msg.contains("people.age holds whole numbers, not text"),
        "{msg}"
    );
    assert!(msg.contains("no column named shoe"), "{msg}");
    assert!(msg.contains("no column for city"), "{msg}");
    assert_eq!(f.count("people"), 1, "nothing was added");
}

#[test]
fn replace_swaps_the_table_and_keeps_views_over_it() {
    let f = Fixture::new();
    f.import("people", "email,age\na@x.org,30\nb@x.org,31\n");
    rusqlite::Connection::open(f.store.path())
        .unwrap()
        .execute_batch("CREATE VIEW adults AS SELECT * FROM people WHERE age >= 18")
        .unwrap();
    let path = f.file("new.csv", "email,age,city\nc@x.org,50,Rome\n");
    let report = f
        .run(&f.request(&path, "people", ImportMode::Replace))
        .unwrap();
    assert_eq!(report.rows_imported, 1);
    assert_eq!(
        f.rows("SELECT email, city FROM adults"),
        [[text("c@x.org"), text("Rome")]],
        "the view reads the new table"
    );
    let names: Vec<String> = f
        .store
        .tables()
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["adults", "people"], "no staging table is left");
}

#[test]
fn replace_keeps_the_old_table_when_cancelled_or_failing() {
    let f = Fixture::new();
    f.import("people", "email,age\na@x.org,30\n");
    let mut csv = String::from("email,age\n");
    for i in 0..50_000 {
        csv.push_str(&format!("p{i}@x.org,{}\n", i % 90));
    }
    csv.push_str("bad,row,here\n");
    let path = f.file("big.csv", &csv);
    let req = f.request(&path, "people", ImportMode::Replace);

    let cancel = CancelToken::new();
    let mut seen_during = Vec::new();
    let e = f
        .store
        .import(&req, &f.rejects_path(), &cancel, &mut |p| {
            seen_during.push(f.count("people"));
            if p.rows_imported > 20_000 {
                cancel.cancel()
            }
        })
        .unwrap_err();
    assert!(
        !seen_during.is_empty() && seen_during.iter().all(|n| *n == 1),
        "while the import runs, readers see the old table: {seen_during:?}"
    );
    assert!(matches!(e, DataError::Cancelled(_)), "{e:?}");
    assert_eq!(
        f.rows("SELECT email FROM people"),
        [[text("a@x.org")]],
        "cancelled: the old rows"
    );

    let mut strict = req.clone();
    strict.all_or_nothing = true;
    let e = f.run(&strict).unwrap_err();
    assert_eq!(invalid_fields(&e), ["file"]);
    assert!(e.to_string().contains("Line 50002"), "{e}");
    assert_eq!(
        f.rows("SELECT email FROM people"),
        [[text("a@x.org")]],
        "failed: the old rows"
    );
    assert!(
        !f.rejects_path().exists(),
        "no rejects file from an import that did not happen"
    );
}

#[test]
fn cancelling_a_new_import_leaves_nothing() {
    let f = Fixture::new();
    let mut csv = String::from("id,bad\n");
    for i in 0..60_000 {
        csv.push_str(&format!("{i},{}\n", if i % 7 == 0 { "x" } else { "1" }));
    }
    let path = f.file("c.csv", &csv);
    let mut req = f.request(&path, "c", ImportMode::Create);
    req.columns[1].column_type = ColumnType::Integer;
    let cancel = CancelToken::new();
    let e = f
        .store
        .import(&req, &f.rejects_path(), &cancel, &mut |_| cancel.cancel())
        .unwrap_err();
    assert!(e.to_string().contains("cancelled"), "{e}");
    assert!(f.store.tables().unwrap().is_empty(), "no table");
    assert!(f.store.columns("c").is_err(), "and no recorded columns");
    assert!(!f.rejects_path().exists(), "and no rejects file");
}

#[test]
fn all_or_nothing_stops_at_the_first_bad_row_and_changes_nothing() {
    let f = Fixture::new();
    let path = f.file("a.csv", "n\n1\n2\nthree\n4\nfive\n");
    let mut req = f.request(&path, "a", ImportMode::Create);
    req.columns[0].column_type = ColumnType::Integer;
    req.all_or_nothing = true;
    let e = f.run(&req).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("Line 4") && msg.contains("\"three\""),
        "the first bad row: {msg}"
    );
    assert!(msg.contains("Nothing was imported"), "{msg}");
    assert!(f.store.tables().unwrap().is_empty(), "no table was made");
}

#[test]
fn progress_reports_growing_counts_and_ends_at_the_file_size() {
    let f = Fixture::new();
    let mut csv = String::from("id,name\n");
    for i in 0..35_000 {
        csv.push_str(&format!("{i},name {i}\n"));
    }
    let path = f.file("p.csv", &csv);
    let req = f.request(&path, "p", ImportMode::Create);
    let mut seen: Vec<ImportProgress> = Vec::new();
    f.store
        .import(&req, &f.rejects_path(), &CancelToken::new(), &mut |p| {
            seen.push(p.clone())
        })
        .unwrap();
    assert!(seen.len() >= 4, "reported along the way: {}", seen.len());
    assert!(
        seen.windows(2).all(|w| w[0].rows_imported <= w[1].rows_imported && w[0].bytes_read <= w[1].bytes_read),
        "counts only grow"
    );
    let last = seen.last().unwrap();
    assert_eq!(last.rows_imported, 35_000);
    assert_eq!(
        (last.bytes_read, last.total_bytes),
        (csv.len() as u64, csv.len() as u64),
        "ends at the file size"
    );
}

#[test]
fn a_header_only_file_and_an_empty_file_are_explained() {
    let f = Fixture::new();
    let plan = f.plan(&f.file("h.csv", "a,b\n"));
    assert!(
        plan.problems
            .iter()
            .any(|p| p.message.contains("no rows of data")),
        "{:?}",
        plan.problems
    );
    let e = inspect(&f.file("e.csv", ""), &InspectOptions::default(), &f.store).unwrap_err();
    assert!(e.to_string().contains("is empty"), "{e}");
    let e = inspect(
        &f.dir.path().join("missing.csv"),
        &InspectOptions::default(),
        &f.store,
    )
    .unwrap_err();
    assert!(e.to_string().contains("could not read"), "{e}");
}

#[test]
fn the_user_can_name_the_encoding_and_delimiter() {
    let f = Fixture::new();
    let path = f.file("x.csv", b"a;b\n\xE9;2\n");
    let opts = InspectOptions {
        delimiter: Some(','),
        encoding: Some("latin1".into()),
    };
    let plan = inspect(&path, &opts, &f.store).unwrap();
    assert_eq!(
        (plan.encoding.as_str(), plan.delimiter.as_str()),
        ("Windows-1252", ",")
    );
    assert_eq!(plan.columns.len(), 1, "one column when split at commas");
    let bad = InspectOptions {
        delimiter: None,
        encoding: Some("klingon".into()),
    };
    let e = inspect(&path, &bad, &f.store).unwrap_err();
    assert_eq!(invalid_fields(&e), ["encoding"]);
    let plan = f.plan(&path);
    assert_eq!(
        plan.suggested_table, "x",
        "the table is named after the file"
    );
    assert!(plan.existing_tables.is_empty());
}

#[test]
fn a_file_wider_than_a_table_can_be_is_refused_before_anything_changes() {
    let f = Fixture::new();
    let header: Vec<String> = (1..=2001).map(|i| format!("c{i}")).collect();
    let row = vec!["1"; 2001].join(",");
    let path = f.file("wide.csv", format!("{}\n{row}\n", header.join(",")));
    let plan = f.plan(&path);
    assert_eq!(plan.columns.len(), 2001, "inspect reads every column");
    let e = f
        .run(&request_from(&plan, "wide", ImportMode::Create))
        .unwrap_err();
    assert_eq!(invalid_fields(&e), ["columns"]);
    assert!(e.to_string().contains("at most 2000"), "{e}");
    let mut req = request_from(&plan, "wide", ImportMode::Create);
    req.columns[2000].include = false;
    assert_eq!(
        f.run(&req).unwrap().rows_imported,
        1,
        "leaving one out is enough"
    );
}
