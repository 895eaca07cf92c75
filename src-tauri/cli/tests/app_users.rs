//! `ferry destinations … --extra-credential`: a destination that signs in as more than one
//! application user, as an admin sets it up and checks it. Real processes, a real data folder,
//! the real OS keychain (run under scripts/with-keyring.sh) and an HTTPS sandbox serving two
//! app registrations.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

struct Cli {
    dir: tempfile::TempDir,
    service: String,
}

impl Cli {
    fn new() -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        Cli {
            dir: tempfile::tempdir().unwrap(),
            service: format!(
                "ferry-cli-app-users-test-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ),
        }
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ferry"))
            .args(args)
            .env("FERRY_DATA_DIR", self.dir.path())
            .env("FERRY_KEYCHAIN_SERVICE", &self.service)
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

    fn json(&self, args: &[&str], stdin: &str) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all, stdin);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

/// A data folder trusting an HTTPS sandbox with two app registrations, and a credential for
/// each ("App 1", "App 2").
fn setup() -> (Cli, ferry_sandbox::SandboxHandle) {
    let c = Cli::new();
    let sb = ferry_sandbox::Sandbox::start(ferry_sandbox::SandboxConfig {
        https: true,
        extra_apps: ferry_sandbox::AppRegistration::stored(1),
        ..ferry_sandbox::SandboxConfig::for_profile(ferry_sandbox::Profile::Fast)
    })
    .expect("the sandbox starts");
    std::fs::write(
        c.dir.path().join("trusted-ca.pem"),
        sb.ca_certificate_pem.as_deref().expect("HTTPS has a CA"),
    )
    .unwrap();
    for (i, app) in sb.apps.iter().enumerate() {
        c.json(
            &[
                "credentials",
                "add",
                "--name",
                &format!("App {}", i + 1),
                "--client-id",
                &app.client_id,
            ],
            &format!("{}\n", app.client_secret),
        );
    }
    (c, sb)
}

fn names(v: &Value) -> Vec<String> {
    v["extraCredentials"]
        .as_array()
        .expect("extraCredentials is listed")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn extra_credentials_are_added_shown_tested_kept_and_cleared() {
    let (c, sb) = setup();
    let added = c.json(
        &[
            "destinations",
            "add",
            "--name",
            "Sandbox",
            "--credential",
            "App 1",
            "--extra-credential",
            "App 2",
            "--tenant",
            &sb.tenant,
            "--url",
            &sb.base_url,
        ],
        "",
    );
    assert_eq!(names(&added), ["App 2"], "added by name: {added}");
    let shown = c.run(&["destinations", "show", "Sandbox"], "");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("Additional:") && l.contains("App 2")),
        "`show` lists the additional credential: {text}"
    );
    let report = c.json(&["destinations", "test", "Sandbox"], "");
    assert_eq!(
        report["additionalUsers"][0]["userId"], sb.apps[1].user_id,
        "the test signed in as the second application user too: {report}"
    );
    let kept = c.json(
        &["destinations", "edit", "Sandbox", "--description", "Bulk"],
        "",
    );
    assert_eq!(
        names(&kept),
        ["App 2"],
        "an edit without the flag keeps them: {kept}"
    );
    let cleared = c.json(
        &["destinations", "edit", "Sandbox", "--no-extra-credentials"],
        "",
    );
    assert!(
        names(&cleared).is_empty(),
        "--no-extra-credentials clears them: {cleared}"
    );
}

#[test]
fn a_refused_extra_credential_names_the_flag_and_why() {
    let (c, sb) = setup();
    let out = c.run(
        &[
            "destinations",
            "add",
            "--name",
            "Sandbox",
            "--credential",
            "App 1",
            "--extra-credential",
            "App 1",
            "--tenant",
            &sb.tenant,
            "--url",
            &sb.base_url,
        ],
        "",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "bad input: {err}");
    assert!(
        err.contains("--extra-credential") && err.contains("main credential"),
        "the flag and the reason are named: {err}"
    );
}
