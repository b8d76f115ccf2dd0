//! Properties over generated input: no byte string makes the parser panic,
//! chunked parsing equals parsing in one piece for any chunk count, and the
//! minute cache of timestamps never changes an outcome.

use proptest::prelude::*;

use maillog_report::input::{Input, Source};
use maillog_report::parse::{
    parse_line, parse_line_cached, parse_line_into, parse_message, BsdZone, Event, EventKind,
    LineOutcome, MinuteCache, Parsed, TimeContext,
};
use maillog_report::scan::{scan, ScanOptions};

use super::support;

const TIME: TimeContext = TimeContext::utc_in(2026);

/// The lab's RFC 3339 log, read once for all generated cases.
fn real_lines() -> &'static [String] {
    static LINES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    LINES.get_or_init(|| {
        let path = support::repo().join("sample-logs/mail.rfc3339.log");
        let log = std::fs::read_to_string(path).unwrap();
        log.lines().map(str::to_string).collect()
    })
}

fn scan_bytes(bytes: &[u8], chunks: usize) -> maillog_report::scan::Scan {
    let input = Input {
        name: "generated".into(),
        data: Source::Owned(bytes.to_vec()),
        mtime: None,
    };
    let options = ScanOptions::every_event(chunks, 2026);
    scan(&[input], &options)
}

/// A line: a real one, a real one cut short or spliced with junk, or junk.
fn line_strategy(real: &'static [String]) -> impl Strategy<Value = Vec<u8>> {
    let n = real.len();
    prop_oneof![
        (0..n).prop_map(move |i| real[i].clone().into_bytes()),
        (
            0..n,
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<u8>(), 0..20)
        )
            .prop_map(move |(i, cut, junk)| {
                let line = real[i].as_bytes();
                let at = cut.index(line.len() + 1);
                let mut v = line[..at].to_vec();
                v.extend(junk.into_iter().filter(|b| *b != b'\n'));
                v
            }),
        prop::collection::vec(any::<u8>(), 0..200)
            .prop_map(|v| v.into_iter().filter(|b| *b != b'\n').collect()),
    ]
}

/// An RFC 3339 stamp from few parts, valid or not; also with journalctl's
/// offset without a colon (`+0100`).
fn rfc3339_stamp() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["2024", "2026"]),
        prop::sample::select(vec!["02-29", "02-30", "12-31", "13-01"]),
        (
            prop::sample::select(vec!["00", "23", "25"]),
            prop::sample::select(vec!["00", "59", "60"]),
        ),
        prop::sample::select(vec!["00", "59", "61"]),
        prop::sample::select(vec!["", ".5", ".123456789", "."]),
        prop::sample::select(vec!["Z", "+01:00", "-05:30", "+0100", "-2400", "+01", ""]),
    )
        .prop_map(|(y, md, (h, min), s, frac, zone)| format!("{y}-{md}T{h}:{min}:{s}{frac}{zone}"))
}

