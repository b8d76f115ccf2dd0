//! Streamed input and output: a log read in blocks (live file, standard
//! input, gzip, zstd, xz, bzip2) gives the frame, line counts and
//! unrecognized lines of the mapped file for any block size; the streamed
//! Parquet export equals the whole-frame export; a rotated set named in any
//! order reads as the whole log; the same content named twice is read once.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use polars::prelude::*;
use proptest::prelude::*;

use maillog_report::export::{self, DatasetSink, ParquetSink};
use maillog_report::frame::Projection;
use maillog_report::input::{self, Compression, OpenOptions, Source, DEFAULT_MAX_DECOMPRESSED};
use maillog_report::parse::TimeContext;
use maillog_report::scan::{
    scan, scan_inputs, year_rule, Feed, Scan, ScanInput, ScanOptions, Sink, DEFAULT_MAX_LINE,
};

use super::support::{self, binary, lab_log, stderr};

/// `data` compressed in `format`.
pub fn compress(format: Compression, data: &[u8]) -> Vec<u8> {
    match format {
        Compression::None => data.to_vec(),
        Compression::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        Compression::Zstd => zstd::encode_all(data, 3).unwrap(),
        Compression::Xz => {
            let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        Compression::Bzip2 => {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
    }
}

const COMPRESSED: [(Compression, &str); 4] = [
    (Compression::Gzip, "gz"),
    (Compression::Zstd, "zst"),
    (Compression::Xz, "xz"),
    (Compression::Bzip2, "bz2"),
];

/// Real lines: the lab log and the corpus's real server logs, read once.
fn real_lines() -> &'static [Vec<u8>] {
    static LINES: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    LINES.get_or_init(|| {
        let mut paths = vec![PathBuf::from(lab_log())];
        if let Some(corpus) = support::shared("corpus") {
            for entry in std::fs::read_dir(corpus).unwrap() {
                let path = entry.unwrap().path();
                if path
                    .extension()
                    .is_some_and(|e| e == "log" || e == "maillog")
                {
                    paths.push(path);
                }
            }
        }
        paths.sort();
        let mut lines = Vec::new();
        for path in paths {
            let bytes = std::fs::read(&path).unwrap();
            // A few thousand lines of each, so that small logs count too.
            lines.extend(bytes.split(|&b| b == b'\n').take(3000).map(<[u8]>::to_vec));
        }
        lines
    })
}

fn options(chunks: usize) -> ScanOptions {
    ScanOptions::every_event(chunks, 2026)
}

/// The scan of `path` read in blocks of `block_bytes` (decompressed if it
/// is compressed), with the year rule of `data` (its content).
fn scan_streamed(
    path: &Path,
    data: &[u8],
    block_bytes: usize,
    sink: Option<&mut dyn Sink>,
) -> Scan {
    let mut options = options(1);
    if sink.is_some() {
        options.export = Some(Projection::ALL);
    }
    scan_streamed_with(path, data, block_bytes, options, sink)
}

/// [`scan_streamed`] with `options`.
fn scan_streamed_with(
    path: &Path,
    data: &[u8],
    block_bytes: usize,
    mut options: ScanOptions,
    sink: Option<&mut dyn Sink>,
) -> Scan {
    let open = OpenOptions {
        mmap: input::MmapPolicy::Never,
        max_decompressed: DEFAULT_MAX_DECOMPRESSED,
        now: support::now_system_time(),
    };
    let name = path.to_str().unwrap();
    let mut opened = input::open(name, &open).unwrap_or_else(|p| panic!("{p}"));
    let reader = opened
        .blocks(block_bytes, DEFAULT_MAX_LINE, DEFAULT_MAX_DECOMPRESSED)
        .unwrap()
        .expect("read in blocks");
    options.block_bytes = block_bytes;
    let time = TimeContext {
        year: year_rule(data, None, support::NOW, Some(2026)),
        bsd_zone: options.bsd_zone,
    };
    let input = ScanInput {
        name: name.to_string(),
        feed: Feed::Blocks {
            reader: Box::new(reader),
            consumed: None,
        },
        time,
        id: 0,
        json: false,
        mark_rows: false,
    };
    scan_inputs(vec![input], &options, None, sink, &|_| {})
}

fn scan_mapped(data: &[u8], chunks: usize) -> Scan {
    let input = maillog_report::input::Input {
        name: "whole".into(),
        data: Source::Owned(data.to_vec()),
        mtime: None,
    };
    scan(&[input], &options(chunks))
}

/// Every row's offset is a line start of `data`, and its line number from
/// the scan's marks is the line's.
fn assert_lines_numbered(scan: &Scan, data: &[u8]) {
    let offsets = scan
        .frame
        .column(maillog_report::frame::col::OFFSET)
        .unwrap()
        .u64()
        .unwrap();
    for offset in offsets.into_no_null_iter() {
        let at = offset as usize;
        assert!(
            at == 0 || data[at - 1] == b'\n',
            "offset {at} starts a line"
        );
        let line = 1 + memchr::memchr_iter(b'\n', &data[..at]).count() as u64;
        assert_eq!(
            scan.line_index.line_of(0, offset, data),
            Some(line),
            "offset {at}"
        );
    }
}

fn assert_same(a: &Scan, b: &Scan, what: &str) {
    assert_eq!(a.counts, b.counts, "{what}: line counts");
    assert!(a.frame.equals_missing(&b.frame), "{what}: frame");
    assert_eq!(a.unrecognized, b.unrecognized, "{what}: unrecognized lines");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Streamed = mapped = chunked, for any block size, on inputs built from
    /// real lines (some cut short, some too long, CRLF or not).
    #[test]
    fn streamed_equals_mapped_for_any_block_size(
        picks in prop::collection::vec((any::<prop::sample::Index>(), 0u8..20), 1..400),
        block_bytes in prop_oneof![1usize..200, 200usize..20_000, Just(1 << 20)],
        chunks in 1usize..9,
        crlf in any::<bool>(),
        final_newline in any::<bool>(),
        format in 0usize..5,
    ) {
        let lines = real_lines();
        let mut data = Vec::new();
        for (i, (pick, shape)) in picks.iter().enumerate() {
            let line = &lines[pick.index(lines.len())];
            match shape {
                // A line too long to parse.
                0 => data.extend(std::iter::repeat_n(b'y', DEFAULT_MAX_LINE + 1 + i)),
                // A line cut short.
                1 => data.extend_from_slice(&line[..line.len() / 2]),
                _ => data.extend_from_slice(line),
            }
            if i + 1 < picks.len() || final_newline {
                data.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
        }
        let mapped = scan_mapped(&data, 1);
        prop_assert!(mapped.counts.lines >= picks.len() as u64 - 1);
        assert_same(&scan_mapped(&data, chunks), &mapped, "chunked");

        let dir = tempfile::tempdir().unwrap();
        let (format, ext) = [(Compression::None, "log")].iter().chain(&COMPRESSED).copied().nth(format).unwrap();
        let path = dir.path().join(format!("mail.{ext}"));
        std::fs::write(&path, compress(format, &data)).unwrap();
        // Not a live log: its last line without `\n` is read too.
        set_mtime(&path, Duration::from_secs(3600));
        let streamed = scan_streamed(&path, &data, block_bytes, None);
        assert_same(&streamed, &mapped, &format!("{format:?}, blocks of {block_bytes}"));
        prop_assert_eq!(&streamed.inputs[0].extent, &input::Extent::of(&data));
        // Offsets are those of the content as read (the frames are equal),
        // and a row's line number is the same from either scan's marks.
        assert_lines_numbered(&streamed, &data);
        assert_lines_numbered(&mapped, &data);
        prop_assert_eq!(streamed.inputs[0].last_stamp, maillog_report::scan::last_bsd_stamp(&data));
    }
}

/// Collects what a streamed export would be handed.
#[derive(Default)]
struct Collect {
    rows: Vec<DataFrame>,
    lines: Vec<u8>,
}

impl Sink for Collect {
    fn block(&mut self, _: usize, rows: Option<&DataFrame>, unrecognized: &[u8]) {
        self.rows.extend(rows.cloned());
        self.lines.extend_from_slice(unrecognized);
    }
}

fn stacked(frames: &[DataFrame]) -> DataFrame {
    let mut all = frames[0].clone();
    for f in &frames[1..] {
        all.vstack_mut(f).unwrap();
    }
    all
}

/// The corpus log with unrecognized lines, or the lab log with some added.
fn log_with_unrecognized() -> Vec<u8> {
    let mut data = std::fs::read(lab_log()).unwrap();
    for i in 0..50 {
        writeln!(
            data,
            "Nov 23 14:06:{:02} relay postfix/smtpd[{i}]: a line no parser knows {i}",
            i % 60
        )
        .unwrap();
        data.extend_from_slice(&std::fs::read(lab_log()).unwrap()[..10_000 * (i % 3)]);
        if let Some(end) = data.iter().rposition(|&b| b == b'\n') {
            data.truncate(end + 1);
        }
    }
    data
}

#[test]
fn the_sink_gets_every_row_and_unrecognized_line_in_order() {
    let data = log_with_unrecognized();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mail.log.zst");
    std::fs::write(&path, compress(Compression::Zstd, &data)).unwrap();
    let mapped = scan_mapped(&data, 3);
    assert_eq!(mapped.counts.unrecognized, 50);
    for block_bytes in [100, 7_777, 200_000] {
        let mut sink = Collect::default();
        let streamed = scan_streamed(&path, &data, block_bytes, Some(&mut sink));
        assert_same(&streamed, &mapped, &format!("blocks of {block_bytes}"));
        assert!(
            stacked(&sink.rows).equals_missing(&mapped.frame),
            "{block_bytes}: rows in order"
        );
        assert_eq!(
            sink.lines, mapped.unrecognized[0],
            "{block_bytes}: lines in order"
        );
    }
}

fn read_parquet(path: &Path) -> (DataFrame, Vec<(String, Option<String>)>) {
    let frame = ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap();
    let metadata = ParquetReader::new(std::fs::File::open(path).unwrap())
        .get_metadata()
        .unwrap()
        .clone();
    let kv = metadata
        .key_value_metadata()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|e| (e.key, e.value))
        .collect();
    (frame, kv)
}

/// The streamed Parquet file and dataset read back as the whole-frame
/// export does: same rows in the same order, schema and metadata; and the
/// dataset's files have the same names.
#[test]
fn streamed_parquet_equals_the_whole_frame_export() {
    // Enough rows for several row groups.
    let data = std::fs::read(lab_log()).unwrap().repeat(40);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mail.log.gz");
    std::fs::write(&path, compress(Compression::Gzip, &data)).unwrap();
    let whole = scan_mapped(&data, 4);
    assert!(
        whole.frame.height() > export::ROW_GROUP_ROWS,
        "several row groups"
    );
    let names = vec![path.to_str().unwrap().to_string()];
    let reference = dir.path().join("whole.parquet");
    export::write_parquet(&whole.frame, &reference, &names).unwrap();
    let whole_dir = dir.path().join("whole-dataset");
    let read = [input::Extent::of(&data)];
    let mut whole_files =
        export::write_dataset(&whole.frame, &whole_dir, &names, &read, &[]).unwrap();

    let streamed_path = dir.path().join("streamed.parquet");
    let streamed_dir = dir.path().join("streamed-dataset");
    struct Both(ParquetSink, DatasetSink);
    impl Sink for Both {
        fn block(&mut self, input: usize, rows: Option<&DataFrame>, lines: &[u8]) {
            self.0.block(input, rows, lines);
            self.1.block(input, rows, lines);
        }
    }
    let mut both = Both(
        ParquetSink::create(&streamed_path, &names, &Projection::ALL).unwrap(),
        DatasetSink::create(&streamed_dir, &names, &Projection::ALL).unwrap(),
    );
    let streamed = scan_streamed(&path, &data, 300_000, Some(&mut both));
    assert_same(&streamed, &whole, "the frame");
    both.0.finish().unwrap();
    let read = [streamed.inputs[0].extent.clone()];
    let mut streamed_files = both.1.finish(&read, &[]).unwrap();

    let (expected, expected_kv) = read_parquet(&reference);
    let (got, got_kv) = read_parquet(&streamed_path);
    assert_eq!(got.schema(), expected.schema());
    assert!(got.equals_missing(&expected), "same rows, same order");
    assert_eq!(got_kv, expected_kv);
    let groups = |p: &Path| {
        ParquetReader::new(std::fs::File::open(p).unwrap())
            .get_metadata()
            .unwrap()
            .row_groups
            .len()
    };
    assert!(groups(&streamed_path) > 1, "written row group by row group");

    let relative = |files: &mut Vec<PathBuf>, root: &Path| -> Vec<PathBuf> {
        files.sort();
        files
            .iter()
            .map(|f| f.strip_prefix(root).unwrap().to_path_buf())
            .collect()
    };
    assert_eq!(
        relative(&mut streamed_files, &streamed_dir),
        relative(&mut whole_files, &whole_dir),
        "the same partitions and file names"
    );
    for (a, b) in streamed_files.iter().zip(&whole_files) {
        let ((a, akv), (b, bkv)) = (read_parquet(a), read_parquet(b));
        assert!(a.equals_missing(&b), "{a:?}");
        assert_eq!(akv, bkv);
    }
    let leftovers: Vec<_> = walk(dir.path())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A dataset of six days, the input in order but for a day met again at
/// its end: each day's writer is closed once the input has moved on (at
/// most two open at a block's end, whatever the span), the day met again
/// gets a second part file, and each day's parts, read in order, hold the
/// rows of that day's file in the whole-frame export.
#[test]
fn the_dataset_closes_the_days_the_input_has_left() {
    let lab = std::fs::read_to_string(lab_log()).unwrap();
    let mut text = String::new();
    for day in [20, 21, 22, 23, 24, 25, 21] {
        for line in lab.lines() {
            text.push_str(&format!("Nov {day}{}\n", &line[6..]));
        }
    }
    let data = text.into_bytes();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mail.log");
    std::fs::write(&path, &data).unwrap();
    let names = vec![path.to_str().unwrap().to_string()];
    let whole = scan_mapped(&data, 4);
    let whole_dir = dir.path().join("whole");
    let read = [input::Extent::of(&data)];
    export::write_dataset(&whole.frame, &whole_dir, &names, &read, &[]).unwrap();

    struct Watched(DatasetSink, usize);
    impl Sink for Watched {
        fn block(&mut self, input: usize, rows: Option<&DataFrame>, lines: &[u8]) {
            self.0.block(input, rows, lines);
            self.1 = self.1.max(self.0.open_partitions());
        }
    }
    let streamed_dir = dir.path().join("streamed");
    let mut sink = Watched(
        DatasetSink::create(&streamed_dir, &names, &Projection::ALL).unwrap(),
        0,
    );
    let streamed = scan_streamed(&path, &data, 300_000, Some(&mut sink));
    assert!(sink.1 <= 2, "{} writers open at once", sink.1);
    let read = [streamed.inputs[0].extent.clone()];
    let files = sink.0.finish(&read, &[]).unwrap();
    let mut days: Vec<String> = files
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(&streamed_dir).unwrap();
            let day = rel.iter().next().unwrap().to_string_lossy().into_owned();
            let name = rel.file_name().unwrap().to_string_lossy().into_owned();
            // `events-<run>.parquet`, then `events-<run>-2.parquet`.
            let part = if name.ends_with("-2.parquet") { 2 } else { 1 };
            format!("{day}/part {part}")
        })
        .collect();
    days.sort();
    assert_eq!(
        days,
        [
            "day=2026-11-20/part 1",
            "day=2026-11-21/part 1",
            "day=2026-11-21/part 2",
            "day=2026-11-22/part 1",
            "day=2026-11-23/part 1",
            "day=2026-11-24/part 1",
            "day=2026-11-25/part 1",
        ]
    );
    for day in 20..=25 {
        let folder = |root: &Path| root.join(format!("day=2026-11-{day}")).join("host=relay");
        let mut parts: Vec<PathBuf> = walk(&folder(&streamed_dir));
        // `events-<run>.parquet` before `events-<run>-2.parquet`.
        parts.sort_by_key(|p| p.to_string_lossy().len());
        let mut got = read_parquet(&parts[0]).0;
        for part in &parts[1..] {
            got.vstack_mut_owned(read_parquet(part).0).unwrap();
        }
        let expected = read_parquet(&walk(&folder(&whole_dir))[0]).0;
        assert!(got.height() > 1000);
        assert!(got.equals_missing(&expected), "day {day}");
    }
    let leftovers: Vec<_> = walk(dir.path())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Sets a file's modification time.
fn set_mtime(path: &Path, ago: Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(support::now_system_time() - ago).unwrap();
}

fn json_run(args: &[&str]) -> std::process::Output {
    let mut all = vec!["--year", "2026", "--format", "json", "--top", "0"];
    all.extend_from_slice(args);
    support::run(&all)
}

/// The same JSON for a file (mapped, and read as a live log), each
/// compression format (named or not, from a file or standard input), and
/// a file that grows no more.
#[test]
fn every_format_and_path_gives_the_mapped_output() {
    let dir = tempfile::tempdir().unwrap();
    let data = log_with_unrecognized();
    let plain = dir.path().join("maillog");
    std::fs::write(&plain, &data).unwrap();
    let reference = json_run(&["--mmap", "always", plain.to_str().unwrap()]);
    assert!(reference.status.success(), "{}", stderr(&reference));
    let live = json_run(&[plain.to_str().unwrap()]);
    assert_eq!(live.stdout, reference.stdout, "a live log, read in blocks");
    for (format, ext) in COMPRESSED {
        let bytes = compress(format, &data);
        for name in [format!("maillog.1.{ext}"), "maillog.2".to_string()] {
            let path = dir.path().join(&name);
            std::fs::write(&path, &bytes).unwrap();
            let out = json_run(&[path.to_str().unwrap()]);
            assert!(out.status.success(), "{name}: {}", stderr(&out));
            // The samples name the file read; their lines are the same.
            assert_eq!(
                support::without_sample_files(&out.stdout),
                support::without_sample_files(&reference.stdout),
                "{name}"
            );
            std::fs::remove_file(&path).unwrap();
        }
        let out = support::run_with_stdin(
            binary().args(["--year", "2026", "--format", "json", "--top", "0", "-"]),
            &bytes,
        );
        assert!(out.status.success(), "{ext} on stdin: {}", stderr(&out));
        let (stdin, file) = support::pipe_comparable("-", &out.stdout, &reference.stdout);
        assert_eq!(stdin, file, "{ext} on standard input");
    }
}

/// `--unparsed` writes the same lines from a mapped file, a live log and a
/// compressed file.
#[test]
fn unparsed_lines_are_kept_when_streaming() {
    let dir = tempfile::tempdir().unwrap();
    let data = log_with_unrecognized();
    let plain = dir.path().join("maillog");
    std::fs::write(&plain, &data).unwrap();
    let xz = dir.path().join("maillog.1.xz");
    std::fs::write(&xz, compress(Compression::Xz, &data)).unwrap();
    let mut written = Vec::new();
    for (i, args) in [
        vec!["--mmap", "always", plain.to_str().unwrap()],
        vec![plain.to_str().unwrap()],
        vec![xz.to_str().unwrap()],
    ]
    .into_iter()
    .enumerate()
    {
        let target = dir.path().join(format!("unparsed-{i}.txt"));
        let mut all = vec![
            "--report",
            "overview",
            "--unparsed",
            target.to_str().unwrap(),
        ];
        all.extend(args);
        let out = json_run(&all);
        assert!(out.status.success(), "{}", stderr(&out));
        written.push(std::fs::read(&target).unwrap());
    }
    assert_eq!(written[0].iter().filter(|&&b| b == b'\n').count(), 50);
    assert_eq!(written[1], written[0], "live log");
    assert_eq!(written[2], written[0], "xz");
}

/// Damaged and oversized zstd, xz and bzip2 input: the readable prefix is
/// reported, with one line on stderr, as for gzip.
#[test]
fn damaged_and_oversized_streams_of_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let data = std::fs::read(lab_log()).unwrap().repeat(4);
    for (format, ext) in COMPRESSED {
        let whole = compress(format, &data);
        let path = dir.path().join(format!("mail.log.{ext}"));
        std::fs::write(&path, &whole[..whole.len() / 2]).unwrap();
        let out = support::run_overview(&["--year", "2026", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{ext}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!(
                "maillog-report: {}: {} data is damaged or truncated",
                path.display(),
                format.as_str()
            )),
            "{err}"
        );
        let read = support::overview(&out.stdout, "lines")["read"];
        assert!(
            read > 1000 && read < 4 * 4870,
            "{ext}: a prefix: {read} lines"
        );

        std::fs::write(&path, &whole).unwrap();
        let out = support::run_overview(&[
            "--year",
            "2026",
            "--max-decompressed",
            "1000000",
            path.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{ext}");
        assert!(
            stderr(&out).contains("decompresses to more than 1000000 bytes"),
            "{}",
            stderr(&out)
        );
        let prefix = &data[..1_000_000];
        let lines = prefix.iter().filter(|&&b| b == b'\n').count() as u64;
        assert_eq!(
            support::overview(&out.stdout, "lines")["read"],
            lines,
            "{ext}"
        );
    }
}

/// A gzip stream on standard input cut short (the writer stopped): the
/// prefix is reported, one line on stderr.
#[test]
fn a_compressed_pipe_closed_early() {
    let data = std::fs::read(lab_log()).unwrap();
    let gz = compress(Compression::Gzip, &data);
    let out = support::run_with_stdin(
        binary().args([
            "--year", "2026", "--format", "json", "--report", "overview", "-",
        ]),
        &gz[..gz.len() / 3],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("maillog-report: -: gzip data is damaged or truncated"),
        "{err}"
    );
    let read = support::overview(&out.stdout, "lines")["read"];
    assert!(read > 100 && read < 4870, "{read}");
}

/// The lab log cut in three, some pieces compressed, named in every order:
/// the same output as the whole log (a message split across two pieces is
/// one message).
#[test]
fn a_rotated_set_in_any_order_reads_as_the_whole_log() {
    let dir = tempfile::tempdir().unwrap();
    let data = std::fs::read(lab_log()).unwrap();
    let cut = |line: usize| {
        data.iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .nth(line - 1)
            .unwrap()
            .0
            + 1
    };
    let (a, b) = (cut(1500), cut(3300));
    let pieces = [
        ("maillog.2.gz", compress(Compression::Gzip, &data[..a])),
        ("maillog.1", data[a..b].to_vec()),
        ("maillog", compress(Compression::Zstd, &data[b..])),
    ];
    let mut names = Vec::new();
    for (i, (name, bytes)) in pieces.iter().enumerate() {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        // Rotated an hour apart; the oldest mapped, the newest live.
        if i < 2 {
            set_mtime(&path, Duration::from_secs(3600 * (3 - i as u64)));
        }
        names.push(path.to_str().unwrap().to_string());
    }
    let whole = dir.path().join("whole.log");
    std::fs::write(&whole, &data).unwrap();
    for report in [
        "headline,overview,time_range,findings,rejects,warnings,failed,deliveries",
        "summary",
    ] {
        let expected = json_run(&["--report", report, whole.to_str().unwrap()]);
        assert!(expected.status.success());
        for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]] {
            let args: Vec<&str> = order.iter().map(|&i| names[i].as_str()).collect();
            let mut all = vec!["--report", report];
            all.extend(args);
            let out = json_run(&all);
            assert!(out.status.success(), "{}", stderr(&out));
            assert_eq!(stderr(&out), "");
            // A sample names its piece and its line and offset there: as
            // the whole log's, they are the piece's first line and byte
            // plus those.
            let as_whole = support::with_samples(&out.stdout, |s| {
                let file = s["file"].as_str().unwrap().to_string();
                let piece = names.iter().position(|n| *n == file).unwrap();
                let (lines, bytes) = [(0, 0), (1500, a), (3300, b)][piece];
                s["file"] = whole.to_str().unwrap().into();
                s["line"] = (s["line"].as_u64().unwrap() + lines).into();
                s["offset"] = (s["offset"].as_u64().unwrap() + bytes as u64).into();
            });
            assert_eq!(
                as_whole,
                support::with_samples(&expected.stdout, |_| {}),
                "{report}, order {order:?}"
            );
        }
    }
}

