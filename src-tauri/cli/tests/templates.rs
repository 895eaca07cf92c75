//! `ferry templates` and `ferry preview` as a person or a script uses them: a template kept in a
//! TOML file, checked against a real sandbox's metadata over HTTPS, and previewed row by row
//! with the exit status scripts branch on (real processes, a temp data folder, the real
//! keychain under scripts/with-keyring.sh).

mod sandbox_env;

use sandbox_env::env;
use serde_json::Value;

#[test]
fn a_template_from_a_toml_file_is_checked_saved_and_previewed_with_an_exit_status_for_errors() {
    let e = env();
    let key = e.email_key();
    let toml = e.file(
        "contacts.toml",
        &format!(
            r#"name = "Demo contacts"
destination = "Sandbox"
table = "contact"
source = {{ kind = "query", id = "Customers" }}
businessUsers = true

[mapping]
operation = {{ kind = "upsertByKey", key = "{key}" }}
fields = [
  {{ column = "emailaddress1", source = {{ kind = "column", name = "email" }} }},
  {{ column = "firstname", source = {{ kind = "column", name = "first_name" }} }},
  {{ column = "new_tier", source = {{ kind = "column", name = "loyalty_tier" }} }},
]
"#
        ),
    );
    let checked = e.run(&["templates", "add", &toml, "--check"], "");
    let said = String::from_utf8_lossy(&checked.stderr);
    assert_eq!(checked.status.code(), Some(0), "{said}");
    assert!(
        said.contains("dropped: new_tier"),
        "the column the table lacks: {said}"
    );
    assert!(said.contains("not sent: customer_id"), "{said}");
    let listed = e.ok(&["templates", "list"], "");
    assert!(
        listed.contains("No templates yet"),
        "--check saved nothing: {listed}"
    );

    e.ok(&["templates", "add", &toml], "");
    let listed = e.ok(&["templates", "list"], "");
    assert!(
        listed.contains("Demo contacts") && listed.contains("contact"),
        "{listed}"
    );

    let out = e.run(
        &["--json", "preview", "Demo contacts", "--limit", "100"],
        "",
    );
    let p: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(p["total"], 40, "every row");
    let errors = p["error"].as_u64().unwrap();
    eprintln!("ERRORS {errors}");
    let expected = if errors > 0 { 15 } else { 0 };
    assert_eq!(
        out.status.code(),
        Some(expected),
        "15 exactly when a row has an error"
    );
    let row = p["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["verdict"] == "ready")
        .expect("a ready row");
    let email = row["record"]["emailaddress1"].as_str().unwrap();
    assert!(
        row["request"]["url"].as_str().unwrap().ends_with(&format!(
            "contacts(emailaddress1='{}')",
            email.replace('@', "%40")
        )),
        "{row}"
    );
    let errors_only = e.run(&["--json", "preview", "Demo contacts", "--errors-only"], "");
    let only: Value = serde_json::from_slice(&errors_only.stdout).unwrap();
    assert!(only["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["verdict"] == "error"));

    let text = e.run(&["preview", "Demo contacts", "--limit", "3"], "");
    let shown = String::from_utf8_lossy(&text.stdout);
    assert!(shown.starts_with("Demo contacts: 40 rows:"), "{shown}");
    assert!(
        shown.contains("PATCH https://"),
        "each row's request: {shown}"
    );

    // Asked of the sandbox, which holds no contact yet: every row asked about would create one.
    let online = e.run(
        &[
            "--json",
            "preview",
            "Demo contacts",
            "--limit",
            "5",
            "--check-dynamics",
        ],
        "",
    );
    let checked: Value = serde_json::from_slice(&online.stdout).unwrap();
    assert_eq!(checked["online"]["checked"], 5, "{checked}");
    assert_eq!(checked["online"]["creates"], 5, "{checked}");
    let text = e.run(
        &[
            "preview",
            "Demo contacts",
            "--limit",
            "3",
            "--check-dynamics",
        ],
        "",
    );
    let shown = String::from_utf8_lossy(&text.stdout);
    assert!(shown.contains("[creates]"), "each row's outcome: {shown}");
    assert!(shown.contains("3 would create"), "and the counts: {shown}");

    e.ok(&["templates", "delete", "Demo contacts"], "");
    let gone = e.run(&["preview", "Demo contacts"], "");
    assert_eq!(gone.status.code(), Some(3), "not found");
}

#[test]
fn a_delete_template_is_saved_only_with_its_name_typed_again_and_says_how_many_records() {
    let e = env();
    let toml = e.file(
        "forget.toml",
        r#"name = "Forget contacts"
destination = "Sandbox"
table = "contact"
source = { kind = "query", id = "Customers" }

[mapping]
operation = { kind = "deleteByKey", key = "contact_emailaddress1" }
fields = [
  { column = "emailaddress1", source = { kind = "column", name = "email" } },
]
"#,
    );
    let tables: Value = serde_json::from_str(&e.ok(
        &["--json", "destinations", "columns", "Sandbox", "contact"],
        "",
    ))
    .unwrap();
    let key = tables["details"]["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["columns"] == serde_json::json!(["emailaddress1"]))
        .unwrap()["logicalName"]
        .as_str()
        .unwrap()
        .to_string();
    let toml = e.file(
        "forget.toml",
        &std::fs::read_to_string(&toml)
            .unwrap()
            .replace("contact_emailaddress1", &key),
    );
    let refused = e.run(&["templates", "add", &toml], "");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert_ne!(refused.status.code(), Some(0), "{said}");
    assert!(
        said.contains("40 records"),
        "the count of the source: {said}"
    );
    assert!(
        said.contains("--confirm-delete \"Forget contacts\""),
        "{said}"
    );
    let wrong = e.run(
        &["templates", "add", &toml, "--confirm-delete", "Forget"],
        "",
    );
    assert_ne!(
        wrong.status.code(),
        Some(0),
        "a wrong name confirms nothing"
    );
    assert!(e
        .ok(&["templates", "list"], "")
        .contains("No templates yet"));

    e.ok(
        &[
            "templates",
            "add",
            &toml,
            "--confirm-delete",
            "Forget contacts",
        ],
        "",
    );
    let shown = e.run(&["preview", "Forget contacts", "--limit", "2"], "");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("DELETE https://"), "{text}");
}

#[test]
fn a_lookup_in_a_toml_template_names_the_related_table_and_key_and_previews_as_a_bind() {
    let e = env();
    let account = e.ok(
        &["--json", "destinations", "columns", "Sandbox", "account"],
        "",
    );
    let account: Value = serde_json::from_str(&account).unwrap();
    let key = account["details"]["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["columns"] == serde_json::json!(["accountnumber"]))
        .expect("accounts are keyed by number")["logicalName"]
        .as_str()
        .unwrap()
        .to_string();
    let toml = e.file(
        "linked.toml",
        &format!(
            r#"name = "Contacts with accounts"
destination = "Sandbox"
table = "contact"
source = {{ kind = "query", id = "Customers" }}

[mapping]
operation = {{ kind = "create" }}

[[mapping.fields]]
column = "lastname"
source = {{ kind = "column", name = "first_name" }}

[[mapping.fields]]
column = "parentcustomerid"
source = {{ kind = "column", name = "customer_id" }}
lookup = {{ table = "account", key = "{key}" }}
"#
        ),
    );
    e.ok(&["templates", "add", &toml], "");
    let shown = e.ok(
        &["--json", "templates", "show", "Contacts with accounts"],
        "",
    );
    let saved: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(
        saved["mapping"]["fields"][1]["lookup"],
        serde_json::json!({ "table": "account", "key": key }),
        "the lookup is kept as written: {saved}"
    );
    let out = e.run(
        &[
            "--json",
            "preview",
            "Contacts with accounts",
            "--limit",
            "5",
        ],
        "",
    );
    let p: Value = serde_json::from_slice(&out.stdout).unwrap();
    let bind = p["rows"][0]["record"]["parentcustomerid_account@odata.bind"]
        .as_str()
        .unwrap_or_else(|| panic!("the record binds the account: {p}"));
    assert!(
        bind.starts_with("/accounts(accountnumber='") && bind.ends_with("')"),
        "the account named by its number: {bind}"
    );
}
