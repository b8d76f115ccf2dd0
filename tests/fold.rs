//! The messages put together block by block as the scan reads (the fold):
//! the same messages, and for each frame row the same message and hop, for
//! any block size, chunking, number of threads and cut of the input, as the
//! messages put together from the whole frame at once; and the frame keeps
//! only the rows the reports read, not the messages' own.

use std::path::PathBuf;
use std::time::Duration;

use polars::prelude::*;
use proptest::prelude::*;

use maillog_report::frame::{col, Projection};
use maillog_report::input::{self, OpenOptions, Source, DEFAULT_MAX_DECOMPRESSED};
use maillog_report::messages::{self, Messages};
use maillog_report::parse::{EventKind, TimeContext};
use maillog_report::scan::{
    scan, scan_inputs, year_rule, Feed, Scan, ScanInput, ScanOptions, DEFAULT_MAX_LINE,
};

use super::support::{self, lab_log};

/// Real Postfix logs with every kind of message: the lab's three sessions
/// (bounces, notifications, expiry, a content filter with re-injection,
/// holds, postsuper) and a real server's amavis relay with long queue ids.
fn logs() -> &'static [Vec<u8>] {
    static LOGS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut paths = vec![
            PathBuf::from(lab_log()),
            root.join("sample-logs/lab/filter-retries/maillog"),
            root.join("sample-logs/lab/queue-actions/maillog"),
        ];
        if let Some(corpus) = support::shared("corpus") {
            paths.push(corpus.join("pixelpark-postfix-logsums.mail.log"));
        }
        paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
    })
}

/// What a delivery report reads, with the messages (and the offsets, to
/// match rows with the whole frame's).
fn narrow() -> Projection {
    Projection::NONE
        .with_kinds(&[EventKind::Delivery])
        .with_columns(&[col::KIND, col::STATUS, col::OFFSET])
        .union(messages::reads_everything())
}

