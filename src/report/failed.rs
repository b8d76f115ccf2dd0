//! Bounced, deferred and otherwise failed delivery attempts by status ×
//! recipient domain × dsn × code × reason, with the number of next hops and
//! one of them.

use polars::prelude::*;

use super::columns::{FIRST_SEEN, LAST_SEEN, RECIPIENTS, RELAY, RELAYS};
use super::grouping::{deliveries_needs, Aggregates};
use super::{Body, Context, ReportSpec};
use crate::frame::col;
use crate::parse::DeliveryStatus;

pub const SPEC: ReportSpec = ReportSpec {
    title: "Bounces and deferrals by recipient domain",
    reads: || deliveries_needs(COLUMNS).union(crate::messages::reads()),
    compute,
    drop_first: &[LAST_SEEN, RELAYS, FIRST_SEEN, RECIPIENTS, col::DSN, RELAY],
    ranked: true,
};

/// What [`compute`] reads of the deliveries (besides what
/// [`deliveries`] always reads).
const COLUMNS: &[&str] = &[
    col::TO_DOMAIN,
    col::DSN,
    col::CODE,
    col::REASON,
    col::TO,
    col::RELAY_HOST,
];

fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    let frame = context.final_deliveries(
        &DeliveryStatus::FAILED,
        &[
            col::STATUS,
            col::TO_DOMAIN,
            col::DSN,
            col::CODE,
            col::REASON,
        ],
        &Aggregates {
            distinct: &[(col::TO, RECIPIENTS), (col::RELAY_HOST, RELAYS)],
            first: &[(col::RELAY_HOST, RELAY)],
            times: true,
        },
    )?;
    Ok(Body::table(frame))
}
