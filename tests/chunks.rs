//! The frame does not depend on how the input is cut: one chunk, a few, or
//! many (more chunks than lines) give identical frames and line counts, and
//! the same session statistics (sessions that span chunks are paired).

use maillog_report::input::{load, Loaded, MmapPolicy, DEFAULT_MAX_DECOMPRESSED};
use maillog_report::scan::{scan, ScanOptions};
use maillog_report::sessions::{SessionStats, Tally};
use polars::prelude::PlHashSet;

use super::support;

fn scan_with_chunks(path: &str, chunks: usize) -> maillog_report::scan::Scan {
    let Loaded::Whole(input) = load(path, MmapPolicy::Never, DEFAULT_MAX_DECOMPRESSED) else {
        panic!("{path} is readable");
    };
    let options = ScanOptions::every_event(chunks, 2026);
    scan(&[input], &options)
}

/// Everything the session statistics hold, in a comparable order (seconds
/// to the microsecond: sums taken in another order differ in the last bits).
fn session_digest(stats: &SessionStats) -> Vec<String> {
    let names = |numbers: &PlHashSet<u32>| {
        let mut names: Vec<&str> = numbers.iter().map(|&n| stats.name(n)).collect();
        names.sort();
        names
    };
    let tally = |t: &Tally| {
        let clients = names(&t.clients);
        format!(
            "{} {:.6} {:.6} {clients:?}",
            t.connections, t.seconds, t.longest
        )
    };
    let mut digest = vec![
        format!("all {}", tally(&stats.all)),
        format!(
            "unpaired {} {}",
            stats.unpaired_connects, stats.unpaired_disconnects
        ),
    ];
    digest.extend(
        stats
            .stretches
            .iter()
            .map(|(k, t)| format!("stretch {k} {}", tally(t))),
    );
    let mut rest: Vec<String> = stats
        .by_client
        .iter()
        .map(|(&c, t)| format!("client {} {}", stats.name(c), tally(t)))
        .chain(stats.tls().map(|(k, g)| {
            let peers = names(&g.peers);
            format!("tls {k:?} {} {} {} {peers:?}", g.count, g.first, g.last)
        }))
        .chain(stats.verdicts().map(|(k, g)| {
            let peers = names(&g.peers);
            format!("verdict {k:?} {} {} {} {peers:?}", g.count, g.first, g.last)
        }))
        .collect();
    rest.sort();
    digest.extend(rest);
    digest
}

fn assert_chunking_invariant(path: &str) {
    let one = scan_with_chunks(path, 1);
    assert!(one.frame.height() > 100, "{path} has events");
    for chunks in [2, 3, 7, 64, 100_000] {
        let many = scan_with_chunks(path, chunks);
        assert_eq!(many.counts, one.counts, "{path}, {chunks} chunks");
        assert!(
            many.frame.equals_missing(&one.frame),
            "{path}: frame with {chunks} chunks differs from one chunk"
        );
        assert_eq!(
            many.unrecognized, one.unrecognized,
            "{path}, {chunks} chunks"
        );
        assert_eq!(
            session_digest(&many.sessions),
            session_digest(&one.sessions),
            "{path}, {chunks} chunks: session statistics"
        );
    }
    // The sessions themselves: every connect of the lab is paired.
    assert!(
        one.sessions.all.connections > 0,
        "{path} has smtpd sessions"
    );
}

#[test]
fn lab_log_frame_is_independent_of_chunking() {
    let path = support::repo().join("sample-logs/maillog");
    assert_chunking_invariant(path.to_str().unwrap());
}

#[test]
fn real_server_log_frame_is_independent_of_chunking() {
    let Some(corpus) = support::shared("corpus") else {
        return;
    };
    for file in [
        "pixelpark-postfix-logsums.mail.log",
        "infohtreasure-Postfix-Maillog-Dump.maillog.log",
    ] {
        assert_chunking_invariant(corpus.join(file).to_str().unwrap());
    }
}
