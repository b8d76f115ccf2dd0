//! The parallel phase: every input is cut into blocks on line boundaries
//! (slices of a mapped file, or blocks read from a stream: [`BlockReader`]),
//! rayon parses the blocks independently into per-block frames (of the rows
//! and columns of the run's [`Projection`]) and line counts, and the
//! results are stacked in input order. Blocks never depend on each other
//! (the year rule is decided per input beforehand), so the frame is the
//! same for any block size or number of threads.
//!
//! The pipeline: producer threads (one per input being read, at most one
//! per worker thread, so several compressed inputs decompress in parallel)
//! read blocks and hand them to the rayon pool; a block may only be read
//! when one of a fixed number of tokens is free, so memory holds at most
//! that many blocks, whatever the input's size. Each worker unmaps its
//! mapped chunk once parsed. With a [`Sink`] (the streamed Parquet
//! export, `--unparsed`), a collector hands each block's exported rows and
//! unrecognized lines to the sink's thread in input order, and a block's
//! token is freed only then.

pub mod set;
pub mod year;

pub use year::{last_bsd_stamp, rule_for, LAST_LINES};

use std::ops::Range;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::time::SystemTime;

use chrono::Utc;
use polars::prelude::*;

use crate::frame::rows::Stretch;
use crate::frame::{self, FrameBuilder, Location, Projection};
use crate::input::{chunks, BlockReader, Extent, Input, Issue, Source};
use crate::messages::{self, Messages};
use crate::parse::syslog::{bsd_stamp, BsdStamp};
use crate::parse::{
    self, BsdZone, Event, EventKind, Micros, MinuteCache, Parsed, Skip, TimeContext, YearRule,
};
use crate::sessions::SessionStats;
use crate::window::Window;

/// Lines longer than this are counted as too long and not parsed. Postfix
/// itself keeps log records far below it (`line_length_limit` 2048, syslog
/// and `maillog_file` records of a few kB).
pub const DEFAULT_MAX_LINE: usize = 64 * 1024;

/// Target chunk size of a mapped input when nothing is streamed out: few
/// per-chunk frames, and the pages of a chunk are unmapped once parsed.
pub const CHUNK_BYTES: usize = 32 << 20;

/// Size of a block read from a stream (and of a mapped chunk when the
/// export is streamed): a few MiB, so that the blocks in flight (see
/// [`blocks_in_flight`]) stay small next to the input.
pub const BLOCK_BYTES: usize = 4 << 20;

/// Lines are checked for UTF-8 and parsed this many bytes at a time.
const STRETCH_BYTES: usize = 256 << 10;

/// Parsed bytes of a mapped input stay mapped this long behind the parse
/// ([`parse_chunk`]).
const RELEASE_LAG: usize = 1 << 20;

/// Blocks read but not yet done with (parsed, and handed to the sink when
/// there is one), for `threads` workers: enough to keep every worker busy
/// while the producers read the next ones.
pub fn blocks_in_flight(threads: usize) -> usize {
    2 * threads + 2
}

#[derive(Clone, Copy, Debug)]
pub struct ScanOptions {
    /// Chunks per mapped input at least; more chunks than threads balance
    /// the load, and large inputs get one chunk per [`CHUNK_BYTES`] or so.
    pub chunks: usize,
    /// `--year`: the year of the last BSD-stamped line of each input.
    pub year: Option<i32>,
    /// Now (µs since the epoch): when an input without a modification time
    /// was written, for the year rule ([`year`]).
    pub now: Micros,
    /// The zone of BSD stamps.
    pub bsd_zone: BsdZone,
    pub max_line: usize,
    /// The rows and columns the frame keeps ([`Projection::ALL`] for all).
    pub projection: Projection,
    /// Events outside it are counted, not kept.
    pub window: Window,
    /// Bytes per block of a streamed input ([`BLOCK_BYTES`]).
    pub block_bytes: usize,
    /// The rows and columns handed to the [`Sink`], if any (the Parquet
    /// export's), built beside the frame's.
    pub export: Option<Projection>,
    /// Keep the bytes of unrecognized lines in [`Scan::unrecognized`].
    pub keep_unrecognized: bool,
    /// Note the months of classic stamps and each input's last stamp
    /// ([`Scanned::months`], [`Scanned::last_stamp`]): needed only when
    /// the last stamp of some input was guessed before reading it (a
    /// look at each line's stamp, 1–2% of a mapped scan's instructions).
    pub track_months: bool,
}

impl ScanOptions {
    /// At least `chunks` chunks, BSD stamps in `year` read as UTC, the
    /// default line limit, every event and column in the frame, and the
    /// unrecognized lines kept: the scan that tests and benches compare.
    /// Now is the end of `year` (an input without a classic last line then
    /// has December for its reference month: no line is a year earlier).
    pub fn every_event(chunks: usize, year: i32) -> ScanOptions {
        let end_of_year = chrono::NaiveDate::from_ymd_opt(year, 12, 31)
            .and_then(|d| d.and_hms_opt(23, 59, 59))
            .map_or(0, |t| t.and_utc().timestamp_micros());
        ScanOptions {
            chunks,
            year: Some(year),
            now: end_of_year,
            bsd_zone: BsdZone::Fixed(0),
            max_line: DEFAULT_MAX_LINE,
            projection: Projection::ALL,
            window: Window::ALL,
            block_bytes: BLOCK_BYTES,
            export: None,
            keep_unrecognized: true,
            track_months: true,
        }
    }
}

/// Where every input line went. The buckets add up to `lines`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineCounts {
    pub lines: u64,
    pub events: u64,
    pub known: u64,
    pub other_program: u64,
    pub no_syslog_header: u64,
    pub unrecognized: u64,
    pub too_long: u64,
    /// Events outside the time window (`-d`, `--since`, `--until`).
    pub outside_window: u64,
    /// Lines with bytes that are not UTF-8 (parsed with U+FFFD in their
    /// place); they are also counted in one of the buckets above.
    pub invalid_utf8: u64,
    pub by_kind: [u64; EventKind::ALL.len()],
    /// First and last timestamp of each kind's events, whether or not the
    /// frame keeps them: the time range report needs no frame.
    pub span_by_kind: [Option<(Micros, Micros)>; EventKind::ALL.len()],
    /// The earliest event of the input, in the window or not: whether the
    /// input holds all of a day (the day before, which the daily summary
    /// compares with).
    pub first_event: Option<Micros>,
}

// By hand: the standard library derives `Default` for arrays of up to 32
// elements only, and there are more kinds.
impl Default for LineCounts {
    fn default() -> Self {
        LineCounts {
            lines: 0,
            events: 0,
            known: 0,
            other_program: 0,
            no_syslog_header: 0,
            unrecognized: 0,
            too_long: 0,
            outside_window: 0,
            invalid_utf8: 0,
            by_kind: [0; EventKind::ALL.len()],
            span_by_kind: [None; EventKind::ALL.len()],
            first_event: None,
        }
    }
}

