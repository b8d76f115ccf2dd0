//! Successful deliveries (`status=sent`) by recipient domain.

use polars::prelude::*;

use super::columns::{FIRST_SEEN, LAST_SEEN, RECIPIENTS, RELAYS};
use super::grouping::{deliveries_needs, Aggregates};
use super::{Body, Context, ReportSpec};
use crate::frame::col;
use crate::parse::DeliveryStatus;

pub const SPEC: ReportSpec = ReportSpec {
    title: "Deliveries (status=sent) by recipient domain",
    reads: || deliveries_needs(COLUMNS).union(crate::messages::reads()),
    compute: |context| Ok(Body::table(context.deliveries()?.clone())),
    drop_first: &[LAST_SEEN, FIRST_SEEN, RELAYS],
    ranked: true,
};

/// What [`by_domain`] reads of the deliveries.
pub const COLUMNS: &[&str] = &[col::TO_DOMAIN, col::TO, col::RELAY_HOST];

/// The table: one row per recipient domain, of the final `status=sent`
/// deliveries.
pub fn by_domain(context: &Context<'_>) -> PolarsResult<DataFrame> {
    context.final_deliveries(
        &[DeliveryStatus::Sent],
        &[col::TO_DOMAIN],
        &Aggregates {
            distinct: &[(col::TO, RECIPIENTS), (col::RELAY_HOST, RELAYS)],
            first: &[],
            times: true,
        },
    )
}
