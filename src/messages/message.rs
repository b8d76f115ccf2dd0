//! One message and what became of it: the state the fold keeps of each,
//! 80 bytes, and the list of them in the order they started.

use super::key::{Client, Key, Name, QueueId, Site};
use crate::parse::Micros;

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

    pub(super) fn push(&mut self, m: Message) {
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

    pub(super) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Message> {
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

/// One message, from its first line in the input to its last. 80 bytes:
/// what few messages have is in [`Rare`], behind one pointer.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub queue_id: QueueId,
    pub first_seen: Micros,
    /// The counts and values few messages have: allocated for the first.
    rare: Option<Box<Rare>>,
    /// Its host and Postfix instance.
    pub site: Site,
    /// [`Message::last_seen`], µs after `first_seen`; [`LAST_IN_RARE`] if
    /// it is more than a u32 holds (71 minutes).
    last_seen_after: u32,
    /// The client it came from ([`Message::client`]).
    client: Option<Client>,
    /// Envelope sender; empty for the null sender.
    pub from: Option<Name>,
    /// Queue file size (qmgr's first `size=`): [`Message::size`];
    /// [`NO_SIZE`] if not in the input, [`SIZE_IN_RARE`] if larger.
    size: u32,
    /// [`Message::parent`], plus one.
    parent: Option<std::num::NonZeroU32>,
    /// [`Message::sent`]; [`COUNT_IN_RARE`] from there on.
    sent: u16,
    /// [`Message::lines`]; [`COUNT_IN_RARE`] from there on.
    lines: u16,
    /// [`Message::nrcpt`]: [`NO_NRCPT`] if not in the input,
    /// [`NRCPT_IN_RARE`] if larger.
    nrcpt: u16,
    /// What is so of it ([`Flags`]), and its [`Origin`]: read with
    /// [`Message::expired`], [`Message::origin`] and the others.
    pub(super) flags: Flags,
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
    /// [`Message::sent`] and [`Message::lines`], once they are past what
    /// 16 bits hold.
    sent: u32,
    lines: u32,
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
/// A count held in [`Rare`] ([`Message::sent`], [`Message::lines`]).
const COUNT_IN_RARE: u16 = u16::MAX;

/// A message's yes/no facts, a bit each, and its [`Origin`] in the top
/// bits: eight `bool`s took eight bytes of every message, and millions
/// may be open at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Flags(u16);

impl Flags {
    /// [`Origin::ALL`]'s index, from this bit on.
    const ORIGIN_SHIFT: u32 = 12;

    #[inline]
    pub(super) fn has(self, flag: u16) -> bool {
        self.0 & flag != 0
    }

    #[inline]
    pub(super) fn set(&mut self, flag: u16, on: bool) {
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
            $( pub(super) const $flag: u16 = 1 << $bit; )*
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

    /// The client it came from: read with [`super::Messages::client_name`]
    /// and [`super::Messages::client_ip`].
    pub fn client(&self) -> Option<Client> {
        self.client
    }

    pub(super) fn set_client(&mut self, client: Option<Client>) {
        self.client = client;
    }

    /// Final deliveries with `status=sent` (not forwarded, not filter hops).
    pub fn sent(&self) -> u32 {
        match (self.sent, &self.rare) {
            (COUNT_IN_RARE, Some(rare)) => rare.sent,
            (sent, _) => u32::from(sent),
        }
    }

    pub(super) fn set_sent(&mut self, sent: u32) {
        self.sent = match u16::try_from(sent) {
            Ok(sent) if sent != COUNT_IN_RARE => sent,
            _ => {
                self.rare_mut().sent = sent;
                COUNT_IN_RARE
            }
        };
    }

    /// Its lines in the input.
    pub fn lines(&self) -> u32 {
        match (self.lines, &self.rare) {
            (COUNT_IN_RARE, Some(rare)) => rare.lines,
            (lines, _) => u32::from(lines),
        }
    }

    /// Counts one more line.
    pub(super) fn add_line(&mut self) {
        if self.lines < COUNT_IN_RARE - 1 {
            self.lines += 1;
        } else {
            let lines = self.lines() + 1;
            self.rare_mut().lines = lines;
            self.lines = COUNT_IN_RARE;
        }
    }

    /// The time of its last line in the input.
    pub fn last_seen(&self) -> Micros {
        match (self.last_seen_after, &self.rare) {
            (LAST_IN_RARE, Some(rare)) => rare.last_seen,
            (after, _) => self.first_seen + Micros::from(after),
        }
    }

    /// Takes a line of `ts` as its last, if it is later.
    pub(super) fn seen_at(&mut self, ts: Micros) {
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

    pub(super) fn set_origin(&mut self, origin: Origin) {
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

    pub(super) fn set_arrival(&mut self, ts: Micros) {
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

    pub(super) fn set_size(&mut self, size: Option<u64>, nrcpt: Option<u32>) {
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

    pub(super) fn counts_mut(&mut self) -> &mut RareCounts {
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

    pub(super) fn set_parent(&mut self, parent: u32) {
        self.parent = std::num::NonZeroU32::new(parent.wrapping_add(1));
    }

    /// The sender of cleanup's `hold:`/`discard:` line (`from=<…>`), unless
    /// qmgr named it already: qmgr never sees a discarded message, nor a
    /// held one until it is released, so that line is often the only one
    /// that names the sender.
    pub(super) fn take_sender(&mut self, from: Option<Name>) {
        if self.size().is_none() {
            if let Some(from) = from {
                self.from = Some(from);
            }
        }
    }

    pub(super) fn new(key: &Key, ts: Micros) -> Message {
        let mut flags = Flags::default();
        flags.set_origin(Origin::Unknown);
        Message {
            queue_id: key.queue_id,
            first_seen: ts,
            rare: None,
            site: key.site,
            last_seen_after: 0,
            client: None,
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
            && self.sent() + counts.bounced + counts.deferrals == 0
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
        } else if counts.filter_hops > 0 && self.sent() == 0 {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::key::SiteMemo;

    /// Millions of messages may be open at once (a sender that never
    /// finishes): each byte of a message is megabytes of memory.
    #[test]
    fn a_message_is_compact() {
        let size = std::mem::size_of::<Message>();
        eprintln!("a message: {size} bytes");
        assert!(size <= 64, "a message takes {size} bytes");
        assert_eq!(std::mem::size_of::<Option<Name>>(), 4);
        assert_eq!(std::mem::size_of::<Option<Client>>(), 4);
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

    /// Lines and final deliveries are counted in 16 bits, and on in
    /// [`Rare`] past them, one by one and back down.
    #[test]
    fn counts_past_16_bits_are_exact() {
        let key = Key {
            site: SiteMemo::default().site(Name::of("relay"), Name::of("postfix")),
            queue_id: QueueId::new("3F2A1B4C5E").unwrap(),
        };
        let mut m = Message::new(&key, 1_000);
        for n in 1..=70_000u32 {
            m.add_line();
            m.set_sent(m.sent() + 1);
            assert_eq!((m.lines(), m.sent()), (n, n));
            if n < 65_535 {
                assert!(m.rare.is_none(), "{n} fits in 16 bits");
            }
        }
        for n in (0..70_000u32).rev() {
            m.set_sent(m.sent() - 1);
            assert_eq!(m.sent(), n);
        }
        assert_eq!(m.lines(), 70_000);
    }

    /// A client's name and address read back as they were given, either
    /// of them missing, and the same client is one number.
    #[test]
    fn clients_read_back_their_names() {
        let mut clients = crate::messages::key::Clients::default();
        let (name, ip) = (Name::of("mail.example.org"), Name::of("192.0.2.7"));
        let both = clients.client(Some(name), Some(ip)).unwrap();
        let no_name = clients.client(None, Some(ip)).unwrap();
        let no_ip = clients.client(Some(name), None).unwrap();
        assert_eq!(clients.client(Some(name), Some(ip)), Some(both));
        assert_eq!(clients.client(None, None), None);
        let clients = clients.finished();
        let read = |c| (clients.name(c), clients.ip(c));
        assert_eq!(read(both), (Some("mail.example.org"), Some("192.0.2.7")));
        assert_eq!(read(no_name), (None, Some("192.0.2.7")));
        assert_eq!(read(no_ip), (Some("mail.example.org"), None));
    }
}
