//! Messages put together from real lines (`sample-logs/maillog`, written by
//! a real Postfix, and the corpus): queue-id reuse, a message split across
//! two files, a window starting mid-message, notifications, `tls=`
//! delivery lines, long queue ids, `postfix-out`, the submission listener,
//! and a content filter's re-injection (amavis).

use maillog_report::input::{Input, Source};
use maillog_report::messages::{self, Fate, Message, Messages, Origin};
use maillog_report::scan::{scan, ScanOptions};
use polars::prelude::DataFrame;

use super::support::{self, lab_log, totals};

/// The event frame of `inputs`: the messages borrow from it.
fn frame_of(inputs: &[&str]) -> DataFrame {
    let inputs: Vec<&[u8]> = inputs.iter().map(|t| t.as_bytes()).collect();
    frame_of_bytes(&inputs)
}

fn frame_of_bytes(inputs: &[&[u8]]) -> DataFrame {
    let inputs: Vec<Input> = inputs
        .iter()
        .enumerate()
        .map(|(i, bytes)| Input {
            name: format!("input{i}"),
            data: Source::Owned(bytes.to_vec()),
            mtime: None,
        })
        .collect();
    scan(&inputs, &ScanOptions::every_event(3, 2026)).frame
}

fn messages_of(frame: &DataFrame) -> Messages {
    messages::build(frame).expect("messages")
}

fn lab_lines() -> String {
    std::fs::read_to_string(lab_log()).unwrap()
}

/// The lab's lines of queue id `id` (a real message).
fn lines_of(log: &str, id: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.contains(&format!(": {id}: ")))
        .map(str::to_string)
        .collect()
}

/// `Nov 23 14:…` → `Nov 23 16:…`: the same lines two hours later.
fn later(line: &str) -> String {
    line.replacen(" 14:", " 16:", 1)
}

#[test]
fn a_reused_queue_id_is_two_messages() {
    let log = lab_lines();
    // 0C3B7B43FC: client, cleanup, qmgr, a bounce, a notification, removed.
    let first = lines_of(&log, "0C3B7B43FC");
    assert_eq!(first.len(), 6, "{first:#?}");
    let mut text: Vec<String> = first.clone();
    text.extend(first.iter().map(|l| later(l)));
    let frame = frame_of(&[&text.join("\n")]);
    let m = messages_of(&frame);
    let with_id: Vec<&Message> = m
        .list
        .iter()
        .filter(|m| m.queue_id == "0C3B7B43FC")
        .collect();
    assert_eq!(
        with_id.len(),
        2,
        "a line after `removed` opens the next message"
    );
    for message in &with_id {
        assert_eq!(message.origin(), Origin::Smtp);
        assert_eq!((message.rare_counts().bounced, message.lines()), (1, 6));
        assert_eq!(message.fate(), Fate::Bounced);
    }
    // Without the first message's `removed` (a gap in the log), its reuse
    // still opens a new message: a second `client=` line.
    let mut gap: Vec<String> = first
        .iter()
        .filter(|l| !l.ends_with(": removed"))
        .cloned()
        .collect();
    gap.extend(first.iter().map(|l| later(l)));
    let frame = frame_of(&[&gap.join("\n")]);
    let m = messages_of(&frame);
    let with_id: Vec<&Message> = m
        .list
        .iter()
        .filter(|m| m.queue_id == "0C3B7B43FC")
        .collect();
    assert_eq!(with_id.len(), 2);
    assert_eq!(with_id[0].fate(), Fate::Open, "its end is not in the input");
}

#[test]
fn notifications_are_linked_to_the_message_they_report_on() {
    let frame = frame_of(&[&lab_lines()]);
    let m = messages_of(&frame);
    let notifications: Vec<&Message> = m
        .list
        .iter()
        .filter(|m| m.origin() == Origin::Notification)
        .collect();
    assert_eq!(
        notifications.len(),
        51,
        "truth.json: 51 bounce notifications"
    );
    let one = m.list.iter().find(|m| m.queue_id == "1038DB43FF").unwrap();
    let parent = &m.list[one.parent().unwrap() as usize];
    assert_eq!(parent.queue_id, "0C3B7B43FC");
    assert!(one.start_in_input() && one.queued() && one.removed());
    assert!(
        !one.is_received(false),
        "a notification is not received mail"
    );
}