impl LineCounts {
    pub fn add(&mut self, other: &LineCounts) {
        self.lines += other.lines;
        self.events += other.events;
        self.known += other.known;
        self.other_program += other.other_program;
        self.no_syslog_header += other.no_syslog_header;
        self.unrecognized += other.unrecognized;
        self.too_long += other.too_long;
        self.outside_window += other.outside_window;
        self.invalid_utf8 += other.invalid_utf8;
        for (a, b) in self.by_kind.iter_mut().zip(other.by_kind) {
            *a += b;
        }
        self.first_event = match (self.first_event, other.first_event) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        for (a, b) in self.span_by_kind.iter_mut().zip(other.span_by_kind) {
            *a = match (*a, b) {
                (Some((f1, l1)), Some((f2, l2))) => Some((f1.min(f2), l1.max(l2))),
                (a, b) => a.or(b),
            };
        }
    }

    /// Postfix lines: the ones a parser gap could hide in.
    pub fn postfix_lines(&self) -> u64 {
        self.events + self.outside_window + self.known + self.unrecognized
    }

    pub fn kind(&self, kind: EventKind) -> u64 {
        self.by_kind[kind.index()]
    }

    /// First and last timestamp of the events of `kinds`.
    pub fn span(&self, kinds: &[EventKind]) -> Option<(Micros, Micros)> {
        kinds
            .iter()
            .filter_map(|k| self.span_by_kind[k.index()])
            .reduce(|(f1, l1), (f2, l2)| (f1.min(f2), l1.max(l2)))
    }
}

/// The result of scanning all inputs.
pub struct Scan {
    pub frame: DataFrame,
    pub counts: LineCounts,
    /// Per input (in scan order), the bytes of its unrecognized lines, each
    /// followed by `\n` (with [`ScanOptions::keep_unrecognized`]).
    pub unrecognized: Vec<Vec<u8>>,
    /// What was read of each input, in scan order.
    pub inputs: Vec<Scanned>,
    /// Where line numbers come from: a mark at the start of each stretch
    /// of 256 KiB and, for an input that cannot be read again, one for
    /// each row's line ([`LineIndex`]).
    pub line_index: LineIndex,
    /// smtpd, TLS and postscreen sessions, if the projection asked for
    /// them ([`Projection::with_session_stats`]).
    pub sessions: SessionStats,
    /// The frame's stretches ([`frame::rows`]): the reports that walk its
    /// rows read them one stretch at a time.
    pub stretches: Vec<Stretch>,
    /// The messages, put together as the blocks were read (when the
    /// projection asked: [`Projection::folds_messages`]).
    pub messages: Option<Messages>,
}

/// A line's input (its number in the frame's `input` column), byte offset
/// and line number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineMark {
    pub input: u16,
    pub offset: u64,
    pub line: u64,
}

/// Line numbers by input and offset: a mark at the start of each stretch
/// (a row's line number is its stretch's plus the line ends between the
/// two, at most 256 KiB to count) and, for a pipe, whose bytes are gone
/// after the scan, the lines of its rows, each stored as offset and line
/// number after its stretch's mark (8 bytes a row).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineIndex {
    /// Sorted by (input, offset).
    marks: Vec<LineMark>,
    /// Mark `k`'s rows are `rows[first_row[k]..first_row[k + 1]]`, sorted.
    first_row: Vec<u32>,
    rows: Vec<(u32, u32)>,
}

impl LineIndex {
    /// Stretch marks `stretches` of input `input`, (offset, line number),
    /// and row marks `rows` (offset, line number), both in offset order;
    /// the first stretch mark is at or before the first row.
    fn of_input(input: u16, stretches: &[(u64, u64)], rows: &[(u64, u64)]) -> LineIndex {
        let mut index = LineIndex {
            marks: Vec::with_capacity(stretches.len()),
            first_row: Vec::with_capacity(stretches.len() + 1),
            rows: Vec::with_capacity(rows.len()),
        };
        let mut rows = rows.iter().peekable();
        for (k, &(offset, line)) in stretches.iter().enumerate() {
            index.marks.push(LineMark {
                input,
                offset,
                line,
            });
            index.first_row.push(index.rows.len() as u32);
            let next = stretches.get(k + 1).map_or(u64::MAX, |&(o, _)| o);
            while let Some(&(at, row_line)) = rows.next_if(|&&(at, _)| at < next) {
                // Deltas within a stretch fit in 32 bits (a stretch is
                // 256 KiB of whole lines).
                let delta = |a: u64, b: u64| u32::try_from(a.saturating_sub(b)).unwrap_or(u32::MAX);
                index.rows.push((delta(at, offset), delta(row_line, line)));
            }
        }
        index.first_row.push(index.rows.len() as u32);
        index
    }

    /// Numbers the lines from `first` instead of 0.
    fn number_from(&mut self, first: u64) {
        for mark in &mut self.marks {
            mark.line += first;
        }
    }

    /// `other`'s marks after these (later in the input, or of a later
    /// input).
    fn append(&mut self, other: &LineIndex) {
        let base = self.rows.len() as u32;
        self.first_row.pop();
        self.marks.extend_from_slice(&other.marks);
        self.first_row
            .extend(other.first_row.iter().map(|&f| base + f));
        if self.first_row.is_empty() {
            self.first_row.push(0);
        }
        self.rows.extend_from_slice(&other.rows);
    }

    /// The last mark at or before `offset` of input `input`: a row's own
    /// mark if it has one (the line at `offset` is then its line), else
    /// its stretch's (the line at `offset` is its line plus the line ends
    /// between the two).
    pub fn mark_before(&self, input: u16, offset: u64) -> Option<LineMark> {
        let after = self
            .marks
            .partition_point(|m| (m.input, m.offset) <= (input, offset));
        let k = after.checked_sub(1)?;
        let mark = self.marks[k];
        if mark.input != input {
            return None;
        }
        let (first, end) = (self.first_row[k] as usize, self.first_row[k + 1] as usize);
        let rows = &self.rows[first..end];
        if let Ok(delta) = u32::try_from(offset - mark.offset) {
            if let Ok(i) = rows.binary_search_by_key(&delta, |&(d, _)| d) {
                return Some(LineMark {
                    offset,
                    line: mark.line + u64::from(rows[i].1),
                    ..mark
                });
            }
        }
        Some(mark)
    }

    /// The line number of the line at `offset` in `data` (input `input`):
    /// a mark's line number plus the line ends between the mark and
    /// `offset`. A mark at `offset` itself needs no bytes (`data` may be
    /// empty: a pipe's rows are marked).
    pub fn line_of(&self, input: u16, offset: u64, data: &[u8]) -> Option<u64> {
        let mark = self.mark_before(input, offset)?;
        if mark.offset == offset {
            return Some(mark.line);
        }
        let from = usize::try_from(mark.offset).ok()?;
        let between = data.get(from..usize::try_from(offset).ok()?)?;
        Some(mark.line + memchr::memchr_iter(b'\n', between).count() as u64)
    }
}

