//! Traffic per hour: the 24 hours of a one-day input, or every hour with
//! traffic, day by day, when the input spans days.

use polars::prelude::*;

use super::per_day::traffic_frame;
use super::{text_column, Traffic};
use crate::report::columns::{DAY, HOUR};
use crate::report::{Body, Context, ReportSpec};

pub const SPEC: ReportSpec = ReportSpec {
    title: "Traffic per hour",
    reads: super::reads,
    compute,
    drop_first: super::per_day::TRAFFIC_DROP_FIRST,
    ranked: false,
};

fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    let summary = context.summary()?;
    let hour = |h: u32| format!("{h:02}:00");
    let frame = if summary.days.len() <= 1 {
        let rows: Vec<Traffic> = (0..24)
            .map(|h| {
                summary
                    .hours
                    .iter()
                    .find(|((_, hh), _)| *hh == h)
                    .map(|(_, t)| *t)
                    .unwrap_or_default()
            })
            .collect();
        traffic_frame(vec![text_column(HOUR, (0..24).map(hour).collect())], rows)?
    } else {
        let days = summary
            .hours
            .keys()
            .map(|(d, _)| d.format("%Y-%m-%d").to_string())
            .collect();
        let hours = summary.hours.keys().map(|(_, h)| hour(*h)).collect();
        traffic_frame(
            vec![text_column(DAY, days), text_column(HOUR, hours)],
            summary.hours.values().copied().collect(),
        )?
    };
    Ok(Body::table(frame))
}
