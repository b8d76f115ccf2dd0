//! The parallel phase: every input is cut into chunks on line boundaries,
//! rayon parses the chunks independently into per-chunk frames (of the rows
//! and columns of the run's [`Projection`]) and line counts, each worker
//! unmaps its chunk once parsed, and the results are stacked in input order. Chunks never depend
//! on each other (the year rule is decided per input beforehand), so the frame
//! is the same for any number of chunks or threads.

use std::ops::Range;
use std::time::SystemTime;

use chrono::{Datelike, Utc};
use polars::prelude::*;
use rayon::prelude::*;

use crate::frame::rows::Stretch;
use crate::frame::{self, FrameBuilder, Location, Projection};
use crate::input::{chunks, Input};
use crate::parse::syslog::bsd_month;
use crate::parse::{
    self, BsdZone, Event, EventKind, Micros, MinuteCache, Parsed, Skip, TimeContext, YearRule,
};
use crate::sessions::SessionStats;
use crate::window::Window;

/// Lines longer than this are counted as too long and not parsed. Postfix
/// itself keeps log records far below it (`line_length_limit` 2048, syslog
/// and `maillog_file` records of a few kB).
pub const DEFAULT_MAX_LINE: usize = 64 * 1024;

/// Target chunk size for large inputs: small enough for an even load and a
/// progress bar that moves, large enough that per-chunk frames stay few.
pub const CHUNK_BYTES: usize = 32 << 20;

/// Lines are checked for UTF-8 and parsed this many bytes at a time.
const STRETCH_BYTES: usize = 256 << 10;

/// Parsed bytes stay mapped this long behind the parse ([`parse_chunk`]).
const RELEASE_LAG: usize = 1 << 20;

#[derive(Clone, Copy, Debug)]
pub struct ScanOptions {
    /// Chunks per input at least; more chunks than threads balance the load,
    /// and large inputs get one chunk per [`CHUNK_BYTES`] or so.
    pub chunks: usize,
    /// `--year`: the year of the last BSD-stamped line of each input.
    pub year: Option<i32>,
    /// The zone of BSD stamps.
    pub bsd_zone: BsdZone,
    pub max_line: usize,
    /// The rows and columns the frame keeps ([`Projection::ALL`] for all).
    pub projection: Projection,
    /// Events outside it are counted, not kept.
    pub window: Window,
}

impl ScanOptions {
    /// At least `chunks` chunks, BSD stamps in `year` read as UTC, the
    /// default line limit, and every event and column in the frame: the
    /// scan that tests and benches compare.
    pub fn every_event(chunks: usize, year: i32) -> ScanOptions {
        ScanOptions {
            chunks,
            year: Some(year),
            bsd_zone: BsdZone::Fixed(0),
            max_line: DEFAULT_MAX_LINE,
            projection: Projection::ALL,
            window: Window::ALL,
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
        }
    }
}

impl LineCounts {
    fn add(&mut self, other: &LineCounts) {
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
        for (a, b) in self.span_by_kind.iter_mut().zip(other.span_by_kind) {
            *a = match (*a, b) {
                (Some((f1, l1)), Some((f2, l2))) => Some((f1.min(f2), l1.max(l2))),
                (a, b) => a.or(b),
            };
        }
    }

    fn count_event(&mut self, event: &Event<'_>) {
        let kind = event.kind.index();
        self.events += 1;
        self.by_kind[kind] += 1;
        let span = &mut self.span_by_kind[kind];
        *span = match *span {
            Some((first, last)) => Some((first.min(event.ts), last.max(event.ts))),
            None => Some((event.ts, event.ts)),
        };
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
    /// Byte ranges of unrecognized lines, per input (same order as inputs).
    pub unrecognized: Vec<Vec<Range<usize>>>,
    /// The line number at the start of each stretch of 256 KiB, in input
    /// order: with an event's `offset`, its line number ([`line_of`]).
    pub line_index: Vec<LineMark>,
    /// smtpd, TLS and postscreen sessions, if the projection asked for them.
    pub sessions: SessionStats,
    /// The frame's stretches ([`frame::rows`]): the reports that walk its
    /// rows read them one stretch at a time.
    pub stretches: Vec<Stretch>,
}

/// The first line of a stretch: its input, byte offset and line number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineMark {
    pub input: u16,
    pub offset: u64,
    pub line: u64,
}

