//! Messages: the events of one queued message put together, built once after
//! the scan from the event frame (so chunking cannot change them).
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

use std::hash::BuildHasher;

use hashbrown::hash_table::{Entry, HashTable};
use polars::prelude::*;

use crate::frame::rows::{self, Decoder, Stretch, Strs, Values};
use crate::frame::{col, Projection};
use crate::parse::{DeliveryStatus, EventKind, Micros};

/// How a message came into the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// From an SMTP client (`client=`), not a content filter's re-injection.
    Smtp,
    /// Submitted locally (`pickup`: sendmail, postdrop).
    Local,
    /// A content filter's filtered copy of an earlier message.
    Reinjected,
    /// A bounce, delay or success notification Postfix wrote.
    Notification,
    /// A copy local(8) forwarded (`.forward`, an alias to a remote address).
    Forward,
    /// Its start is not in the input (or not among the lines above).
    Unknown,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Smtp => "smtp",
            Origin::Local => "local",
            Origin::Reinjected => "reinjected",
            Origin::Notification => "notification",
            Origin::Forward => "forward",
            Origin::Unknown => "unknown",
        }
    }

    /// Mail this server received: from clients or local submission, each
    /// message once (a content filter's copy is the same mail).
    pub fn is_received(self) -> bool {
        matches!(self, Origin::Smtp | Origin::Local)
    }
}

/// One message, from its first line in the input to its last.
#[derive(Clone, Debug, PartialEq)]
pub struct Message<'a> {
    pub host: &'a str,
    /// The Postfix instance: `postfix`, `postfix-out`, …
    pub instance: &'a str,
    pub queue_id: &'a str,
    pub origin: Origin,
    /// When it arrived (`client=`, `uid=`, or Postfix's own `message-id=`).
    pub arrival: Option<Micros>,
    pub first_seen: Micros,
    pub last_seen: Micros,
    pub client_name: Option<&'a str>,
    pub client_ip: Option<&'a str>,
    /// Envelope sender; empty for the null sender.
    pub from: Option<&'a str>,
    /// Queue file size (qmgr's first `size=`).
    pub size: Option<u64>,
    pub nrcpt: Option<u32>,
    pub message_id: Option<&'a str>,
    /// Final deliveries with `status=sent` (not forwarded, not filter hops).
    pub sent: u32,
    /// `status=sent (forwarded as …)`.
    pub forwarded: u32,
    pub bounced: u32,
    /// Deferred delivery attempts, and the distinct recipients they were for.
    pub deferrals: u32,
    pub deferred_recipients: u32,
    /// Other statuses (SOFTBOUNCE, undeliverable, deliverable).
    pub other_statuses: u32,
    /// Hand-offs to a content filter.
    pub filter_hops: u32,
    /// Recipients refused at RCPT after another was accepted (`QID: reject:`).
    pub refused_recipients: u32,
    pub expired: bool,
    /// Rejected as a whole after DATA (cleanup header/body checks, a milter).
    pub rejected: bool,
    pub held: bool,
    pub discarded: bool,
    /// Deleted by `postsuper -d`.
    pub deleted: bool,
    /// Its `removed` line is in the input.
    pub removed: bool,
    /// The message this one came from: the one a notification reports on,
    /// the original of a forwarded or re-injected copy.
    pub parent: Option<u32>,
    /// Its first line is its start (see the module documentation).
    pub start_in_input: bool,
    /// Its lines in the input.
    pub lines: u32,
    /// Written to the queue: qmgr took it (`from=…, size=…`), or it was put
    /// on hold or discarded.
    pub queued: bool,
}

impl<'a> Message<'a> {
    /// The sender of cleanup's `hold:`/`discard:` line (`from=<…>`), unless
    /// qmgr named it already: qmgr never sees a discarded message, nor a
    /// held one until it is released, so that line is often the only one
    /// that names the sender.
    fn take_sender_of(&mut self, row: &Row<'_, 'a>) {
        if self.size.is_none() {
            if let Some(from) = row.from() {
                self.from = Some(from);
            }
        }
    }