#[test]
fn a_message_split_across_two_files_is_one_message() {
    let dir = tempfile::tempdir().unwrap();
    let log = lab_lines();
    let lines: Vec<&str> = log.lines().collect();
    // Cut between 0C3B7B43FC's qmgr line (87) and its delivery (95).
    let (head, tail) = lines.split_at(90);
    let one = dir.path().join("mail.log.1");
    let two = dir.path().join("mail.log");
    std::fs::write(&one, head.join("\n") + "\n").unwrap();
    std::fs::write(&two, tail.join("\n") + "\n").unwrap();
    let whole = totals(&["--year", "2026", &lab_log()]);
    let split = totals(&[
        "--year",
        "2026",
        one.to_str().unwrap(),
        two.to_str().unwrap(),
    ]);
    assert_eq!(split, whole);
    assert_eq!(whole["received"], 682);
}

#[test]
fn a_window_starting_mid_message_marks_it_started_before() {
    let log = lab_lines();
    // The two messages' lines, in the log's order.
    let lines: Vec<String> = log
        .lines()
        .filter(|l| l.contains(": 0C3B7B43FC: ") || l.contains(": 1038DB43FF: "))
        .map(str::to_string)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mail.log");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let path = path.to_str().unwrap();
    let all = totals(&["--year", "2026", path]);
    assert_eq!(
        (all["received"], all["bounced"], all["delivered"]),
        (1, 1, 1)
    );
    // All these lines are at 14:04:29; a window from 14:04:29.5 would cut
    // nothing, so the window starts at the second: the client line at
    // 14:04:29 is in, and a window from 14:04:30 has none of them.
    let late = support::run(&[
        "--format",
        "json",
        "--report",
        "totals",
        "--year",
        "2026",
        "--since",
        "2026-11-23T14:04:30Z",
        path,
    ]);
    assert_eq!(late.status.code(), Some(5), "nothing in the window");
    assert_eq!(
        support::stderr(&late),
        "maillog-report: no Postfix event in the window (2026-11-23 14:04 to the end UTC): all 10 events of the input are outside it\n"
    );
    assert_eq!(support::totals_of(&late.stdout)["received"], 0);
    // The message's start before the window: it is not received in the
    // window, and nothing is subtracted.
    let lines_after: Vec<String> = lines
        .iter()
        .filter(|l| !l.contains("client=") && !l.contains("message-id=<lab"))
        .cloned()
        .collect();
    std::fs::write(dir.path().join("cut.log"), lines_after.join("\n") + "\n").unwrap();
    let cut = totals(&[
        "--year",
        "2026",
        dir.path().join("cut.log").to_str().unwrap(),
    ]);
    assert_eq!(cut["received"], 0, "its start is not in the input");
    assert_eq!(cut["started before the input"], 1);
    assert_eq!(cut["bounced"], 1, "its bounce is counted");
    assert_eq!(
        cut["delivered"], 1,
        "the notification's delivery is counted"
    );
}

#[test]
fn tls_delivery_lines_count_as_deliveries() {
    // Postfix 3.11 adds `tls=…` before `dsn=` (the grok patterns' test
    // lines carry it); the lab's message with that field added.
    let log = lab_lines();
    let lines: Vec<String> = lines_of(&log, "0C3B7B43FC")
        .into_iter()
        .map(|l| {
            l.replace(
                "status=bounced (host mx.defunct-univ.example[127.0.0.20] said: 550 5.1.1 Recipient address rejected: User unknown (in reply to RCPT TO command))",
                "status=sent (250 2.0.0 Ok: queued as 153053D)",
            )
            .replace("dsn=5.1.1, ", "tls=may, dsn=2.0.0, ")
        })
        .filter(|l| !l.contains("notification"))
        .collect();
    assert!(lines
        .iter()
        .any(|l| l.contains("tls=may, dsn=2.0.0, status=sent")));
    let frame = frame_of(&[&lines.join("\n")]);
    let m = messages_of(&frame);
    assert_eq!(m.list.len(), 1);
    assert_eq!((m.list[0].sent(), m.list[0].fate()), (1, Fate::Delivered));
}

