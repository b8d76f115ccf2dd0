//! Line accounting over every file of the shared corpus of real Postfix logs
//! (`../shared/corpus`, read in place: its licenses do not allow copying it
//! into this repository). Per-file counts are pinned so that any change in
//! what the parser recognizes shows up here, and across the corpus fewer than
//! 0.5% of Postfix lines may be unrecognized.
//!
//! The few unrecognized lines left are damaged in the published files
//! (see `../shared/corpus/PROVENANCE.md`): cut off by a pager or a hard wrap
//! (infohtreasure ×2, inqueue, schweikert), two lines glued into one
//! (ministryofjustice: two, one of them starting like a `connect from`), a stray quote after `removed` (msimerson), and a test
//! author's `tox=` typo (pk65). In the message-only files (grade C, written
//! or sanitised by test authors) a few rare shapes are left: smtpd `warn:` and
//! `bcc:` access actions, cleanup `milter-header-redirect:`, SASL library and
//! certificate chatter, and lines whose sanitising broke them (two delivery
//! records with `conn_use=2 delay=…`, a comma lost: Postfix always writes
//! `, ` between the pairs of a delivery record, and the `key=value`
//! scanner reads the separators Postfix writes).
//!
//! Session lines (connect, disconnect, TLS, postscreen, dnsblog, anvil,
//! master, smtp connect failures, …) are events since schema 3: most of the
//! known column moved to the events column (pixelpark: 67 624 known lines
//! became 2 225). The unrecognized column did not change, line for line:
//! every session line of the corpus parses, and the damaged ones were
//! unrecognized before (ministryofjustice's `connect from` glued to a
//! `client=` line). The known lines left are `-v` traces, tlsproxy's
//! bookkeeping, postscreen's cache cleanup, TLS handshake chatter and the
//! before-queue proxy's `NOQUEUE: client=`.

use std::path::Path;

use maillog_report::input::{Input, Source};
use maillog_report::parse::{parse_message, MessageOutcome};
use maillog_report::scan::{scan, LineCounts, ScanOptions};

use super::support;

/// (file, lines, events, known, other programs, no syslog header, unrecognized)
const PINNED: &[(&str, u64, u64, u64, u64, u64, u64)] = &[
    ("anantg21-postfix-dashboard.maillog", 29, 28, 1, 0, 0, 0),
    ("crowdsec-hub-postfix.log", 18, 18, 0, 0, 0, 0),
    ("digineo-postfix_exporter.mail.log", 53, 53, 0, 0, 0, 0),
    ("fail2ban-postfix.log", 63, 58, 5, 0, 0, 0),
    (
        "infohtreasure-Postfix-Maillog-Dump.maillog.log",
        13888,
        410,
        10240,
        1939,
        1298,
        1,
    ),
    (
        "infohtreasure-Postfix-Maillog-Dump.mailog2.log",
        6747,
        308,
        5140,
        0,
        1298,
        1,
    ),
    ("inqueue-postfix-ecs-pipeline.mail.log", 20, 19, 0, 0, 0, 1),
    ("kumina-postfix_exporter-tests.log", 50, 48, 2, 0, 0, 0),
    ("maillogsentinel-sample_sasl.log", 139, 139, 0, 0, 0, 0),
    (
        "mephistophiles-postfix-log-parser-tests.log",
        39,
        39,
        0,
        0,
        0,
        0,
    ),
    (
        "ministryofjustice-postfix-stats-collector.tests.mail.log",
        45,
        31,
        0,
        0,
        12,
        2,
    ),
    ("modoboa-maillog-tests.mail.log", 519, 306, 25, 188, 0, 0),
    ("msimerson-postfix-parser-tests.log", 11, 10, 0, 0, 0, 1),
    ("ossec-hids-tests.log", 4, 3, 1, 0, 0, 0),
    (
        "pixelpark-postfix-logsums.mail.log",
        69861,
        67364,
        2225,
        272,
        0,
        0,
    ),
    ("pk65-search_postfix_log.mail.log", 25, 24, 0, 0, 0, 1),
    ("postfix-grok-patterns-tests.msg", 178, 150, 27, 0, 0, 1),
    ("postfix-logwatch-TD.msg", 338, 255, 14, 52, 0, 17),
    ("promqueen-maillog_exporter-tests.log", 4, 4, 0, 0, 0, 0),
    ("schweikert-mailgraph-postfix-log.txt", 19, 18, 0, 0, 0, 1),
    ("sekiltoyai-postfix-log-parser.log", 36, 34, 1, 0, 1, 0),
    ("sshguard-parser-tests.log", 11, 10, 0, 1, 0, 0),
    ("wazuh-ruleset-tests.log", 4, 4, 0, 0, 0, 0),
    ("youyo-postfix-log-parser.test.log", 22, 22, 0, 0, 0, 0),
];