/// What the scan read of one input.
#[derive(Clone, Debug)]
pub struct Scanned {
    pub name: String,
    /// Its number in the frame's `input` column ([`ScanInput::id`]).
    pub id: u16,
    /// The content's length, first and last bytes (the run fingerprint's).
    pub extent: Extent,
    /// Why the content ends early, if it does.
    pub issue: Option<Issue>,
    /// Bit `m - 1`: a line with a classic stamp of month `m` was read.
    pub months: u16,
    /// The stamp of the last classic-stamped line among the last 512 lines:
    /// the reference of the year rule ([`year_rule`]).
    pub last_stamp: Option<BsdStamp>,
    /// Its rows of the frame, and its lines' accounting.
    pub frame: DataFrame,
    pub counts: LineCounts,
    /// Its line marks ([`Scan::line_index`]).
    pub lines: LineIndex,
    /// Its session statistics, blocks joined in order (pairs across
    /// inputs are made by [`Scan::of_inputs`]).
    pub sessions: SessionStats,
}

impl Scanned {
    /// What was read of an input, before its blocks' results are joined
    /// into it.
    fn before_blocks(name: String, id: u16, extent: Extent, issue: Option<Issue>) -> Scanned {
        Scanned {
            name,
            id,
            extent,
            issue,
            months: 0,
            last_stamp: None,
            frame: DataFrame::empty(),
            counts: LineCounts::default(),
            lines: LineIndex::default(),
            sessions: SessionStats::default(),
        }
    }
}

/// The rows and unrecognized lines of each block, handed over in input
/// order (the streamed exports).
pub trait Sink: Send {
    /// Block after block of input `input` (its index in scan order): the
    /// rows of [`ScanOptions::export`], and the unrecognized lines (each
    /// followed by `\n`).
    fn block(&mut self, input: usize, rows: Option<&DataFrame>, unrecognized: &[u8]);
}

/// One input as the scan reads it.
pub struct ScanInput<'a> {
    pub name: String,
    pub feed: Feed<'a>,
    /// Its year rule and zone of BSD stamps.
    pub time: TimeContext,
    /// Its number in the frame's `input` column and the line marks: its
    /// position among all inputs of the run (an input read a second time,
    /// alone, keeps its number).
    pub id: u16,
    /// journalctl's JSON records, turned into lines block by block
    /// ([`crate::input::journal`]); offsets and line numbers are those of
    /// the records.
    pub json: bool,
    /// Mark the line number of every row's line: for an input that cannot
    /// be read again, whose sample lines then still have a line number.
    pub mark_rows: bool,
}

/// Where an input's bytes come from.
pub enum Feed<'a> {
    /// All of it in memory or mapped: cut into chunks.
    Bytes(&'a Source),
    /// Read block by block; `consumed` counts the file bytes read (for the
    /// progress bar).
    Blocks {
        reader: Box<BlockReader<'static>>,
        consumed: Option<Arc<AtomicU64>>,
    },
}

/// What one block gave.
struct BlockOut {
    input: usize,
    seq: usize,
    frame: DataFrame,
    /// With [`ParseOptions::derive`]: which exported rows the frame keeps
    /// (the frame is made from them by the collector).
    keep: Option<Vec<bool>>,
    export: Option<DataFrame>,
    /// The rows of the messages ([`Projection::of_messages`]), and the
    /// block's frame row of each (or [`messages::NOT_IN_FRAME`]).
    messages: Option<(DataFrame, Vec<u32>)>,
    counts: LineCounts,
    unrecognized: Vec<u8>,
    months: u16,
    /// The last classic-stamped line: how many lines follow it in the
    /// block, and its stamp.
    last_bsd: Option<(u64, BsdStamp)>,
    /// Line marks of its stretches and, with [`ScanInput::mark_rows`], of
    /// its rows' lines, numbered from 0 at the block's start.
    lines: LineIndex,
    sessions: SessionStats,
}

enum Message {
    Block(Box<BlockOut>),
    End {
        input: usize,
        blocks: usize,
        scanned: Box<Scanned>,
    },
    Panic(Box<dyn std::any::Any + Send>),
}

pub fn scan(inputs: &[Input], options: &ScanOptions) -> Scan {
    scan_with_progress(inputs, options, &|_| {})
}

/// [`scan`], calling `progress` with the byte count of every chunk parsed
/// (from the worker threads).
pub fn scan_with_progress(
    inputs: &[Input],
    options: &ScanOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Scan {
    let inputs = inputs
        .iter()
        .enumerate()
        .map(|(id, input)| ScanInput {
            name: input.name.clone(),
            feed: Feed::Bytes(&input.data),
            time: TimeContext {
                year: year_rule(&input.data, input.mtime, options.now, options.year),
                bsd_zone: options.bsd_zone,
            },
            id: u16::try_from(id).unwrap_or(u16::MAX),
            json: false,
            mark_rows: false,
        })
        .collect();
    scan_inputs(inputs, options, None, None, progress)
}

/// Tokens for the blocks in flight. With a sink, blocks are done with in
/// input order; an input after the first unfinished one may then take a
/// token only while more than `reserve` are free, so that the first
/// unfinished input always finds one and the run cannot stall.
struct Tokens {
    state: Mutex<TokenState>,
    changed: Condvar,
}

struct TokenState {
    free: usize,
    /// The first input not yet done with.
    head: usize,
    reserve: usize,
    aborted: bool,
}

impl Tokens {
    fn new(count: usize, reserve: usize) -> Tokens {
        Tokens {
            state: Mutex::new(TokenState {
                free: count,
                head: 0,
                reserve,
                aborted: false,
            }),
            changed: Condvar::new(),
        }
    }

    /// Waits for a token for a block of input `input`; false if the scan
    /// is aborted.
    fn acquire(&self, input: usize) -> bool {
        let mut state = self.state.lock().expect("no panic while holding it");
        loop {
            if state.aborted {
                return false;
            }
            if state.free > 0 && (input <= state.head || state.free > state.reserve) {
                state.free -= 1;
                return true;
            }
            state = self.changed.wait(state).expect("no panic while holding it");
        }
    }

    fn update(&self, change: impl FnOnce(&mut TokenState)) {
        change(&mut self.state.lock().expect("no panic while holding it"));
        self.changed.notify_all();
    }

    fn release(&self) {
        self.update(|s| s.free += 1);
    }
}

/// Ends the producers if the collector unwinds (a bug in a worker).
struct AbortOnDrop<'t>(&'t Tokens);

