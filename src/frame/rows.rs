//! Frame rows read in place: the reports that walk every row (messages,
//! the summary, the findings) read each column's arrow arrays directly,
//! without copies and without a boxed iterator per column.
//!
//! The frame is the chunk frames of the scan stacked, so its columns share
//! chunk boundaries: a [`Stretch`] is a run of rows that is one array in
//! every column. A categorical column is read as its codes: the frame's
//! categoricals share the global categories, so one string has one code in
//! every column, and comparing codes replaces comparing strings.

use std::ops::Range;

use polars::prelude::*;

/// The global categories' strings, which every categorical column the scan
/// builds shares. Held for the whole run: polars keeps them only while a
/// column holds them, and a code kept beyond its column (a message's
/// sender) must keep its string.
pub fn global_categories() -> &'static CategoricalMapping {
    static MAPPING: std::sync::OnceLock<std::sync::Arc<CategoricalMapping>> =
        std::sync::OnceLock::new();
    MAPPING.get_or_init(|| Categories::global().mapping())
}

/// `value`'s code in the global categories, added if it is new.
#[inline]
pub fn global_code(value: &str) -> u32 {
    global_categories()
        .insert_cat(value)
        .expect("the global categories take any string (up to 2^32 - 1 of them)")
}

/// The code in the global categories of the value last asked for, so that
/// a value repeated from the row before (host, instance, daemon, kind,
/// status, the relay) is not looked up again: a lookup hashes the string
/// and probes a table every worker shares. The buffer is reused, so no
/// allocation per row.
#[derive(Debug, Default)]
pub struct CodeMemo {
    last: String,
    code: Option<u32>,
}

impl CodeMemo {
    /// `value`'s code, added to the global categories if it is new.
    #[inline]
    pub fn code(&mut self, value: &str) -> u32 {
        match self.code {
            Some(code) if self.last == value => code,
            _ => {
                let code = global_code(value);
                self.last.clear();
                self.last.push_str(value);
                self.code = Some(code);
                code
            }
        }
    }
}

/// A run of frame rows that is one arrow array in every column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stretch {
    /// The frame rows.
    pub rows: Range<usize>,
}

impl Stretch {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// The stretches of `df`: the union of its columns' chunk boundaries (one
/// stretch per scan chunk when, as after the scan, the columns are aligned).
pub fn stretches(df: &DataFrame) -> Vec<Stretch> {
    let mut bounds = vec![0, df.height()];
    for column in df.columns() {
        let mut at = 0;
        for len in column.as_materialized_series().chunk_lengths() {
            at += len;
            bounds.push(at);
        }
    }
    bounds.sort_unstable();
    bounds.dedup();
    bounds
        .windows(2)
        .map(|w| Stretch { rows: w[0]..w[1] })
        .collect()
}

/// The array of `chunks` that holds `rows`, and where `rows` start in it.
/// Stretches never cross a chunk boundary, so one array holds them all.
fn locate<'a, A: StaticArray>(
    chunks: impl Iterator<Item = &'a A>,
    rows: &Range<usize>,
) -> Option<(&'a A, usize)> {
    let mut start = 0;
    for chunk in chunks {
        let end = start + chunk.len();
        if rows.start < end || (rows.is_empty() && rows.start == start) {
            debug_assert!(rows.end <= end, "a stretch within one chunk");
            return Some((chunk, rows.start - start));
        }
        start = end;
    }
    None
}

/// A string column over one stretch: categorical codes, string views, or
/// nothing (a column the projection left out reads as all null).
#[derive(Clone, Copy)]
pub enum Strs<'a> {
    Absent,
    Codes {
        codes: Values<'a, UInt32Type>,
        mapping: &'a CategoricalMapping,
        /// The code of the empty string, if the categories have it.
        empty: Option<u32>,
    },
    Views(Values<'a, StringType>),
}

