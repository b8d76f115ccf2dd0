//! Messages: the events of one queued message put together, as the scan
//! reads them: each block's message rows are folded in input order into
//! the open messages (so chunking cannot change them), and the rows the
//! reports keep in the frame learn their message. Nothing here borrows
//! from the frame: names are codes of the global categories (the frame's
//! categorical columns share them), queue ids are held inline.
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

use hashbrown::hash_table::HashTable;
use polars::prelude::*;

use crate::frame::rows::{self, CodeMemo, Decoder, Stretch, Strs, Values};
use crate::frame::{col, Projection};
use crate::parse::{DeliveryStatus, Event, EventKind, Micros};

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
    /// In declaration order: a message's [`Flags`] hold the index.
    const ALL: [Origin; 6] = [
        Origin::Smtp,
        Origin::Local,
        Origin::Reinjected,
        Origin::Notification,
        Origin::Forward,
        Origin::Unknown,
    ];

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

/// A name a message keeps: its code in the global categories, which the
/// event frame's categorical columns share (4 bytes, and the string once).
/// Held as the code plus one: `Option<Name>` is 4 bytes too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Name(std::num::NonZeroU32);

impl Name {
    pub fn as_str(self) -> &'static str {
        crate::frame::rows::global_categories()
            .cat_to_str(self.0.get() - 1)
            .unwrap_or("")
    }

    fn of_code(code: u32) -> Name {
        Name(std::num::NonZeroU32::MIN.saturating_add(code))
    }

    /// The name of `text`, added to the categories if it is new.
    fn of(text: &str) -> Name {
        Name::of_code(rows::global_code(text))
    }

    /// The name of row `i` of `column`: its code when the column is of
    /// the global categories (as the scan builds it), else its string's.
    #[inline]
    fn of_row(column: &Strs<'_>, global: bool, i: usize) -> Option<Name> {
        match column {
            Strs::Codes { .. } if global => column.code(i).map(Name::of_code),
            _ => column.get(i).map(Name::of),
        }
    }
}

/// The messages in the order they started, in chunks of [`List::CHUNK`]:
/// growing never copies the messages held (a `Vec` doubling would hold
/// the old and the new allocation at once, 1.5 times the list).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct List {
    chunks: Vec<Vec<Message>>,
    len: usize,
}

impl List {
    const CHUNK: usize = 1 << 15;

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, i: usize) -> Option<&Message> {
        self.chunks.get(i / List::CHUNK)?.get(i % List::CHUNK)
    }

    fn push(&mut self, m: Message) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < List::CHUNK => chunk.push(m),
            _ => {
                let mut chunk = Vec::with_capacity(List::CHUNK);
                chunk.push(m);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
    }

    pub fn iter(&self) -> impl Iterator<Item = &Message> {
        self.chunks.iter().flatten()
    }

    fn iter_mut(&mut self) -> impl Iterator<Item = &mut Message> {
        self.chunks.iter_mut().flatten()
    }
}

impl std::ops::Index<usize> for List {
    type Output = Message;

    fn index(&self, i: usize) -> &Message {
        &self.chunks[i / List::CHUNK][i % List::CHUNK]
    }
}

impl std::ops::IndexMut<usize> for List {
    fn index_mut(&mut self, i: usize) -> &mut Message {
        &mut self.chunks[i / List::CHUNK][i % List::CHUNK]
    }
}

impl<'l> IntoIterator for &'l List {
    type Item = &'l Message;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'l, Vec<Message>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.iter().flatten()
    }
}

/// A queue id in 16 bytes. Postfix writes its queue ids in `0-9A-Za-z`
/// (upper-case hex, or the long ids' base-52 alphabet and `z`), and those
/// of up to [`QueueId::PACKED`] characters are packed 6 bits each, first
/// character highest, so that the numbers order as the strings do. A
/// longer one, or one of other bytes, up to [`QueueId::MAX`], is held as
/// its code in the global categories. (The 25 bytes of the text made a
/// message 9 bytes larger, and millions may be open at once.)
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueueId {
    high: u64,
    low: u64,
}

impl QueueId {
    pub const MAX: usize = 24;
    /// The characters packed: 21 × 6 = 126 bits.
    const PACKED: usize = 21;
    /// The bit of `high` that marks a code in the global categories.
    const CODED: u64 = 1 << 63;

    /// `None` for a longer token (a remote server's `queued as` id: never
    /// one of this server's messages).
    pub fn new(id: &str) -> Option<QueueId> {
        match QueueId::packed(id) {
            Some(packed) => Some(packed),
            None if id.len() <= QueueId::MAX => Some(QueueId::coded(rows::global_code(id))),
            None => None,
        }
    }

    /// The queue id of `id` if it can be one of the messages: a queue id
    /// that is not packed is one only if a message added it to the global
    /// categories. Read for the ids other lines name (`queued as NEW`):
    /// a remote server's are never added, so that they cannot grow the
    /// categories with the log.
    pub fn find(id: &str) -> Option<QueueId> {
        QueueId::packed(id).or_else(|| {
            let code = rows::global_categories().get_cat(id)?;
            (id.len() <= QueueId::MAX).then(|| QueueId::coded(code))
        })
    }

    fn packed(id: &str) -> Option<QueueId> {
        if id.len() > QueueId::PACKED {
            return None;
        }
        let mut value: u128 = 0;
        for &byte in id.as_bytes() {
            value = value << 6 | u128::from(QueueId::code_of(byte)?);
        }
        // Left-aligned: a shorter id is a prefix, its missing characters
        // code 0, below every character.
        value <<= 6 * (QueueId::PACKED - id.len());
        Some(QueueId {
            high: (value >> 64) as u64,
            low: value as u64,
        })
    }

    fn coded(code: u32) -> QueueId {
        QueueId {
            high: QueueId::CODED,
            low: u64::from(code),
        }
    }

    /// `0-9`, `A-Z`, `a-z` as 1 … 62, in ASCII order.
    #[inline]
    fn code_of(byte: u8) -> Option<u8> {
        match byte {
            b'0'..=b'9' => Some(byte - b'0' + 1),
            b'A'..=b'Z' => Some(byte - b'A' + 11),
            b'a'..=b'z' => Some(byte - b'a' + 37),
            _ => None,
        }
    }

    fn byte_of(code: u8) -> u8 {
        match code {
            1..=10 => b'0' + code - 1,
            11..=36 => b'A' + code - 11,
            _ => b'a' + code - 37,
        }
    }

    /// The queue id's text.
    pub fn text(&self) -> QueueIdText {
        let mut text = QueueIdText {
            len: 0,
            bytes: [0; QueueId::MAX],
        };
        if self.high & QueueId::CODED != 0 {
            let id = Name::of_code(self.low as u32).as_str();
            let len = id.len().min(QueueId::MAX);
            text.bytes[..len].copy_from_slice(&id.as_bytes()[..len]);
            text.len = len as u8;
            return text;
        }
        let value = u128::from(self.high) << 64 | u128::from(self.low);
        for i in 0..QueueId::PACKED {
            let code = (value >> (6 * (QueueId::PACKED - 1 - i))) as u8 & 0x3f;
            if code == 0 {
                break;
            }
            text.bytes[i] = QueueId::byte_of(code);
            text.len += 1;
        }
        text
    }
}

/// A queue id's text ([`QueueId::text`]), on the stack.
#[derive(Clone, Copy)]
pub struct QueueIdText {
    len: u8,
    bytes: [u8; QueueId::MAX],
}

