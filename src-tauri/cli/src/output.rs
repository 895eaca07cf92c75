//! How the CLI prints: aligned text for people, JSON for scripts, and errors that name the
//! flag to fix.

use ferry_core::expiry::date_text;
use ferry_core::ops::credentials::CredentialView;
use ferry_core::ops::destinations::DestinationView;
use ferry_core::ops::status::AppStatus;
use ferry_core::plugins::Plugin;
use ferry_core::{Error, ErrorCode, ErrorReply};
use serde::Serialize;

/// Prints results in the chosen format.
pub struct Printer {
    pub json: bool,
}

/// Prints one value as pretty JSON on stdout.
pub fn print_json<T: Serialize + ?Sized>(v: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("views always serialise")
    );
}

/// Prints rows under headers, each column as wide as its widest value.
pub fn table(headers: &[&str], rows: Vec<Vec<String>>) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(headers.iter().map(|h| h.to_string()).collect());
    for r in rows {
        line(r);
    }
}

fn access(d: &DestinationView) -> String {
    let who = if d.business_users {
        "business users"
    } else {
        "admins only"
    };
    if d.restricted_pii {
        format!("{who}, restricted PII ok")
    } else {
        who.to_string()
    }
}

impl Printer {
    pub fn status(&self, s: &AppStatus) {
        if self.json {
            return print_json(s);
        }
        println!("Data folder: {}", s.data_dir);
        println!("Keychain:    {}", s.keychain.message);
        if s.expiring.is_empty() {
            println!("No credential expires within 30 days.");
        }
        for c in &s.expiring {
            println!(
                "Credential \"{}\": {} ({}). Rotate with: ferry credentials rotate \"{}\" --expires 1y",
                c.name,
                c.expiry.summary,
                date_text(c.expiry.expires_on),
                c.name
            );
        }
    }

    pub fn plugins(&self, p: &[&Plugin]) {
        if self.json {
            return print_json(p);
        }
        table(
            &["ID", "NAME", "API VERSIONS"],
            p.iter()
                .map(|p| vec![p.id.into(), p.name.into(), p.api_versions.join(", ")])
                .collect(),
        );
    }

