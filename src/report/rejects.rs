//! Policy actions by recipient domain × SMTP code × enhanced code ×
//! restriction × reason: the `rejects` report (`reject` events of smtpd,
//! postscreen and cleanup, NOQUEUE and queue-id forms) and the `warnings`
//! report (`reject_warning`, from `warn_if_reject`).

use polars::prelude::*;

use super::columns::{CLIENTS, FIRST_SEEN, LAST_SEEN, RECIPIENTS};
use super::grouping::Aggregates;
use super::tally::{self, Rows};
use super::{Body, Context, ReportSpec};
use crate::frame::{col, Projection};
use crate::parse::EventKind;

pub const REJECTS: ReportSpec = ReportSpec {
    title: "Rejects by recipient domain, code, enhanced code and restriction",
    reads: || reads(&[EventKind::Reject]),
    compute: |context| Ok(Body::table(context.rejects()?.clone())),
    drop_first: DROP_FIRST,
    ranked: true,
};

pub const WARNINGS: ReportSpec = ReportSpec {
    title: "Reject warnings (warn_if_reject: would have been rejected)",
    reads: || reads(&[EventKind::RejectWarning]),
    compute: |context| {
        Ok(Body::table(by_domain(
            context,
            &[EventKind::RejectWarning],
        )?))
    },
    drop_first: DROP_FIRST,
    ranked: true,
};

/// The columns a narrow table leaves out, first to last: the restriction
/// goes last, since which rule refused the mail is what this table is for
/// (the reply text is in the findings and in a wider table).
pub const DROP_FIRST: &[&str] = &[
    LAST_SEEN,
    CLIENTS,
    RECIPIENTS,
    FIRST_SEEN,
    col::ENHANCED,
    col::REASON,
    col::RESTRICTION,
];

/// What [`by_domain`] reads of the policy actions.
const COLUMNS: &[&str] = &[
    col::TS,
    col::KIND,
    col::TO_DOMAIN,
    col::CODE,
    col::ENHANCED,
    col::RESTRICTION,
    col::REASON,
    col::TO,
    col::CLIENT_IP,
];

/// What [`by_domain`] reads for `kinds`.
pub fn reads(kinds: &[EventKind]) -> Projection {
    Projection::NONE.with_kinds(kinds).with_columns(COLUMNS)
}

/// Policy actions of `kinds` by recipient domain × code × enhanced code ×
/// restriction × reason, with distinct recipients and clients.
pub fn by_domain(context: &Context<'_>, kinds: &[EventKind]) -> PolarsResult<DataFrame> {
    tally::grouped(
        context.frame,
        context.stretches,
        &Rows {
            kinds,
            ..Rows::default()
        },
        &[
            col::TO_DOMAIN,
            col::CODE,
            col::ENHANCED,
            col::RESTRICTION,
            col::REASON,
        ],
        &Aggregates {
            distinct: &[(col::TO, RECIPIENTS), (col::CLIENT_IP, CLIENTS)],
            first: &[],
            times: true,
        },
    )
}

/// The rejects table with the restriction of `--rules` where a rule
/// matches the reason (site rules know their own access maps' texts).
pub fn with_site_rules(
    table: DataFrame,
    rules: &super::findings::site_rules::Rules,
) -> PolarsResult<DataFrame> {
    let reason = table.column(col::REASON)?.str()?.clone();
    let restriction = table.column(col::RESTRICTION)?.str()?.clone();
    let relabelled: StringChunked = reason
        .iter()
        .zip(restriction.iter())
        .map(
            |(reason, restriction)| match reason.and_then(|r| rules.matching(r)) {
                Some((_, rule)) => Some(rule.restriction.clone()),
                None => restriction.map(str::to_string),
            },
        )
        .collect();
    let mut table = table;
    table.with_column(relabelled.with_name(col::RESTRICTION.into()).into_column())?;
    Ok(table)
}
