//! The `ferry` binary as an admin or a scheduler uses it: real processes, a real data folder,
//! the real OS keychain (gnome-keyring under dbus-run-session in the test command).

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

struct Cli {
    dir: tempfile::TempDir,
    service: String,
}

fn cli() -> Cli {
    Cli {
        dir: tempfile::tempdir().unwrap(),
        service: format!(
            "ferry-cli-test-{}",
            std::process::id() as u64 * 1000 + rand_suffix()
        ),
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

impl Cli {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ferry"));
        c.args(args)
            .env("FERRY_DATA_DIR", self.dir.path())
            .env("FERRY_KEYCHAIN_SERVICE", &self.service)
            .env_remove("FERRY_TODAY");
        c
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        self.run_bytes(args, stdin.as_bytes())
    }

    fn run_bytes(&self, args: &[&str], stdin: &[u8]) -> Output {
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        child.wait_with_output().unwrap()
    }

    fn json(&self, args: &[&str], stdin: &str) -> Value {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

const CLIENT_ID: &str = "0f6e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5";

fn add_credential(c: &Cli, name: &str, secret: &str) -> Value {
    c.json(
        &[
            "--json",
            "credentials",
            "add",
            "--name",
            name,
            "--client-id",
            CLIENT_ID,
            "--expires",
            "2y",
        ],
        &format!("{secret}\n"),
    )
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let c = cli();
    let out = c.run(&["--version"], "");
    assert!(out.status.success());
    let head = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8(o.stdout).unwrap().trim().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("ferry {} (commit {head})", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn an_admin_adds_a_credential_and_a_destination_and_lists_them_as_json() {
    let c = cli();
    let secret = "cli~secret~value~4471";
    let cred = add_credential(&c, "Prod app", secret);
    assert_eq!(
        cred["secretStored"], true,
        "the secret went to the keychain"
    );
    assert!(
        !cred.to_string().contains(secret),
        "the reply never echoes the secret"
    );

    let dest = c.json(
        &[
            "--json",
            "destinations",
            "add",
            "--name",
            "Dynamics EU",
            "--credential",
            "Prod app",
            "--tenant",
            "contoso.onmicrosoft.com",
            "--url",
            "https://Contoso.crm4.dynamics.com/",
            "--business-users",
        ],
        "",
    );
    assert_eq!(
        dest["dynamicsUrl"], "https://contoso.crm4.dynamics.com",
        "URL normalised"
    );
    assert_eq!(
        dest["businessUsers"], true,
        "a bare flag switches access on"
    );

    let list = c.json(&["--json", "destinations", "list"], "");
    assert_eq!(list.as_array().unwrap().len(), 1, "one destination listed");
    assert_eq!(list[0]["name"], "Dynamics EU", "by its name");
    assert_eq!(
        list[0]["credential"]["name"], "Prod app",
        "with its credential"
    );
    assert_eq!(list[0]["apiVersion"], "9.2", "and the default API version");
}

#[test]
fn bad_input_exits_non_zero_and_names_each_flag_to_fix() {
    let c = cli();
    add_credential(&c, "Prod app", "s");
    let out = c.run(
        &[
            "destinations",
            "add",
            "--name",
            "EU",
            "--credential",
            "Prod app",
            "--tenant",
            "contoso",
            "--url",
            "contoso.crm.dynamics.com",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "validation errors exit with 2");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--url: Enter the full URL, starting with https://"),
        "{err}"
    );
    assert!(err.contains("--tenant:"), "the tenant flag is named: {err}");
    let list = c.json(&["--json", "destinations", "list"], "");
    assert_eq!(list, Value::Array(vec![]), "nothing was stored");
}

#[test]
fn json_errors_carry_a_code_and_fields() {
    let c = cli();
    let out = c.run(
        &[
            "--json",
            "credentials",
            "add",
            "--name",
            "X",
            "--client-id",
            "nope",
            "--expires",
            "2001-01-01",
        ],
        "secret\n",
    );
    assert_eq!(out.status.code(), Some(2), "validation exit code");
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["code"], "validation", "machine-readable code");
    let fields: Vec<_> = err["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].clone())
        .collect();
    assert_eq!(fields, ["clientId", "expiry"], "both bad inputs are named");
}

#[test]
fn deleting_a_credential_in_use_is_refused_with_exit_4() {
    let c = cli();
    add_credential(&c, "Prod app", "s");
    c.json(
        &[
            "--json",
            "destinations",
            "add",
            "--name",
            "EU",
            "--credential",
            "prod app",
            "--tenant",
            "contoso.onmicrosoft.com",
            "--url",
            "https://contoso.crm.dynamics.com",
        ],
        "",
    );
    let out = c.run(&["credentials", "delete", "Prod app"], "");
    assert_eq!(out.status.code(), Some(4), "in-use refusal exits with 4");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("\"EU\""),
        "names the destination"
    );
}

#[test]
fn edit_changes_only_the_given_flags() {
    let c = cli();
    add_credential(&c, "Prod app", "s");
    c.json(
        &[
            "--json",
            "destinations",
            "add",
            "--name",
            "EU",
            "--credential",
            "Prod app",
            "--tenant",
            "contoso.onmicrosoft.com",
            "--url",
            "https://contoso.crm.dynamics.com",
        ],
        "",
    );
    let d = c.json(
        &[
            "--json",
            "destinations",
            "edit",
            "EU",
            "--api-version",
            "9.0",
        ],
        "",
    );
    assert_eq!(d["apiVersion"], "9.0", "the given flag changed");
    assert_eq!(
        d["tenantId"], "contoso.onmicrosoft.com",
        "the others kept their value"
    );
}

#[test]
fn without_a_keychain_no_credential_is_saved() {
    let c = cli();
    let out = c
        .cmd(&[
            "credentials",
            "add",
            "--name",
            "X",
            "--client-id",
            CLIENT_ID,
        ])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/ferry-test-bus",
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut ch| {
            ch.stdin.take().unwrap().write_all(b"s\n")?;
            ch.wait_with_output()
        })
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "keychain trouble exits with 5");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot reach this computer's keychain"),
        "says so plainly"
    );
    let list = c.json(&["--json", "credentials", "list"], "");
    assert_eq!(
        list,
        Value::Array(vec![]),
        "the credential row was rolled back"
    );
}

#[test]
fn a_secret_that_is_not_utf8_text_is_refused_as_bad_input() {
    let c = cli();
    let out = c.run_bytes(
        &[
            "credentials",
            "add",
            "--name",
            "Latin-1",
            "--client-id",
            CLIENT_ID,
            "--expires",
            "1y",
        ],
        b"caf\xe9-secret\n",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "bad input exits 2: {err}");
    assert!(
        err.contains("the secret on standard input: The secret is not UTF-8 text"),
        "says what is wrong with the secret: {err}"
    );
    assert!(
        !err.contains("file could not be read"),
        "not blamed on a file: {err}"
    );
    let listed = c.json(&["--json", "credentials", "list"], "");
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(0),
        "nothing was saved: {listed}"
    );
}

