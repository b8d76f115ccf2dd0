//! The time range: first and last timestamp of the events the run covers,
//! from the scan's per-kind spans (the frame need not hold those events),
//! and the zone tables print them in.

use polars::prelude::*;

use super::columns::{FIRST, LAST, ZONE};
use super::{Body, Context, ReportSpec};
use crate::frame::Projection;

pub const SPEC: ReportSpec = ReportSpec {
    title: "Time range",
    reads: || Projection::NONE,
    compute,
    drop_first: &[],
    ranked: false,
};

fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    let span = context.counts.span(context.kinds);
    let stamp = |name: &str, value: Option<i64>| {
        Int64Chunked::from_iter_options(name.into(), [value].into_iter())
            .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
            .into_column()
    };
    let frame = DataFrame::new_infer_height(vec![
        stamp(FIRST, span.map(|s| s.0)),
        stamp(LAST, span.map(|s| s.1)),
        Column::new(ZONE.into(), [context.zone.label()]),
    ])?;
    Ok(Body::table(frame))
}
