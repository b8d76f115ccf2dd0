//! Messages: the events of one queued message put together, as the scan
//! reads them: each block's message rows are folded in input order into
//! the open messages (so chunking cannot change them), and the rows the
//! reports keep in the frame learn their message. Nothing here borrows
//! from the frame: names are codes of the global categories (the frame's
//! categorical columns share them), queue ids are packed inline.
//!
//! A message is keyed by (host, Postfix instance, queue id): the instance is
//! the syslog name's first part (`postfix`, `postfix-out`), whose daemons
//! share one queue (`postfix/submission/smtpd` and `postfix/qmgr` log the
//! same message). Postfix reuses a queue id once its message is `removed`,
//! so a key opens a new message after a `removed`, and whenever a `client=`
//! or `pickup` line arrives for a key whose message already has its start.
//!
//! Rows are read in frame order, which is input order: within a log, a
//! message's lines are logged in the order things happened. Three kinds of
//! line link one message to another, all logged after the message they
//! point to was created, so the target is found among the open messages:
//! bounce's `QID: sender non-delivery notification: NEW` (NEW is a
//! notification, not received mail), local's `status=sent (forwarded as
//! NEW)` (NEW is a forwarded copy), and a delivery `status=sent (250 …
//! queued as NEW)` where NEW was received from a client on the same host
//! and instance just before: the hand-off to a content filter (amavis) that
//! injected the filtered message back. The hand-off is a filter hop, not a
//! delivery, and NEW is the same mail received once more, not new mail.
//!
//! A message whose first line is not its start (`client=`, `uid=`, or the
//! `message-id=` of mail Postfix made itself) started before the input; one
//! without `removed` is still open at its end. Both are marked, never
//! guessed.

mod fold;
mod key;
mod message;
mod row;

use polars::prelude::*;

pub use fold::Builder;
pub use key::{Client, Clients, Name, QueueId, QueueIdText, Site};
pub use message::{Fate, List, Message, Origin, RareCounts};
pub use row::{BlockRows, MessageRow};

use crate::frame::rows::{self, Stretch};
use crate::frame::{col, Projection};
use crate::parse::{EventKind, Micros};

/// The messages of a frame, and for every frame row the message it belongs
/// to and whether it is a filter hop.
pub struct Messages {
    pub list: List,
    /// Per frame row: the index of its message in `list`, or
    /// [`Messages::NONE`] (NOQUEUE rejects, warnings, …).
    pub of_row: Vec<u32>,
    /// Per frame row: a delivery that handed its message to a content
    /// filter (not a final delivery).
    pub hop: Vec<bool>,
    /// The Message-ID of each message that has one, when it was read
    /// ([`reads_detail`]).
    pub message_ids: PlHashMap<u32, Box<str>>,
    /// The clients the messages came from ([`Message::client`]).
    pub clients: key::Clients,
}

impl Messages {
    pub const NONE: u32 = u32::MAX;

    /// The Message-ID of message `i`, if it was read ([`reads_detail`]).
    pub fn message_id(&self, i: u32) -> Option<&str> {
        self.message_ids.get(&i).map(|id| &**id)
    }

    /// The name of the client `m` came from (`unknown` when its address
    /// did not resolve).
    pub fn client_name(&self, m: &Message) -> Option<&'static str> {
        m.client().and_then(|c| self.clients.name(c))
    }

    /// The address of the client `m` came from.
    pub fn client_ip(&self, m: &Message) -> Option<&'static str> {
        m.client().and_then(|c| self.clients.ip(c))
    }

    /// The message a frame row belongs to.
    pub fn of(&self, row: usize) -> Option<&Message> {
        match self.of_row.get(row) {
            Some(&i) if i != Self::NONE => self.list.get(i as usize),
            _ => None,
        }
    }
}

impl Messages {
    /// Per message, what finally became of it: a message handed to a
    /// content filter ends as its re-injected copies do (the worst of
    /// them: still queued over bounced over delivered, in [`Fate`]'s
    /// order), through any number of filters; every other message ends as
    /// [`Message::fate`] says. Without this, mail that passed a filter
    /// would read "handed to a content filter", never "delivered".
    pub fn end_fates(&self) -> Vec<Fate> {
        // Chains are one or two filters long; the bound only guards
        // against a link loop made by queue-id reuse.
        const MAX_HOPS: usize = 8;
        let mut copies: PlHashMap<u32, Vec<u32>> = PlHashMap::default();
        for (i, m) in self.list.iter().enumerate() {
            if let (Origin::Reinjected, Some(parent)) = (m.origin(), m.parent()) {
                copies.entry(parent).or_default().push(i as u32);
            }
        }
        fn end(list: &List, copies: &PlHashMap<u32, Vec<u32>>, i: u32, hops: usize) -> Fate {
            let fate = list[i as usize].fate();
            match copies.get(&i) {
                Some(children) if fate == Fate::Filtered && hops < MAX_HOPS => children
                    .iter()
                    .map(|&c| end(list, copies, c, hops + 1))
                    .max()
                    .unwrap_or(fate),
                _ => fate,
            }
        }
        (0..self.list.len() as u32)
            .map(|i| end(&self.list, &copies, i, 0))
            .collect()
    }

