//! Getting bytes to parse: regular files are memory-mapped when that is safe,
//! everything else (stdin, `.gz`, live logs) is read into memory.
//!
//! A problem with one input never stops the others: [`load`] returns what it
//! could read together with the problem ([`Loaded`]), and the caller reports
//! both.

pub mod chunks;
pub mod journal;

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::time::{Duration, SystemTime};

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

/// Upper bound on decompressed `.gz` input, against decompression bombs.
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

/// Loads one input: its bytes, mapped or read, and what went wrong.
pub fn load(name: &str, mmap: MmapPolicy, max_decompressed: u64) -> Loaded {
    let problem = |message: String| Problem {
        name: name.to_string(),
        message,
        notice: false,
    };
    if name == "-" {
        let mut bytes = Vec::new();
        return match io::stdin().lock().read_to_end(&mut bytes) {
            Ok(_) => Loaded::Whole(owned(name, bytes, None)),
            Err(e) => Loaded::Partial(owned(name, bytes, None), problem(describe(&e))),
        };
    }
    let path = Path::new(name);
    let metadata = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return Loaded::Failed(problem(describe(&e))),
    };
    if metadata.is_dir() {
        return Loaded::Failed(problem("is a directory".to_string()));
    }
    let mtime = metadata.modified().ok();
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return Loaded::Failed(problem(describe(&e))),
    };
    if name.ends_with(".gz") {
        let limit = max_decompressed;
        let mut bytes = Vec::new();
        let decoder = flate2::read::MultiGzDecoder::new(file);
        let result = decoder.take(limit + 1).read_to_end(&mut bytes);
        let mut issue = match result {
            Ok(_) => None,
            Err(e) => Some(problem(format!(
                "gzip data is damaged or truncated ({e}); reporting the {} bytes before that",
                bytes.len()
            ))),
        };
        if bytes.len() as u64 > limit {
            bytes.truncate(limit as usize);
            issue = Some(problem(format!(
                "decompresses to more than {limit} bytes; reporting the first {limit}"
            )));
        }
        let Some(issue) = issue else {
            return Loaded::Whole(owned(name, bytes, mtime));
        };
        // Drop a partial last line: it was cut by the damage, not by the log.
        let keep = memchr::memrchr(b'\n', &bytes).map_or(0, |i| i + 1);
        bytes.truncate(keep);
        return Loaded::Partial(owned(name, bytes, mtime), issue);
    }
    let recently_modified = mtime
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_none_or(|age| age < LIVE_WINDOW);
    let map_it = metadata.is_file()
        && metadata.len() > 0
        && match mmap {
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
            return Loaded::Whole(Input {
                name: name.to_string(),
                data: Source::Mapped(map),
                mtime,
            });
        }
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    if let Err(e) = file.read_to_end(&mut bytes) {
        return Loaded::Partial(owned(name, bytes, mtime), problem(describe(&e)));
    }
    // A live log may grow while we read it: report the prefix we read, up to
    // its last complete line, and say so. A live log whose last line has no
    // `\n` yet is being written right now, so that line is left out too.
    let grew = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) > bytes.len() as u64;
    let mid_line = recently_modified && bytes.last().is_some_and(|&b| b != b'\n');
    if grew || mid_line {
        let keep = memchr::memrchr(b'\n', &bytes).map_or(0, |i| i + 1);
        bytes.truncate(keep);
        let notice = Problem {
            notice: true,
            ..problem(format!(
                "grew while being read; the report covers its first {} bytes",
                bytes.len()
            ))
        };
        return Loaded::Partial(owned(name, bytes, mtime), notice);
    }
    Loaded::Whole(owned(name, bytes, mtime))
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