/// A message received on December 31st in `mail.log.1` and delivered on
/// January 1st in `mail.log`: with `--year` (the newest line's year) or
/// from the files' modification times, in either order, one message over
/// two years.
#[test]
fn the_year_rule_spans_a_rotated_set() {
    let dir = tempfile::tempdir().unwrap();
    // One message of the lab log: its queue id's lines.
    let lab = std::fs::read_to_string(lab_log()).unwrap();
    let qid = lab
        .lines()
        .find_map(|l| {
            let rest = l.split("postfix/smtpd[").nth(1)?;
            let (_, after) = rest.split_once("]: ")?;
            let (id, tail) = after.split_once(": ")?;
            tail.starts_with("client=").then(|| id.to_string())
        })
        .unwrap();
    let lines: Vec<&str> = lab.lines().filter(|l| l.contains(&qid)).collect();
    assert!(lines.len() >= 4, "{lines:?}");
    let half = lines.len() / 2;
    let restamp = |line: &str, stamp: &str| format!("{stamp}{}\n", &line[15..]);
    let old: String = lines[..half]
        .iter()
        .map(|l| restamp(l, "Dec 31 23:59:58"))
        .collect();
    let new: String = lines[half..]
        .iter()
        .map(|l| restamp(l, "Jan  1 00:00:01"))
        .collect();
    let log1 = dir.path().join("mail.log.1");
    let log0 = dir.path().join("mail.log");
    std::fs::write(&log1, old).unwrap();
    std::fs::write(&log0, new).unwrap();
    let run_at = |now: &str, args: &[&str]| {
        let out = support::binary()
            .env(maillog_report::clock::NOW_VARIABLE, now)
            .args(["--format", "json", "--report", "time_range,totals"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v
    };
    let run = |args: &[&str]| run_at(support::NOW_TEXT, args);
    let (a, b) = (log1.to_str().unwrap(), log0.to_str().unwrap());
    let with_year = run(&["--year", "2026", b, a]);
    assert_eq!(run(&["--year", "2026", a, b]), with_year, "either order");
    let text = with_year.to_string();
    assert!(text.contains("2025-12-31T23:59:58"), "{text}");
    assert!(text.contains("2026-01-01T00:00:01"), "{text}");
    // Each file dated by its modification time (old files: mapped).
    let when = |y: i32, m: u32, d: u32| {
        let t = chrono::NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc();
        SystemTime::UNIX_EPOCH + Duration::from_secs(t.timestamp() as u64)
    };
    for (path, t) in [(&log1, when(2025, 12, 31)), (&log0, when(2026, 1, 1))] {
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_modified(t).unwrap();
    }
    assert_eq!(run(&[b, a]), with_year, "from the modification times");
    // Both files written "now" (copied or unpacked without their times),
    // in December and in January: the last line of `mail.log.1` cannot be
    // after its file was written, so it is the year before's, and the
    // names order the pair.
    for (now, year) in [
        ("2026-12-06T18:00:00Z", 2026),
        ("2027-01-05T09:00:00Z", 2027),
        ("2027-12-20T00:00:00Z", 2027),
    ] {
        let t = chrono::DateTime::parse_from_rfc3339(now).unwrap();
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(t.timestamp() as u64);
        for path in [&log1, &log0] {
            let f = std::fs::File::options().write(true).open(path).unwrap();
            f.set_modified(t).unwrap();
        }
        for order in [[a, b], [b, a]] {
            let v = run_at(now, &order);
            let text = v.to_string();
            assert!(
                text.contains(&format!("{}-12-31T23:59:58", year - 1)),
                "{now}: {text}"
            );
            assert!(
                text.contains(&format!("{year}-01-01T00:00:01")),
                "{now}: {text}"
            );
            assert_eq!(v["totals"], with_year["totals"], "{now}: one message");
        }
    }
    let totals = &with_year["totals"];
    let get = |name: &str| {
        totals
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r.to_string().contains(&format!("\"{name}\"")))
            .unwrap_or_else(|| panic!("{name} in {totals}"))
            .clone()
    };
    let received = get("received").to_string();
    assert!(received.contains(":1"), "one message received: {received}");
}

/// The same file named twice, or a file and its compressed copy: read
/// once, with a note; the output is that of the file alone.
#[test]
fn the_same_content_named_twice_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = std::fs::read(lab_log()).unwrap();
    let plain = dir.path().join("mail.log.1");
    std::fs::write(&plain, &data).unwrap();
    let gz = dir.path().join("mail.log.1.gz");
    std::fs::write(&gz, compress(Compression::Gzip, &data)).unwrap();
    let other = dir.path().join("other.log");
    let mut changed = data.clone();
    *changed.last_mut().unwrap() = b' ';
    changed.push(b'\n');
    std::fs::write(&other, &changed).unwrap();
    let (p, g, o) = (
        plain.to_str().unwrap(),
        gz.to_str().unwrap(),
        other.to_str().unwrap(),
    );
    let alone = json_run(&[p]);
    for (args, dup, of) in [([p, p], p, p), ([p, g], g, p), ([g, p], p, g)] {
        let out = json_run(&args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(
            stderr(&out),
            format!("maillog-report: {dup}: note: same content as {of}; read once\n")
        );
        // JSON lists the notice as stderr does; the rest is the same
        // (the samples name the input read, the first named).
        let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let meta = v.as_object_mut().unwrap().remove("maillog_report").unwrap();
        assert_eq!(
            meta["input_problems"],
            serde_json::json!([{ "file": dup, "problem": format!("same content as {of}; read once"), "notice": true }])
        );
        let mut a: serde_json::Value = serde_json::from_slice(&alone.stdout).unwrap();
        a.as_object_mut().unwrap().remove("maillog_report");
        assert_eq!(
            support::without_sample_files(&serde_json::to_vec(&v).unwrap()),
            support::without_sample_files(&serde_json::to_vec(&a).unwrap()),
            "{args:?}"
        );
    }
    // The same start is not the same content.
    let out = json_run(&[p, o]);
    assert_eq!(stderr(&out), "");
    assert_ne!(out.stdout, alone.stdout);

    // A named pipe named twice is opened once (a second reader would take
    // bytes from the first).
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        std::fs::OpenOptions::new()
            .write(true)
            .open(writer_path)
            .unwrap()
            .write_all(&data)
            .unwrap();
    });
    let f = fifo.to_str().unwrap();
    let out = json_run(&[f, f]);
    writer.join().unwrap();
    assert_eq!(
        stderr(&out),
        format!("maillog-report: {f}: note: same content as {f}; read once\n")
    );
    let (pipe, file) = support::pipe_comparable(f, &out.stdout, &alone.stdout);
    assert_eq!(pipe, file, "the pipe read whole, once");
}

