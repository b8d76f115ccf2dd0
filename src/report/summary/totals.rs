//! Grand totals: messages received, delivered, forwarded, deferred,
//! bounced, removed, expired, rejected, held and discarded; bytes; senders
//! and recipients (pflogsumm's "Grand Totals", with its definitions; the
//! README defines each number).

use polars::prelude::*;

use super::{count_column, text_column};
use crate::report::columns::{COUNT, ITEM, SECTION};
use crate::report::{Body, Context, ReportSpec};

pub const SPEC: ReportSpec = ReportSpec {
    title: "Grand totals",
    reads: super::reads_detail,
    compute,
    drop_first: &[],
    ranked: false,
};

fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    let totals = frame(&context.summary()?.totals)?;
    Ok(Body::table(match &context.day_before {
        Some(before) => {
            let counts: Vec<u64> = rows(&before.totals).iter().map(|r| r.2).collect();
            before.beside(totals, &counts)?
        }
        None => totals,
    }))
}

/// The totals as (section, item, count) rows.
pub fn rows(t: &super::Totals) -> Vec<(&'static str, &'static str, u64)> {
    vec![
        ("messages", "received", t.received),
        ("messages", "delivered", t.delivered),
        ("messages", "forwarded", t.forwarded),
        ("messages", "deferred", t.deferred),
        ("messages", "deferrals", t.deferrals),
        ("messages", "bounced", t.bounced),
        ("messages", "removed (postsuper)", t.removed),
        ("messages", "expired", t.expired),
        ("messages", "rejected", t.rejected),
        ("messages", "rejected (%)", t.rejected_percent()),
        ("messages", "reject warnings", t.reject_warnings),
        ("messages", "held", t.held),
        ("messages", "discarded", t.discarded),
        ("messages", "discarded (%)", t.discarded_percent()),
        ("bytes", "received", t.bytes_received),
        ("bytes", "delivered", t.bytes_delivered),
        ("addresses", "senders", t.senders),
        ("addresses", "sending hosts/domains", t.sending_domains),
        ("addresses", "recipients", t.recipients),
        ("addresses", "recipient hosts/domains", t.recipient_domains),
        ("not counted above", "still queued at the end", t.open),
        (
            "not counted above",
            "started before the input",
            t.started_before,
        ),
        ("not counted above", "content filter hops", t.filter_hops),
        ("not counted above", "notifications", t.notifications),
    ]
}

pub fn frame(t: &super::Totals) -> PolarsResult<DataFrame> {
    let rows = rows(t);
    DataFrame::new_infer_height(vec![
        text_column(SECTION, rows.iter().map(|r| r.0.to_string()).collect()),
        text_column(ITEM, rows.iter().map(|r| r.1.to_string()).collect()),
        count_column(COUNT, rows.iter().map(|r| r.2).collect()),
    ])
}
