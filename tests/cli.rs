//! The binary as a user meets it: help, version, stdin, formats, colour, and
//! bad input that must give a one-line error, the documented exit status,
//! and still the report of everything readable.

use std::io::Write;

use serde_json::Value;

use super::support::{self, binary, lab_log, run, run_overview, stderr, stdout};

fn overview_count(output: &[u8], item: &str) -> u64 {
    support::overview(output, "lines")[item]
}

#[test]
fn version_and_help() {
    let out = run(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        stdout(&out).trim(),
        format!("maillog-report {}", env!("CARGO_PKG_VERSION"))
    );
    let out = run(&["--help"]);
    assert!(out.status.success());
    let help = stdout(&out);
    for needle in [
        "Exit status",
        "--group-by",
        "--year",
        "Examples",
        "Line accounting",
    ] {
        assert!(help.contains(needle), "--help mentions {needle}");
    }
}

#[test]
fn stdin_gives_the_same_report_as_the_file() {
    let args = ["--year", "2026", "--format", "json", "--report", "rejects"];
    let from_file = run(&[&args[..], &[lab_log().as_str()]].concat());
    let data = std::fs::read(lab_log()).unwrap();
    let from_stdin = support::run_with_stdin(binary().args(args).arg("-"), &data);
    assert!(from_stdin.status.success());
    assert_eq!(from_stdin.stdout, from_file.stdout);
}

#[test]
fn no_colour_when_not_a_terminal() {
    let out = run(&["--year", "2026", &lab_log()]);
    assert!(!out.stdout.contains(&0x1b), "no escape sequences in a pipe");
}

#[test]
fn every_format_prints_the_rejects() {
    for format in ["table", "json", "csv", "markdown"] {
        let out = run(&[
            "--year",
            "2026",
            "--format",
            format,
            "--report",
            "rejects",
            &lab_log(),
        ]);
        assert!(out.status.success(), "{format}");
        let text = stdout(&out);
        assert!(
            text.contains("erg.school") && text.contains("reject_unlisted_recipient"),
            "{format}:\n{text}"
        );
    }
    let csv = stdout(&run(&[
        "--year",
        "2026",
        "--format",
        "csv",
        "--report",
        "rejects",
        &lab_log(),
    ]));
    assert!(csv.starts_with("to_domain,code,enhanced,restriction,reason,count,recipients,clients,first_seen,last_seen\n"));
    assert!(csv.contains("erg.school,550,5.1.1,reject_unlisted_recipient,Recipient address rejected: User unknown in virtual mailbox table,442,"));
}