impl std::ops::Deref for QueueIdText {
    type Target = str;

    fn deref(&self) -> &str {
        // ASCII alphanumerics, or a `&str`'s bytes copied whole.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

impl AsRef<str> for QueueIdText {
    fn as_ref(&self) -> &str {
        self
    }
}

impl std::fmt::Debug for QueueId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (*self.text()).fmt(f)
    }
}

impl Ord for QueueId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let coded = |q: &QueueId| q.high & QueueId::CODED != 0;
        if coded(self) || coded(other) {
            (*self.text()).cmp(&*other.text())
        } else {
            (self.high, self.low).cmp(&(other.high, other.low))
        }
    }
}

impl PartialOrd for QueueId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for QueueId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<&str> for QueueId {
    fn eq(&self, other: &&str) -> bool {
        *self.text() == **other
    }
}

/// One message, from its first line in the input to its last. 80 bytes:
/// what few messages have is in [`Rare`], behind one pointer.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub queue_id: QueueId,
    pub first_seen: Micros,
    /// Boxed twice: one pointer in the message.
    #[allow(clippy::box_collection, clippy::redundant_allocation)]
    pub message_id: Option<Box<Box<str>>>,
    /// The counts and values few messages have: allocated for the first.
    rare: Option<Box<Rare>>,
    /// Its host and Postfix instance.
    pub site: Site,
    /// [`Message::last_seen`], µs after `first_seen`; [`LAST_IN_RARE`] if
    /// it is more than a u32 holds (71 minutes).
    last_seen_after: u32,
    pub client_name: Option<Name>,
    pub client_ip: Option<Name>,
    /// Envelope sender; empty for the null sender.
    pub from: Option<Name>,
    /// Queue file size (qmgr's first `size=`): [`Message::size`];
    /// [`NO_SIZE`] if not in the input, [`SIZE_IN_RARE`] if larger.
    size: u32,
    /// Final deliveries with `status=sent` (not forwarded, not filter hops).
    pub sent: u32,
    /// [`Message::parent`], plus one.
    parent: Option<std::num::NonZeroU32>,
    /// Its lines in the input.
    pub lines: u32,
    /// [`Message::nrcpt`]: [`NO_NRCPT`] if not in the input,
    /// [`NRCPT_IN_RARE`] if larger.
    nrcpt: u16,
    /// What is so of it ([`Flags`]), and its [`Origin`]: read with
    /// [`Message::expired`], [`Message::origin`] and the others.
    flags: Flags,
}

/// What few messages have: bounces, deferrals, forwards, filter hops, an
/// arrival after the first line, a size or recipient count beyond the
/// message's fields.
#[derive(Clone, Debug, Default, PartialEq)]
struct Rare {
    /// [`Message::arrival`] when it is not the first line's time; else
    /// [`NO_TIME`].
    arrival: Micros,
    /// [`Message::last_seen`], when it is more than 71 minutes after the
    /// first line.
    last_seen: Micros,
    size: u64,
    nrcpt: u32,
    counts: RareCounts,
}

/// A message's counts of what few messages have.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RareCounts {
    pub bounced: u32,
    /// `status=sent (forwarded as …)`.
    pub forwarded: u32,
    /// Deferred delivery attempts, and the distinct recipients they were for.
    pub deferrals: u32,
    pub deferred_recipients: u32,
    /// Other statuses (SOFTBOUNCE, undeliverable, deliverable).
    pub other_statuses: u32,
    /// Hand-offs to a content filter.
    pub filter_hops: u32,
    /// Recipients refused at RCPT after another was accepted (`QID: reject:`).
    pub refused_recipients: u32,
}

/// A time that is not in the input ([`Message::arrival`]).
const NO_TIME: Micros = Micros::MIN;
/// A size that is not in the input ([`Message::size`]).
const NO_SIZE: u32 = u32::MAX;
/// A recipient count that is not in the input ([`Message::nrcpt`]).
const NO_NRCPT: u16 = u16::MAX;
/// A last line's time held in [`Rare`] ([`Message::last_seen`]).
const LAST_IN_RARE: u32 = u32::MAX;
/// A size held in [`Rare`] ([`Message::size`]): Postfix's sizes are
/// `off_t`, rarely this large.
const SIZE_IN_RARE: u32 = u32::MAX - 1;
/// A recipient count held in [`Rare`] ([`Message::nrcpt`]).
const NRCPT_IN_RARE: u16 = u16::MAX - 1;

/// A message's yes/no facts, a bit each, and its [`Origin`] in the top
/// bits: eight `bool`s took eight bytes of every message, and millions
/// may be open at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Flags(u16);

impl Flags {
    /// [`Origin::ALL`]'s index, from this bit on.
    const ORIGIN_SHIFT: u32 = 12;

    #[inline]
    fn has(self, flag: u16) -> bool {
        self.0 & flag != 0
    }

    #[inline]
    fn set(&mut self, flag: u16, on: bool) {
        if on {
            self.0 |= flag;
        } else {
            self.0 &= !flag;
        }
    }

    #[inline]
    fn origin(self) -> Origin {
        Origin::ALL[usize::from(self.0 >> Flags::ORIGIN_SHIFT) % Origin::ALL.len()]
    }

    #[inline]
    fn set_origin(&mut self, origin: Origin) {
        let low = self.0 & ((1 << Flags::ORIGIN_SHIFT) - 1);
        self.0 = low | (origin as u16) << Flags::ORIGIN_SHIFT;
    }
}

