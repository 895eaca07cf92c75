//! The command matrix: every leaf command of `ferry` (found by walking `--help`, so a new
//! command cannot slip past) run as a user of every policy, with and without Restrict PII
//! access, against one data folder: refused with exit 7 and a message naming the policies that
//! would allow it, or allowed, and for commands that print customer rows, with personal data
//! masked exactly for restricted users.
//!
//! One data folder for all of the 450-odd runs, seeded once: the demo customers, a saved query
//! and a segment over them, a credential and two destinations. Commands that delete or disable
//! run on records made for each user beforehand, so the runs do not depend on one another, and
//! at the end those records show that no refused command changed anything. Runs are serial:
//! each takes a few tens of milliseconds, and `activity verify` must not race other runs'
//! writes (core reads the entries and the log's recorded end in two steps).
//!
//! Real processes, the real keychain (gnome-keyring under dbus-run-session:
//! `scripts/with-keyring.sh cargo test -p ferry-cli --test policy_matrix`).

use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// What a hidden value prints as (core's `PII_MASK`), written out so the test does not take
/// core's word for it.
const MASK: &str = "•••• (PII)";
const CLIENT_ID: &str = "0f6e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5";
const URL: &str = "https://org.crm.dynamics.com";
const TENANT: &str = "contoso.onmicrosoft.com";

/// The policies as typed on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum P {
    Amp360,
    AmpIq,
    Both,
    Operator,
    Admin,
}

impl P {
    const ALL: [P; 5] = [P::Amp360, P::AmpIq, P::Both, P::Operator, P::Admin];

    fn typed(self) -> &'static str {
        match self {
            P::Amp360 => "amp360",
            P::AmpIq => "ampiq",
            P::Both => "amp360+ampiq",
            P::Operator => "operator",
            P::Admin => "administrator",
        }
    }

    fn business(self) -> bool {
        matches!(self, P::Amp360 | P::AmpIq | P::Both)
    }
}

/// One of the ten users the matrix runs as.
#[derive(Debug, Clone)]
struct User {
    name: String,
    policy: P,
    restricted: bool,
}

fn users() -> Vec<User> {
    let mut all = Vec::new();
    for policy in P::ALL {
        for restricted in [false, true] {
            let base = match policy {
                P::Both => "both",
                other => other.typed(),
            };
            all.push(User {
                name: format!("{base}{}", if restricted { "-r" } else { "" }),
                policy,
                restricted,
            });
        }
    }
    all
}

/// Who may run a command.
#[derive(Debug, Clone, Copy)]
enum Who {
    Everyone,
    /// Amp360 User (alone or with AmpIQ), operators and administrators: queries.
    Amp360,
    /// AmpIQ User (alone or with Amp360), operators and administrators: segments.
    AmpIq,
    Operators,
    Admins,
    /// Whoever may see the destination "Shared" (open to business users, not to users with
    /// restricted PII access): all but restricted business users.
    SeesShared,
    /// Whoever may use "Shared": all but restricted users, operators included.
    UsesShared,
}

impl Who {
    fn allows(self, u: &User) -> bool {
        match self {
            Who::Everyone => true,
            Who::Amp360 => u.policy != P::AmpIq,
            Who::AmpIq => u.policy != P::Amp360,
            Who::Operators => matches!(u.policy, P::Operator | P::Admin),
            Who::Admins => u.policy == P::Admin,
            Who::SeesShared => !(u.policy.business() && u.restricted),
            Who::UsesShared => !u.restricted,
        }
    }

    /// What a refusal must say: the policies that would allow it, or the PII restriction.
    fn refusal_names(self) -> &'static str {
        match self {
            Who::Everyone => unreachable!("nobody is refused"),
            Who::Amp360 => "that needs Amp360 User, DataGrid Operator or DataGrid Administrator",
            Who::AmpIq => "that needs AmpIQ User, DataGrid Operator or DataGrid Administrator",
            Who::Operators => "that needs DataGrid Operator or DataGrid Administrator",
            Who::Admins => "that needs DataGrid Administrator",
            Who::SeesShared | Who::UsesShared => "Restrict PII access",
        }
    }
}