    pub fn credentials(&self, list: &[CredentialView]) {
        if self.json {
            return print_json(list);
        }
        if list.is_empty() {
            println!("No credentials yet. Add one with: ferry credentials add --name NAME --client-id GUID --expires 1y < secret.txt");
            return;
        }
        table(
            &["NAME", "CLIENT ID", "EXPIRES", "STATUS", "USED BY"],
            list.iter()
                .map(|c| {
                    vec![
                        c.name.clone(),
                        c.client_id.clone(),
                        date_text(c.expiry.expires_on),
                        c.expiry.summary.clone(),
                        c.used_by
                            .iter()
                            .map(|u| u.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    ]
                })
                .collect(),
        );
    }

    pub fn credential(&self, c: &CredentialView) {
        if self.json {
            return print_json(c);
        }
        println!("Credential {} ({})", c.name, c.id);
        println!("  Client ID:  {}", c.client_id);
        let stored = match c.secret_stored {
            Some(true) => "stored in the keychain",
            Some(false) => "missing from the keychain: rotate to add one",
            None => "keychain unavailable",
        };
        println!("  Secret:     {stored}");
        match c.expiry.expires_on {
            Some(d) => println!("  Expires:    {d} ({})", c.expiry.summary),
            None => println!("  Expires:    never"),
        }
        if !c.used_by.is_empty() {
            let names: Vec<_> = c.used_by.iter().map(|u| u.name.as_str()).collect();
            println!("  Used by:    {}", names.join(", "));
        }
    }

    pub fn destinations(&self, list: &[DestinationView]) {
        if self.json {
            return print_json(list);
        }
        if list.is_empty() {
            println!("No destinations yet. Add one with: ferry destinations add --help");
            return;
        }
        table(
            &[
                "NAME",
                "PLUGIN",
                "CREDENTIAL",
                "DYNAMICS URL",
                "ACCESS",
                "SECRET",
            ],
            list.iter()
                .map(|d| {
                    vec![
                        d.name.clone(),
                        d.plugin.name.clone(),
                        match d.extra_credentials.len() {
                            0 => d.credential.name.clone(),
                            n => format!("{} (+{n})", d.credential.name),
                        },
                        d.dynamics_url.clone(),
                        access(d),
                        d.credential.expiry.summary.clone(),
                    ]
                })
                .collect(),
        );
    }

    pub fn destination(&self, d: &DestinationView) {
        if self.json {
            return print_json(d);
        }
        println!("Destination {} ({})", d.name, d.id);
        println!("  Plugin:       {}", d.plugin.name);
        println!("  Dynamics URL: {} — {}", d.dynamics_url, d.cloud_label);
        println!("  Tenant:       {}", d.tenant_id);
        println!("  API version:  {}", d.api_version);
        println!(
            "  Credential:   {} ({})",
            d.credential.name, d.credential.expiry.summary
        );
        if !d.extra_credentials.is_empty() {
            let names: Vec<&str> = d
                .extra_credentials
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            println!(
                "  Additional:   {} (each its own application user)",
                names.join(", ")
            );
        }
        println!("  Access:       {}", access(d));
    }

    pub fn done(&self, message: &str) {
        if self.json {
            print_json(&serde_json::json!({ "ok": true, "message": message }));
        } else {
            println!("{message}");
        }
    }
}

/// The flag or argument a person changes to fix `field`, for text output.
fn flag_for(field: &str) -> String {
    let flag = match field {
        "credentialId" => "--credential",
        "extraCredentials" => "--extra-credential",
        "tenantId" => "--tenant",
        "dynamicsUrl" => "--url",
        "apiVersion" => "--api-version",
        "clientId" => "--client-id",
        "clientSecret" => "the secret on standard input",
        "expiry" => "--expires",
        "name" => "--name",
        "description" => "--description",
        "plugin" => "--plugin",
        "port" => "--port",
        "https" => "--https",
        "sandboxKey" => "--key",
        "sandboxData" => "--data",
        "caOut" => "--ca-out",
        "serverTime" => "--server-time",
        "windowScale" => "--window-scale",
        "appUsers" => "--app-users",
        "table" => "--table",
        "mode" => "--mode",
        "delimiter" => "--delimiter",
        "encoding" => "--encoding",
        "file" => "FILE",
        "columns" => "the file's columns",
        "rows" => "--rows",
        "replace" => "--replace",
        "type" => "--type",
        "pii" => "--pii",
        "noPii" => "--no-pii",
        "skip" => "--skip",
        "rename" => "--rename",
        "rejects" => "--rejects",
        "sql" => "--sql",
        "timeLimitSecs" => "--time-limit",
        "definitionFile" => "--file",
        "format" => "--json/--csv",
        "policy" => "--policy",
        "user" => "--as (or FERRY_USER)",
        "since" => "--since",
        "until" => "--until",
        "chunk" => "--chunk",
        other => return column_flag(other).unwrap_or_else(|| other.to_string()),
    };
    flag.to_string()
}

/// `columns[2].name` (an import's planned column) as "column 3 (--rename)"; a segment
/// definition's `definition.rules.rules[0].column` as "definition rules.rules[0].column".
fn column_flag(field: &str) -> Option<String> {
    if let Some(path) = field.strip_prefix("definition.") {
        return Some(format!("definition {path}"));
    }
    let rest = field.strip_prefix("columns[")?;
    let (index, what) = rest.split_once("].")?;
    let n: usize = index.parse().ok()?;
    let flag = match what {
        "name" => "--rename",
        "type" => "--type",
        _ => "--skip",
    };
    Some(format!("column {} ({flag})", n + 1))
}

/// Prints an error to stderr: JSON with `--json`, else one line per problem.
pub fn error(e: &Error, json: bool) {
    let reply = ErrorReply::from(e);
    if json {
        eprintln!(
            "{}",
            serde_json::to_string(&reply).expect("errors always serialise")
        );
        return;
    }
    if reply.fields.is_empty() {
        eprintln!("error: {}", reply.message);
    } else {
        eprintln!("error: some values need fixing:");
        for f in &reply.fields {
            eprintln!("  {}: {}", flag_for(&f.field), f.message);
        }
    }
}

/// Prints a warning to stderr, in text mode only.
///
/// NOTE: with `--json`, stderr carries at most one JSON document (the error), which scripts
/// parse whole; a damaged file still reaches them as that error on the first refused write.
pub fn warning(message: &str, json: bool) {
    if !json {
        eprintln!("warning: {message}");
    }
}

/// Exit status per error code, so scripts can tell bad input from a locked keychain.
///
/// NOTE: a cancel can only come from Ctrl-C in the CLI, so it exits with the shell's own code
/// for an interrupted command, 128 + SIGINT.
pub fn exit_code(e: &Error) -> u8 {
    match e.code() {
        ErrorCode::Internal => 1,
        ErrorCode::Validation => 2,
        ErrorCode::NotFound => 3,
        ErrorCode::InUse => 4,
        ErrorCode::KeychainUnavailable => 5,
        ErrorCode::AuthFailed => 6,
        ErrorCode::Forbidden => 7,
        ErrorCode::Throttled => 8,
        ErrorCode::Network => 9,
        ErrorCode::Remote => 10,
        ErrorCode::Sql => 11,
        ErrorCode::WriteRefused => 12,
        ErrorCode::TimedOut => 13,
        ErrorCode::Cancelled => 130,
    }
}