impl<'a> Strs<'a> {
    /// Column `name` of `df` over `stretch`.
    pub fn of(df: &'a DataFrame, name: &str, stretch: &Stretch) -> PolarsResult<Strs<'a>> {
        let Ok(column) = df.column(name) else {
            return Ok(Strs::Absent);
        };
        Ok(match column.dtype() {
            DataType::Categorical(..) => {
                let cats = column.cat32()?;
                let mapping = cats.get_mapping();
                Strs::Codes {
                    codes: Values::in_array(cats.physical(), stretch),
                    mapping,
                    empty: mapping.get_cat(""),
                }
            }
            _ => Strs::Views(Values::in_array(column.str()?, stretch)),
        })
    }

    /// The value of the stretch's `i`-th row.
    #[inline(always)]
    pub fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strs::Absent => None,
            Strs::Codes { codes, mapping, .. } => codes
                .get(i)
                // The codes were made by this mapping (the scan's builders).
                .and_then(|code| mapping.cat_to_str(code)),
            Strs::Views(views) => views.get(i),
        }
    }

    /// The category code of the `i`-th row (`None` for nulls, and for a
    /// column that is not categorical).
    #[inline]
    pub fn code(&self, i: usize) -> Option<u32> {
        match self {
            Strs::Codes { codes, .. } => codes.get(i),
            _ => None,
        }
    }

    /// The code `value` has in this column, if it is categorical and the
    /// categories know `value`.
    pub fn code_of(&self, value: &str) -> Option<u32> {
        match self {
            Strs::Codes { mapping, .. } => mapping.get_cat(value),
            _ => None,
        }
    }

    /// The `i`-th row as a key to group by: equal keys are equal strings,
    /// null counting as the empty string.
    #[inline]
    pub fn sym(&self, i: usize) -> Sym<'a> {
        self.key(i).unwrap_or(Sym::Empty)
    }

    /// [`Strs::sym`], and `None` for null.
    #[inline]
    pub fn key(&self, i: usize) -> Option<Sym<'a>> {
        match self {
            Strs::Absent => None,
            Strs::Codes { codes, empty, .. } => {
                let code = codes.get(i)?;
                Some(if Some(code) == *empty {
                    Sym::Empty
                } else {
                    Sym::Code(code)
                })
            }
            Strs::Views(views) => {
                let text = views.get(i)?;
                Some(if text.is_empty() {
                    Sym::Empty
                } else {
                    Sym::Text(text)
                })
            }
        }
    }

    /// Whether the `i`-th row is `value` ([`Wanted`] made for this column's
    /// categories, or for a string column).
    #[inline]
    pub fn is(&self, i: usize, value: &Wanted<'_>) -> bool {
        match (self, value) {
            (Strs::Codes { codes, .. }, Wanted::Code(code)) => {
                code.is_some() && codes.get(i) == *code
            }
            (_, Wanted::Text(text)) => self.get(i) == Some(*text),
            _ => false,
        }
    }

    /// `value`, made ready to compare with [`Strs::is`].
    pub fn wanted<'v>(&self, value: &'v str) -> Wanted<'v> {
        match self {
            Strs::Codes { mapping, .. } => Wanted::Code(mapping.get_cat(value)),
            _ => Wanted::Text(value),
        }
    }
}

/// A string column's value as a key ([`Strs::sym`]): a category code (one
/// per string: the frame's categoricals share the global categories), the
/// string of a column that is not categorical, or the empty string (and
/// null). Hashing and comparing a code costs less than a string, and one
/// column is either categorical or not, so its keys are all of one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sym<'a> {
    Code(u32),
    Text(&'a str),
    Empty,
}

/// A string to compare rows with: its code in a categorical column (`None`
/// if the categories never saw it: then no row is it), or the string.
#[derive(Clone, Copy, Debug)]
pub enum Wanted<'v> {
    Code(Option<u32>),
    Text(&'v str),
}

/// A column of `T` (numbers, string views, category codes) over one
/// stretch, or nothing.
pub struct Values<'a, T: PolarsDataType> {
    array: Option<&'a T::Array>,
    /// Where the stretch starts in `array`.
    offset: usize,
}

// Derived Clone and Copy would ask the same of `T`.
impl<T: PolarsDataType> Clone for Values<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: PolarsDataType> Copy for Values<'_, T> {}

impl<'a, T: PolarsDataType> Values<'a, T> {
    /// Nothing: every row null.
    pub fn absent() -> Self {
        Values {
            array: None,
            offset: 0,
        }
    }

    /// `ca` over `stretch`.
    pub fn in_array(ca: &'a ChunkedArray<T>, stretch: &Stretch) -> Self {
        match locate(ca.downcast_iter(), &stretch.rows) {
            Some((array, offset)) => Values {
                array: Some(array),
                offset,
            },
            None => Self::absent(),
        }
    }

    /// The value of the stretch's `i`-th row.
    #[inline(always)]
    pub fn get(&self, i: usize) -> Option<T::Physical<'a>> {
        self.array?.get(self.offset + i)
    }
}

impl<'a, T: PolarsNumericType> Values<'a, T> {
    /// The stretch's `len` values as a slice, if none is null.
    pub fn dense_slice(&self, len: usize) -> Option<&'a [T::Native]> {
        let array = self.array?;
        if null_count(array) > 0 {
            return None;
        }
        array.values().get(self.offset..self.offset + len)
    }

    /// Number column `name` of `df` over `stretch` (all null if the frame
    /// does not have it).
    pub fn of(
        df: &'a DataFrame,
        name: &str,
        typed: fn(&'a Column) -> PolarsResult<&'a ChunkedArray<T>>,
        stretch: &Stretch,
    ) -> PolarsResult<Self> {
        match df.column(name) {
            Ok(column) => Ok(Values::in_array(typed(column)?, stretch)),
            Err(_) => Ok(Values::absent()),
        }
    }
}