/// What an allowed run does.
#[derive(Debug, Clone, Copy)]
enum Then {
    /// Exits 0.
    Runs,
    /// Exits 0 and prints customer rows: masked for restricted users (stdout has the mask and
    /// no real email; stderr says why), real values for everyone else.
    Masked,
    /// Passes the policy, then fails for a reason of its own with this exit status, so the
    /// test needs no network, no running server and changes nothing (see [`MATRIX`]).
    FailsWith(i32),
}

/// One leaf command: its path as `--help` names it, the arguments after it (`{u}` is the
/// user's name, `{def}`, `{csv}` and `{missing}` files of the test), who may run it and what an
/// allowed run does.
struct Row {
    path: &'static str,
    args: &'static [&'static str],
    who: Who,
    then: Then,
}

const fn row(path: &'static str, who: Who, then: Then, args: &'static [&'static str]) -> Row {
    Row {
        path,
        args,
        who,
        then,
    }
}

use Then::{FailsWith, Masked, Runs};
use Who::*;

/// Exit status of a sign-in that found no secret (6, auth failed): see `OFFLINE`.
const NO_SECRET: i32 = 6;
/// Exit status of bad input (2).
const BAD_INPUT: i32 = 2;
/// Exit status of a record that does not exist (3).
const NOT_FOUND: i32 = 3;
/// Exit status of a file that cannot be read (1).
const UNREADABLE: i32 = 1;

/// The matrix, in the order each user runs it (an edit before the delete of the same record,
/// a disable before the enable). Notes on the rows that fail after the policy:
/// - `destinations test|tables|columns` run with an empty keychain (see `OFFLINE`): an allowed
///   user gets as far as signing in and stops there (no secret, exit 6) without a network call,
///   whatever network this machine has; a refused one gets 7 before that.
/// - `sandbox --key bogus`: the key is checked after the policy, before the sandbox listens.
/// - `bench --rows 0` (only with the bench feature): refused after the policy, before any
///   sandbox starts.
/// - `data-folder restore --from` a file that does not exist: the policy is decided, then
///   nothing is restored.
/// - `data demo` without --replace keeps the demo tables (bad input after the policy), so the
///   shared customers stay as they are for the other runs.
/// - `templates add` checks its table against Dataverse with an empty keychain (see `OFFLINE`):
///   the sign-in stops, and the table is reported as the field to fix (bad input). The other
///   template rows name a template that does not exist: the policy decides before the lookup.
/// - `lists` and `jobs add-to-list` name a destination and a job that do not exist, likewise.
// NOTE: kept one row a line, as a table reads.
#[rustfmt::skip]
const MATRIX: &[Row] = &[
    row("status",               Everyone,   Runs, &[]),
    row("plugins",              Everyone,   Runs, &[]),
    row("whoami",               Everyone,   Runs, &[]),
    row("users list",           Everyone,   Runs, &[]),
    row("users show",           Everyone,   Runs, &["{u}"]),
    row("users add",            Admins,     Runs, &["new-{u}", "--policy", "ampiq"]),
    row("users edit",           Admins,     Runs, &["x-u-{u}", "--restrict-pii"]),
    row("users disable",        Admins,     Runs, &["x-u-{u}"]),
    row("users enable",         Admins,     Runs, &["x-u-{u}"]),
    row("activity",             Admins,     Runs, &["--limit", "5"]),
    row("activity verify",      Admins,     Runs, &[]),
    row("credentials list",     Operators,  Runs, &[]),
    row("credentials show",     Operators,  Runs, &["Main"]),
    row("credentials add",      Operators,  Runs, &["--name", "c-{u}", "--client-id", CLIENT_ID]),
    row("credentials edit",     Operators,  Runs, &["x-c-{u}", "--description", "edited"]),
    row("credentials rotate",   Operators,  Runs, &["x-c-{u}", "--expires", "2y"]),
    row("credentials delete",   Operators,  Runs, &["x-c-{u}"]),
    row("destinations list",    Everyone,   Runs, &[]),
    row("destinations show",    SeesShared, Runs, &["Shared"]),
    row("destinations add",     Operators,  Runs,
        &["--name", "d-{u}", "--credential", "Main", "--tenant", TENANT, "--url", URL]),
    row("destinations edit",    Operators,  Runs, &["x-d-{u}", "--description", "edited"]),
    row("destinations delete",  Operators,  Runs, &["x-d-{u}"]),
    row("destinations test",    UsesShared, FailsWith(NO_SECRET), &["Shared"]),
    row("destinations tables",  Operators,  FailsWith(NO_SECRET), &["Shared"]),
    row("destinations columns", Operators,  FailsWith(NO_SECRET), &["Shared", "contact"]),
    row("sandbox",              Operators,  FailsWith(BAD_INPUT), &["--port", "0", "--key", "bogus"]),
    row("bench",                Operators,  FailsWith(BAD_INPUT), &["--rows", "0"]),
    row("data-folder backups",  Everyone,   Runs, &[]),
    row("data-folder restore",  Admins,     FailsWith(UNREADABLE), &["--from", "{missing}"]),
    row("data tables",          Everyone,   Runs, &[]),
    row("data show",            Everyone,   Masked, &["customers", "--rows", "5"]),
    row("data demo",            Operators,  FailsWith(BAD_INPUT), &["--rows", "200"]),
    row("data import",          Operators,  Runs, &["{csv}", "--table", "imp_{u}"]),
    row("data pii",             Operators,  Runs, &["customers", "email", "--on"]),
    row("query list",           Amp360,     Runs, &[]),
    row("query show",           Amp360,     Runs, &["Customers"]),
    row("query add",            Amp360,     Runs, &["q-{u}", "--sql", "SELECT 1 AS one"]),
    row("query edit",           Amp360,     Runs, &["x-q-{u}", "--description", "edited"]),
    row("query delete",         Amp360,     Runs, &["x-q-{u}"]),
    row("query run",            Amp360,     Masked, &["Customers"]),
    row("segment list",         AmpIq,      Runs, &[]),
    row("segment show",         AmpIq,      Runs, &["Reachable", "--count"]),
    row("segment add",          AmpIq,      Runs, &["s-{u}", "--file", "{def}"]),
    row("segment edit",         AmpIq,      Runs, &["x-s-{u}", "--description", "edited"]),
    row("segment delete",       AmpIq,      Runs, &["x-s-{u}"]),
    row("segment rows",         AmpIq,      Masked, &["Reachable", "--limit", "5"]),
    row("templates list",       Everyone,   Runs, &[]),
    row("templates show",       Everyone,   FailsWith(NOT_FOUND), &["No template"]),
    row("templates add",        Operators,  FailsWith(BAD_INPUT), &["{tpl}"]),
    row("templates edit",       Operators,  FailsWith(NOT_FOUND), &["No template", "{tpl}"]),
    row("templates delete",     Operators,  FailsWith(NOT_FOUND), &["No template"]),
    row("preview",              Everyone,   FailsWith(NOT_FOUND), &["No template"]),
    row("send",                 Everyone,   FailsWith(NOT_FOUND), &["No template"]),
    row("jobs",                 Everyone,   Runs, &[]),
    row("jobs list",            Everyone,   Runs, &[]),
    row("jobs show",            Everyone,   FailsWith(NOT_FOUND), &["job_none"]),
    row("jobs receipts",        Everyone,   FailsWith(NOT_FOUND), &["job_none"]),
    row("jobs export-rejects",  Everyone,   FailsWith(NOT_FOUND), &["job_none", "-o", "{missing}"]),
    row("lists",                AmpIq,      FailsWith(NOT_FOUND), &["No destination"]),
    row("jobs add-to-list",     AmpIq,      FailsWith(NOT_FOUND), &["job_none", "--new-list", "L"]),
];

/// Commands built only with a cargo feature: their rows stay when `--help` does not list them.
const FEATURE_ONLY: &[&str] = &["bench"];

/// Rows whose command reaches Dataverse: run with a keychain service that holds no secret.
const OFFLINE: &[&str] = &[
    "templates add",
    "destinations test",
    "destinations tables",
    "destinations columns",
];

const TEMPLATE: &str = r#"{"name": "Contacts", "destination": "Shared", "table": "contact",
  "source": {"kind": "query", "id": "Customers"},
  "mapping": {"operation": {"kind": "create"}, "fields": [
    {"column": "emailaddress1", "source": {"kind": "column", "name": "email"}}]}}"#;