    fn new(key: &Key<'a>, ts: Micros) -> Message<'a> {
        Message {
            host: key.host,
            instance: key.instance,
            queue_id: key.queue_id,
            origin: Origin::Unknown,
            arrival: None,
            first_seen: ts,
            last_seen: ts,
            client_name: None,
            client_ip: None,
            from: None,
            size: None,
            nrcpt: None,
            message_id: None,
            sent: 0,
            forwarded: 0,
            bounced: 0,
            deferrals: 0,
            deferred_recipients: 0,
            other_statuses: 0,
            filter_hops: 0,
            refused_recipients: 0,
            expired: false,
            rejected: false,
            held: false,
            discarded: false,
            deleted: false,
            removed: false,
            parent: None,
            start_in_input: false,
            lines: 0,
            queued: false,
        }
    }

    /// Mail this server received (see [`Origin::is_received`]), started in
    /// the input and written to the queue; with `count_filter_hops`, a
    /// content filter's copy too.
    pub fn is_received(&self, count_filter_hops: bool) -> bool {
        self.start_in_input
            && self.queued
            && !self.rejected
            && (self.origin.is_received()
                || (count_filter_hops && self.origin == Origin::Reinjected))
    }

    /// What became of the message by the end of the input.
    pub fn fate(&self) -> Fate {
        if self.rejected {
            Fate::Rejected
        } else if self.discarded {
            Fate::Discarded
        } else if self.start_in_input
            && !self.queued
            && !self.removed
            && !self.expired
            && self.sent + self.bounced + self.deferrals == 0
        {
            Fate::Abandoned
        } else if self.deleted {
            Fate::Deleted
        } else if self.expired {
            Fate::Expired
        } else if !self.removed {
            if self.held {
                Fate::Held
            } else {
                Fate::Open
            }
        } else if self.bounced > 0 {
            Fate::Bounced
        } else if self.filter_hops > 0 && self.sent == 0 {
            Fate::Filtered
        } else {
            Fate::Delivered
        }
    }
}

/// What became of a message, each message exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fate {
    /// Removed after every recipient was delivered (or forwarded).
    Delivered,
    /// Removed after a content filter took it (the filtered copy goes on).
    Filtered,
    /// Removed with at least one bounced recipient.
    Bounced,
    /// Returned to the sender after the queue lifetime.
    Expired,
    /// Deleted by the administrator (`postsuper -d`).
    Deleted,
    /// Rejected after DATA (header/body checks, a milter).
    Rejected,
    /// Never queued: the client ended the transaction first.
    Abandoned,
    Discarded,
    /// In the hold queue at the end of the input.
    Held,
    /// Still in the queue at the end of the input (deferred, or in flight).
    Open,
}

impl Fate {
    pub const ALL: [Fate; 10] = [
        Fate::Delivered,
        Fate::Filtered,
        Fate::Bounced,
        Fate::Expired,
        Fate::Deleted,
        Fate::Rejected,
        Fate::Abandoned,
        Fate::Discarded,
        Fate::Held,
        Fate::Open,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Fate::Delivered => "delivered",
            Fate::Filtered => "handed to a content filter",
            Fate::Bounced => "bounced (some or all recipients)",
            Fate::Expired => "expired",
            Fate::Deleted => "deleted (postsuper)",
            Fate::Rejected => "rejected after DATA",
            Fate::Abandoned => "not queued (the client left before DATA was done)",
            Fate::Discarded => "discarded",
            Fate::Held => "on hold at the end",
            Fate::Open => "still queued at the end",
        }
    }
}

