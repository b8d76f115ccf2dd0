//! Getting bytes to parse: regular files are memory-mapped when that is safe;
//! everything else (live logs, standard input, compressed files) is
//! streamed in bounded blocks ([`blocks`]).
//!
//! [`open`] opens one input and looks at it without reading it all: its
//! format (by magic bytes: [`compression`]), its first bytes (for the order
//! of a rotated set and for duplicates) and, for a plain file, its last
//! lines (for the year of classic stamps). [`load`] reads one input whole,
//! for tests and library users.
//!
//! A problem with one input never stops the others: it is a [`Problem`]
//! for that input, reported by the caller.

pub mod blocks;
pub mod chunks;
pub mod compression;
pub mod journal;
pub mod readback;

use std::fs::File;
use std::io::{self, BufReader, Read, Seek};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use blocks::{Block, BlockReader, Extent, Issue};
pub use compression::Compression;
use compression::Failing;

/// When to memory-map a regular file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MmapPolicy {
    /// Map files not modified in the last two minutes (LIVE_WINDOW); read the others.
    Auto,
    /// Always map regular files.
    Always,
    /// Never map: read every file into memory.
    Never,
}

/// A file modified this recently may be a live log that logrotate's
/// `copytruncate` shrinks under us; reading a mapped page past the new end
/// raises SIGBUS, so such files are read, not mapped.
pub const LIVE_WINDOW: Duration = Duration::from_secs(120);

/// Upper bound on decompressed input, against decompression bombs.
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 16 << 30;

pub enum Source {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Source {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Source::Mapped(map) => map,
            Source::Owned(bytes) => bytes,
        }
    }
}

impl Source {
    /// Unmaps the pages of `range` once they are parsed: done by each
    /// worker for its own chunk, the unmapping runs in parallel instead of
    /// at the end, on one thread, when the whole map is dropped. The bytes
    /// stay readable: a later read (`--unparsed`) maps them again from the
    /// page cache. A hint only: errors are ignored.
    pub fn release(&self, range: std::ops::Range<usize>) {
        #[cfg(unix)]
        if let Source::Mapped(map) = self {
            // SAFETY: the map is a shared, read-only file mapping (memmap2
            // maps files MAP_SHARED): MADV_DONTNEED drops this process's
            // page-table entries only, and the next access faults the same
            // file bytes back in, so no borrowed slice ever sees other data
            // (the file is not being modified; see `load` on live logs).
            let _ = unsafe {
                map.unchecked_advise_range(
                    memmap2::UncheckedAdvice::DontNeed,
                    range.start,
                    range.len(),
                )
            };
        }
        #[cfg(not(unix))]
        let _ = range;
    }
}

pub struct Input {
    /// The name to show: the path as given, or `-` for stdin.
    pub name: String,
    pub data: Source,
    /// Modification time, for the year of BSD timestamps.
    pub mtime: Option<SystemTime>,
}

/// A problem with one input, reported as `maillog-report: NAME: MESSAGE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub name: String,
    pub message: String,
    /// A notice (the input grew while read) does not change the exit status.
    pub notice: bool,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let note = if self.notice { "note: " } else { "" };
        write!(f, "{}: {note}{}", self.name, self.message)
    }
}

/// What [`load`] got of one input: all of it, a part of it and a problem
/// (a truncated `.gz`, a log that grew while read), or only a problem.
pub enum Loaded {
    Whole(Input),
    Partial(Input, Problem),
    Failed(Problem),
}

impl Loaded {
    /// The input, if any of it could be read.
    pub fn into_input(self) -> Option<Input> {
        match self {
            Loaded::Whole(input) | Loaded::Partial(input, _) => Some(input),
            Loaded::Failed(_) => None,
        }
    }
}

/// How much of an input's content [`open`] reads ahead: enough for its
/// first time stamp and for telling duplicates apart.
pub const HEAD_BYTES: usize = 256 << 10;

