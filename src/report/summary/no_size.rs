//! Deliveries of messages whose size is not in the input (qmgr's
//! `size=` line lies before it): their bytes count as 0.

use polars::prelude::*;

use super::text_column;
use crate::frame::col;
use crate::report::columns::RECIPIENT;
use crate::report::{Body, Context, ReportSpec};

pub const SPEC: ReportSpec = ReportSpec {
    title: "Deliveries of messages with no size data",
    reads: super::reads,
    compute,
    drop_first: &[],
    ranked: true,
};

fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    let rows = &context.summary()?.no_size;
    Ok(Body::table(DataFrame::new_infer_height(vec![
        text_column(col::QUEUE_ID, rows.iter().map(|r| r.0.text()).collect()),
        text_column(RECIPIENT, rows.iter().map(|r| r.1).collect()),
    ])?))
}