/// The messages of a frame, and for every frame row the message it belongs
/// to and whether it is a filter hop.
pub struct Messages<'a> {
    pub list: Vec<Message<'a>>,
    /// Per frame row: the index of its message in `list`, or
    /// [`Messages::NONE`] (NOQUEUE rejects, warnings, …).
    pub of_row: Vec<u32>,
    /// Per frame row: a delivery that handed its message to a content
    /// filter (not a final delivery).
    pub hop: Vec<bool>,
}

impl<'a> Messages<'a> {
    pub const NONE: u32 = u32::MAX;

    /// The message a frame row belongs to.
    pub fn of(&self, row: usize) -> Option<&Message<'a>> {
        match self.of_row.get(row) {
            Some(&i) if i != Self::NONE => self.list.get(i as usize),
            _ => None,
        }
    }
}

impl Messages<'_> {
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
            if let (Origin::Reinjected, Some(parent)) = (m.origin, m.parent) {
                copies.entry(parent).or_default().push(i as u32);
            }
        }
        fn end(
            list: &[Message<'_>],
            copies: &PlHashMap<u32, Vec<u32>>,
            i: u32,
            hops: usize,
        ) -> Fate {
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
        let text = |name: &str, f: &dyn for<'m> Fn(&'m Message<'_>) -> Option<&'m str>| {
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
            text(col::HOST, &|m| Some(m.host)),
            text(col::INSTANCE, &|m| Some(m.instance)),
            text(col::QUEUE_ID, &|m| Some(m.queue_id)),
            text("origin", &|m| Some(m.origin.as_str())),
            text("fate", &|m| Some(m.fate().as_str())),
            time("arrival", &|m| m.arrival),
            time("first_seen", &|m| Some(m.first_seen)),
            time("last_seen", &|m| Some(m.last_seen)),
            text(col::CLIENT_NAME, &|m| m.client_name),
            text(col::CLIENT_IP, &|m| m.client_ip),
            text(col::FROM, &|m| m.from),
            Column::new(
                col::SIZE.into(),
                list.iter().map(|m| m.size).collect::<Vec<_>>(),
            ),
            Column::new(
                col::NRCPT.into(),
                list.iter().map(|m| m.nrcpt).collect::<Vec<_>>(),
            ),
            text(col::MESSAGE_ID, &|m| m.message_id),
            count("sent", &|m| m.sent),
            count("forwarded", &|m| m.forwarded),
            count("bounced", &|m| m.bounced),
            count("deferrals", &|m| m.deferrals),
            count("deferred_recipients", &|m| m.deferred_recipients),
            count("other_statuses", &|m| m.other_statuses),
            count("filter_hops", &|m| m.filter_hops),
            count("refused_recipients", &|m| m.refused_recipients),
            flag("expired", &|m| m.expired),
            flag("rejected", &|m| m.rejected),
            flag("held", &|m| m.held),
            flag("discarded", &|m| m.discarded),
            flag("deleted", &|m| m.deleted),
            flag("queued", &|m| m.queued),
            flag("removed", &|m| m.removed),
            Column::new(
                "parent_queue_id".into(),
                list.iter()
                    .map(|m| {
                        m.parent
                            .and_then(|p| list.get(p as usize))
                            .map(|p| p.queue_id)
                    })
                    .collect::<Vec<_>>(),
            ),
            flag("start_in_input", &|m| m.start_in_input),
            count("lines", &|m| m.lines),
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

/// What [`build`] reads to count messages.
pub fn reads() -> Projection {
    Projection::NONE.with_kinds(KINDS).with_columns(COLUMNS)
}

/// What [`build`] reads for the details the summary prints: senders,
/// clients, recipients.
pub fn reads_detail() -> Projection {
    reads().with_columns(DETAIL_COLUMNS)
}

/// [`reads_detail`] and the Message-ID (cleanup's `message-id=` lines, one
/// per message): what `--parquet-messages` writes.
pub fn reads_everything() -> Projection {
    reads_detail()
        .with_kinds(&[EventKind::MessageId])
        .with_columns(&[col::MESSAGE_ID])
}

/// A next hop: relay address and port (`127.0.0.1`, `10024`).
type NextHop<'a> = (&'a str, u16);

/// A message's key: host, instance, queue id, borrowed from the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key<'a> {
    host: &'a str,
    instance: &'a str,
    queue_id: &'a str,
}

/// Whether two names are equal, seen first by where they are: a host or
/// instance comes from the categories, one string for all rows that name
/// it, so equal names are nearly always the same bytes.
fn same(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
}

/// The syslog name's first part: `postfix/submission` → `postfix`.
fn instance_of(instance: &str) -> &str {
    instance.split('/').next().unwrap_or(instance)
}

/// The columns [`build`] reads, over one stretch of the frame.
struct Columns<'a> {
    ts: Values<'a, Int64Type>,
    host: Strs<'a>,
    instance: Strs<'a>,
    daemon: Strs<'a>,
    kind: Strs<'a>,
    queue_id: Strs<'a>,
    stage: Strs<'a>,
    client_name: Strs<'a>,
    client_ip: Strs<'a>,
    from: Strs<'a>,
    to: Strs<'a>,
    status: Strs<'a>,
    statuses: Decoder<DeliveryStatus>,
    size: Values<'a, UInt64Type>,
    nrcpt: Values<'a, UInt32Type>,
    message_id: Strs<'a>,
    related: Strs<'a>,
    /// Normalized: `forwarded as QID`.
    reason: Strs<'a>,
    relay_ip: Strs<'a>,
    relay_port: Values<'a, UInt16Type>,
}