/// With an export, the frame is taken from the exported rows (its columns,
/// the rows it keeps) instead of being built twice: the same frame.
#[test]
fn the_frame_taken_from_the_exported_rows_equals_the_frame_built() {
    use maillog_report::frame::col;
    use maillog_report::parse::EventKind;
    let data = log_with_unrecognized();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("maillog.gz");
    std::fs::write(&path, compress(Compression::Gzip, &data)).unwrap();
    let narrow = Projection::NONE
        .with_kinds(&[EventKind::Reject])
        .with_recipients_of(&[EventKind::Delivery])
        .with_columns(&[col::TO, col::STATUS]);
    let mut built = options(1);
    built.projection = narrow;
    let input = maillog_report::input::Input {
        name: "whole".into(),
        data: Source::Owned(data.clone()),
        mtime: None,
    };
    let expected = scan(&[input], &built);
    assert!(expected.frame.height() > 100);
    let mut options = built;
    options.export = Some(Projection::ALL);
    let mut sink = Collect::default();
    let streamed = scan_streamed_with(&path, &data, 5000, options, Some(&mut sink));
    assert_eq!(streamed.frame.schema(), expected.frame.schema());
    assert!(streamed.frame.equals_missing(&expected.frame));
    assert_eq!(streamed.counts, expected.counts);
    assert!(stacked(&sink.rows).height() > expected.frame.height());
}