const SEGMENT: &str = r#"{"table": "customers", "rules": {"match": "all", "rules": [
  {"kind": "condition", "column": "email", "op": "isNotEmpty"}]}}"#;

struct Folder {
    dir: tempfile::TempDir,
    files: tempfile::TempDir,
    service: String,
}

impl Folder {
    fn new() -> Folder {
        Folder {
            dir: tempfile::tempdir().unwrap(),
            files: tempfile::tempdir().unwrap(),
            service: format!("ferry-cli-matrix-test-{}", std::process::id()),
        }
    }

    /// Runs `ferry` as the person logged in as "admin" (the first user becomes an
    /// administrator), with `--as` where a run names someone else.
    fn run_in(&self, args: &[String], stdin: &str, service: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ferry"))
            .args(args)
            .env("FERRY_DATA_DIR", self.dir.path())
            .env("FERRY_KEYCHAIN_SERVICE", service)
            .env("FERRY_DEMO", "off")
            .env("USER", "admin")
            .env_remove("FERRY_USER")
            .env_remove("FERRY_TODAY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        self.run_in(&args, stdin, &self.service)
    }

    /// Runs an admin's setup command that must succeed; returns its stdout.
    fn ok(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "setup {args:?} succeeds: {}",
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all, "")).unwrap()
    }

    fn file(&self, name: &str, body: &str) -> String {
        let path = self.files.path().join(name);
        std::fs::write(&path, body).unwrap();
        path.to_str().unwrap().to_string()
    }

    /// `--help` of `path` (empty: the root): its subcommands, and whether it runs without
    /// one (its usage has a form without `<COMMAND>`, as `ferry activity` does).
    fn help(&self, path: &[String]) -> (Vec<String>, bool) {
        let mut args = path.to_vec();
        args.push("--help".into());
        let out = self.run_in(&args, "", &self.service);
        assert!(out.status.success(), "{args:?} prints its help");
        let help = text(&out.stdout);
        let usage: Vec<&str> = help
            .lines()
            .skip_while(|l| !l.starts_with("Usage:"))
            .take_while(|l| !l.trim().is_empty())
            .collect();
        let runs_alone = usage.iter().any(|l| !l.contains("<COMMAND>"));
        let commands = help
            .lines()
            .skip_while(|l| l.trim() != "Commands:")
            .skip(1)
            .take_while(|l| !l.trim().is_empty())
            .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|c| *c != "help")
            .map(str::to_string)
            .collect();
        (commands, runs_alone)
    }

    /// Every command `ferry` can run, as paths like "query run", by walking `--help`.
    fn leaf_commands(&self) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        let mut todo: Vec<Vec<String>> = vec![Vec::new()];
        while let Some(path) = todo.pop() {
            let (subs, runs_alone) = self.help(&path);
            if !path.is_empty() && (subs.is_empty() || runs_alone) {
                found.insert(path.join(" "));
            }
            for s in subs {
                let mut next = path.clone();
                next.push(s);
                todo.push(next);
            }
        }
        found
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The demo's emails, as an unrestricted administrator sees them.
fn emails(f: &Folder) -> Vec<String> {
    let csv = f.ok(
        &[
            "query",
            "run",
            "--sql",
            "SELECT email FROM customers",
            "--csv",
        ],
        "",
    );
    let list: Vec<String> = csv
        .lines()
        .skip(1)
        .filter(|l| l.contains('@'))
        .map(str::to_string)
        .collect();
    assert!(list.len() > 100, "the demo customers have emails: {csv}");
    list
}

