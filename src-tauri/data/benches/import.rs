//! Import benchmark (prints figures; not a timed test): Ferry's CSV import against the
//! `sqlite3` shell's `.import --csv` of the same generated file, in the same run.
//!
//! `cargo bench -p ferry-data --bench import` writes a 1,000,000-row, 15-column CSV (about
//! 200 MB; `FERRY_BENCH_ROWS` changes the count) to a temporary folder, then:
//! - runs Ferry's inspect + import (type inference, typed values, a rejects file) in a child
//!   process of this binary, which reports its own peak RSS (VmHWM) when done;
//! - runs `sqlite3 DB ".import --csv FILE t"` (all-text columns, no checks) and samples its
//!   VmHWM while it runs.
//!
//! `FERRY_BENCH_DIR=/some/dir` keeps the CSV and both databases there, and the Ferry side
//! alone can then be profiled: `perf record BENCH_BINARY --ferry-import-child CSV DIR`.
//!
//! A few rows in every 100,000 are deliberately bad (a date that does not exist, a missing
//! value) so Ferry's rejects path is part of the measurement.

use ferry_data::import::{inspect, ImportMode, ImportRequest, InspectOptions};
use ferry_data::{CancelToken, DataStore};
use rand::{Rng, SeedableRng};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_FLAG: &str = "--ferry-import-child";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == CHILD_FLAG) {
        child(Path::new(&args[i + 1]), Path::new(&args[i + 2]));
        return;
    }
    let rows: u64 = std::env::var("FERRY_BENCH_ROWS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    // FERRY_BENCH_DIR keeps the files (for profiling the child on its own); by default they
    // live in a temporary folder removed at the end.
    let temp = tempfile::tempdir().expect("a temporary folder");
    let kept = std::env::var_os("FERRY_BENCH_DIR").map(std::path::PathBuf::from);
    let dir = kept.as_deref().unwrap_or(temp.path());
    let csv = dir.join("customers.csv");
    let started = Instant::now();
    let bad = generate(&csv, rows).expect("the CSV is written");
    let bytes = std::fs::metadata(&csv).map(|m| m.len()).unwrap_or(0);
    println!(
        "generated {rows} rows, 15 columns, {:.1} MB ({bad} bad rows) in {:.1} s",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    for old in [
        "ferry.sqlite3",
        "ferry.sqlite3-wal",
        "ferry.sqlite3-shm",
        "sqlite3.sqlite3",
    ] {
        let _ = std::fs::remove_file(dir.join(old));
    }
    let ferry = run_ferry(&csv, dir);
    let sqlite = run_sqlite3(&csv, dir, rows);

    println!();
    println!(
        "{:<34} {:>12} {:>10} {:>14}",
        "", "rows/s", "seconds", "peak RSS (MB)"
    );
    println!(
        "{:<34} {:>12.0} {:>10.2} {:>14.1}",
        "Ferry inspect + import",
        rows as f64 / ferry.total.as_secs_f64(),
        ferry.total.as_secs_f64(),
        ferry.peak_kb as f64 / 1024.0
    );
    println!(
        "{:<34} {:>12.0} {:>10.2} {:>14}",
        "  of which import",
        rows as f64 / ferry.import.as_secs_f64(),
        ferry.import.as_secs_f64(),
        ""
    );
    match &sqlite {
        Some(s) => {
            println!(
                "{:<34} {:>12.0} {:>10.2} {:>14.1}",
                "sqlite3 .import --csv",
                rows as f64 / s.total.as_secs_f64(),
                s.total.as_secs_f64(),
                s.peak_kb as f64 / 1024.0
            );
            println!();
            println!(
                "Ferry / sqlite3 rows/s: {:.2} (target >= 1.00); Ferry peak RSS {:.1} MB (target <= 150)",
                s.total.as_secs_f64() / ferry.total.as_secs_f64(),
                ferry.peak_kb as f64 / 1024.0
            );
        }
        None => println!(
            "sqlite3 was not found on PATH: install it (apt-get install sqlite3) to compare. Ferry peak RSS {:.1} MB (target <= 150)",
            ferry.peak_kb as f64 / 1024.0
        ),
    }
    println!(
        "Ferry imported {} rows and rejected {} (expected {} and {bad})",
        ferry.imported,
        ferry.rejected,
        rows - bad
    );
}

struct Figures {
    total: Duration,
    import: Duration,
    peak_kb: u64,
    imported: u64,
    rejected: u64,
}

/// Runs Ferry's import in a child process so that its peak RSS is its own.
fn run_ferry(csv: &Path, dir: &Path) -> Figures {
    let exe = std::env::current_exe().expect("the bench binary's path");
    let started = Instant::now();
    let out = Command::new(exe)
        .arg(CHILD_FLAG)
        .arg(csv)
        .arg(dir)
        .stderr(Stdio::inherit())
        .output()
        .expect("the child runs");
    let total = started.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the Ferry import failed: {text}");
    let nums: Vec<u64> = text
        .lines()
        .find_map(|l| l.strip_prefix("FERRY "))
        .expect("the child reports")
        .split(' ')
        .map(|n| n.parse().expect("a number"))
        .collect();
    Figures {
        total,
        import: Duration::from_millis(nums[0]),
        peak_kb: nums[1],
        imported: nums[2],
        rejected: nums[3],
    }
}

/// The child: inspect, import as planned, report `FERRY import_ms peak_kb imported rejected`.
fn child(csv: &Path, dir: &Path) {
    let store = DataStore::open_file(&dir.join("ferry.sqlite3")).expect("the database opens");
    let plan = inspect(csv, &InspectOptions::default(), &store).expect("inspect");
    let req = ImportRequest {
        path: plan.file.clone(),
        table: plan.suggested_table.clone(),
        mode: ImportMode::Create,
        encoding: plan.encoding.clone(),
        delimiter: plan.delimiter.clone(),
        columns: plan.columns.clone(),
        all_or_nothing: false,
    };
    let types: Vec<String> = plan
        .columns
        .iter()
        .map(|c| format!("{}:{}", c.name, c.column_type.as_str()))
        .collect();
    eprintln!("inferred: {}", types.join(" "));
    let report = store
        .import(
            &req,
            &dir.join("rejects.csv"),
            &CancelToken::new(),
            &mut |_| {},
        )
        .expect("import");
    println!(
        "FERRY {} {} {} {}",
        report.elapsed_ms,
        vm_hwm_kb("self").unwrap_or(0),
        report.rows_imported,
        report.rows_rejected
    );
}

/// Runs the sqlite3 shell's CSV import, sampling its peak RSS while it runs.
fn run_sqlite3(csv: &Path, dir: &Path, rows: u64) -> Option<Figures> {
    let db = dir.join("sqlite3.sqlite3");
    let started = Instant::now();
    let mut child = Command::new("sqlite3")
        .arg(&db)
        .arg(format!(".import --csv {} t", csv.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let pid = child.id().to_string();
    let mut peak_kb = 0;
    let status = loop {
        if let Some(kb) = vm_hwm_kb(&pid) {
            peak_kb = peak_kb.max(kb);
        }
        match child.try_wait().expect("sqlite3 runs") {
            Some(status) => break status,
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    let total = started.elapsed();
    assert!(status.success(), "sqlite3 .import failed");
    Some(Figures {
        total,
        import: total,
        peak_kb,
        imported: rows,
        rejected: 0,
    })
}

/// A process's peak resident set size in KiB, from /proc (Linux).
fn vm_hwm_kb(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A street address, half of them with a flat number before a comma (so quoted).
fn street(rng: &mut rand_chacha::ChaCha8Rng, names: &[&str]) -> String {
    let name = names[rng.gen_range(0..names.len() as u32) as usize];
    let number = rng.gen_range(1..300);
    if rng.gen_bool(0.5) {
        format!("\"Flat {}, {number} {name}\"", rng.gen_range(1..40))
    } else {
        format!("{number} {name}")
    }
}

/// Writes the benchmark CSV; returns how many rows are deliberately bad.
fn generate(path: &Path, rows: u64) -> std::io::Result<u64> {
    const FIRST: &[&str] = &[
        "Emma", "Liam", "Olivia", "Noah", "Zoë", "Łukasz", "Sofía", "Mateo", "Aiko", "Oskar",
    ];
    const LAST: &[&str] = &[
        "Smith",
        "O'Brien",
        "García",
        "Müller",
        "Novak",
        "Andersson",
        "Rossi",
        "Kowalski",
        "Tanaka",
        "Dubois",
    ];
    const CITY: &[&str] = &[
        "London",
        "Paris",
        "Berlin",
        "Madrid",
        "Rome",
        "Warsaw",
        "Stockholm",
        "Dublin",
        "Lisbon",
        "Vienna",
    ];
    const COUNTRY: &[&str] = &[
        "United Kingdom",
        "France",
        "Germany",
        "Spain",
        "Italy",
        "Poland",
        "Sweden",
        "Ireland",
        "Portugal",
        "Austria",
    ];
    const STREET: &[&str] = &[
        "High Street",
        "Station Road",
        "Church Lane",
        "Park Avenue",
        "Mill Road",
        "King Street",
    ];
    const TIER: &[&str] = &["Bronze", "Silver", "Gold", "Platinum"];
    const NOTE: &[&str] = &[
        "",
        "Prefers email",
        "\"Call after 5pm, not before\"",
        "VIP since 2019; sends referrals",
        "\"Moved; new address pending, check with support\"",
        "Birthday voucher sent",
        "Asked about the spring catalogue",
    ];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(
        w,
        "customer_id,first_name,last_name,email,phone,street,city,postcode,country,birthdate,signup_at,loyalty_tier,lifetime_value,opt_in_email,notes"
    )?;
    let mut bad = 0;
    for i in 1..=rows {
        let pick = |rng: &mut rand_chacha::ChaCha8Rng, list: &[&'static str]| {
            list[rng.gen_range(0..list.len() as u32) as usize]
        };
        let (first, last) = (pick(&mut rng, FIRST), pick(&mut rng, LAST));
        let city = rng.gen_range(0..CITY.len() as u32) as usize;
        if i % 100_000 == 70_000 {
            bad += 1;
            writeln!(w, "{i},Ann,Short,short{i}@example.com")?;
            continue;
        }
        let broken = i % 100_000 == 50_000;
        let birth = if broken {
            bad += 1;
            "1990-02-30".to_string()
        } else {
            format!(
                "{}-{:02}-{:02}",
                rng.gen_range(1940..2006),
                rng.gen_range(1..13),
                rng.gen_range(1..29)
            )
        };
        writeln!(
            w,
            "{i},{first},{last},{}.{}{i}@example.com,+44 7700 {:06},{},{},{:05},{},{birth},20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}Z,{},{}.{:02},{},{}",
            first.to_lowercase(),
            last.to_lowercase().replace('\'', ""),
            rng.gen_range(0..1_000_000),
            street(&mut rng, STREET),
            CITY[city],
            rng.gen_range(1000..99999),
            COUNTRY[city],
            rng.gen_range(15..25),
            rng.gen_range(1..13),
            rng.gen_range(1..29),
            rng.gen_range(0..24),
            rng.gen_range(0..60),
            rng.gen_range(0..60),
            pick(&mut rng, TIER),
            rng.gen_range(0..20_000),
            rng.gen_range(0..100),
            if rng.gen_bool(0.6) { "true" } else { "false" },
            pick(&mut rng, NOTE),
        )?;
    }
    w.flush()?;
    Ok(bad)
}