fn scan_bytes(name: &str, bytes: Vec<u8>) -> LineCounts {
    let input = Input {
        name: name.to_string(),
        data: Source::Owned(bytes),
        mtime: None,
    };
    let options = ScanOptions::every_event(4, 2024);
    scan(&[input], &options).counts
}

/// The modoboa test log has a `%(day)s` template where the date belongs; its
/// own tests substitute a date, and so do we.
fn prepare(name: &str, bytes: Vec<u8>) -> Vec<u8> {
    if name.starts_with("modoboa") {
        let text = String::from_utf8(bytes).expect("modoboa log is UTF-8");
        return text.replace("%(day)s", "Jan 15").into_bytes();
    }
    bytes
}

/// Message-only files: the index names each line's daemon (and, for the
/// postfix-logwatch lines, the `NOQUEUE: ` or queue-id prefix its test
/// generator adds, after collapsing its column-aligning blanks).
fn scan_messages(dir: &Path, name: &str) -> LineCounts {
    let text = std::fs::read_to_string(dir.join(name)).expect("readable");
    let index = std::fs::read_to_string(dir.join(format!("{name}.index.tsv"))).expect("index");
    let mut counts = LineCounts::default();
    for (line, row) in text.lines().zip(index.lines()) {
        counts.lines += 1;
        let fields: Vec<&str> = row.split('\t').collect();
        let (daemon, message) = if name.starts_with("postfix-grok") {
            let pattern = fields[2]
                .trim_start_matches("^%{POSTFIX_")
                .trim_end_matches("}$");
            let daemon = match pattern {
                "SCRIPT" => "postfix-script".to_string(),
                other => other.to_ascii_lowercase().replace('_', "-"),
            };
            (daemon, line.to_string())
        } else {
            let collapsed = line
                .split(' ')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let prefix = match fields[4] {
                "NOQUEUE" => "NOQUEUE: ".to_string(),
                "QID" => format!(
                    "{}: ",
                    fields
                        .get(5)
                        .filter(|q| !q.is_empty())
                        .unwrap_or(&"C6E0DDB74006")
                ),
                _ => String::new(),
            };
            (fields[3].to_string(), format!("{prefix}{collapsed}"))
        };
        let is_postfix = !matches!(daemon.as_str(), "policy-spf" | "postfwd" | "postgrey");
        if !is_postfix {
            counts.other_program += 1;
            continue;
        }
        match parse_message(&daemon, &message) {
            MessageOutcome::Event(_) => counts.events += 1,
            MessageOutcome::Known => counts.known += 1,
            MessageOutcome::Unrecognized => {
                eprintln!("unrecognized {name}: [{daemon}] {message}");
                counts.unrecognized += 1
            }
        }
    }
    counts
}

fn corpus_counts(dir: &Path) -> Vec<(String, LineCounts)> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("corpus folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.ends_with(".log")
                || n.ends_with(".maillog")
                || n.ends_with(".txt")
                || n.ends_with(".msg")
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let counts = if name.ends_with(".msg") {
                scan_messages(dir, &name)
            } else {
                let bytes = std::fs::read(dir.join(&name)).expect("readable");
                scan_bytes(&name, prepare(&name, bytes))
            };
            (name, counts)
        })
        .collect()
}

#[test]
fn corpus_line_accounting_is_pinned() {
    let Some(dir) = support::shared("corpus") else {
        return;
    };
    let actual = corpus_counts(&dir);
    let mut table = String::new();
    for (name, c) in &actual {
        assert_eq!(
            c.lines,
            c.events + c.known + c.other_program + c.no_syslog_header + c.unrecognized + c.too_long,
            "{name}: every line in exactly one bucket"
        );
        table.push_str(&format!(
            "    (\"{name}\", {}, {}, {}, {}, {}, {}),\n",
            c.lines, c.events, c.known, c.other_program, c.no_syslog_header, c.unrecognized
        ));
    }
    let pinned: String = PINNED
        .iter()
        .map(|(n, l, e, k, o, h, u)| format!("    (\"{n}\", {l}, {e}, {k}, {o}, {h}, {u}),\n"))
        .collect();
    assert_eq!(
        table, pinned,
        "per-file counts changed; new table:\n{table}"
    );

    let postfix: u64 = actual.iter().map(|(_, c)| c.postfix_lines()).sum();
    let unrecognized: u64 = actual.iter().map(|(_, c)| c.unrecognized).sum();
    assert!(postfix > 80_000, "the corpus has {postfix} Postfix lines");
    assert!(
        unrecognized * 200 < postfix,
        "{unrecognized} of {postfix} Postfix lines unrecognized (limit 0.5%)"
    );
}