/// The shared data and, for each user, the records their destructive commands act on.
fn seed(f: &Folder, users: &[User]) {
    f.ok(&["data", "demo", "--rows", "200"], "");
    f.ok(&["data", "pii", "customers", "email", "--on"], "");
    f.ok(
        &[
            "query",
            "add",
            "Customers",
            "--sql",
            "SELECT customer_id, email FROM customers ORDER BY customer_id LIMIT 5",
        ],
        "",
    );
    let def = f.file("segment.json", SEGMENT);
    f.file("template.json", TEMPLATE);
    f.ok(&["segment", "add", "Reachable", "--file", &def], "");
    let cred = [
        "credentials",
        "add",
        "--name",
        "Main",
        "--client-id",
        CLIENT_ID,
        "--expires",
        "2y",
    ];
    f.ok(&cred, "matrix~secret\n");
    let dest = |name: &str, extra: &[&str]| {
        let mut args = vec![
            "destinations",
            "add",
            "--name",
            name,
            "--credential",
            "Main",
            "--tenant",
            TENANT,
            "--url",
            URL,
        ];
        args.extend_from_slice(extra);
        f.ok(&args, "");
    };
    dest("Shared", &["--business-users"]);
    dest("Internal", &[]);
    for u in users {
        let mut add = vec!["users", "add", &u.name, "--policy", u.policy.typed()];
        if u.restricted {
            add.push("--restrict-pii");
        }
        f.ok(&add, "");
        let n = &u.name;
        f.ok(
            &["query", "add", &format!("x-q-{n}"), "--sql", "SELECT 1"],
            "",
        );
        f.ok(&["segment", "add", &format!("x-s-{n}"), "--file", &def], "");
        let c = format!("x-c-{n}");
        f.ok(
            &["credentials", "add", "--name", &c, "--client-id", CLIENT_ID],
            "x\n",
        );
        // Open to everyone, so a refusal of its edit is the policy's, not the destination's.
        dest(
            &format!("x-d-{n}"),
            &["--business-users", "--restricted-pii"],
        );
        f.ok(
            &["users", "add", &format!("x-u-{n}"), "--policy", "amp360"],
            "",
        );
    }
}

