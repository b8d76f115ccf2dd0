//! Successful deliveries (`status=sent`) by recipient domain.

use polars::prelude::*;

use super::columns::{FIRST_SEEN, LAST_SEEN, RECIPIENTS, RELAYS};
use super::grouping::{deliveries_needs, grouped, Aggregates};
use super::{Body, ReportSpec};
use crate::frame::col;

pub const SPEC: ReportSpec = ReportSpec {
    title: "Deliveries (status=sent) by recipient domain",
    reads: || deliveries_needs(COLUMNS).union(crate::messages::reads()),
    compute: |context| Ok(Body::table(context.deliveries()?.clone())),
    drop_first: &[LAST_SEEN, FIRST_SEEN, RELAYS],
    ranked: true,
};

/// What [`by_domain`] reads of the deliveries.
pub const COLUMNS: &[&str] = &[col::TO_DOMAIN, col::TO, col::RELAY_HOST];

/// The table: one row per recipient domain, of the `status=sent`
/// deliveries with [`COLUMNS`].
pub fn by_domain(sent: &DataFrame) -> PolarsResult<DataFrame> {
    grouped(
        sent,
        &[col::TO_DOMAIN],
        &Aggregates {
            distinct: &[(col::TO, RECIPIENTS), (col::RELAY_HOST, RELAYS)],
            first: &[],
            times: true,
        },
    )
}
