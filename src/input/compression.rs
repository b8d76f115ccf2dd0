//! Compressed input: which format a stream is in (by its magic bytes first,
//! by its name only when the bytes say nothing), and a decoder for it.
//!
//! logrotate compresses with gzip unless told otherwise (`compresscmd`):
//! `.zst`, `.xz` and `.bz2` are the other common choices. The bytes decide,
//! so `cat mail.log.2.gz | maillog-report -` and a gzip file named
//! `mail.log.1` are read as what they are; a name with a compression suffix
//! whose bytes are not that format is read with the named format's decoder,
//! which reports the damage (as a damaged `.gz` always was).

use std::io::{BufRead, Read};

/// How an input's bytes are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
    Xz,
    Bzip2,
}

/// Enough leading bytes to recognise every format below.
pub const MAGIC_BYTES: usize = 10;

impl Compression {
    /// The format whose magic bytes `head` starts with, if any.
    pub fn from_magic(head: &[u8]) -> Option<Compression> {
        // gzip (RFC 1952): ID1 ID2 and CM = 8 (deflate).
        if head.starts_with(&[0x1f, 0x8b, 0x08]) {
            return Some(Compression::Gzip);
        }
        // zstd frame (RFC 8878), or a skippable frame (0x184D2A50..5F, LE).
        if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
            || (head.len() >= 4 && head[0] & 0xf0 == 0x50 && head[1..4] == [0x2a, 0x4d, 0x18])
        {
            return Some(Compression::Zstd);
        }
        // xz: 0xFD '7zXZ' 0x00.
        if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            return Some(Compression::Xz);
        }
        // bzip2: 'BZh', the block size '1'..'9', then the magic of the
        // first block (pi) or of the end of stream (sqrt(pi)) for an empty
        // one: ten bytes that a log line does not start with.
        if head.len() >= MAGIC_BYTES
            && head.starts_with(b"BZh")
            && (b'1'..=b'9').contains(&head[3])
            && (head[4..10] == [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]
                || head[4..10] == [0x17, 0x72, 0x45, 0x38, 0x50, 0x90])
        {
            return Some(Compression::Bzip2);
        }
        None
    }

    /// The format a file name's suffix names.
    pub fn from_name(name: &str) -> Compression {
        let name = name.to_ascii_lowercase();
        if name.ends_with(".gz") {
            Compression::Gzip
        } else if name.ends_with(".zst") {
            Compression::Zstd
        } else if name.ends_with(".xz") {
            Compression::Xz
        } else if name.ends_with(".bz2") {
            Compression::Bzip2
        } else {
            Compression::None
        }
    }

    /// The magic bytes decide; without any, the name does.
    pub fn detect(head: &[u8], name: &str) -> Compression {
        Compression::from_magic(head).unwrap_or_else(|| Compression::from_name(name))
    }

    /// The format's name in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "plain",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Xz => "xz",
            Compression::Bzip2 => "bzip2",
        }
    }

    /// A reader of the decompressed bytes of `compressed`. Every decoder
    /// reads concatenated streams (members, frames) to the end, as the
    /// command-line tools do.
    pub fn decoder<'a>(self, compressed: impl BufRead + Send + 'a) -> Box<dyn Read + Send + 'a> {
        match self {
            Compression::None => Box::new(compressed),
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(compressed)),
            Compression::Zstd => match zstd::stream::read::Decoder::with_buffer(compressed) {
                Ok(decoder) => Box::new(decoder),
                // Only fails when zstd cannot allocate its context.
                Err(e) => Box::new(Failing(Some(e))),
            },
            Compression::Xz => Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(compressed)),
            Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(compressed)),
        }
    }
}

/// A reader whose first read fails with a given error.
pub(crate) struct Failing(pub(crate) Option<std::io::Error>);

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn compressed(format: Compression, data: &[u8]) -> Vec<u8> {
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

    const ALL: [Compression; 5] = [
        Compression::None,
        Compression::Gzip,
        Compression::Zstd,
        Compression::Xz,
        Compression::Bzip2,
    ];

    #[test]
    fn each_format_is_recognised_by_its_bytes_and_decoded() {
        let text = b"Nov 23 14:04:29 relay postfix/qmgr[7]: 3B4E2B42C1: removed\n".repeat(50);
        for format in ALL {
            for data in [&text[..], b""] {
                let bytes = compressed(format, data);
                let magic = Compression::from_magic(&bytes);
                assert_eq!(
                    magic.unwrap_or(Compression::None),
                    format,
                    "{format:?}, {} bytes",
                    data.len()
                );
                // Concatenated streams are read to the end.
                let twice = [bytes.clone(), bytes].concat();
                let mut out = Vec::new();
                format
                    .decoder(&twice[..])
                    .read_to_end(&mut out)
                    .unwrap_or_else(|e| panic!("{format:?}: {e}"));
                assert_eq!(out, [data, data].concat(), "{format:?}");
            }
        }
    }

    #[test]
    fn log_lines_are_not_mistaken_for_compressed_data() {
        for line in [
            &b"Nov 23 14:04:29 relay postfix/qmgr[7]: removed"[..],
            b"BZh9 is not a bzip2 header without the block magic",
            b"2026-11-23T14:04:29+01:00 relay postfix/smtpd[1]: connect",
            b"",
        ] {
            assert_eq!(Compression::from_magic(line), None);
        }
    }

    #[test]
    fn names_decide_only_without_magic() {
        assert_eq!(
            Compression::detect(b"Nov 23", "mail.log.2.gz"),
            Compression::Gzip
        );
        assert_eq!(
            Compression::detect(b"Nov 23", "mail.log.2.ZST"),
            Compression::Zstd
        );
        assert_eq!(
            Compression::detect(b"Nov 23", "mail.log.1"),
            Compression::None
        );
        let gz = compressed(Compression::Gzip, b"x\n");
        assert_eq!(Compression::detect(&gz, "mail.log.1"), Compression::Gzip);
        assert_eq!(Compression::detect(&gz, "mail.log.1.xz"), Compression::Gzip);
    }
}