/// How inputs are opened.
#[derive(Clone, Copy, Debug)]
pub struct OpenOptions {
    pub mmap: MmapPolicy,
    pub max_decompressed: u64,
    /// The run's now ([`crate::clock`]): how long ago a file was written.
    pub now: SystemTime,
}

/// One input, opened and looked at, not yet read.
pub struct Opened {
    /// The name to show: the path as given, or `-` for stdin.
    pub name: String,
    /// Modification time, for the year of BSD timestamps.
    pub mtime: Option<SystemTime>,
    pub compression: Compression,
    /// Device and inode of a file: the same file named twice is read once.
    pub identity: Option<(u64, u64)>,
    /// The first [`HEAD_BYTES`] of the content (decompressed; fewer if the
    /// content is shorter).
    pub head: Vec<u8>,
    /// For a plain file that is read, not mapped: its last lines (at least
    /// 513 of them, or all), as the reader will see them, for the year rule.
    pub tail: Option<Vec<u8>>,
    /// Bytes of the file (compressed, where it is), if known: the progress
    /// bar's total.
    pub file_size: Option<u64>,
    /// File bytes consumed so far by the reader: the progress bar's count.
    pub consumed: Arc<AtomicU64>,
    body: Body,
}

enum Body {
    Mapped(Source),
    /// A regular file, read from its start every time it is streamed.
    File {
        file: File,
        size: u64,
        recent: bool,
    },
    /// Standard input or another stream that cannot be read twice: the
    /// content after `head`, until it is streamed.
    Pipe(Option<Box<dyn Read + Send>>),
}

impl Opened {
    /// An input already in memory (journalctl's output), read as a mapped
    /// one is: cut into chunks.
    pub fn in_memory(input: Input) -> Opened {
        let head = input.data[..input.data.len().min(HEAD_BYTES)].to_vec();
        Opened {
            name: input.name,
            mtime: input.mtime,
            compression: Compression::None,
            identity: None,
            head,
            tail: None,
            file_size: Some(input.data.len() as u64),
            consumed: Arc::new(AtomicU64::new(0)),
            body: Body::Mapped(input.data),
        }
    }

    /// Whether its content is journalctl's JSON (`-o json`): its first
    /// byte other than white space is `{`.
    pub fn is_json(&self) -> bool {
        journal::is_json(&self.head)
    }