/// The row's arguments for `user`, after `--as NAME` and the command path.
fn args_for(f: &Folder, r: &Row, u: &User) -> Vec<String> {
    let files = f.files.path();
    let mut args = vec!["--as".to_string(), u.name.clone()];
    args.extend(r.path.split(' ').map(str::to_string));
    for a in r.args {
        // A table name takes no dash.
        let table_safe = u.name.replace('-', "_");
        let filled = a
            .replace("imp_{u}", &format!("imp_{table_safe}"))
            .replace("{u}", &u.name)
            .replace("{def}", files.join("segment.json").to_str().unwrap())
            .replace("{tpl}", files.join("template.json").to_str().unwrap())
            .replace("{csv}", files.join("people.csv").to_str().unwrap())
            .replace(
                "{missing}",
                files.join("no-such-backup.sqlite3").to_str().unwrap(),
            );
        args.push(filled);
    }
    args
}

/// Runs one row as one user and returns what is wrong with the outcome, if anything.
fn check(f: &Folder, r: &Row, u: &User, emails: &[String], offline: &str) -> Option<String> {
    let args = args_for(f, r, u);
    let service = if OFFLINE.contains(&r.path) {
        offline
    } else {
        &f.service
    };
    let stdin = if r.path.starts_with("credentials ") {
        "matrix~secret~2\n"
    } else {
        ""
    };
    let out = f.run_in(&args, stdin, service);
    let (code, stdout, stderr) = (out.status.code(), text(&out.stdout), text(&out.stderr));
    let said = || format!("exit {code:?}\nstdout: {stdout}\nstderr: {stderr}");
    if !r.who.allows(u) {
        let names = r.who.refusal_names();
        if code != Some(7) || !stderr.contains(names) || !stderr.contains(&u.name) {
            return Some(format!(
                "should be refused with exit 7, naming the user and \"{names}\"; {}",
                said()
            ));
        }
        return None;
    }
    match r.then {
        FailsWith(want) if code != Some(want) => Some(format!(
            "should pass the policy and then fail with exit {want}; {}",
            said()
        )),
        FailsWith(_) => None,
        Runs | Masked if code != Some(0) => Some(format!("should succeed; {}", said())),
        Runs => None,
        Masked => {
            let leaked = emails.iter().find(|e| stdout.contains(e.as_str()));
            if u.restricted
                && (!stdout.contains(MASK)
                    || leaked.is_some()
                    || !stderr.contains("Personal data hidden"))
            {
                Some(format!(
                    "should show {MASK} and no email (leaked: {leaked:?}), and say so on \
                     stderr; {}",
                    said()
                ))
            } else if !u.restricted && (stdout.contains(MASK) || leaked.is_none()) {
                Some(format!("should show the real emails, unmasked; {}", said()))
            } else {
                None
            }
        }
    }
}

