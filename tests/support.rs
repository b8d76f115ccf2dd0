//! Shared test helpers: where the shared data lives, and running the binary.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/<sub>` beside the checkout. Under `CI` a missing folder fails
/// the test; elsewhere the test is skipped with a note on stderr.
pub fn shared(sub: &str) -> Option<PathBuf> {
    let path = repo().join("..").join("shared").join(sub);
    if path.is_dir() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
        panic!(
            "{} is missing, and CI is set: the shared test data must be there",
            path.display()
        );
    }
    eprintln!("skipping: {} is missing", path.display());
    None
}

/// The tests' now: the binary runs with it ([`binary`]), and files that
/// must look written some time ago get their times from it, so that no
/// test depends on the day it runs.
pub const NOW_TEXT: &str = "2026-12-06T12:00:00Z";
/// [`NOW_TEXT`], µs since the epoch.
pub const NOW: i64 = 1_796_558_400_000_000;

pub fn now_system_time() -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_micros(NOW as u64)
}

/// The binary, with a fixed time zone (UTC: classic syslog stamps are
/// read, and reports printed, in the machine's zone by default) and a fixed
/// now ([`NOW_TEXT`]).
pub fn binary() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_maillog-report"));
    cmd.env_remove("NO_COLOR");
    cmd.env("TZ", "UTC");
    cmd.env(maillog_report::clock::NOW_VARIABLE, NOW_TEXT);
    cmd
}

#[test]
fn the_fixed_now_is_its_text() {
    let text = chrono::DateTime::parse_from_rfc3339(NOW_TEXT).unwrap();
    assert_eq!(text.timestamp_micros(), NOW);
}

pub fn run(args: &[&str]) -> Output {
    binary().args(args).output().expect("the binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// The lab log in `sample-logs/` (a real Postfix wrote it), as an argument.
/// This repository's lab runs: the committed one (`sample-logs/lab/`) and,
/// under CI, the fresh one `.ci/run` names in `MAILLOG_LAB_OUT`.
pub fn lab_runs() -> Vec<PathBuf> {
    let mut runs = vec![repo().join("sample-logs/lab")];
    runs.extend(std::env::var_os("MAILLOG_LAB_OUT").map(PathBuf::from));
    runs
}

pub fn lab_log() -> String {
    repo()
        .join("sample-logs/maillog")
        .to_str()
        .expect("a UTF-8 path")
        .to_string()
}

/// The `overview` report of a `--format json` run: item → count, for the
/// items of `section` (`lines`, `events`, `deliveries`, …).
pub fn overview(stdout: &[u8], section: &str) -> std::collections::BTreeMap<String, u64> {
    let v: serde_json::Value = serde_json::from_slice(stdout).expect("JSON on stdout");
    v["overview"]
        .as_array()
        .unwrap_or_else(|| panic!("no overview in {v}"))
        .iter()
        .filter(|r| r["section"] == section)
        .map(|r| {
            let item = r["item"].as_str().expect("an item").to_string();
            (item, r["count"].as_u64().expect("a count"))
        })
        .collect()
}

/// Runs the binary with `--format json --report overview` and `args`.
pub fn run_overview(args: &[&str]) -> Output {
    let mut all = vec!["--format", "json", "--report", "overview"];
    all.extend_from_slice(args);
    run(&all)
}

/// Runs `command` with `input` on its standard input (written from a
/// thread, so that a large output cannot block the write), its output
/// captured.
pub fn run_with_stdin(command: &mut Command, input: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().unwrap();
    // The binary may not read all of it (--journal-file, a damaged
    // stream): a broken pipe then is no failure.
    let _ = writer.join().unwrap();
    output
}

/// The findings' sample lines of a JSON report, each changed by `change`:
/// samples name each input as given and read their text from it, so
/// outputs of one log read in different ways differ there, and only there.
/// The run's own record (`maillog_report`: the inputs' notes, such as
/// "same content as …; read once") is left out; tests of it read it.
pub fn with_samples(json: &[u8], change: impl Fn(&mut serde_json::Value)) -> String {
    let mut v: serde_json::Value = serde_json::from_slice(json).expect("JSON");
    if let Some(root) = v.as_object_mut() {
        root.remove("maillog_report");
    }
    for finding in v["findings"].as_array_mut().into_iter().flatten() {
        for sample in finding["evidence"]["samples"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            change(sample);
        }
    }
    serde_json::to_string_pretty(&v).unwrap()
}

/// The JSON report with the samples' file names blanked.
pub fn without_sample_files(json: &[u8]) -> String {
    with_samples(json, |s| s["file"] = serde_json::Value::Null)
}

/// The JSON report of a pipe (standard input, `-`) compared with a
/// file's: a pipe cannot be read again, so its samples have its name and a
/// line number but no text (asserted here); everything else is compared,
/// with the file's sample texts blanked and every sample's file name.
pub fn pipe_comparable(pipe: &str, stdin_json: &[u8], file_json: &[u8]) -> (String, String) {
    let seen = std::cell::Cell::new(0);
    with_samples(stdin_json, |s| {
        assert_eq!(s["file"], pipe, "{s}");
        assert!(s["line"].as_u64().is_some(), "a line number: {s}");
        assert!(s["text"].is_null(), "no text from standard input: {s}");
        seen.set(seen.get() + 1);
    });
    assert!(seen.get() > 0, "the report has sample lines");
    let blank = |s: &mut serde_json::Value| {
        s["file"] = serde_json::Value::Null;
        s["text"] = serde_json::Value::Null;
    };
    (
        with_samples(stdin_json, blank),
        with_samples(file_json, blank),
    )
}

/// The `totals` report's counts by item (`bytes received`, … for the bytes
/// section).
pub type Totals = std::collections::BTreeMap<String, u64>;

/// The totals of a JSON report.
pub fn totals_of(json: &[u8]) -> Totals {
    let v: serde_json::Value = serde_json::from_slice(json).expect("JSON");
    v["totals"]
        .as_array()
        .expect("a totals report")
        .iter()
        .map(|r| {
            let item = r["item"].as_str().unwrap();
            let key = if r["section"] == "bytes" {
                format!("bytes {item}")
            } else {
                item.to_string()
            };
            (key, r["count"].as_u64().unwrap())
        })
        .collect()
}

/// The totals of a run with `args`, which must succeed.
pub fn totals(args: &[&str]) -> Totals {
    let mut all = vec!["--format", "json", "--report", "totals"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    totals_of(&out.stdout)
}
