//! `ferry data`, `ferry query` and `ferry segment` as a script uses them: the real binary, a
//! fresh data folder per test, CSV files written by the tests. These commands never touch the
//! keychain; each test still gets a service name of its own, as the other CLI tests do.
//! `FERRY_DEMO=off` everywhere: the demo is made only when a test asks for it.
//!
//! One test binary; its modules (in `data/`) follow the commands: `import` (the demo, CSV
//! import, PII marks), `queries`, `segments`.

// NOTE: explicit paths, because a module file directly in tests/ would be a test binary of
// its own.
#[path = "data/import.rs"]
mod import;
#[path = "data/queries.rs"]
mod queries;
#[path = "data/segments.rs"]
mod segments;

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct Cli {
    dir: tempfile::TempDir,
    files: tempfile::TempDir,
    service: String,
}

fn cli() -> Cli {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    Cli {
        dir: tempfile::tempdir().unwrap(),
        files: tempfile::tempdir().unwrap(),
        service: format!(
            "ferry-cli-data-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ),
    }
}

impl Cli {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ferry"));
        c.args(args)
            .env("FERRY_DATA_DIR", self.dir.path())
            .env("FERRY_KEYCHAIN_SERVICE", &self.service)
            .env("FERRY_DEMO", "off")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    fn run_with(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self.cmd(args).spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, "")
    }

    /// Runs a command that must succeed; returns its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} succeeds: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// A file for the test to import, outside the data folder.
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.files.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The number `SELECT count(*) …` returns, through `query run --csv`.
    fn count(&self, sql: &str) -> u64 {
        let out = self.ok(&["query", "run", "--sql", sql, "--csv"]);
        let rows = csv_rows(&out);
        assert_eq!(rows.len(), 2, "a header and one row: {out}");
        rows[1][0].parse().unwrap()
    }

    fn table_rows(&self, table: &str) -> Option<i64> {
        self.json(&["data", "tables"])
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == table)
            .map(|t| t["rowCount"].as_i64().unwrap())
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Four people; line 4 has a value that is not a number, line 5 a missing value.
const PEOPLE: &str = "\
id,name,email,score
1,Ann,ann@example.com,10
2,Bob,bob@example.com,20
3,Cy,cy@example.com,lots
4,Dee,dee@example.com
5,Eve,eve@example.com,50
";

fn import_people(c: &Cli) -> PathBuf {
    let file = c.file("people.csv", PEOPLE);
    let out = c.run(&[
        "data",
        "import",
        path(&file),
        "--table",
        "people",
        "--type",
        "score=integer",
    ]);
    assert_eq!(out.status.code(), Some(0), "imported: {}", stderr(&out));
    file
}
