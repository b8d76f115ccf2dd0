//! The smtp and lmtp clients' failed connections (pflogsumm's "SMTP
//! Exceptions"): `connect to HOST[ADDR]:PORT: Connection refused`, timed
//! out, no route; per error and server. The deferral detail says which
//! mail waited; this says which servers could not be reached, however
//! many messages tried.

use polars::prelude::*;

use crate::frame::{col, Projection};
use crate::parse::EventKind;
use crate::report::columns::{FIRST_SEEN, LAST_SEEN};
use crate::report::grouping::Aggregates;
use crate::report::tally::{self, Rows};
use crate::report::{Body, Context, ReportSpec};

pub const SPEC: ReportSpec = ReportSpec {
    title: "Failed connections to other servers (smtp, lmtp)",
    reads: || {
        Projection::NONE
            .with_kinds(&[EventKind::ConnectError])
            .with_columns(COLUMNS)
    },
    compute,
    drop_first: &[LAST_SEEN, FIRST_SEEN, col::RELAY_IP],
    ranked: true,
};

const COLUMNS: &[&str] = &[
    col::TS,
    col::KIND,
    col::REASON,
    col::RELAY_HOST,
    col::RELAY_IP,
];

fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    let errors = Rows {
        kinds: &[EventKind::ConnectError],
        ..Rows::default()
    };
    Ok(Body::table(tally::grouped(
        context.frame,
        context.stretches,
        &errors,
        &[col::REASON, col::RELAY_HOST, col::RELAY_IP],
        &Aggregates {
            distinct: &[],
            first: &[],
            times: true,
        },
    )?))
}
