//! SASL: the users who authenticated to send mail (smtpd's `client=…,
//! sasl_method=…, sasl_username=…` lines), and the failed attempts by
//! client address (`NAME[ADDR]: SASL MECH authentication failed`): the
//! addresses that guess passwords, the user names they try.

use crate::frame::{col, Projection};
use crate::parse::EventKind;
use crate::report::columns::{CLIENTS, FIRST_SEEN, LAST_SEEN, USERNAMES};
use crate::report::grouping::Aggregates;
use crate::report::tally::{self, Rows};
use crate::report::{Body, Context, ReportSpec};
use polars::prelude::*;

pub const USERS: ReportSpec = ReportSpec {
    title: "SASL-authenticated submissions by user",
    reads: || {
        Projection::NONE
            .with_authenticated_of(&[EventKind::Client])
            .with_columns(USER_COLUMNS)
    },
    compute: users,
    drop_first: &[LAST_SEEN, FIRST_SEEN, col::SASL_METHOD],
    ranked: true,
};

pub const FAILURES: ReportSpec = ReportSpec {
    title: "SASL authentication failures by client address",
    reads: || {
        Projection::NONE
            .with_kinds(&[EventKind::SaslFailure])
            .with_columns(FAILURE_COLUMNS)
    },
    compute: failures,
    drop_first: &[LAST_SEEN, FIRST_SEEN, col::SASL_METHOD],
    ranked: true,
};

const USER_COLUMNS: &[&str] = &[
    col::TS,
    col::KIND,
    col::SASL_USERNAME,
    col::SASL_METHOD,
    col::CLIENT_IP,
];

const FAILURE_COLUMNS: &[&str] = &[
    col::TS,
    col::KIND,
    col::CLIENT_IP,
    col::SASL_METHOD,
    col::SASL_USERNAME,
];

/// Messages accepted from authenticated clients, per user name.
fn users(context: &Context<'_>) -> PolarsResult<Body> {
    let authenticated = Rows {
        kinds: &[EventKind::Client],
        present: &[col::SASL_USERNAME],
        ..Rows::default()
    };
    Ok(Body::table(tally::grouped(
        context.frame,
        context.stretches,
        &authenticated,
        &[col::SASL_USERNAME, col::SASL_METHOD],
        &Aggregates {
            distinct: &[(col::CLIENT_IP, CLIENTS)],
            first: &[],
            times: true,
        },
    )?))
}

/// Failed attempts per client address and mechanism.
fn failures(context: &Context<'_>) -> PolarsResult<Body> {
    let failures = Rows {
        kinds: &[EventKind::SaslFailure],
        ..Rows::default()
    };
    Ok(Body::table(tally::grouped(
        context.frame,
        context.stretches,
        &failures,
        &[col::CLIENT_IP, col::SASL_METHOD],
        &Aggregates {
            distinct: &[(col::SASL_USERNAME, USERNAMES)],
            first: &[],
            times: true,
        },
    )?))
}
