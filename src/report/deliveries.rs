//! Successful deliveries (`status=sent`) by recipient domain.

use polars::prelude::*;

use super::columns::{FIRST_SEEN, LAST_SEEN, RECIPIENTS, RELAYS};
use super::grouping::{deliveries, deliveries_needs, grouped, Aggregates};
use super::{Body, ReportSpec};
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
const COLUMNS: &[&str] = &[col::TO_DOMAIN, col::TO, col::RELAY_HOST];

/// The table: one row per recipient domain.
pub fn by_domain(df: &DataFrame) -> PolarsResult<DataFrame> {
    let sent = deliveries(df, &[DeliveryStatus::Sent], COLUMNS)?;
    grouped(
        &sent,
        &[col::TO_DOMAIN],
        &Aggregates {
            distinct: &[(col::TO, RECIPIENTS), (col::RELAY_HOST, RELAYS)],
            first: &[],
            times: true,
        },
    )
}
