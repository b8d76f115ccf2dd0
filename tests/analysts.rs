//! The Parquet export as analysts use it: the Hive dataset re-run without
//! duplicates, and pyarrow, DuckDB and Spark reading the file and the dataset
//! and computing the `rejects` report to the same numbers as the CLI.
//!
//! The Python checks live in `tests/python/`; they run in a virtual
//! environment, `target/analyst-venv`, created once and reused, with pinned
//! packages from PyPI. Without PyPI (no network) the Python tests are skipped
//! with a note, and fail under `CI`. The Spark test runs only with
//! `MAILLOG_SPARK=1` (it installs pyspark and needs Java 17+).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use polars::prelude::{ParquetReader, SerReader};
use serde_json::{json, Value};

use super::support::{self, run, stderr, stdout};

const YEAR: &str = "2026";
/// The sample logs cover one day; [`shifted_log`] makes the next one.
const DAY: &str = "2026-11-23";
const NEXT_DAY: &str = "2026-11-24";
const HOST: &str = "relay";

/// Pinned PyPI packages (versions checked with `pip index versions`).
const PYARROW: &str = "pyarrow==26.0.1";
const DUCKDB: &str = "duckdb==2.0.0";
const PYSPARK: &str = "pyspark==4.3.0";

const PIP_LIMIT: Duration = Duration::from_secs(15 * 60);
const CHECK_LIMIT: Duration = Duration::from_secs(5 * 60);
const SPARK_LIMIT: Duration = Duration::from_secs(10 * 60);

fn sample(name: &str) -> PathBuf {
    support::repo().join("sample-logs").join(name)
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// `CI` set to anything but empty or `false`, as in `support::shared`.
fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
}

/// The environment cannot run a test (no python3, no PyPI): under `CI` the
/// test fails, elsewhere it is skipped with a note.
fn unavailable(why: &str) {
    if ci() {
        panic!("{why}; CI is set, so this is a failure, not a skip");
    }
    eprintln!("skipping: {why}");
}

/// `sample-logs/maillog` moved to the next day: the same events, another
/// `day=` partition.
fn shifted_log(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(sample("maillog")).unwrap();
    let mut shifted = String::with_capacity(text.len());
    for line in text.lines() {
        let rest = line
            .strip_prefix("Nov 23")
            .unwrap_or_else(|| panic!("a line of sample-logs/maillog not of Nov 23: {line}"));
        shifted.push_str("Nov 24");
        shifted.push_str(rest);
        shifted.push('\n');
    }
    let path = dir.join("maillog-nov24");
    std::fs::write(&path, shifted).unwrap();
    path
}

/// Runs the CLI with `args`, asserting success; returns its JSON output.
fn cli_json(args: &[&str]) -> Value {
    let mut all = vec!["--year", YEAR, "--format", "json", "--top", "0"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(
        out.status.success(),
        "maillog-report {all:?} failed: {}",
        stderr(&out)
    );
    serde_json::from_str(&stdout(&out)).expect("JSON on stdout")
}

/// Exports `log` into the dataset `dir`; returns the number of events, from
/// the overview of the same run.
fn export_dataset(log: &Path, dir: &Path) -> usize {
    let v = cli_json(&[
        "--report",
        "overview",
        "--parquet-dir",
        path_str(dir),
        path_str(log),
    ]);
    usize::try_from(support::overview(v.to_string().as_bytes(), "lines")["events"]).unwrap()
}

/// The one Parquet file of a (day, host) partition written by one input.
fn partition(dir: &Path, day: &str) -> PathBuf {
    let folder = dir.join(format!("day={day}")).join(format!("host={HOST}"));
    let files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        files.len(),
        1,
        "one file in {}: {files:?}",
        folder.display()
    );
    files.into_iter().next().unwrap()
}

