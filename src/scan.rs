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
//! token is freed only then. When the messages are put together (the
//! projection's [`Projection::folds_messages`]), the collector folds each
//! block's message rows into them in input order as well: the frame then
//! keeps only the rows the reports read.
//!
//! The steps, one module each: this one reads the inputs and hands blocks
//! to the workers; [`chunk`] parses one block; [`collect`] receives the
//! blocks and does what must be done in input order; [`lines`] keeps the
//! marks of line numbers; [`set`] and [`year`] order a rotated set and
//! date its classic stamps.

mod chunk;
mod collect;
mod lines;
pub mod set;
pub mod year;

pub use lines::{LineIndex, LineMark};
pub use year::{last_bsd_stamp, rule_for, LAST_LINES};

use chunk::{parse_chunk, ParseOptions, Piece, Tag};
use collect::{collect, stack, within, InOrder};

use std::ops::Range;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::time::SystemTime;

use chrono::Utc;
use polars::prelude::*;

use crate::frame::rows::Stretch;
use crate::frame::{self, Projection};
use crate::input::{chunks, BlockReader, Extent, Input, Issue, Source};
use crate::messages::{self, Messages};
use crate::parse::syslog::BsdStamp;
use crate::parse::{BsdZone, EventKind, Micros, TimeContext, YearRule};
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
    /// The rows of the messages ([`Projection::of_messages`]), each with
    /// its place among the block's frame rows.
    messages: Option<Vec<messages::MessageRow>>,
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
                            // A sink gets small blocks, so that its row
                            // groups flow; the messages need only the
                            // order. (4 MiB pieces for the messages too
                            // saved the 2 M never-finished queue ids 15 MB
                            // of waiting rows, and cost five 1 GB files'
                            // summary 45 MB and 12% of its time: a frame
                            // of many more chunks.)
                            piece: if has_sink {
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
                // Finding a piece's line boundary faults in the page there,
                // and the kernel maps a whole large folio of the page cache
                // (up to 2 MB) at a fault: the 264 pieces of the 1.1 GB
                // bench log made 500 MB of it resident before the first
                // block was parsed. Each is released once read (the
                // workers map their pieces again).
                const FOLIO: usize = 2 << 20;
                let pieces = chunks::split_reading(
                    data,
                    p.chunks.max(data.len().div_ceil(p.piece)),
                    |read| {
                        let start = read.start & !(FOLIO - 1);
                        let end = read.end.next_multiple_of(FOLIO).min(data.len());
                        source.release(start..end);
                    },
                );
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
