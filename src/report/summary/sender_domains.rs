//! Received mail by sending domain (the client's host for the null
//! sender): messages and bytes (pflogsumm's "Host/Domain Summary: Messages
//! Received").

use polars::prelude::*;

use super::people::volume_frame;
use crate::report::columns::SENDING_DOMAIN;
use crate::report::{Body, Context, ReportSpec};

pub const SPEC: ReportSpec = ReportSpec {
    title: "Received mail by sending domain",
    reads: super::reads_detail,
    compute,
    drop_first: &[],
    ranked: true,
};

fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    let summary = context.summary()?;
    Ok(Body::table(volume_frame(
        SENDING_DOMAIN,
        &summary.sender_domains,
        false,
    )?))
}
