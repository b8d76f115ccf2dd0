//! The group tables of the reports (rejects, failed deliveries, deliveries,
//! SASL, …) counted over the frame in place: the rows a table counts are
//! picked by kind (and status, and non-null columns) as the frame is read,
//! and grouped by category codes, without copying them into a narrow frame
//! for polars to group (on the 1.1 GB log the rejects table alone held
//! 28 MB of copies and group indexes at its peak).
//!
//! The result is the table [`super::grouping::grouped`] makes of the same
//! rows: the keys (categoricals as strings), [`COUNT`], the distinct
//! non-null values, the first value in log order, first and last seen;
//! sorted by count (descending), then by the keys (nulls last).

use std::cmp::Ordering;

use polars::prelude::*;

use super::columns::{COUNT, FIRST_SEEN, LAST_SEEN};
use super::grouping::Aggregates;
use crate::frame::col;
use crate::frame::rows::{self, Decoder, Stretch, Strs, Sym, Values};
use crate::parse::{DeliveryStatus, EventKind, Micros};

/// The most keys a table is grouped by.
const MAX_KEYS: usize = 5;
/// The most distinct counts a table has.
const MAX_DISTINCT: usize = 2;

/// The rows a table counts.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rows<'r> {
    /// Events of these kinds…
    pub kinds: &'r [EventKind],
    /// …with one of these delivery statuses (any if empty)…
    pub statuses: &'r [DeliveryStatus],
    /// …not marked here (by frame row: a content filter's hop)…
    pub skip: Option<&'r [bool]>,
    /// …where these columns are not null.
    pub present: &'r [&'r str],
}

/// `df`'s `rows` grouped by `keys`, with `aggregates`; `stretches` are the
/// frame's ([`rows::stretches`]).
pub fn grouped(
    df: &DataFrame,
    stretches: &[Stretch],
    rows: &Rows<'_>,
    keys: &[&str],
    aggregates: &Aggregates<'_>,
) -> PolarsResult<DataFrame> {
    polars_ensure!(
        keys.len() <= MAX_KEYS && aggregates.distinct.len() <= MAX_DISTINCT,
        ComputeError: "a table of {} keys and {} distinct counts", keys.len(), aggregates.distinct.len()
    );
    let readers = stretches
        .iter()
        .map(|stretch| Readers::of(df, stretch, rows, keys, aggregates))
        .collect::<PolarsResult<Vec<_>>>()?;
    let mut tally = Tally::default();
    for ((s, stretch), r) in stretches.iter().enumerate().zip(&readers) {
        r.kinds.each(&r.kind, stretch.len(), |i, _| {
            if r.counts(i, stretch.rows.start + i, rows.skip) {
                tally.add(r, s as u32, i as u32);
            }
        });
    }
    tally.table(df, &readers, keys, aggregates)
}

