//! Every Tauri command, called through the shell as every policy with and without Restrict
//! PII access: allowed, refused (`forbidden`, naming a policy that would allow it), or allowed
//! with personal data masked. The list of commands is read from `src-tauri/lib.rs`, so a
//! command registered without a row here fails the test.
//!
//! Real parts throughout: the settings and customer databases are SQLite files, secrets go to
//! the keychain (gnome-keyring under the test command), and the commands that reach Dataverse
//! talk to a real sandbox over loopback.

use super::{shell, Shell};
use ferry_core::data::types::PII_MASK;
use ferry_core::ops::users::UserInput;
use ferry_core::ops::{data, queries, segments, start, users};
use ferry_core::policy::{Actor, Policy};
use ferry_core::store::jobs::JobState;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Who a command is for, written out here rather than derived from core's rules, so the rules
/// are checked against an independent statement of them.
#[derive(Clone, Copy, Debug)]
enum Who {
    /// Any enabled user.
    Everyone,
    /// DataGrid Operator and Administrator.
    Operators,
    /// Amp360 users (alone or with AmpIQ), operators and administrators.
    Amp360,
    /// AmpIQ users (alone or with Amp360), operators and administrators.
    AmpIq,
    /// DataGrid Administrator only.
    Admins,
    /// Any user the Local sandbox destination is open to: it allows business users but not
    /// users with Restrict PII access.
    SandboxUsers,
    /// Users who may read the rows of a query-sourced template on the Local sandbox: Amp360
    /// (or operators), without Restrict PII access.
    QueryTemplateUsers,
    /// AmpIQ users, operators and administrators the Local sandbox destination is open to:
    /// without Restrict PII access (campaigns on the sandbox's marketing lists).
    CampaignSandboxUsers,
    /// Not called: the command opens a native dialog that would wait for a person.
    NotCalled(&'static str),
}

impl Who {
    fn allows(self, policy: Policy, restricted: bool) -> bool {
        let admin = policy == Policy::Administrator;
        let operator = admin || policy == Policy::Operator;
        match self {
            Who::Everyone => true,
            Who::Operators => operator,
            Who::Amp360 => operator || matches!(policy, Policy::Amp360 | Policy::Amp360AmpIq),
            Who::AmpIq => operator || matches!(policy, Policy::AmpIq | Policy::Amp360AmpIq),
            Who::Admins => admin,
            Who::SandboxUsers => !restricted,
            Who::QueryTemplateUsers => Who::Amp360.allows(policy, restricted) && !restricted,
            Who::CampaignSandboxUsers => Who::AmpIq.allows(policy, restricted) && !restricted,
            Who::NotCalled(_) => unreachable!("not called"),
        }
    }
}

/// What the test knows while it walks the matrix.
struct Ctx {
    s: Shell,
    admin: Actor,
    sandbox_id: String,
    /// An email address from the demo customers: shown to the unrestricted, never to others.
    email: String,
    /// A saved query over the customers, and a template on the Local sandbox reading it.
    query_id: String,
    template_id: String,
    /// The sandbox's alternate key on a contact's e-mail, which templates match rows by.
    contact_key: String,
    /// The user acting now, and a short tag unique to them for names.
    tag: String,
    /// Whether the row now being called is expected to be allowed. A refused call never gets
    /// as far as looking its record up, so the throw-away records a change needs are made only
    /// for allowed calls: each credential costs keychain lookups in every later listing.
    allowed: bool,
}

type Call = fn(&Ctx) -> Result<Value, Value>;

/// A matrix row: the command, who may call it, how to call it, and whether its answer holds
/// customer rows whose personal data must be masked for restricted users.
struct Row {
    cmd: &'static str,
    who: Who,
    call: Call,
    masked: bool,
}

fn row(cmd: &'static str, who: Who, call: Call) -> Row {
    Row {
        cmd,
        who,
        call,
        masked: false,
    }
}

fn masked(cmd: &'static str, who: Who, call: Call) -> Row {
    Row {
        cmd,
        who,
        call,
        masked: true,
    }
}

fn credential_input(name: &str) -> Value {
    json!({
        "name": name, "description": "", "plugin": "microsoft-dynamics",
        "clientId": "0f6e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5", "clientSecret": "matrix~secret~1",
        "expiry": { "kind": "years", "years": 1 }
    })
}

fn destination_input(name: &str, credential_id: &str) -> Value {
    json!({
        "name": name, "description": "", "plugin": "microsoft-dynamics",
        "credentialId": credential_id, "tenantId": "contoso.onmicrosoft.com",
        "dynamicsUrl": "https://contoso.crm4.dynamics.com", "apiVersion": "9.2",
        "businessUsers": true, "restrictedPii": false
    })
}

fn template_input(c: &Ctx, name: &str) -> Value {
    json!({
        "name": name, "destination": c.sandbox_id, "table": "contact",
        "source": { "kind": "query", "id": c.query_id },
        "mapping": { "operation": { "kind": "upsertByKey", "key": c.contact_key }, "fields": [
            { "column": "emailaddress1", "source": { "kind": "column", "name": "email" } } ] },
        "businessUsers": true
    })
}

/// A template made by the administrator for the row under test to change or delete.
fn admin_template(c: &Ctx, name: &str) -> String {
    if !c.allowed {
        return "tpl_never_looked_up".into();
    }
    let input = serde_json::from_value(template_input(c, name)).unwrap();
    tauri::async_runtime::block_on(ferry_core::ops::templates::create(
        &c.s.app, &c.admin, input,
    ))
    .unwrap()
    .id
}

fn segment_definition() -> Value {
    json!({ "table": "customers", "rules": { "match": "all", "rules": [] } })
}

/// Makes a throw-away record as the administrator (through core, not the window, whose user
/// is the one under test) and returns its id.
fn admin_credential(c: &Ctx, name: &str) -> String {
    if !c.allowed {
        return "cred_never_looked_up".into();
    }
    let input = serde_json::from_value(credential_input(name)).unwrap();
    ferry_core::ops::credentials::create(&c.s.app, &c.admin, input)
        .unwrap()
        .id
}

fn admin_query(c: &Ctx, name: &str) -> String {
    if !c.allowed {
        return "qry_never_looked_up".into();
    }
    queries::create(
        &c.s.app,
        &c.admin,
        queries::QueryInput {
            name: name.into(),
            description: String::new(),
            sql: "SELECT customer_id, email FROM customers".into(),
            time_limit_secs: 30,
        },
    )
    .unwrap()
    .id
}

fn admin_segment(c: &Ctx, name: &str) -> String {
    if !c.allowed {
        return "seg_never_looked_up".into();
    }
    segments::create(
        &c.s.app,
        &c.admin,
        serde_json::from_value(json!({ "name": name, "definition": segment_definition() }))
            .unwrap(),
    )
    .unwrap()
    .id
}

/// A finished query run started by the acting user, paged from the top.
fn run_and_page(c: &Ctx, start_cmd: &str, args: Value) -> Result<Value, Value> {
    let run = c.s.invoke(start_cmd, args)?;
    let id = run.as_str().unwrap().to_string();
    for _ in 0..300 {
        let page = c.s.invoke(
            "query_page",
            json!({ "runId": id, "offset": 0, "limit": 20 }),
        )?;
        if page["status"]["state"] != "running" {
            return Ok(page);
        }
    }
    panic!("the run did not finish");
}

/// A job the acting user ran earlier (written to the store directly, as if they had sent it
/// when they still had access), with one rejected row whose key is a customer's e-mail.
fn own_job(c: &Ctx, state: ferry_core::store::jobs::JobState) -> String {
    use ferry_core::store::{job_rows, jobs};
    let me = users::resolve(&c.s.app, Some(&c.tag)).unwrap();
    let row = jobs::JobRow {
        seq: 0,
        id: ferry_core::ids::new_id("job"),
        template_id: c.template_id.clone(),
        template_name: "Matrix contacts".into(),
        destination_id: c.sandbox_id.clone(),
        destination_name: "Local sandbox".into(),
        table_name: "contact".into(),
        source_kind: "query".into(),
        source_id: c.query_id.clone(),
        source_name: "Matrix customers".into(),
        operation: json!({ "kind": "upsertByKey", "key": c.contact_key }).to_string(),
        actor_id: me.id().to_string(),
        actor_name: me.name().to_string(),
        retry_of: None,
        key_pii: true,
        state,
        total: Some(1),
        error: None,
        owner: None,
        heartbeat: 0,
        elapsed_ms: 0,
        created_at: 1_790_000_000,
        finished_at: None,
    };
    c.s.app
        .store()
        .with_tx(|tx| {
            let j = jobs::insert(tx, &row)?;
            job_rows::put(
                tx,
                j.seq,
                &[job_rows::Entry {
                    idx: 0,
                    state: job_rows::RowState::Rejected,
                    fp: 0,
                    row_key: Some(format!("emailaddress1='{}'", c.email)),
                    record_id: None,
                    created: None,
                    code: Some("0x80040237".into()),
                    message: Some(format!("A record with {} already exists.", c.email)),
                }],
            )?;
            Ok(j.id)
        })
        .unwrap()
}

fn rows() -> Vec<Row> {
    use Who::*;
    vec![
        row("app_status", Everyone, |c| {
            c.s.invoke("app_status", json!({}))
        }),
        row("build_info", Everyone, |c| {
            c.s.invoke("build_info", json!({}))
        }),
        row("list_plugins", Everyone, |c| {
            c.s.invoke("list_plugins", json!({ "filter": "micro" }))
        }),
        row("list_credentials", Operators, |c| {
            c.s.invoke("list_credentials", json!({}))
        }),
        row("check_credential", Operators, |c| {
            c.s.invoke(
                "check_credential",
                json!({ "input": credential_input("Checked"), "exceptId": null }),
            )
        }),
        row("create_credential", Operators, |c| {
            let name = format!("Cred {}", c.tag);
            c.s.invoke(
                "create_credential",
                json!({ "input": credential_input(&name) }),
            )
        }),
        row("update_credential", Operators, |c| {
            let id = admin_credential(c, &format!("Upd {}", c.tag));
            c.s.invoke(
                "update_credential",
                json!({ "id": id, "edit": { "name": format!("Upd2 {}", c.tag),
                    "clientId": "0f6e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5" } }),
            )
        }),
        row("rotate_secret", Operators, |c| {
            let id = admin_credential(c, &format!("Rot {}", c.tag));
            c.s.invoke(
                "rotate_secret",
                json!({ "id": id, "rotation": { "clientSecret": "matrix~secret~2",
                    "expiry": { "kind": "never" } } }),
            )
        }),
        row("delete_credential", Operators, |c| {
            let id = admin_credential(c, &format!("Del {}", c.tag));
            c.s.invoke("delete_credential", json!({ "id": id }))
        }),
        row("list_destinations", Everyone, |c| {
            c.s.invoke("list_destinations", json!({}))
        }),
        row("check_destination", Operators, |c| {
            c.s.invoke(
                "check_destination",
                json!({ "input": destination_input("Checked", "x"), "exceptId": null }),
            )
        }),
        row("create_destination", Operators, |c| {
            if !c.allowed {
                return c.s.invoke(
                    "create_destination",
                    json!({ "input": destination_input("Never made", "cred_never_looked_up") }),
                );
            }
            let cred = admin_credential(c, &format!("For dest {}", c.tag));
            c.s.invoke(
                "create_destination",
                json!({ "input": destination_input(&format!("Dest {}", c.tag), &cred) }),
            )
        }),
        row("update_destination", Operators, |c| {
            let id = c.sandbox_id.clone();
            let current = ferry_core::ops::destinations::get(&c.s.app, &c.admin, &id).unwrap();
            c.s.invoke(
                "update_destination",
                json!({ "id": id, "input": {
                    "name": current.name, "description": format!("Touched by {}", c.tag),
                    "plugin": "microsoft-dynamics", "credentialId": current.credential.id,
                    "tenantId": current.tenant_id, "dynamicsUrl": current.dynamics_url,
                    "apiVersion": current.api_version, "businessUsers": true,
                    "restrictedPii": false } }),
            )
        }),
        row("delete_destination", Operators, |c| {
            if !c.allowed {
                return c
                    .s
                    .invoke("delete_destination", json!({ "id": "dst_never_looked_up" }));
            }
            let cred = admin_credential(c, &format!("For del {}", c.tag));
            let input =
                serde_json::from_value(destination_input(&format!("Gone {}", c.tag), &cred))
                    .unwrap();
            let d = ferry_core::ops::destinations::create(&c.s.app, &c.admin, input).unwrap();
            c.s.invoke("delete_destination", json!({ "id": d.id }))
        }),
        row("test_connection", SandboxUsers, |c| {
            c.s.invoke("test_connection", json!({ "id": c.sandbox_id }))
        }),
        row("test_connection_input", Operators, |c| {
            let d = ferry_core::ops::destinations::get(&c.s.app, &c.admin, &c.sandbox_id).unwrap();
            c.s.invoke(
                "test_connection_input",
                json!({ "input": {
                    "name": d.name, "description": "", "plugin": "microsoft-dynamics",
                    "credentialId": d.credential.id, "tenantId": d.tenant_id,
                    "dynamicsUrl": d.dynamics_url, "apiVersion": "9.2",
                    "businessUsers": true, "restrictedPii": false },
                    "exceptId": d.id }),
            )
        }),
        row("list_tables", Operators, |c| {
            c.s.invoke(
                "list_tables",
                json!({ "id": c.sandbox_id, "refresh": false }),
            )
        }),
        row("table_columns", Operators, |c| {
            c.s.invoke(
                "table_columns",
                json!({ "id": c.sandbox_id, "table": "contact", "refresh": false }),
            )
        }),
        row("getting_started", Everyone, |c| {
            c.s.invoke("getting_started", json!({}))
        }),
        row("set_getting_started_dismissed", Everyone, |c| {
            c.s.invoke(
                "set_getting_started_dismissed",
                json!({ "dismissed": false }),
            )
        }),
        // NOTE: no sandbox runs inside this shell, so an allowed user is told it cannot be
        // added back (validation); a refused one hears about their policy first.
        row("restore_demo_destination", Operators, |c| {
            c.s.invoke("restore_demo_destination", json!({}))
        }),
        row("data_tables", Everyone, |c| {
            c.s.invoke("data_tables", json!({}))
        }),
        masked("data_sample", Everyone, |c| {
            c.s.invoke("data_sample", json!({ "table": "customers", "limit": 5 }))
        }),
        row("set_pii", Operators, |c| {
            c.s.invoke(
                "set_pii",
                json!({ "table": "orders", "column": "total", "pii": false }),
            )
        }),
        row(
            "pick_csv_file",
            NotCalled("opens a native file picker and reads nothing: import_inspect is the door"),
            |_| unreachable!(),
        ),
        row("import_inspect", Operators, |c| {
            c.s.invoke(
                "import_inspect",
                json!({ "path": c.csv_path(), "options": {} }),
            )
        }),
        row("import_start", Operators, |c| {
            let plan = c.s.invoke(
                "import_inspect",
                json!({ "path": c.csv_path(), "options": {} }),
            );
            let plan = match plan {
                Ok(p) => p,
                Err(e) => return Err(e),
            };
            c.s.invoke(
                "import_start",
                json!({ "request": {
                    "path": c.csv_path(), "table": format!("import_{}", c.tag.to_lowercase()),
                    "mode": "create", "encoding": plan["encoding"], "delimiter": plan["delimiter"],
                    "columns": plan["columns"], "allOrNothing": false } }),
            )
        }),
        row("import_status", Operators, |c| {
            let id = c.admin_import();
            c.s.invoke("import_status", json!({ "id": id }))
        }),
        row("import_cancel", Operators, |c| {
            let id = c.admin_import();
            c.s.invoke("import_cancel", json!({ "id": id }))
        }),
        // NOTE: refusals are decided before the save dialog opens; an allowed user would get
        // the dialog, so only refusals are called (see `Who::allows` use below).
        row("save_rejects", Operators, |c| {
            c.s.invoke("save_rejects", json!({ "id": "imp_none" }))
        }),
        row("list_queries", Amp360, |c| {
            c.s.invoke("list_queries", json!({}))
        }),
        row("check_query", Amp360, |c| {
            c.s.invoke(
                "check_query",
                json!({ "input": { "name": "Checked", "sql": "SELECT 1" }, "exceptId": null }),
            )
        }),
        row("create_query", Amp360, |c| {
            c.s.invoke(
                "create_query",
                json!({ "input": { "name": format!("Q {}", c.tag), "sql": "SELECT 1" } }),
            )
        }),
        row("update_query", Amp360, |c| {
            let id = admin_query(c, &format!("QU {}", c.tag));
            c.s.invoke(
                "update_query",
                json!({ "id": id, "input": { "name": format!("QU2 {}", c.tag), "sql": "SELECT 2" } }),
            )
        }),
        row("delete_query", Amp360, |c| {
            let id = admin_query(c, &format!("QD {}", c.tag));
            c.s.invoke("delete_query", json!({ "id": id }))
        }),
        row("query_start", Amp360, |c| {
            c.s.invoke(
                "query_start",
                json!({ "sql": "SELECT count(*) FROM customers", "timeLimitSecs": 30 }),
            )
        }),
        masked("query_page", Amp360, |c| {
            run_and_page(
                c,
                "query_start",
                json!({ "sql": "SELECT customer_id, email FROM customers ORDER BY customer_id",
                        "timeLimitSecs": 30 }),
            )
        }),
        row("query_cancel", Amp360, |c| {
            let run = c.admin_run();
            c.s.invoke("query_cancel", json!({ "runId": run }))
        }),
        row("query_close", Amp360, |c| {
            let run = c.admin_run();
            c.s.invoke("query_close", json!({ "runId": run }))
        }),
        row("list_segments", AmpIq, |c| {
            c.s.invoke("list_segments", json!({}))
        }),
        row("create_segment", AmpIq, |c| {
            c.s.invoke(
                "create_segment",
                json!({ "input": { "name": format!("S {}", c.tag),
                                   "definition": segment_definition() } }),
            )
        }),
        row("update_segment", AmpIq, |c| {
            let id = admin_segment(c, &format!("SU {}", c.tag));
            c.s.invoke(
                "update_segment",
                json!({ "id": id, "input": { "name": format!("SU2 {}", c.tag),
                                             "definition": segment_definition() } }),
            )
        }),
        row("delete_segment", AmpIq, |c| {
            let id = admin_segment(c, &format!("SD {}", c.tag));
            c.s.invoke("delete_segment", json!({ "id": id }))
        }),
        row("segment_count", AmpIq, |c| {
            c.s.invoke(
                "segment_count",
                json!({ "definition": segment_definition() }),
            )
        }),
        masked("segment_start", AmpIq, |c| {
            run_and_page(
                c,
                "segment_start",
                json!({ "definition": segment_definition(), "timeLimitSecs": 30 }),
            )
        }),
        row("whoami", Everyone, |c| c.s.invoke("whoami", json!({}))),
        // NOTE: switching is open to everyone (there are no passwords); the test switches to
        // the user under test with it before every row, so here it switches to themselves.
        row("switch_user", Everyone, |c| {
            let me = c.s.invoke("whoami", json!({}))?;
            c.s.invoke("switch_user", json!({ "user": me["user"]["id"] }))
        }),
        row("list_users", Everyone, |c| {
            c.s.invoke("list_users", json!({}))
        }),
        row("check_user", Admins, |c| {
            c.s.invoke(
                "check_user",
                json!({ "input": { "name": "Checked", "policy": "amp360" }, "exceptId": null }),
            )
        }),
        row("create_user", Admins, |c| {
            c.s.invoke(
                "create_user",
                json!({ "input": { "name": format!("New {}", c.tag), "policy": "ampiq" } }),
            )
        }),
        row("update_user", Admins, |c| {
            let u = c.admin_user(&format!("UU {}", c.tag));
            c.s.invoke(
                "update_user",
                json!({ "id": u, "input": { "name": format!("UU2 {}", c.tag),
                                            "policy": "amp360", "restrictPii": true } }),
            )
        }),
        row("set_user_disabled", Admins, |c| {
            let u = c.admin_user(&format!("UD {}", c.tag));
            c.s.invoke("set_user_disabled", json!({ "id": u, "disabled": true }))
        }),
        row("activity_page", Admins, |c| {
            c.s.invoke(
                "activity_page",
                json!({ "query": {}, "offset": 0, "limit": 50 }),
            )
        }),
        row("activity_verify", Admins, |c| {
            c.s.invoke("activity_verify", json!({}))
        }),
        row("activity_export", Admins, |c| {
            c.s.invoke("activity_export", json!({ "query": {} }))
        }),
        row("list_templates", Everyone, |c| {
            c.s.invoke("list_templates", json!({}))
        }),
        row("suggest_mapping", Operators, |c| {
            c.s.invoke(
                "suggest_mapping",
                json!({ "destination": c.sandbox_id, "table": "contact",
                        "source": { "kind": "query", "id": c.query_id } }),
            )
        }),
        row("check_template", Operators, |c| {
            c.s.invoke(
                "check_template",
                json!({ "input": template_input(c, "Checked"), "exceptId": null }),
            )
        }),
        row("create_template", Operators, |c| {
            c.s.invoke(
                "create_template",
                json!({ "input": template_input(c, &format!("T {}", c.tag)) }),
            )
        }),
        row("update_template", Operators, |c| {
            let id = admin_template(c, &format!("TU {}", c.tag));
            c.s.invoke(
                "update_template",
                json!({ "id": id, "input": template_input(c, &format!("TU2 {}", c.tag)) }),
            )
        }),
        row("delete_template", Operators, |c| {
            let id = admin_template(c, &format!("TD {}", c.tag));
            c.s.invoke("delete_template", json!({ "id": id }))
        }),
        row("count_source_rows", Amp360, |c| {
            c.s.invoke(
                "count_source_rows",
                json!({ "source": { "kind": "query", "id": c.query_id } }),
            )
        }),
        row("check_against_dynamics", QueryTemplateUsers, |c| {
            c.s.invoke(
                "check_against_dynamics",
                json!({ "id": c.template_id, "sample": 3 }),
            )
        }),
        row("preview_template", QueryTemplateUsers, |c| {
            c.s.invoke(
                "preview_template",
                json!({ "id": c.template_id, "limit": 5, "errorsOnly": false }),
            )
        }),
        row("preview_template_first_page", QueryTemplateUsers, |c| {
            c.s.invoke(
                "preview_template_first_page",
                json!({ "id": c.template_id, "limit": 5, "errorsOnly": true }),
            )
        }),
        row("send_template", QueryTemplateUsers, |c| {
            c.s.invoke("send_template", json!({ "template": c.template_id }))
        }),
        row("resume_job", QueryTemplateUsers, |c| {
            let id = own_job(c, JobState::Interrupted);
            c.s.invoke("resume_job", json!({ "id": id }))
        }),
        row("retry_failed_rows", QueryTemplateUsers, |c| {
            let id = own_job(c, JobState::Finished);
            c.s.invoke("retry_failed_rows", json!({ "id": id }))
        }),
        // NOTE: nothing runs the job in this window, so an allowed call answers false.
        row("cancel_job", Everyone, |c| {
            let id = own_job(c, JobState::Finished);
            c.s.invoke("cancel_job", json!({ "id": id }))
        }),
        row("list_jobs", Everyone, |c| {
            c.s.invoke("list_jobs", json!({ "limit": 20 }))
        }),
        row("get_job", Everyone, |c| {
            let id = own_job(c, JobState::Finished);
            c.s.invoke("get_job", json!({ "id": id }))
        }),
        row("unfinished_jobs", Everyone, |c| {
            c.s.invoke("unfinished_jobs", json!({}))
        }),
        masked("job_receipts", Everyone, |c| {
            let id = own_job(c, JobState::Finished);
            c.s.invoke(
                "job_receipts",
                json!({ "id": id, "filter": { "states": ["rejected"], "limit": 10 } }),
            )
        }),
        row(
            "export_rejected_rows",
            NotCalled("opens a native save dialog for every user; core's tests cover the export"),
            |_| unreachable!(),
        ),
        row("list_marketing_lists", CampaignSandboxUsers, |c| {
            c.s.invoke(
                "list_marketing_lists",
                json!({ "destination": c.sandbox_id, "table": "contact" }),
            )
        }),
        row("segment_jobs", AmpIq, |c| {
            let id = admin_segment(c, &format!("SJ {}", c.tag));
            c.s.invoke("segment_jobs", json!({ "segment": id, "limit": 10 }))
        }),
        // NOTE: the policy decides before the job is looked up; an allowed user is told the
        // job does not exist (not_found). Adding real sends is tested in core (ops_campaigns).
        row("add_job_to_list", AmpIq, |c| {
            c.s.invoke(
                "add_job_to_list",
                json!({ "job": "job_none", "target": { "kind": "new", "name": "Matrix list" } }),
            )
        }),
    ]
}

impl Ctx {
    fn csv_path(&self) -> String {
        let path = self.s.app.data_dir().join("matrix-import.csv");
        if !path.exists() {
            std::fs::write(&path, "id,city\n1,Lyon\n2,Oslo\n").unwrap();
        }
        path.display().to_string()
    }

