//! Fuzz target for the line parser (`src/parse/`).
//!
//! The parser sources are compiled into this crate directly (`#[path]`), so
//! the fuzz build needs only `memchr` and never compiles polars.
//!
//! For every input (any bytes, made UTF-8 with `from_utf8_lossy`):
//! - `parse_line(text)` with a fixed time context;
//! - `parse_message(daemon, text)` for the daemons that have their own rules;
//! - if the input holds a `\n`: `parse_message(first_part, rest)` and
//!   `parse_line(rest)`, so the fuzzer also chooses the daemon name.
//!
//! Besides "does not panic", each event must satisfy cheap invariants:
//! - every non-empty string field is a sub-slice of the parsed text (pointer
//!   range inside it): the parser borrows, it never allocates or invents text
//!   (postsuper's `action` aside: a fixed word naming the operation);
//!   for `parse_line` events the message fields lie in the message part;
//! - every parsed integer (pid, ports, codes, size, nrcpt, uid, conn_use,
//!   tls_bits, value)
//!   appears in decimal in the text, i.e. it came from digits of the line;
//! - `parse_message` leaves the envelope fields (host, instance, daemon) empty;
//! - timestamps are within the years 0000-9999 (BSD stamps: within the
//!   year before the reference year and the reference year).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, unused_imports)]
#[path = "../../src/parse/mod.rs"]
mod parse;

use parse::{Event, LineOutcome, MessageOutcome, MinuteCache, TimeContext};

const CTX: TimeContext = TimeContext::utc_in(2026);

const DAEMONS: [&str; 14] = [
    "smtpd",
    "postscreen",
    "cleanup",
    "qmgr",
    "smtp",
    "bounce",
    "local",
    "pickup",
    "dnsblog",
    "tlsproxy",
    "anvil",
    "master",
    "postfix-script",
    "postsuper",
];

const MICROS: i64 = 1_000_000;
const DAY: i64 = 86_400;
/// 0000-01-01 and 10000-01-01 in seconds since the epoch.
const YEAR_0: i64 = -62_167_219_200;
const YEAR_10000: i64 = 253_402_300_800;
/// 2025-01-01 and 2027-01-01 (BSD stamps with reference year 2026, month 12:
/// every month maps to 2026).
const Y2025: i64 = 1_735_689_600;
const Y2027: i64 = 1_798_761_600;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text: &str = &text;

    check_line(text);
    for daemon in DAEMONS {
        check_message(daemon, text);
    }
    if let Some((daemon, rest)) = text.split_once('\n') {
        check_message(daemon, rest);
        check_line(rest);
    }
    // The scan parses consecutive lines with one minute cache: it must give
    // what parsing each line alone gives.
    let mut minutes = MinuteCache::default();
    for line in text.split('\n') {
        assert_eq!(
            parse::parse_line_cached(line, &CTX, &mut minutes),
            parse::parse_line(line, &CTX),
            "the minute cache changed the outcome of {line:?}"
        );
    }
});

fn check_line(line: &str) {
    match parse::parse_line(line, &CTX) {
        LineOutcome::Event(e) => {
            // The envelope must parse on its own, and the event's message
            // fields must come from the message part of the line.
            let env = parse::syslog::parse_envelope(line, &CTX)
                .expect("parse_line gave an event but parse_envelope fails");
            assert!(env.is_postfix(), "event from a non-postfix program");
            assert!(inside(line, env.message), "envelope message outside line");
            assert_eq!(e.ts, env.ts, "event ts differs from envelope ts");
            assert_eq!(e.pid, env.pid, "event pid differs from envelope pid");

            for (name, s) in [("host", e.host), ("instance", e.instance), ("daemon", e.daemon)] {
                assert!(inside(line, s), "{name} {s:?} is not a slice of the line");
            }
            assert!(!e.host.is_empty(), "empty host");
            check_event(&e, env.message, "message part");

            if let Some(pid) = e.pid {
                assert_digits(line, "pid", u64::from(pid));
            }
            let secs = e.ts.div_euclid(MICROS);
            assert!(
                (YEAR_0 - 5 * DAY..YEAR_10000 + 5 * DAY).contains(&secs),
                "timestamp {} out of range",
                e.ts
            );
            if parse::syslog::bsd_month(line.as_bytes()).is_some() {
                // BSD stamp (after a `<PRI>` or not): reference year 2026,
                // month 12, offset 0.
                assert!(
                    // ..= : a leap second `Dec 31 23:59:60` folds onto 2027.
                    (Y2025..=Y2027).contains(&secs),
                    "BSD timestamp {} outside 2025-2026",
                    e.ts
                );
            }
            // Same result as parsing the message part alone.
            match parse::parse_message(e.daemon, env.message) {
                MessageOutcome::Event(m) => assert_eq!(m.kind, e.kind, "kind differs"),
                other => panic!("parse_line gave an event, parse_message {other:?}"),
            }
        }
        LineOutcome::Skipped(_) => {}
    }
}