/// A column read as a group key or a first value: strings (categorical or
/// not) or unsigned numbers.
#[derive(Clone, Copy)]
enum Reader<'a> {
    Text(Strs<'a>),
    U16(Values<'a, UInt16Type>),
    U32(Values<'a, UInt32Type>),
    U64(Values<'a, UInt64Type>),
}

/// A key's part: a string by code ([`Sym`]), a number, or null (a group of
/// its own, apart from the empty string).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Part<'a> {
    Null,
    Text(Sym<'a>),
    Number(u64),
}

/// A part's value, to sort and print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Value<'a> {
    Text(Option<&'a str>),
    Number(Option<u64>),
}

impl<'a> Reader<'a> {
    fn of(df: &'a DataFrame, name: &str, stretch: &Stretch) -> PolarsResult<Reader<'a>> {
        let column = df.column(name)?;
        Ok(match column.dtype() {
            DataType::UInt16 => Reader::U16(Values::of(df, name, |c| c.u16(), stretch)?),
            DataType::UInt32 => Reader::U32(Values::of(df, name, |c| c.u32(), stretch)?),
            DataType::UInt64 => Reader::U64(Values::of(df, name, |c| c.u64(), stretch)?),
            DataType::String | DataType::Categorical(..) => {
                Reader::Text(Strs::of(df, name, stretch)?)
            }
            other => polars_bail!(ComputeError: "grouping by {name}, of type {other}"),
        })
    }

    #[inline]
    fn number(&self, i: usize) -> Option<u64> {
        match self {
            Reader::Text(_) => None,
            Reader::U16(v) => v.get(i).map(u64::from),
            Reader::U32(v) => v.get(i).map(u64::from),
            Reader::U64(v) => v.get(i),
        }
    }

    #[inline]
    fn part(&self, i: usize) -> Part<'a> {
        let part = match self {
            Reader::Text(s) => s.key(i).map(Part::Text),
            _ => self.number(i).map(Part::Number),
        };
        part.unwrap_or(Part::Null)
    }

    fn value(&self, i: usize) -> Value<'a> {
        match self {
            Reader::Text(s) => Value::Text(s.get(i)),
            _ => Value::Number(self.number(i)),
        }
    }
}

/// What a table reads of one stretch.
struct Readers<'a> {
    kind: Strs<'a>,
    kinds: Decoder<EventKind>,
    status: Strs<'a>,
    statuses: Option<Decoder<DeliveryStatus>>,
    present: Vec<Strs<'a>>,
    ts: Values<'a, Int64Type>,
    keys: Vec<Reader<'a>>,
    distinct: Vec<Strs<'a>>,
    first: Vec<Reader<'a>>,
}

impl<'a> Readers<'a> {
    fn of(
        df: &'a DataFrame,
        stretch: &Stretch,
        rows: &Rows<'_>,
        keys: &[&str],
        aggregates: &Aggregates<'_>,
    ) -> PolarsResult<Readers<'a>> {
        let kind = Strs::of(df, col::KIND, stretch)?;
        let status = Strs::of(df, col::STATUS, stretch)?;
        let readers = |names: &mut dyn Iterator<Item = &str>| {
            names
                .map(|name| Reader::of(df, name, stretch))
                .collect::<PolarsResult<Vec<_>>>()
        };
        Ok(Readers {
            kinds: Decoder::new(&kind, rows.kinds, |k| k.as_str()),
            kind,
            statuses: (!rows.statuses.is_empty())
                .then(|| Decoder::new(&status, rows.statuses, |s| s.as_str())),
            status,
            present: rows
                .present
                .iter()
                .map(|name| Strs::of(df, name, stretch))
                .collect::<PolarsResult<_>>()?,
            ts: rows::stamps(df, stretch)?,
            keys: readers(&mut keys.iter().copied())?,
            distinct: aggregates
                .distinct
                .iter()
                .map(|(name, _)| Strs::of(df, name, stretch))
                .collect::<PolarsResult<_>>()?,
            first: readers(&mut aggregates.first.iter().map(|(name, _)| *name))?,
        })
    }

    /// Whether the table counts the `i`-th row (frame row `row`), of one
    /// of its kinds.
    #[inline]
    fn counts(&self, i: usize, row: usize, skip: Option<&[bool]>) -> bool {
        self.statuses
            .as_ref()
            .is_none_or(|s| s.get(&self.status, i).is_some())
            && !skip.is_some_and(|skip| skip.get(row).copied().unwrap_or(false))
            && self.present.iter().all(|p| p.key(i).is_some())
    }
}

/// One group: its rows' count and times, its distinct values, and its
/// first row (its key's and first values' strings are read there).
struct Group {
    count: u64,
    /// Stretch and row in it.
    first: (u32, u32),
    first_seen: Micros,
    last_seen: Micros,
    distinct: [u64; MAX_DISTINCT],
}

