//! Traffic per day: received, delivered, deferrals (attempts), bounced,
//! rejected, and the reject warnings, holds and discards.

use polars::prelude::*;

use super::{count_column, text_column, Traffic};
use crate::report::columns::{
    BOUNCED, DAY, DEFERRALS, DELIVERED, RECEIVED, REJECTED, WARN_HOLD_DISCARD,
};
use crate::report::{Body, Context, ReportSpec};

pub const SPEC: ReportSpec = ReportSpec {
    title: "Traffic per day",
    reads: super::reads,
    compute,
    drop_first: TRAFFIC_DROP_FIRST,
    ranked: false,
};

fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    let days = &context.summary()?.days;
    let keys = days
        .keys()
        .map(|d| d.format("%Y-%m-%d").to_string())
        .collect();
    Ok(Body::table(traffic_frame(
        vec![text_column(DAY, keys)],
        days.values().copied().collect(),
    )?))
}

/// What a narrow traffic table leaves out first: the reject warnings,
/// holds and discards, then the deferral attempts (the messages' counts
/// stay).
pub const TRAFFIC_DROP_FIRST: &[&str] = &[WARN_HOLD_DISCARD, DEFERRALS];

/// `keys` followed by the traffic columns.
pub fn traffic_frame(mut keys: Vec<Column>, rows: Vec<Traffic>) -> PolarsResult<DataFrame> {
    let column =
        |name: &str, f: fn(&Traffic) -> u64| count_column(name, rows.iter().map(f).collect());
    keys.extend([
        column(RECEIVED, |t| t.received),
        column(DELIVERED, |t| t.delivered),
        column(DEFERRALS, |t| t.deferrals),
        column(BOUNCED, |t| t.bounced),
        column(REJECTED, |t| t.rejected),
        column(WARN_HOLD_DISCARD, |t| t.warn_hold_discard),
    ]);
    DataFrame::new_infer_height(keys)
}
