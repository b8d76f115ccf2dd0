//! Postfix's own warnings, errors, fatal errors and panics, condensed: the
//! same message with other addresses, queue ids or numbers is one row.

use std::collections::HashMap;

use polars::prelude::*;

use super::{count_column, text_column};
use crate::frame::{col, Projection};
use crate::parse::{EventKind, Micros};
use crate::report::columns::{COUNT, FIRST_SEEN, LAST_SEEN, SEVERITY};
use crate::report::grouping::{narrow, rows_where};
use crate::report::{Body, Context, ReportSpec};

pub const SPEC: ReportSpec = ReportSpec {
    title: "Postfix's warnings, errors, fatal errors and panics",
    reads: || {
        Projection::NONE
            .with_kinds(KINDS)
            .with_columns(&[col::KIND, col::DAEMON, col::REASON])
    },
    compute,
    drop_first: &[LAST_SEEN, FIRST_SEEN, col::DAEMON],
    ranked: true,
};

/// (severity rank, severity, daemon, condensed text).
type Key = (usize, String, String, String);
/// count, first and last seen.
type Seen = (u64, Micros, Micros);

const KINDS: &[EventKind] = &[
    EventKind::Panic,
    EventKind::Fatal,
    EventKind::Error,
    EventKind::Warning,
];

fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    let names: Vec<&str> = KINDS.iter().map(|k| k.as_str()).collect();
    let rows = rows_where(
        &narrow(
            context.frame,
            &[col::TS, col::KIND, col::DAEMON, col::REASON],
        )?,
        col::KIND,
        &names,
    )?;
    let ts = rows.column(col::TS)?.datetime()?.physical().clone();
    let kind = rows.column(col::KIND)?.cast(&DataType::String)?;
    let daemon = rows.column(col::DAEMON)?.cast(&DataType::String)?;
    let text = rows.column(col::REASON)?.cast(&DataType::String)?;
    let mut groups: HashMap<Key, Seen> = HashMap::new();
    let mut condensed = String::new();
    for (((ts, kind), daemon), text) in ts
        .iter()
        .zip(kind.str()?.iter())
        .zip(daemon.str()?.iter())
        .zip(text.str()?.iter())
    {
        let (Some(ts), Some(kind)) = (ts, kind) else {
            continue;
        };
        let rank = names.iter().position(|n| *n == kind).unwrap_or(names.len());
        // The reason is the condensed message (addresses, numbers replaced).
        condensed.clear();
        condensed.push_str(text.unwrap_or(""));
        let entry = groups
            .entry((
                rank,
                kind.to_string(),
                daemon.unwrap_or("").to_string(),
                condensed.clone(),
            ))
            .or_insert((0, ts, ts));
        entry.0 += 1;
        entry.1 = entry.1.min(ts);
        entry.2 = entry.2.max(ts);
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
        text_column(SEVERITY, rows.iter().map(|r| r.0 .1.clone()).collect()),
        text_column(col::DAEMON, rows.iter().map(|r| r.0 .2.clone()).collect()),
        text_column(col::REASON, rows.iter().map(|r| r.0 .3.clone()).collect()),
        count_column(COUNT, rows.iter().map(|r| r.1 .0).collect()),
        stamps(FIRST_SEEN, |v| v.1),
        stamps(LAST_SEEN, |v| v.2),
    ])?))
}