    /// Where its lines can be read again after the scan (the findings'
    /// sample lines), at most `max_decompressed` bytes of a compressed one.
    pub fn readback(&self, max_decompressed: u64) -> readback::Readback<'_> {
        match &self.body {
            Body::Mapped(source) => readback::Readback::Bytes(source),
            Body::File { file, .. } if self.compression == Compression::None => {
                readback::Readback::File(file)
            }
            Body::File { file, .. } => readback::Readback::Compressed {
                file,
                compression: self.compression,
                limit: max_decompressed,
            },
            Body::Pipe(_) => readback::Readback::Gone,
        }
    }

    /// The mapped bytes of a memory-mapped input.
    pub fn mapped(&self) -> Option<&Source> {
        match &self.body {
            Body::Mapped(source) => Some(source),
            _ => None,
        }
    }

    /// Whether the input can be read again from its start (all but pipes).
    pub fn rereadable(&self) -> bool {
        !matches!(self.body, Body::Pipe(_))
    }

    /// Its content from the start, for comparing two inputs; `None` for a
    /// pipe.
    pub fn content(&self) -> io::Result<Option<Box<dyn Read + Send + '_>>> {
        Ok(match &self.body {
            Body::Mapped(source) => Some(Box::new(&source[..])),
            Body::File { file, .. } => {
                let mut file = file.try_clone()?;
                file.rewind()?;
                Some(
                    self.compression
                        .decoder(BufReader::with_capacity(1 << 20, file)),
                )
            }
            Body::Pipe(_) => None,
        })
    }

    /// Its content in blocks of about `block_bytes`, from the start (a
    /// mapped input is cut by the scan instead: `None`). A pipe can be
    /// streamed once.
    pub fn blocks(
        &mut self,
        block_bytes: usize,
        max_line: usize,
        max_decompressed: u64,
    ) -> io::Result<Option<BlockReader<'static>>> {
        let compression = self.compression;
        let consumed = Arc::clone(&self.consumed);
        consumed.store(0, Ordering::Relaxed);
        let reader = match &mut self.body {
            Body::Mapped(_) => return Ok(None),
            Body::File { file, size, recent } => {
                let mut handle = file.try_clone()?;
                handle.rewind()?;
                let counted = Counted {
                    inner: handle,
                    consumed,
                };
                if compression == Compression::None {
                    BlockReader::new(Box::new(counted), compression, block_bytes, max_line)
                        .with_live_file(blocks::LiveFile {
                            handle: file.try_clone()?,
                            size: *size,
                            recent: *recent,
                        })
                } else {
                    let decoder = compression.decoder(BufReader::with_capacity(256 << 10, counted));
                    BlockReader::new(decoder, compression, block_bytes, max_line)
                        .with_limit(max_decompressed)
                }
            }
            Body::Pipe(rest) => {
                let rest = rest.take().ok_or_else(|| {
                    io::Error::other("standard input cannot be read a second time")
                })?;
                let content = io::Cursor::new(self.head.clone()).chain(rest);
                let reader =
                    BlockReader::new(Box::new(content), compression, block_bytes, max_line);
                if compression == Compression::None {
                    reader
                } else {
                    reader.with_limit(max_decompressed)
                }
            }
        };
        Ok(Some(reader))
    }
}

/// Counts the bytes read through it.
struct Counted<R> {
    inner: R,
    consumed: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Reads into `buf` until it is full or the source ends; an error ends it
/// too (what was read is kept).
fn read_up_to(source: &mut dyn Read, n: usize) -> (Vec<u8>, Option<io::Error>) {
    let mut buf = Vec::with_capacity(n.min(HEAD_BYTES));
    match source.take(n as u64).read_to_end(&mut buf) {
        Ok(_) => (buf, None),
        Err(e) => (buf, Some(e)),
    }
}

/// Opens one input: decides how it is read (mapped, read in blocks,
/// decompressed), reads its first bytes and, for a plain file read in
/// blocks, its last lines.
pub fn open(name: &str, options: &OpenOptions) -> Result<Opened, Problem> {
    let problem = |message: String| Problem {
        name: name.to_string(),
        message,
        notice: false,
    };
    if name == "-" {
        return Ok(open_pipe(name, Box::new(io::stdin()), None, None));
    }
    let path = Path::new(name);
    let metadata = std::fs::metadata(path).map_err(|e| problem(describe(&e)))?;
    if metadata.is_dir() {
        return Err(problem("is a directory".to_string()));
    }
    let mtime = metadata.modified().ok();
    let mut file = File::open(path).map_err(|e| problem(describe(&e)))?;
    let identity = identity(&metadata);
    if !metadata.is_file() {
        // A named pipe, a character device, `/dev/fd/N` of a process
        // substitution: read once, as standard input.
        return Ok(open_pipe(name, Box::new(file), mtime, identity));
    }
    let (magic, error) = read_up_to(&mut file, compression::MAGIC_BYTES);
    if let Some(e) = error {
        return Err(problem(describe(&e)));
    }
    let compression = Compression::detect(&magic, name);
    let size = metadata.len();
    let recently_modified = mtime
        .and_then(|t| options.now.duration_since(t).ok())
        .is_none_or(|age| age < LIVE_WINDOW);
    let opened = |body: Body, head: Vec<u8>, tail: Option<Vec<u8>>| Opened {
        name: name.to_string(),
        mtime,
        compression,
        identity,
        head,
        tail,
        file_size: Some(size),
        consumed: Arc::new(AtomicU64::new(0)),
        body,
    };
    if compression != Compression::None {
        let body = Body::File {
            file,
            size,
            recent: recently_modified,
        };
        let mut probe = opened(body, Vec::new(), None);
        // Damage is reported when the input is read; here it only makes
        // the head shorter.
        let head = match probe.content() {
            Ok(Some(mut content)) => read_up_to(&mut content, HEAD_BYTES).0,
            _ => Vec::new(),
        };
        probe.head = head;
        return Ok(probe);
    }
    let map_it = size > 0
        && match options.mmap {
            MmapPolicy::Always => true,
            MmapPolicy::Never => false,
            MmapPolicy::Auto => !recently_modified,
        };
    if map_it {
        // SAFETY: the map is read-only; nothing in this process writes the
        // file. If another process truncates the file while it is mapped,
        // reading the lost pages raises SIGBUS. `Auto` maps only files left alone for LIVE_WINDOW
        // (rotated logs), which nothing writes or truncates any more; `Always`
        // is the user's explicit choice, documented in --help.
        // A failed map (a file system without mmap) falls back to reading.
        // No MADV_SEQUENTIAL: on a file in the page cache it sent every page
        // fault through the readahead code (kernel time 24% of a run with
        // it, 20% without).
        if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
            let head = map[..map.len().min(HEAD_BYTES)].to_vec();
            return Ok(opened(Body::Mapped(Source::Mapped(map)), head, None));
        }
    }
    let (head, tail) = match head_and_tail(&mut file, size, recently_modified) {
        Ok(both) => both,
        Err(e) => return Err(problem(describe(&e))),
    };
    let body = Body::File {
        file,
        size,
        recent: recently_modified,
    };
    Ok(opened(body, head, Some(tail)))
}