impl Drop for AbortOnDrop<'_> {
    fn drop(&mut self) {
        self.0.update(|s| s.aborted = true);
    }
}

/// Scans `inputs` in this order on `pool` (else the current rayon pool),
/// handing the exported rows and unrecognized lines to `sink` in input
/// order, and calling `progress` with the bytes of file read or parsed.
pub fn scan_inputs(
    inputs: Vec<ScanInput<'_>>,
    options: &ScanOptions,
    pool: Option<&rayon::ThreadPool>,
    sink: Option<&mut dyn Sink>,
    progress: &(dyn Fn(u64) + Sync),
) -> Scan {
    let n = inputs.len();
    let threads = pool.map_or_else(rayon::current_num_threads, |p| p.current_num_threads());
    // Blocks are done with in input order when a sink takes them or the
    // messages are put together from them.
    let has_sink = sink.is_some();
    let mut messages = options
        .projection
        .folds_messages()
        .then(messages::Builder::new);
    let ordered = has_sink || messages.is_some();
    let tokens = Tokens::new(
        blocks_in_flight(threads),
        if ordered { threads + 1 } else { 0 },
    );
    // A sink takes the unrecognized lines (`--unparsed`); the messages'
    // order needs none.
    let collect_unrecognized = options.keep_unrecognized || has_sink;
    let buffers: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
    let next_input = AtomicUsize::new(0);
    let queue: Vec<Mutex<Option<ScanInput<'_>>>> =
        inputs.into_iter().map(|i| Mutex::new(Some(i))).collect();
    let (sender, receiver) = mpsc::channel::<Message>();
    let derive = ordered
        && options
            .export
            .is_some_and(|export| within(&options.projection, &export));
    let parse_options = ParseOptions {
        max_line: options.max_line,
        projection: options.projection,
        export: options.export,
        derive,
        messages: options
            .projection
            .folds_messages()
            .then(|| options.projection.of_messages()),
        window: options.window,
        unrecognized: collect_unrecognized,
        track_months: options.track_months,
    };

    let mut slots: Vec<Vec<Option<Box<BlockOut>>>> = (0..n).map(|_| Vec::new()).collect();
    let mut ends: Vec<Option<(usize, Scanned)>> = (0..n).map(|_| None).collect();

    in_scope(pool, |scope| {
        std::thread::scope(|threads_scope| {
            let (to_sink, sink_end) = mpsc::sync_channel::<(usize, Box<BlockOut>)>(1);
            if let Some(sink) = sink {
                threads_scope.spawn(move || {
                    for (input, block) in sink_end {
                        sink.block(input, block.export.as_ref(), &block.unrecognized);
                    }
                });
            } else {
                drop(sink_end);
            }
            for _ in 0..threads.min(n).max(1) {
                let sender = sender.clone();
                let (tokens, buffers, next_input, queue) = (&tokens, &buffers, &next_input, &queue);
                let parse_options = &parse_options;
                threads_scope.spawn(move || {
                    produce(
                        scope,
                        Producer {
                            tokens,
                            buffers,
                            next_input,
                            queue,
                            sender,
                            options: parse_options,
                            chunks: options.chunks,
                            piece: if ordered {
                                options.block_bytes
                            } else {
                                CHUNK_BYTES.max(options.block_bytes)
                            },
                            release_when_parsed: !ordered,
                            progress,
                        },
                    )
                });
            }
            drop(sender);
            let _abort = AbortOnDrop(&tokens);
            collect(
                &receiver,
                &tokens,
                &mut slots,
                &mut ends,
                InOrder {
                    on: ordered,
                    sink: has_sink.then_some(&to_sink),
                    messages: messages.as_mut(),
                    frame_rows: 0,
                },
                options.keep_unrecognized,
                &options.projection,
            );
        });
    });

    let mut unrecognized = Vec::with_capacity(n);
    let mut scanned = Vec::with_capacity(n);
    for (blocks, end) in slots.into_iter().zip(ends) {
        let (_, mut input) = end.expect("every input ends");
        let mut lines = Vec::new();
        let mut tracks = Vec::new();
        let mut frames = Vec::new();
        for block in blocks {
            let block = block.expect("every block arrives");
            // The block's marks count its lines from its start; the lines
            // of the blocks before it come first.
            let mut marks = block.lines;
            marks.number_from(input.counts.lines + 1);
            input.lines.append(&marks);
            input.counts.add(&block.counts);
            // In input order: a session may span two blocks.
            input.sessions.append(block.sessions);
            lines.extend_from_slice(&block.unrecognized);
            input.months |= block.months;
            tracks.push((block.counts.lines, block.last_bsd));
            if block.frame.height() > 0 {
                frames.push(block.frame);
            }
        }
        input.frame = stack(frames, &options.projection);
        input.last_stamp = last_stamp_of(&tracks);
        if !options.keep_unrecognized {
            lines = Vec::new();
        }
        unrecognized.push(lines);
        scanned.push(input);
    }
    let mut scan = Scan::of_inputs(scanned, unrecognized, &options.projection);
    scan.messages = messages.map(messages::Builder::finish);
    scan
}

impl Scan {
    /// The scan made of these inputs' results, in this order (`unrecognized`:
    /// each input's unrecognized lines).
    pub fn of_inputs(
        inputs: Vec<Scanned>,
        unrecognized: Vec<Vec<u8>>,
        projection: &Projection,
    ) -> Scan {
        let mut counts = LineCounts::default();
        let mut frames = Vec::new();
        let mut line_index = LineIndex::default();
        let mut sessions = SessionStats::default();
        for input in &inputs {
            counts.add(&input.counts);
            line_index.append(&input.lines);
            // Kept per input too: an input read again replaces its own.
            sessions.append(input.sessions.clone());
            if input.frame.height() > 0 {
                // Shares the columns' chunks: no copy.
                frames.push(input.frame.clone());
            }
        }
        sessions.finish();
        let frame = stack(frames, projection);
        Scan {
            stretches: frame::rows::stretches(&frame),
            frame,
            counts,
            unrecognized,
            inputs,
            line_index,
            sessions,
            messages: None,
        }
    }
}

/// Runs `op` on this thread with a rayon scope of `pool` (else of the
/// current pool).
fn in_scope<'scope, R>(
    pool: Option<&rayon::ThreadPool>,
    op: impl FnOnce(&rayon::Scope<'scope>) -> R,
) -> R {
    match pool {
        Some(pool) => pool.in_place_scope(op),
        None => rayon::in_place_scope(op),
    }
}

/// The stamp of the last classic-stamped line among the last 512 lines,
/// from each block's line count and last such line (in block order).
fn last_stamp_of(blocks: &[(u64, Option<(u64, BsdStamp)>)]) -> Option<BsdStamp> {
    let mut remaining = LAST_LINES;
    for &(lines, last) in blocks.iter().rev() {
        if let Some((after, stamp)) = last {
            if after < remaining {
                return Some(stamp);
            }
        }
        remaining = remaining.checked_sub(lines).filter(|&r| r > 0)?;
    }
    None
}

