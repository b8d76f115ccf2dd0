//! One log in every form other writers give it: sample-logs/maillog as
//! rsyslog and syslog-ng write it (sample-logs/formats/), and as a systemd
//! journal read with `--journal-file`, or printed by journalctl in each of
//! its text forms and as JSON and piped in, gives the same report.
//!
//! The journal is made here from the log's lines with systemd-journal-remote
//! (journal export format in, a journal file out: no journald needed) and
//! read with the real journalctl. Without those tools the journal tests are
//! skipped with a note; under `CI` they fail (`.ci/run` installs them).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use maillog_report::parse::syslog::parse_envelope;
use maillog_report::parse::TimeContext;

use super::support::{self, overview, stderr, stdout};

const REPORTS: &str = "overview,time_range,rejects,warnings,failed,deliveries,summary";

const JOURNAL_REMOTE: &str = "/lib/systemd/systemd-journal-remote";

/// The binary with `args` after a fixed year, format and zone (UTC unless
/// `args` name one), `input` on its standard input; it must succeed.
fn report(args: &[&str], input: Option<&[u8]>) -> String {
    let mut all = vec!["--year", "2026", "--format", "json"];
    if !args.contains(&"--tz") {
        all.extend(["--tz", "UTC"]);
    }
    all.extend_from_slice(args);
    let output = support::run_with_stdin(support::binary().args(&all), input.unwrap_or_default());
    assert!(
        output.status.success(),
        "{all:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

#[test]
fn other_syslog_writers_give_the_same_report() {
    let reference = report(&["--report", REPORTS, &support::lab_log()], None);
    let dir = support::repo().join("sample-logs/formats");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "gz") {
            let got = report(&["--report", REPORTS, path.to_str().unwrap()], None);
            assert_eq!(got, reference, "{}", path.display());
            let lines = overview(got.as_bytes(), "lines");
            assert_eq!(lines["no syslog header"], 0, "{}", path.display());
            checked += 1;
        }
    }
    assert_eq!(checked, 4, "the four files of sample-logs/formats");
}

/// Are systemd-journal-remote and journalctl here? Under CI they must be.
fn journal_tools() -> bool {
    let journalctl = Command::new("journalctl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if journalctl && Path::new(JOURNAL_REMOTE).exists() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
        panic!("journalctl and {JOURNAL_REMOTE} are needed under CI (Debian: systemd, systemd-journal-remote)");
    }
    eprintln!(
        "skipping: journalctl or {JOURNAL_REMOTE} is missing (Debian: systemd-journal-remote)"
    );
    false
}

/// One entry in journal export format, as journald would store a syslog
/// line of `program[pid]` from Postfix's systemd unit.
fn export_entry(
    out: &mut Vec<u8>,
    ts: i64,
    host: &str,
    program: &str,
    pid: Option<u32>,
    message: &[u8],
) {
    let pid = pid
        .map(|p| format!("_PID={p}\nSYSLOG_PID={p}\n"))
        .unwrap_or_default();
    write!(
        out,
        "__REALTIME_TIMESTAMP={ts}\n__MONOTONIC_TIMESTAMP={}\n_BOOT_ID=5c0d1f1e2d3c4b5a69788796a5b4c3d2\n\
         _HOSTNAME={host}\nSYSLOG_IDENTIFIER={program}\n{pid}SYSLOG_FACILITY=2\nPRIORITY=6\n\
         _SYSTEMD_UNIT=postfix@-.service\n",
        ts - 1_795_000_000_000_000
    )
    .unwrap();
    if message.contains(&b'\n') || std::str::from_utf8(message).is_err() {
        // The binary form: the name, a line end, the length (64-bit little
        // endian), the bytes.
        out.extend_from_slice(b"MESSAGE\n");
        out.extend_from_slice(&(message.len() as u64).to_le_bytes());
        out.extend_from_slice(message);
        out.push(b'\n');
    } else {
        out.extend_from_slice(b"MESSAGE=");
        out.extend_from_slice(message);
        out.push(b'\n');
    }
    out.push(b'\n');
}

