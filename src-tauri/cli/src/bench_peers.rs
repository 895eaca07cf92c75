//! `ferry bench --peers`: the same contacts sent by two third-party Dataverse clients, used as
//! published, against the same HTTPS sandbox, and Ferry's figures set against the faster of
//! them: once on the fast profile (the clients' own cost) and once on the realistic one
//! (Dataverse's limits and server time, see [`Setting`]).
//!
//! The peers are the fidelity tests' clients (`tests/fidelity/setup.sh` installs them):
//! dynamics-web-api through `$batch` (`tests/fidelity/bench_js.mjs`) and Microsoft's
//! PowerPlatform-Dataverse-Client through `CreateMultiple` (`tests/fidelity/bench_py.py`). Each
//! runs as its own process and reports its own wall time and CPU time, so the sandbox's CPU is
//! never counted for anyone. The sandbox is reset before each run, so every run creates rows
//! in an empty table; its record count afterwards shows whether rows were lost.

use ferry_core::{Error, Result};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the bench wants from Ferry: at least this many times the faster peer's rows/s…
pub const TARGET_RATE: f64 = 3.0;
/// …and at most 1/this of its CPU per row.
pub const TARGET_CPU: f64 = 5.0;

/// One contact of the bench, the same for Ferry and the peers (the scripts build the same
/// shape: keep them identical).
pub fn contact(i: usize) -> serde_json::Map<String, Value> {
    let v = json!({
        "emailaddress1": format!("bench{i}@example.com"),
        "firstname": format!("First{i}"),
        "lastname": format!("Last{i}"),
        "jobtitle": "Buyer",
        "telephone1": format!("+44 20 7946 {:04}", i % 10_000),
        "address1_city": "London",
    });
    match v {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// One tool's run: rows created, wall seconds and the tool's own CPU seconds.
#[derive(Debug, Clone)]
pub struct Run {
    /// Tool name for the table.
    pub tool: String,
    /// Rows the tool reported as created.
    pub rows: usize,
    /// Rows in the sandbox's contact table afterwards.
    pub counted: Option<u64>,
    /// Wall-clock seconds of the sends.
    pub seconds: f64,
    /// CPU seconds (user + system) of the tool's process over the sends.
    pub cpu_seconds: f64,
    /// CPU seconds the sandbox (a child process) spent meanwhile, when known.
    pub sandbox_cpu_seconds: Option<f64>,
    /// How it sent them.
    pub how: String,
}

impl Run {
    /// Rows per second.
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.rows as f64 / self.seconds
        } else {
            0.0
        }
    }

    /// CPU seconds per 1,000 rows.
    pub fn cpu_per_1k(&self) -> f64 {
        if self.rows > 0 {
            self.cpu_seconds / self.rows as f64 * 1000.0
        } else {
            f64::NAN
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "tool": self.tool, "rows": self.rows, "counted": self.counted,
            "sandboxCpuSeconds": self.sandbox_cpu_seconds,
            "seconds": round(self.seconds, 3), "rowsPerSecond": self.rate().round(),
            "cpuSeconds": round(self.cpu_seconds, 3),
            "cpuSecondsPer1kRows": round(self.cpu_per_1k(), 4), "how": self.how,
        })
    }
}

/// One run made of several: the median wall time and the median CPU time (each on its own),
/// the fewest rows reported and counted. `None` for no runs.
pub fn median(runs: &[Run]) -> Option<Run> {
    let first = runs.first()?;
    let mid = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    let mut how = first.how.clone();
    if runs.len() > 1 {
        how.push_str(&format!("; median of {}", runs.len()));
    }
    Some(Run {
        tool: first.tool.clone(),
        rows: runs.iter().map(|r| r.rows).min().unwrap_or(0),
        counted: runs.iter().map(|r| r.counted).min().flatten(),
        seconds: mid(runs.iter().map(|r| r.seconds).collect()),
        cpu_seconds: mid(runs.iter().map(|r| r.cpu_seconds).collect()),
        sandbox_cpu_seconds: runs
            .iter()
            .map(|r| r.sandbox_cpu_seconds)
            .collect::<Option<Vec<f64>>>()
            .map(mid),
        how,
    })
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

fn io(e: impl std::fmt::Display) -> Error {
    Error::Io(std::io::Error::other(e.to_string()))
}

/// Where the peers live: `tests/fidelity` in the source tree, found from `FERRY_FIDELITY_DIR`,
/// the working directory or the binary's location (`target/release/ferry` sits two levels
/// below the repository).
pub fn fidelity_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("FERRY_FIDELITY_DIR") {
        return Some(PathBuf::from(d));
    }
    let mut starts = Vec::new();
    if let Ok(d) = std::env::current_dir() {
        starts.push(d);
    }
    if let Ok(exe) = std::env::current_exe() {
        starts.push(exe);
    }
    starts.iter().find_map(|s| {
        s.ancestors()
            .map(|a| a.join("tests").join("fidelity"))
            .find(|d| d.join("bench_js.mjs").is_file())
    })
}

