//! The frame does not depend on how the input is cut: one chunk, a few, or
//! many (more chunks than lines) give identical frames and line counts.

use maillog_report::input::{load, Loaded, MmapPolicy, DEFAULT_MAX_DECOMPRESSED};
use maillog_report::scan::{scan, ScanOptions};

use super::support;

fn scan_with_chunks(path: &str, chunks: usize) -> maillog_report::scan::Scan {
    let Loaded::Whole(input) = load(path, MmapPolicy::Never, DEFAULT_MAX_DECOMPRESSED) else {
        panic!("{path} is readable");
    };
    let options = ScanOptions::every_event(chunks, 2026);
    scan(&[input], &options)
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
    }
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