/// A journal file of the lines of `log` (BSD stamps of 2026, in UTC).
fn journal_of(dir: &Path, name: &str, log: &str, extra: &[u8]) -> PathBuf {
    let mut export = Vec::new();
    for line in log.lines() {
        let env = parse_envelope(line, &TimeContext::utc_in(2026)).expect("a syslog line");
        export_entry(
            &mut export,
            env.ts,
            env.host,
            env.program,
            env.pid,
            env.message.as_bytes(),
        );
    }
    export.extend_from_slice(extra);
    let export_path = dir.join(format!("{name}.export"));
    std::fs::write(&export_path, &export).unwrap();
    let journal = dir.join(format!("{name}.journal"));
    let out = Command::new(JOURNAL_REMOTE)
        .arg(format!("--output={}", journal.display()))
        .arg(&export_path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    journal
}

/// `journalctl --file JOURNAL -o FORM` in UTC.
fn journalctl(journal: &Path, form: &str) -> Vec<u8> {
    let out = Command::new("journalctl")
        .env("TZ", "UTC")
        .arg("--file")
        .arg(journal)
        .args(["--no-pager", "--all", "-o", form])
        .output()
        .unwrap();
    assert!(out.status.success(), "{form}: {}", stderr(&out));
    out.stdout
}

#[test]
fn a_journal_in_every_form_gives_the_same_report() {
    if !journal_tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::read_to_string(support::lab_log()).unwrap();
    let journal = journal_of(dir.path(), "lab", &log, b"");
    let reference = report(&["--report", REPORTS, &support::lab_log()], None);
    let lines = overview(reference.as_bytes(), "lines");
    assert_eq!(lines["read"], 4870);

    let got = report(
        &[
            "--report",
            REPORTS,
            "--journal-file",
            journal.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(got, reference, "--journal-file");
    for form in [
        "json",
        "short",
        "short-precise",
        "short-iso",
        "short-iso-precise",
        "short-full",
        "short-unix",
    ] {
        let printed = journalctl(&journal, form);
        let got = report(&["--report", REPORTS, "-"], Some(&printed));
        assert_eq!(got, reference, "journalctl -o {form} | maillog-report -");
    }
}

#[test]
fn a_journal_window_is_passed_to_journalctl() {
    if !journal_tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::read_to_string(support::lab_log()).unwrap();
    let journal = journal_of(dir.path(), "lab", &log, b"");
    // 14:05 to 14:05:30 UTC, the middle of the lab's run: given at +01:00
    // for the journal (journalctl must get it in UTC), in UTC for the log
    // (its classic stamps are read in --tz).
    let local = [
        "--tz",
        "+01:00",
        "--since",
        "2026-11-23 15:05",
        "--until",
        "2026-11-23 15:05:30",
    ];
    let utc = [
        "--since",
        "2026-11-23T14:05:00Z",
        "--until",
        "2026-11-23T14:05:30Z",
    ];
    let journal = ["--journal-file", journal.to_str().unwrap()];
    let lab = support::lab_log();
    for reports in ["rejects,failed,deliveries,totals", "overview"] {
        let reference = report(
            &[&["--report", reports, lab.as_str()], &utc[..]].concat(),
            None,
        );
        let got = report(
            &[&["--report", reports], &local[..], &journal[..]].concat(),
            None,
        );
        if reports != "overview" {
            assert_eq!(got, reference);
            continue;
        }
        // journalctl printed only the window (and its last second, which
        // the scan leaves out): fewer lines read, the same events.
        let all = overview(reference.as_bytes(), "lines");
        let read = overview(got.as_bytes(), "lines");
        assert!(read["read"] < all["read"] / 2, "{read:?} vs {all:?}");
        assert_eq!(read["events"], all["events"]);
        assert!(read["events"] > 100, "{read:?}");
    }
}

#[test]
fn journal_records_are_accounted_for() {
    if !journal_tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::read_to_string(support::lab_log()).unwrap();
    let first: String = log.lines().take(3).map(|l| format!("{l}\n")).collect();
    let mut extra = Vec::new();
    let ts = 1_795_442_668_000_000;
    export_entry(
        &mut extra,
        ts,
        "relay",
        "dovecot",
        Some(9),
        b"imap-login: Login: user=<a>",
    );
    export_entry(
        &mut extra,
        ts,
        "relay",
        "postfix/smtpd",
        Some(5031),
        b"warning: bad \xff byte",
    );
    let journal = journal_of(dir.path(), "mixed", &first, &extra);

    // Piped JSON: every record is a line; the dovecot one is another
    // program's, the non-UTF-8 message (a byte array in JSON) is counted as
    // such, a line that is no record has no syslog header.
    let mut printed = journalctl(&journal, "json");
    printed.extend_from_slice(b"{\"MESSAGE\": truncated\n");
    let lines = overview(
        report(&["--report", "overview", "-"], Some(&printed)).as_bytes(),
        "lines",
    );
    assert_eq!(lines["read"], 6, "{lines:?}");
    assert_eq!(lines["other programs"], 1, "{lines:?}");
    assert_eq!(lines["no syslog header"], 1, "{lines:?}");
    assert_eq!(lines["invalid UTF-8 (also counted above)"], 1, "{lines:?}");
    assert_eq!(lines["events"], 4, "{lines:?}");

    // --journal-file asks journalctl for Postfix's identifiers only.
    let read = report(
        &[
            "--report",
            "overview",
            "--journal-file",
            journal.to_str().unwrap(),
        ],
        None,
    );
    let lines = overview(read.as_bytes(), "lines");
    assert_eq!(lines["read"], 4, "{lines:?}");
    assert_eq!(lines["other programs"], 0, "{lines:?}");
}

/// Without journalctl, `--journal` says so in one line and exits 1 (input
/// could not be read), printing no report.
#[test]
fn journal_without_journalctl() {
    let empty = tempfile::tempdir().unwrap();
    for args in [
        &["--journal"][..],
        &["--journal-file", "copied.journal", "-d", "2026-11-23"][..],
    ] {
        let out = support::binary()
            .env("PATH", empty.path())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("maillog-report: ")
                && err.contains(": journalctl not found: --journal and --journal-file run it"),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
}

/// A journal file journalctl cannot open: its own words, exit status 1.
#[test]
fn journal_file_that_cannot_be_read() {
    if !journal_tools() {
        return;
    }
    let out = support::run(&["--journal-file", "/nonexistent/copied.journal"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(
            "maillog-report: /nonexistent/copied.journal: journalctl failed (exit status 1): "
        ),
        "{err}"
    );
}