/// Every file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn dataset_rerun_leaves_no_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let dataset = tmp.path().join("dataset");
    let first = sample("maillog");
    let second = shifted_log(tmp.path());

    let first_events = export_dataset(&first, &dataset);
    let second_events = export_dataset(&second, &dataset);
    assert_eq!(
        first_events, second_events,
        "the shifted log has the same events"
    );
    let day = partition(&dataset, DAY);
    let next_day = partition(&dataset, NEXT_DAY);
    assert!(day.is_file(), "{} written", day.display());
    assert!(next_day.is_file(), "{} written", next_day.display());
    let next_day_before = std::fs::read(&next_day).unwrap();

    // The first log again: its day is replaced, the other day is untouched.
    let events = export_dataset(&first, &dataset);
    assert_eq!(events, first_events);
    let files = files_under(&dataset);
    assert_eq!(
        files.len(),
        2,
        "one file per (day, host), nothing left over: {files:?}"
    );
    for (file, day) in files.iter().zip([DAY, NEXT_DAY]) {
        let prefix = format!("day={day}/host={HOST}/events-");
        assert!(
            file.starts_with(&prefix) && file.ends_with(".parquet"),
            "{file}"
        );
    }
    assert!(
        std::fs::read(&next_day).unwrap() == next_day_before,
        "{} changed, though the re-run does not cover {NEXT_DAY}",
        next_day.display()
    );

    for (path, expected) in [(&day, events), (&next_day, second_events)] {
        let frame = ParquetReader::new(std::fs::File::open(path).unwrap())
            .finish()
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        assert_eq!(
            frame.height(),
            expected,
            "{}: one row per event of the log, no duplicates",
            path.display()
        );
        assert!(
            frame.column("host").is_err(),
            "{}: `host` lives in the path, not in the file",
            path.display()
        );
    }
}

