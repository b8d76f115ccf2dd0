//! postscreen's verdicts (pflogsumm's "postscreen actions") and the DNS
//! lists that named clients (dnsblog's `addr A listed by domain D`), from
//! [`crate::sessions`]: per verdict, and per list for the listings, the
//! events and distinct clients.

use polars::prelude::*;

use super::{count_column, text_column};
use crate::frame::{col, Projection};
use crate::report::columns::{CLIENTS, COUNT, FIRST_SEEN, LAST_SEEN};
use crate::report::{Body, Context, ReportSpec};
use crate::sessions::{Group, VerdictKey};

pub const SPEC: ReportSpec = ReportSpec {
    title: "postscreen verdicts and DNS list answers",
    reads: || Projection::NONE.with_session_stats(),
    compute,
    drop_first: &[LAST_SEEN, FIRST_SEEN],
    ranked: true,
};

fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    let mut rows: Vec<(&VerdictKey, &Group)> = context.session_stats.verdicts().collect();
    rows.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
    let dnsbl: Vec<Option<&str>> = rows.iter().map(|r| r.0.dnsbl.as_deref()).collect();
    Ok(Body::table(DataFrame::new_infer_height(vec![
        text_column(
            col::ACTION,
            rows.iter().map(|r| r.0.action.as_str()).collect(),
        ),
        Column::new(col::DNSBL.into(), dnsbl),
        count_column(COUNT, rows.iter().map(|r| r.1.count).collect()),
        count_column(
            CLIENTS,
            rows.iter().map(|r| r.1.peers.len() as u64).collect(),
        ),
        super::stamp_column(FIRST_SEEN, rows.iter().map(|r| r.1.first).collect()),
        super::stamp_column(LAST_SEEN, rows.iter().map(|r| r.1.last).collect()),
    ])?))
}