/// The nulls of `array` (a supertrait's method, reached through the bound).
fn null_count<A: StaticArray>(array: &A) -> usize {
    array.null_count()
}

/// The timestamps (UTC microseconds) over `stretch`.
pub fn stamps<'a>(df: &'a DataFrame, stretch: &Stretch) -> PolarsResult<Values<'a, Int64Type>> {
    let ts = df.column(crate::frame::col::TS)?.datetime()?.physical();
    Ok(Values::in_array(ts, stretch))
}

/// The number of distinct non-null values of string column `name` (as
/// polars' `drop_nulls().n_unique()`, without copying the column): a bit
/// per category code, or a set of the strings of a column that is not
/// categorical.
pub fn distinct(df: &DataFrame, stretches: &[Stretch], name: &str) -> PolarsResult<usize> {
    let mut codes: Vec<u64> = Vec::new();
    let mut texts: PlHashSet<&str> = PlHashSet::default();
    for stretch in stretches {
        let column = Strs::of(df, name, stretch)?;
        for i in 0..stretch.len() {
            match column {
                Strs::Codes { codes: c, .. } => {
                    if let Some(code) = c.get(i) {
                        let (word, bit) = (code as usize / 64, code % 64);
                        if word >= codes.len() {
                            codes.resize(word + 1, 0);
                        }
                        codes[word] |= 1 << bit;
                    }
                }
                _ => {
                    if let Some(text) = column.get(i) {
                        texts.insert(text);
                    }
                }
            }
        }
    }
    Ok(codes.iter().map(|w| w.count_ones() as usize).sum::<usize>() + texts.len())
}

/// Codes below this are decoded by table ([`Decoder`]): 4096 entries of
/// a byte or two at most.
const DENSE: u32 = 4096;

/// Small vocabularies (event kinds, delivery statuses) decoded from a
/// column's codes: a table lookup instead of a string comparison per value.
pub struct Decoder<T> {
    /// The value of each code below the table's end (at most [`DENSE`]: a
    /// vocabulary's words are usually among the first strings the scan
    /// saw); a code the table does not reach and below [`DENSE`] is none.
    dense: Vec<Option<T>>,
    /// The other (code, value), sorted by code: searched.
    sparse: Vec<(u32, T)>,
    /// The values, for a column that is not categorical.
    values: Vec<T>,
    name: fn(&T) -> &'static str,
    /// Where the table stops and the search starts.
    limit: u32,
}

impl<T: Copy> Decoder<T> {
    /// A decoder of `values` (named by `name`) for `column`'s categories.
    pub fn new(column: &Strs<'_>, values: &[T], name: fn(&T) -> &'static str) -> Decoder<T> {
        Self::with_table_below(DENSE, column, values, name)
    }

    /// [`Decoder::new`], with a table for the codes below `limit`.
    fn with_table_below(
        limit: u32,
        column: &Strs<'_>,
        values: &[T],
        name: fn(&T) -> &'static str,
    ) -> Decoder<T> {
        let mut codes: Vec<(u32, T)> = values
            .iter()
            .filter_map(|v| Some((column.code_of(name(v))?, *v)))
            .collect();
        codes.sort_by_key(|(code, _)| *code);
        let sparse = codes.split_off(codes.partition_point(|(code, _)| *code < limit));
        let mut dense = vec![None; codes.last().map_or(0, |(code, _)| *code as usize + 1)];
        for (code, value) in codes {
            dense[code as usize] = Some(value);
        }
        Decoder {
            dense,
            sparse,
            values: values.to_vec(),
            name,
            limit,
        }
    }

    /// The value of `code`, if it is one of the values.
    #[inline(always)]
    fn decode(&self, code: u32) -> Option<T> {
        if code < self.limit {
            return self.dense.get(code as usize).copied().flatten();
        }
        let at = self.sparse.binary_search_by_key(&code, |(c, _)| *c).ok()?;
        Some(self.sparse[at].1)
    }

    /// The value of `column`'s `i`-th row, if it is one of the values.
    #[inline]
    pub fn get(&self, column: &Strs<'_>, i: usize) -> Option<T> {
        match column {
            Strs::Codes { codes, .. } => self.decode(codes.get(i)?),
            _ => {
                let text = column.get(i)?;
                self.values.iter().copied().find(|v| (self.name)(v) == text)
            }
        }
    }

