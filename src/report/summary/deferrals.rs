//! Deferred delivery attempts by next hop × dsn × code × reason:
//! the host that failed is named (for `connect to mx…: Connection refused`
//! and error(8)'s `delivery temporarily suspended: …` repeat alike), and
//! the SMTP and enhanced codes are kept.

use polars::prelude::*;

use crate::frame::col;
use crate::parse::DeliveryStatus;
use crate::report::columns::{FIRST_SEEN, LAST_SEEN, MESSAGES, RECIPIENTS};
use crate::report::grouping::{deliveries_needs, Aggregates};
use crate::report::{Body, Context, ReportSpec};

pub const SPEC: ReportSpec = ReportSpec {
    title: "Deferred delivery attempts by next hop and reason",
    reads: || deliveries_needs(COLUMNS).union(crate::messages::reads()),
    compute: |context| detail(context, DeliveryStatus::Deferred),
    drop_first: DROP_FIRST,
    ranked: true,
};

pub const DROP_FIRST: &[&str] = &[LAST_SEEN, FIRST_SEEN, RECIPIENTS, MESSAGES, col::DSN];

/// What [`detail`] reads of the deliveries.
pub const COLUMNS: &[&str] = &[
    col::RELAY_HOST,
    col::DSN,
    col::CODE,
    col::REASON,
    col::QUEUE_ID,
    col::TO,
];

/// Deliveries with `status` by next hop × dsn × code × reason. (smtp's
/// failure and error(8)'s repeat of it are one row.)
pub fn detail(context: &Context<'_>, status: DeliveryStatus) -> PolarsResult<Body> {
    let frame = context.final_deliveries(
        &[status],
        &[col::RELAY_HOST, col::DSN, col::CODE, col::REASON],
        &Aggregates {
            distinct: &[(col::QUEUE_ID, MESSAGES), (col::TO, RECIPIENTS)],
            first: &[],
            times: true,
        },
    )?;
    Ok(Body::table(frame))
}
