//! Bounced recipients by next hop × dsn × code × reason.

use super::deferrals::{detail, COLUMNS, DROP_FIRST};
use crate::parse::DeliveryStatus;
use crate::report::grouping::deliveries_needs;
use crate::report::ReportSpec;

pub const SPEC: ReportSpec = ReportSpec {
    title: "Bounced recipients by next hop and reason",
    reads: || deliveries_needs(COLUMNS).union(crate::messages::reads()),
    compute: |context| detail(context, DeliveryStatus::Bounced),
    drop_first: DROP_FIRST,
    ranked: true,
};