/// Why the peers cannot run, as a line telling how to install them; `None` when they can.
pub fn missing(dir: Option<&Path>) -> Option<String> {
    let Some(dir) = dir else {
        return Some(
            "Peers skipped: tests/fidelity was not found (run from the Ferry source tree or set \
             FERRY_FIDELITY_DIR)."
                .into(),
        );
    };
    let node = Command::new("node").arg("--version").output();
    let node_ok = node.map(|o| o.status.success()).unwrap_or(false);
    if !node_ok
        || !dir.join("node_modules/dynamics-web-api").is_dir()
        || !dir.join(".venv/bin/python").is_file()
    {
        return Some(format!(
            "Peers skipped: the fidelity clients are not installed. Install them with {}/setup.sh \
             (needs node >= 18 with npm and python3 >= 3.10 with venv).",
            dir.display()
        ));
    }
    None
}

/// A fresh private folder for a benchmark run: a random name under the temp folder, 0700 on
/// Unix, removed when dropped. A predictable path in the shared temp folder could be prepared
/// (or watched) by another user.
pub fn private_work_dir() -> std::io::Result<tempfile::TempDir> {
    let mut builder = tempfile::Builder::new();
    builder.prefix("ferry-bench-");
    // NOTE: tempfile creates folders with the umask's mode; the mode is set at creation so
    // there is no moment in which the folder is open to others.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o700));
    }
    builder.tempdir()
}

/// Runs one peer script with the sandbox's description (`info`, JSON with its secret) on its
/// standard input, and reads its closing JSON line.
fn run_script(mut cmd: Command, info: &str, tool: &str, how: &str) -> Result<Run> {
    use std::io::Write;
    // NOTE: the scripts read the description from a path; /dev/stdin lets them read this pipe
    // instead, so the secret is never written to a file.
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        // A script that dies early closes the pipe; its exit status tells why, below.
        let _ = stdin.write_all(info.as_bytes());
    }
    let out = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'));
    let parsed = line.and_then(|l| serde_json::from_str::<Value>(l).ok());
    let Some(v) = parsed.filter(|_| out.status.success()) else {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(6).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(io(format!(
            "{tool} failed ({}): {} {}",
            out.status,
            stdout.trim(),
            tail.join(" | ")
        )));
    };
    Ok(Run {
        tool: tool.into(),
        rows: v["rows"].as_u64().unwrap_or(0) as usize,
        counted: None,
        seconds: v["seconds"].as_f64().unwrap_or(0.0),
        cpu_seconds: v["cpuSeconds"].as_f64().unwrap_or(f64::NAN),
        sandbox_cpu_seconds: None,
        how: how.into(),
    })
}

/// dynamics-web-api: `$batch` of 1,000 creates, one batch at a time.
pub fn run_js(dir: &Path, info: &str, ca: &Path, rows: usize) -> Result<Run> {
    let mut cmd = Command::new("node");
    cmd.arg(dir.join("bench_js.mjs"))
        .arg("/dev/stdin")
        .arg(rows.to_string())
        .env("NODE_EXTRA_CA_CERTS", ca)
        .env_remove("PARALLEL");
    run_script(
        cmd,
        info,
        "dynamics-web-api 2.x (node)",
        "$batch, 1,000 creates each, sequential",
    )
}

