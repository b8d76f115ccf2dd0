//! Postfix's own warnings, errors, fatal errors and panics, condensed: the
//! same message with other addresses, queue ids or numbers is one row; then
//! master's and postfix-script's messages (started, reload, stopping,
//! terminating on signal …), as logged.

use polars::prelude::*;

use super::{count_column, text_column};
use crate::frame::rows::{self, Decoder, Strs};
use crate::frame::{col, Projection};
use crate::parse::{EventKind, Micros};
use crate::report::columns::{COUNT, FIRST_SEEN, LAST_SEEN, SEVERITY};
use crate::report::{Body, Context, ReportSpec};

pub const SPEC: ReportSpec = ReportSpec {
    title: "Postfix's warnings, errors, fatal errors, panics and master messages",
    reads: || {
        Projection::NONE
            .with_kinds(KINDS)
            .with_columns(&[col::KIND, col::DAEMON, col::REASON])
    },
    compute,
    drop_first: &[LAST_SEEN, FIRST_SEEN, col::DAEMON],
    ranked: true,
};

/// (severity rank, severity, daemon, condensed text), borrowed from the
/// frame.
type Key<'a> = (usize, &'static str, &'a str, &'a str);
/// count, first and last seen.
type Seen = (u64, Micros, Micros);

const KINDS: &[EventKind] = &[
    EventKind::Panic,
    EventKind::Fatal,
    EventKind::Error,
    EventKind::Warning,
    EventKind::Master,
];

fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    let df = context.frame;
    let mut groups: PlHashMap<Key<'_>, Seen> = PlHashMap::default();
    // The frame read in place: the reason column already holds the
    // condensed message (addresses, numbers replaced).
    for stretch in context.stretches {
        let kind = Strs::of(df, col::KIND, stretch)?;
        let kinds = Decoder::new(&kind, KINDS, |k| k.as_str());
        let ts = rows::stamps(df, stretch)?;
        let daemon = Strs::of(df, col::DAEMON, stretch)?;
        let text = Strs::of(df, col::REASON, stretch)?;
        kinds.each(&kind, stretch.len(), |i, k| {
            let Some(ts) = ts.get(i) else {
                return;
            };
            let rank = KINDS.iter().position(|n| *n == k).unwrap_or(KINDS.len());
            let key = (
                rank,
                k.as_str(),
                daemon.get(i).unwrap_or(""),
                text.get(i).unwrap_or(""),
            );
            let entry = groups.entry(key).or_insert((0, ts, ts));
            entry.0 += 1;
            entry.1 = entry.1.min(ts);
            entry.2 = entry.2.max(ts);
        });
    }
    let mut rows: Vec<_> = groups.into_iter().collect();
    // Worst first, then by count.
    rows.sort_by(|a, b| {
        (a.0 .0, std::cmp::Reverse(a.1 .0), &a.0).cmp(&(b.0 .0, std::cmp::Reverse(b.1 .0), &b.0))
    });
    let stamps = |name: &str, f: fn(&Seen) -> Micros| {
        Int64Chunked::from_vec(name.into(), rows.iter().map(|r| f(&r.1)).collect())
            .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
            .into_column()
    };
    Ok(Body::table(DataFrame::new_infer_height(vec![
        text_column(SEVERITY, rows.iter().map(|r| r.0 .1).collect()),
        text_column(col::DAEMON, rows.iter().map(|r| r.0 .2).collect()),
        text_column(col::REASON, rows.iter().map(|r| r.0 .3).collect()),
        count_column(COUNT, rows.iter().map(|r| r.1 .0).collect()),
        stamps(FIRST_SEEN, |v| v.1),
        stamps(LAST_SEEN, |v| v.2),
    ])?))
}