impl<'a> Columns<'a> {
    fn of(df: &'a DataFrame, stretch: &Stretch) -> PolarsResult<Columns<'a>> {
        let strs = |name| Strs::of(df, name, stretch);
        let status = strs(col::STATUS)?;
        Ok(Columns {
            statuses: Decoder::new(&status, &DeliveryStatus::ALL, |s| s.as_str()),
            status,
            ts: rows::stamps(df, stretch)?,
            host: strs(col::HOST)?,
            instance: strs(col::INSTANCE)?,
            daemon: strs(col::DAEMON)?,
            kind: strs(col::KIND)?,
            queue_id: strs(col::QUEUE_ID)?,
            stage: strs(col::STAGE)?,
            client_name: strs(col::CLIENT_NAME)?,
            client_ip: strs(col::CLIENT_IP)?,
            from: strs(col::FROM)?,
            to: strs(col::TO)?,
            size: Values::of(df, col::SIZE, |c| c.u64(), stretch)?,
            nrcpt: Values::of(df, col::NRCPT, |c| c.u32(), stretch)?,
            message_id: strs(col::MESSAGE_ID)?,
            related: strs(col::RELATED_QUEUE_ID)?,
            reason: strs(col::REASON)?,
            relay_ip: strs(col::RELAY_IP)?,
            relay_port: Values::of(df, col::RELAY_PORT, |c| c.u16(), stretch)?,
        })
    }
}

/// One frame row of a message, as [`Builder::row`] reads it: the fields
/// every row needs, and the others read when its kind needs them (a
/// delivery's status, a `client=` line's client).
struct Row<'c, 'a> {
    columns: &'c Columns<'a>,
    /// The row in its stretch.
    i: usize,
    /// The row in the frame.
    at: usize,
    kind: EventKind,
    ts: Micros,
    key: Key<'a>,
}

impl<'a> Row<'_, 'a> {
    fn daemon(&self) -> &'a str {
        self.columns.daemon.get(self.i).unwrap_or("")
    }

    fn stage(&self) -> Option<&'a str> {
        self.columns.stage.get(self.i)
    }

    fn client_name(&self) -> Option<&'a str> {
        self.columns.client_name.get(self.i)
    }

    fn client_ip(&self) -> Option<&'a str> {
        self.columns.client_ip.get(self.i)
    }

    fn from(&self) -> Option<&'a str> {
        self.columns.from.get(self.i)
    }

    fn to(&self) -> Option<&'a str> {
        self.columns.to.get(self.i)
    }

    fn status(&self) -> Option<DeliveryStatus> {
        self.columns.statuses.get(&self.columns.status, self.i)
    }

    fn size(&self) -> Option<u64> {
        self.columns.size.get(self.i)
    }

    fn nrcpt(&self) -> Option<u32> {
        self.columns.nrcpt.get(self.i)
    }

    fn message_id(&self) -> Option<&'a str> {
        self.columns.message_id.get(self.i)
    }

    fn related(&self) -> Option<&'a str> {
        self.columns.related.get(self.i)
    }

    fn reason(&self) -> Option<&'a str> {
        self.columns.reason.get(self.i)
    }

    fn next_hop(&self) -> Option<NextHop<'a>> {
        let ip = self.columns.relay_ip.get(self.i)?;
        Some((ip, self.columns.relay_port.get(self.i)?))
    }
}