fn check_message(daemon: &str, message: &str) {
    if let MessageOutcome::Event(e) = parse::parse_message(daemon, message) {
        assert_eq!(
            (e.host, e.instance, e.daemon, e.pid, e.ts),
            ("", "", "", None, 0),
            "parse_message filled envelope fields"
        );
        check_event(&e, message, "message");
    }
}

/// Invariants of the fields parse_message fills, against the text they were
/// parsed from.
fn check_event(e: &Event<'_>, text: &str, what: &str) {
    let strs = [
        ("action", e.action),
        ("queue_id", e.queue_id),
        ("stage", e.stage),
        ("client_name", e.client_name),
        ("client_ip", e.client_ip),
        ("enhanced", e.enhanced),
        ("address", e.address),
        ("reason", e.reason),
        ("text", e.text),
        ("from", e.from),
        ("to", e.to),
        ("orig_to", e.orig_to),
        ("proto", e.proto),
        ("helo", e.helo),
        ("sasl_method", e.sasl_method),
        ("sasl_username", e.sasl_username),
        ("relay_host", e.relay_host),
        ("relay_ip", e.relay_ip),
        ("tls", e.tls),
        ("dsn", e.dsn),
        ("status", e.status),
        ("remote_command", e.remote_command),
        ("message_id", e.message_id),
        ("related_queue_id", e.related_queue_id),
        ("counters", e.counters),
        ("tls_level", e.tls_level),
        ("tls_protocol", e.tls_protocol),
        ("tls_cipher", e.tls_cipher),
        ("dnsbl", e.dnsbl),
    ];
    for (name, s) in strs {
        if let Some(s) = s {
            // postsuper's action names its operation in a word of our own.
            let named = name == "action"
                && e.kind == parse::EventKind::Postsuper
                && parse::status::POSTSUPER_ACTIONS.contains(&s);
            assert!(named || inside(text, s), "{name} {s:?} is not a slice of the {what}");
        }
    }
    let nums = [
        ("client_port", e.client_port.map(u64::from)),
        ("relay_port", e.relay_port.map(u64::from)),
        ("code", e.code.map(u64::from)),
        ("size", e.size),
        ("nrcpt", e.nrcpt.map(u64::from)),
        ("uid", e.uid.map(u64::from)),
        ("conn_use", e.conn_use.map(u64::from)),
        ("tls_bits", e.tls_bits.map(u64::from)),
        ("value", e.value.map(u64::from)),
    ];
    for (name, n) in nums {
        if let Some(n) = n {
            assert_digits(text, name, n);
        }
    }
    if let Some(id) = e.queue_id {
        assert!(parse::fields::is_queue_id(id), "queue_id {id:?} is not a queue id");
    }
}

/// `inner` lies within `outer` (pointer range), or is empty: an empty
/// string carries no text, wherever it points.
fn inside(outer: &str, inner: &str) -> bool {
    if inner.is_empty() {
        return true;
    }
    let o = outer.as_ptr() as usize;
    let i = inner.as_ptr() as usize;
    i >= o && i + inner.len() <= o + outer.len()
}

/// A parsed number must appear in decimal in the text it came from (leading
/// zeros and a `+` sign aside, its digits are a substring of the text).
fn assert_digits(text: &str, name: &str, n: u64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    let mut v = n;
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let digits = &buf[at..];
    assert!(
        memchr::memmem::find(text.as_bytes(), digits).is_some(),
        "{name} {n} does not appear in the text"
    );
}