/// An input read once, in order: its head is read now, and the rest later.
fn open_pipe(
    name: &str,
    mut source: Box<dyn Read + Send>,
    mtime: Option<SystemTime>,
    identity: Option<(u64, u64)>,
) -> Opened {
    let (magic, error) = read_up_to(&mut source, compression::MAGIC_BYTES);
    let compression = Compression::detect(&magic, name);
    let raw: Box<dyn Read + Send> = match error {
        Some(e) => Box::new(io::Cursor::new(magic).chain(Failing(Some(e)))),
        None => Box::new(io::Cursor::new(magic).chain(source)),
    };
    let mut content = compression.decoder(BufReader::with_capacity(256 << 10, raw));
    let (head, error) = read_up_to(&mut content, HEAD_BYTES);
    // An error in the head is met again, after the head, by the reader.
    let rest: Box<dyn Read + Send> = match error {
        Some(e) => Box::new(Failing(Some(e))),
        None => content,
    };
    Opened {
        name: name.to_string(),
        mtime,
        compression,
        identity,
        head,
        tail: None,
        file_size: None,
        consumed: Arc::new(AtomicU64::new(0)),
        body: Body::Pipe(Some(rest)),
    }
}

/// The first [`HEAD_BYTES`] of a plain file and its last lines (at least
/// 513, or the whole file), read with positioned reads. A live file's last
/// line without `\n` is left out, as the reader leaves it out.
fn head_and_tail(file: &mut File, size: u64, recent: bool) -> io::Result<(Vec<u8>, Vec<u8>)> {
    use std::os::unix::fs::FileExt;
    let read_at = |start: u64, len: u64| -> io::Result<Vec<u8>> {
        let mut buf = vec![0; len as usize];
        let mut done = 0;
        while done < buf.len() {
            match file.read_at(&mut buf[done..], start + done as u64) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        buf.truncate(done);
        Ok(buf)
    };
    let head = read_at(0, size.min(HEAD_BYTES as u64))?;
    let mut window = 128u64 << 10;
    loop {
        let start = size.saturating_sub(window);
        let mut tail = read_at(start, size - start)?;
        if recent && tail.last().is_some_and(|&b| b != b'\n') {
            let keep = memchr::memrchr(b'\n', &tail).map_or(0, |i| i + 1);
            tail.truncate(keep);
        }
        if start == 0 || memchr::memchr_iter(b'\n', &tail).count() > 513 {
            // Drop the first, partial line of the window.
            if start > 0 {
                let first = memchr::memchr(b'\n', &tail).map_or(0, |i| i + 1);
                tail.drain(..first);
            }
            return Ok((head, tail));
        }
        window *= 4;
    }
}

/// Device and inode of the file `name` names (none for standard input):
/// the same file named twice is recognised before it is opened (a named
/// pipe must not be read by two handles).
pub fn identity_of(name: &str) -> Option<(u64, u64)> {
    if name == "-" {
        return None;
    }
    std::fs::metadata(name).ok().as_ref().and_then(identity)
}

#[cfg(unix)]
fn identity(metadata: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((metadata.dev(), metadata.ino()))
}

#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Loads one input whole: its bytes, mapped or read (and decompressed), and
/// what went wrong. The same content as the blocks of a streamed read.
pub fn load(name: &str, mmap: MmapPolicy, max_decompressed: u64) -> Loaded {
    let options = OpenOptions {
        mmap,
        max_decompressed,
        // An unreadable fixed now is reported by the run, not here.
        now: crate::clock::now().map_or(SystemTime::UNIX_EPOCH, crate::clock::system_time),
    };
    let mut opened = match open(name, &options) {
        Ok(opened) => opened,
        Err(problem) => return Loaded::Failed(problem),
    };
    let mtime = opened.mtime;
    let mut reader = match opened.blocks(usize::MAX, usize::MAX, max_decompressed) {
        Ok(Some(reader)) => reader,
        Ok(None) => {
            let Body::Mapped(source) = opened.body else {
                unreachable!("only a mapped input has no blocks")
            };
            return Loaded::Whole(Input {
                name: name.to_string(),
                data: source,
                mtime,
            });
        }
        Err(e) => {
            return Loaded::Failed(Problem {
                name: name.to_string(),
                message: describe(&e),
                notice: false,
            })
        }
    };
    let bytes = reader
        .next_block(Vec::new())
        .map(blocks::Block::into_vec)
        .unwrap_or_default();
    let input = owned(name, bytes, mtime);
    match reader.issue() {
        None => Loaded::Whole(input),
        Some(issue) => Loaded::Partial(
            input,
            Problem {
                name: name.to_string(),
                message: issue.message(),
                notice: issue.is_notice(),
            },
        ),
    }
}

fn owned(name: &str, bytes: Vec<u8>, mtime: Option<SystemTime>) -> Input {
    Input {
        name: name.to_string(),
        data: Source::Owned(bytes),
        mtime,
    }
}

/// A short, lower-case description of an I/O error, without the `(os error
/// N)` noise.
fn describe(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::IsADirectory => "is a directory".to_string(),
        io::ErrorKind::InvalidData => "read error: invalid data".to_string(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(at) => text[..at].to_string(),
                None => text,
            }
        }
    }
}

/// Whether two inputs have the same content: the same file, or equal
/// bytes once decompressed (compared to the end, at most `limit` bytes).
/// A pipe is never compared (it could not be read afterwards).
pub fn same_content(a: &Opened, b: &Opened, limit: u64) -> bool {
    if a.identity.is_some() && a.identity == b.identity {
        return true;
    }
    if a.head != b.head {
        return false;
    }
    let (Ok(Some(mut x)), Ok(Some(mut y))) = (a.content(), b.content()) else {
        return false;
    };
    let mut compared = 0u64;
    while compared <= limit {
        let (left, e1) = read_up_to(&mut x, 1 << 20);
        let (right, e2) = read_up_to(&mut y, 1 << 20);
        if e1.is_some() || e2.is_some() || left != right {
            return false;
        }
        if left.is_empty() {
            return true;
        }
        compared += left.len() as u64;
    }
    true
}
