//! The daily summary against ground truth and against pflogsumm:
//!
//! - every grand total of the lab logs equals `truth.json` (computed from
//!   what was sent, never from the log);
//! - a two-day log made from the lab log (the same lines a day earlier,
//!   then the original: the queue ids come back on day two, as Postfix
//!   reuses them) gives the one-day totals with `-d` on either day and
//!   their sum without;
//! - the summary is the same for a file, its `.gz` and standard input;
//! - pflogsumm 1.3.0 (`../shared/tools`) and Debian 12's 1.1.5
//!   (`/usr/sbin/pflogsumm`, installed by `.ci/run` under CI) on the lab and
//!   corpus logs: every grand total equals ours, or differs by a cause the
//!   README lists; the table below pins each number.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::support::{self, binary, lab_log, repo, stderr, totals};

fn truth_at(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The grand totals the truth file gives.
fn check_truth(log: &Path, truth: &Value) {
    let t = totals(&["--year", "2026", log.to_str().unwrap()]);
    let n = |path: &[&str]| {
        let mut v = truth;
        for p in path {
            v = &v[*p];
        }
        v.as_u64()
            .unwrap_or_else(|| panic!("{path:?} in the truth"))
    };
    let sent = &truth["deliveries"]["totals"]["sent"]["log_lines"];
    let bounced = &truth["deliveries"]["totals"]["bounced"]["log_lines"];
    let deferred = &truth["deliveries"]["totals"]["deferred"];
    let expected = [
        ("received", n(&["accepted", "client_messages"])),
        ("delivered", sent.as_u64().unwrap()),
        ("bounced", bounced.as_u64().unwrap()),
        ("deferrals", deferred["log_lines"].as_u64().unwrap()),
        ("expired", n(&["expired", "messages"])),
        (
            "rejected",
            n(&["smtpd_rejects", "total"]) + n(&["cleanup_rejects", "total"]),
        ),
        ("reject warnings", n(&["reject_warnings", "total"])),
        ("notifications", n(&["accepted", "bounce_notifications"])),
        (
            "still queued at the end",
            n(&["final_queue", "deferred_messages"]),
        ),
        (
            "recipient hosts/domains",
            truth["summary"]["sent_by_domain"]
                .as_object()
                .map_or(0, |o| o.len() as u64),
        ),
        ("held", 0),
        ("discarded", 0),
        ("forwarded", 0),
    ];
    for (item, want) in expected {
        assert_eq!(t[item], want, "{}: {item}", log.display());
    }
    // Deferred messages: those with a deferred line (the truth counts the
    // deferred mail as messages by recipient domain and sender).
    assert_eq!(
        t["deferred"],
        deferred["messages"]
            .as_u64()
            .unwrap_or_else(|| deferred["recipients"].as_u64().unwrap()),
        "{}: deferred",
        log.display()
    );
}

#[test]
fn lab_grand_totals_equal_the_ground_truth() {
    let dir = repo().join("sample-logs");
    let truth = truth_at(&dir.join("truth.json"));
    for log in ["maillog", "mail.log", "mail.rfc3339.log"] {
        check_truth(&dir.join(log), &truth);
    }
    for lab in support::lab_runs() {
        check_truth(&lab.join("maillog"), &truth_at(&lab.join("expected.json")));
    }
}

/// The lab log a day earlier (`Nov 23` → `Nov 22`), then the original.
fn two_day_log(dir: &Path) -> PathBuf {
    let log = std::fs::read_to_string(lab_log()).unwrap();
    let mut both = String::new();
    for line in log.lines() {
        both.push_str(&line.replacen("Nov 23 ", "Nov 22 ", 1));
        both.push('\n');
    }
    both.push_str(&log);
    let path = dir.join("two-days.log");
    std::fs::write(&path, both).unwrap();
    path
}

/// The lab log a day earlier, without its lines that `keep` refuses,
/// from just after midnight (a first line at 00:00:05), then the
/// original: the input holds the whole day before.
fn two_whole_days(dir: &Path, keep: impl Fn(&str) -> bool) -> PathBuf {
    let log = std::fs::read_to_string(lab_log()).unwrap();
    let mut both = String::from(
        "Nov 22 00:00:05 relay postfix/smtpd[1]: connect from localhost[127.0.0.1]\n\
         Nov 22 00:00:06 relay postfix/smtpd[1]: disconnect from localhost[127.0.0.1] ehlo=1 quit=1 commands=2\n",
    );
    for line in log.lines().filter(|line| keep(line)) {
        both.push_str(&line.replacen("Nov 23 ", "Nov 22 ", 1));
        both.push('\n');
    }
    both.push_str(&log);
    let path = dir.join("two-whole-days.log");
    std::fs::write(&path, both).unwrap();
    path
}

/// The JSON of `--report headline,findings,totals` with `args`.
fn compared(args: &[&str]) -> Value {
    let mut all = vec![
        "--format",
        "json",
        "--report",
        "headline,findings,totals",
        "--year",
        "2026",
    ];
    all.extend_from_slice(args);
    let out = support::run(&all);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn with_a_day_each_total_is_beside_the_day_before_and_new_findings_say_so() {
    let dir = tempfile::tempdir().unwrap();
    // The day before without the erg.school rejects: the day's
    // domain-wide-reject erg.school is new, every other finding is not.
    let path = two_whole_days(dir.path(), |line| !line.contains("erg.school"));
    let path = path.to_str().unwrap();
    let day = compared(&["-d", "2026-11-23", path]);
    let before = totals(&["--year", "2026", "-d", "2026-11-22", path]);
    let rows = day["totals"].as_array().unwrap();
    for row in rows {
        let item = row["item"].as_str().unwrap();
        let key = if row["section"] == "bytes" {
            format!("bytes {item}")
        } else {
            item.to_string()
        };
        let (count, was) = (row["count"].as_i64().unwrap(), row["day_before"].as_i64());
        // Each day-before number is what a run on that day gives.
        assert_eq!(was, Some(before[&key] as i64), "{key}");
        assert_eq!(row["change"].as_i64(), Some(count - before[&key] as i64));
    }
    let rejected = rows.iter().find(|r| r["item"] == "rejected").unwrap();
    assert!(rejected["change"].as_i64().unwrap() > 0, "{rejected}");
    let findings = day["findings"].as_array().unwrap();
    let new: Vec<String> = findings
        .iter()
        .filter(|f| f["new"] == true)
        .map(|f| {
            format!(
                "{} {}",
                f["id"].as_str().unwrap(),
                f["subject"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(new, ["domain-wide-reject erg.school"]);
    assert!(findings.len() > 1 && findings.iter().all(|f| f["new"].is_boolean()));
    let headline = day["headline"].as_str().unwrap();
    assert!(headline.ends_with(", 1 new"), "{headline}");
    let title = support::stdout(&support::run(&[
        "--report",
        "totals,findings",
        "--year",
        "2026",
        "-d",
        "2026-11-23",
        path,
    ]));
    assert!(
        title.starts_with("Grand totals, beside the day before (2026-11-22)\n"),
        "{title}"
    );
    assert!(title.contains("] domain-wide-reject erg.school (new: not seen the day before)"));

    // The same day twice: no change, nothing new.
    let same = two_whole_days(dir.path(), |_| true);
    let day = compared(&["-d", "2026-11-23", same.to_str().unwrap()]);
    for row in day["totals"].as_array().unwrap() {
        assert_eq!(row["change"], 0, "{row}");
    }
    assert!(day["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["new"] == false));
    assert!(day["headline"].as_str().unwrap().ends_with(", none new"));

    // The day before from 14:04 on only: compared, and the title says
    // where its numbers start; no finding is called new.
    let partial = two_day_log(dir.path());
    let partial = partial.to_str().unwrap();
    let day = compared(&["-d", "2026-11-23", partial]);
    assert!(day["totals"][0]["day_before"].is_u64());
    assert!(day["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f.get("new").is_none()));
    let text = support::stdout(&support::run(&[
        "--report",
        "totals",
        "--year",
        "2026",
        "-d",
        "2026-11-23",
        partial,
    ]));
    let log = std::fs::read_to_string(lab_log()).unwrap();
    let starts = &log[7..12];
    assert!(
        text.starts_with(&format!(
            "Grand totals, beside the day before (2026-11-22, from {starts} UTC on: the input starts then)"
        )),
        "{text}"
    );

    // No day before in the input, no window of one day, or a pipe: the
    // totals as they were.
    for args in [
        vec!["-d", "2026-11-22", partial],
        vec![partial],
        vec!["--since", "2026-11-23", partial],
    ] {
        let plain = compared(&args);
        assert!(plain["totals"][0].get("day_before").is_none(), "{args:?}");
        assert!(plain["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f.get("new").is_none()));
    }
    let mut piped = support::binary();
    piped.args([
        "--format",
        "json",
        "--report",
        "totals",
        "--year",
        "2026",
        "-d",
        "2026-11-23",
        "-",
    ]);
    let out = support::run_with_stdin(&mut piped, &std::fs::read(partial).unwrap());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["totals"][0].get("day_before").is_none());
}

#[test]
fn a_day_of_a_two_day_log_has_that_day_s_totals() {
    let dir = tempfile::tempdir().unwrap();
    let path = two_day_log(dir.path());
    let path = path.to_str().unwrap();
    let one_day = totals(&["--year", "2026", &lab_log()]);
    let day_one = totals(&["--year", "2026", "-d", "2026-11-22", path]);
    let day_two = totals(&["--year", "2026", "--day", "2026-11-23", path]);
    let both = totals(&["--year", "2026", path]);
    for (item, n) in &one_day {
        assert_eq!(day_one[item], *n, "day one: {item}");
        assert_eq!(day_two[item], *n, "day two: {item}");
        let additive = !matches!(
            item.as_str(),
            "senders"
                | "sending hosts/domains"
                | "recipients"
                | "recipient hosts/domains"
                | "rejected (%)"
                | "discarded (%)"
        );
        if additive {
            assert_eq!(both[item], 2 * n, "both days: {item}");
        } else {
            assert_eq!(both[item], *n, "both days, distinct: {item}");
        }
    }
    // The fates read fewer columns and no `message-id=` lines: a
    // notification's link must still find its message when its queue id
    // was used the day before.
    let fates = |args: &[&str]| -> Vec<(String, u64, u64)> {
        let mut all = vec!["--format", "json", "--report", "fates", "--year", "2026"];
        all.extend_from_slice(args);
        let out = support::run(&all);
        assert!(out.status.success(), "{}", stderr(&out));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["fates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let n = |k: &str| r[k].as_u64().unwrap();
                (
                    r["fate"].as_str().unwrap().to_string(),
                    n("received"),
                    n("other"),
                )
            })
            .collect()
    };
    let doubled: Vec<_> = fates(&[&lab_log()])
        .into_iter()
        .map(|(fate, received, other)| (fate, 2 * received, 2 * other))
        .collect();
    assert_eq!(fates(&[path]), doubled);
    // --since/--until: the same window as -d.
    let window = totals(&[
        "--year",
        "2026",
        "--since",
        "2026-11-22",
        "--until",
        "2026-11-23",
        path,
    ]);
    assert_eq!(window, day_one);
}

#[test]
fn the_summary_is_the_same_from_a_file_gzip_and_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let data = std::fs::read(lab_log()).unwrap();
    let gz = dir.path().join("maillog.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&data).unwrap();
    std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
    let args = ["--year", "2026", "--report", "summary", "--top", "0"];
    let from_file = support::run(&[&args[..], &[lab_log().as_str()]].concat());
    assert!(from_file.status.success());
    let from_gz = support::run(&[&args[..], &[gz.to_str().unwrap()]].concat());
    assert_eq!(from_gz.stdout, from_file.stdout, "gzip");
    let from_stdin = support::run_with_stdin(binary().args(args).arg("-"), &data);
    assert_eq!(from_stdin.stdout, from_file.stdout, "standard input");
    let text = String::from_utf8(from_file.stdout).unwrap();
    assert!(text.starts_with("relay 2026-11-23 14:04-14:05 UTC: 682 received"));
}

/// pflogsumm's Grand Totals, by our item names; `k`/`m` values (`27825k`)
/// are its truncated binary units.
fn pflogsumm_totals(output: &str) -> BTreeMap<String, (u64, u64)> {
    let mut totals = BTreeMap::new();
    let block = output
        .split_once("Grand Totals")
        .map_or("", |(_, rest)| rest)
        .split("\n\n\n")
        .next()
        .unwrap_or("");
    for line in block.lines() {
        let line = line.trim();
        let Some((number, label)) = line.split_once(' ') else {
            continue;
        };
        let (digits, unit) = match number.strip_suffix('k') {
            Some(d) => (d, 1024),
            None => match number.strip_suffix('m') {
                Some(d) => (d, 1 << 20),
                None => (number, 1),
            },
        };
        let Ok(value) = digits.parse::<u64>() else {
            continue;
        };
        // `rejected (48%)`, `deferred  (68  deferrals)`, `removed (canceled)`.
        let label = label.trim();
        let (name, note) = match label.split_once(" (") {
            Some((name, note)) => (name.trim(), Some(note.trim_start())),
            None => (label, None),
        };
        let key = match name {
            "removed" => "removed (postsuper)",
            other => other,
        };
        totals.insert(key.to_string(), (value, unit));
        match note.and_then(|n| n.strip_suffix(')')) {
            Some(percent) if percent.ends_with('%') => {
                let n = percent.trim_end_matches('%').parse().unwrap_or(0);
                totals.insert(format!("{key} (%)"), (n, 1));
            }
            Some(deferrals) if deferrals.ends_with("deferrals") => {
                let n = deferrals.split_whitespace().next().unwrap_or("0");
                totals.insert("deferrals".to_string(), (n.parse().unwrap_or(0), 1));
            }
            _ => {}
        }
    }
    // `(N deferrals)` is printed only when N > 0.
    if totals.contains_key("deferred") {
        totals.entry("deferrals".to_string()).or_insert((0, 1));
    }
    totals
}

/// The pflogsumm scripts that can run here: (version, command).
fn pflogsumms() -> Vec<(&'static str, Vec<String>)> {
    let mut found = Vec::new();
    let perl_runs = |args: &[&str]| {
        std::process::Command::new("perl")
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if let Some(tools) = support::shared("tools") {
        let script = tools.join("pflogsumm-1.3.0/pflogsumm");
        // 1.3.0 needs Date::Calc (Debian's libdate-calc-perl, which the
        // pflogsumm package pulls in).
        if perl_runs(&["-MDate::Calc", "-e", "1"]) && script.is_file() {
            found.push(("1.3.0", vec!["perl".into(), script.display().to_string()]));
        } else if std::env::var("CI").is_ok() {
            panic!("pflogsumm 1.3.0 cannot run (perl, Date::Calc) under CI");
        }
    }
    if Path::new("/usr/sbin/pflogsumm").is_file() {
        found.push(("1.1.5", vec!["perl".into(), "/usr/sbin/pflogsumm".into()]));
    } else if std::env::var("CI").is_ok() {
        panic!("Debian's pflogsumm 1.1.5 is missing under CI (.ci/run installs it)");
    }
    found
}

/// (log, item, ours, pflogsumm 1.3.0, pflogsumm 1.1.5, why they differ)
type Pinned = (&'static str, &'static str, u64, u64, u64, &'static str);

/// Where our grand totals and pflogsumm's differ, and why (README, "The
/// daily summary"). Every item not listed is equal in all three.
const DIFFERENCES: &[Pinned] = &[
    // 1.3.0 subtracts a received message per `QID: reject: RCPT` line
    // (20 such lines), and with it the message's bytes.
    (
        "lab",
        "received",
        682,
        662,
        682,
        "late reject: 1.3.0 subtracts",
    ),
    (
        "lab",
        "bytes received",
        375706,
        365278,
        375706,
        "late reject: 1.3.0 drops the bytes",
    ),
    (
        "repo-lab",
        "received",
        355,
        329,
        355,
        "late reject: 26 lines in 17 messages",
    ),
    (
        "repo-lab",
        "bytes received",
        144060,
        137369,
        144060,
        "late reject",
    ),
    // amavis: each hand-off to the filter is a delivery for pflogsumm.
    ("pixelpark", "delivered", 180, 361, 361, "filter hops"),
    (
        "pixelpark",
        "rejected (%)",
        39,
        24,
        24,
        "filter hops double the deliveries",
    ),
    (
        "pixelpark",
        "bytes delivered",
        25641761,
        54134784,
        54134784,
        "filter hops",
    ),
    (
        "pixelpark",
        "recipients",
        5,
        7,
        7,
        "the filter hops' recipients",
    ),
    (
        "pixelpark",
        "recipient hosts/domains",
        5,
        7,
        7,
        "the filter hops' domains",
    ),
    (
        "pixelpark",
        "received",
        181,
        181,
        183,
        "1.1.5 counts 2 address probes never queued",
    ),
    (
        "pixelpark",
        "bytes received",
        28493271,
        28492800,
        28492800,
        "pflogsumm prints 27825k",
    ),
    (
        "pixelpark",
        "sending hosts/domains",
        58,
        53,
        56,
        "1.3.0 folds domains; 1.1.5 reads the client's",
    ),
    // infohtreasure's dump is not in time order (days 31, 25, 18, 25, 18,
    // 25, 26): both count by line order, and differ.
    (
        "infohtreasure",
        "received",
        16,
        6,
        17,
        "late reject (10 lines) and an unqueued client line",
    ),
    (
        "infohtreasure",
        "bytes received",
        5416,
        4422,
        2127,
        "lines out of time order",
    ),
];

#[test]
fn grand_totals_agree_with_pflogsumm_but_for_known_causes() {
    let tools = pflogsumms();
    if tools.is_empty() {
        eprintln!("skipping: no pflogsumm here");
        return;
    }
    let mut logs: Vec<(&str, PathBuf)> = vec![
        ("lab", repo().join("sample-logs/maillog")),
        ("repo-lab", repo().join("sample-logs/lab/maillog")),
    ];
    if let Some(corpus) = support::shared("corpus") {
        logs.push((
            "pixelpark",
            corpus.join("pixelpark-postfix-logsums.mail.log"),
        ));
        logs.push((
            "infohtreasure",
            corpus.join("infohtreasure-Postfix-Maillog-Dump.maillog.log"),
        ));
        logs.push((
            "maillogsentinel",
            corpus.join("maillogsentinel-sample_sasl.log"),
        ));
    }
    let compared = [
        "received",
        "delivered",
        "forwarded",
        "deferred",
        "deferrals",
        "bounced",
        "rejected",
        "rejected (%)",
        "reject warnings",
        "held",
        "discarded",
        "bytes received",
        "bytes delivered",
        "senders",
        "sending hosts/domains",
        "recipients",
        "recipient hosts/domains",
        "expired",
    ];
    for (name, log) in &logs {
        let ours = totals(&["--year", "2026", log.to_str().unwrap()]);
        for (version, command) in &tools {
            let out = std::process::Command::new(&command[0])
                .args(&command[1..])
                .arg(log)
                .env("TZ", "UTC")
                .output()
                .unwrap();
            assert!(out.status.success(), "pflogsumm {version} on {name}");
            let theirs = pflogsumm_totals(&String::from_utf8_lossy(&out.stdout));
            for item in compared {
                let Some(&(value, unit)) = theirs.get(item) else {
                    assert!(
                        *version == "1.1.5" && item == "expired",
                        "pflogsumm {version} on {name} has no {item}"
                    );
                    continue;
                };
                let pinned = DIFFERENCES
                    .iter()
                    .find(|(log, it, ..)| log == name && *it == item);
                match pinned {
                    Some((_, _, mine, v130, v115, why)) => {
                        assert_eq!(ours[item], *mine, "ours, {name} {item} ({why})");
                        let want = if *version == "1.3.0" { *v130 } else { *v115 };
                        assert_eq!(
                            value * unit,
                            want / unit * unit,
                            "pflogsumm {version}, {name} {item} ({why})"
                        );
                    }
                    None => assert_eq!(
                        value * unit,
                        ours[item] / unit * unit,
                        "pflogsumm {version}, {name} {item}: a difference not listed"
                    ),
                }
            }
        }
    }
}

/// A named `--tz` is the zone classic stamps are read in, whatever the
/// environment's TZ says (the lab wrote `Nov 23 14:04:28` in UTC; read in
/// Brussels it is 13:04:28 UTC, read in +05:00 09:04:28). Printed back in
/// the same zone, the hour stays 14.
#[test]
fn named_zones_read_classic_stamps_in_that_zone() {
    for (environment, tz, first) in [
        ("UTC", "Europe/Brussels", "2026-11-23T13:04:28"),
        ("America/New_York", "Europe/Brussels", "2026-11-23T13:04:28"),
        ("Europe/Brussels", "UTC", "2026-11-23T14:04:28"),
        ("America/New_York", "+05:00", "2026-11-23T09:04:28"),
        (
            "America/New_York",
            "America/New_York",
            "2026-11-23T19:04:28",
        ),
    ] {
        let out = support::binary()
            .env("TZ", environment)
            .args(["--tz", tz, "--year", "2026", "--group-by", "hour"])
            .args(["--format", "csv", &lab_log()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", support::stderr(&out));
        let text = support::stdout(&out);
        let row = text.lines().nth(1).unwrap();
        assert!(
            row.starts_with("14,") && row.contains(first),
            "TZ={environment} --tz {tz}: {row}"
        );
    }
}

/// A report's rows as JSON objects.
fn report_rows(report: &str, inputs: &[&str]) -> Vec<Value> {
    let mut args = vec!["--format", "json", "--top", "0", "--report", report];
    args.extend(["--year", "2026"]);
    args.extend_from_slice(inputs);
    let out = support::run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v[report].as_array().cloned().unwrap_or_default()
}

/// The lab's smtpd sessions, per client and in all, are the sessions the
/// lab opened (truth.json `sent.sessions`, `sessions_by_client`, keyed
/// `name[addr]`; the tables name a client without reverse DNS by address).
#[test]
fn lab_smtpd_sessions_equal_the_ground_truth() {
    let truth = truth_at(&repo().join("sample-logs/truth.json"));
    let sent = &truth["sent"];
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for (client, n) in sent["sessions_by_client"].as_object().unwrap() {
        let (name, addr) = client.trim_end_matches(']').split_once('[').unwrap();
        let key = if name == "unknown" { addr } else { name };
        expected.insert(key.to_string(), n.as_u64().unwrap());
    }
    let clients: BTreeMap<String, u64> = report_rows("connecting_clients", &[&lab_log()])
        .iter()
        .map(|r| {
            let client = r["client"].as_str().unwrap().to_string();
            (client, r["connections"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(clients, expected);
    let days = report_rows("connections_per_day", &[&lab_log()]);
    let all = days.iter().find(|r| r["day"] == "all").unwrap();
    assert_eq!(all["connections"], sent["sessions"]);
    assert_eq!(all["clients"].as_u64().unwrap(), expected.len() as u64);
    let hours = report_rows("connections_per_hour", &[&lab_log()]);
    let per_hour: u64 = hours
        .iter()
        .map(|r| r["connections"].as_u64().unwrap())
        .sum();
    assert_eq!(per_hour, sent["sessions"].as_u64().unwrap());
}

/// Lines of `path` whose message (after `program[pid]: `) starts with
/// `start`, counted here with plain string search: the reports' counts of
/// postscreen verdicts, DNS list answers, TLS sessions and SASL failures
/// must agree with them.
fn count_lines(path: &Path, program: &str, start: &str, containing: &str) -> u64 {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    text.lines()
        .filter_map(|line| line.split_once(&format!("{program}[")))
        .filter_map(|(_, rest)| rest.split_once("]: "))
        .filter(|(_, message)| message.starts_with(start) && message.contains(containing))
        .count() as u64
}

#[test]
fn postscreen_tls_and_sasl_sections_count_every_line() {
    let Some(corpus) = support::shared("corpus") else {
        return;
    };
    let pixelpark = corpus.join("pixelpark-postfix-logsums.mail.log");
    let input = pixelpark.to_str().unwrap();
    let verdicts = report_rows("postscreen", &[input]);
    let count_of = |action: &str| -> u64 {
        verdicts
            .iter()
            .filter(|r| r["action"] == action)
            .map(|r| r["count"].as_u64().unwrap())
            .sum()
    };
    for (action, start) in [
        ("CONNECT", "CONNECT from "),
        ("PASS OLD", "PASS OLD "),
        ("PASS NEW", "PASS NEW "),
        ("DNSBL", "DNSBL rank "),
        ("HANGUP", "HANGUP after "),
        ("DISCONNECT", "DISCONNECT "),
    ] {
        let lines = count_lines(&pixelpark, "postfix/postscreen", start, "");
        assert!(lines > 0, "{action}: the corpus has such lines");
        assert_eq!(count_of(action), lines, "{action}");
    }
    let listed = count_lines(&pixelpark, "postfix/dnsblog", "addr ", " listed by domain ");
    assert_eq!(count_of("listed"), listed);

    let tls = report_rows("tls", &[input]);
    let inbound: u64 = tls
        .iter()
        .filter(|r| r["direction"] == "inbound")
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    // Every listener: `postfix/smtpd`, `postfix/submission/smtpd`, and
    // postscreen's `postfix/tlsproxy`.
    let established = count_lines(
        &pixelpark,
        "/smtpd",
        "",
        " TLS connection established from ",
    ) + count_lines(
        &pixelpark,
        "/tlsproxy",
        "",
        " TLS connection established from ",
    );
    assert!(established > 0);
    assert_eq!(inbound, established);

    let sentinel = corpus.join("maillogsentinel-sample_sasl.log");
    let failures = report_rows("sasl_failures", &[sentinel.to_str().unwrap()]);
    let total: u64 = failures.iter().map(|r| r["count"].as_u64().unwrap()).sum();
    let lines = count_lines(&sentinel, "/smtpd", "warning: ", " authentication failed");
    assert!(lines > 0);
    assert_eq!(total, lines);
}