    fn admin_import(&self) -> String {
        let path = self.csv_path();
        let plan = data::inspect(
            &self.s.app,
            &self.admin,
            std::path::Path::new(&path),
            &Default::default(),
        )
        .unwrap();
        let req = serde_json::from_value(json!({
            "path": path, "table": format!("adm_{}", ferry_core::ids::new_id("t")),
            "mode": "create", "encoding": plan.encoding, "delimiter": plan.delimiter,
            "columns": plan.columns, "allOrNothing": false
        }))
        .unwrap();
        data::start_import(&self.s.app, &self.admin, req).unwrap()
    }

    fn admin_run(&self) -> String {
        queries::start_run(&self.s.app, &self.admin, "SELECT 1", 30).unwrap()
    }

    fn admin_user(&self, name: &str) -> String {
        if !self.allowed {
            return "usr_never_looked_up".into();
        }
        users::create(
            &self.s.app,
            &self.admin,
            UserInput {
                name: name.into(),
                policy: Policy::AmpIq,
                restrict_pii: false,
            },
        )
        .unwrap()
        .id
    }
}

/// The commands `src-tauri/lib.rs` registers, read from its `generate_handler!` list.
fn registered_commands() -> BTreeSet<String> {
    let source = include_str!("../../src-tauri/lib.rs");
    let start = source
        .find("generate_handler![")
        .expect("lib.rs registers commands");
    let end = start + source[start..].find(']').unwrap();
    source[start..end]
        .split(',')
        .filter_map(|item| item.trim().rsplit("::").next())
        .map(str::trim)
        .filter(|name| !name.is_empty() && !name.contains('['))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_command_has_a_row_in_the_matrix() {
    let registered = registered_commands();
    assert!(registered.len() > 40, "the list was read: {registered:?}");
    for r in rows() {
        if let Who::NotCalled(why) = r.who {
            assert!(why.len() > 20, "{} says why it is not called", r.cmd);
        }
    }
    let in_matrix: BTreeSet<String> = rows().iter().map(|r| r.cmd.to_string()).collect();
    let missing: Vec<_> = registered.difference(&in_matrix).collect();
    assert!(
        missing.is_empty(),
        "add a row to tests/app/matrix.rs for each new command: {missing:?}"
    );
    let stale: Vec<_> = in_matrix.difference(&registered).collect();
    assert!(
        stale.is_empty(),
        "rows for commands that no longer exist: {stale:?}"
    );
}

#[test]
fn every_command_as_every_policy_with_and_without_restricted_pii() {
    let s = shell();
    let app = s.app.clone();
    let admin = users::resolve(&app, None).unwrap();
    data::make_demo(&app, &admin, 40, 11, &mut |_| {}).unwrap();
    let sandbox = ferry_sandbox::Sandbox::start(ferry_sandbox::SandboxConfig::default()).unwrap();
    let demo = start::DemoTarget {
        base_url: sandbox.base_url.clone(),
        tenant: sandbox.tenant.clone(),
        client_id: sandbox.client_id.clone(),
        client_secret: ferry_core::secrets::Secret::new(sandbox.client_secret.clone()),
    };
    let sandbox_id = start::ensure_demo_destination(&app, &Actor::startup(), &demo)
        .unwrap()
        .unwrap()
        .id;
    let sample = data::sample(&app, &admin, "customers", 1).unwrap();
    let email_col = sample
        .columns
        .iter()
        .position(|c| c.name == "email")
        .unwrap();
    let email = match &sample.rows[0][email_col] {
        ferry_core::data::Cell::Text(t) => t.clone(),
        other => panic!("an email: {other:?}"),
    };
    let mut people = Vec::new();
    for (i, policy) in Policy::ALL.into_iter().enumerate() {
        for restricted in [false, true] {
            let name = format!("P{i}{}", if restricted { "r" } else { "" });
            users::create(
                &app,
                &admin,
                UserInput {
                    name: name.clone(),
                    policy,
                    restrict_pii: restricted,
                },
            )
            .unwrap();
            people.push((name, policy, restricted));
        }
    }
    let query_id = queries::create(
        &app,
        &admin,
        queries::QueryInput {
            name: "Matrix customers".into(),
            description: String::new(),
            sql: "SELECT customer_id, email FROM customers".into(),
            time_limit_secs: 30,
        },
    )
    .unwrap()
    .id;
    let contact_key = tauri::async_runtime::block_on(ferry_core::ops::connection::table_columns(
        &app,
        &admin,
        &sandbox_id,
        "contact",
        false,
    ))
    .unwrap()
    .details
    .keys
    .into_iter()
    .find(|k| k.columns == ["emailaddress1"])
    .expect("the sandbox keys contacts by e-mail")
    .logical_name;
    let mut c = Ctx {
        s,
        admin,
        sandbox_id,
        email,
        query_id,
        contact_key,
        template_id: String::new(),
        tag: String::new(),
        allowed: false,
    };
    c.allowed = true;
    c.template_id = admin_template(&c, "Matrix contacts");
    let mut failures = Vec::new();
    let mut calls = 0;
    for (name, policy, restricted) in &people {
        c.tag = name.clone();
        for r in rows() {
            if let Who::NotCalled(_) = r.who {
                continue;
            }
            let allowed = r.who.allows(*policy, *restricted);
            if !allowed || !matches!(r.cmd, "save_rejects" | "activity_export") {
                c.s.invoke("switch_user", json!({ "user": name })).unwrap();
            } else {
                continue;
            }
            calls += 1;
            c.allowed = allowed;
            let got = (r.call)(&c);
            let label = format!(
                "{} as {name} ({}{})",
                r.cmd,
                policy.label(),
                if *restricted { ", restricted" } else { "" }
            );
            match (allowed, &got) {
                (false, Err(e)) if e["code"] == "forbidden" => {
                    let m = e["message"].as_str().unwrap_or_default();
                    if !(m.contains(name) && (m.contains("needs") || m.contains("does not allow")))
                    {
                        failures.push(format!(
                            "{label}: the refusal does not say who and why: {m}"
                        ));
                    }
                }
                (false, other) => {
                    failures.push(format!("{label}: should be refused, got {other:?}"))
                }
                (true, Err(e)) if e["code"] == "forbidden" => {
                    failures.push(format!("{label}: should be allowed, got {e}"))
                }
                (true, Err(e))
                    if r.cmd == "restore_demo_destination" && e["code"] == "validation" => {}
                (true, Err(e)) if r.cmd == "add_job_to_list" && e["code"] == "not_found" => {}
                (true, Err(e)) => failures.push(format!("{label}: failed: {e}")),
                (true, Ok(v)) if r.masked => {
                    let text = v.to_string();
                    let shows_mask = text.contains(PII_MASK);
                    let shows_email = text.contains(&c.email);
                    if *restricted && (!shows_mask || shows_email || v["piiHidden"] != true) {
                        failures.push(format!("{label}: personal data is not masked: {text:.300}"));
                    }
                    if !*restricted && (shows_mask || !shows_email || v["piiHidden"] != false) {
                        failures.push(format!(
                            "{label}: personal data is masked for a user allowed to see it"
                        ));
                    }
                }
                (true, Ok(v)) if r.cmd == "list_destinations" => {
                    let names: Vec<&str> = v
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|d| d["name"].as_str().unwrap())
                        .collect();
                    let business = policy.is_business();
                    let sees_sandbox = names.contains(&"Local sandbox");
                    let expected = !business || !*restricted;
                    if sees_sandbox != expected {
                        failures.push(format!("{label}: offered {names:?}"));
                    }
                }
                (true, Ok(_)) => {}
            }
        }
    }
    assert!(calls > 400, "the matrix ran: {calls} calls");
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every refusal above went to the activity log, under the refused user's name.
    let refusals = ferry_core::ops::activity::list(
        &app,
        &users::resolve(&app, None).unwrap(),
        &ferry_core::ops::activity::ActivityQuery {
            user: Some("P0".into()),
            kind: Some("access".into()),
            ..Default::default()
        },
        0,
        500,
    )
    .unwrap();
    assert!(
        refusals.total > 10,
        "Amp360's refusals are recorded: {}",
        refusals.total
    );
    // The commands that ask before opening a native dialog record their refusals too.
    let summaries: Vec<&str> = refusals
        .entries
        .iter()
        .map(|e| e.summary.as_str())
        .collect();
    for action in [
        ferry_core::policy::Action::ReadActivity,
        ferry_core::policy::Action::ImportData,
        ferry_core::policy::Action::ManageDestinations,
    ] {
        let want = format!("Refused: {}", action.describe());
        assert!(
            summaries.contains(&want.as_str()),
            "{want:?} is not among Amp360's refusals: {summaries:?}"
        );
    }
}
