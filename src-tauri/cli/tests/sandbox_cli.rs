//! `ferry sandbox` as a person or a script starts it: what it prints, and start errors that
//! say what is wrong and which flag to change (real processes, real ports, a temp data folder).

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Output, Stdio};

/// `ferry` with a throw-away data folder and keychain service.
fn ferry(dir: &tempfile::TempDir, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ferry"));
    c.args(args)
        .env("FERRY_DATA_DIR", dir.path())
        .env(
            "FERRY_KEYCHAIN_SERVICE",
            format!("ferry-cli-sandbox-test-{}", std::process::id()),
        )
        .stdin(Stdio::null());
    c
}

/// Runs `ferry sandbox …` that is expected to fail at start.
fn failing_start(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("a temp dir");
    ferry(&dir, args).output().expect("ferry runs")
}

/// Kills the sandbox child when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_taken_port_is_named_with_the_way_out_and_exit_4() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port to occupy");
    let port = taken.local_addr().expect("its address").port().to_string();
    let out = failing_start(&["sandbox", "--port", &port]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(4),
        "a port in use exits 4 (in use): {err}"
    );
    assert!(
        err.contains(&format!("Port {port}")) && err.contains("--port 0"),
        "the message names the port and suggests --port 0: {err}"
    );
    assert!(
        !err.contains("A file could not be read or written"),
        "a taken port is not reported as a file problem: {err}"
    );
}

#[test]
fn a_malformed_or_unknown_key_names_the_flag_and_its_shape() {
    for spec in [
        "contactemailaddress1",
        "contact=nosuchcolumn",
        "nosuchtable=name",
    ] {
        let out = failing_start(&["sandbox", "--port", "0", "--key", spec]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "a bad --key is bad input: {err}"
        );
        assert!(
            err.contains("--key:") && err.contains("TABLE=COLUMN"),
            "the message names --key and the shape it takes ({spec}): {err}"
        );
        assert!(
            !err.contains("A file could not be read or written"),
            "a bad key is not reported as a file problem: {err}"
        );
    }
}

#[test]
fn a_data_file_that_is_not_a_database_is_named_in_json_errors() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let junk = dir.path().join("junk.sqlite3");
    std::fs::write(&junk, vec![b'x'; 4096]).expect("a junk file");
    let junk_path = junk.to_str().expect("a UTF-8 path");
    let out = ferry(
        &dir,
        &["--json", "sandbox", "--port", "0", "--data", junk_path],
    )
    .output()
    .expect("ferry runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unusable --data file is bad input"
    );
    let err: Value = serde_json::from_slice(&out.stderr).expect("a JSON error");
    assert_eq!(
        err["fields"][0]["field"], "sandboxData",
        "the data flag is named: {err}"
    );
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains(junk_path)),
        "the message names the file: {err}"
    );
}

