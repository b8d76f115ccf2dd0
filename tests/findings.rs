//! Findings on real logs (the labs a real Postfix wrote, the corpus) with
//! exact numbers, on logs made from real lines for the edges of each
//! threshold, and the command line around them: `--fail-on`, `--rules`,
//! `--postconf`.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::support::{self, lab_log, repo, stderr};

/// The findings of a `--format json` run: `id subject` → finding.
fn findings(args: &[&str]) -> BTreeMap<String, Value> {
    let mut all = vec!["--format", "json", "--report", "findings", "--year", "2026"];
    all.extend_from_slice(args);
    let out = support::run(&all);
    assert!(
        matches!(out.status.code(), Some(0) | Some(4)),
        "{args:?}: {}",
        stderr(&out)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let key = format!(
                "{} {}",
                f["id"].as_str().unwrap(),
                f["subject"].as_str().unwrap()
            );
            (key, f.clone())
        })
        .collect()
}

fn count(f: &Value, field: &str) -> u64 {
    f["evidence"][field].as_u64().unwrap()
}

/// The first line of `log` holding every one of `needles`.
fn line_with<'l>(log: &'l str, needles: &[&str]) -> &'l str {
    log.lines()
        .find(|l| needles.iter().all(|n| l.contains(n)))
        .unwrap_or_else(|| panic!("no line with {needles:?}"))
}

#[test]
fn the_lab_scenarios_are_named_with_exact_numbers() {
    let found = findings(&[&lab_log()]);
    let keys: Vec<&str> = found.keys().map(String::as_str).collect();
    let erg = &found["domain-wide-reject erg.school"];
    assert_eq!(erg["severity"], "critical");
    assert_eq!(
        (
            count(erg, "count"),
            count(erg, "recipients"),
            count(erg, "clients")
        ),
        (442, 391, 2)
    );
    let summary = erg["summary"].as_str().unwrap();
    assert!(
        summary.contains("550 5.1.1") && summary.contains("by this server's smtpd"),
        "{summary}"
    );
    assert!(erg["cause"]
        .as_str()
        .unwrap()
        .contains("virtual_mailbox_domains"));
    assert!(erg["fix"].as_str().unwrap().contains("relay_domains"));

    // One relay finding, naming the client and its total.
    let relay: Vec<&&str> = keys.iter().filter(|k| k.starts_with("relay")).collect();
    assert_eq!(relay, [&"relay-probe 127.0.0.5"]);
    let probe = &found["relay-probe 127.0.0.5"];
    assert_eq!(
        (probe["severity"].as_str(), count(probe, "count")),
        (Some("info"), 102)
    );

    let soft = &found["soft-user-unknown postfix/submission: local recipient table"];
    assert_eq!(count(soft, "count"), 25);
    assert!(soft["cause"]
        .as_str()
        .unwrap()
        .contains("unknown_local_recipient_reject_code"));

    // The destinations that never answered: (attempts, messages).
    for (hop, attempts, messages) in [
        ("127.0.0.40:25", 24, 13),
        ("127.0.0.31:25", 14, 8),
        ("127.0.0.30:25", 30, 16),
    ] {
        let f = &found[&format!("unreachable-destination {hop}")];
        assert_eq!(f["severity"], "critical", "{hop}: mail expired there");
        assert_eq!(
            (count(f, "count"), count(f, "messages")),
            (attempts, messages),
            "{hop}"
        );
    }
    // The domains whose servers bounce: recipients.
    for (domain, recipients) in [
        ("defunct-univ.example 5.1.1", 11),
        ("oldmail.example 5.1.1", 11),
        ("closed-isp.example 5.1.1", 11),
        ("strict-filter.example 5.7.1", 6),
        ("blocklisting.example 5.7.1", 6),
    ] {
        let f = &found[&format!("remote-bounce {domain}")];
        assert_eq!(count(f, "recipients"), recipients, "{domain}");
    }
    for absent in [
        "domain-wide-reject victim-corp.example",
        "typo-domain",
        "onset",
        "sasl",
        "fatal",
    ] {
        assert!(
            !keys.iter().any(|k| k.starts_with(absent)),
            "no {absent}: {keys:?}"
        );
    }
    assert_eq!(found.len(), 11, "{keys:?}");
}