/// The syslog names of a stretch's rows made instances, remembered for the
/// last name seen (a log has a handful, in long runs).
struct Instances<'a> {
    last: Option<(u32, &'a str)>,
}

impl<'a> Instances<'a> {
    fn of(&mut self, column: &Strs<'a>, i: usize) -> &'a str {
        let Some(code) = column.code(i) else {
            return instance_of(column.get(i).unwrap_or(""));
        };
        match self.last {
            Some((last, instance)) if last == code => instance,
            _ => {
                let instance = instance_of(column.get(i).unwrap_or(""));
                self.last = Some((code, instance));
                instance
            }
        }
    }
}

/// The kinds [`build`] reads: a message's, and cleanup's `message-id=`.
fn kinds_read() -> Vec<EventKind> {
    let mut kinds = KINDS.to_vec();
    kinds.push(EventKind::MessageId);
    kinds
}

/// Builds the messages of `df` (a frame holding at least [`reads`]).
pub fn build(df: &DataFrame) -> PolarsResult<Messages<'_>> {
    build_in(df, &rows::stretches(df))
}

/// [`build`], given the frame's stretches ([`rows::stretches`]).
pub fn build_in<'a>(df: &'a DataFrame, stretches: &[Stretch]) -> PolarsResult<Messages<'a>> {
    let mut builder = Builder::new();
    builder.of_row = vec![Messages::NONE; df.height()];
    builder.hop = vec![false; df.height()];
    let kinds = kinds_read();
    for stretch in stretches {
        let columns = Columns::of(df, stretch)?;
        let decoder = Decoder::new(&columns.kind, &kinds, |k| k.as_str());
        let mut instances = Instances { last: None };
        decoder.each(&columns.kind, stretch.len(), |i, kind| {
            let Some(queue_id) = columns.queue_id.get(i) else {
                return;
            };
            let row = Row {
                columns: &columns,
                i,
                at: stretch.rows.start + i,
                kind,
                ts: columns.ts.get(i).unwrap_or(0),
                key: Key {
                    host: columns.host.get(i).unwrap_or(""),
                    instance: instances.of(&columns.instance, i),
                    queue_id,
                },
            };
            builder.row(&row);
        });
    }
    builder.finish(df, stretches)
}

struct Builder<'a> {
    list: Vec<Message<'a>>,
    of_row: Vec<u32>,
    hop: Vec<bool>,
    /// The open message of each key: the message's index, hashed and
    /// compared by the key the message holds (4 bytes an entry instead of
    /// a copy of the key's three names).
    open: HashTable<u32>,
    hasher: PlRandomState,
    /// Per message, the recipients seen deferred (to count them once).
    deferred: PlHashMap<u32, Vec<&'a str>>,
    /// Next hops (`address:port`) that were content filters: a delivery
    /// was followed by the filtered copy coming back.
    filters: PlHashSet<NextHop<'a>>,
    /// The frame rows of the other final deliveries with a next hop: a
    /// delivery to a content filter that kept the message (`250 2.7.0 Ok,
    /// discarded`) is a hop too. Their next hop is read again at the end,
    /// only if there were filters.
    sent: Vec<usize>,
    /// Links whose target was not open yet (inputs out of order): the
    /// target's key, the parent, the origin, the link's time.
    pending: Vec<(Key<'a>, u32, Origin, Micros)>,
}