#[test]
fn the_admin_key_is_printed_and_opens_the_admin_surface() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut child = ferry(&dir, &["--json", "sandbox", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("ferry starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the sandbox prints its details");
    let info: Value = serde_json::from_str(&line).expect("one JSON line");
    let key = info["adminKey"].as_str().expect("the admin key is printed");
    let header = info["adminKeyHeader"]
        .as_str()
        .expect("and the header to send it in");
    let authority = info["baseUrl"]
        .as_str()
        .and_then(|u| u.strip_prefix("http://"))
        .expect("a plain-HTTP base URL");
    let get_counts = |extra: &str| {
        let mut s = std::net::TcpStream::connect(authority).expect("the sandbox listens");
        s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .expect("a read bound");
        let request = format!(
            "GET /_sandbox/counts HTTP/1.1\r\nHost: {authority}\r\n{extra}Connection: close\r\n\r\n"
        );
        s.write_all(request.as_bytes()).expect("sent");
        let mut answer = String::new();
        s.read_to_string(&mut answer).expect("answered");
        answer
    };
    let with_key = get_counts(&format!("{header}: {key}\r\n"));
    assert!(
        with_key.starts_with("HTTP/1.1 200"),
        "the printed key opens the admin surface: {with_key}"
    );
    let without = get_counts("");
    assert!(
        without.starts_with("HTTP/1.1 401"),
        "without it the admin surface refuses: {without}"
    );
    drop(running);
}

#[test]
fn the_human_output_shows_the_admin_key_next_to_the_sign_in_details() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut child = ferry(&dir, &["sandbox", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("ferry starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let running = Running(child);
    let lines: Vec<String> = BufReader::new(stdout)
        .lines()
        .take(8)
        .map(|l| l.expect("a line"))
        .collect();
    let admin = lines
        .iter()
        .find(|l| l.trim_start().starts_with("Admin key:"));
    assert!(
        admin.is_some_and(|l| l.contains("x-ferry-sandbox-admin-key")),
        "an Admin key line names the header to send it in: {lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.trim_start().starts_with("Client secret:")),
        "the sign-in details are still printed: {lines:?}"
    );
    drop(running);
}

/// One HTTP/1.1 exchange over a fresh loopback connection: the status line, headers and body.
fn exchange(authority: &str, request: &str) -> (String, String) {
    let mut s = std::net::TcpStream::connect(authority).expect("the sandbox listens");
    s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("a read bound");
    s.write_all(request.as_bytes()).expect("sent");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("answered");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (head.to_string(), body.to_string())
}

fn header_of(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

#[test]
fn scaled_windows_and_the_server_time_model_are_flags_any_client_meets() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut child = ferry(
        &dir,
        &[
            "--json",
            "sandbox",
            "--port",
            "0",
            "--window-scale",
            "10",
            "--server-time",
            "1/5",
        ],
    )
    .stdout(Stdio::piped())
    .spawn()
    .expect("ferry starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the sandbox prints its details");
    let info: Value = serde_json::from_str(&line).expect("one JSON line");
    assert_eq!(info["limits"]["windowSeconds"], 30.0, "{info}");
    assert_eq!(info["limits"]["requestsPerWindow"], 600, "{info}");
    assert_eq!(info["limits"]["executionSecondsPerWindow"], 120.0, "{info}");
    assert_eq!(info["serverTimeMs"]["perOperation"], 8.0, "{info}");
    assert_eq!(info["serverTimeMs"]["perBulkCreate"], 2.0, "{info}");
    let authority = info["baseUrl"]
        .as_str()
        .and_then(|u| u.strip_prefix("http://"))
        .expect("a plain-HTTP base URL")
        .to_string();
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope={}",
        info["clientId"].as_str().unwrap_or_default(),
        info["clientSecret"]
            .as_str()
            .unwrap_or_default()
            .replace('~', "%7E"),
        format!("{}/.default", info["baseUrl"].as_str().unwrap_or_default())
            .replace(':', "%3A")
            .replace('/', "%2F"),
    );
    let token_path = info["tokenUrl"]
        .as_str()
        .and_then(|u| u.split_once(&authority))
        .map(|(_, p)| p.to_string())
        .expect("a token URL on this sandbox");
    let (_, body) = exchange(
        &authority,
        &format!(
            "POST {token_path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
            form.len()
        ),
    );
    let token: Value = serde_json::from_str(&body).expect("a token answer");
    let token = token["access_token"].as_str().expect("a token").to_string();
    let call = |method: &str, path: &str, body: &str| {
        exchange(
            &authority,
            &format!(
                "{method} /api/data/v9.2/{path} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ),
        )
    };
    let (head, _) = call("GET", "WhoAmI", "");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(
        header_of(&head, "x-ms-ratelimit-time-remaining-xrm-requests").as_deref(),
        Some("120.00"),
        "a tenth of the 1,200 s execution budget: {head}"
    );
    assert_eq!(
        header_of(&head, "x-ms-ratelimit-burst-remaining-xrm-requests").as_deref(),
        Some("599"),
        "a tenth of the 6,000 requests, one spent: {head}"
    );
    let (created, _) = call("POST", "contacts", r#"{"lastname":"Scaled"}"#);
    assert!(created.starts_with("HTTP/1.1 204"), "{created}");
    let stats = exchange(
        &authority,
        &format!(
            "GET /_sandbox/stats HTTP/1.1\r\nHost: {authority}\r\n{}: {}\r\nConnection: close\r\n\r\n",
            info["adminKeyHeader"].as_str().unwrap_or_default(),
            info["adminKey"].as_str().unwrap_or_default()
        ),
    );
    let stats: Value = serde_json::from_str(&stats.1).expect("stats answer JSON");
    assert_eq!(
        stats["serverTimeChargedMs"].as_f64(),
        Some(8.0),
        "one write is charged one operation at 1/5 scale: {stats}"
    );
    drop(running);
}

#[test]
fn a_bad_server_time_or_window_scale_names_the_flag() {
    for (args, flag) in [
        (
            vec!["sandbox", "--port", "0", "--server-time", "2/5"],
            "--server-time",
        ),
        (
            vec!["sandbox", "--port", "0", "--server-time", "1/0"],
            "--server-time",
        ),
        (
            vec!["sandbox", "--port", "0", "--window-scale", "0"],
            "--window-scale",
        ),
        (
            vec!["sandbox", "--port", "0", "--app-users", "0"],
            "--app-users",
        ),
        (
            vec![
                "sandbox",
                "--port",
                "0",
                "--profile",
                "fast",
                "--window-scale",
                "10",
            ],
            "--window-scale",
        ),
    ] {
        let out = failing_start(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?} is bad input: {err}");
        assert!(
            err.contains(&format!("{flag}:")),
            "{args:?} names {flag}: {err}"
        );
    }
}

/// Signs in over plain HTTP with a client id and secret from the start line; the token.
fn sign_in(info: &Value, authority: &str, client_id: &str, secret: &str) -> String {
    let enc = |s: &str| form_urlencoded_component(s);
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope={}",
        enc(client_id),
        enc(secret),
        enc(&format!(
            "{}/.default",
            info["baseUrl"].as_str().unwrap_or_default()
        )),
    );
    let token_path = info["tokenUrl"]
        .as_str()
        .and_then(|u| u.split_once(authority))
        .map(|(_, p)| p.to_string())
        .expect("a token URL on this sandbox");
    let (head, body) = exchange(
        authority,
        &format!(
            "POST {token_path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
            form.len()
        ),
    );
    assert!(
        head.starts_with("HTTP/1.1 200"),
        "{client_id} signs in: {head}\n{body}"
    );
    let token: Value = serde_json::from_str(&body).expect("a token answer");
    token["access_token"].as_str().expect("a token").to_string()
}

/// Percent-encodes everything but unreserved characters, as a form value needs.
fn form_urlencoded_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn app_users_lists_every_app_and_each_signs_in_as_its_own_user() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut child = ferry(
        &dir,
        &["--json", "sandbox", "--port", "0", "--app-users", "3"],
    )
    .stdout(Stdio::piped())
    .spawn()
    .expect("ferry starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the sandbox prints its details");
    let info: Value = serde_json::from_str(&line).expect("one JSON line");
    let apps = info["apps"].as_array().expect("the apps are listed");
    assert_eq!(apps.len(), 3, "one entry per app user: {info}");
    assert_eq!(
        apps[0]["clientId"], info["clientId"],
        "the first app is the one clientId has always named: {info}"
    );
    let authority = info["baseUrl"]
        .as_str()
        .and_then(|u| u.strip_prefix("http://"))
        .expect("a plain-HTTP base URL")
        .to_string();
    let mut users = Vec::new();
    for app in apps {
        let id = app["clientId"].as_str().expect("a client id");
        let secret = app["clientSecret"].as_str().expect("a client secret");
        let token = sign_in(&info, &authority, id, secret);
        let (head, body) = exchange(
            &authority,
            &format!(
                "GET /api/data/v9.2/WhoAmI HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
            ),
        );
        assert!(
            head.starts_with("HTTP/1.1 200"),
            "WhoAmI answers {id}: {head}"
        );
        let who: Value = serde_json::from_str(&body).expect("WhoAmI answers JSON");
        assert_eq!(who["UserId"], app["userId"], "{id} is its own user: {who}");
        users.push(who["UserId"].to_string());
    }
    users.sort();
    users.dedup();
    assert_eq!(users.len(), 3, "three apps, three application users");
    drop(running);
}
