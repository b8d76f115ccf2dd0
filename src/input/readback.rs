//! Lines read back after the scan, for the findings' sample lines: a
//! finding shows a few log lines (file, line number, text), found by the
//! byte offset of their event's row.
//!
//! A streamed input's blocks are gone once parsed (memory is bounded by
//! the blocks in flight, not by the input), so its sample lines are read
//! again, only when a finding shows some, in one bounded pass per input: a
//! plain file with positioned reads of the stretch before each line (its
//! line number is counted from the scan's line mark there, at most 256 KiB
//! before) and of the line; a compressed file decompressed again from its
//! start up to its last wanted line (within `--max-decompressed`). A mapped
//! or in-memory input is read where it is. Standard input and other pipes
//! cannot be read again: their samples keep their line numbers (the scan
//! marks the line of each of their rows) without the text.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek};

use super::Compression;

/// Where an input's bytes can be read again.
pub enum Readback<'a> {
    /// Mapped, or in memory.
    Bytes(&'a [u8]),
    /// A plain file read in blocks (a live log): positioned reads.
    File(&'a File),
    /// A compressed file: decompressed again from its start, at most
    /// `limit` bytes.
    Compressed {
        file: &'a File,
        compression: Compression,
        limit: u64,
    },
    /// A pipe: read once, gone.
    Gone,
}

/// One scanned input as the reports see it: its name, and its lines.
pub struct Origin<'a> {
    pub name: String,
    pub bytes: Readback<'a>,
    /// journalctl JSON: a record read back is shown as the line the scan
    /// made of it.
    pub json: bool,
    /// The longest line to read back (a row's line is at most `--max-line`
    /// bytes; a JSON record, a few times that).
    pub max_line: usize,
}

/// A line to read back: its offset, and the offset of an earlier line
/// (the scan's mark before it) from which its line ends are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wanted {
    pub from: u64,
    pub at: u64,
}

/// What was read of a wanted line: the line ends between `from` and `at`,
/// and the line's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub line_ends: u64,
    pub text: String,
}

impl Origin<'_> {
    /// Each wanted line (in any order), or `None` where it cannot be read
    /// (a pipe, a file that changed or went away since the scan).
    pub fn read(&self, wanted: &[Wanted]) -> Vec<Option<Found>> {
        if wanted.is_empty() {
            return Vec::new();
        }
        let found = match &self.bytes {
            Readback::Bytes(data) => wanted
                .iter()
                .map(|w| in_bytes(data, *w, self.max_line))
                .collect(),
            Readback::File(file) => wanted
                .iter()
                .map(|w| at_positions(file, *w, self.max_line).ok().flatten())
                .collect(),
            Readback::Compressed {
                file,
                compression,
                limit,
            } => decompressed(file, *compression, *limit, wanted, self.max_line)
                .unwrap_or_else(|_| vec![None; wanted.len()]),
            Readback::Gone => vec![None; wanted.len()],
        };
        if !self.json {
            return found;
        }
        // The record as the line the scan read.
        found
            .into_iter()
            .map(|f| {
                f.map(|f| {
                    let mut line = Vec::new();
                    super::journal::record_line(f.text.as_bytes(), &mut line);
                    let line = line.strip_suffix(b"\n").unwrap_or(&line);
                    Found {
                        text: String::from_utf8_lossy(line).into_owned(),
                        ..f
                    }
                })
            })
            .collect()
    }
}

/// The text of a line (without its `\n` or `\r\n`): up to `max_line + 2`
/// bytes, lossily decoded. `None` unless the line ends within them (or
/// at the end of the input: `ended`).
fn text_of(bytes: &[u8], max_line: usize, ended: bool) -> Option<String> {
    let limit = max_line.saturating_add(2).min(bytes.len());
    let line = match memchr::memchr(b'\n', &bytes[..limit]) {
        Some(end) => &bytes[..end],
        None if ended && bytes.len() <= limit => bytes,
        None => return None,
    };
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some(String::from_utf8_lossy(line).into_owned())
}

fn in_bytes(data: &[u8], w: Wanted, max_line: usize) -> Option<Found> {
    let (from, at) = (usize::try_from(w.from).ok()?, usize::try_from(w.at).ok()?);
    let between = data.get(from..at)?;
    Some(Found {
        line_ends: memchr::memchr_iter(b'\n', between).count() as u64,
        text: text_of(data.get(at..)?, max_line, true)?,
    })
}