#[test]
fn other_instances_keep_their_own_queues() {
    // The same lines logged by a second instance (syslog_name postfix-out):
    // its queue is another, so the same queue id is another message.
    let log = lab_lines();
    let lines = lines_of(&log, "0C3B7B43FC");
    let mut text = lines.clone();
    text.extend(
        lines
            .iter()
            .map(|l| l.replace(" postfix/", " postfix-out/")),
    );
    let frame = frame_of(&[&text.join("\n")]);
    let m = messages_of(&frame);
    let instances: Vec<&str> = m
        .list
        .iter()
        .filter(|m| m.queue_id == "0C3B7B43FC")
        .map(|m| m.instance())
        .collect();
    assert_eq!(instances, ["postfix", "postfix-out"]);
}

#[test]
fn the_submission_listener_and_qmgr_log_one_message() {
    let frame = frame_of(&[&lab_lines()]);
    let m = messages_of(&frame);
    let log = lab_lines();
    let submitted: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("postfix/submission/smtpd") && l.contains(": client="))
        .filter_map(|l| l.split(": ").nth(1))
        .collect();
    assert_eq!(submitted.len(), 90);
    for id in submitted {
        let message = m.list.iter().find(|m| m.queue_id == id).unwrap();
        assert_eq!(message.instance(), "postfix");
        assert!(
            message.is_received(false) && message.size().is_some(),
            "{id}"
        );
    }
}

#[test]
fn a_content_filter_counts_each_message_once() {
    let Some(corpus) = support::shared("corpus") else {
        return;
    };
    // pixelpark: an amavis relay with long queue ids; each message goes to
    // 127.0.0.1:10024 (or :10026) and comes back as a new queue id.
    let log = std::fs::read(corpus.join("pixelpark-postfix-logsums.mail.log")).unwrap();
    let frame = frame_of_bytes(&[&log]);
    let m = messages_of(&frame);
    assert!(m
        .list
        .iter()
        .all(|m| m.queue_id.text().len() > 11 && m.queue_id.text().contains('z')));
    let received = m.list.iter().filter(|m| m.is_received(false)).count();
    let copies = m
        .list
        .iter()
        .filter(|m| m.origin() == Origin::Reinjected)
        .count();
    let hops: u32 = m.list.iter().map(|m| m.rare_counts().filter_hops).sum();
    let sent: u32 = m.list.iter().map(|m| m.sent()).sum();
    assert_eq!((received, copies, hops, sent), (181, 180, 181, 180));
    let path = corpus.join("pixelpark-postfix-logsums.mail.log");
    let once = totals(&[path.to_str().unwrap()]);
    let twice = totals(&["--count-filter-hops", path.to_str().unwrap()]);
    assert_eq!((once["received"], once["delivered"]), (181, 180));
    // pflogsumm's count: every hand-off is a delivery (361 in its report).
    assert_eq!(twice["delivered"], 361);
}

