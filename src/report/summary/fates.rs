//! How the messages ended: received = delivered + bounced + expired +
//! deleted + … + still queued, per message, so that the totals reconcile.

use polars::prelude::*;

use super::{count_column, text_column};
use crate::report::columns::{FATE, OTHER, RECEIVED};
use crate::report::{Body, Context, ReportSpec};

pub const SPEC: ReportSpec = ReportSpec {
    title: "What became of the messages (received, and Postfix's own or started before the input)",
    reads: super::reads,
    compute,
    drop_first: &[],
    ranked: false,
};

fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    let fates = &context.summary()?.fates;
    Ok(Body::table(DataFrame::new_infer_height(vec![
        text_column(
            FATE,
            fates.iter().map(|f| f.0.as_str().to_string()).collect(),
        ),
        count_column(RECEIVED, fates.iter().map(|f| f.1).collect()),
        count_column(OTHER, fates.iter().map(|f| f.2).collect()),
    ])?))
}
