//! Cutting input into chunks on line boundaries, and lines out of a chunk.

/// Splits `data` into at most `n` chunks of similar size, each ending just
/// after a `\n` (the last one at the end of `data`), so no line is cut.
pub fn split(data: &[u8], n: usize) -> Vec<&[u8]> {
    let n = n.max(1);
    let target = data.len().div_ceil(n).max(1);
    let mut chunks = Vec::with_capacity(n);
    let mut start = 0;
    while start < data.len() {
        let tentative = (start + target).min(data.len());
        let end = if tentative == data.len() {
            tentative
        } else {
            match memchr::memchr(b'\n', &data[tentative..]) {
                Some(i) => tentative + i + 1,
                None => data.len(),
            }
        };
        chunks.push(&data[start..end]);
        start = end;
    }
    chunks
}

/// The lines of a chunk without their `\n` (and without a `\r` before it);
/// a last line without `\n` is still a line.
pub fn lines(chunk: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = chunk;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, next) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    })
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
        let got: Vec<&[u8]> = lines(b"a\r\nb\n\nc").collect();
        assert_eq!(got, vec![&b"a"[..], b"b", b"", b"c"]);
    }
}