/// PowerPlatform-Dataverse-Client: `CreateMultiple` of 1,000, one call at a time.
pub fn run_py(dir: &Path, info: &str, ca: &Path, rows: usize) -> Result<Run> {
    let mut cmd = Command::new(dir.join(".venv/bin/python"));
    cmd.args(["-W", "ignore::DeprecationWarning"])
        .arg(dir.join("bench_py.py"))
        .arg("/dev/stdin")
        .arg(rows.to_string())
        .env("REQUESTS_CA_BUNDLE", ca);
    run_script(
        cmd,
        info,
        "PowerPlatform-Dataverse-Client (python)",
        "CreateMultiple, 1,000 per call, sequential",
    )
}

/// The comparison against the faster peer, as printed lines and JSON.
pub struct Verdict {
    /// Lines to print.
    pub lines: Vec<String>,
    /// The same as JSON.
    pub json: Value,
}

fn pass(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "MISS"
    }
}

/// Which sandbox the tools were compared on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// No limits, no added latency, the sandbox in its own process: the clients' own cost.
    Fast,
    /// Dataverse's documented limits and this much server time per request and per row
    /// written (milliseconds): the server's work dominates, as with Dataverse itself.
    Realistic {
        /// Added to every request.
        per_request_ms: u64,
        /// Server time per row a bulk message creates.
        per_bulk_create_ms: u64,
        /// Server time per single or `$batch` operation.
        per_operation_ms: u64,
    },
}