    /// One row per message, for `--parquet-messages`: every field of
    /// [`Message`], its [`Fate`], and the parent's queue id.
    pub fn to_frame(&self) -> PolarsResult<DataFrame> {
        let list = &self.list;
        let text = |name: &str, f: &dyn for<'m> Fn(&'m Message) -> Option<&'m str>| {
            Column::new(name.into(), list.iter().map(f).collect::<Vec<_>>())
        };
        let time = |name: &str, f: &dyn Fn(&Message) -> Option<Micros>| {
            Int64Chunked::from_iter_options(name.into(), list.iter().map(f))
                .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
                .into_column()
        };
        let count = |name: &str, f: &dyn Fn(&Message) -> u32| {
            Column::new(name.into(), list.iter().map(f).collect::<Vec<u32>>())
        };
        let flag = |name: &str, f: &dyn Fn(&Message) -> bool| {
            Column::new(name.into(), list.iter().map(f).collect::<Vec<bool>>())
        };
        DataFrame::new_infer_height(vec![
            text(col::HOST, &|m| Some(m.host())),
            text(col::INSTANCE, &|m| Some(m.instance())),
            StringChunked::from_iter_values(
                col::QUEUE_ID.into(),
                list.iter().map(|m| m.queue_id.text()),
            )
            .into_column(),
            text("origin", &|m| Some(m.origin().as_str())),
            text("fate", &|m| Some(m.fate().as_str())),
            time("arrival", &|m| m.arrival()),
            time("first_seen", &|m| Some(m.first_seen)),
            time("last_seen", &|m| Some(m.last_seen())),
            text(col::CLIENT_NAME, &|m| self.client_name(m)),
            text(col::CLIENT_IP, &|m| self.client_ip(m)),
            text(col::FROM, &|m| m.from.map(Name::as_str)),
            Column::new(
                col::SIZE.into(),
                list.iter().map(Message::size).collect::<Vec<_>>(),
            ),
            Column::new(
                col::NRCPT.into(),
                list.iter().map(Message::nrcpt).collect::<Vec<_>>(),
            ),
            Column::new(
                col::MESSAGE_ID.into(),
                (0..list.len() as u32)
                    .map(|i| self.message_id(i))
                    .collect::<Vec<_>>(),
            ),
            count("sent", &|m| m.sent()),
            count("forwarded", &|m| m.rare_counts().forwarded),
            count("bounced", &|m| m.rare_counts().bounced),
            count("deferrals", &|m| m.rare_counts().deferrals),
            count("deferred_recipients", &|m| {
                m.rare_counts().deferred_recipients
            }),
            count("other_statuses", &|m| m.rare_counts().other_statuses),
            count("filter_hops", &|m| m.rare_counts().filter_hops),
            count("refused_recipients", &|m| {
                m.rare_counts().refused_recipients
            }),
            flag("expired", &Message::expired),
            flag("rejected", &Message::rejected),
            flag("held", &Message::held),
            flag("discarded", &Message::discarded),
            flag("deleted", &Message::deleted),
            flag("queued", &Message::queued),
            flag("removed", &Message::removed),
            StringChunked::from_iter_options(
                "parent_queue_id".into(),
                list.iter().map(|m| {
                    m.parent()
                        .and_then(|p| list.get(p as usize))
                        .map(|p| p.queue_id.text())
                }),
            )
            .into_column(),
            flag("start_in_input", &Message::start_in_input),
            count("lines", &|m| m.lines()),
        ])
    }
}

/// The kinds of events a message is made of. (cleanup's `message-id=`
/// line is read for the detail only: a notification or forwarded copy is
/// known by the line that links it.)
pub const KINDS: &[EventKind] = &[
    EventKind::Client,
    EventKind::Pickup,
    EventKind::Queued,
    EventKind::Delivery,
    EventKind::Removed,
    EventKind::Expired,
    EventKind::Notification,
    EventKind::Reject,
    EventKind::MilterReject,
    EventKind::Hold,
    EventKind::MilterHold,
    EventKind::Discard,
    EventKind::MilterDiscard,
];

/// The frame columns [`build`] needs to count messages.
pub const COLUMNS: &[&str] = &[
    col::TS,
    col::HOST,
    col::INSTANCE,
    col::DAEMON,
    col::KIND,
    col::QUEUE_ID,
    col::STAGE,
    col::TO,
    col::STATUS,
    col::SIZE,
    col::RELATED_QUEUE_ID,
    col::REASON,
    col::RELAY_IP,
    col::RELAY_PORT,
];

/// The columns of a message's detail (sender, client, number of
/// recipients): read when a report or the export prints them.
pub const DETAIL_COLUMNS: &[&str] = &[col::CLIENT_NAME, col::CLIENT_IP, col::FROM, col::NRCPT];

/// What the messages read to count them: the scan folds these rows into
/// the messages; the frame keeps them only if a report reads them too.
pub fn reads() -> Projection {
    Projection::NONE.with_messages_of(KINDS, COLUMNS)
}

/// What the messages read for the details the summary prints: senders,
/// clients, recipients.
pub fn reads_detail() -> Projection {
    reads().with_messages_of(&[], DETAIL_COLUMNS)
}

/// [`reads_detail`] and the Message-ID (cleanup's `message-id=` lines, one
/// per message): what `--parquet-messages` writes.
pub fn reads_everything() -> Projection {
    reads_detail().with_messages_of(&[EventKind::MessageId], &[col::MESSAGE_ID])
}

/// A message row the frame does not keep ([`Builder::block`]).
pub const NOT_IN_FRAME: u32 = u32::MAX;

/// The messages of a frame that holds their rows (a test's, or a scan's
/// that did not put them together: see [`crate::frame::Projection`]),
/// every row of it in the frame.
pub fn build(df: &DataFrame) -> PolarsResult<Messages> {
    build_in(df, &rows::stretches(df))
}

/// [`build`] with the frame's stretches.
pub fn build_in(df: &DataFrame, stretches: &[Stretch]) -> PolarsResult<Messages> {
    let mut builder = Builder::new();
    for stretch in stretches {
        builder.stretch(df, stretch)?;
    }
    Ok(builder.finish())
}
