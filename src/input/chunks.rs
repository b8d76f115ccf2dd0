//! Cutting input into chunks on line boundaries, and lines out of a chunk.

/// Splits `data` into at most `n` chunks of similar size, each ending just
/// after a `\n` (the last one at the end of `data`), so no line is cut.
pub fn split(data: &[u8], n: usize) -> Vec<&[u8]> {
    split_reading(data, n, |_| {})
}

/// [`split`], calling `read` with the range of `data` read to find each
/// boundary (a mapped input releases those pages at once).
pub fn split_reading(
    data: &[u8],
    n: usize,
    mut read: impl FnMut(std::ops::Range<usize>),
) -> Vec<&[u8]> {
    let n = n.max(1);
    let target = data.len().div_ceil(n).max(1);
    let mut chunks = Vec::with_capacity(n);
    let mut start = 0;
    while start < data.len() {
        let tentative = (start + target).min(data.len());
        let end = if tentative == data.len() {
            tentative
        } else {
            let end = match memchr::memchr(b'\n', &data[tentative..]) {
                Some(i) => tentative + i + 1,
                None => data.len(),
            };
            read(tentative..end);
            end
        };
        chunks.push(&data[start..end]);
        start = end;
    }
    chunks
}

/// The lines of a chunk of text without their `\n` (and without a `\r`
/// before it); a last line without `\n` is still a line.
pub fn text_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, next) = strip_line_end(rest.as_bytes());
        let line = &rest[..line.len()];
        rest = &rest[rest.len() - next.len()..];
        Some(line)
    })
}

/// The first line of `data` without its line end, and what follows it.
pub fn strip_line_end(data: &[u8]) -> (&[u8], &[u8]) {
    let (line, next) = match memchr::memchr(b'\n', data) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[data.len()..]),
    };
    (line.strip_suffix(b"\r").unwrap_or(line), next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_input_on_line_boundaries() {
        let data = b"one\ntwo\nthree\nfour\nfive";
        for n in 1..10 {
            let chunks = split(data, n);
            assert_eq!(chunks.concat(), data.to_vec(), "n={n}");
            for c in &chunks[..chunks.len() - 1] {
                assert_eq!(c.last(), Some(&b'\n'), "n={n}");
            }
        }
        assert!(split(b"", 4).is_empty());
    }

    #[test]
    fn lines_strip_line_ends() {
        let got: Vec<&str> = text_lines("a\r\nb\n\né\r").collect();
        assert_eq!(got, vec!["a", "b", "", "é"]);
    }
}
