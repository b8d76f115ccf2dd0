//! Deliveries by recipient domain: messages delivered, bytes, deferred
//! attempts, average and longest delay (pflogsumm's "Host/Domain Summary:
//! Message Delivery").

use polars::prelude::*;

use super::{count_column, text_column};
use crate::frame::col;
use crate::report::columns::{AVERAGE_DELAY, BYTES, DEFERRALS, MAXIMUM_DELAY, MESSAGES};
use crate::report::{Body, Context, ReportSpec};

pub const SPEC: ReportSpec = ReportSpec {
    title: "Deliveries by recipient domain (delays in seconds)",
    reads: super::reads,
    compute,
    // The total of delays is in the average; the worst one goes first.
    drop_first: &[MAXIMUM_DELAY, DEFERRALS],
    ranked: true,
};

fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    let mut rows: Vec<_> = context.summary()?.recipient_domains.iter().collect();
    rows.sort_by(|a, b| {
        (b.1.sent, b.1.bytes, b.1.defers)
            .cmp(&(a.1.sent, a.1.bytes, a.1.defers))
            .then_with(|| a.0.cmp(b.0))
    });
    let average = |d: &super::DomainDelivery| {
        let n = d.sent.max(1) as f64;
        (d.delay_sum / n * 100.0).round() / 100.0
    };
    Ok(Body::table(DataFrame::new_infer_height(vec![
        text_column(col::TO_DOMAIN, rows.iter().map(|r| *r.0).collect()),
        count_column(MESSAGES, rows.iter().map(|r| r.1.sent).collect()),
        count_column(BYTES, rows.iter().map(|r| r.1.bytes).collect()),
        count_column(DEFERRALS, rows.iter().map(|r| r.1.defers).collect()),
        Column::new(
            AVERAGE_DELAY.into(),
            rows.iter().map(|r| average(r.1)).collect::<Vec<f64>>(),
        ),
        Column::new(
            MAXIMUM_DELAY.into(),
            rows.iter().map(|r| r.1.delay_max).collect::<Vec<f64>>(),
        ),
    ])?))
}
