//! Every count the reports print for a log written by a real Postfix equals
//! the ground truth computed from what was sent (`truth.json` /
//! `expected.json`, never derived from the log).
//!
//! Checked on: the shared lab run copied into `sample-logs/` (three log
//! formats of one scenario), and, when `MAILLOG_LAB_OUT` names a folder, a
//! fresh run of this repository's own lab (`lab/run-lab.sh`, as `.ci/run`
//! does under CI).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::support;

/// `--year YEAR --format json --top 0 ARGS… LOG`, parsed.
fn json(year: &str, log: &str, args: &[&str]) -> Value {
    let mut all = vec!["--year", year, "--format", "json", "--top", "0"];
    all.extend_from_slice(args);
    all.push(log);
    let args = all;
    let output = support::run(&args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        support::stderr(&output)
    );
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

fn rows<'a>(v: &'a Value, report: &str) -> &'a Vec<Value> {
    v[report]
        .as_array()
        .unwrap_or_else(|| panic!("report {report} in {v}"))
}

fn normalized(reason: &str) -> String {
    let mut out = String::new();
    maillog_report::restriction::normalize_reason(reason, &mut out);
    out
}

type Key = (String, u64, String, String, String);

/// (domain, code, enhanced, restriction, normalized reason) → count.
fn truth_actions(lines: &[&Value]) -> BTreeMap<Key, u64> {
    let mut map = BTreeMap::new();
    for line in lines {
        let key = (
            line["domain"].as_str().unwrap().to_string(),
            line["code"].as_u64().unwrap(),
            line["enhanced"].as_str().unwrap().to_string(),
            line["restriction"].as_str().unwrap().to_string(),
            normalized(line["reason"].as_str().unwrap()),
        );
        *map.entry(key).or_insert(0) += line["count"].as_u64().unwrap();
    }
    map
}

fn reported_actions(rows: &[Value]) -> BTreeMap<Key, u64> {
    let mut map = BTreeMap::new();
    for row in rows {
        let key = (
            row["to_domain"].as_str().unwrap_or("").to_string(),
            row["code"].as_u64().unwrap_or(0),
            row["enhanced"].as_str().unwrap_or("").to_string(),
            row["restriction"].as_str().unwrap_or("").to_string(),
            row["reason"].as_str().unwrap_or("").to_string(),
        );
        *map.entry(key).or_insert(0) += row["count"].as_u64().unwrap();
    }
    map
}

fn lines_of<'a>(truth: &'a Value, path: &[&str]) -> Vec<&'a Value> {
    let mut v = truth;
    for p in path {
        v = &v[*p];
    }
    v.as_array().map(|a| a.iter().collect()).unwrap_or_default()
}

