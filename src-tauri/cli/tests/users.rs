//! `ferry users`, `ferry whoami` and `ferry activity` as an administrator uses them: users
//! added, changed, disabled; who a run acts as; the log read, filtered and exported; and the
//! log's hash chain catching entries changed or removed behind Ferry's back (with rusqlite, as
//! any SQLite tool could). Also who may restore the settings database.
//!
//! Real processes and a fresh data folder per test; `FERRY_DEMO=off`, so customer data exists
//! only where a test makes it. None of these touch the keychain.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const MASK: &str = "•••• (PII)";

struct Cli {
    dir: tempfile::TempDir,
    service: String,
    /// FERRY_USER for the runs (`None`: unset).
    ferry_user: Option<String>,
}

fn cli() -> Cli {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    Cli {
        dir: tempfile::tempdir().unwrap(),
        service: format!(
            "ferry-cli-users-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ),
        ferry_user: None,
    }
}

impl Cli {
    /// Runs `ferry` for the person logged in as "boss", who becomes the first administrator.
    fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ferry"));
        c.args(args)
            .env("FERRY_DATA_DIR", self.dir.path())
            .env("FERRY_KEYCHAIN_SERVICE", &self.service)
            .env("FERRY_DEMO", "off")
            .env("USER", "boss")
            .env_remove("FERRY_TODAY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match &self.ferry_user {
            Some(u) => c.env("FERRY_USER", u),
            None => c.env_remove("FERRY_USER"),
        };
        let mut child = c.spawn().unwrap();
        drop(child.stdin.take());
        child.wait_with_output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?} succeeds: {}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("ferry.sqlite3")
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn users_are_added_changed_disabled_and_enabled_and_a_disabled_user_cannot_act() {
    let c = cli();
    let dana = c.json(&[
        "users",
        "add",
        "Dana",
        "--policy",
        "amp360",
        "--restrict-pii",
    ]);
    assert_eq!(dana["policyLabel"], "Amp360 User", "the policy");
    assert_eq!(dana["restrictPii"], true, "a bare flag restricts");

    let list = c.json(&["users", "list"]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["boss", "Dana"],
        "the first user (the login name) and Dana"
    );
    assert_eq!(
        list[0]["policyLabel"], "DataGrid Administrator",
        "the first user is an administrator"
    );

    let edited = c.json(&[
        "users",
        "edit",
        "dana",
        "--name",
        "Dana K",
        "--policy",
        "amp360,ampiq",
        "--restrict-pii=false",
    ]);
    assert_eq!(edited["name"], "Dana K", "renamed");
    assert_eq!(
        edited["policyLabel"], "Amp360 User + AmpIQ User",
        "both business policies, typed with a comma"
    );
    assert_eq!(edited["restrictPii"], false, "=false lifts the restriction");
    let same = c.json(&["users", "edit", "Dana K", "--policy", "ampiq"]);
    assert_eq!(
        same["restrictPii"], false,
        "a flag left out keeps its value"
    );

    let shown = c.ok(&["users", "show", "Dana K"]);
    assert!(
        shown.contains("AmpIQ User (ampiq)") && shown.contains("enabled"),
        "{shown}"
    );

    c.ok(&["users", "disable", "Dana K"]);
    let refused = c.run(&["--as", "Dana K", "status"]);
    assert_eq!(refused.status.code(), Some(7), "a disabled user is refused");
    assert!(
        stderr(&refused).contains("\"Dana K\" is disabled"),
        "and told why: {}",
        stderr(&refused)
    );
    assert_eq!(
        c.json(&["users", "show", "Dana K"])["disabled"],
        true,
        "listed as disabled, not deleted"
    );
    c.ok(&["users", "enable", "Dana K"]);
    c.ok(&["--as", "Dana K", "status"]);

    let not_admin = c.run(&[
        "--as", "Dana K", "users", "add", "Eve", "--policy", "operator",
    ]);
    assert_eq!(not_admin.status.code(), Some(7), "only administrators add");
    assert!(
        stderr(&not_admin).contains("Dana K (AmpIQ User) may not add or change users")
            && stderr(&not_admin).contains("that needs DataGrid Administrator"),
        "{}",
        stderr(&not_admin)
    );
}

#[test]
fn a_bad_policy_is_refused_with_the_policies_there_are() {
    let c = cli();
    let out = c.run(&["users", "add", "Eve", "--policy", "superuser"]);
    assert_eq!(out.status.code(), Some(2), "bad input");
    let err = stderr(&out);
    assert!(
        err.contains("--policy")
            && err.contains("\"superuser\" is not a policy")
            && err.contains("amp360, ampiq, amp360+ampiq, operator, administrator"),
        "names the flag and lists the policies: {err}"
    );
    let json = c.run(&["--json", "users", "add", "Eve", "--policy", "x"]);
    let reply: Value = serde_json::from_str(&stderr(&json)).unwrap();
    assert_eq!(
        reply["fields"][0]["field"], "policy",
        "--json names the field"
    );
}

#[test]
fn the_last_administrator_can_be_neither_demoted_nor_disabled() {
    let c = cli();
    c.ok(&["status"]);
    let out = c.run(&["users", "edit", "boss", "--policy", "operator"]);
    assert_eq!(out.status.code(), Some(4), "refused as in use");
    assert!(
        stderr(&out).contains("boss is the last enabled DataGrid Administrator"),
        "says why and what to do: {}",
        stderr(&out)
    );
    // Only an administrator disables users, so the last one could only disable themselves.
    let out = c.run(&["users", "disable", "boss"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));

    c.ok(&["users", "add", "Ada", "--policy", "admin"]);
    c.ok(&["users", "edit", "boss", "--policy", "operator"]);
    let out = c.run(&["--as", "Ada", "users", "edit", "Ada", "--policy", "ampiq"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "Ada is now the last administrator: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("Ada is the last enabled DataGrid Administrator"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ferry_user_chooses_who_acts_and_as_wins_over_it() {
    let mut c = cli();
    c.ok(&[
        "users",
        "add",
        "Dana",
        "--policy",
        "ampiq",
        "--restrict-pii",
    ]);
    c.ferry_user = Some("Dana".into());
    let me = c.json(&["whoami"]);
    assert_eq!(me["user"]["name"], "Dana", "FERRY_USER chose Dana");
    assert_eq!(me["user"]["restrictPii"], true);
    let perms: Vec<&str> = me["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        perms.contains(&"readSegments") && !perms.contains(&"runQueries"),
        "an AmpIQ user's permissions: {perms:?}"
    );
    let text = c.ok(&["whoami"]);
    assert!(
        text.contains("You act as Dana (chosen by FERRY_USER)") && text.contains("see segments"),
        "{text}"
    );
    assert_eq!(
        c.json(&["--as", "boss", "whoami"])["user"]["name"],
        "boss",
        "--as wins over FERRY_USER"
    );
    let refused = c.run(&["activity"]);
    assert_eq!(refused.status.code(), Some(7), "Dana may not read the log");

    c.ferry_user = Some("Nobody".into());
    let out = c.run(&["status"]);
    assert_eq!(out.status.code(), Some(2), "an unknown user is bad input");
    assert!(
        stderr(&out).contains("No Ferry user is named \"Nobody\"")
            && stderr(&out).contains("boss, Dana"),
        "names the users one can act as: {}",
        stderr(&out)
    );
}

#[test]
fn the_log_is_listed_newest_first_filtered_and_exported_as_csv() {
    let c = cli();
    c.ok(&["data", "demo", "--rows", "50"]);
    c.ok(&[
        "users",
        "add",
        "Dana",
        "--policy",
        "amp360",
        "--restrict-pii",
    ]);
    c.ok(&["data", "show", "customers", "--rows", "2"]);
    let masked = c.run(&[
        "--as",
        "Dana",
        "query",
        "run",
        "--sql",
        "SELECT email FROM customers",
    ]);
    assert!(
        stdout(&masked).contains(MASK) && !stdout(&masked).contains('@'),
        "Dana sees no email: {}",
        stdout(&masked)
    );
    let _ = c.run(&["--as", "Dana", "credentials", "list"]);

    let table = c.ok(&["activity"]);
    let first = table.lines().nth(1).unwrap();
    assert!(
        first.contains("Dana") && first.contains("refused"),
        "the newest entry first (Dana's refusal): {table}"
    );
    assert!(table.starts_with("#  TIME (UTC)"), "{table}");

    let page = c.json(&["activity", "--limit", "2"]);
    assert_eq!(page["entries"].as_array().unwrap().len(), 2, "--limit");
    assert!(page["total"].as_i64().unwrap() > 2, "with the total");
    let pii = c.json(&["activity", "--pii"]);
    let pii = pii["entries"].as_array().unwrap();
    assert!(
        !pii.is_empty() && pii.iter().all(|e| e["userName"] == "boss"),
        "only boss's unmasked views showed personal data: {pii:?}"
    );
    let dana = c.json(&["activity", "--user", "dana", "--kind", "access"]);
    assert_eq!(
        dana["entries"][0]["summary"], "Refused: see credentials",
        "filtered by user (any case) and kind"
    );

    let csv = c.ok(&["activity", "--csv"]);
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert!(
        csv.starts_with("seq,time_utc,user,kind,action,target,outcome,reveals_pii,summary"),
        "a header row: {csv}"
    );
    assert!(rows.len() >= 5, "and the rows, oldest first: {csv}");
    assert_eq!(&rows[0][0], "1", "from the first entry");

    let bad = c.run(&["activity", "--since", "yesterday"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--since"), "{}", stderr(&bad));
    let both = c.run(&["--json", "activity", "--csv"]);
    assert_eq!(both.status.code(), Some(2), "--json and --csv conflict");
}

/// Some activity, then the log's last entry number.
fn some_activity(c: &Cli) -> i64 {
    c.ok(&["users", "add", "Dana", "--policy", "amp360"]);
    c.ok(&["users", "edit", "Dana", "--policy", "ampiq"]);
    c.ok(&["users", "add", "Eve", "--policy", "operator"]);
    let out = c.ok(&["activity", "verify"]);
    assert!(out.contains("chain intact"), "intact at first: {out}");
    let page = c.json(&["activity", "--limit", "1"]);
    page["entries"][0]["seq"].as_i64().unwrap()
}

fn open_db(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

#[test]
fn verify_finds_an_entry_changed_behind_ferrys_back() {
    let c = cli();
    some_activity(&c);
    let db = open_db(&c.db());
    db.execute_batch("DROP TRIGGER activity_no_update").unwrap();
    let changed = db
        .execute(
            "UPDATE activity SET summary = 'Nothing happened' WHERE seq = 3",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1, "entry 3 was rewritten");
    drop(db);

    let out = c.run(&["activity", "verify"]);
    assert_eq!(
        out.status.code(),
        Some(14),
        "a broken chain exits 14: {}",
        stdout(&out)
    );
    let said = stdout(&out);
    assert!(
        said.contains("NOT intact") && said.contains("entry 3: its contents were changed"),
        "names the entry: {said}"
    );
    let json = c.run(&["--json", "activity", "verify"]);
    assert_eq!(json.status.code(), Some(14));
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["intact"], false);
    assert_eq!(report["problems"][0]["seq"], 3, "{report}");
}

#[test]
fn verify_finds_the_last_entry_removed() {
    let c = cli();
    let last = some_activity(&c);
    let db = open_db(&c.db());
    db.execute_batch("DROP TRIGGER activity_no_delete").unwrap();
    db.execute("DELETE FROM activity WHERE seq = ?1", [last])
        .unwrap();
    drop(db);

    let out = c.run(&["activity", "verify"]);
    assert_eq!(out.status.code(), Some(14), "{}", stdout(&out));
    let said = stdout(&out);
    assert!(
        said.contains(&format!("should end at entry {last}")),
        "says the log lost its end, and where it was: {said}"
    );
}

/// Garbage over every page after the first, as a failing disk might leave it.
fn damage(db: &Path) {
    use std::io::{Seek, SeekFrom};
    let len = std::fs::metadata(db).unwrap().len();
    let mut f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
    f.seek(SeekFrom::Start(4096)).unwrap();
    f.write_all(&vec![0xA5; (len - 4096) as usize]).unwrap();
}

#[test]
fn only_an_administrator_restores_while_the_database_opens_anyone_once_it_is_damaged() {
    let c = cli();
    c.ok(&["users", "add", "Dana", "--policy", "operator"]);
    // The second run finds an existing file and takes the day's backup.
    c.ok(&["users", "list"]);
    let backups = c.json(&["--as", "Dana", "data-folder", "backups"]);
    assert_eq!(backups.as_array().unwrap().len(), 1, "anyone lists backups");

    let out = c.run(&["--as", "Dana", "data-folder", "restore"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Dana (DataGrid Operator) may not restore")
            && stderr(&out).contains("that needs DataGrid Administrator"),
        "{}",
        stderr(&out)
    );
    assert!(
        !std::fs::read_dir(c.dir.path())
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().contains(".damaged-")),
        "nothing was restored"
    );

    damage(&c.db());
    let out = c.run(&["--as", "Dana", "data-folder", "restore"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a damaged database's users cannot be read: anyone may restore it: {}",
        stderr(&out)
    );
    assert_eq!(
        c.json(&["users", "show", "Dana"])["policy"],
        "operator",
        "the settings are back"
    );
    c.ok(&["data-folder", "restore"]);
}