/// A compressed file or a pipe is read before its last month is known: the
/// year rule guesses it (the month of its modification time, or of now)
/// and checks the guess at the end. A file whose guess was wrong is read
/// again (also with a streamed export); a pipe cannot be, and says so.
#[test]
fn a_wrong_guess_of_the_last_month_is_read_again_or_noted() {
    use chrono::Datelike;
    let month_name = |m: u32| {
        [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ][(m - 1) as usize]
    };
    // The files are written at the tests' now, which the pipe takes too.
    let now = chrono::DateTime::from_timestamp_micros(support::NOW)
        .unwrap()
        .month();
    let before = if now == 1 { 12 } else { now - 1 };
    // This month's lines first, then last month's: the rule puts this
    // month's lines a year back, which a guess of "this month" does not.
    let lab = std::fs::read_to_string(lab_log()).unwrap();
    let mut log = String::new();
    for (i, line) in lab.lines().enumerate() {
        let month = if i < 2000 { now } else { before };
        log.push_str(&format!("{} 10{}\n", month_name(month), &line[6..]));
    }
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("mail.log");
    std::fs::write(&plain, &log).unwrap();
    let gz = dir.path().join("mail.log.1.gz");
    std::fs::write(&gz, compress(Compression::Gzip, log.as_bytes())).unwrap();
    for path in [&plain, &gz] {
        set_mtime(path, Duration::ZERO);
    }
    let run = |args: &[&str], stdin: Option<&[u8]>| {
        let mut cmd = binary();
        cmd.args([
            "--year",
            "2026",
            "--format",
            "json",
            "--report",
            "time_range",
        ])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = cmd.spawn().unwrap();
        if let Some(bytes) = stdin {
            child.stdin.take().unwrap().write_all(bytes).unwrap();
        }
        child.wait_with_output().unwrap()
    };
    let mapped = run(&["--mmap", "always", plain.to_str().unwrap()], None);
    assert!(mapped.status.success());
    assert_eq!(stderr(&mapped), "");
    let first_year = format!("\"{}-", 2026 - i32::from(now > before));
    assert!(
        String::from_utf8_lossy(&mapped.stdout).contains(&first_year),
        "{}",
        String::from_utf8_lossy(&mapped.stdout)
    );
    // The compressed file: read again with the right rule.
    let streamed = run(&[gz.to_str().unwrap()], None);
    assert_eq!(stderr(&streamed), "");
    assert_eq!(
        streamed.stdout, mapped.stdout,
        "a compressed file, read again"
    );
    // With a streamed export, the export is written again too.
    let parquet = dir.path().join("events.parquet");
    let exported = run(
        &["--parquet", parquet.to_str().unwrap(), gz.to_str().unwrap()],
        None,
    );
    assert_eq!(exported.stdout, mapped.stdout, "read again with --parquet");
    // The scan of the whole log dates lines by the rule (its last month
    // is read first): the export read again equals its export.
    let whole = scan_mapped(log.as_bytes(), 2);
    let (frame, _) = read_parquet(&parquet);
    let expected = export::export_frame(&whole.frame).unwrap();
    assert!(frame.height() > 1000);
    assert!(
        frame.equals_missing(&expected),
        "the export was written again"
    );
    // A pipe: the guess stays, with a note.
    let piped = run(&["-"], Some(log.as_bytes()));
    assert!(piped.status.success());
    assert!(
        stderr(&piped).starts_with("maillog-report: -: note: read once through a pipe"),
        "{}",
        stderr(&piped)
    );
    assert_ne!(piped.stdout, mapped.stdout);
}