impl<'a> Builder<'a> {
    fn new() -> Self {
        Builder {
            list: Vec::new(),
            of_row: Vec::new(),
            hop: Vec::new(),
            open: HashTable::new(),
            hasher: PlRandomState::default(),
            deferred: PlHashMap::new(),
            filters: PlHashSet::new(),
            sent: Vec::new(),
            pending: Vec::new(),
        }
    }

    fn row(&mut self, row: &Row<'_, 'a>) {
        let (at, kind, key) = (row.at, row.kind, row.key);
        let starts = matches!(kind, EventKind::Client | EventKind::Pickup);
        let index = match self.current(&key) {
            Some(i) => {
                let m = &self.list[i as usize];
                // A start line, or any line after `removed`, opens the next
                // message of a reused queue id.
                if m.removed || (starts && m.start_in_input) {
                    self.open_message(&key, row.ts)
                } else {
                    i
                }
            }
            None => self.open_message(&key, row.ts),
        };
        self.of_row[at] = index;
        let m = &mut self.list[index as usize];
        let is_first = m.lines == 0;
        m.lines += 1;
        m.last_seen = m.last_seen.max(row.ts);
        match kind {
            EventKind::Client => {
                m.origin = Origin::Smtp;
                m.arrival = Some(row.ts);
                m.start_in_input = true;
                m.client_name = row.client_name();
                m.client_ip = row.client_ip();
            }
            EventKind::Pickup => {
                m.origin = Origin::Local;
                m.arrival = Some(row.ts);
                m.start_in_input = true;
                if m.from.is_none() {
                    m.from = row.from();
                }
            }
            EventKind::MessageId => {
                // Postfix's own mail (notifications, forwarded copies)
                // starts with cleanup's message-id line.
                if is_first && row.daemon() == "cleanup" {
                    m.start_in_input = true;
                    m.arrival = Some(row.ts);
                }
                m.message_id = row.message_id();
            }
            EventKind::Queued => {
                m.queued = true;
                if m.size.is_none() {
                    m.from = row.from();
                    m.size = row.size();
                    m.nrcpt = row.nrcpt();
                }
            }
            EventKind::Delivery => self.delivery(index, at, row),
            EventKind::Removed => {
                m.removed = true;
                if row.daemon() == "postsuper" {
                    m.deleted = true;
                }
            }
            EventKind::Expired => m.expired = true,
            EventKind::Notification => {
                if let Some(new) = row.related() {
                    self.link(&key.with(new), index, Origin::Notification, row.ts);
                }
            }
            EventKind::Reject | EventKind::MilterReject => {
                // smtpd `QID: reject: RCPT`: one recipient refused, the
                // message goes on; after DATA (cleanup, a milter at
                // END-OF-MESSAGE) the whole message is refused.
                if kind == EventKind::Reject && row.stage() == Some("RCPT") {
                    m.refused_recipients += 1;
                } else {
                    m.rejected = true;
                }
            }
            EventKind::Hold | EventKind::MilterHold => {
                m.held = true;
                m.queued = true;
                m.take_sender_of(row);
            }
            EventKind::Discard | EventKind::MilterDiscard => {
                m.discarded = true;
                m.queued = true;
                m.take_sender_of(row);
            }
            _ => {}
        }
    }