/// What a producer thread shares with the others.
struct Producer<'s, 'a> {
    tokens: &'s Tokens,
    buffers: &'s Mutex<Vec<Vec<u8>>>,
    next_input: &'s AtomicUsize,
    queue: &'s [Mutex<Option<ScanInput<'a>>>],
    sender: mpsc::Sender<Message>,
    options: &'s ParseOptions,
    chunks: usize,
    /// Size of a mapped input's chunks.
    piece: usize,
    /// Without a sink, a block's token is free once it is parsed.
    release_when_parsed: bool,
    progress: &'s (dyn Fn(u64) + Sync),
}

/// Takes inputs in order and reads them, block by block, handing each
/// block to the pool.
fn produce<'s, 'a: 's>(scope: &rayon::Scope<'s>, p: Producer<'s, 'a>) {
    loop {
        let index = p.next_input.fetch_add(1, Ordering::Relaxed);
        let Some(slot) = p.queue.get(index) else {
            return;
        };
        let input = slot
            .lock()
            .expect("no panic while holding it")
            .take()
            .expect("each input is taken once");
        let time = input.time;
        let mut seq = 0;
        let (id, json, mark_rows) = (input.id, input.json, input.mark_rows);
        let scanned = match input.feed {
            Feed::Bytes(source) => {
                let data: &'a [u8] = source;
                let pieces = chunks::split(data, p.chunks.max(data.len().div_ceil(p.piece)));
                for chunk in pieces {
                    if !p.tokens.acquire(index) {
                        return;
                    }
                    let offset = chunk.as_ptr() as usize - data.as_ptr() as usize;
                    let (sender, tokens, options, progress) =
                        (p.sender.clone(), p.tokens, p.options, p.progress);
                    let release = p.release_when_parsed;
                    scope.spawn(move |_| {
                        let message = parse_guarded(|| {
                            let piece = Piece {
                                bytes: chunk,
                                start: offset as u64,
                                skips: &[],
                            };
                            let tag = Tag {
                                input: index,
                                seq,
                                id,
                                json,
                                mark_rows,
                            };
                            let release = |parsed: Range<usize>| {
                                source.release(offset + parsed.start..offset + parsed.end)
                            };
                            let out = parse_chunk(&piece, &time, options, &tag, Some(&release));
                            source.release(offset..offset + chunk.len());
                            progress(chunk.len() as u64);
                            out
                        });
                        if release {
                            tokens.release();
                        }
                        let _ = sender.send(message);
                    });
                    seq += 1;
                }
                Scanned::before_blocks(input.name, id, Extent::of(data), None)
            }
            Feed::Blocks {
                mut reader,
                consumed,
            } => {
                let mut reported = 0;
                loop {
                    if !p.tokens.acquire(index) {
                        return;
                    }
                    let buffer = p
                        .buffers
                        .lock()
                        .expect("no panic while holding it")
                        .pop()
                        .unwrap_or_default();
                    let Some(block) = reader.next_block(buffer) else {
                        p.tokens.release();
                        break;
                    };
                    let read = consumed
                        .as_ref()
                        .map_or(block.len() as u64, |c| c.load(Ordering::Relaxed) - reported);
                    reported += read;
                    (p.progress)(read);
                    let (sender, tokens, options, buffers) =
                        (p.sender.clone(), p.tokens, p.options, p.buffers);
                    let release = p.release_when_parsed;
                    scope.spawn(move |_| {
                        let message = parse_guarded(|| {
                            let piece = Piece {
                                bytes: &block,
                                start: block.start(),
                                skips: block.skips(),
                            };
                            let tag = Tag {
                                input: index,
                                seq,
                                id,
                                json,
                                mark_rows,
                            };
                            parse_chunk(&piece, &time, options, &tag, None)
                        });
                        buffers
                            .lock()
                            .expect("no panic while holding it")
                            .push(block.into_buffer());
                        if release {
                            tokens.release();
                        }
                        let _ = sender.send(message);
                    });
                    seq += 1;
                }
                Scanned::before_blocks(
                    input.name,
                    id,
                    reader.extent().clone(),
                    reader.issue().cloned(),
                )
            }
        };
        let _ = p.sender.send(Message::End {
            input: index,
            blocks: seq,
            scanned: Box::new(scanned),
        });
    }
}

/// Runs a parse, turning a panic (a bug) into a message for the collector,
/// which re-raises it, so that the run ends instead of waiting forever.
fn parse_guarded(parse: impl FnOnce() -> BlockOut) -> Message {
    match std::panic::catch_unwind(AssertUnwindSafe(parse)) {
        Ok(out) => Message::Block(Box::new(out)),
        Err(payload) => Message::Panic(payload),
    }
}

/// What the collector does with each block in input order.
struct InOrder<'c> {
    /// Blocks are done with in input order (their tokens freed then).
    on: bool,
    sink: Option<&'c mpsc::SyncSender<(usize, Box<BlockOut>)>>,
    messages: Option<&'c mut messages::Builder>,
    /// The frame's rows so far, the blocks before in input order.
    frame_rows: usize,
}

/// Receives every block and input end; with a sink, hands the blocks over
/// in input order and frees their tokens then.
fn collect(
    receiver: &mpsc::Receiver<Message>,
    tokens: &Tokens,
    slots: &mut [Vec<Option<Box<BlockOut>>>],
    ends: &mut [Option<(usize, Scanned)>],
    mut in_order: InOrder<'_>,
    keep_unrecognized: bool,
    projection: &Projection,
) {
    let n = slots.len();
    let columns = frame::empty(projection).get_column_names_owned();
    let (mut ended, mut expected, mut received) = (0, 0, 0);
    // The next block for the sink: (input, block).
    let mut cursor = (0, 0);
    while ended < n || received < expected {
        let Ok(message) = receiver.recv() else {
            break;
        };
        match message {
            Message::Block(mut block) => {
                if let (Some(keep), Some(export)) = (block.keep.take(), &block.export) {
                    block.frame = derive_frame(export, &columns, keep);
                }
                let (input, seq) = (block.input, block.seq);
                if slots[input].len() <= seq {
                    slots[input].resize_with(seq + 1, || None);
                }
                slots[input][seq] = Some(block);
                received += 1;
            }
            Message::End {
                input,
                blocks,
                scanned,
            } => {
                ends[input] = Some((blocks, *scanned));
                ended += 1;
                expected += blocks;
            }
            Message::Panic(payload) => std::panic::resume_unwind(payload),
        }
        if !in_order.on {
            continue;
        }
        // Fold what is next in order into the messages and hand over its
        // exported rows and unrecognized lines; the rest stays in its slot
        // for the frame.
        while cursor.0 < n {
            let (input, seq) = cursor;
            if let Some((count, _)) = &ends[input] {
                if seq >= *count {
                    cursor = (input + 1, 0);
                    tokens.update(|s| s.head = input + 1);
                    continue;
                }
            }
            let Some(Some(block)) = slots[input].get_mut(seq) else {
                break;
            };
            let first_row = in_order.frame_rows;
            in_order.frame_rows += block.frame.height();
            if let (Some(builder), Some((rows, frame_rows))) =
                (in_order.messages.as_deref_mut(), block.messages.take())
            {
                builder
                    .block(&rows, &frame_rows, first_row, in_order.frame_rows)
                    .expect("the message rows have the messages' columns");
            }
            let Some(to_sink) = in_order.sink else {
                tokens.release();
                cursor = (input, seq + 1);
                continue;
            };
            let unrecognized = if keep_unrecognized {
                block.unrecognized.clone()
            } else {
                std::mem::take(&mut block.unrecognized)
            };
            let handed = Box::new(BlockOut {
                input,
                seq,
                frame: DataFrame::empty(),
                keep: None,
                export: block.export.take(),
                messages: None,
                counts: LineCounts::default(),
                unrecognized,
                months: 0,
                last_bsd: None,
                lines: LineIndex::default(),
                sessions: SessionStats::default(),
            });
            // An error means the sink's thread is gone (it panicked): the
            // panic is raised when the thread is joined.
            let _ = to_sink.send((input, handed));
            tokens.release();
            cursor = (input, seq + 1);
        }
    }
}