#[test]
fn bad_files_are_reported_and_the_rest_is_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.log");
    let out = run_overview(&[
        "--year",
        "2026",
        missing.to_str().unwrap(),
        dir.path().to_str().unwrap(),
        &lab_log(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "one line per problem:\n{err}");
    assert_eq!(
        lines[0],
        format!("maillog-report: {}: no such file", missing.display())
    );
    assert_eq!(
        lines[1],
        format!("maillog-report: {}: is a directory", dir.path().display())
    );
    assert_eq!(
        overview_count(&out.stdout, "read"),
        4870,
        "the good file is still reported"
    );
}

#[test]
fn usage_errors_exit_2() {
    // clap names the valid values.
    let out = run(&["--group-by", "nonsense", &lab_log()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("invalid value 'nonsense' for '--group-by") && err.contains("to_domain"),
        "{err}"
    );
    let out = run(&["--event", "nonsense", &lab_log()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("reject_warning"), "{err}");
    let out = run(&["--report", "nonsense", &lab_log()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("deliveries"));
    let out = run(&["--year", "26", &lab_log()]);
    assert_eq!(out.status.code(), Some(2), "a two-digit year is refused");
    // A report name given as a file: the list is comma-separated.
    let out = run(&["--report", "rejects", "overview", &lab_log()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--report rejects,overview"),
        "{}",
        stderr(&out)
    );
    let out = run(&["--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `--postconf FILE` (a space, as every other option takes its value)
/// would run postconf here and read FILE as a log: the saved output is
/// recognized and the `=` form suggested. `--postconf` is the one option
/// whose value is optional. The `=` form reads the file.
#[test]
fn postconf_with_a_space_suggests_the_equals_form() {
    let saved = support::repo().join("sample-logs/lab/postconf.txt");
    let saved = saved.to_str().unwrap();
    let lab = support::repo().join("sample-logs/lab/maillog");
    let lab = lab.to_str().unwrap();
    for args in [
        vec!["--postconf", saved, lab],
        vec!["--postconf", lab, saved],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&out),
            format!("maillog-report: {saved}: postconf output, not a log: did you mean --postconf={saved}? (--postconf takes its file after `=`; bare, it runs postconf on this host)\n")
        );
        assert!(out.stdout.is_empty());
    }
    let with_equals = format!("--postconf={saved}");
    let out = run(&["--year", "2026", "--report", "findings", &with_equals, lab]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("virtual_mailbox_domains"),
        "{}",
        stdout(&out)
    );
    // A log after a bare --postconf is a log: postconf is run (or its
    // absence reported with the hint), never a "did you mean".
    let out = run(&["--postconf", lab]);
    assert!(!stderr(&out).contains("did you mean"), "{}", stderr(&out));
    if !out.status.success() {
        assert!(stderr(&out).contains("--postconf=FILE"), "{}", stderr(&out));
    }
}

/// The run's now comes from MAILLOG_REPORT_NOW when it is set: `-d
/// yesterday` follows it, and a value that is no time is a usage error.
#[test]
fn a_fixed_now_sets_yesterday() {
    let lab = lab_log();
    let day = |now: &str| {
        let out = binary()
            .env(maillog_report::clock::NOW_VARIABLE, now)
            .args([
                "--year",
                "2026",
                "--format",
                "json",
                "--report",
                "time_range",
                "-d",
                "yesterday",
                &lab,
            ])
            .output()
            .unwrap();
        (out.status.code(), stdout(&out), stderr(&out))
    };
    let (code, out, _) = day("2026-11-24T10:00:00Z");
    assert_eq!(code, Some(0));
    assert!(out.contains("2026-11-23T14:04:2"), "{out}");
    let (code, out, _) = day("2026-11-25T10:00:00Z");
    assert_ne!(code, None);
    assert!(
        !out.contains("2026-11-23T14:04:2"),
        "a day with no line: {out}"
    );
    let (code, _, err) = day("soon");
    assert_eq!(code, Some(2));
    assert!(
        err.contains("MAILLOG_REPORT_NOW=soon: expected an RFC 3339 time"),
        "{err}"
    );
}

#[test]
fn odd_line_ends_and_bytes_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.log");
    let mut bytes = Vec::new();
    bytes.extend_from_slice(
        b"Oct 10 15:59:28 mail postfix/smtpd[1830]: connect from example.com[127.0.0.1]\r\n",
    );
    bytes.extend_from_slice(b"Oct 10 15:59:29 mail postfix/smtpd[1830]: NOQUEUE: reject: RCPT from x[1.2.3.4]: 554 5.7.1 <a@b.example>: Relay access denied; from=<caf\xe9@x.example> to=<a@b.example> proto=ESMTP helo=<h\xff>\n");
    bytes.extend_from_slice(b"Oct 10 15:59:30 mail postfix/smtpd[1830]: \x00\x01 binary junk\n");
    bytes.extend_from_slice(
        b"Oct 10 15:59:31 mail postfix/smtpd[1830]: disconnect from example.com[127.0.0.1]",
    );
    std::fs::write(&path, &bytes).unwrap();
    // An old file: its last line without `\n` is complete (a live log's
    // would be a line being written, see bad_input).
    let an_hour_ago = support::now_system_time() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(an_hour_ago)
        .unwrap();
    let unparsed = dir.path().join("unparsed.txt");
    let out = run(&[
        "--year",
        "2024",
        "--format",
        "json",
        "--report",
        "overview,rejects",
        "--unparsed",
        unparsed.to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(overview_count(&out.stdout, "read"), 4);
    // connect, reject, disconnect.
    assert_eq!(overview_count(&out.stdout, "events"), 3);
    assert_eq!(overview_count(&out.stdout, "known, not reported"), 0);
    assert_eq!(overview_count(&out.stdout, "unrecognized Postfix lines"), 1);
    assert_eq!(
        overview_count(&out.stdout, "invalid UTF-8 (also counted above)"),
        1
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rejects"][0]["to_domain"], "b.example");
    assert_eq!(
        std::fs::read(&unparsed).unwrap(),
        b"Oct 10 15:59:30 mail postfix/smtpd[1830]: \x00\x01 binary junk\n"
    );
}

#[test]
fn unparsed_output_never_overwrites_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.log");
    std::fs::copy(lab_log(), &path).unwrap();
    let out = run(&[
        "--year",
        "2026",
        "--report",
        "overview",
        "--unparsed",
        path.to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("is one of the inputs"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(lab_log()).unwrap(),
        "input untouched"
    );
}

#[test]
fn truncated_gzip_reports_its_readable_part() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("mail.log.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(&std::fs::read(lab_log()).unwrap())
        .unwrap();
    let whole = encoder.finish().unwrap();
    std::fs::write(&gz, &whole).unwrap();
    let full = run_overview(&["--year", "2026", gz.to_str().unwrap()]);
    assert!(full.status.success());
    assert_eq!(
        overview_count(&full.stdout, "read"),
        4870,
        "gzip is read directly"
    );

    std::fs::write(&gz, &whole[..whole.len() / 2]).unwrap();
    let half = run_overview(&["--year", "2026", gz.to_str().unwrap()]);
    assert_eq!(half.status.code(), Some(1));
    let err = stderr(&half);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "maillog-report: {}: gzip data is damaged or truncated",
            gz.display()
        )),
        "{err}"
    );
    let read = overview_count(&half.stdout, "read");
    assert!(
        read > 1000 && read < 4870,
        "a prefix was reported: {read} lines"
    );
}

#[test]
fn empty_input_gives_an_empty_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.log");
    std::fs::write(&path, b"").unwrap();
    let out = run(&["--format", "json", path.to_str().unwrap()]);
    // Not a silent "all clear": the report says nothing, stderr says why.
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "maillog-report: no Postfix line in the input: 0 lines read\n"
    );
    assert_eq!(overview_count(&out.stdout, "read"), 0);
    // A program's binary: lines without a syslog header.
    let out = run(&["--report", "headline", "/bin/ls"]);
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains(" without a syslog header\n"),
        "{}",
        stderr(&out)
    );
    // -d on a day with no line of the log: the window is named.
    let out = run(&[
        "--year",
        "2026",
        "-d",
        "2026-11-25",
        "--report",
        "headline",
        &lab_log(),
    ]);
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(
        stderr(&out),
        "maillog-report: no Postfix event in the window (2026-11-25 00:00 to 2026-11-26 00:00 UTC): all 4870 events of the input are outside it\n"
    );
    // A missing file beside the empty one: 1 says more than 5.
    let missing = dir.path().join("missing.log");
    let out = run(&[path.to_str().unwrap(), missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
}

/// The README names the dictionary-encoded columns: exactly the frame's
/// categoricals, so that analysts know what `category` to expect.
#[test]
fn readme_names_every_categorical_column() {
    let readme = std::fs::read_to_string(support::repo().join("README.md")).unwrap();
    let readme = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    let paragraph = readme
        .split("String columns whose values repeat")
        .nth(1)
        .and_then(|rest| rest.split(") are dictionary encoded").next())
        .expect("the README's list of dictionary-encoded columns");
    let mut listed: Vec<&str> = paragraph.split('`').skip(1).step_by(2).collect();
    let mut categorical = maillog_report::frame::CATEGORICAL.to_vec();
    listed.sort_unstable();
    categorical.sort_unstable();
    assert_eq!(listed, categorical);
}

/// The README's schema table is the frame's schema, column for column.
#[test]
fn readme_documents_every_frame_column() {
    let readme = std::fs::read_to_string(support::repo().join("README.md")).unwrap();
    let expected: String = maillog_report::frame::SCHEMA
        .iter()
        .map(|(name, ty, meaning, example)| {
            format!("| `{name}` | {ty} | {meaning} | `{example}` |\n")
        })
        .collect();
    assert!(
        readme.contains(&expected),
        "README schema table differs; expected:\n{expected}"
    );
    let frame = maillog_report::frame::empty(&maillog_report::frame::Projection::ALL);
    let names: Vec<&str> = frame
        .get_column_names()
        .iter()
        .map(|n| n.as_str())
        .collect();
    let documented: Vec<&str> = maillog_report::frame::SCHEMA
        .iter()
        .map(|(n, ..)| *n)
        .collect();
    assert_eq!(names, documented, "frame columns in schema order");
}

#[test]
fn parquet_reads_back_equal_to_the_frame() {
    use maillog_report::input::{load, MmapPolicy, DEFAULT_MAX_DECOMPRESSED};
    use maillog_report::scan::{scan, ScanOptions};
    use polars::prelude::*;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.parquet");
    let out = run(&[
        "--year",
        "2026",
        "--report",
        "overview",
        "--parquet",
        path.to_str().unwrap(),
        &lab_log(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));

    let input = load(&lab_log(), MmapPolicy::Never, DEFAULT_MAX_DECOMPRESSED)
        .into_input()
        .unwrap();
    let options = ScanOptions::every_event(4, 2026);
    let written = maillog_report::export::export_frame(&scan(&[input], &options).frame).unwrap();

    let mut file = std::fs::File::open(&path).unwrap();
    let read = ParquetReader::new(&mut file).finish().unwrap();
    assert_eq!(
        read.schema(),
        written.schema(),
        "types survive the round trip"
    );
    assert!(
        read.equals_missing(&written),
        "values survive the round trip"
    );
    assert_eq!(read.height(), 4870);

    let metadata = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .get_metadata()
        .unwrap()
        .clone();
    let kv = metadata.key_value_metadata().clone().unwrap_or_default();
    let get = |k: &str| kv.iter().find(|e| e.key == k).and_then(|e| e.value.clone());
    assert_eq!(
        get("maillog_report.schema_version").as_deref(),
        Some(maillog_report::export::SCHEMA_VERSION)
    );
    assert_eq!(
        get("maillog_report.tool_version").as_deref(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
}

/// The README's options table lists exactly the options `--help` prints.
#[test]
fn readme_lists_every_option() {
    let readme = std::fs::read_to_string(support::repo().join("README.md")).unwrap();
    let table = readme
        .split_once("| option | meaning |")
        .expect("an options table")
        .1
        .split("\n\n")
        .next()
        .unwrap();
    let flag = |s: &str| -> Vec<String> {
        s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .filter(|w| w.starts_with("--") && w.len() > 2)
            .map(str::to_string)
            .collect()
    };
    let mut documented: Vec<String> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .flat_map(|l| flag(l.split(" |").next().unwrap()))
        .collect();
    documented.sort();
    documented.dedup();
    let help = stdout(&run(&["--help"]));
    let mut offered: Vec<String> = help
        .lines()
        .filter(|l| l.trim_start().starts_with('-'))
        .flat_map(|l| flag(l.trim_start().split("  ").next().unwrap()))
        .collect();
    offered.sort();
    offered.dedup();
    assert_eq!(documented, offered, "README options table vs --help");
}

#[test]
fn completions_and_manual_page() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let script = stdout(&out);
        assert!(
            script.contains("maillog-report") && script.contains("count-filter-hops"),
            "{shell} completion names the options"
        );
    }
    let out = run(&["man"]);
    assert!(out.status.success());
    let page = stdout(&out);
    assert!(
        page.starts_with(".ie") || page.contains(".TH maillog-report 1"),
        "{page}"
    );
    assert!(
        page.contains("\\-\\-report"),
        "the manual lists the options"
    );
}

/// The systemd units in contrib/ pass `systemd-analyze verify` (under CI
/// `.ci/run` installs systemd; elsewhere the test is skipped without it).
#[test]
fn systemd_units_verify() {
    let have = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        assert!(
            std::env::var("CI").is_err(),
            "systemd-analyze is missing under CI"
        );
        eprintln!("skipping: no systemd-analyze");
        return;
    }
    let dir = support::repo().join("contrib/systemd");
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(dir.join("maillog-report.service"))
        .arg(dir.join("maillog-report.timer"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "systemd-analyze verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The README's table of finding ids is the list `--finding` takes.
#[test]
fn readme_lists_every_finding_id() {
    let readme = std::fs::read_to_string(support::repo().join("README.md")).unwrap();
    let expected: String = maillog_report::report::findings::IDS
        .iter()
        .map(|(id, about)| format!("| `{id}` | {about} |\n"))
        .collect();
    assert!(
        readme.contains(&expected),
        "README finding ids differ; expected:\n{expected}"
    );
}

/// The README names every section of `--report summary`, in its order.
#[test]
fn readme_lists_the_summary_sections_in_order() {
    let readme = std::fs::read_to_string(support::repo().join("README.md")).unwrap();
    let readme = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    let sentence = readme
        .split("each also a report of its own: ")
        .nth(1)
        .and_then(|rest| rest.split('.').next())
        .expect("the README's list of summary sections");
    let listed: Vec<&str> = sentence.split('`').skip(1).step_by(2).collect();
    let sections: Vec<&str> = maillog_report::report::summary::SECTIONS
        .iter()
        .map(|name| name.as_str())
        .collect();
    assert_eq!(listed, sections);
}

/// The README's cron line that ends with `sendmail` (`| /usr/sbin/sendmail
/// postmaster` or `| /usr/sbin/sendmail -t`), run as cron runs it (`env -i
/// PATH=/usr/bin:/bin sh -c`, `\\%` read as `%`) with the built binary for
/// `/usr/local/bin/maillog-report`, the lab log (written on the night of
/// its day) for `mail.log`, the day before it (the same log a day earlier
/// without the erg.school rejects, from midnight) for `mail.log.1`, and a
/// file for sendmail: what sendmail was given.
fn run_readme_cron_line(sendmail: &str) -> String {
    let readme = std::fs::read_to_string(support::repo().join("README.md")).unwrap();
    let cron = readme
        .lines()
        .find(|l| l.starts_with("30 6 * * * root ") && l.ends_with(sendmail))
        .expect("the README's cron line");
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("mail.log");
    let rotated = dir.path().join("mail.log.1");
    std::fs::copy(lab_log(), &log).unwrap();
    let mut day_before =
        String::from("Nov 22 00:00:05 relay postfix/smtpd[1]: connect from localhost[127.0.0.1]\n");
    for line in std::fs::read_to_string(lab_log()).unwrap().lines() {
        if !line.contains("erg.school") {
            day_before.push_str(&line.replacen("Nov 23 ", "Nov 22 ", 1));
            day_before.push('\n');
        }
    }
    std::fs::write(&rotated, day_before).unwrap();
    for (path, written) in [
        (&rotated, "2026-11-22T23:59:00Z"),
        (&log, "2026-11-23T23:59:00Z"),
    ] {
        let written = chrono::DateTime::parse_from_rfc3339(written).unwrap();
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(written.timestamp() as u64),
            )
            .unwrap();
    }
    let mail = dir.path().join("mail.txt");
    let command = cron
        .trim_start_matches("30 6 * * * root ")
        .replace("\\%", "%")
        .replace(
            "/usr/local/bin/maillog-report",
            env!("CARGO_BIN_EXE_maillog-report"),
        )
        .replace(
            "/var/log/mail.log.1 /var/log/mail.log",
            &format!("{} {}", rotated.display(), log.display()),
        )
        .replace(&sendmail[2..], &format!("cat > {}", mail.display()));
    assert!(!command.contains("/var/log"), "{command}");
    let out = std::process::Command::new("env")
        .args(["-i", "PATH=/usr/bin:/bin", "TZ=UTC"])
        .arg(format!(
            "{}=2026-11-24T06:30:00Z",
            maillog_report::clock::NOW_VARIABLE
        ))
        .args(["sh", "-c", &command])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::read_to_string(&mail).unwrap()
}

/// The README's text-only cron line ([`run_readme_cron_line`]): a mail
/// whose subject is the headline with how many findings are new, with its
/// charset, the findings right after the headline, then the summary with
/// the totals beside the day before, and ASCII but for the log's own bytes.
#[test]
fn the_readme_cron_line_mails_the_findings_and_summary() {
    let mail = run_readme_cron_line("| /usr/sbin/sendmail postmaster");
    let (headers, body) = mail.split_once("\n\n").unwrap();
    assert_eq!(
        headers,
        "Subject: relay 2026-11-23 UTC: 682 received, 691 delivered, 45 bounced, 650 rejected; \
         findings: 4 critical, 6 warnings, 1 info, 1 new\n\
         MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8"
    );
    assert!(
        body.starts_with("relay 2026-11-23 UTC: 682 received"),
        "{body}"
    );
    let findings = body.find("\nFindings\n").expect("the findings");
    let totals = body
        .find("\nGrand totals, beside the day before (2026-11-22)\n")
        .expect("the summary");
    assert!(findings < totals, "the findings first");
    assert_eq!(
        body.matches("relay 2026-11-23 UTC: 682 received").count(),
        1
    );
    assert!(body.contains("[critical] domain-wide-reject erg.school (new: not seen the day"));
    assert!(body.contains("+----"), "ASCII tables");
    assert!(
        body.is_ascii(),
        "{:?}",
        body.chars().filter(|c| !c.is_ascii()).collect::<String>()
    );
}

/// The README's `--format mail` cron line ([`run_readme_cron_line`]): a
/// MIME message for `sendmail -t` to postmaster whose subject is the
/// headline, its parts and images whole (`tests/python/check_mail.py`),
/// the page with the findings (the new one marked) and the totals beside
/// the day before.
#[test]
fn the_readme_mail_cron_line_mails_the_html_report() {
    let mail = run_readme_cron_line("| /usr/sbin/sendmail -t");
    let dir = tempfile::tempdir().unwrap();
    let sent = dir.path().join("sent.eml");
    std::fs::write(&sent, &mail).unwrap();
    let out = std::process::Command::new("python3")
        .arg(support::repo().join("tests/python/check_mail.py"))
        .arg(&sent)
        .args([
            "--subject",
            "relay 2026-11-23 UTC: 682 received, 691 delivered, 45 bounced, 650 rejected; \
             findings: 4 critical, 6 warnings, 1 info, 1 new",
            "--to",
            "postmaster",
            "--min-images",
            "5",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let email = mail.replace("\r\n", "\n");
    assert!(
        email.starts_with("To: <postmaster>\nSubject: relay 2026-11-23 UTC: "),
        "{email}"
    );
}

/// JSON says what `--top` cut (shown and total, equal to the uncut run's
/// rows), which inputs were not read (as stderr does), its layout version,
/// and gives the totals' and overview's items keys unique in their report;
/// CSV ends a cut section with a `# truncated:` comment line.
#[test]
fn json_and_csv_say_what_was_cut_and_what_was_not_read() {
    let lab = lab_log();
    let missing = "no-such-dir/mail.log";
    let json = |top: &str| {
        let out = run(&[
            "--year",
            "2026",
            "--format",
            "json",
            "--top",
            top,
            "--report",
            "overview,totals,rejects,findings",
            &lab,
            missing,
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).contains(&format!("{missing}: no such file")));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let (cut, whole) = (json("2"), json("0"));
    let meta = &cut["maillog_report"];
    assert_eq!(meta["schema_version"], 1);
    assert_eq!(meta["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        meta["input_problems"],
        serde_json::json!([{ "file": missing, "problem": "no such file", "notice": false }])
    );
    assert_eq!(whole["maillog_report"]["truncated"], serde_json::json!({}));
    for report in ["rejects", "findings"] {
        let total = whole[report].as_array().unwrap().len();
        assert!(total > 2, "{report}: {total}");
        assert_eq!(cut[report].as_array().unwrap().len(), 2);
        assert_eq!(
            meta["truncated"][report],
            serde_json::json!({ "shown": 2, "total": total })
        );
    }
    for report in ["overview", "totals"] {
        let rows = whole[report].as_array().unwrap();
        let keys: std::collections::BTreeSet<&str> =
            rows.iter().map(|r| r["key"].as_str().unwrap()).collect();
        assert_eq!(keys.len(), rows.len(), "{report}: {keys:?}");
    }
    let totals = whole["totals"].as_array().unwrap();
    let key_of = |section: &str, item: &str| {
        totals
            .iter()
            .find(|r| r["section"] == section && r["item"] == item)
            .map(|r| r["key"].as_str().unwrap().to_string())
    };
    assert_eq!(key_of("messages", "received").unwrap(), "messages_received");
    assert_eq!(key_of("bytes", "received").unwrap(), "bytes_received");
    assert_eq!(
        key_of("messages", "rejected (%)").unwrap(),
        "messages_rejected_percent"
    );
    let out = run(&[
        "--year", "2026", "--format", "csv", "--top", "2", "--report", "rejects", &lab,
    ]);
    let text = stdout(&out);
    let total = whole["rejects"].as_array().unwrap().len();
    assert!(
        text.ends_with(&format!(
            "# truncated: 2 of {total} rows (--top 0 shows all)\n"
        )),
        "{text}"
    );
    assert_eq!(text.lines().count(), 4, "{text}");
}

/// `--nagios`: a monitoring plugin's statuses, the worst finding first,
/// UNKNOWN when nothing could be said.
#[test]
fn nagios_statuses_follow_the_worst_finding() {
    let lab = lab_log();
    let quiet = support::repo().join("sample-logs/lab/queue-actions/maillog");
    let quiet = quiet.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.log");
    std::fs::write(&empty, "").unwrap();
    let empty = empty.to_str().unwrap();
    let missing = "no-such-dir/mail.log";
    let status = |args: &[&str]| {
        let mut all = vec!["--year", "2026", "--nagios", "--report", "headline"];
        all.extend_from_slice(args);
        run(&all).status.code()
    };
    // A warning finding of the lab log, alone.
    let out = run(&[
        "--year", "2026", "--format", "json", "--report", "findings", &lab,
    ]);
    let found: Value = serde_json::from_slice(&out.stdout).unwrap();
    let warning = found["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["severity"] == "warning")
        .expect("a warning finding in the lab log");
    let warning_id = warning["id"].as_str().unwrap();
    let critical_ids: Vec<&str> = found["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "critical")
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(!critical_ids.contains(&warning_id), "{warning_id}");
    assert_eq!(status(&[&lab]), Some(2), "critical findings");
    assert_eq!(
        status(&["--finding", warning_id, &lab]),
        Some(1),
        "a warning"
    );
    assert_eq!(status(&[quiet]), Some(0), "no finding");
    assert_eq!(
        status(&[&lab, missing]),
        Some(2),
        "critical wins over an unreadable input"
    );
    assert_eq!(
        status(&[quiet, missing]),
        Some(3),
        "no finding and an unreadable input"
    );
    assert_eq!(status(&[missing]), Some(3), "nothing read");
    assert_eq!(status(&[empty]), Some(3), "nothing found");
    let out = run(&["--nagios", "--fail-on", "warning", &lab]);
    assert_eq!(out.status.code(), Some(2), "a usage error");
    assert!(
        stderr(&out).contains("cannot be used with"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_named_zone_cuts_the_days_of_d_in_that_zone() {
    // The binary runs with TZ=UTC: --tz must be the zone of the window
    // too, not only of the times printed.
    let out = run(&[
        "--report",
        "headline",
        "--tz",
        "Europe/Brussels",
        "-d",
        "2026-11-23",
        "--year",
        "2026",
        &lab_log(),
    ]);
    let headline = stdout(&out);
    assert!(
        headline.contains(" 2026-11-23 Europe/Brussels: "),
        "{headline}"
    );
}

/// `-o FILE`: the same bytes as standard output, put in place whole (no
/// temporary file left beside it); a directory that does not exist or an
/// input as the output is a clear error (exit 3), and FILE is left alone.
#[test]
fn output_file_holds_what_stdout_would() {
    let dir = tempfile::tempdir().unwrap();
    let log = lab_log();
    let page = dir.path().join("report.html");
    let args = ["--year", "2026", "--format", "html", &log];
    let printed = run(&args);
    let written = run(&[&args[..], &["-o", page.to_str().unwrap()]].concat());
    assert!(written.status.success(), "{}", stderr(&written));
    assert!(written.stdout.is_empty());
    assert_eq!(std::fs::read(&page).unwrap(), printed.stdout);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["report.html"]);

    let nowhere = dir.path().join("no-such-dir/report.html");
    let out = run(&[&args[..], &["-o", nowhere.to_str().unwrap()]].concat());
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).starts_with(&format!("maillog-report: {}: ", nowhere.display())));
    let copy = dir.path().join("mail.log");
    std::fs::copy(&log, &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    let copy = copy.to_str().unwrap();
    let out = run(&["--year", "2026", copy, "-o", copy]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is one of the inputs"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(copy).unwrap(), before);
}