    fn delivery(&mut self, index: u32, at: usize, row: &Row<'_, 'a>) {
        let status = row.status();
        let forwarded = row.reason().is_some_and(|t| t.starts_with("forwarded as "));
        let related = row.related();
        let queued_as = related.filter(|_| !forwarded);
        let key_host = row.key.host;
        let key_instance = row.key.instance;
        match status {
            Some(DeliveryStatus::Sent) if forwarded => {
                self.list[index as usize].forwarded += 1;
                if let Some(new) = related {
                    let key = Key {
                        host: key_host,
                        instance: key_instance,
                        queue_id: new,
                    };
                    self.link(&key, index, Origin::Forward, row.ts);
                }
            }
            Some(DeliveryStatus::Sent) => {
                // `queued as NEW` where NEW was just received here: the
                // hand-off to a content filter, which injected NEW back.
                let reinjected = queued_as.and_then(|new| {
                    let key = Key {
                        host: key_host,
                        instance: key_instance,
                        queue_id: new,
                    };
                    self.current(&key)
                        .filter(|&i| i != index && self.list[i as usize].origin == Origin::Smtp)
                });
                let next_hop = row.next_hop();
                match reinjected {
                    Some(new) => {
                        self.hop[at] = true;
                        self.list[index as usize].filter_hops += 1;
                        let copy = &mut self.list[new as usize];
                        copy.origin = Origin::Reinjected;
                        copy.parent = Some(index);
                        self.filters.extend(next_hop);
                    }
                    None => {
                        self.list[index as usize].sent += 1;
                        if next_hop.is_some() {
                            self.sent.push(at);
                        }
                    }
                }
            }
            Some(DeliveryStatus::Bounced) => self.list[index as usize].bounced += 1,
            Some(DeliveryStatus::Deferred) => {
                let m = &mut self.list[index as usize];
                m.deferrals += 1;
                let seen = self.deferred.entry(index).or_default();
                let to = row.to().unwrap_or("");
                if !seen.contains(&to) {
                    seen.push(to);
                    m.deferred_recipients += 1;
                }
            }
            _ => self.list[index as usize].other_statuses += 1,
        }
    }

    /// The open message of `key`, if any.
    fn current(&self, key: &Key<'a>) -> Option<u32> {
        let list = &self.list;
        self.open
            .find(key.hash(&self.hasher), |&i| key.of(&list[i as usize]))
            .copied()
    }

    fn open_message(&mut self, key: &Key<'a>, ts: Micros) -> u32 {
        let index = self.list.len() as u32;
        self.list.push(Message::new(key, ts));
        let list = &self.list;
        let hasher = &self.hasher;
        let hash = key.hash(hasher);
        let entry = self.open.entry(
            hash,
            |&i| key.of(&list[i as usize]),
            |&i| Key::from(&list[i as usize]).hash(hasher),
        );
        match entry {
            Entry::Occupied(mut entry) => *entry.get_mut() = index,
            Entry::Vacant(entry) => {
                entry.insert(index);
            }
        }
        index
    }

    /// Marks the open message of `key` as made from message `parent`, or
    /// keeps the link for [`Builder::finish`] if that message is not open.
    fn link(&mut self, key: &Key<'a>, parent: u32, origin: Origin, ts: Micros) {
        // A removed message is not the target: its queue id is reused by
        // the new message, whose first line may come after the link (when
        // cleanup's `message-id=` line is not read).
        let open = self
            .current(key)
            .filter(|&c| c != parent && !self.list[c as usize].removed);
        match open {
            Some(child) => self.set_parent(child, parent, origin),
            None => self.pending.push((*key, parent, origin, ts)),
        }
    }

    fn set_parent(&mut self, child: u32, parent: u32, origin: Origin) {
        let m = &mut self.list[child as usize];
        if m.origin == Origin::Unknown || origin == Origin::Notification {
            m.origin = origin;
        }
        if matches!(origin, Origin::Notification | Origin::Forward) {
            // Postfix made it then: its first line in the input is its
            // start.
            m.start_in_input = true;
            m.arrival.get_or_insert(m.first_seen);
        }
        m.parent = Some(parent);
    }