/// journalctl's JSON (`-o json`) of the lab log, one record per line, and
/// at its end a record far longer than any line (`--max-line 2000`).
fn lab_as_json() -> Vec<u8> {
    use maillog_report::parse::syslog::parse_envelope;
    let log = std::fs::read_to_string(lab_log()).unwrap();
    let mut out = Vec::new();
    for line in log.lines() {
        let env = parse_envelope(line, &TimeContext::utc_in(2026)).expect("a syslog line");
        let record = serde_json::json!({
            "__CURSOR": "s=0",
            "__REALTIME_TIMESTAMP": env.ts.to_string(),
            "_HOSTNAME": env.host,
            "SYSLOG_IDENTIFIER": env.program,
            "_PID": env.pid.map(|p| p.to_string()),
            "MESSAGE": env.message,
        });
        serde_json::to_writer(&mut out, &record).unwrap();
        out.push(b'\n');
    }
    let long = serde_json::json!({
        "__REALTIME_TIMESTAMP": "1795449600000000",
        "_HOSTNAME": "relay",
        "SYSLOG_IDENTIFIER": "postfix/smtpd",
        "_PID": "1",
        "MESSAGE": "x".repeat(200_000),
    });
    serde_json::to_writer(&mut out, &long).unwrap();
    out.push(b'\n');
    out
}