/// Reads `buf.len()` bytes at `offset`, fewer at the end of the file.
fn read_at(file: &File, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// A wanted line of a plain file: the stretch before it and the line,
/// with positioned reads (the file is not read from its start).
fn at_positions(file: &File, w: Wanted, max_line: usize) -> io::Result<Option<Found>> {
    let Some(span) = w.at.checked_sub(w.from) else {
        return Ok(None);
    };
    let mut buf = vec![0; usize::try_from(span).unwrap_or(usize::MAX)];
    if read_at(file, w.from, &mut buf)? < buf.len() {
        return Ok(None);
    }
    let line_ends = memchr::memchr_iter(b'\n', &buf).count() as u64;
    // The line, 4 KiB at a time: most lines are far shorter than
    // `--max-line`.
    buf.clear();
    let mut piece = [0; 4096];
    loop {
        let got = read_at(file, w.at + buf.len() as u64, &mut piece)?;
        let seen = buf.len();
        buf.extend_from_slice(&piece[..got]);
        let ended = got < piece.len();
        if ended || memchr::memchr(b'\n', &buf[seen..]).is_some() || buf.len() > max_line + 2 {
            return Ok(text_of(&buf, max_line, ended).map(|text| Found { line_ends, text }));
        }
    }
}

/// The wanted lines of a compressed file, decompressed once from its start
/// up to the last one.
fn decompressed(
    file: &File,
    compression: Compression,
    limit: u64,
    wanted: &[Wanted],
    max_line: usize,
) -> io::Result<Vec<Option<Found>>> {
    let mut handle = file.try_clone()?;
    handle.rewind()?;
    let mut content = compression
        .decoder(BufReader::with_capacity(256 << 10, handle))
        .take(limit);
    // The line ends before each point (each `from` and `at`), and the text
    // at each `at`, found in one pass over the content.
    let mut points: Vec<u64> = wanted.iter().flat_map(|w| [w.from, w.at]).collect();
    points.sort_unstable();
    points.dedup();
    let mut ends_before = vec![None; points.len()];
    let mut texts: Vec<Option<Vec<u8>>> = vec![None; points.len()];
    let is_at: Vec<bool> = points
        .iter()
        .map(|p| wanted.iter().any(|w| w.at == *p))
        .collect();
    let last = *points.last().expect("wanted is not empty");
    let mut buf = vec![0; 1 << 20];
    let (mut pos, mut ends, mut next) = (0u64, 0u64, 0usize);
    // Lines begun in an earlier buffer, not yet ended: (point, bytes).
    let mut open: Vec<usize> = Vec::new();
    loop {
        let got = match content.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // Damage: what was found before it stands.
            Err(_) => 0,
        };
        let piece = &buf[..got];
        let ended = got == 0;
        // Lines still being read.
        open.retain(|&i| {
            let text = texts[i].as_mut().expect("an open line has bytes");
            let (take, done) = match memchr::memchr(b'\n', piece) {
                Some(end) => (end + 1, true),
                None => (piece.len(), ended),
            };
            let room = (max_line + 3).saturating_sub(text.len());
            text.extend_from_slice(&piece[..take.min(room)]);
            !(done || text.len() > max_line + 2)
        });
        let mut counted = 0;
        while next < points.len() && points[next] < pos + got as u64 {
            let within = (points[next] - pos) as usize;
            ends += memchr::memchr_iter(b'\n', &piece[counted..within]).count() as u64;
            counted = within;
            ends_before[next] = Some(ends);
            if is_at[next] {
                let rest = &piece[within..];
                let take = memchr::memchr(b'\n', rest).map_or(rest.len(), |e| e + 1);
                texts[next] = Some(rest[..take.min(max_line + 3)].to_vec());
                if !rest[..take].ends_with(b"\n") && take <= max_line + 2 {
                    open.push(next);
                }
            }
            next += 1;
        }
        ends += memchr::memchr_iter(b'\n', &piece[counted..]).count() as u64;
        pos += got as u64;
        if ended || (pos > last && open.is_empty()) {
            break;
        }
    }
    let index = |p: u64| points.binary_search(&p).ok();
    Ok(wanted
        .iter()
        .map(|w| {
            let (f, a) = (index(w.from)?, index(w.at)?);
            let line_ends = ends_before[a]? - ends_before[f]?;
            let text = text_of(texts[a].as_deref()?, max_line, true)?;
            Some(Found { line_ends, text })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &[u8] = b"one\ntwo\r\nthree\n\nfive\nsix";

    fn wanted() -> Vec<Wanted> {
        // (from, at): line starts 0, 4, 9, 15, 16, 21.
        [(0, 0), (0, 9), (4, 16), (16, 21), (0, 4)]
            .iter()
            .map(|&(from, at)| Wanted { from, at })
            .collect()
    }

    fn expected() -> Vec<Option<Found>> {
        [
            (0, "one"),
            (2, "three"),
            (3, "five"),
            (1, "six"),
            (1, "two"),
        ]
        .iter()
        .map(|&(line_ends, text)| {
            Some(Found {
                line_ends,
                text: text.to_string(),
            })
        })
        .collect()
    }

    #[test]
    fn bytes_files_and_compressed_files_read_alike() {
        let origin = |bytes| Origin {
            name: "log".into(),
            bytes,
            json: false,
            max_line: 100,
        };
        assert_eq!(origin(Readback::Bytes(LOG)).read(&wanted()), expected());

        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("log");
        std::fs::write(&plain, LOG).unwrap();
        let file = File::open(&plain).unwrap();
        assert_eq!(origin(Readback::File(&file)).read(&wanted()), expected());

        let gz = dir.path().join("log.gz");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, LOG).unwrap();
        std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
        let file = File::open(&gz).unwrap();
        // Tiny reads cross every line boundary.
        let compressed = origin(Readback::Compressed {
            file: &file,
            compression: Compression::Gzip,
            limit: u64::MAX,
        });
        assert_eq!(compressed.read(&wanted()), expected());
        let limited = origin(Readback::Compressed {
            file: &file,
            compression: Compression::Gzip,
            limit: 9,
        });
        let found = limited.read(&wanted());
        assert_eq!(found[0], expected()[0]);
        assert_eq!(found[1], None, "past --max-decompressed");

        assert_eq!(origin(Readback::Gone).read(&wanted()), vec![None; 5]);
    }

    #[test]
    fn long_lines_are_not_read_whole() {
        let data = [&b"a\n"[..], &[b'x'; 1000], b"\nb\n"].concat();
        let origin = Origin {
            name: "log".into(),
            bytes: Readback::Bytes(&data),
            json: false,
            max_line: 10,
        };
        let found = origin.read(&[Wanted { from: 0, at: 2 }, Wanted { from: 0, at: 1003 }]);
        assert_eq!(found[0], None);
        assert_eq!(found[1].as_ref().unwrap().text, "b");
    }
}