#[test]
fn sample_lines_name_their_file_and_line() {
    let found = findings(&[&lab_log()]);
    let samples = found["domain-wide-reject erg.school"]["evidence"]["samples"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(samples.len(), 3);
    let log = std::fs::read_to_string(lab_log()).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    for s in samples {
        let n = s["line"].as_u64().unwrap() as usize;
        assert_eq!(s["file"], lab_log());
        assert_eq!(s["text"].as_str().unwrap(), lines[n - 1], "line {n}");
        assert!(lines[n - 1].contains("erg.school") && lines[n - 1].contains("reject: RCPT"));
    }
}

/// The repository lab with its configuration (`postconf -n` and `-P` of
/// the real Postfix it ran; a fresh run's under CI).
#[test]
fn the_configuration_confirms_the_causes() {
    for lab in support::lab_runs() {
        let config = format!("--postconf={}", lab.join("postconf.txt").display());
        let found = findings(&[&config, lab.join("maillog").to_str().unwrap()]);
        let verdict = |key: &str| {
            let c = &found[key]["configuration"];
            (
                c["verdict"].as_str().unwrap().to_string(),
                c["lines"].to_string(),
            )
        };
        let (v, lines) = verdict("domain-wide-reject erg.school");
        assert_eq!(v, "confirmed");
        assert!(
            lines.contains("virtual_mailbox_domains = xamxam.example, erg.school"),
            "{lines}"
        );
        let (v, lines) = verdict("soft-user-unknown postfix/submission: local recipient table");
        assert_eq!(v, "confirmed");
        assert!(
            lines.contains("submission/inet/unknown_local_recipient_reject_code = 450"),
            "{lines}"
        );
        let (v, lines) = verdict("relay-denied 127.0.0.6");
        assert_eq!(v, "confirmed");
        assert!(lines.contains("mynetworks = 127.0.0.1/32"), "{lines}");
        assert_eq!(found["relay-probe 127.0.0.5"]["severity"], "info");
    }
    // Without the flag nothing is run and no verdict given.
    let found = findings(&[repo().join("sample-logs/lab/maillog").to_str().unwrap()]);
    assert!(found.values().all(|f| f["configuration"].is_null()));
}

/// The lab log's lines of the messages that were simply delivered.
fn clean_log(dir: &Path) -> std::path::PathBuf {
    use maillog_report::input::{Input, Source};
    use maillog_report::messages::{self, Fate};
    use maillog_report::scan::{scan, ScanOptions};
    let data = std::fs::read(lab_log()).unwrap();
    let input = Input {
        name: "lab".into(),
        data: Source::Owned(data.clone()),
        mtime: None,
    };
    let scanned = scan(&[input], &ScanOptions::every_event(2, 2026));
    let m = messages::build(&scanned.frame).unwrap();
    let clean: std::collections::HashSet<String> = m
        .list
        .iter()
        .filter(|m| {
            m.fate() == Fate::Delivered
                && m.rare_counts().deferrals
                    + m.rare_counts().bounced
                    + m.rare_counts().refused_recipients
                    == 0
                && m.parent().is_none()
        })
        .map(|m| format!(": {}: ", m.queue_id))
        .collect();
    let text = String::from_utf8(data).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| clean.iter().any(|id| l.contains(id.as_str())))
        .collect();
    assert!(lines.len() > 2000, "{} lines", lines.len());
    let path = dir.join("clean.log");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn cleanly_delivered_mail_gets_no_finding_and_fail_on_passes() {
    let dir = tempfile::tempdir().unwrap();
    let clean = clean_log(dir.path());
    let clean = clean.to_str().unwrap();
    assert!(
        findings(&[clean]).is_empty(),
        "{:?}",
        findings(&[clean]).keys()
    );
    let out = support::run(&["--year", "2026", "--fail-on", "warning", clean]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The whole lab log has critical findings: 4, also when the findings
    // are not printed.
    for report in ["findings", "totals"] {
        let out = support::run(&[
            "--year",
            "2026",
            "--report",
            report,
            "--fail-on",
            "critical",
            &lab_log(),
        ]);
        assert_eq!(out.status.code(), Some(4), "--report {report}");
        assert!(!out.stdout.is_empty());
    }
}

/// A log of `n` real erg.school reject lines (the lab's, with other
/// addresses) and `delivered` real deliveries to other erg.school
/// addresses.
fn erg_school_log(dir: &Path, rejects: usize, delivered: usize) -> std::path::PathBuf {
    let log = std::fs::read_to_string(lab_log()).unwrap();
    let reject = line_with(
        &log,
        &["NOQUEUE: reject: RCPT", "camille.desmet29@erg.school"],
    );
    let delivery = line_with(&log, &["to=<admin@erg.school>", "status=sent"]);
    let mut lines = Vec::new();
    for i in 0..rejects {
        lines.push(reject.replace("camille.desmet29", &format!("user{i}")));
    }
    for i in 0..delivered {
        lines.push(delivery.replace("admin@", &format!("staff{i}@")));
    }
    let path = dir.join(format!("erg-{rejects}-{delivered}.log"));
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn domain_wide_thresholds_at_their_edges() {
    let dir = tempfile::tempdir().unwrap();
    let fires = |rejects, delivered, extra: &[&str]| {
        let log = erg_school_log(dir.path(), rejects, delivered);
        let mut args = extra.to_vec();
        let log = log.to_str().unwrap().to_string();
        args.push(&log);
        findings(&args).contains_key("domain-wide-reject erg.school")
    };
    // At least 5 attempts (default).
    assert!(!fires(4, 0, &[]));
    assert!(fires(5, 0, &[]));
    // At least 95% of the recipients: 19 of 20 is 95%, 18 of 19 is 94.7%.
    assert!(fires(19, 1, &[]));
    assert!(!fires(18, 1, &[]));
    // The thresholds are options.
    assert!(fires(4, 0, &["--min-attempts", "4"]));
    assert!(fires(18, 1, &["--min-share", "90"]));
}

#[test]
fn soft_unknown_and_bounce_thresholds_at_their_edges() {
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::read_to_string(lab_log()).unwrap();
    let soft = line_with(&log, &[": 450 4.1.1 <", "local recipient table"]);
    let bounce = line_with(&log, &["status=bounced", "defunct-univ.example"]);
    for (n, expected) in [(4, false), (5, true)] {
        let lines: Vec<String> = (0..n)
            .map(|i| soft.replace("lotte.simon", &format!("user{i}")))
            .chain((0..n).map(|i| bounce.replace("fien.renard", &format!("user{i}"))))
            .collect();
        let path = dir.path().join(format!("edge-{n}.log"));
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let found = findings(&[path.to_str().unwrap()]);
        assert_eq!(
            found.keys().any(|k| k.starts_with("soft-user-unknown")),
            expected,
            "{n}: {:?}",
            found.keys()
        );
        assert_eq!(
            found.contains_key("remote-bounce defunct-univ.example 5.1.1"),
            expected,
            "{n}"
        );
    }
}

#[test]
fn site_rules_name_their_restriction_and_bad_rules_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        "# our sender blocklist\n[[rule]]\nmatch = \"Sender domain blocked by policy\"\nrestriction = \"check_sender_access hash:/etc/postfix/blocklist\"\nseverity = \"info\"\nhint = \"Our own blocklist.\"\n",
    )
    .unwrap();
    let rules_arg = rules.to_str().unwrap();
    let found = findings(&["--rules", rules_arg, &lab_log()]);
    let f = &found["site-rule check_sender_access hash:/etc/postfix/blocklist"];
    assert_eq!(
        (f["severity"].as_str(), count(f, "count")),
        (Some("info"), 8)
    );
    assert_eq!(f["fix"], "Our own blocklist.");
    let out = support::run(&[
        "--year",
        "2026",
        "--format",
        "json",
        "--report",
        "rejects",
        "--rules",
        rules_arg,
        &lab_log(),
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let relabelled = v["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["restriction"] == "check_sender_access hash:/etc/postfix/blocklist")
        .count();
    assert_eq!(
        relabelled, 2,
        "the rejects table shows the rule's restriction"
    );

    std::fs::write(
        &rules,
        "\n[[rule]]\nmatch = \"([a-z\"\nrestriction = \"x\"\n",
    )
    .unwrap();
    let out = support::run(&["--rules", rules_arg, &lab_log()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "maillog-report: {rules_arg}, rule at line 2: pattern `([a-z`"
        )),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn abuse_and_daemon_problems_on_real_logs() {
    let Some(corpus) = support::shared("corpus") else {
        return;
    };
    let sasl = findings(&[corpus
        .join("maillogsentinel-sample_sasl.log")
        .to_str()
        .unwrap()]);
    let f = sasl
        .values()
        .find(|f| f["id"] == "sasl-failures")
        .expect("SASL failures");
    assert_eq!(count(f, "count"), 139);
    let summary = f["summary"].as_str().unwrap();
    assert!(summary.contains("spread over many addresses"));
    // Postfix 3.9 names the account tried; none of these addresses
    // authenticated later.
    assert!(
        summary.contains("Accounts tried: user3 (53), user4 (34), admin@domain.tld (13)"),
        "{summary}"
    );
    assert!(summary.contains("None of these addresses authenticated afterwards."));
    assert_eq!(f["severity"], "warning");
    // The same failures, then one of the guessing addresses authenticates
    // (a real client= line of the corpus, moved to that address and a
    // later time): a guessed password, critical, naming the account.
    let dir = tempfile::tempdir().unwrap();
    let mut log = std::fs::read_to_string(corpus.join("maillogsentinel-sample_sasl.log")).unwrap();
    log.push_str(
        "Oct  3 07:00:00 srv postfix/smtps/smtpd[27530]: EB4B2C19E2: client=unknown[119.207.78.191], sasl_method=PLAIN, sasl_username=admin@domain.tld\n",
    );
    let path = dir.path().join("guessed.log");
    std::fs::write(&path, log).unwrap();
    let guessed = findings(&[path.to_str().unwrap()]);
    let f = guessed
        .values()
        .find(|f| f["id"] == "sasl-failures")
        .expect("SASL failures");
    assert_eq!(f["severity"], "critical");
    let summary = f["summary"].as_str().unwrap();
    assert!(
        summary.contains("Then authenticated: admin@domain.tld from 119.207.78.191"),
        "{summary}"
    );
    assert!(f["fix"]
        .as_str()
        .unwrap()
        .starts_with("Change the password of admin@domain.tld now"));
    let info = findings(&[corpus
        .join("infohtreasure-Postfix-Maillog-Dump.maillog.log")
        .to_str()
        .unwrap()]);
    // `fatal: unknown service: private/dovecot-lmtp/tcp`, then qmgr's
    // `transport lmtp failure`.
    assert!(info.values().any(|f| f["id"] == "fatal-error"));
    assert!(info.values().any(|f| f["id"] == "transport-failure"));
    // Each kind of fatal error is a finding of its own, with its own
    // severity: `postfix start` while running stops nothing; a program's
    // sendmail call that fails loses that mail; master failing to bind
    // stops the server.
    let kind = |id: &str, subject: &str| {
        let f = &info[&format!("{id} {subject}")];
        (
            f["severity"].as_str().unwrap().to_string(),
            count(f, "count"),
        )
    };
    assert_eq!(
        kind(
            "command-misuse",
            "postfix-script: the Postfix mail system is already running"
        ),
        ("info".to_string(), 5)
    );
    assert_eq!(
        kind(
            "submission-failed",
            "sendmail: Recipient addresses must be specified on the command line or via the -t option"
        ),
        ("warning".to_string(), 13)
    );
    assert_eq!(
        kind(
            "fatal-error",
            "master: bind IP port N: Address already in use"
        ),
        ("critical".to_string(), 8)
    );
    let fatal_kinds = info
        .values()
        .filter(|f| {
            matches!(
                f["id"].as_str(),
                Some("fatal-error" | "submission-failed" | "command-misuse")
            )
        })
        .count();
    assert_eq!(fatal_kinds, 16);
}

/// `line` (a lab line, `Nov 23 14:04:29 relay …`) at `Nov 23 HH:MM:00`.
fn at(line: &str, hour: u32, minute: u32) -> String {
    format!("Nov 23 {hour:02}:{minute:02}:00{}", &line[15..])
}

/// The onset finding of a log of the lab's `delivery` line seven times
/// from 12:00 to 13:00, then the lines `then`.
fn onset_after_an_hour(dir: &Path, delivery: &str, then: Vec<String>) -> Value {
    let mut lines: Vec<String> = (0..7).map(|i| at(delivery, 12, i * 10)).collect();
    lines.extend(then);
    let path = dir.join("onset.log");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let found = findings(&[path.to_str().unwrap()]);
    let (_, finding) = found
        .iter()
        .find(|(k, _)| k.starts_with("onset"))
        .expect("an onset finding");
    finding.clone()
}

/// An onset after a reload names the reload: an hour of deliveries, a
/// `postfix reload` (master's real line), then a reject class that was
/// never seen before. Without the reload, or with one more than half an
/// hour before, the onset is reported without it.
#[test]
fn an_onset_after_a_reload_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::read_to_string(lab_log()).unwrap();
    let delivery = line_with(&log, &["to=<admin@erg.school>", "status=sent"]);
    let reject = line_with(&log, &["NOQUEUE: reject: RCPT", "Relay access denied"]);
    // infohtreasure's master line, with the lab's host.
    let reload = "Nov 23 14:04:29 relay postfix/master[1160]: reload -- version 2.10.1, configuration /etc/postfix";
    let onset = |reload_at: Option<(u32, u32)>| {
        let mut then: Vec<String> = reload_at
            .map(|(h, m)| at(reload, h, m))
            .into_iter()
            .collect();
        then.extend((0..12).map(|i| at(reject, 13, 12 + i)));
        onset_after_an_hour(dir.path(), delivery, then)
    };
    let named = onset(Some((13, 10)));
    let summary = named["summary"].as_str().unwrap();
    assert!(
        summary.contains("Postfix read its configuration 2 minutes before (`reload -- version 2.10.1, configuration /etc/postfix` at 2026-11-23 13:10 UTC)"),
        "{summary}"
    );
    assert!(named["cause"].as_str().unwrap().contains("reload"));
    let first = &named["evidence"]["samples"][0];
    assert!(first["text"]
        .as_str()
        .unwrap()
        .contains("postfix/master[1160]: reload"));
    for reload_at in [None, Some((12, 40))] {
        let plain = onset(reload_at);
        let summary = plain["summary"].as_str().unwrap();
        assert!(
            !summary.contains("configuration"),
            "{reload_at:?}: {summary}"
        );
    }
}

/// A bounce onset where Postfix reached no server (`relay=none`: the
/// DNS lookup failed, so no host is named) says so instead of "at none".
/// The bounce is the pixelpark server's real line, re-timed after an hour
/// of the lab's deliveries.
#[test]
fn an_onset_with_no_server_reached_says_so() {
    let Some(corpus) = support::shared("corpus") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::read_to_string(lab_log()).unwrap();
    let delivery = line_with(&log, &["to=<admin@erg.school>", "status=sent"]);
    // One of its lines holds raw non-UTF-8 bytes (kept on purpose).
    let server = std::fs::read(corpus.join("pixelpark-postfix-logsums.mail.log")).unwrap();
    let server = String::from_utf8_lossy(&server);
    let bounce = line_with(&server, &["relay=none", "status=bounced"]);
    let message = &bounce[bounce.find("postfix/smtp[").unwrap()..];
    let then = (0..12).map(|i| format!("Nov 23 13:{:02}:00 relay {message}", 12 + i));
    let onset = onset_after_an_hour(dir.path(), delivery, then.collect());
    let summary = onset["summary"].as_str().unwrap();
    assert!(
        summary.starts_with(
            "bounced, no server reached (relay=none) `5.4.4 Host or domain name not found."
        ),
        "{summary}"
    );
    assert!(!summary.contains(" at none"), "{summary}");
}

/// A message of the lab log (0E101B43FE: received, delivered at
/// 127.0.0.12, removed) with the lab's deferral line `deferral` (another
/// message's, at another MX) re-keyed to it `times` times before the
/// delivery; `delivered: false` leaves the delivery and `removed` out (the
/// mail still waits at the end).
fn deferred_then(deferral: &[&str], times: usize, delivered: bool) -> BTreeMap<String, Value> {
    let lab = std::fs::read_to_string(lab_log()).unwrap();
    let line = |needles: &[&str]| line_with(&lab, needles).to_string();
    let deferral = line(deferral);
    let (old_id, old_to) = {
        let rest = deferral.split("]: ").nth(1).unwrap();
        let id = rest.split(':').next().unwrap().to_string();
        let to = rest
            .split("to=<")
            .nth(1)
            .unwrap()
            .split('>')
            .next()
            .unwrap()
            .to_string();
        (id, to)
    };
    let mut log = vec![
        line(&["0E101B43FE: client="]),
        line(&["0E101B43FE: message-id="]),
        line(&["0E101B43FE: from="]),
    ];
    for i in 0..times {
        let again = deferral
            .replace(&old_id, "0E101B43FE")
            .replace(&old_to, "jasper.wouters@kuleuven.example");
        log.push(at(&again, 14, 10 + 10 * i as u32));
    }
    if delivered {
        log.push(at(&line(&["0E101B43FE: to=", "status=sent"]), 15, 0));
        log.push(at(&line(&["0E101B43FE: removed"]), 15, 0));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mail.log");
    std::fs::write(&path, log.join("\n") + "\n").unwrap();
    findings(&[path.to_str().unwrap()])
}

/// A destination is unreachable when it keeps failing and mail waits or
/// expires because of it, not for one deferral of mail delivered later;
/// rate limits and spam verdicts are their own findings, and an IPv6 next
/// hop is written in brackets. On real lines: the lab's, and the corpus'
/// single deferrals (163.com's DT:SPM, Gmail's per-user 4.2.1) next to a
/// destination that timed out for a day (tecadmin.net).
#[test]
fn one_deferral_of_mail_delivered_later_is_no_outage() {
    let refused = ["deadhost.example", "status=deferred", "Connection refused"];
    let greylisted = ["busy-mx.example", "status=deferred", "Greylisted"];
    let ids = |found: &BTreeMap<String, Value>| -> Vec<String> { found.keys().cloned().collect() };
    // Refused at one MX, delivered at the next: nothing to report.
    assert_eq!(ids(&deferred_then(&refused, 1, true)), Vec::<String>::new());
    assert_eq!(ids(&deferred_then(&refused, 3, true)), Vec::<String>::new());
    // Greylisted at one MX, delivered at the next: greylisting, info.
    let found = deferred_then(&greylisted, 1, true);
    assert_eq!(ids(&found), ["greylisting 127.0.0.30:25"]);
    assert_eq!(found["greylisting 127.0.0.30:25"]["severity"], "info");
    // Refused once and still waiting: one attempt is no outage yet.
    assert_eq!(
        ids(&deferred_then(&refused, 1, false)),
        Vec::<String>::new()
    );
    // Refused three times and still waiting: unreachable.
    let found = deferred_then(&refused, 3, false);
    assert_eq!(ids(&found), ["unreachable-destination 127.0.0.40:25"]);
    let f = &found["unreachable-destination 127.0.0.40:25"];
    assert_eq!(f["severity"], "warning");
    assert_eq!(count(f, "count"), 3);
    assert_eq!(count(f, "messages"), 1);

    let Some(corpus) = support::shared("corpus") else {
        return;
    };
    let of = |name: &str| findings(&[corpus.join(name).to_str().unwrap()]);
    let kinds = |found: &BTreeMap<String, Value>| -> Vec<(String, String)> {
        found
            .iter()
            .filter(|(_, f)| {
                [
                    "unreachable-destination",
                    "rate-limited",
                    "spam-verdict",
                    "greylisting",
                ]
                .contains(&f["id"].as_str().unwrap())
            })
            .map(|(k, f)| (k.clone(), f["severity"].as_str().unwrap().to_string()))
            .collect()
    };
    let pair = |k: &str, s: &str| (k.to_string(), s.to_string());
    assert_eq!(
        kinds(&of("kumina-postfix_exporter-tests.log")),
        [pair("spam-verdict 1.1.1.1:25", "info")]
    );
    assert_eq!(
        kinds(&of("sekiltoyai-postfix-log-parser.log")),
        [pair("rate-limited [2a00:1450:400c:c02::1b]:25", "info")]
    );
    let tecadmin = of("infohtreasure-Postfix-Maillog-Dump.maillog.log");
    assert_eq!(
        kinds(&tecadmin),
        [
            pair("unreachable-destination 104.21.25.106:25", "warning"),
            pair("unreachable-destination 172.67.134.5:25", "warning"),
        ]
    );
    assert_eq!(
        count(
            &tecadmin["unreachable-destination 104.21.25.106:25"],
            "count"
        ),
        7
    );
    assert_eq!(
        count(
            &tecadmin["unreachable-destination 172.67.134.5:25"],
            "count"
        ),
        10
    );
}
