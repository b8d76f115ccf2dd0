//! Holds and discards (access maps, header/body checks, milters) by
//! recipient domain × code × restriction × reason, as the rejects.

use crate::parse::EventKind;
use crate::report::rejects::{by_domain, reads, DROP_FIRST};
use crate::report::{Body, ReportSpec};

pub const HOLDS: ReportSpec = ReportSpec {
    title: "Held messages by recipient domain and restriction",
    reads: || reads(HELD),
    compute: |context| Ok(Body::table(by_domain(context, HELD)?)),
    drop_first: DROP_FIRST,
    ranked: true,
};

pub const DISCARDS: ReportSpec = ReportSpec {
    title: "Discarded messages by recipient domain and restriction",
    reads: || reads(DISCARDED),
    compute: |context| Ok(Body::table(by_domain(context, DISCARDED)?)),
    drop_first: DROP_FIRST,
    ranked: true,
};

const HELD: &[EventKind] = &[EventKind::Hold, EventKind::MilterHold];
const DISCARDED: &[EventKind] = &[EventKind::Discard, EventKind::MilterDiscard];