/// JSON records are turned into lines block by block: a JSON log mapped,
/// read as a live log, compressed, or on standard input gives one report,
/// and its findings' sample lines are the records' (line numbers those of
/// the lab log, one record a line; the text the line made of the record).
#[test]
fn journal_json_in_blocks_gives_the_mapped_output() {
    let dir = tempfile::tempdir().unwrap();
    let data = lab_as_json();
    let plain = dir.path().join("journal.json");
    std::fs::write(&plain, &data).unwrap();
    set_mtime(&plain, Duration::from_secs(3600));
    let p = plain.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = json_run(&[&["--max-line", "2000"], args].concat());
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        out
    };
    let mapped = run(&[p]);
    let lines = support::overview(&mapped.stdout, "lines");
    assert_eq!(lines["too long, skipped"], 1, "{lines:?}");

    // The samples: the lab log's line numbers, the records as lines.
    let lab = run(&[&lab_log()]);
    let samples = |json: &[u8]| {
        let found = std::cell::RefCell::new(Vec::new());
        support::with_samples(json, |s| {
            found
                .borrow_mut()
                .push((s["line"].as_u64().unwrap(), s["text"].clone()))
        });
        found.into_inner()
    };
    let (ours, lab) = (samples(&mapped.stdout), samples(&lab.stdout));
    assert!(!ours.is_empty());
    assert_eq!(ours.len(), lab.len());
    for ((line, text), (lab_line, lab_text)) in ours.iter().zip(&lab) {
        assert_eq!(line, lab_line);
        let message = lab_text.as_str().unwrap().split_once("]: ").unwrap().1;
        let text = text.as_str().unwrap();
        assert!(
            text.starts_with("2026-11-23T") && text.ends_with(message),
            "{text}"
        );
    }

    std::fs::write(&plain, &data).unwrap();
    assert_eq!(
        run(&[p]).stdout,
        mapped.stdout,
        "a live log, read in blocks"
    );
    for (format, ext) in COMPRESSED {
        let path = dir.path().join(format!("journal.json.{ext}"));
        std::fs::write(&path, compress(format, &data)).unwrap();
        let out = run(&[path.to_str().unwrap()]);
        assert_eq!(
            support::without_sample_files(&out.stdout),
            support::without_sample_files(&mapped.stdout),
            "{ext}"
        );
    }
    let out = support::run_with_stdin(
        binary()
            .args(["--year", "2026", "--format", "json", "--top", "0"])
            .args(["--max-line", "2000", "-"]),
        &data,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let (stdin, file) = support::pipe_comparable("-", &out.stdout, &mapped.stdout);
    assert_eq!(stdin, file, "standard input");
}