#[derive(Default)]
struct Tally<'a> {
    index: PlHashMap<[Part<'a>; MAX_KEYS], u32>,
    groups: Vec<Group>,
    /// Per distinct column: the (group, value) pairs seen.
    seen: [PlHashSet<(u32, Sym<'a>)>; MAX_DISTINCT],
}

impl<'a> Tally<'a> {
    fn add(&mut self, r: &Readers<'a>, stretch: u32, i: u32) {
        let at = i as usize;
        let mut key = [Part::Null; MAX_KEYS];
        for (part, reader) in key.iter_mut().zip(&r.keys) {
            *part = reader.part(at);
        }
        let ts = r.ts.get(at).unwrap_or(0);
        let groups = &mut self.groups;
        let g = *self.index.entry(key).or_insert_with(|| {
            groups.push(Group {
                count: 0,
                first: (stretch, i),
                first_seen: ts,
                last_seen: ts,
                distinct: [0; MAX_DISTINCT],
            });
            (groups.len() - 1) as u32
        });
        let group = &mut self.groups[g as usize];
        group.count += 1;
        group.first_seen = group.first_seen.min(ts);
        group.last_seen = group.last_seen.max(ts);
        for ((column, seen), n) in r
            .distinct
            .iter()
            .zip(&mut self.seen)
            .zip(&mut group.distinct)
        {
            if let Some(value) = column.key(at) {
                if seen.insert((g, value)) {
                    *n += 1;
                }
            }
        }
    }

    /// The groups as a table, sorted.
    fn table(
        self,
        df: &DataFrame,
        readers: &[Readers<'a>],
        keys: &[&str],
        aggregates: &Aggregates<'_>,
    ) -> PolarsResult<DataFrame> {
        let mut groups: Vec<(Vec<Value<'a>>, Group)> = self
            .groups
            .into_iter()
            .map(|g| (values(readers, &g, |r| &r.keys), g))
            .collect();
        groups.sort_by(|(a, x), (b, y)| {
            y.count.cmp(&x.count).then_with(|| {
                a.iter()
                    .zip(b)
                    .map(|(a, b)| nulls_last(a, b))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            })
        });
        let mut columns = Vec::new();
        for (k, name) in keys.iter().enumerate() {
            let parts = groups.iter().map(|(key, _)| key[k]);
            columns.push(column(df, name, name, parts)?);
        }
        columns.push(Column::new(
            COUNT.into(),
            groups.iter().map(|(_, g)| g.count).collect::<Vec<_>>(),
        ));
        for (d, (_, name)) in aggregates.distinct.iter().enumerate() {
            columns.push(Column::new(
                (*name).into(),
                groups
                    .iter()
                    .map(|(_, g)| g.distinct[d])
                    .collect::<Vec<_>>(),
            ));
        }
        for (f, (source, name)) in aggregates.first.iter().enumerate() {
            let firsts = groups
                .iter()
                .map(|(_, g)| values(readers, g, |r| &r.first)[f]);
            columns.push(column(df, source, name, firsts)?);
        }
        if aggregates.times {
            let stamps = |name: &str, pick: fn(&Group) -> Micros| {
                Int64Chunked::from_vec(name.into(), groups.iter().map(|(_, g)| pick(g)).collect())
                    .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
                    .into_column()
            };
            columns.push(stamps(FIRST_SEEN, |g| g.first_seen));
            columns.push(stamps(LAST_SEEN, |g| g.last_seen));
        }
        DataFrame::new_infer_height(columns)
    }
}

/// The values a group's first row has in the columns `pick` chooses.
fn values<'a>(
    readers: &[Readers<'a>],
    g: &Group,
    pick: for<'r> fn(&'r Readers<'a>) -> &'r [Reader<'a>],
) -> Vec<Value<'a>> {
    let (s, i) = g.first;
    pick(&readers[s as usize])
        .iter()
        .map(|r| r.value(i as usize))
        .collect()
}

/// Values ascending, nulls last.
fn nulls_last(a: &Value<'_>, b: &Value<'_>) -> Ordering {
    fn order<T: Ord>(a: &Option<T>, b: &Option<T>) -> Ordering {
        match (a, b) {
            (Some(a), Some(b)) => a.cmp(b),
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
        }
    }
    match (a, b) {
        (Value::Text(a), Value::Text(b)) => order(a, b),
        (Value::Number(a), Value::Number(b)) => order(a, b),
        // One column holds one kind of value.
        _ => Ordering::Equal,
    }
}

/// Column `name` of the values of `source`'s column: strings (a
/// categorical's too), or numbers of its type.
fn column<'v>(
    df: &DataFrame,
    source: &str,
    name: &str,
    values: impl Iterator<Item = Value<'v>>,
) -> PolarsResult<Column> {
    let dtype = df.column(source)?.dtype();
    if matches!(dtype, DataType::String | DataType::Categorical(..)) {
        let texts: Vec<Option<&str>> = values
            .map(|v| match v {
                Value::Text(t) => t,
                Value::Number(_) => None,
            })
            .collect();
        return Ok(Column::new(name.into(), texts));
    }
    let numbers = values.map(|v| match v {
        Value::Number(n) => n,
        Value::Text(_) => None,
    });
    // Built in the column's type, not cast to it: polars casts a column
    // of nulls (an empty one too) through its shared zeroed buffer, 8 MB
    // made resident on first use.
    let name = PlSmallStr::from(name);
    Ok(match dtype {
        DataType::UInt16 => {
            UInt16Chunked::from_iter_options(name, numbers.map(|n| n.map(|n| n as u16)))
                .into_column()
        }
        DataType::UInt32 => {
            UInt32Chunked::from_iter_options(name, numbers.map(|n| n.map(|n| n as u32)))
                .into_column()
        }
        _ => UInt64Chunked::from_iter_options(name, numbers).into_column(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Input, Source};
    use crate::report::columns::{CLIENTS, RECIPIENTS, RELAY, RELAYS};
    use crate::report::grouping;
    use crate::scan::{scan, ScanOptions};

    /// The frame of a log (a path in the repository, or beside it), in
    /// several chunks; `None` if it is not there.
    fn frame(path: &str) -> Option<crate::scan::Scan> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!("skipping: {} is missing", path.display());
            return None;
        };
        let input = Input {
            name: path.display().to_string(),
            data: Source::Owned(bytes),
            mtime: None,
        };
        Some(scan(&[input], &ScanOptions::every_event(5, 2026)))
    }

    /// The rows `rows` picks, as polars filters them (no `skip` here).
    fn filtered(df: &DataFrame, rows: &Rows<'_>) -> DataFrame {
        let strings = |name: &str| -> Vec<Option<String>> {
            let column = df.column(name).unwrap().cast(&DataType::String).unwrap();
            let strings = column.str().unwrap();
            strings.iter().map(|s| s.map(str::to_string)).collect()
        };
        let (kind, status) = (strings(col::KIND), strings(col::STATUS));
        let present: Vec<_> = rows.present.iter().map(|name| strings(name)).collect();
        let keep: BooleanChunked = (0..df.height())
            .map(|i| {
                let is = |value: &Option<String>, wanted: &str| value.as_deref() == Some(wanted);
                rows.kinds.iter().any(|k| is(&kind[i], k.as_str()))
                    && (rows.statuses.is_empty()
                        || rows.statuses.iter().any(|s| is(&status[i], s.as_str())))
                    && present.iter().all(|p| p[i].is_some())
            })
            .collect();
        df.filter(&keep).unwrap()
    }

    /// The tables counted in place are the tables polars groups, on every
    /// chunk boundary, key type (categorical, string, number) and
    /// aggregate.
    #[test]
    fn the_tally_is_what_polars_groups() {
        let tables: &[(Rows<'_>, &[&str], Aggregates<'_>)] = &[
            (
                Rows {
                    kinds: &[EventKind::Reject],
                    ..Rows::default()
                },
                &[
                    col::TO_DOMAIN,
                    col::CODE,
                    col::ENHANCED,
                    col::RESTRICTION,
                    col::REASON,
                ],
                Aggregates {
                    distinct: &[(col::TO, RECIPIENTS), (col::CLIENT_IP, CLIENTS)],
                    first: &[],
                    times: true,
                },
            ),
            (
                Rows {
                    kinds: &[EventKind::Delivery],
                    statuses: &DeliveryStatus::FAILED,
                    ..Rows::default()
                },
                &[
                    col::STATUS,
                    col::TO_DOMAIN,
                    col::DSN,
                    col::CODE,
                    col::REASON,
                ],
                Aggregates {
                    distinct: &[(col::QUEUE_ID, "messages"), (col::RELAY_HOST, RELAYS)],
                    first: &[(col::RELAY_HOST, RELAY), (col::RELAY_PORT, "port")],
                    times: true,
                },
            ),
            (
                Rows {
                    kinds: &[EventKind::Client],
                    present: &[col::SASL_USERNAME],
                    ..Rows::default()
                },
                &[col::SASL_USERNAME, col::SASL_METHOD],
                Aggregates {
                    distinct: &[(col::CLIENT_IP, CLIENTS)],
                    first: &[],
                    times: false,
                },
            ),
        ];
        // The SASL logins are in the corpus beside the checkout (the
        // tests of tests/ read it too), the rest in this repository.
        let logs = [
            "sample-logs/maillog",
            "sample-logs/lab/maillog",
            "../shared/corpus/maillogsentinel-sample_sasl.log",
            "../shared/corpus/pixelpark-postfix-logsums.mail.log",
        ];
        let mut rows_seen = vec![0; tables.len()];
        let mut corpus = false;
        for log in logs {
            let Some(scanned) = frame(log) else { continue };
            corpus |= log.contains("sasl");
            let df = &scanned.frame;
            assert!(scanned.stretches.len() > 1, "{log}: several chunks");
            for (t, (rows, keys, aggregates)) in tables.iter().enumerate() {
                let tally = grouped(df, &scanned.stretches, rows, keys, aggregates).unwrap();
                let polars = grouping::grouped(&filtered(df, rows), keys, aggregates).unwrap();
                assert!(
                    tally.equals_missing(&polars),
                    "{log}: {keys:?}\n{tally}\n{polars}"
                );
                rows_seen[t] += tally.height();
            }
        }
        assert!(rows_seen[0] > 0 && rows_seen[1] > 0, "{rows_seen:?}");
        assert!(!corpus || rows_seen[2] > 0, "{rows_seen:?}");
    }
}