/// Declares each of [`Flags`]' bits and the [`Message`] method that reads
/// it, from one list.
macro_rules! message_flags {
    ($( $(#[$doc:meta])* $method:ident: $flag:ident = $bit:literal, )*) => {
        impl Flags {
            $( const $flag: u16 = 1 << $bit; )*
        }

        impl Message {
            $(
                $(#[$doc])*
                pub fn $method(&self) -> bool {
                    self.flags.has(Flags::$flag)
                }
            )*
        }
    };
}

message_flags! {
    /// Expired: qmgr returned it to the sender after the queue lifetime.
    expired: EXPIRED = 0,
    /// Rejected as a whole after DATA (cleanup header/body checks, a
    /// milter).
    rejected: REJECTED = 1,
    held: HELD = 2,
    discarded: DISCARDED = 3,
    /// Deleted by `postsuper -d`.
    deleted: DELETED = 4,
    /// Its `removed` line is in the input.
    removed: REMOVED = 5,
    /// Its first line is its start (see the module documentation).
    start_in_input: START_IN_INPUT = 6,
    /// Written to the queue: qmgr took it (`from=…, size=…`), or it was
    /// put on hold or discarded.
    queued: QUEUED = 7,
    /// It arrived at its first line's time ([`Message::arrival`]).
    arrived_first_seen: ARRIVED_FIRST_SEEN = 8,
}

impl Message {
    /// Its host's name.
    pub fn host(&self) -> &'static str {
        self.site.host()
    }

    /// Its Postfix instance: `postfix`, `postfix-out`, …
    pub fn instance(&self) -> &'static str {
        self.site.instance()
    }

    /// The time of its last line in the input.
    pub fn last_seen(&self) -> Micros {
        match (self.last_seen_after, &self.rare) {
            (LAST_IN_RARE, Some(rare)) => rare.last_seen,
            (after, _) => self.first_seen + Micros::from(after),
        }
    }

    /// Takes a line of `ts` as its last, if it is later.
    fn seen_at(&mut self, ts: Micros) {
        if ts <= self.last_seen() {
            return;
        }
        match u32::try_from(ts - self.first_seen) {
            Ok(after) if after != LAST_IN_RARE => self.last_seen_after = after,
            _ => {
                self.rare_mut().last_seen = ts;
                self.last_seen_after = LAST_IN_RARE;
            }
        }
    }

    /// How it came into the queue.
    pub fn origin(&self) -> Origin {
        self.flags.origin()
    }

    fn set_origin(&mut self, origin: Origin) {
        self.flags.set_origin(origin);
    }

    /// When it arrived (`client=`, `uid=`, or Postfix's own `message-id=`).
    pub fn arrival(&self) -> Option<Micros> {
        if self.arrived_first_seen() {
            return Some(self.first_seen);
        }
        let arrival = self.rare.as_ref()?.arrival;
        (arrival != NO_TIME).then_some(arrival)
    }

    fn set_arrival(&mut self, ts: Micros) {
        let at_first = ts == self.first_seen;
        self.flags.set(Flags::ARRIVED_FIRST_SEEN, at_first);
        if !at_first {
            self.rare_mut().arrival = ts;
        } else if let Some(rare) = &mut self.rare {
            rare.arrival = NO_TIME;
        }
    }

    /// Queue file size (qmgr's first `size=`).
    pub fn size(&self) -> Option<u64> {
        match self.size {
            NO_SIZE => None,
            SIZE_IN_RARE => self.rare.as_ref().map(|r| r.size),
            size => Some(u64::from(size)),
        }
    }

    /// Recipients (qmgr's `nrcpt=`, with its first `size=`).
    pub fn nrcpt(&self) -> Option<u32> {
        match self.nrcpt {
            NO_NRCPT => None,
            NRCPT_IN_RARE => self.rare.as_ref().map(|r| r.nrcpt),
            nrcpt => Some(u32::from(nrcpt)),
        }
    }

    fn set_size(&mut self, size: Option<u64>, nrcpt: Option<u32>) {
        self.size = match size {
            None => NO_SIZE,
            Some(size) if size < u64::from(SIZE_IN_RARE) => size as u32,
            Some(size) => {
                self.rare_mut().size = size;
                SIZE_IN_RARE
            }
        };
        self.nrcpt = match nrcpt {
            None => NO_NRCPT,
            Some(nrcpt) if nrcpt < u32::from(NRCPT_IN_RARE) => nrcpt as u16,
            Some(nrcpt) => {
                self.rare_mut().nrcpt = nrcpt;
                NRCPT_IN_RARE
            }
        };
    }

    /// Its counts of bounces, deferrals, forwards, filter hops and refused
    /// recipients (all 0 for most messages).
    pub fn rare_counts(&self) -> RareCounts {
        self.rare.as_ref().map(|r| r.counts).unwrap_or_default()
    }

    fn counts_mut(&mut self) -> &mut RareCounts {
        &mut self.rare_mut().counts
    }

    fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(|| {
            Box::new(Rare {
                arrival: NO_TIME,
                last_seen: NO_TIME,
                ..Rare::default()
            })
        })
    }

    /// The message this one came from: the one a notification reports on,
    /// the original of a forwarded or re-injected copy (its index).
    pub fn parent(&self) -> Option<u32> {
        self.parent.map(|p| p.get() - 1)
    }

    fn set_parent(&mut self, parent: u32) {
        self.parent = std::num::NonZeroU32::new(parent.wrapping_add(1));
    }

    /// The sender of cleanup's `hold:`/`discard:` line (`from=<…>`), unless
    /// qmgr named it already: qmgr never sees a discarded message, nor a
    /// held one until it is released, so that line is often the only one
    /// that names the sender.
    fn take_sender(&mut self, from: Option<Name>) {
        if self.size().is_none() {
            if let Some(from) = from {
                self.from = Some(from);
            }
        }
    }

    fn new(key: &Key, ts: Micros) -> Message {
        let mut flags = Flags::default();
        flags.set_origin(Origin::Unknown);
        Message {
            queue_id: key.queue_id,
            first_seen: ts,
            message_id: None,
            rare: None,
            site: key.site,
            last_seen_after: 0,
            client_name: None,
            client_ip: None,
            from: None,
            size: NO_SIZE,
            sent: 0,
            parent: None,
            lines: 0,
            nrcpt: NO_NRCPT,
            flags,
        }
    }

    /// Mail this server received (see [`Origin::is_received`]), started in
    /// the input and written to the queue; with `count_filter_hops`, a
    /// content filter's copy too.
    pub fn is_received(&self, count_filter_hops: bool) -> bool {
        self.start_in_input()
            && self.queued()
            && !self.rejected()
            && (self.origin().is_received()
                || (count_filter_hops && self.origin() == Origin::Reinjected))
    }

    /// What became of the message by the end of the input.
    pub fn fate(&self) -> Fate {
        let counts = self.rare_counts();
        if self.rejected() {
            Fate::Rejected
        } else if self.discarded() {
            Fate::Discarded
        } else if self.start_in_input()
            && !self.queued()
            && !self.removed()
            && !self.expired()
            && self.sent + counts.bounced + counts.deferrals == 0
        {
            Fate::Abandoned
        } else if self.deleted() {
            Fate::Deleted
        } else if self.expired() {
            Fate::Expired
        } else if !self.removed() {
            if self.held() {
                Fate::Held
            } else {
                Fate::Open
            }
        } else if counts.bounced > 0 {
            Fate::Bounced
        } else if counts.filter_hops > 0 && self.sent == 0 {
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
pub struct Messages {
    pub list: List,
    /// Per frame row: the index of its message in `list`, or
    /// [`Messages::NONE`] (NOQUEUE rejects, warnings, …).
    pub of_row: Vec<u32>,
    /// Per frame row: a delivery that handed its message to a content
    /// filter (not a final delivery).
    pub hop: Vec<bool>,
}

impl Messages {
    pub const NONE: u32 = u32::MAX;

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
            text(col::CLIENT_NAME, &|m| m.client_name.map(Name::as_str)),
            text(col::CLIENT_IP, &|m| m.client_ip.map(Name::as_str)),
            text(col::FROM, &|m| m.from.map(Name::as_str)),
            Column::new(
                col::SIZE.into(),
                list.iter().map(Message::size).collect::<Vec<_>>(),
            ),
            Column::new(
                col::NRCPT.into(),
                list.iter().map(Message::nrcpt).collect::<Vec<_>>(),
            ),
            text(col::MESSAGE_ID, &|m| {
                m.message_id.as_deref().map(|id| &**id)
            }),
            count("sent", &|m| m.sent),
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

/// A next hop: relay address (a name) and port (`127.0.0.1`, `10024`).
type NextHop = (Name, u16);

/// A message's key: host, instance, queue id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    site: Site,
    queue_id: QueueId,
}

/// Where a message is queued: a host and its Postfix instance, held as one
/// name of the global categories (`relay\tpostfix`): 4 bytes of every
/// message instead of 8. Neither a syslog host nor an instance has a tab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Site(Name);

impl Site {
    pub fn host(self) -> &'static str {
        self.0
            .as_str()
            .split_once('\t')
            .map_or("", |(host, _)| host)
    }

    pub fn instance(self) -> &'static str {
        self.0
            .as_str()
            .split_once('\t')
            .map_or("", |(_, instance)| instance)
    }
}

/// The site of the last host and instance asked for (rows repeat them),
/// and the buffer its name is written in.
#[derive(Debug, Default)]
struct SiteMemo {
    last: Option<(Name, Name, Site)>,
    name: String,
}

impl SiteMemo {
    #[inline]
    fn site(&mut self, host: Name, instance: Name) -> Site {
        match self.last {
            Some((h, i, site)) if h == host && i == instance => site,
            _ => {
                self.name.clear();
                self.name.push_str(host.as_str());
                self.name.push('\t');
                self.name.push_str(instance.as_str());
                let site = Site(Name::of(&self.name));
                self.last = Some((host, instance, site));
                site
            }
        }
    }
}

/// `postfix` of `postfix/submission`: the instance whose daemons share
/// one queue.
fn instance_of(instance: &str) -> &str {
    instance.split('/').next().unwrap_or(instance)
}

/// The columns of one stretch the builder reads.
struct Columns<'a> {
    /// Whether the categorical columns are of the global categories.
    global: bool,
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
    reason: Strs<'a>,
    relay_ip: Strs<'a>,
    relay_port: Values<'a, UInt16Type>,
}