/// A timestamp and header from few parts, valid or not (day 30 of February,
/// hour 24, second 61, …), so that consecutive lines often share a minute,
/// and a shared minute sometimes comes with an invalid rest. Every stamp
/// shape: BSD (with journalctl's `short-precise` fraction), RFC 3339,
/// journalctl's `short-full` (its zone exact or read in the run's zone) and
/// `short-unix`, each also after a `<PRI>`, and RFC 5424.
fn stamped_line() -> impl Strategy<Value = String> {
    let bsd = (
        prop::sample::select(vec!["Feb", "Mar", "Dec", "Foo"]),
        prop::sample::select(vec!["28", "29", "30", " 1", "1", "01"]),
        prop::sample::select(vec!["00", "23", "24"]),
        prop::sample::select(vec!["59", "60"]),
        prop::sample::select(vec![
            "00",
            "07",
            "60",
            "61",
            "x1",
            "07.5",
            "07.",
            "07.123456789",
        ]),
    )
        .prop_map(|(m, d, h, min, s)| format!("{m} {d} {h}:{min}:{s}"));
    let full = (
        prop::sample::select(vec!["Sun", "Mon", "Foo"]),
        prop::sample::select(vec!["2024-02-29", "2026-02-29", "2026-12-31", "2026-13-01"]),
        prop::sample::select(vec!["00", "23", "24"]),
        prop::sample::select(vec!["59", "60"]),
        prop::sample::select(vec!["00", "59", "61", "07.5"]),
        prop::sample::select(vec![
            "UTC", "GMT", "CET", "EST", "+0100", "-03", "+05:30", "+24", "+1", "",
        ]),
    )
        .prop_map(|(d, date, h, min, s, zone)| format!("{d} {date} {h}:{min}:{s} {zone}"));
    let unix = prop::sample::select(vec![
        "1795961068.5",
        "0.000001",
        "99999999999.1",
        "1795961068",
        "1795961068.",
    ])
    .prop_map(str::to_string);
    let pri = prop::sample::select(vec!["", "", "<22>", "<191>", "<192>", "<>"]);
    let classic = (
        pri,
        prop_oneof![bsd, rfc3339_stamp(), full, unix],
        any::<bool>(),
    )
        .prop_map(|(pri, stamp, event)| {
            let message = if event {
                "postfix/qmgr[7]: 3B4E2B42C1: removed"
            } else {
                "postfix/smtpd[8]: connect from unknown[127.0.0.1]"
            };
            format!("{pri}{stamp} relay {message}")
        });
    let sd = prop::sample::select(vec!["-", r#"[a b="]\"]"]"#, "[x", "-x"]);
    let rfc5424 = (rfc3339_stamp(), sd).prop_map(|(stamp, sd)| {
        format!("<22>1 {stamp} relay postfix/qmgr 7 - {sd} 3B4E2B42C1: removed")
    });
    prop_oneof![4 => classic, 1 => rfc5424]
}

/// A zone with two offsets (+1 h on even days, +2 h on odd ones): stamps
/// read in the run's zone go through its rules, as with `--tz Europe/…`.
fn two_offsets(local: i64) -> i64 {
    local
        - if local.div_euclid(86_400) % 2 == 0 {
            3600
        } else {
            7200
        }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_minute_cache_changes_no_outcome(lines in prop::collection::vec(stamped_line(), 1..40)) {
        let mut minutes = MinuteCache::default();
        for line in &lines {
            prop_assert_eq!(parse_line_cached(line, &TIME, &mut minutes), parse_line(line, &TIME), "{}", line);
        }
        let rules = TimeContext { bsd_zone: BsdZone::Rules(two_offsets), ..TIME };
        let mut minutes = MinuteCache::default();
        for line in &lines {
            prop_assert_eq!(parse_line_cached(line, &rules, &mut minutes), parse_line(line, &rules), "{}", line);
        }
    }

    #[test]
    fn any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_line(&text, &TIME);
        for daemon in ["smtpd", "postscreen", "cleanup", "qmgr", "smtp", "bounce", "local"] {
            let _ = parse_message(daemon, &text);
        }
    }

    #[test]
    fn prefixes_of_real_lines_never_panic(i in 0usize..4000, cut in 0usize..600) {
        let lines = real_lines();
        let line = &lines[i % lines.len()];
        let mut at = cut.min(line.len());
        while !line.is_char_boundary(at) { at -= 1; }
        let _ = parse_line(&line[..at], &TIME);
    }

    #[test]
    fn chunking_never_changes_the_result(
        lines in prop::collection::vec(line_strategy(real_lines()), 0..120),
        chunks in 1usize..40,
        crlf in any::<bool>(),
        final_newline in any::<bool>(),
    ) {
        let mut bytes = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            bytes.extend_from_slice(line);
            if i + 1 < lines.len() || final_newline {
                bytes.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
        }
        let one = scan_bytes(&bytes, 1);
        let many = scan_bytes(&bytes, chunks);
        prop_assert_eq!(&one.counts, &many.counts);
        prop_assert!(one.frame.equals_missing(&many.frame));
        prop_assert_eq!(one.unrecognized, many.unrecognized);
        let c = &one.counts;
        prop_assert_eq!(c.lines, c.events + c.known + c.other_program + c.no_syslog_header + c.unrecognized + c.too_long);
    }
}

/// Every line of the real logs parses the same with the cache kept across
/// lines, and into one event reused across lines (both as the scan does), as
/// alone: an event built in place holds no field of the line before.
#[test]
fn the_minute_cache_and_the_reused_event_change_no_outcome_on_real_logs() {
    let mut logs = vec![
        support::repo().join("sample-logs/maillog"),
        support::repo().join("sample-logs/mail.log"),
        support::repo().join("sample-logs/mail.rfc3339.log"),
    ];
    if let Some(corpus) = support::shared("corpus") {
        for entry in std::fs::read_dir(corpus).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e != "md" && e != "tsv") {
                logs.push(path);
            }
        }
    }
    let mut checked = 0;
    for path in logs {
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let mut minutes = MinuteCache::default();
        let mut reused_minutes = MinuteCache::default();
        let mut reused = Event::new(EventKind::Warning);
        for line in text.lines() {
            let alone = parse_line(line, &TIME);
            assert_eq!(
                parse_line_cached(line, &TIME, &mut minutes),
                alone,
                "{}: {line}",
                path.display()
            );
            let into = match parse_line_into(line, &TIME, &mut reused_minutes, &mut reused) {
                Parsed::Event => LineOutcome::Event(reused),
                Parsed::Skipped(skip) => LineOutcome::Skipped(skip),
            };
            assert_eq!(into, alone, "{}: {line}", path.display());
            checked += 1;
        }
    }
    assert!(checked > 4000, "real lines checked: {checked}");
}