#[test]
fn a_secret_that_never_expires_round_trips_through_add_rotate_and_json() {
    let c = cli();
    let added = c.json(
        &[
            "--json",
            "credentials",
            "add",
            "--name",
            "Graph app",
            "--client-id",
            CLIENT_ID,
            "--expires",
            "never",
        ],
        "never-secret\n",
    );
    assert_eq!(
        added["expiry"]["expiresOn"],
        Value::Null,
        "JSON has no date for it"
    );
    assert_eq!(added["expiry"]["level"], "never", "and says never");
    assert_eq!(
        added["expiry"]["daysLeft"],
        Value::Null,
        "with no countdown"
    );

    let shown = c.run(&["credentials", "show", "Graph app"], "");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("Expires:    never"),
        "people read it plainly: {text}"
    );
    let status = c.run(&["status"], "");
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("No credential expires within 30 days"),
        "no warning for it"
    );

    let dated = c.json(
        &[
            "--json",
            "credentials",
            "rotate",
            "Graph app",
            "--expires",
            "2299-12-31",
        ],
        "dated-secret\n",
    );
    assert_eq!(
        dated["expiry"]["expiresOn"], "2299-12-31",
        "a date decades out is accepted"
    );
    let back = c.json(
        &[
            "--json",
            "credentials",
            "rotate",
            "Graph app",
            "--expires",
            "never",
        ],
        "forever-secret\n",
    );
    assert_eq!(
        back["expiry"]["expiresOn"],
        Value::Null,
        "rotate takes never too"
    );
    let listed = c.json(&["--json", "credentials", "list"], "");
    assert_eq!(listed[0]["expiry"]["level"], "never", "the list keeps it");
}

#[test]
fn the_help_names_never_as_an_expiry() {
    let c = cli();
    for sub in ["add", "rotate"] {
        let out = c.run(&["credentials", sub, "--help"], "");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("or never"),
            "`credentials {sub} --help` offers never"
        );
    }
}

#[test]
fn a_destination_is_tested_and_browsed_over_the_network() {
    // The CLI's one runtime carries every network command; an HTTPS sandbox whose CA the data
    // folder trusts stands in for a tenant, as a user would set it up.
    let c = cli();
    let mut cfg = ferry_sandbox::SandboxConfig::for_profile(ferry_sandbox::Profile::Fast);
    cfg.data_path = Some(c.dir.path().join("sandbox.sqlite3"));
    cfg.https = true;
    let sb = ferry_sandbox::Sandbox::start(cfg).expect("the sandbox starts");
    std::fs::write(
        c.dir.path().join("trusted-ca.pem"),
        sb.ca_certificate_pem.as_deref().expect("HTTPS has a CA"),
    )
    .unwrap();
    c.json(
        &[
            "--json",
            "credentials",
            "add",
            "--name",
            "Sandbox app",
            "--client-id",
            &sb.client_id,
        ],
        &format!("{}\n", sb.client_secret),
    );
    c.json(
        &[
            "--json",
            "destinations",
            "add",
            "--name",
            "Sandbox",
            "--credential",
            "Sandbox app",
            "--tenant",
            &sb.tenant,
            "--url",
            &sb.base_url,
        ],
        "",
    );
    let report = c.json(&["--json", "destinations", "test", "Sandbox"], "");
    assert_eq!(
        report["destinationName"], "Sandbox",
        "signed in and named: {report}"
    );
    assert_eq!(
        report["userId"].as_str().map(str::len),
        Some(36),
        "WhoAmI answered: {report}"
    );
    let tables = c.json(&["--json", "destinations", "tables", "Sandbox"], "");
    assert!(
        tables["tables"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["logicalName"] == "contact")),
        "the tables are listed: {tables}"
    );
    let columns = c.json(
        &["--json", "destinations", "columns", "Sandbox", "contact"],
        "",
    );
    assert_eq!(
        columns["details"]["table"]["logicalName"], "contact",
        "and a table's columns: {columns}"
    );
    let listed = c.json(&["--json", "destinations", "list"], "");
    assert_eq!(
        listed[0]["lastCheck"]["ok"], true,
        "the test is kept as the destination's last test: {listed}"
    );
}