fn stack(frames: Vec<DataFrame>, projection: &Projection) -> DataFrame {
    let mut frames = frames.into_iter();
    let Some(mut all) = frames.next() else {
        return frame::empty(projection);
    };
    for f in frames {
        all.vstack_mut_owned(f)
            .expect("chunk frames share one schema");
    }
    // No rechunk: group-by and filters work on chunked columns, and a copy
    // of every string view would cost more than it saves.
    all
}

/// Whether every row and column of `narrow` is in `wide`, which keeps
/// whole kinds (as the export does): asked through the projections' own
/// answers, event kind by event kind.
fn within(narrow: &Projection, wide: &Projection) -> bool {
    let columns = frame::SCHEMA
        .iter()
        .all(|(name, ..)| !narrow.has_column(name) || wide.has_column(name));
    let rows = EventKind::ALL.iter().all(|&kind| {
        let with_recipient = Event {
            to: Some("postmaster@example.org"),
            ..Event::new(kind)
        };
        let bare = Event::new(kind);
        let narrow_keeps = narrow.keeps(&with_recipient) || narrow.keeps(&bare);
        !narrow_keeps || (wide.keeps(&with_recipient) && wide.keeps(&bare))
    });
    columns && rows
}

/// The frame's part of a block's exported rows: its columns, the rows in
/// `keep`. The columns are shared, not copied, when every row is kept.
fn derive_frame(export: &DataFrame, columns: &[PlSmallStr], keep: Vec<bool>) -> DataFrame {
    let frame = export
        .select(columns.iter().cloned())
        .expect("the exported rows have the frame's columns");
    if keep.iter().all(|&k| k) {
        return frame;
    }
    let mask = BooleanChunked::from_slice("keep".into(), &keep);
    frame
        .filter(&mask)
        .expect("one mask value per exported row")
}

/// What a block's parse needs besides its bytes.
struct ParseOptions {
    max_line: usize,
    projection: Projection,
    export: Option<Projection>,
    /// The frame's rows and columns are among the exported ones: only the
    /// exported rows are built, and the frame is taken from them (its
    /// columns, the rows it keeps: [`BlockOut::keep`]) instead of being
    /// built a second time.
    derive: bool,
    /// The rows and columns the messages read, if they are put together.
    messages: Option<Projection>,
    window: Window,
    unrecognized: bool,
    track_months: bool,
}

/// The bytes of a chunk or block, and where they are in the input.
struct Piece<'b> {
    bytes: &'b [u8],
    /// The offset of its first byte in the input as read.
    start: u64,
    /// Bytes left out of its long lines ([`crate::input::Block::skips`]).
    skips: &'b [(usize, u64)],
}

/// Which piece of which input: its place for the collector, and the
/// input's number and way of reading.
struct Tag {
    /// Its input's position in the scan, and its own among its input's.
    input: usize,
    seq: usize,
    /// [`ScanInput::id`], [`ScanInput::json`], [`ScanInput::mark_rows`].
    id: u16,
    json: bool,
    mark_rows: bool,
}

fn parse_chunk(
    piece: &Piece<'_>,
    time: &TimeContext,
    options: &ParseOptions,
    tag: &Tag,
    release: Option<&dyn Fn(Range<usize>)>,
) -> BlockOut {
    // journalctl's JSON records become lines first (one per record), with
    // where each record starts: the offsets and line numbers are the
    // records'.
    let decoded = tag.json.then(|| decode_records(piece.bytes, piece.skips));
    let (chunk, record_starts) = match &decoded {
        Some((lines, starts)) => (&lines[..], Some(&starts[..])),
        None => (piece.bytes, None),
    };
    let mut parser = ChunkParser {
        chunk,
        start: piece.start,
        skips: piece.skips,
        skipped: (0, 0),
        record_starts,
        id: tag.id,
        mark_rows: tag.mark_rows,
        marks: Vec::with_capacity(chunk.len().div_ceil(STRETCH_BYTES)),
        rows: Vec::new(),
        time,
        max_line: options.max_line,
        projection: &options.projection,
        window: options.window,
        builder: (!options.derive)
            .then(|| FrameBuilder::new(&options.projection, chunk.len() / 1000)),
        keep: options.derive.then(Vec::new),
        export: options
            .export
            .as_ref()
            .map(|p| (p, FrameBuilder::new(p, chunk.len() / 1000))),
        messages: options
            .messages
            .as_ref()
            .map(|p| (p, FrameBuilder::new(p, chunk.len() / 2000), Vec::new())),
        frame_rows: 0,
        minutes: MinuteCache::default(),
        counts: LineCounts::default(),
        kinds: KindTally::new(),
        keep_unrecognized: options.unrecognized,
        track_months: options.track_months,
        unrecognized: Vec::new(),
        months: 0,
        last_bsd: None,
        sessions: SessionStats::default(),
    };
    // A stretch of lines is checked for UTF-8, then parsed. Stretches are
    // small so that a line with invalid bytes costs a second check of one
    // stretch, not of the whole chunk. Each stretch's first line is marked
    // with its line number (counted from the chunk's start here), so that
    // a line number costs at most a stretch of line ends to count.
    //
    // A mapped piece's parsed pages are unmapped as the parse goes (the
    // caller unmaps the whole piece at the end): the pieces in flight hold
    // a megabyte or two each, not 32 MB each. The last RELEASE_LAG bytes
    // wait: the kernel maps pages around the one a read faults in, so the
    // start of the next stretch maps the end of this one again.
    let release = release.filter(|_| decoded.is_none());
    let mut released = 0;
    for stretch in chunks::split(chunk, chunk.len().div_ceil(STRETCH_BYTES)) {
        let at = parser.line_offset(stretch, parser.counts.lines);
        parser.marks.push((at, parser.counts.lines));
        parser.stretch(stretch);
        if let Some(release) = release {
            let end = stretch.as_ptr() as usize - chunk.as_ptr() as usize + stretch.len();
            let parsed = end.saturating_sub(RELEASE_LAG);
            if parsed > released {
                release(released..parsed);
                released = parsed;
            }
        }
    }
    parser.kinds.fold_into(&mut parser.counts);
    let lines = parser.counts.lines;
    BlockOut {
        input: tag.input,
        seq: tag.seq,
        frame: parser
            .builder
            .map_or_else(DataFrame::empty, FrameBuilder::finish),
        keep: parser.keep,
        export: parser.export.map(|(_, b)| b.finish()),
        messages: parser.messages.map(|(_, b, rows)| (b.finish(), rows)),
        counts: parser.counts,
        unrecognized: parser.unrecognized,
        months: parser.months,
        last_bsd: parser
            .last_bsd
            .map(|(line, stamp)| (lines - 1 - line, stamp)),
        lines: LineIndex::of_input(tag.id, &parser.marks, &parser.rows),
        sessions: parser.sessions,
    }
}