/// `data` scanned with `projection` on `threads` threads: mapped in
/// `chunks` chunks, or streamed in blocks of `block_bytes`.
fn scan_folded(
    data: &[u8],
    projection: Projection,
    chunks: usize,
    block_bytes: Option<usize>,
    threads: usize,
) -> Scan {
    let mut options = ScanOptions::every_event(chunks, 2026);
    options.projection = projection;
    options.keep_unrecognized = false;
    let time = TimeContext {
        year: year_rule(data, None, support::NOW, Some(2026)),
        bsd_zone: options.bsd_zone,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let source = Source::Owned(data.to_vec());
    let dir = tempfile::tempdir().unwrap();
    let feed = match block_bytes {
        None => Feed::Bytes(&source),
        Some(block_bytes) => {
            options.block_bytes = block_bytes;
            let path = dir.path().join("mail.log");
            std::fs::write(&path, data).unwrap();
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(support::now_system_time() - Duration::from_secs(3600))
                .unwrap();
            let open = OpenOptions {
                mmap: input::MmapPolicy::Never,
                max_decompressed: DEFAULT_MAX_DECOMPRESSED,
                now: support::now_system_time(),
            };
            let mut opened = input::open(path.to_str().unwrap(), &open).unwrap();
            let reader = opened
                .blocks(block_bytes, DEFAULT_MAX_LINE, DEFAULT_MAX_DECOMPRESSED)
                .unwrap()
                .expect("read in blocks");
            Feed::Blocks {
                reader: Box::new(reader),
                consumed: None,
            }
        }
    };
    let input = ScanInput {
        name: "mail.log".into(),
        feed,
        time,
        id: 0,
        json: false,
        mark_rows: false,
    };
    scan_inputs(vec![input], &options, Some(&pool), None, &|_| {})
}

/// The messages of the whole frame of `data` (every event kept), and that
/// frame.
fn whole(data: &[u8]) -> (Scan, Messages) {
    let input = maillog_report::input::Input {
        name: "mail.log".into(),
        data: Source::Owned(data.to_vec()),
        mtime: None,
    };
    let scanned = scan(&[input], &ScanOptions::every_event(1, 2026));
    let messages = messages::build(&scanned.frame).unwrap();
    (scanned, messages)
}

fn offsets(frame: &DataFrame) -> Vec<u64> {
    let column = frame.column(col::OFFSET).unwrap().u64().unwrap().clone();
    column.into_no_null_iter().collect()
}

/// The folded messages are the whole frame's, and each of the folded
/// frame's rows has the message and hop of the same line in the whole one.
fn assert_folded_as_whole(data: &[u8], folded: &Scan, what: &str) {
    let (whole, expected) = whole(data);
    let messages = folded.messages.as_ref().expect("the scan folded them");
    assert_eq!(messages.list, expected.list, "{what}: messages");
    assert_eq!(
        messages.message_ids, expected.message_ids,
        "{what}: Message-IDs"
    );
    let clients = |m: &maillog_report::messages::Messages| {
        m.list
            .iter()
            .map(|one| (m.client_name(one), m.client_ip(one)))
            .collect::<Vec<_>>()
    };
    assert_eq!(clients(messages), clients(&expected), "{what}: clients");
    let row_of: std::collections::HashMap<u64, usize> = offsets(&whole.frame)
        .into_iter()
        .enumerate()
        .map(|(row, offset)| (offset, row))
        .collect();
    let kept = offsets(&folded.frame);
    assert_eq!(messages.of_row.len(), kept.len(), "{what}: one entry a row");
    for (row, offset) in kept.iter().enumerate() {
        let at = row_of[offset];
        assert_eq!(
            messages.of_row[row], expected.of_row[at],
            "{what}: row {row}"
        );
        assert_eq!(messages.hop[row], expected.hop[at], "{what}: hop {row}");
    }
}

#[test]
fn the_frame_keeps_the_reports_rows_and_the_messages_are_the_whole_frames() {
    let mut messages = 0;
    for data in logs() {
        let folded = scan_folded(data, narrow(), 3, None, 2);
        assert_folded_as_whole(data, &folded, "mapped");
        // Only deliveries are kept: the qmgr, cleanup and removed lines
        // were folded into the messages and dropped.
        let kinds = folded
            .frame
            .column(col::KIND)
            .unwrap()
            .cast(&DataType::String)
            .unwrap();
        let kinds: Vec<Option<&str>> = kinds.str().unwrap().iter().collect();
        assert!(!kinds.is_empty());
        assert!(kinds.iter().all(|k| *k == Some("delivery")), "{kinds:?}");
        messages += folded.messages.as_ref().unwrap().list.len();
    }
    assert!(messages > 500, "{messages} messages");
}

/// A lab message deferred twice and expired, given a second recipient
/// (each delivery line repeated for it): the block's rows carry every
/// field the fold reads (here the recipient, for the distinct deferred
/// recipients), as the frame's rows do.
#[test]
fn each_field_of_a_row_reaches_the_fold() {
    let lab = std::fs::read_to_string(lab_log()).unwrap();
    let mut data = String::new();
    for line in lab.lines().filter(|l| l.contains(" E9E8CB4311: ")) {
        let line = line.replace("nrcpt=1", "nrcpt=2");
        data.push_str(&line);
        data.push('\n');
        if line.contains("status=deferred") {
            data.push_str(&line.replace("noah.mertens@", "emma.peeters@"));
            data.push('\n');
        }
    }
    let data = data.as_bytes();
    for block_bytes in [None, Some(200)] {
        let folded = scan_folded(data, narrow(), 1, block_bytes, 1);
        assert_folded_as_whole(data, &folded, "two recipients");
        let messages = folded.messages.as_ref().unwrap();
        let i = messages
            .list
            .iter()
            .position(|m| m.queue_id == "E9E8CB4311")
            .unwrap();
        let m = &messages.list[i];
        assert_eq!(
            (
                m.rare_counts().deferrals,
                m.rare_counts().deferred_recipients
            ),
            (4, 2)
        );
        assert_eq!((m.size(), m.nrcpt()), (Some(558), Some(2)));
        assert!(m.expired() && m.removed() && messages.message_id(i as u32).is_some());
    }
}

#[test]
fn a_scan_that_reads_no_message_folds_none() {
    let data = &logs()[0];
    let projection = Projection::NONE.with_kinds(&[EventKind::Reject]);
    assert!(scan_folded(data, projection, 2, None, 2).messages.is_none());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any block size (down to a line a block), chunking, thread count and
    /// cut of a real log: messages split at the cut start before the input
    /// or stay open, as in the whole frame of the same cut.
    #[test]
    fn folding_is_the_same_for_any_blocks_threads_and_cut(
        log in any::<prop::sample::Index>(),
        cut in (any::<prop::sample::Index>(), any::<prop::sample::Index>()),
        block_bytes in prop_oneof![Just(None), (64usize..4_000).prop_map(Some), Just(Some(1 << 20))],
        chunks in 1usize..9,
        threads in 1usize..4,
    ) {
        let logs = logs();
        let data = &logs[log.index(logs.len())];
        let lines: Vec<&[u8]> = data.split_inclusive(|&b| b == b'\n').collect();
        let (a, b) = (cut.0.index(lines.len()), cut.1.index(lines.len()));
        let data: Vec<u8> = lines[a.min(b)..=a.max(b)].concat();
        let folded = scan_folded(&data, narrow(), chunks, block_bytes, threads);
        assert_folded_as_whole(
            &data,
            &folded,
            &format!("lines {}..={}, blocks {block_bytes:?}, {chunks} chunks, {threads} threads", a.min(b), a.max(b)),
        );
    }
}
