//! The `ferry` binary and its data folder when something is wrong with it: a damaged
//! database and `data-folder restore`, a read-only folder, a folder that is a file, an empty
//! FERRY_DATA_DIR. Real processes, real files, the real keychain (gnome-keyring under
//! dbus-run-session in the test command).
//!
//! Kept apart from cli.rs so neither file outgrows the house limit.

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const CLIENT_ID: &str = "0f6e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5";

struct Cli {
    dir: tempfile::TempDir,
    service: String,
    /// Program and arguments to run `ferry` under (empty: run it directly).
    wrapper: Vec<String>,
}

fn cli() -> Cli {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    Cli {
        dir: tempfile::tempdir().unwrap(),
        service: format!(
            "ferry-cli-df-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ),
        wrapper: Vec::new(),
    }
}

impl Cli {
    fn data(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let exe = env!("CARGO_BIN_EXE_ferry");
        let mut c = match self.wrapper.split_first() {
            None => Command::new(exe),
            Some((prog, rest)) => {
                let mut c = Command::new(prog);
                c.args(rest).arg(exe);
                c
            }
        };
        let mut child = c
            .args(args)
            .env("FERRY_DATA_DIR", self.data())
            .env("FERRY_KEYCHAIN_SERVICE", &self.service)
            .env_remove("FERRY_TODAY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ferry starts (as root the read-only test needs setpriv, from util-linux)");
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.as_bytes()).unwrap();
        drop(input);
        child.wait_with_output().unwrap()
    }

    fn ok(&self, args: &[&str], stdin: &str) -> Output {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "{args:?} succeeds: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_slice(&self.ok(args, "").stdout).unwrap()
    }

    fn add(&self, name: &str) -> Output {
        self.run(
            &[
                "credentials",
                "add",
                "--name",
                name,
                "--client-id",
                CLIENT_ID,
            ],
            "data~folder~secret\n",
        )
    }

    /// Keychain accounts under this test's service, via libsecret's `secret-tool`.
    fn keychain_accounts(&self) -> Vec<String> {
        let out = Command::new("secret-tool")
            .args(["search", "--all", "service", &self.service])
            .output()
            .expect("secret-tool is installed (libsecret-tools) to look into the keychain");
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter_map(|l| l.strip_prefix("attribute.username = "))
            .map(str::to_string)
            .collect()
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
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
fn a_damaged_database_refuses_changes_and_restore_brings_the_settings_back() {
    let c = cli();
    c.ok(
        &[
            "credentials",
            "add",
            "--name",
            "Prod app",
            "--client-id",
            CLIENT_ID,
        ],
        "s\n",
    );
    // The second run finds an existing file and takes the day's backup.
    c.ok(&["credentials", "list"], "");
    let db = c.data().join("ferry.sqlite3");
    damage(&db);
    let damaged = std::fs::read(&db).unwrap();

    let out = c.add("Another app");
    assert_eq!(out.status.code(), Some(1), "a refused write exits non-zero");
    let err = stderr(&out);
    assert!(
        err.contains(&db.display().to_string()) && err.contains("ferry data-folder restore"),
        "the error names the damaged file and the command that fixes it: {err}"
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        damaged,
        "nothing was written to the damaged file"
    );
    assert_eq!(
        c.keychain_accounts().len(),
        1,
        "only the first credential's secret is in the keychain"
    );

    let list = c.json(&["--json", "data-folder", "backups"]);
    assert_eq!(list.as_array().unwrap().len(), 1, "one backup is listed");
    assert_eq!(list[0]["intact"], true, "and it is intact");
    assert_eq!(list[0]["kind"], "daily", "it is the daily backup");

    let out = c.ok(&["data-folder", "restore"], "");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("keychain") && said.contains("keep working"),
        "the output says secrets stay in the keychain: {said}"
    );
    assert!(
        said.contains("ferry.sqlite3.damaged-"),
        "and where the damaged file was kept: {said}"
    );
    let creds = c.json(&["--json", "credentials", "list"]);
    assert_eq!(creds[0]["name"], "Prod app", "the credential is back");
    assert_eq!(
        creds[0]["secretStored"], true,
        "and finds its secret in the keychain"
    );
    for id in c.keychain_accounts() {
        c.ok(&["credentials", "delete", &id], "");
    }
}

#[test]
fn a_data_folder_that_is_a_file_is_named_with_the_fix() {
    let c = cli();
    let file = c.data().join("not-a-folder");
    std::fs::write(&file, b"").unwrap();
    let out = c.run(&["--data-dir", file.to_str().unwrap(), "status"], "");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "refused with a non-zero exit");
    assert!(
        err.contains(&file.display().to_string()) && err.contains("is a file, not a folder"),
        "the message names the file and says what is wrong: {err}"
    );
    assert!(!err.contains("os error 17"), "not the bare OS error: {err}");
}

#[test]
fn an_empty_ferry_data_dir_says_it_is_empty_and_how_to_fix_it() {
    let out = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .arg("status")
        .env("FERRY_DATA_DIR", "")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "refused with a non-zero exit");
    assert!(
        err.contains("FERRY_DATA_DIR is set but empty") && err.contains("unset FERRY_DATA_DIR"),
        "says the variable is empty and to unset it or give a folder: {err}"
    );
}

#[test]
fn a_read_only_data_folder_still_lists_and_explains_why_changes_fail() {
    use std::os::unix::fs::PermissionsExt;
    let mut c = cli();
    c.ok(
        &[
            "credentials",
            "add",
            "--name",
            "Prod app",
            "--client-id",
            CLIENT_ID,
        ],
        "s\n",
    );
    let db = c.data().join("ferry.sqlite3");
    std::fs::set_permissions(&db, PermissionsExt::from_mode(0o400)).unwrap();
    std::fs::set_permissions(c.data(), PermissionsExt::from_mode(0o500)).unwrap();
    let before = std::fs::read(&db).unwrap();
    // NOTE: root ignores file modes through CAP_DAC_OVERRIDE. Dropping that capability (and
    // CAP_DAC_READ_SEARCH) for the child makes the chmod'ed folder as read-only to it as to
    // any user, so access(2) and SQLite meet the real condition.
    if rustix::process::geteuid().is_root() {
        c.wrapper = [
            "setpriv",
            "--inh-caps=-dac_override,-dac_read_search,-fowner",
            "--bounding-set=-dac_override,-dac_read_search,-fowner",
            "--",
        ]
        .map(String::from)
        .to_vec();
    }

    for args in [
        &["status"][..],
        &["credentials", "list"],
        &["destinations", "list"],
    ] {
        c.ok(args, "");
    }
    let out = c.add("Another app");
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the refused change exits non-zero"
    );
    assert!(
        err.contains("cannot save changes")
            && err.contains(&c.data().display().to_string())
            && err.contains("writable"),
        "says the folder is read-only, names it and what to do: {err}"
    );
    c.wrapper.clear();
    std::fs::set_permissions(c.data(), PermissionsExt::from_mode(0o700)).unwrap();
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "reading a read-only folder wrote nothing"
    );
    let ids = c.keychain_accounts();
    assert_eq!(ids.len(), 1, "the refused credential left no secret behind");
    std::fs::set_permissions(&db, PermissionsExt::from_mode(0o600)).unwrap();
    c.ok(&["credentials", "delete", &ids[0]], "");
}
