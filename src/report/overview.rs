//! The overview: lines read and where each went (the line accounting, with
//! the events by kind), then what they mean in messages: received,
//! delivered, deferred, bounced, expired, rejected, held, discarded, bytes
//! (the summary's totals, see the README), and the recipient domains.

use polars::prelude::*;

use super::columns::{COUNT, ITEM, SECTION};
use super::{Body, Context, ReportSpec};
use crate::frame::{col, rows, Projection};
use crate::parse::EventKind;

pub const SPEC: ReportSpec = ReportSpec {
    title: "Overview",
    reads,
    compute,
    drop_first: &[],
    ranked: false,
};

/// The summary's, and the recipient domain of every event that names a
/// recipient.
fn reads() -> Projection {
    super::summary::reads()
        .union(Projection::NONE.with_recipients_of(&EventKind::ALL))
        .with_columns(&[col::TO_DOMAIN])
}

fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    let counts = context.counts;
    let mut rows: Vec<(&str, String, u64)> = vec![
        ("lines", "read".into(), counts.lines),
        ("lines", "events".into(), counts.events),
        (
            "lines",
            "events outside the time window".into(),
            counts.outside_window,
        ),
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
    let t = &context.summary()?.totals;
    for (item, n) in [
        ("received", t.received),
        ("delivered (recipients)", t.delivered),
        ("deferred", t.deferred),
        ("bounced (recipients)", t.bounced),
        ("expired", t.expired),
        ("rejected (recipients and messages)", t.rejected),
        ("held", t.held),
        ("discarded", t.discarded),
        ("still queued at the end", t.open),
    ] {
        rows.push(("messages", item.into(), n));
    }
    rows.push(("bytes", "received".into(), t.bytes_received));
    rows.push(("bytes", "delivered".into(), t.bytes_delivered));
    rows.push((
        "recipient domains",
        "delivered to".into(),
        t.recipient_domains,
    ));
    let named = rows::distinct(context.frame, context.stretches, col::TO_DOMAIN)? as u64;
    rows.push((
        "recipient domains",
        "named by any event (also rejected, bounced)".into(),
        named,
    ));
    Ok(Body::table(DataFrame::new_infer_height(vec![
        Column::new(SECTION.into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
        Column::new(
            ITEM.into(),
            rows.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(COUNT.into(), rows.iter().map(|r| r.2).collect::<Vec<_>>()),
    ])?))
}
