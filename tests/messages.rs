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

fn messages_of(frame: &DataFrame) -> Messages<'_> {
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
        assert_eq!(message.origin, Origin::Smtp);
        assert_eq!((message.bounced, message.lines), (1, 6));
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
        .filter(|m| m.origin == Origin::Notification)
        .collect();
    assert_eq!(
        notifications.len(),
        51,
        "truth.json: 51 bounce notifications"
    );
    let one = m.list.iter().find(|m| m.queue_id == "1038DB43FF").unwrap();
    let parent = &m.list[one.parent.unwrap() as usize];
    assert_eq!(parent.queue_id, "0C3B7B43FC");
    assert!(one.start_in_input && one.queued && one.removed);
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
    assert_eq!((m.list[0].sent, m.list[0].fate()), (1, Fate::Delivered));
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
        .map(|m| m.instance)
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
        assert_eq!(message.instance, "postfix");
        assert!(message.is_received(false) && message.size.is_some(), "{id}");
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
        .all(|m| m.queue_id.len() > 11 && m.queue_id.contains('z')));
    let received = m.list.iter().filter(|m| m.is_received(false)).count();
    let copies = m
        .list
        .iter()
        .filter(|m| m.origin == Origin::Reinjected)
        .count();
    let hops: u32 = m.list.iter().map(|m| m.filter_hops).sum();
    let sent: u32 = m.list.iter().map(|m| m.sent).sum();
    assert_eq!((received, copies, hops, sent), (181, 180, 181, 180));
    let path = corpus.join("pixelpark-postfix-logsums.mail.log");
    let once = totals(&[path.to_str().unwrap()]);
    let twice = totals(&["--count-filter-hops", path.to_str().unwrap()]);
    assert_eq!((once["received"], once["delivered"]), (181, 180));
    // pflogsumm's count: every hand-off is a delivery (361 in its report).
    assert_eq!(twice["delivered"], 361);
}