/// Logs rotated at any time of day: two logs covering parts of one day both
/// land in its partition, and re-running either replaces only its own rows.
#[test]
fn rotated_logs_covering_one_day_add_up() {
    let tmp = tempfile::tempdir().unwrap();
    let dataset = tmp.path().join("dataset");
    let text = std::fs::read_to_string(sample("maillog")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (before, after) = lines.split_at(lines.len() / 2);
    let rotated = tmp.path().join("mail.log.1");
    let current = tmp.path().join("mail.log");
    std::fs::write(&rotated, before.join("\n") + "\n").unwrap();
    std::fs::write(&current, after.join("\n") + "\n").unwrap();

    let total = export_dataset(&rotated, &dataset) + export_dataset(&current, &dataset);
    let whole = export_dataset_count_only(&sample("maillog"));
    assert_eq!(total, whole, "the halves hold all events");
    let rows = || -> usize {
        files_under(&dataset)
            .iter()
            .map(|f| {
                let path = dataset.join(f);
                ParquetReader::new(std::fs::File::open(&path).unwrap())
                    .finish()
                    .unwrap()
                    .height()
            })
            .sum()
    };
    assert_eq!(rows(), whole, "both logs' rows are in the day's partition");
    assert_eq!(files_under(&dataset).len(), 2);
    export_dataset(&rotated, &dataset);
    assert_eq!(
        rows(),
        whole,
        "re-running one log replaces only its own rows"
    );
    assert_eq!(files_under(&dataset).len(), 2);
}

/// The number of events in `log`, without exporting it.
fn export_dataset_count_only(log: &Path) -> usize {
    let v = cli_json(&["--report", "overview", path_str(log)]);
    usize::try_from(support::overview(v.to_string().as_bytes(), "lines")["events"]).unwrap()
}

/// Spawns `cmd` with its output captured and kills it (and its process
/// group: the JVM Spark starts) after `limit`. Returns the output and whether
/// it was killed.
fn run_bounded(mut cmd: Command, limit: Duration) -> (Output, bool) {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {cmd:?}: {e}"));
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let mut killed = false;
    let status: ExitStatus = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            killed = true;
            #[cfg(unix)]
            {
                let group = format!("-{}", child.id());
                let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            }
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    (output, killed)
}

fn text(output: &Output) -> String {
    format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// What pip prints when it cannot reach the index.
const NETWORK_ERRORS: &[&str] = &[
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "nodename nor servname",
    "Network is unreachable",
    "No route to host",
    "Connection refused",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "ProxyError",
    "Could not fetch URL",
];

/// One test at a time creates the venv or installs into it.
static VENV: Mutex<()> = Mutex::new(());

/// The python of `target/analyst-venv`, with `packages` installed (created
/// and installed on first use; a stamp file lists what is in). `None` when
/// the test is to be skipped (no python3, no PyPI, and not under `CI`).
fn analyst_python(packages: &[&str]) -> Option<PathBuf> {
    let _guard = VENV.lock().unwrap_or_else(|e| e.into_inner());
    let venv = support::repo().join("target").join("analyst-venv");
    let python = venv.join("bin").join("python");
    let stamp = venv.join("maillog-report-packages.txt");

    if !python.is_file() {
        let start = Instant::now();
        let out = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .output();
        match out {
            Err(e) => {
                unavailable(&format!("python3 cannot be run ({e})"));
                return None;
            }
            Ok(out) if !out.status.success() => {
                let _ = std::fs::remove_dir_all(&venv);
                unavailable(&format!(
                    "`python3 -m venv {}` failed (is the venv module installed?):\n{}",
                    venv.display(),
                    text(&out)
                ));
                return None;
            }
            Ok(_) => eprintln!(
                "analyst venv: created {} in {:.1} s",
                venv.display(),
                start.elapsed().as_secs_f64()
            ),
        }
    }

    let installed = std::fs::read_to_string(&stamp).unwrap_or_default();
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| !installed.lines().any(|l| l == *p))
        .collect();
    if missing.is_empty() {
        return Some(python);
    }
    let start = Instant::now();
    let mut pip = Command::new(&python);
    pip.args(["-m", "pip", "install", "--disable-pip-version-check"])
        .args(["--no-input", "--progress-bar", "off"])
        .args(["--retries", "2", "--timeout", "30"])
        .args(&missing)
        .env("PIP_NO_INPUT", "1");
    let (out, killed) = run_bounded(pip, PIP_LIMIT);
    let log = text(&out);
    if !out.status.success() {
        if killed {
            panic!("pip install {missing:?} took more than {PIP_LIMIT:?}; killed\n{log}");
        }
        if NETWORK_ERRORS.iter().any(|e| log.contains(e)) {
            unavailable(&format!(
                "pip cannot reach the package index to install {missing:?}:\n{log}"
            ));
            return None;
        }
        panic!("pip install {missing:?} failed:\n{log}");
    }
    eprintln!(
        "analyst venv: pip install {} in {:.1} s",
        missing.join(" "),
        start.elapsed().as_secs_f64()
    );
    let mut all: Vec<&str> = installed.lines().chain(missing).collect();
    all.sort_unstable();
    all.dedup();
    std::fs::write(&stamp, all.join("\n") + "\n").unwrap();
    Some(python)
}

/// One export to check: the CLI's `rejects` JSON, and the frame of the same
/// input as one Parquet file and as a Hive dataset.
struct Case {
    name: &'static str,
    rejects: PathBuf,
    parquet: PathBuf,
    dataset: PathBuf,
}

/// The sample logs, one run each (`--parquet` and `--parquet-dir` beside the
/// report); and two days: the report and file of one run over both logs,
/// the dataset grown by one run per log, as a nightly job would.
fn cases(tmp: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    for (name, log) in [
        ("maillog", "maillog"),
        ("mail.log", "mail.log"),
        ("mail.rfc3339.log", "mail.rfc3339.log"),
    ] {
        let dir = tmp.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let case = Case {
            name,
            rejects: dir.join("rejects.json"),
            parquet: dir.join("events.parquet"),
            dataset: dir.join("dataset"),
        };
        let report = cli_json(&[
            "--report",
            "rejects",
            "--parquet",
            path_str(&case.parquet),
            "--parquet-dir",
            path_str(&case.dataset),
            path_str(&sample(log)),
        ]);
        std::fs::write(&case.rejects, report.to_string()).unwrap();
        cases.push(case);
    }

    let dir = tmp.join("two-days");
    std::fs::create_dir_all(&dir).unwrap();
    let first = sample("maillog");
    let second = shifted_log(&dir);
    let case = Case {
        name: "two days",
        rejects: dir.join("rejects.json"),
        parquet: dir.join("events.parquet"),
        dataset: dir.join("dataset"),
    };
    let report = cli_json(&[
        "--report",
        "rejects",
        "--parquet",
        path_str(&case.parquet),
        path_str(&first),
        path_str(&second),
    ]);
    std::fs::write(&case.rejects, report.to_string()).unwrap();
    export_dataset(&first, &case.dataset);
    export_dataset(&second, &case.dataset);
    cases.push(case);
    cases
}

/// The documented schema, from the crate itself, for the Python check.
fn documented_schema(path: &Path) {
    use maillog_report::export::{CATEGORICAL, SCHEMA_VERSION};
    use maillog_report::frame::{col, SCHEMA};
    let columns: Vec<Value> = SCHEMA
        .iter()
        .map(|(name, ty, ..)| {
            json!({"name": name, "type": ty, "categorical": CATEGORICAL.contains(name)})
        })
        .collect();
    let doc = json!({
        "columns": columns,
        "metadata": {
            "maillog_report.schema_version": SCHEMA_VERSION,
            "maillog_report.tool_version": env!("CARGO_PKG_VERSION"),
        },
        "partition_columns": [col::HOST],
    });
    std::fs::write(path, doc.to_string()).unwrap();
}

fn script(name: &str) -> PathBuf {
    support::repo().join("tests").join("python").join(name)
}

/// Runs a Python check within `limit`; fails on a timeout or a failure, and
/// shows what the check printed.
fn run_check(cmd: Command, name: &str, limit: Duration) {
    let start = Instant::now();
    let (out, killed) = run_bounded(cmd, limit);
    assert!(!killed, "{name} ran over {limit:?}; killed\n{}", text(&out));
    assert!(
        out.status.success(),
        "{name}: {}\n{}",
        out.status,
        text(&out)
    );
    eprintln!(
        "{name} ({:.1} s):\n{}",
        start.elapsed().as_secs_f64(),
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn python_readers_agree_with_the_cli() {
    let Some(python) = analyst_python(&[PYARROW, DUCKDB]) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let schema = tmp.path().join("schema.json");
    documented_schema(&schema);

    let mut cmd = Command::new(&python);
    cmd.env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(script("check_analysts.py"))
        .arg("--schema")
        .arg(&schema);
    for case in cases(tmp.path()) {
        cmd.arg("--case")
            .arg(case.name)
            .args([&case.rejects, &case.parquet, &case.dataset]);
    }
    run_check(cmd, "check_analysts.py", CHECK_LIMIT);
}

#[test]
fn spark_reads_the_dataset() {
    if std::env::var("MAILLOG_SPARK").as_deref() != Ok("1") {
        eprintln!("skipping: Spark runs only with MAILLOG_SPARK=1");
        return;
    }
    let java = Command::new("java").arg("-version").output();
    assert!(
        java.as_ref().is_ok_and(|o| o.status.success()),
        "MAILLOG_SPARK=1 but `java -version` fails (Spark needs Java 17+): {java:?}"
    );
    let Some(python) = analyst_python(&[PYSPARK]) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();

    let mut cmd = Command::new(&python);
    cmd.env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(script("check_spark.py"))
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .env("PYSPARK_PYTHON", &python)
        .env("PYSPARK_DRIVER_PYTHON", &python);
    for case in cases(tmp.path()) {
        cmd.arg("--case")
            .arg(case.name)
            .args([&case.rejects, &case.dataset]);
    }
    run_check(cmd, "check_spark.py", SPARK_LIMIT);
}
