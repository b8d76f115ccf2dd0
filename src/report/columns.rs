//! The names of the columns reports compute (the frame's own columns are in
//! [`crate::frame::col`]), one const each so that the report that makes a
//! column and the code that reads it (findings, render, tests) never spell
//! it twice; and how each column behaves when a table must fit a width.

use polars::prelude::DataType;

use crate::frame::col;

/// Events in the group.
pub const COUNT: &str = "count";
/// Distinct recipients (`to`) in the group.
pub const RECIPIENTS: &str = "recipients";
/// Distinct client addresses in the group.
pub const CLIENTS: &str = "clients";
/// Distinct next-hop hosts in the group.
pub const RELAYS: &str = "relays";
/// One next-hop host of the group (the first in log order).
pub const RELAY: &str = "relay";
pub const FIRST_SEEN: &str = "first_seen";
pub const LAST_SEEN: &str = "last_seen";
/// The overview's key-value rows: section, item, count.
pub const SECTION: &str = "section";
pub const ITEM: &str = "item";
/// The time range's two stamps.
pub const FIRST: &str = "first";
pub const LAST: &str = "last";
/// The zone times are printed in (tables and Markdown).
pub const ZONE: &str = "zone";
/// `--group-by` keys derived from `ts`.
pub const HOUR: &str = "hour";
pub const DAY: &str = "day";
/// Counts of messages, recipients, bytes, attempts.
pub const MESSAGES: &str = "messages";
pub const BYTES: &str = "bytes";
pub const RECEIVED: &str = "received";
pub const DELIVERED: &str = "delivered";
pub const DEFERRED: &str = "deferred";
pub const BOUNCED: &str = "bounced";
pub const REJECTED: &str = "rejected";
/// Reject warnings, holds and discards (the traffic tables' column beside
/// "rejected", which pflogsumm adds to it).
pub const WARN_HOLD_DISCARD: &str = "warn_hold_discard";
/// Deferred delivery attempts.
pub const DEFERRALS: &str = "deferrals";
/// With `-d`: a total of the day before, and the day's minus it.
pub const DAY_BEFORE: &str = "day_before";
pub const CHANGE: &str = "change";
/// Delays of deliveries, in seconds.
pub const AVERAGE_DELAY: &str = "average_delay";
pub const MAXIMUM_DELAY: &str = "maximum_delay";
/// A sender or recipient address (domain lower-cased; `<>` the null sender).
pub const SENDER: &str = "sender";
pub const RECIPIENT: &str = "recipient";
/// The domain received mail counts under (see the summary).
pub const SENDING_DOMAIN: &str = "sending_domain";
/// What became of messages, and the messages that are not received mail.
pub const FATE: &str = "fate";
pub const OTHER: &str = "other";
/// smtpd sessions: paired `connect`/`disconnect` lines, their total,
/// average and longest duration in seconds, and the sessions whose other
/// end is not in the input.
pub const CONNECTIONS: &str = "connections";
pub const TOTAL_SECONDS: &str = "total_seconds";
pub const AVERAGE_SECONDS: &str = "average_seconds";
pub const MAXIMUM_SECONDS: &str = "maximum_seconds";
/// A client host: its name, or its address when it has none.
pub const CLIENT: &str = "client";
/// Distinct peers (clients or servers) of TLS sessions.
pub const PEERS: &str = "peers";
/// Distinct SASL user names.
pub const USERNAMES: &str = "usernames";
/// Which side of a TLS session Postfix was: `inbound` (smtpd, tlsproxy)
/// or `outbound` (smtp, lmtp).
pub const DIRECTION: &str = "direction";
/// A finding's severity and its sentence.
pub const SEVERITY: &str = "severity";
pub const FINDING: &str = "finding";

/// How a column behaves in a table that must fit a width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Domains, codes, restrictions, addresses: never wrapped.
    Identifier,
    /// Free text (a reply's reason): the column that gives way, wrapped at
    /// word boundaries.
    Text,
    /// A point in time: printed compactly in tables.
    Time,
    /// A count or a code: right-aligned.
    Number,
}

/// Columns of free text; every other string column is an identifier.
const TEXT_COLUMNS: &[&str] = &[col::REASON, col::TEXT, FINDING];

pub fn role(name: &str, dtype: &DataType) -> Role {
    if TEXT_COLUMNS.contains(&name) {
        Role::Text
    } else if matches!(dtype, DataType::Datetime(..)) {
        Role::Time
    } else if dtype.is_primitive_numeric() {
        Role::Number
    } else {
        Role::Identifier
    }
}