/// After the matrix: each user's throwaway records are gone (or changed) exactly when the
/// user was allowed to delete (or change) them; a refused command changed nothing.
fn refused_runs_changed_nothing(f: &Folder, users: &[User]) -> Vec<String> {
    let names = |args: &[&str]| -> Vec<String> {
        f.json(args)
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_string())
            .collect()
    };
    let lists = [
        ("query", "x-q", names(&["query", "list"]), Amp360),
        ("segment", "x-s", names(&["segment", "list"]), AmpIq),
        (
            "credential",
            "x-c",
            names(&["credentials", "list"]),
            Operators,
        ),
        (
            "destination",
            "x-d",
            names(&["destinations", "list"]),
            Operators,
        ),
    ];
    let all_users = f.json(&["users", "list"]);
    let mut problems = Vec::new();
    for u in users {
        for (what, prefix, list, who) in &lists {
            let kept = list.contains(&format!("{prefix}-{}", u.name));
            if kept == who.allows(u) {
                problems.push(format!(
                    "{}: the {what} {prefix}-{} was {}",
                    u.name,
                    u.name,
                    if kept { "not deleted" } else { "deleted" }
                ));
            }
        }
        let spare = all_users
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == format!("x-u-{}", u.name))
            .unwrap();
        let edited = spare["restrictPii"] == true;
        if edited != Admins.allows(u) || spare["disabled"] == true {
            problems.push(format!("{}: x-u-{} is {spare}", u.name, u.name));
        }
    }
    problems
}

#[test]
fn every_command_is_allowed_or_refused_by_policy_and_masks_personal_data() {
    let f = Folder::new();
    let users = users();
    seed(&f, &users);
    f.file("people.csv", "id,name\n1,Ann\n2,Bob\n");
    let emails = emails(&f);
    // NOTE: a service nobody stored a secret under (see `OFFLINE`).
    let offline = format!("{}-empty", f.service);

    let found = f.leaf_commands();
    let listed: BTreeSet<String> = MATRIX.iter().map(|r| r.path.to_string()).collect();
    let missing: Vec<&String> = found.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "`ferry --help` lists commands the matrix has no row for: {missing:?}. Add a row to \
         MATRIX in tests/policy_matrix.rs saying who may run each and what it does"
    );
    let stale: Vec<&String> = listed
        .difference(&found)
        .filter(|p| !FEATURE_ONLY.contains(&p.as_str()))
        .collect();
    assert!(
        stale.is_empty(),
        "MATRIX has rows for commands `ferry --help` does not list: {stale:?}"
    );

    let mut problems = Vec::new();
    for u in &users {
        for r in MATRIX.iter().filter(|r| found.contains(r.path)) {
            if let Some(p) = check(&f, r, u, &emails, &offline) {
                problems.push(format!("`{}` as {}: {p}", r.path, u.name));
            }
        }
    }
    problems.extend(refused_runs_changed_nothing(&f, &users));
    assert!(
        problems.is_empty(),
        "{} problems:\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );

    let verify = f.run(&["activity", "verify"], "");
    assert_eq!(
        verify.status.code(),
        Some(0),
        "the log of all these runs is intact: {}",
        text(&verify.stdout)
    );
    // The secrets go from the keychain with their credentials; destinations first, since a
    // credential in use cannot be deleted.
    for what in ["destinations", "credentials"] {
        for id in ids(&f, what) {
            f.ok(&[what, "delete", &id], "");
        }
    }
}

fn ids(f: &Folder, what: &str) -> Vec<String> {
    f.json(&[what, "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}