/// journalctl's JSON records (one per line) as classic lines, one per
/// record ([`crate::input::journal::record_line`]), and where each record
/// starts in `records`. A record some of whose bytes the reader left out
/// (far longer than any line: see `--max-line`) is kept as it is, so that
/// it is counted as too long, as its line would be.
fn decode_records(records: &[u8], skips: &[(usize, u64)]) -> (Vec<u8>, Vec<usize>) {
    let mut lines = Vec::with_capacity(records.len() / 3);
    let mut starts = Vec::with_capacity(records.len() / 512);
    let mut skips = skips.iter().peekable();
    let mut rest = records;
    while !rest.is_empty() {
        let at = records.len() - rest.len();
        let (record, next) = chunks::strip_line_end(rest);
        while skips.next_if(|&&(p, _)| p <= at).is_some() {}
        let cut = skips.peek().is_some_and(|&&(p, _)| p <= at + record.len());
        starts.push(at);
        if cut {
            lines.extend_from_slice(record);
            lines.push(b'\n');
        } else {
            crate::input::journal::record_line(record, &mut lines);
        }
        rest = next;
    }
    (lines, starts)
}

/// The state of parsing one chunk.
struct ChunkParser<'c> {
    /// The bytes parsed (a JSON chunk's lines, once decoded).
    chunk: &'c [u8],
    /// The offset of the piece's first byte in the input, the bytes its
    /// long lines left out, and how many of those are before the line
    /// being parsed (skips passed, bytes): lines come in order.
    start: u64,
    skips: &'c [(usize, u64)],
    skipped: (usize, u64),
    /// For JSON records: where each record starts in the piece.
    record_starts: Option<&'c [usize]>,
    /// The input's number, and whether each row's line is marked.
    id: u16,
    mark_rows: bool,
    /// (offset, lines of the chunk before it) of each stretch and, with
    /// `mark_rows`, of each row's line: see [`BlockOut::lines`].
    marks: Vec<(u64, u64)>,
    rows: Vec<(u64, u64)>,
    time: &'c TimeContext,
    max_line: usize,
    projection: &'c Projection,
    window: Window,
    /// The frame's rows, unless they are taken from the exported ones.
    builder: Option<FrameBuilder>,
    /// Whether the frame keeps each exported row, when it is taken from
    /// them.
    keep: Option<Vec<bool>>,
    /// The exported rows, when they are streamed out.
    export: Option<(&'c Projection, FrameBuilder)>,
    /// The messages' rows, and the frame row of each (its index among the
    /// chunk's frame rows, or [`messages::NOT_IN_FRAME`]).
    messages: Option<(&'c Projection, FrameBuilder, Vec<u32>)>,
    /// The frame rows of the chunk so far.
    frame_rows: u32,
    minutes: MinuteCache,
    counts: LineCounts,
    kinds: KindTally,
    keep_unrecognized: bool,
    track_months: bool,
    /// Unrecognized lines, each followed by `\n`.
    unrecognized: Vec<u8>,
    /// Months of classic stamps seen (bit `m - 1`), and the last such line
    /// (its index in the chunk, its stamp): for the year rule of a streamed
    /// input, which is known only at its end.
    months: u16,
    last_bsd: Option<(u64, BsdStamp)>,
    sessions: SessionStats,
}

/// The events of a chunk by kind: how many, the first and the last stamp.
/// Plain arrays, each updated without a branch on every event (an
/// `Option` span per kind cost a load, a test and a branch on each), and
/// folded into the [`LineCounts`] when the chunk is done.
struct KindTally {
    count: [u64; EventKind::ALL.len()],
    first: [Micros; EventKind::ALL.len()],
    last: [Micros; EventKind::ALL.len()],
}

impl KindTally {
    fn new() -> Self {
        KindTally {
            count: [0; EventKind::ALL.len()],
            first: [Micros::MAX; EventKind::ALL.len()],
            last: [Micros::MIN; EventKind::ALL.len()],
        }
    }

    #[inline]
    fn add(&mut self, event: &Event<'_>) {
        let kind = event.kind.index();
        self.count[kind] += 1;
        self.first[kind] = self.first[kind].min(event.ts);
        self.last[kind] = self.last[kind].max(event.ts);
    }

    /// Into `counts`, which holds no event yet.
    fn fold_into(&self, counts: &mut LineCounts) {
        for kind in 0..EventKind::ALL.len() {
            if self.count[kind] > 0 {
                counts.events += self.count[kind];
                counts.by_kind[kind] = self.count[kind];
                counts.span_by_kind[kind] = Some((self.first[kind], self.last[kind]));
            }
        }
    }
}

impl ChunkParser<'_> {
    /// UTF-8 is checked once for a stretch of lines (SIMD), not line by
    /// line: a line of valid text split at `\n`, an ASCII byte, is valid
    /// text. A line with invalid bytes is parsed lossily, and the check goes
    /// on after it.
    fn stretch(&mut self, stretch: &[u8]) {
        let mut rest = stretch;
        while !rest.is_empty() {
            match simdutf8::compat::from_utf8(rest) {
                Ok(text) => {
                    self.text_lines(text);
                    break;
                }
                Err(error) => {
                    let bad = error.valid_up_to();
                    let line_start = memchr::memrchr(b'\n', &rest[..bad]).map_or(0, |i| i + 1);
                    let valid = std::str::from_utf8(&rest[..line_start])
                        .expect("valid up to the first invalid byte");
                    self.text_lines(valid);
                    let line_end =
                        memchr::memchr(b'\n', &rest[bad..]).map_or(rest.len(), |i| bad + i + 1);
                    let (line, _) = chunks::strip_line_end(&rest[line_start..line_end]);
                    self.invalid_line(line);
                    rest = &rest[line_end..];
                }
            }
        }
    }

    fn text_lines(&mut self, text: &str) {
        // One event for all lines, each parsed into it: built in place,
        // not returned and moved (`parse::Parsed`).
        let mut event = Event::new(EventKind::Warning);
        for line in chunks::text_lines(text) {
            self.line(line, line.as_bytes(), false, &mut event);
        }
    }

    /// A line with bytes that are not UTF-8: parsed with U+FFFD in their
    /// place (unless it is too long to parse at all).
    fn invalid_line(&mut self, raw: &[u8]) {
        let mut event = Event::new(EventKind::Warning);
        if raw.len() > self.max_line {
            self.line("", raw, false, &mut event);
        } else {
            self.line(&String::from_utf8_lossy(raw), raw, true, &mut event);
        }
    }

    /// Where `raw`, line `index` of this chunk (asked for in the order of
    /// the lines), starts in the input: its place in the piece (a JSON
    /// record's, for a decoded line) plus the bytes left out before it.
    fn line_offset(&mut self, raw: &[u8], index: u64) -> u64 {
        let at = match self.record_starts {
            Some(starts) => starts[index as usize],
            None => raw.as_ptr() as usize - self.chunk.as_ptr() as usize,
        };
        let (passed, bytes) = &mut self.skipped;
        while let Some(&(p, n)) = self.skips.get(*passed) {
            if p >= at {
                break;
            }
            *passed += 1;
            *bytes += n;
        }
        self.start + at as u64 + *bytes
    }

    /// One line: `text` is `raw` as UTF-8, `lossy` if `raw` is not UTF-8;
    /// `event` is where its event is built.
    fn line<'t>(&mut self, text: &'t str, raw: &[u8], lossy: bool, event: &mut Event<'t>) {
        if self.track_months {
            if let Some(stamp) = bsd_stamp(raw) {
                self.months |= 1 << (stamp.month - 1);
                self.last_bsd = Some((self.counts.lines, stamp));
            }
        }
        let line = self.counts.lines;
        self.counts.lines += 1;
        if raw.len() > self.max_line {
            self.counts.too_long += 1;
            return;
        }
        if lossy {
            self.counts.invalid_utf8 += 1;
        }
        let parsed = parse::parse_line_into(text, self.time, &mut self.minutes, event);
        if parsed == Parsed::Event && self.counts.first_event.is_none_or(|t| event.ts < t) {
            self.counts.first_event = Some(event.ts);
        }
        match parsed {
            Parsed::Event if !self.window.contains(event.ts) => {
                self.counts.outside_window += 1;
            }
            Parsed::Event => {
                self.kinds.add(event);
                if self.projection.gathers(event) {
                    self.sessions.add(event);
                }
                let offset = self.line_offset(raw, line);
                let at = Location {
                    input: self.id,
                    offset,
                };
                let mut pushed = false;
                if let Some(builder) = &mut self.builder {
                    if self.projection.keeps(event) {
                        builder.push(event, at);
                        pushed = true;
                    }
                }
                if let Some((projection, builder)) = &mut self.export {
                    if projection.keeps(event) {
                        builder.push(event, at);
                        pushed = true;
                        if let Some(keep) = &mut self.keep {
                            keep.push(self.projection.keeps(event));
                        }
                    }
                }
                if pushed && self.mark_rows {
                    self.rows.push((offset, line));
                }
                let in_frame = self.projection.keeps(event);
                if let Some((projection, builder, frame_row)) = &mut self.messages {
                    if projection.keeps(event) {
                        builder.push(event, at);
                        frame_row.push(if in_frame {
                            self.frame_rows
                        } else {
                            messages::NOT_IN_FRAME
                        });
                    }
                }
                self.frame_rows += u32::from(in_frame);
            }
            Parsed::Skipped(Skip::Known) => self.counts.known += 1,
            Parsed::Skipped(Skip::OtherProgram) => self.counts.other_program += 1,
            Parsed::Skipped(Skip::NoSyslogHeader) => self.counts.no_syslog_header += 1,
            Parsed::Skipped(Skip::Unrecognized) => {
                self.counts.unrecognized += 1;
                if self.keep_unrecognized {
                    self.unrecognized.extend_from_slice(raw);
                    self.unrecognized.push(b'\n');
                }
            }
        }
    }
}