    /// Calls `f` with each row of `column` over a stretch of `len` rows
    /// that is one of the values, and its value, in order. A categorical
    /// column without nulls is read as a slice of codes: the reports that
    /// pick a few kinds of rows out of the frame spend a table lookup on
    /// each of the others.
    #[inline]
    pub fn each(&self, column: &Strs<'_>, len: usize, mut f: impl FnMut(usize, T)) {
        if let Strs::Codes { codes, .. } = column {
            if let Some(codes) = codes.dense_slice(len) {
                for (i, &code) in codes.iter().enumerate() {
                    if let Some(value) = self.decode(code) {
                        f(i, value);
                    }
                }
                return;
            }
        }
        for i in 0..len {
            if let Some(value) = self.get(column, i) {
                f(i, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> DataFrame {
        let cats = DataType::from_categories(Categories::global());
        let mut a = df! {
            "s" => [Some("x"), None, Some("y")],
            "n" => [Some(1u16), Some(2), None],
        }
        .unwrap();
        a.with_column(
            a.column("s")
                .unwrap()
                .cast(&cats)
                .unwrap()
                .with_name("c".into()),
        )
        .unwrap();
        let mut b = a.clone();
        b.vstack_mut(&a).unwrap();
        b
    }

    #[test]
    fn distinct_values_by_code_or_by_string() {
        let df = frame();
        let stretches = stretches(&df);
        assert_eq!(distinct(&df, &stretches, "c").unwrap(), 2);
        assert_eq!(distinct(&df, &stretches, "s").unwrap(), 2);
        assert_eq!(distinct(&df, &stretches, "missing").unwrap(), 0);
    }

    #[test]
    fn stretches_follow_the_chunks() {
        let df = frame();
        let rows: Vec<Range<usize>> = stretches(&df).into_iter().map(|s| s.rows).collect();
        assert_eq!(rows, [0..3, 3..6]);
    }

    #[test]
    fn strings_codes_and_numbers_read_in_place() {
        let df = frame();
        for stretch in stretches(&df) {
            let s = Strs::of(&df, "s", &stretch).unwrap();
            let c = Strs::of(&df, "c", &stretch).unwrap();
            let none = Strs::of(&df, "missing", &stretch).unwrap();
            let n = Values::of(&df, "n", |c| c.u16(), &stretch).unwrap();
            let got: Vec<_> = (0..stretch.len())
                .map(|i| (s.get(i), c.get(i), none.get(i), n.get(i)))
                .collect();
            assert_eq!(
                got,
                [
                    (Some("x"), Some("x"), None, Some(1)),
                    (None, None, None, Some(2)),
                    (Some("y"), Some("y"), None, None),
                ]
            );
            for column in [&s, &c] {
                let x = column.wanted("x");
                let never = column.wanted("never seen");
                let is: Vec<_> = (0..3)
                    .map(|i| (column.is(i, &x), column.is(i, &never)))
                    .collect();
                assert_eq!(is, [(true, false), (false, false), (false, false)]);
            }
            let syms: Vec<_> = (0..3).map(|i| (s.sym(i), c.sym(i))).collect();
            assert_eq!(syms[0].0, Sym::Text("x"));
            assert!(matches!(syms[0].1, Sym::Code(_)));
            assert_eq!(
                syms[1],
                (Sym::Empty, Sym::Empty),
                "null is the empty string"
            );
            assert_ne!(syms[0].1, syms[2].1);
            let decoder = Decoder::new(&c, &["y", "x"], |v| *v);
            let decoded: Vec<_> = (0..3).map(|i| decoder.get(&c, i)).collect();
            assert_eq!(decoded, [Some("x"), None, Some("y")]);
            let searched = Decoder::with_table_below(0, &c, &["y", "x"], |v| *v);
            assert!(searched.dense.is_empty());
            let decoded: Vec<_> = (0..3).map(|i| searched.get(&c, i)).collect();
            assert_eq!(decoded, [Some("x"), None, Some("y")]);
            for (column, decoder) in [(&c, &decoder), (&c, &searched), (&s, &decoder)] {
                let mut each = Vec::new();
                decoder.each(column, 3, |i, v| each.push((i, v)));
                assert_eq!(each, [(0, "x"), (2, "y")]);
            }
            let decoder = Decoder::new(&s, &["y", "x"], |v| *v);
            assert!(
                decoder.dense.is_empty() && decoder.sparse.is_empty(),
                "a string column has no codes"
            );
            let decoded: Vec<_> = (0..3).map(|i| decoder.get(&s, i)).collect();
            assert_eq!(decoded, [Some("x"), None, Some("y")]);
        }
    }
}
