//! The overview: lines read and where each went (the line accounting),
//! events by kind, deliveries by status, and distinct recipient domains.

use polars::prelude::*;

use super::columns::{COUNT, ITEM, SECTION};
use super::grouping::{deliveries_needs, grouped, narrow, rows_where, Aggregates};
use super::{Body, Context, ReportSpec};
use crate::frame::{col, Projection};
use crate::parse::EventKind;

pub const SPEC: ReportSpec = ReportSpec {
    title: "Overview",
    reads,
    compute,
    drop_first: &[],
    ranked: false,
};

/// The status of deliveries, and the recipient domain of every event that
/// has a recipient.
fn reads() -> Projection {
    deliveries_needs(&[col::TO_DOMAIN]).with_recipients_of(&EventKind::ALL)
}

fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    let counts = context.counts;
    let mut rows: Vec<(&str, String, u64)> = vec![
        ("lines", "read".into(), counts.lines),
        ("lines", "events".into(), counts.events),
        ("lines", "known, not reported".into(), counts.known),
        ("lines", "other programs".into(), counts.other_program),
        ("lines", "no syslog header".into(), counts.no_syslog_header),
        (
            "lines",
            "unrecognized Postfix lines".into(),
            counts.unrecognized,
        ),
        ("lines", "too long, skipped".into(), counts.too_long),
        (
            "lines",
            "invalid UTF-8 (also counted above)".into(),
            counts.invalid_utf8,
        ),
    ];
    for kind in EventKind::ALL {
        let n = counts.kind(kind);
        if n > 0 {
            rows.push(("events", kind.as_str().into(), n));
        }
    }
    let df = context.frame;
    let kinds = narrow(df, &[col::TS, col::KIND, col::STATUS])?;
    let deliveries = rows_where(&kinds, col::KIND, &[EventKind::Delivery.as_str()])?;
    if deliveries.height() > 0 {
        let by_status = grouped(
            &deliveries,
            &[col::STATUS],
            &Aggregates {
                distinct: &[],
                first: &[],
                times: false,
            },
        )?;
        let status = by_status.column(col::STATUS)?.str()?;
        let count = by_status.column(COUNT)?.u64()?;
        for (s, n) in status.iter().zip(count.iter()) {
            rows.push((
                "deliveries",
                s.unwrap_or("(none)").to_string(),
                n.unwrap_or(0),
            ));
        }
    }
    let domains = df.column(col::TO_DOMAIN)?.drop_nulls().n_unique()? as u64;
    rows.push(("recipients", "distinct recipient domains".into(), domains));
    Ok(Body::table(DataFrame::new_infer_height(vec![
        Column::new(SECTION.into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
        Column::new(
            ITEM.into(),
            rows.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(COUNT.into(), rows.iter().map(|r| r.2).collect::<Vec<_>>()),
    ])?))
}
