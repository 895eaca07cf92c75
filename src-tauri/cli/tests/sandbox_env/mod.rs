//! A `ferry` data folder wired to a sandbox the test runs, for the tests that send or preview:
//! the sandbox over HTTPS with its CA trusted, a credential and a "Sandbox" destination for
//! it, the demo customers and a "Customers" query. Real processes and the real keychain.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub struct Env {
    pub data: tempfile::TempDir,
    pub files: tempfile::TempDir,
    pub service: String,
    pub _sb: ferry_sandbox::SandboxHandle,
}

impl Env {
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ferry"))
            .args(args)
            .env("FERRY_DATA_DIR", self.data.path())
            .env("FERRY_KEYCHAIN_SERVICE", &self.service)
            .env("FERRY_DEMO", "off")
            .env("USER", "admin")
            .env_remove("FERRY_USER")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ferry runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn ok(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, stdin);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn file(&self, name: &str, body: &str) -> String {
        let path = self.files.path().join(name);
        std::fs::write(&path, body).unwrap();
        path.to_str().unwrap().to_string()
    }
}

pub fn env() -> Env {
    env_with(|_| {}, 40)
}

/// [`env`] with the sandbox's configuration adjusted and `rows` demo customers.
pub fn env_with(adjust: impl FnOnce(&mut ferry_sandbox::SandboxConfig), rows: usize) -> Env {
    let data = tempfile::tempdir().unwrap();
    let mut cfg = ferry_sandbox::SandboxConfig::for_profile(ferry_sandbox::Profile::Fast);
    cfg.data_path = Some(data.path().join("sandbox-under-test.sqlite3"));
    cfg.https = true;
    adjust(&mut cfg);
    let sb = ferry_sandbox::Sandbox::start(cfg).expect("the sandbox starts");
    // NOTE: the folder must exist (0700) before the CA goes in; the first command makes it.
    let e = Env {
        data,
        files: tempfile::tempdir().unwrap(),
        service: format!(
            "ferry-cli-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ),
        _sb: sb,
    };
    e.ok(&["status"], "");
    std::fs::write(
        e.data.path().join("trusted-ca.pem"),
        e._sb.ca_certificate_pem.as_deref().unwrap(),
    )
    .unwrap();
    e.ok(
        &[
            "credentials",
            "add",
            "--name",
            "Sandbox app",
            "--client-id",
            &e._sb.client_id,
            "--expires",
            "never",
        ],
        &e._sb.client_secret,
    );
    e.ok(
        &[
            "destinations",
            "add",
            "--name",
            "Sandbox",
            "--credential",
            "Sandbox app",
            "--tenant",
            &e._sb.tenant,
            "--url",
            &e._sb.base_url,
            "--business-users",
        ],
        "",
    );
    e.ok(&["data", "demo", "--rows", &rows.to_string()], "");
    e.ok(
        &[
            "query",
            "add",
            "Customers",
            "--sql",
            "SELECT customer_id, email, first_name, loyalty_tier FROM customers",
        ],
        "",
    );
    e
}

impl Env {
    /// The logical name of the sandbox's alternate key on `contact.emailaddress1`.
    pub fn email_key(&self) -> String {
        let tables = self.ok(
            &["--json", "destinations", "columns", "Sandbox", "contact"],
            "",
        );
        let tables: serde_json::Value = serde_json::from_str(&tables).unwrap();
        tables["details"]["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["columns"] == serde_json::json!(["emailaddress1"]))
            .expect("contacts are keyed by email")["logicalName"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Saves a "Contacts" query (if missing) and a template `name` sending it to contacts with
    /// `operation` (TOML, e.g. `{ kind = "create" }`), mapping e-mail and names.
    pub fn contacts_template(&self, name: &str, operation: &str) {
        let queries = self.ok(&["--json", "query", "list"], "");
        if !queries.contains("\"Contacts\"") {
            self.ok(
                &[
                    "query",
                    "add",
                    "Contacts",
                    "--sql",
                    "SELECT customer_id, email, first_name, last_name FROM customers",
                ],
                "",
            );
        }
        let toml = self.file(
            &format!("{name}.toml"),
            &format!(
                r#"name = "{name}"
destination = "Sandbox"
table = "contact"
source = {{ kind = "query", id = "Contacts" }}
businessUsers = true

[mapping]
operation = {operation}
fields = [
  {{ column = "emailaddress1", source = {{ kind = "column", name = "email" }} }},
  {{ column = "firstname", source = {{ kind = "column", name = "first_name" }} }},
  {{ column = "lastname", source = {{ kind = "column", name = "last_name" }} }},
]
"#
            ),
        );
        self.ok(&["templates", "add", &toml], "");
    }

    /// The ids of the sandbox's records of `table`, read from its data file.
    pub fn sandbox_ids(&self, table: &str) -> Vec<String> {
        let db = rusqlite::Connection::open(self.data.path().join("sandbox-under-test.sqlite3"))
            .unwrap();
        let mut stmt = db
            .prepare("SELECT id FROM records WHERE tbl = ?1 ORDER BY id")
            .unwrap();
        stmt.query_map([table], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<Vec<String>>>()
            .unwrap()
    }

    /// Every receipt of `job`, through `ferry jobs receipts`.
    pub fn receipts(&self, job: &str) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        loop {
            let page = self.ok(
                &[
                    "--json",
                    "jobs",
                    "receipts",
                    job,
                    "--limit",
                    "1000",
                    "--offset",
                    &out.len().to_string(),
                ],
                "",
            );
            let page: serde_json::Value = serde_json::from_str(&page).unwrap();
            let rows = page["rows"].as_array().unwrap().clone();
            if rows.is_empty() {
                return out;
            }
            out.extend(rows);
        }
    }
}