/// The year rule of one input (see [`year`]) from its last lines, its
/// modification time (else `now`) and `--year`.
pub fn year_rule(
    data: &[u8],
    mtime: Option<SystemTime>,
    now: Micros,
    year: Option<i32>,
) -> YearRule {
    rule_for(last_bsd_stamp(data), written(mtime, now), year)
}

/// When an input was written: its modification time, else (a pipe) now.
pub fn written(mtime: Option<SystemTime>, now: Micros) -> Micros {
    mtime.map_or(now, |t| chrono::DateTime::<Utc>::from(t).timestamp_micros())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Marks of two inputs, built block by block as the scan does: a row's
    /// own mark gives its line without bytes, a stretch's needs the bytes
    /// after it.
    #[test]
    fn line_index_finds_rows_and_stretches() {
        let data = b"a\nb\nc\nd\ne\nf\n";
        // Input 0 in two blocks (lines 1-3 and 4-6), rows at lines 2 and 5;
        // input 1 with a stretch mark only.
        let first = LineIndex::of_input(0, &[(0, 0)], &[(2, 1)]);
        let mut second = LineIndex::of_input(0, &[(6, 0), (8, 1)], &[(8, 1)]);
        second.number_from(4);
        let mut one = LineIndex::of_input(1, &[(0, 0)], &[]);
        one.number_from(1);
        let mut index = LineIndex::default();
        let mut zero = first;
        zero.number_from(1);
        index.append(&zero);
        index.append(&second);
        index.append(&one);
        let no_bytes: &[u8] = &[];
        assert_eq!(index.line_of(0, 2, no_bytes), Some(2), "a row's mark");
        assert_eq!(index.line_of(0, 8, no_bytes), Some(5), "a row's mark");
        assert_eq!(index.line_of(0, 4, no_bytes), None, "needs the bytes");
        for (offset, line) in [(0, 1), (2, 2), (4, 3), (6, 4), (8, 5), (10, 6)] {
            assert_eq!(index.line_of(0, offset, data), Some(line), "{offset}");
            assert_eq!(index.line_of(1, offset, data), Some(line), "{offset}");
        }
        assert_eq!(index.line_of(2, 0, data), None, "no such input");
    }
}