impl<'a> Columns<'a> {
    fn of(df: &'a DataFrame, stretch: &Stretch) -> PolarsResult<Columns<'a>> {
        let strs = |name| Strs::of(df, name, stretch);
        let status = strs(col::STATUS)?;
        let host = strs(col::HOST)?;
        let global = match &host {
            Strs::Codes { mapping, .. } => {
                std::ptr::eq(*mapping, crate::frame::rows::global_categories())
            }
            _ => false,
        };
        Ok(Columns {
            global,
            statuses: Decoder::new(&status, &DeliveryStatus::ALL, |s| s.as_str()),
            status,
            ts: rows::stamps(df, stretch)?,
            host,
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

    fn name(&self, column: &Strs<'_>, i: usize) -> Option<Name> {
        Name::of_row(column, self.global, i)
    }
}

/// One line of a message as the fold reads it, taken from its event by the
/// worker that parsed it (or from a frame's row: [`build`]): names as
/// codes, queue ids inline, and only what its kind tells of the message
/// ([`Facts`]). A block's message rows are a `Vec` of these: no polars
/// frame is built on the worker to be decoded again on the collector.
#[derive(Clone, Debug)]
pub struct MessageRow {
    ts: Micros,
    key: Key,
    /// Its place among its block's frame rows, or [`NOT_IN_FRAME`].
    frame_row: u32,
    facts: Facts,
}

/// What one line tells of its message, by kind. Each kind keeps only its
/// own facts: a row with every field of every kind took about 144 bytes,
/// and a block's rows wait in memory until the fold reads them.
#[derive(Clone, Debug)]
enum Facts {
    /// smtpd's `client=`: the message's start.
    Client {
        name: Option<Name>,
        ip: Option<Name>,
    },
    /// pickup's `uid=… from=<…>`: the start of local mail.
    Pickup {
        from: Option<Name>,
    },
    /// qmgr's `from=<…>, size=…, nrcpt=…`: in the queue.
    Queued {
        from: Option<Name>,
        size: Option<u64>,
        nrcpt: Option<u32>,
    },
    /// `message-id=<…>`; cleanup's is the start of mail Postfix made itself.
    MessageId {
        by_cleanup: bool,
        id: Option<Box<str>>,
    },
    Delivery(Delivery),
    /// qmgr's `removed` (postsuper's: `postsuper -d`).
    Removed {
        by_postsuper: bool,
    },
    Expired,
    /// bounce's `sender non-delivery notification: NEW`.
    Notification {
        new: Option<QueueId>,
    },
    /// smtpd's `QID: reject: RCPT …`: one recipient refused, the message
    /// goes on.
    RecipientRefused,
    /// Refused as a whole after DATA (cleanup's checks, a milter).
    Rejected,
    /// cleanup's `hold:` and `discard:` (and a milter's): the sender is
    /// named there, as qmgr never sees a discarded message, nor a held one
    /// until it is released.
    Held {
        from: Option<Name>,
    },
    Discarded {
        from: Option<Name>,
    },
    /// A line of the message that changes nothing but its times and lines.
    Other,
}

/// A delivery attempt's facts.
#[derive(Clone, Debug)]
struct Delivery {
    status: Option<DeliveryStatus>,
    /// `status=sent (forwarded as …)`.
    forwarded: bool,
    to: Option<Name>,
    /// `queued as`, `forwarded as` (if it can be one of this server's).
    related: Option<QueueId>,
    next_hop: Option<NextHop>,
}

/// Where a row's facts are read: an event on the worker ([`BlockRows`]),
/// or a frame's row ([`Columns`]).
trait Fields {
    fn daemon(&self) -> &str;
    fn at_rcpt(&self) -> bool;
    fn client_name(&mut self) -> Option<Name>;
    fn client_ip(&mut self) -> Option<Name>;
    fn from(&mut self) -> Option<Name>;
    fn to(&mut self) -> Option<Name>;
    fn size(&self) -> Option<u64>;
    fn nrcpt(&self) -> Option<u32>;
    fn message_id(&self) -> Option<Box<str>>;
    fn status(&self) -> Option<DeliveryStatus>;
    fn forwarded(&self) -> bool;
    fn related(&self) -> Option<QueueId>;
    fn next_hop(&mut self) -> Option<NextHop>;
}

impl Facts {
    /// The facts of a line of `kind`, read from `fields`.
    fn of(kind: EventKind, fields: &mut impl Fields) -> Facts {
        match kind {
            EventKind::Client => Facts::Client {
                name: fields.client_name(),
                ip: fields.client_ip(),
            },
            EventKind::Pickup => Facts::Pickup {
                from: fields.from(),
            },
            EventKind::Queued => Facts::Queued {
                from: fields.from(),
                size: fields.size(),
                nrcpt: fields.nrcpt(),
            },
            EventKind::MessageId => Facts::MessageId {
                by_cleanup: fields.daemon() == "cleanup",
                id: fields.message_id(),
            },
            EventKind::Delivery => Facts::Delivery(Delivery {
                status: fields.status(),
                forwarded: fields.forwarded(),
                to: fields.to(),
                related: fields.related(),
                next_hop: fields.next_hop(),
            }),
            EventKind::Removed => Facts::Removed {
                by_postsuper: fields.daemon() == "postsuper",
            },
            EventKind::Expired => Facts::Expired,
            EventKind::Notification => Facts::Notification {
                new: fields.related(),
            },
            EventKind::Reject if fields.at_rcpt() => Facts::RecipientRefused,
            EventKind::Reject | EventKind::MilterReject => Facts::Rejected,
            EventKind::Hold | EventKind::MilterHold => Facts::Held {
                from: fields.from(),
            },
            EventKind::Discard | EventKind::MilterDiscard => Facts::Discarded {
                from: fields.from(),
            },
            _ => Facts::Other,
        }
    }

    /// Whether the line starts a message (a reused queue id's next one).
    fn starts(&self) -> bool {
        matches!(self, Facts::Client { .. } | Facts::Pickup { .. })
    }
}

/// A `reason` that says the delivery forwarded the message (`forwarded as
/// NEWID`). The words are plain, so the frame's normalized reason starts
/// the same way as the event's.
fn is_forward(reason: &str) -> bool {
    reason.starts_with("forwarded as ")
}

/// The columns of the detail a projection of the messages reads (the rest
/// it always reads): what a block's rows take from their events.
#[derive(Clone, Copy, Debug)]
struct Detail {
    client_name: bool,
    client_ip: bool,
    from: bool,
    nrcpt: bool,
    message_id: bool,
}

impl Detail {
    fn of(projection: &Projection) -> Detail {
        Detail {
            client_name: projection.has_column(col::CLIENT_NAME),
            client_ip: projection.has_column(col::CLIENT_IP),
            from: projection.has_column(col::FROM),
            nrcpt: projection.has_column(col::NRCPT),
            message_id: projection.has_column(col::MESSAGE_ID),
        }
    }
}

/// A block's message rows, made from its events as the worker parses them
/// (the events [`Projection::of_messages`] keeps).
#[derive(Debug)]
pub struct BlockRows {
    detail: Detail,
    rows: Vec<MessageRow>,
    host: CodeMemo,
    instance: CodeMemo,
    site: SiteMemo,
    memos: Memos,
}

/// The last code of each name column a block's rows take: a name repeated
/// from the line before is not looked up again.
#[derive(Debug, Default)]
struct Memos {
    client_name: CodeMemo,
    client_ip: CodeMemo,
    from: CodeMemo,
    to: CodeMemo,
    relay_ip: CodeMemo,
}

impl BlockRows {
    /// Rows for the columns of `projection` (the messages' own), with room
    /// for `capacity`.
    pub fn new(projection: &Projection, capacity: usize) -> BlockRows {
        BlockRows {
            detail: Detail::of(projection),
            rows: Vec::with_capacity(capacity),
            host: CodeMemo::default(),
            instance: CodeMemo::default(),
            site: SiteMemo::default(),
            memos: Memos::default(),
        }
    }

    /// Adds the row of `e`, whose place among the block's frame rows is
    /// `frame_row` (or [`NOT_IN_FRAME`]). An event without a queue id that
    /// can be a message's adds none.
    pub fn push(&mut self, e: &Event<'_>, frame_row: u32) {
        let Some(queue_id) = e.queue_id.and_then(QueueId::new) else {
            return;
        };
        let key = Key {
            site: self.site.site(
                Name::of_code(self.host.code(e.host)),
                Name::of_code(self.instance.code(instance_of(e.instance))),
            ),
            queue_id,
        };
        let mut fields = EventFields {
            e,
            detail: self.detail,
            memos: &mut self.memos,
        };
        self.rows.push(MessageRow {
            ts: e.ts,
            key,
            frame_row,
            facts: Facts::of(e.kind, &mut fields),
        });
    }

    pub fn finish(self) -> Vec<MessageRow> {
        self.rows
    }
}

/// An event's fields as [`Facts::of`] reads them: the detail columns only
/// if the projection has them, names coded through the block's memos.
struct EventFields<'e, 'a> {
    e: &'e Event<'a>,
    detail: Detail,
    memos: &'e mut Memos,
}

/// The name of `value`, by the code `memo` remembers if it is the last one.
fn coded(memo: &mut CodeMemo, value: Option<&str>) -> Option<Name> {
    value.map(|v| Name::of_code(memo.code(v)))
}

impl Fields for EventFields<'_, '_> {
    fn daemon(&self) -> &str {
        self.e.daemon
    }
    fn at_rcpt(&self) -> bool {
        self.e.stage == Some("RCPT")
    }
    fn client_name(&mut self) -> Option<Name> {
        let name = self.e.client_name.filter(|_| self.detail.client_name);
        coded(&mut self.memos.client_name, name)
    }
    fn client_ip(&mut self) -> Option<Name> {
        let ip = self.e.client_ip.filter(|_| self.detail.client_ip);
        coded(&mut self.memos.client_ip, ip)
    }
    fn from(&mut self) -> Option<Name> {
        let from = self.e.from.filter(|_| self.detail.from);
        coded(&mut self.memos.from, from)
    }
    fn to(&mut self) -> Option<Name> {
        coded(&mut self.memos.to, self.e.to)
    }
    fn size(&self) -> Option<u64> {
        self.e.size
    }
    fn nrcpt(&self) -> Option<u32> {
        self.e.nrcpt.filter(|_| self.detail.nrcpt)
    }
    fn message_id(&self) -> Option<Box<str>> {
        self.e
            .message_id
            .filter(|_| self.detail.message_id)
            .map(Box::from)
    }
    fn status(&self) -> Option<DeliveryStatus> {
        self.e.status.and_then(DeliveryStatus::from_name)
    }
    fn forwarded(&self) -> bool {
        self.e.reason.is_some_and(is_forward)
    }
    fn related(&self) -> Option<QueueId> {
        self.e.related_queue_id.and_then(QueueId::find)
    }
    fn next_hop(&mut self) -> Option<NextHop> {
        coded(&mut self.memos.relay_ip, self.e.relay_ip).zip(self.e.relay_port)
    }
}

impl Columns<'_> {
    /// Row `i` (of kind `kind`) as the fold reads it, if its queue id can
    /// be a message's.
    fn message_row(
        &self,
        i: usize,
        kind: EventKind,
        instances: &mut Instances,
    ) -> Option<MessageRow> {
        let queue_id = self.queue_id.get(i).and_then(QueueId::new)?;
        let instance = instances.of(&self.instance, i);
        Some(MessageRow {
            ts: self.ts.get(i).unwrap_or(0),
            key: Key {
                site: instances.sites.site(
                    self.name(&self.host, i).unwrap_or_else(|| Name::of("")),
                    instance,
                ),
                queue_id,
            },
            frame_row: i as u32,
            facts: Facts::of(kind, &mut RowFields { columns: self, i }),
        })
    }
}

/// Row `i` of a frame's stretch as [`Facts::of`] reads it.
struct RowFields<'c, 'a> {
    columns: &'c Columns<'a>,
    i: usize,
}

impl Fields for RowFields<'_, '_> {
    fn daemon(&self) -> &str {
        self.columns.daemon.get(self.i).unwrap_or("")
    }
    fn at_rcpt(&self) -> bool {
        self.columns.stage.get(self.i) == Some("RCPT")
    }
    fn client_name(&mut self) -> Option<Name> {
        self.columns.name(&self.columns.client_name, self.i)
    }
    fn client_ip(&mut self) -> Option<Name> {
        self.columns.name(&self.columns.client_ip, self.i)
    }
    fn from(&mut self) -> Option<Name> {
        self.columns.name(&self.columns.from, self.i)
    }
    fn to(&mut self) -> Option<Name> {
        self.columns.name(&self.columns.to, self.i)
    }
    fn size(&self) -> Option<u64> {
        self.columns.size.get(self.i)
    }
    fn nrcpt(&self) -> Option<u32> {
        self.columns.nrcpt.get(self.i)
    }
    fn message_id(&self) -> Option<Box<str>> {
        self.columns.message_id.get(self.i).map(Box::from)
    }
    fn status(&self) -> Option<DeliveryStatus> {
        self.columns.statuses.get(&self.columns.status, self.i)
    }
    fn forwarded(&self) -> bool {
        self.columns.reason.get(self.i).is_some_and(is_forward)
    }
    fn related(&self) -> Option<QueueId> {
        self.columns.related.get(self.i).and_then(QueueId::find)
    }
    fn next_hop(&mut self) -> Option<NextHop> {
        let ip = self.columns.name(&self.columns.relay_ip, self.i);
        ip.zip(self.columns.relay_port.get(self.i))
    }
}

/// The instance names of a stretch's rows, by code, and their sites: a log
/// has a few, and each is cut at its `/` once.
#[derive(Default)]
struct Instances {
    last: Option<(Option<u32>, Name)>,
    sites: SiteMemo,
}

impl Instances {
    fn of(&mut self, column: &Strs<'_>, i: usize) -> Name {
        let code = column.code(i);
        match self.last {
            Some((last, instance)) if code.is_some() && last == code => instance,
            _ => {
                let instance = Name::of(instance_of(column.get(i).unwrap_or("")));
                self.last = Some((code, instance));
                instance
            }
        }
    }
}

/// The kinds [`Builder::stretch`] reads: the messages' and cleanup's
/// `message-id=` lines (read when the projection has them).
fn kinds_read() -> Vec<EventKind> {
    let mut kinds = KINDS.to_vec();
    kinds.push(EventKind::MessageId);
    kinds
}

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

/// The messages put together block by block, in input order: the scan's
/// collector hands it each block's message rows ([`Builder::block`]).
pub struct Builder {
    list: List,
    of_row: Vec<u32>,
    hop: Vec<bool>,
    /// The open message of each key: the message's index and the key's
    /// hash, compared by the key the message holds (8 bytes an entry
    /// instead of a copy of the key). The hash is kept so that growing the
    /// table, and most lookups that miss, need not read the messages:
    /// with millions of them those reads miss the cache.
    open: OpenTable,
    hasher: PlRandomState,
    /// Per message, the recipients seen deferred (to count them once).
    deferred: PlHashMap<u32, Vec<Option<Name>>>,
    /// Next hops (`address:port`) that were content filters: a delivery
    /// was followed by the filtered copy coming back.
    filters: PlHashSet<NextHop>,
    /// The other final deliveries with a next hop: a delivery to a content
    /// filter that kept the message (`250 2.7.0 Ok, discarded`) is a hop
    /// too. Checked at the end, only if there were filters.
    sent: Vec<Sent>,
    /// Links whose target was not open yet (inputs out of order): the
    /// target's key, the parent, the origin, the link's time.
    pending: Vec<(Key, u32, Origin, Micros)>,
    kinds: Vec<EventKind>,
}

/// An entry of [`Builder::open`]: a message's index and its key's hash
/// (the low half of [`Key::hash`]).
#[derive(Clone, Copy)]
struct OpenEntry {
    message: u32,
    hash: u32,
}

impl OpenEntry {
    /// The table's hash of the entry, spread from the kept 32 bits. The
    /// table takes a bucket from the low bits and a 7-bit tag from the top
    /// ones, and a lookup compares every entry whose tag matches (its kept
    /// hash, then the message's key): the tag must not repeat bits the
    /// bucket already has. A
    /// multiplication by an odd constant keeps the low bits a bijection of
    /// the hash's low bits (buckets stay uniform) and makes the top bits
    /// depend on all 32. (`hash | rotl(hash, 16) << 32` took the tag from
    /// bits 9–15, which a table of more than 64 Ki buckets uses for the
    /// bucket too: the tag told nothing, and every entry near the bucket
    /// had its kept hash compared.)
    #[inline]
    fn rehash(&self) -> u64 {
        OpenEntry::probe(self.hash)
    }

    /// The table's hash of an entry whose key hash is `hash`.
    #[inline]
    fn probe(hash: u32) -> u64 {
        u64::from(hash).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

/// The open message of each key ([`Builder::open`]), in shards by the
/// key hash's top bits: a table grows by moving into one twice its size,
/// and with a single table the two of them, 57 MB at 2 M open messages,
/// were the peak of a log of messages that never finish. A shard grows
/// alone, so the moment's extra is a sixteenth of that.
struct OpenTable {
    shards: [HashTable<OpenEntry>; OpenTable::SHARDS],
}

impl Default for OpenTable {
    fn default() -> Self {
        OpenTable {
            shards: std::array::from_fn(|_| HashTable::new()),
        }
    }
}

impl OpenTable {
    const SHARDS: usize = 16;

    /// The shard of a key hash: its top bits, which the shard's table
    /// uses for neither the bucket (the low bits) nor the tag (spread
    /// from all of them) alone.
    #[inline]
    fn shard(hash: u32) -> usize {
        (hash >> (32 - OpenTable::SHARDS.trailing_zeros())) as usize
    }

    /// The entry of key hash `hash` that `is` says is the one.
    #[inline]
    fn find(&self, hash: u32, is: impl Fn(&OpenEntry) -> bool) -> Option<&OpenEntry> {
        self.shards[OpenTable::shard(hash)]
            .find(OpenEntry::probe(hash), |e| e.hash == hash && is(e))
    }

    #[inline]
    fn find_mut(&mut self, hash: u32, is: impl Fn(&OpenEntry) -> bool) -> Option<&mut OpenEntry> {
        self.shards[OpenTable::shard(hash)]
            .find_mut(OpenEntry::probe(hash), |e| e.hash == hash && is(e))
    }

    /// Adds `entry`, whose key has no entry.
    #[inline]
    fn insert(&mut self, entry: OpenEntry) {
        self.shards[OpenTable::shard(entry.hash)].insert_unique(
            entry.rehash(),
            entry,
            OpenEntry::rehash,
        );
    }
}

/// A final delivery with a next hop: its message, its frame row (if the
/// frame keeps it), its next hop.
struct Sent {
    message: u32,
    row: Option<usize>,
    next_hop: NextHop,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    pub fn new() -> Self {
        Builder {
            list: List::default(),
            of_row: Vec::new(),
            hop: Vec::new(),
            open: OpenTable::default(),
            hasher: PlRandomState::default(),
            deferred: PlHashMap::new(),
            filters: PlHashSet::new(),
            sent: Vec::new(),
            pending: Vec::new(),
            kinds: kinds_read(),
        }
    }

    /// Folds a block's message rows ([`BlockRows`]) into the messages;
    /// the block's frame rows are the frame's rows `first..end`.
    pub fn block(&mut self, rows: Vec<MessageRow>, first: usize, end: usize) {
        self.of_row.resize(end, Messages::NONE);
        self.hop.resize(end, false);
        self.rows(rows, first);
    }

    /// Folds the rows of `stretch` of `df`, a frame that holds every row
    /// it folds.
    fn stretch(&mut self, df: &DataFrame, stretch: &Stretch) -> PolarsResult<()> {
        self.of_row.resize(stretch.rows.end, Messages::NONE);
        self.hop.resize(stretch.rows.end, false);
        let columns = Columns::of(df, stretch)?;
        let decoder = Decoder::new(&columns.kind, &self.kinds, |k| k.as_str());
        let mut instances = Instances::default();
        let mut rows = Vec::new();
        decoder.each(&columns.kind, stretch.len(), |i, kind| {
            rows.extend(columns.message_row(i, kind, &mut instances));
        });
        self.rows(rows, stretch.rows.start);
        Ok(())
    }

    /// Folds `rows`, whose frame rows are counted from frame row `first`.
    fn rows(&mut self, mut rows: Vec<MessageRow>, first: usize) {
        for row in rows.iter_mut() {
            let at = (row.frame_row != NOT_IN_FRAME).then(|| first + row.frame_row as usize);
            self.row(row, at);
        }
    }

    /// Folds `row`, frame row `at` if the frame keeps it.
    fn row(&mut self, row: &mut MessageRow, at: Option<usize>) {
        let (ts, key) = (row.ts, row.key);
        // One hash and one probe of the open table per row: most rows of a
        // busy log open a message or add to the one just found.
        let hash = key.hash(&self.hasher) as u32;
        let index = match self.open_index(&key, hash) {
            Some(i) => {
                let m = &self.list[i as usize];
                // A start line, or any line after `removed`, opens the next
                // message of a reused queue id.
                if m.removed() || (row.facts.starts() && m.start_in_input()) {
                    let index = self.push_message(&key, ts);
                    let list = &self.list;
                    let entry = self
                        .open
                        .find_mut(hash, |e| e.message == i)
                        .expect("the key's entry was just found");
                    debug_assert!(key.of(&list[entry.message as usize]));
                    entry.message = index;
                    index
                } else {
                    i
                }
            }
            None => {
                let index = self.push_message(&key, ts);
                let entry = OpenEntry {
                    message: index,
                    hash,
                };
                self.open.insert(entry);
                index
            }
        };
        if let Some(at) = at {
            self.of_row[at] = index;
        }
        let m = &mut self.list[index as usize];
        let is_first = m.lines == 0;
        m.lines += 1;
        m.seen_at(ts);
        match &mut row.facts {
            Facts::Client { name, ip } => {
                m.set_origin(Origin::Smtp);
                m.set_arrival(ts);
                m.flags.set(Flags::START_IN_INPUT, true);
                m.client_name = *name;
                m.client_ip = *ip;
            }
            Facts::Pickup { from } => {
                m.set_origin(Origin::Local);
                m.set_arrival(ts);
                m.flags.set(Flags::START_IN_INPUT, true);
                if m.from.is_none() {
                    m.from = *from;
                }
            }
            Facts::MessageId { by_cleanup, id } => {
                // Postfix's own mail (notifications, forwarded copies)
                // starts with cleanup's message-id line.
                if is_first && *by_cleanup {
                    m.flags.set(Flags::START_IN_INPUT, true);
                    m.set_arrival(ts);
                }
                m.message_id = id.take().map(Box::new);
            }
            Facts::Queued { from, size, nrcpt } => {
                m.flags.set(Flags::QUEUED, true);
                if m.size().is_none() {
                    m.from = *from;
                    m.set_size(*size, *nrcpt);
                }
            }
            Facts::Delivery(delivery) => self.delivery(index, at, &key, ts, delivery),
            Facts::Removed { by_postsuper } => {
                m.flags.set(Flags::REMOVED, true);
                if *by_postsuper {
                    m.flags.set(Flags::DELETED, true);
                }
                // Its deferred recipients are counted: any later line of
                // the key is another message's.
                self.deferred.remove(&index);
            }
            Facts::Expired => m.flags.set(Flags::EXPIRED, true),
            Facts::Notification { new } => {
                if let Some(new) = *new {
                    self.link(&key.with(new), index, Origin::Notification, ts);
                }
            }
            Facts::RecipientRefused => m.counts_mut().refused_recipients += 1,
            Facts::Rejected => m.flags.set(Flags::REJECTED, true),
            Facts::Held { from } => {
                m.flags.set(Flags::HELD, true);
                m.flags.set(Flags::QUEUED, true);
                m.take_sender(*from);
            }
            Facts::Discarded { from } => {
                m.flags.set(Flags::DISCARDED, true);
                m.flags.set(Flags::QUEUED, true);
                m.take_sender(*from);
            }
            Facts::Other => {}
        }
    }

    /// A delivery attempt of message `index` of `key` at `ts` (frame row
    /// `at`, if kept).
    fn delivery(
        &mut self,
        index: u32,
        at: Option<usize>,
        key: &Key,
        ts: Micros,
        delivery: &Delivery,
    ) {
        let &Delivery {
            status,
            forwarded,
            to,
            related,
            next_hop,
        } = delivery;
        let queued_as = related.filter(|_| !forwarded);
        match status {
            Some(DeliveryStatus::Sent) if forwarded => {
                self.list[index as usize].counts_mut().forwarded += 1;
                if let Some(new) = related {
                    self.link(&key.with(new), index, Origin::Forward, ts);
                }
            }
            Some(DeliveryStatus::Sent) => {
                // `queued as NEW` where NEW was just received here: the
                // hand-off to a content filter, which injected NEW back.
                let reinjected = queued_as.and_then(|new| {
                    self.current(&key.with(new))
                        .filter(|&i| i != index && self.list[i as usize].origin() == Origin::Smtp)
                });
                match reinjected {
                    Some(new) => {
                        if let Some(at) = at {
                            self.hop[at] = true;
                        }
                        self.list[index as usize].counts_mut().filter_hops += 1;
                        let copy = &mut self.list[new as usize];
                        copy.set_origin(Origin::Reinjected);
                        copy.set_parent(index);
                        self.filters.extend(next_hop);
                    }
                    None => {
                        self.list[index as usize].sent += 1;
                        if let Some(next_hop) = next_hop {
                            self.sent.push(Sent {
                                message: index,
                                row: at,
                                next_hop,
                            });
                        }
                    }
                }
            }
            Some(DeliveryStatus::Bounced) => self.list[index as usize].counts_mut().bounced += 1,
            Some(DeliveryStatus::Deferred) => {
                let m = &mut self.list[index as usize];
                m.counts_mut().deferrals += 1;
                let seen = self.deferred.entry(index).or_default();
                if !seen.contains(&to) {
                    seen.push(to);
                    m.counts_mut().deferred_recipients += 1;
                }
            }
            _ => self.list[index as usize].counts_mut().other_statuses += 1,
        }
    }

    /// The open message of `key`, if any.
    fn current(&self, key: &Key) -> Option<u32> {
        self.open_index(key, key.hash(&self.hasher) as u32)
    }

    /// The open message of `key`, whose hash (the low half of
    /// [`Key::hash`]) is `hash`.
    #[inline]
    fn open_index(&self, key: &Key, hash: u32) -> Option<u32> {
        let list = &self.list;
        self.open
            .find(hash, |e| key.of(&list[e.message as usize]))
            .map(|e| e.message)
    }

    /// A new message of `key`, first seen at `ts`: its index (the caller
    /// makes it the key's open message).
    fn push_message(&mut self, key: &Key, ts: Micros) -> u32 {
        let index = self.list.len() as u32;
        self.list.push(Message::new(key, ts));
        index
    }

    /// Marks the open message of `key` as made from message `parent`, or
    /// keeps the link for [`Builder::finish`] if that message is not open.
    fn link(&mut self, key: &Key, parent: u32, origin: Origin, ts: Micros) {
        // A removed message is not the target: its queue id is reused by
        // the new message, whose first line may come after the link (when
        // cleanup's `message-id=` line is not read).
        let open = self
            .current(key)
            .filter(|&c| c != parent && !self.list[c as usize].removed());
        match open {
            Some(child) => self.set_parent(child, parent, origin),
            None => self.pending.push((*key, parent, origin, ts)),
        }
    }

    fn set_parent(&mut self, child: u32, parent: u32, origin: Origin) {
        let m = &mut self.list[child as usize];
        if m.origin() == Origin::Unknown || origin == Origin::Notification {
            m.set_origin(origin);
        }
        if matches!(origin, Origin::Notification | Origin::Forward) {
            // Postfix made it then: its first line in the input is its
            // start.
            m.flags.set(Flags::START_IN_INPUT, true);
            if m.arrival().is_none() {
                m.set_arrival(m.first_seen);
            }
        }
        m.set_parent(parent);
    }

    /// Links whose target came later in the input: the first message of
    /// the key that starts after the link's time less a minute.
    fn resolve_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let wanted: PlHashSet<Key> = self.pending.iter().map(|(k, ..)| *k).collect();
        let mut by_key: PlHashMap<Key, Vec<u32>> = PlHashMap::new();
        for (i, m) in self.list.iter().enumerate() {
            let key = Key::from(m);
            if wanted.contains(&key) {
                by_key.entry(key).or_default().push(i as u32);
            }
        }
        let mut links = Vec::new();
        for (key, parent, origin, ts) in &self.pending {
            let child = by_key.get(key).and_then(|candidates| {
                candidates
                    .iter()
                    .copied()
                    .find(|&c| c != *parent && self.list[c as usize].first_seen >= ts - 60_000_000)
            });
            links.extend(child.map(|c| (c, *parent, *origin)));
        }
        drop(by_key);
        for (child, parent, origin) in links {
            self.set_parent(child, parent, origin);
        }
    }

    /// The messages, once every block was folded.
    pub fn finish(mut self) -> Messages {
        self.resolve_pending();
        // Final deliveries to a next hop that turned out to be a content
        // filter are hops.
        if !self.filters.is_empty() {
            for sent in std::mem::take(&mut self.sent) {
                if self.filters.contains(&sent.next_hop) {
                    if let Some(row) = sent.row {
                        self.hop[row] = true;
                    }
                    let m = &mut self.list[sent.message as usize];
                    m.sent -= 1;
                    m.counts_mut().filter_hops += 1;
                }
            }
        }
        for m in self.list.iter_mut() {
            // A `message-id=` line first, without a notification or forward
            // line naming the message: its start (a `client=` line, say)
            // is not in the input.
            if m.origin() == Origin::Unknown {
                m.flags.set(Flags::START_IN_INPUT, false);
            }
        }
        Messages {
            list: self.list,
            of_row: self.of_row,
            hop: self.hop,
        }
    }
}

impl Key {
    fn from(m: &Message) -> Key {
        Key {
            site: m.site,
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
    fn of(&self, m: &Message) -> bool {
        self.queue_id == m.queue_id && self.site == m.site
    }

    /// The same site, another queue id.
    fn with(&self, queue_id: QueueId) -> Key {
        Key { queue_id, ..*self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Millions of messages may be open at once (a sender that never
    /// finishes): each byte of a message is megabytes of memory.
    #[test]
    fn a_message_is_compact() {
        let size = std::mem::size_of::<Message>();
        eprintln!("a message: {size} bytes");
        assert!(size <= 80, "a message takes {size} bytes");
        assert_eq!(std::mem::size_of::<Option<Name>>(), 4);
        assert_eq!(std::mem::size_of::<OpenEntry>(), 8);
    }

    /// A block's rows wait in memory for the fold, a row per line of a
    /// message: each kind keeps only its own facts.
    #[test]
    fn a_message_row_is_compact() {
        let size = std::mem::size_of::<MessageRow>();
        eprintln!("a message row: {size} bytes");
        assert!(size <= 80, "a message row takes {size} bytes");
    }

    #[test]
    fn queue_ids_are_held_inline_up_to_postfix_s_longest() {
        let long = "4bzBYz0gQ2z9sb3xKqLmNpRt";
        assert_eq!(long.len(), QueueId::MAX);
        assert_eq!(&*QueueId::new(long).unwrap().text(), long);
        assert_eq!(QueueId::new("3F2A1B4C5D").unwrap(), "3F2A1B4C5D");
        assert!(QueueId::new(&format!("{long}x")).is_none());
        let (a, b) = (QueueId::new("A1").unwrap(), QueueId::new("A10").unwrap());
        assert!(a < b && "A1" < "A10");
        // Every character of the alphabet, at both ends of the packed
        // length; one longer is held by its code.
        let alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        for window in alphabet.as_bytes().windows(QueueId::PACKED) {
            let id = std::str::from_utf8(window).unwrap();
            assert_eq!(&*QueueId::new(id).unwrap().text(), id);
            assert_eq!(&*QueueId::new(&id[..5]).unwrap().text(), &id[..5]);
        }
        let coded = "4bzBYz0gQ2z9sb3xKqLmNpz";
        assert_eq!(&*QueueId::new(coded).unwrap().text(), coded);
        assert_eq!(QueueId::find(coded), QueueId::new(coded));
        assert_eq!(QueueId::find("not-a-local-id-0123"), None);
        assert_eq!(&*QueueId::find("9sb3xK").unwrap().text(), "9sb3xK");
    }

    /// Packed ids order as their text, as the coded ones do.
    #[test]
    fn queue_ids_order_as_their_text() {
        let mut ids = [
            "4bzBYz0gQ2z9sb3xKqLmNpz",
            "4bzBYz0gQ2z9sb3",
            "3F2A1B4C5D",
            "3F2A1B4C5",
            "4bzBYz0gQ2z9sb3xKqLmNp",
            "4bzBYz0gQ2z9sb3xKqLmN",
            "zzzzz",
            "ZZZZZ",
            "00000",
        ];
        let mut queue_ids: Vec<QueueId> = ids.iter().map(|id| QueueId::new(id).unwrap()).collect();
        ids.sort();
        queue_ids.sort();
        let texts: Vec<String> = queue_ids.iter().map(|q| q.text().to_string()).collect();
        assert_eq!(texts, ids);
    }

    #[test]
    fn rare_values_are_kept_exactly() {
        let key = Key {
            site: SiteMemo::default().site(Name::of("relay"), Name::of("postfix")),
            queue_id: QueueId::new("3F2A1B4C5D").unwrap(),
        };
        assert_eq!((key.site.host(), key.site.instance()), ("relay", "postfix"));
        let mut m = Message::new(&key, 1_000);
        assert_eq!((m.arrival(), m.size(), m.nrcpt()), (None, None, None));
        assert_eq!(m.origin(), Origin::Unknown);
        m.set_arrival(1_000);
        m.set_size(Some(65_534), Some(1));
        assert_eq!(
            (m.arrival(), m.size(), m.nrcpt()),
            (Some(1_000), Some(65_534), Some(1))
        );
        assert!(m.rare.is_none(), "common values need no allocation");
        m.set_arrival(2_000);
        m.set_size(Some(u64::from(u32::MAX) + 7), Some(70_000));
        assert_eq!(m.arrival(), Some(2_000));
        assert_eq!(
            (m.size(), m.nrcpt()),
            (Some(u64::from(u32::MAX) + 7), Some(70_000))
        );
        for origin in Origin::ALL {
            m.set_origin(origin);
            assert_eq!(m.origin(), origin);
            assert_eq!(m.arrival(), Some(2_000));
        }
        m.flags.set(Flags::REMOVED, true);
        m.set_origin(Origin::Smtp);
        assert!(m.removed() && m.origin() == Origin::Smtp);
    }

    #[test]
    fn names_are_the_global_categories_codes() {
        let name = Name::of("postfix-out");
        assert_eq!(name.as_str(), "postfix-out");
        assert_eq!(Name::of("postfix-out"), name);
        let code = crate::frame::rows::global_categories()
            .get_cat("postfix-out")
            .unwrap();
        assert_eq!(Name::of_code(code), name);
    }
}