/// The fates of mail that passed a content filter: the received message
/// ends as its re-injected copy does (delivered, or still queued when the
/// copy waits), and the copy is not counted a second time.
#[test]
fn a_filtered_message_ends_as_its_copy_does() {
    // pixelpark-postfix-logsums.mail.log:89-102 without amavis' own line:
    // received, handed to amavis on :10024, re-injected on :10025 as
    // 4PbC4z6W5Qz3tG3, delivered by pipe to dovecot.
    let delivered = "\
2023-03-14T00:08:33.579644+01:00 helga postfix/smtpd[297535]: 4PbC4x469Jz3tBr: client=mail.nistoresio.co.cz[185.31.160.120]
2023-03-14T00:08:33.628392+01:00 helga postfix/cleanup[302604]: 4PbC4x469Jz3tBr: message-id=<71816687N65284230Y01410375Q67285060N@ajmyjyz>
2023-03-14T00:08:33.787870+01:00 helga postfix/qmgr[3163066]: 4PbC4x469Jz3tBr: from=<ajmyjyz@nistoresio.co.cz>, size=175061, nrcpt=1 (queue active)
2023-03-14T00:08:35.917122+01:00 helga postfix/10025/smtpd[302614]: 4PbC4z6W5Qz3tG3: client=localhost[127.0.0.1]
2023-03-14T00:08:35.921013+01:00 helga postfix/cleanup[302604]: 4PbC4z6W5Qz3tG3: message-id=<71816687N65284230Y01410375Q67285060N@ajmyjyz>
2023-03-14T00:08:35.925875+01:00 helga postfix/qmgr[3163066]: 4PbC4z6W5Qz3tG3: from=<ajmyjyz@nistoresio.co.cz>, size=175919, nrcpt=1 (queue active)
2023-03-14T00:08:35.948047+01:00 helga postfix/amavis/smtp[302609]: 4PbC4x469Jz3tBr: to=<user01.test@uhu-banane.net>, orig_to=<frank@brehm-berlin.de>, relay=127.0.0.1[127.0.0.1]:10024, delay=2.4, delays=0.29/0.02/0.01/2.1, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 4PbC4z6W5Qz3tG3)
2023-03-14T00:08:35.948639+01:00 helga postfix/qmgr[3163066]: 4PbC4x469Jz3tBr: removed
2023-03-14T00:08:36.037018+01:00 helga postfix/pipe[302615]: 4PbC4z6W5Qz3tG3: to=<user01.test@uhu-banane.net>, relay=dovecot, delay=0.12, delays=0.01/0.01/0/0.1, dsn=2.0.0, status=sent (delivered via dovecot service)
2023-03-14T00:08:36.037498+01:00 helga postfix/qmgr[3163066]: 4PbC4z6W5Qz3tG3: removed
";
    // The same with the copy's delivery deferred (dovecot down): the
    // received message is still queued at the end, as its copy.
    let waiting = delivered
        .replace(
            "dsn=2.0.0, status=sent (delivered via dovecot service)",
            "dsn=4.3.0, status=deferred (temporary failure)",
        )
        .replace(
            "2023-03-14T00:08:36.037498+01:00 helga postfix/qmgr[3163066]: 4PbC4z6W5Qz3tG3: removed\n",
            "",
        );
    let dir = tempfile::tempdir().unwrap();
    let fates_of = |path: &std::path::Path, extra: &[&str]| {
        let mut args = vec!["--format", "json", "--report", "fates"];
        args.extend_from_slice(extra);
        args.push(path.to_str().unwrap());
        let out = support::run(&args);
        assert!(out.status.success(), "{}", support::stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["fates"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["received"].as_u64().unwrap() + r["other"].as_u64().unwrap() > 0)
            .map(|r| {
                (
                    r["fate"].as_str().unwrap().to_string(),
                    r["received"].as_u64().unwrap(),
                    r["other"].as_u64().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let fates = |log: &str, extra: &[&str]| {
        let path = dir.path().join("mail.log");
        std::fs::write(&path, log).unwrap();
        fates_of(&path, extra)
    };
    let row = |fate: &str, received, other| (fate.to_string(), received, other);
    assert_eq!(fates(delivered, &[]), [row("delivered", 1, 0)]);
    assert_eq!(fates(&waiting, &[]), [row("still queued at the end", 1, 0)]);
    // With --count-filter-hops each hop is a message with its own fate.
    assert_eq!(
        fates(delivered, &["--count-filter-hops"]),
        [
            row("delivered", 1, 0),
            row("handed to a content filter", 1, 0)
        ]
    );
    // The whole amavis log: 181 received; 180 copies came back and were
    // delivered (179) or bounced (1); one copy is not in the log.
    let Some(corpus) = support::shared("corpus") else {
        return;
    };
    assert_eq!(
        fates_of(&corpus.join("pixelpark-postfix-logsums.mail.log"), &[]),
        [
            row("delivered", 179, 4),
            row("handed to a content filter", 1, 0),
            row("bounced (some or all recipients)", 1, 0),
            row("not queued (the client left before DATA was done)", 0, 2),
        ]
    );
}