/// Formats the table of every run and the ratios of Ferry against the faster peer.
pub fn compare(
    ferry: &Run,
    peers: &[Run],
    peer_rows: usize,
    cores: usize,
    setting: Setting,
) -> Verdict {
    let mut lines = Vec::new();
    let all: Vec<&Run> = std::iter::once(ferry).chain(peers.iter()).collect();
    let w = all.iter().map(|r| r.tool.len()).max().unwrap_or(4).max(4);
    lines.push(format!(
        "{:<w$}  {:>8}  {:>9}  {:>8}  {:>13}  {:>7}  how",
        "tool", "rows", "rows/s", "CPU s", "CPU s/1k rows", "stored"
    ));
    for r in &all {
        let stored = r
            .counted
            .map(|c| c.to_string())
            .unwrap_or_else(|| "?".into());
        lines.push(format!(
            "{:<w$}  {:>8}  {:>9.0}  {:>8.2}  {:>13.4}  {:>7}  {}",
            r.tool,
            r.rows,
            r.rate(),
            r.cpu_seconds,
            r.cpu_per_1k(),
            stored,
            r.how
        ));
    }
    let faster = peers
        .iter()
        .filter(|p| p.rows > 0)
        .max_by(|a, b| a.rate().total_cmp(&b.rate()));
    let Some(p) = faster else {
        lines.push("No peer finished, so there is nothing to compare with.".into());
        return Verdict {
            lines,
            json: json!({ "runs": all.iter().map(|r| r.to_json()).collect::<Vec<_>>() }),
        };
    };
    let rate_ratio = ferry.rate() / p.rate();
    // NOTE: "1/Y CPU per row": Y is how many times less CPU per row Ferry spends.
    let cpu_fraction = p.cpu_per_1k() / ferry.cpu_per_1k();
    match setting {
        Setting::Fast => lines.push(format!(
            "Fast profile: every run above created {peer_rows} contacts in an emptied table of \
             the same HTTPS sandbox (no limits, no added latency, in its own process), 1,000 per \
             request. This measures the clients' own cost: CPU per row, and rows/s as far as the \
             sandbox's CPU allows. The rows are built before and freed after each tool's timed \
             window, for every tool. They are compared at the same N because the sandbox's rate \
             does depend on N: SQLite slows as the table grows (see Ferry's own --rows run)."
        )),
        Setting::Realistic {
            per_request_ms,
            per_bulk_create_ms,
            per_operation_ms,
        } => lines.push(format!(
            "Realistic profile: every run above created {peer_rows} contacts in an emptied table \
             of an HTTPS sandbox with Dataverse's documented service-protection limits (52 in \
             flight, 6,000 requests per 300 s) and {per_request_ms} ms per request + \
             {per_bulk_create_ms} ms of server time per row a bulk message creates or \
             {per_operation_ms} ms per $batch operation (Microsoft's sample ratio), so \
             Dataverse's own work dominates, as in production. The peers send one request at a \
             time, as their docs show; Ferry sends in parallel up to the server's x-ms-dop-hint. \
             Ferry's CPU here leaves out the in-process sandbox's threads."
        )),
    }
    lines.push(format!("Faster peer: {}.", p.tool));
    lines.push(format!(
        "Ferry vs faster peer: {rate_ratio:.1}× rows/s, 1/{cpu_fraction:.1} CPU per row."
    ));
    lines.push(format!(
        "  rows/s     ≥ {TARGET_RATE:.0}× the faster peer: {rate_ratio:.1}×  {}",
        pass(rate_ratio >= TARGET_RATE)
    ));
    let cpu_judged = setting == Setting::Fast;
    if cpu_judged {
        lines.push(format!(
            "  CPU per row ≤ 1/{TARGET_CPU:.0} of the faster peer's: 1/{cpu_fraction:.1}  {}",
            pass(cpu_fraction >= TARGET_CPU)
        ));
    } else {
        lines.push(format!(
            "  CPU per row: 1/{cpu_fraction:.1} of the faster peer's (judged in the fast \
             profile, where the clients' own cost is not hidden by waiting)"
        ));
    }
    let mut machine_ceiling = None;
    if let Some(server) = ferry
        .sandbox_cpu_seconds
        .filter(|s| *s > 0.0 && setting == Setting::Fast)
    {
        // NOTE: client and sandbox share the machine's cores, so no client can create rows
        // faster than the cores can pay for the sandbox's CPU per row plus its own.
        let per_row = (server + ferry.cpu_seconds) / ferry.rows.max(1) as f64;
        let ceiling = cores as f64 / per_row;
        machine_ceiling = Some(ceiling.round());
        lines.push(format!(
            "  Why rows/s cannot reach {TARGET_RATE:.0}× here: {TARGET_RATE:.0}× the faster peer \
             is {:.0} rows/s, but the sandbox itself spends {:.4} CPU s per 1k rows creating \
             contacts, so {cores} cores shared by client and sandbox top out near {ceiling:.0} \
             rows/s for any client (Ferry reached {:.0}% of that).",
            TARGET_RATE * p.rate(),
            server / ferry.rows.max(1) as f64 * 1000.0,
            ferry.rate() / ceiling * 100.0
        ));
    }
    let json = json!({
        "machineCeilingRowsPerSecond": machine_ceiling,
        "runs": all.iter().map(|r| r.to_json()).collect::<Vec<_>>(),
        "fasterPeer": p.tool,
        "rateRatio": round(rate_ratio, 2),
        "rateTarget": TARGET_RATE,
        "ratePass": rate_ratio >= TARGET_RATE,
        "cpuPerRowFraction": format!("1/{cpu_fraction:.1}"),
        "cpuPerRowDivisor": round(cpu_fraction, 2),
        "cpuTarget": format!("1/{TARGET_CPU:.0}"),
        "cpuPass": cpu_judged.then_some(cpu_fraction >= TARGET_CPU),
        "rowsPerRun": peer_rows,
        "setting": match setting {
            Setting::Fast => "fast",
            Setting::Realistic { .. } => "realistic",
        },
    });
    Verdict { lines, json }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(tool: &str, rows: usize, seconds: f64, cpu: f64) -> Run {
        Run {
            tool: tool.into(),
            rows,
            counted: Some(rows as u64),
            seconds,
            cpu_seconds: cpu,
            sandbox_cpu_seconds: None,
            how: String::new(),
        }
    }

    #[test]
    fn the_work_folder_is_private_and_unpredictable() {
        let a = private_work_dir().unwrap();
        let b = private_work_dir().unwrap();
        assert_ne!(a.path(), b.path(), "each run gets its own folder");
        let name = a.path().file_name().unwrap().to_string_lossy().to_string();
        assert_ne!(
            name,
            format!("ferry-bench-{}", std::process::id()),
            "the name is not derived from the process id"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(a.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "only the owner can enter it: {mode:o}");
        }
    }

    #[test]
    fn a_peer_reads_the_sandbox_description_from_a_pipe() {
        // NOTE: `sh` stands in for node and python: like them it opens the path it is given.
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "cat \"$0\"; echo", "/dev/stdin"]);
        let run = run_script(cmd, r#"{"rows":7,"seconds":1.5}"#, "sh", "cat").unwrap();
        assert_eq!(run.rows, 7, "the piped description reached the script");
    }

    #[test]
    fn compares_with_the_faster_peer() {
        let ferry = run("ferry", 100_000, 2.0, 1.0);
        let peers = [run("js", 20_000, 2.0, 2.0), run("py", 20_000, 4.0, 4.0)];
        let v = compare(&ferry, &peers, 20_000, 2, Setting::Fast);
        assert_eq!(v.json["fasterPeer"], "js", "js is faster: {}", v.json);
        assert_eq!(v.json["rateRatio"], 5.0, "50k vs 10k rows/s: {}", v.json);
        assert_eq!(
            v.json["cpuPerRowDivisor"], 10.0,
            "0.01 vs 0.1 s/1k: {}",
            v.json
        );
        assert_eq!(v.json["ratePass"], true, "{}", v.json);
        assert_eq!(v.json["cpuPass"], true, "{}", v.json);
        assert!(
            v.lines
                .iter()
                .any(|l| l.contains("5.0× rows/s, 1/10.0 CPU")),
            "the ratio line: {:?}",
            v.lines
        );
    }

    #[test]
    fn a_slow_ferry_misses() {
        let ferry = run("ferry", 100_000, 10.0, 10.0);
        let peers = [run("js", 20_000, 2.0, 1.0)];
        let v = compare(&ferry, &peers, 20_000, 2, Setting::Fast);
        assert_eq!(v.json["ratePass"], false, "{}", v.json);
        assert_eq!(v.json["cpuPass"], false, "{}", v.json);
        assert!(
            v.lines.iter().filter(|l| l.ends_with("MISS")).count() == 2,
            "{:?}",
            v.lines
        );
    }

    #[test]
    fn the_realistic_setting_judges_rows_per_second_only() {
        let ferry = run("ferry", 10_000, 4.0, 0.5);
        let peers = [run("js", 10_000, 20.0, 0.1), run("py", 10_000, 21.0, 0.1)];
        let setting = Setting::Realistic {
            per_request_ms: 40,
            per_bulk_create_ms: 2,
            per_operation_ms: 8,
        };
        let v = compare(&ferry, &peers, 10_000, 2, setting);
        assert_eq!(v.json["ratePass"], true, "5× the faster peer: {}", v.json);
        assert_eq!(v.json["cpuPass"], Value::Null, "CPU not judged: {}", v.json);
        assert_eq!(v.json["setting"], "realistic", "{}", v.json);
        assert!(
            v.lines.iter().any(
                |l| l.contains("40 ms per request + 2 ms of server time per row")
                    && l.contains("8 ms per $batch operation")
            ),
            "the server time is named: {:?}",
            v.lines
        );
        assert_eq!(
            v.lines.iter().filter(|l| l.ends_with("PASS")).count(),
            1,
            "one verdict: {:?}",
            v.lines
        );
    }

    #[test]
    fn the_median_takes_time_and_cpu_separately() {
        let runs = [
            run("js", 20_000, 1.0, 3.0),
            run("js", 20_000, 3.0, 1.0),
            run("js", 19_999, 2.0, 2.0),
        ];
        let m = median(&runs).expect("three runs");
        assert_eq!((m.seconds, m.cpu_seconds), (2.0, 2.0), "{m:?}");
        assert_eq!(m.rows, 19_999, "the fewest rows: {m:?}");
        assert!(m.how.ends_with("median of 3"), "{m:?}");
        assert!(median(&[]).is_none(), "no runs, no median");
    }

    #[test]
    fn no_peer_means_no_ratio() {
        let v = compare(&run("ferry", 10, 1.0, 1.0), &[], 20_000, 2, Setting::Fast);
        assert!(v.json.get("rateRatio").is_none(), "{}", v.json);
    }

    #[test]
    fn the_contact_shape_is_distinct_per_row() {
        let (a, b) = (contact(1), contact(2));
        for k in ["emailaddress1", "firstname", "lastname"] {
            assert_ne!(a[k], b[k], "{k} differs");
        }
        assert_eq!(a["telephone1"], "+44 20 7946 0001", "padded phone");
    }
}