/// The line number of the line at `offset` in `data` (input `input`): the
/// stretch's first line number plus the line ends between the stretch's
/// start and `offset` (at most 256 KiB to count).
pub fn line_of(marks: &[LineMark], input: u16, offset: u64, data: &[u8]) -> Option<u64> {
    // The marks are sorted by (input, offset).
    let after = marks.partition_point(|m| (m.input, m.offset) <= (input, offset));
    let mark = marks[..after].last().filter(|m| m.input == input)?;
    let between = data.get(mark.offset as usize..offset as usize)?;
    Some(mark.line + memchr::memchr_iter(b'\n', between).count() as u64)
}

struct ChunkResult {
    frame: DataFrame,
    counts: LineCounts,
    unrecognized: Vec<Range<usize>>,
    /// The start of each stretch, with its line number counted from the
    /// chunk's start (0 for the first).
    marks: Vec<(u64, u64)>,
    sessions: SessionStats,
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
    let mut frames = Vec::new();
    let mut counts = LineCounts::default();
    let mut unrecognized = Vec::with_capacity(inputs.len());
    let mut line_index = Vec::new();
    let mut sessions = SessionStats::default();
    for (index, input) in inputs.iter().enumerate() {
        let data: &[u8] = &input.data;
        let index = u16::try_from(index).unwrap_or(u16::MAX);
        let time = TimeContext {
            year: year_rule(data, input.mtime, options.year),
            bsd_zone: options.bsd_zone,
        };
        let pieces = chunks::split(data, options.chunks.max(data.len() / CHUNK_BYTES));
        let results: Vec<ChunkResult> = pieces
            .par_iter()
            .map(|chunk| {
                let offset = chunk.as_ptr() as usize - data.as_ptr() as usize;
                let release = |range: Range<usize>| input.data.release(range);
                let result = parse_chunk(chunk, index, offset, &time, options, &release);
                release(offset..offset + chunk.len());
                progress(chunk.len() as u64);
                result
            })
            .collect();
        let mut ranges = Vec::new();
        let mut lines_before = 0;
        for result in results {
            line_index.extend(result.marks.iter().map(|&(offset, lines)| LineMark {
                input: index,
                offset,
                line: lines_before + lines + 1,
            }));
            lines_before += result.counts.lines;
            if result.frame.height() > 0 {
                frames.push(result.frame);
            }
            counts.add(&result.counts);
            ranges.extend(result.unrecognized);
            // In input order: a session may span two chunks or inputs.
            sessions.append(result.sessions);
        }
        unrecognized.push(ranges);
    }
    sessions.finish();
    let frame = stack(frames, &options.projection);
    Scan {
        stretches: frame::rows::stretches(&frame),
        frame,
        counts,
        unrecognized,
        line_index,
        sessions,
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

fn parse_chunk(
    chunk: &[u8],
    input: u16,
    offset: usize,
    time: &TimeContext,
    options: &ScanOptions,
    release: &dyn Fn(Range<usize>),
) -> ChunkResult {
    let mut parser = ChunkParser {
        chunk,
        input,
        offset,
        time,
        max_line: options.max_line,
        projection: &options.projection,
        window: options.window,
        builder: FrameBuilder::new(&options.projection, chunk.len() / 1000),
        minutes: MinuteCache::default(),
        counts: LineCounts::default(),
        unrecognized: Vec::new(),
        sessions: SessionStats::default(),
    };
    // A stretch of lines is checked for UTF-8, then parsed. Stretches are
    // small so that a line with invalid bytes costs a second check of one
    // stretch, not of the whole chunk.
    let mut marks = Vec::new();
    // The pages parsed are unmapped as the parse goes (the caller unmaps
    // the whole chunk at the end): the chunks in flight hold a few
    // stretches each, not 32 MB each. The last RELEASE_LAG bytes wait: the
    // kernel maps pages around the one a read faults in (64 KB by
    // default), so the start of the next stretch maps the end of this one
    // again.
    let mut released = offset;
    for stretch in chunks::split(chunk, chunk.len().div_ceil(STRETCH_BYTES)) {
        marks.push((parser.line_offset(stretch) as u64, parser.counts.lines));
        parser.stretch(stretch);
        let parsed = (parser.line_offset(stretch) + stretch.len()).saturating_sub(RELEASE_LAG);
        if parsed > released {
            release(released..parsed);
            released = parsed;
        }
    }
    ChunkResult {
        frame: parser.builder.finish(),
        counts: parser.counts,
        unrecognized: parser.unrecognized,
        marks,
        sessions: parser.sessions,
    }
}

/// The state of parsing one chunk.
struct ChunkParser<'c> {
    chunk: &'c [u8],
    /// The input's position among the inputs.
    input: u16,
    /// Where the chunk starts in its input, for the unrecognized ranges.
    offset: usize,
    time: &'c TimeContext,
    max_line: usize,
    projection: &'c Projection,
    window: Window,
    builder: FrameBuilder,
    minutes: MinuteCache,
    counts: LineCounts,
    unrecognized: Vec<Range<usize>>,
    sessions: SessionStats,
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

    /// Where `raw`, a line of this chunk, starts in the input.
    fn line_offset(&self, raw: &[u8]) -> usize {
        self.offset + (raw.as_ptr() as usize - self.chunk.as_ptr() as usize)
    }

    /// One line: `text` is `raw` as UTF-8, `lossy` if `raw` is not UTF-8;
    /// `event` is where its event is built.
    fn line<'t>(&mut self, text: &'t str, raw: &[u8], lossy: bool, event: &mut Event<'t>) {
        self.counts.lines += 1;
        if raw.len() > self.max_line {
            self.counts.too_long += 1;
            return;
        }
        if lossy {
            self.counts.invalid_utf8 += 1;
        }
        match parse::parse_line_into(text, self.time, &mut self.minutes, event) {
            Parsed::Event if !self.window.contains(event.ts) => {
                self.counts.outside_window += 1;
            }
            Parsed::Event => {
                self.counts.count_event(event);
                if self.projection.gathers(event) {
                    self.sessions.add(event);
                }
                if self.projection.keeps(event) {
                    let at = Location {
                        input: self.input,
                        offset: self.line_offset(raw) as u64,
                    };
                    self.builder.push(event, at);
                }
            }
            Parsed::Skipped(Skip::Known) => self.counts.known += 1,
            Parsed::Skipped(Skip::OtherProgram) => self.counts.other_program += 1,
            Parsed::Skipped(Skip::NoSyslogHeader) => self.counts.no_syslog_header += 1,
            Parsed::Skipped(Skip::Unrecognized) => {
                self.counts.unrecognized += 1;
                let start = self.line_offset(raw);
                self.unrecognized.push(start..start + raw.len());
            }
        }
    }
}

/// Decides the year of BSD timestamps for one input (see [`YearRule`]): the
/// reference month is that of the input's last BSD-stamped line, the
/// reference year `--year`, else the year of the file's modification time
/// (one less if that time is in an earlier month than the last line, as when
/// a December log is rotated on January 1st), else the current year.
pub fn year_rule(data: &[u8], mtime: Option<SystemTime>, year: Option<i32>) -> YearRule {
    let written = mtime
        .map(chrono::DateTime::<Utc>::from)
        .unwrap_or_else(Utc::now);
    let last_month = last_bsd_month(data).unwrap_or(written.month());
    let year = match year {
        Some(y) => y,
        None if last_month > written.month() => written.year() - 1,
        None => written.year(),
    };
    YearRule {
        year,
        month: last_month,
    }
}

/// The month of the last BSD-stamped line among the last few hundred lines.
fn last_bsd_month(data: &[u8]) -> Option<u32> {
    let mut end = data.len();
    for _ in 0..512 {
        if end == 0 {
            return None;
        }
        let start = memchr::memrchr(b'\n', &data[..end - 1]).map_or(0, |i| i + 1);
        if let Some(month) = bsd_month(&data[start..end]) {
            return Some(month);
        }
        end = start;
    }
    None
}