fn check_log_against_truth(log: &Path, truth: &Value, year: &str) {
    let log = log.to_str().unwrap();
    let reports = json(year, log, &["--report", "overview,rejects,warnings"]);

    // Rejects: NOQUEUE and queue-id RCPT rejects together, by domain × code ×
    // enhanced code × restriction × reason.
    let mut reject_lines = lines_of(truth, &["smtpd_rejects", "noqueue", "lines"]);
    reject_lines.extend(lines_of(
        truth,
        &["smtpd_rejects", "with_queue_id", "lines"],
    ));
    assert_eq!(
        reported_actions(rows(&reports, "rejects")),
        truth_actions(&reject_lines),
        "{log}: rejects"
    );

    let warning_lines = lines_of(truth, &["reject_warnings", "lines"]);
    assert_eq!(
        reported_actions(rows(&reports, "warnings")),
        truth_actions(&warning_lines),
        "{log}: reject warnings"
    );

    // Rejects per listener: `smtp` is instance `postfix`, `submission` is
    // `postfix/submission`.
    let by_listener = json(
        year,
        log,
        &["--event", "reject", "--group-by", "to_domain,instance"],
    );
    let mut reported = BTreeMap::new();
    for row in rows(&by_listener, "group_by") {
        let key = (
            row["to_domain"].as_str().unwrap().to_string(),
            row["instance"].as_str().unwrap().to_string(),
        );
        reported.insert(key, row["count"].as_u64().unwrap());
    }
    let mut expected = BTreeMap::new();
    for line in &reject_lines {
        let instance = match line["listener"].as_str().unwrap() {
            "smtp" => "postfix".to_string(),
            other => format!("postfix/{other}"),
        };
        *expected
            .entry((line["domain"].as_str().unwrap().to_string(), instance))
            .or_insert(0) += line["count"].as_u64().unwrap();
    }
    assert_eq!(reported, expected, "{log}: rejects by listener");

    // Deliveries: log lines per domain and status, and distinct (message,
    // recipient) pairs, which is how the truth counts recipients.
    let deliveries = json(
        year,
        log,
        &[
            "--event",
            "delivery",
            "--group-by",
            "to_domain,status,queue_id,to",
        ],
    );
    let mut reported: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    for row in rows(&deliveries, "group_by") {
        let key = (
            row["to_domain"].as_str().unwrap().to_string(),
            row["status"].as_str().unwrap().to_string(),
        );
        let entry = reported.entry(key).or_default();
        entry.0 += row["count"].as_u64().unwrap();
        entry.1 += 1;
    }
    let mut expected = BTreeMap::new();
    for line in lines_of(truth, &["deliveries", "by_domain_status"]) {
        let key = (
            line["domain"].as_str().unwrap().to_string(),
            line["status"].as_str().unwrap().to_string(),
        );
        expected.insert(
            key,
            (
                line["log_lines"].as_u64().unwrap(),
                line["recipients"].as_u64().unwrap(),
            ),
        );
    }
    assert_eq!(
        reported, expected,
        "{log}: deliveries (log lines, message recipients) by domain and status"
    );

    // Expired messages, accepted messages and bounce notifications.
    let overview: BTreeMap<String, u64> = rows(&reports, "overview")
        .iter()
        .filter(|r| r["section"] == "events")
        .map(|r| {
            (
                r["item"].as_str().unwrap().to_string(),
                r["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        overview.get("expired").copied().unwrap_or(0),
        truth["expired"]["log_lines"].as_u64().unwrap(),
        "{log}: expired"
    );
    assert_eq!(
        overview.get("client").copied().unwrap_or(0),
        truth["accepted"]["client_messages"].as_u64().unwrap(),
        "{log}: messages accepted from clients"
    );
    assert_eq!(
        overview.get("notification").copied().unwrap_or(0),
        truth["accepted"]["bounce_notifications"].as_u64().unwrap(),
        "{log}: bounce notifications"
    );
    let unrecognized = rows(&reports, "overview")
        .iter()
        .find(|r| r["item"] == "unrecognized Postfix lines")
        .and_then(|r| r["count"].as_u64());
    assert_eq!(
        unrecognized,
        Some(0),
        "{log}: every line of a real Postfix is recognized"
    );
}

fn truth_at(path: &Path) -> Value {
    serde_json::from_slice(
        &std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .expect("truth JSON")
}

#[test]
fn sample_logs_match_their_ground_truth() {
    let dir = support::repo().join("sample-logs");
    let truth = truth_at(&dir.join("truth.json"));
    for log in ["maillog", "mail.log", "mail.rfc3339.log"] {
        check_log_against_truth(&dir.join(log), &truth, "2026");
    }
}

/// The erg.school case the tool exists for: one row, its code, enhanced
/// code, restriction and counts, in the default human report (at a width
/// where every column fits; the reason wraps inside its cell).
#[test]
fn virtual_domain_rejects_are_one_row_in_the_default_report() {
    let log = support::repo().join("sample-logs/maillog");
    let out = support::run(&["--year", "2026", "--width", "160", log.to_str().unwrap()]);
    assert!(out.status.success());
    let text = support::stdout(&out);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .map(|l| {
            l.split(['│', '┆'])
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|cells| {
            cells.first() == Some(&"erg.school")
                && cells.contains(&"550")
                && cells.contains(&"reject_unlisted_recipient")
        })
        .collect();
    assert_eq!(
        rows.len(),
        1,
        "one row for the erg.school virtual-domain rejects:\n{text}"
    );
    let cells = &rows[0];
    // to_domain, code, enhanced, restriction, reason (first line), count, …
    assert_eq!(
        &cells[..4],
        ["erg.school", "550", "5.1.1", "reject_unlisted_recipient"]
    );
    assert!(cells[4].starts_with("Recipient address"), "{cells:?}");
    assert_eq!(cells[5], "442", "422 NOQUEUE + 20 queue-id rejects");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("User unknown in virtual mailbox table"),
        "the reason, wrapped:\n{text}"
    );
    assert!(
        flat.contains("erg.school is listed in virtual_mailbox_domains"),
        "the finding names the fix:\n{text}"
    );
}

/// The committed output of `lab/run-lab.sh` (`sample-logs/lab/`) and, under
/// CI, a fresh run of it.
#[test]
fn repository_lab_output_matches_its_expected_counts() {
    for dir in support::lab_runs() {
        let expected = dir.join("expected.json");
        let truth = truth_at(&expected);
        let year = truth["year"]
            .as_u64()
            .map(|y| y.to_string())
            .unwrap_or_else(|| "2026".into());
        check_log_against_truth(&dir.join("maillog"), &truth, &year);
    }
}

/// The lab's second session (`queue-actions/`, committed and, under CI, a
/// fresh run): mail held and discarded by header_checks and `postsuper -d`
/// of held mail. Held and discarded mail never reaches qmgr, so cleanup's
/// `hold:`/`discard:` line is what names its sender; the deleted messages
/// are deleted, the rest are on hold at the end.
#[test]
fn held_discarded_and_deleted_mail_equal_the_queue_actions_truth() {
    for dir in support::lab_runs() {
        let dir = dir.join("queue-actions");
        let truth = truth_at(&dir.join("expected.json"));
        let year = truth["year"].as_u64().unwrap().to_string();
        let log = dir.join("maillog");
        let log = log.to_str().unwrap();
        let n = |v: &Value| v.as_u64().unwrap();
        let v = json(&year, log, &["--report", "totals,fates,senders"]);
        let totals = support::totals_of(&serde_json::to_vec(&v).unwrap());
        for (item, want) in [
            ("received", n(&truth["received"])),
            ("delivered", n(&truth["delivered"]["messages"])),
            ("held", n(&truth["held"]["messages"])),
            ("discarded", n(&truth["discarded"]["messages"])),
            (
                "removed (postsuper)",
                n(&truth["deleted_by_postsuper"]["messages"]),
            ),
            ("still queued at the end", n(&truth["on_hold_at_the_end"])),
            (
                "senders",
                truth["senders"].as_object().unwrap().len() as u64,
            ),
        ] {
            assert_eq!(totals[item], want, "{log}: {item}");
        }
        let fates: BTreeMap<&str, u64> = rows(&v, "fates")
            .iter()
            .map(|r| (r["fate"].as_str().unwrap(), n(&r["received"])))
            .collect();
        assert_eq!(
            fates["deleted (postsuper)"],
            n(&truth["deleted_by_postsuper"]["messages"])
        );
        assert_eq!(fates["on hold at the end"], n(&truth["on_hold_at_the_end"]));
        assert_eq!(fates["discarded"], n(&truth["discarded"]["messages"]));
        assert_eq!(fates["delivered"], n(&truth["delivered"]["messages"]));
        let senders: BTreeMap<String, u64> = rows(&v, "senders")
            .iter()
            .map(|r| (r["sender"].as_str().unwrap().to_string(), n(&r["messages"])))
            .collect();
        let want: BTreeMap<String, u64> = truth["senders"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, c)| (k.clone(), n(c)))
            .collect();
        assert_eq!(senders, want, "{log}: senders");
    }
}

/// The lab's third session (`filter-retries/`, committed and, under CI, a
/// fresh run): every message through an amavis-like content filter
/// (re-injected with `250 2.0.0 from MTA(…): 250 2.0.0 Ok: queued as NEW`),
/// mail to a destination whose first next hop defers and the second takes
/// it in the same attempt, mail deferred once (the first hop deferring, the
/// second down) and then delivered through the second, and mail greylisted
/// once. Each message is received and delivered once, through the next hop
/// the truth names; the deferrals are the truth's; and no finding says a
/// destination is down or failing: every message was delivered.
#[test]
fn filtered_and_retried_mail_equals_the_filter_retries_truth() {
    for dir in support::lab_runs() {
        let dir = dir.join("filter-retries");
        let truth = truth_at(&dir.join("expected.json"));
        let year = truth["year"].as_u64().unwrap().to_string();
        let log = dir.join("maillog");
        let log = log.to_str().unwrap();
        let n = |v: &Value| v.as_u64().unwrap();
        let v = json(&year, log, &["--report", "totals,fates,findings"]);
        let totals = support::totals_of(&serde_json::to_vec(&v).unwrap());
        for (item, want) in [
            ("received", n(&truth["received"])),
            ("delivered", n(&truth["delivered"]["messages"])),
            ("deferred", n(&truth["deferred"]["messages"])),
            ("deferrals", n(&truth["deferred"]["attempts"])),
            ("bounced", n(&truth["bounced"])),
            ("expired", n(&truth["expired"])),
            ("content filter hops", n(&truth["filter_hops"])),
            (
                "still queued at the end",
                n(&truth["still_queued_at_the_end"]),
            ),
        ] {
            assert_eq!(totals[item], want, "{log}: {item}");
        }
        let fates: BTreeMap<&str, u64> = rows(&v, "fates")
            .iter()
            .map(|r| (r["fate"].as_str().unwrap(), n(&r["received"])))
            .collect();
        assert_eq!(fates["delivered"], n(&truth["delivered"]["messages"]));
        assert_eq!(fates["handed to a content filter"], 0, "{log}");
        let findings = rows(&v, "findings");
        for f in findings {
            assert_eq!(f["severity"], "info", "{log}: {f}");
        }

        // Where the mail went: final deliveries by next hop (the filter's
        // 127.0.0.1 is a hop, not a delivery), deferrals by domain.
        let grouped = |status: &str, key: &str| -> BTreeMap<String, u64> {
            let by = format!("{key},status");
            let v = json(&year, log, &["--group-by", &by, "--event", "delivery"]);
            rows(&v, "group_by")
                .iter()
                .filter(|r| r["status"] == status && r[key] != "127.0.0.1")
                .map(|r| (r[key].as_str().unwrap().to_string(), n(&r["count"])))
                .collect()
        };
        let want = |v: &Value| -> BTreeMap<String, u64> {
            v.as_object()
                .unwrap()
                .iter()
                .map(|(k, c)| (k.clone(), n(c)))
                .collect()
        };
        assert_eq!(
            grouped("sent", "relay_ip"),
            want(&truth["delivered"]["by_relay"]),
            "{log}"
        );
        assert_eq!(
            grouped("deferred", "to_domain"),
            want(&truth["deferred"]["by_domain"]),
            "{log}"
        );
    }
}
