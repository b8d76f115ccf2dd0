//! Line numbers by input and offset: the marks the scan leaves so that a
//! row's line number costs at most a stretch of line ends to count.

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
    pub(super) fn of_input(input: u16, stretches: &[(u64, u64)], rows: &[(u64, u64)]) -> LineIndex {
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
    pub(super) fn number_from(&mut self, first: u64) {
        for mark in &mut self.marks {
            mark.line += first;
        }
    }

    /// `other`'s marks after these (later in the input, or of a later
    /// input).
    pub(super) fn append(&mut self, other: &LineIndex) {
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
