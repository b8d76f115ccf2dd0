//! Shared test helpers: where the shared data lives, and running the binary.

use std::path::PathBuf;
use std::process::{Command, Output};

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

/// The binary, with a fixed time zone (UTC): classic syslog stamps are
/// read, and reports printed, in the machine's zone by default.
pub fn binary() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_maillog-report"));
    cmd.env_remove("NO_COLOR");
    cmd.env("TZ", "UTC");
    cmd
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