    /// Links whose target came later in the input: the first message of
    /// the key that starts after the link's time less a minute.
    fn resolve_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let wanted: PlHashSet<(&str, &str, &str)> = self
            .pending
            .iter()
            .map(|(k, ..)| (k.host, k.instance, k.queue_id))
            .collect();
        let mut by_key: PlHashMap<(&str, &str, &str), Vec<u32>> = PlHashMap::new();
        for (i, m) in self.list.iter().enumerate() {
            let key = (m.host, m.instance, m.queue_id);
            if wanted.contains(&key) {
                by_key.entry(key).or_default().push(i as u32);
            }
        }
        let mut links = Vec::new();
        for (key, parent, origin, ts) in &self.pending {
            let child = by_key
                .get(&(key.host, key.instance, key.queue_id))
                .and_then(|candidates| {
                    candidates.iter().copied().find(|&c| {
                        c != *parent && self.list[c as usize].first_seen >= ts - 60_000_000
                    })
                });
            links.extend(child.map(|c| (c, *parent, *origin)));
        }
        drop(by_key);
        for (child, parent, origin) in links {
            self.set_parent(child, parent, origin);
        }
    }

    fn finish(mut self, df: &'a DataFrame, stretches: &[Stretch]) -> PolarsResult<Messages<'a>> {
        self.resolve_pending();
        if !self.filters.is_empty() {
            self.filter_hops(df, stretches)?;
        }
        for m in &mut self.list {
            // A `message-id=` line first, without a notification or forward
            // line naming the message: its start (a `client=` line, say)
            // is not in the input.
            if m.origin == Origin::Unknown {
                m.start_in_input = false;
            }
        }
        Ok(Messages {
            list: self.list,
            of_row: self.of_row,
            hop: self.hop,
        })
    }

    /// Final deliveries to a next hop that turned out to be a content
    /// filter are hops: their next hops read again (in frame order, one
    /// stretch after the other).
    fn filter_hops(&mut self, df: &'a DataFrame, stretches: &[Stretch]) -> PolarsResult<()> {
        let mut at = 0;
        let mut columns: Option<(Strs<'a>, Values<'a, UInt16Type>)> = None;
        for row in std::mem::take(&mut self.sent) {
            while stretches[at].rows.end <= row {
                at += 1;
                columns = None;
            }
            let stretch = &stretches[at];
            let (ip, port) = match columns {
                Some(c) => c,
                None => *columns.insert((
                    Strs::of(df, col::RELAY_IP, stretch)?,
                    Values::of(df, col::RELAY_PORT, |c| c.u16(), stretch)?,
                )),
            };
            let i = row - stretch.rows.start;
            let next_hop = ip.get(i).zip(port.get(i));
            if next_hop.is_some_and(|hop| self.filters.contains(&hop)) {
                self.hop[row] = true;
                let m = &mut self.list[self.of_row[row] as usize];
                m.sent -= 1;
                m.filter_hops += 1;
            }
        }
        Ok(())
    }
}

impl<'a> Key<'a> {
    fn from(m: &Message<'a>) -> Key<'a> {
        Key {
            host: m.host,
            instance: m.instance,
            queue_id: m.queue_id,
        }
    }

    /// The key's hash in the open messages: its queue id's (a log has one
    /// host and a few instances, so that is nearly as distinct, and one
    /// string costs less to hash than three).
    #[inline]
    fn hash(&self, hasher: &PlRandomState) -> u64 {
        hasher.hash_one(self.queue_id)
    }

    /// Whether `m` is a message of this key.
    #[inline]
    fn of(&self, m: &Message<'_>) -> bool {
        self.queue_id == m.queue_id && same(self.host, m.host) && same(self.instance, m.instance)
    }

    /// The same host and instance, another queue id.
    fn with(&self, queue_id: &'a str) -> Key<'a> {
        Key {
            host: self.host,
            instance: self.instance,
            queue_id,
        }
    }
}
