//! The fold: each block's message rows, in input order, into the open
//! messages, and at the end the rules that need the whole input (links
//! whose target came later, next hops found to be content filters).

use hashbrown::hash_table::{self, HashTable};
use polars::prelude::*;

use super::key::{Clients, Key, Name};
use super::message::{Flags, List, Message, Origin};
use super::row::{kinds_read, Columns, Delivery, Facts, Instances, MessageRow, NextHop};
use super::{Messages, NOT_IN_FRAME};
use crate::frame::rows::{Decoder, Stretch};
use crate::parse::{DeliveryStatus, EventKind, Micros};

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
    clients: Clients,
    /// Per message, its Message-ID, when the columns read have it
    /// (`--parquet-messages`): apart, so that the other runs' messages do
    /// not carry its 8 bytes.
    message_ids: PlHashMap<u32, Box<str>>,
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

    /// The entry of key hash `hash` that `is` says is the one, or the place
    /// for it: one probe where a lookup and then an insert took two.
    #[inline]
    fn entry(
        &mut self,
        hash: u32,
        is: impl Fn(&OpenEntry) -> bool,
    ) -> hash_table::Entry<'_, OpenEntry> {
        self.shards[OpenTable::shard(hash)].entry(
            OpenEntry::probe(hash),
            |e| e.hash == hash && is(e),
            OpenEntry::rehash,
        )
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
            clients: Clients::default(),
            message_ids: PlHashMap::new(),
        }
    }

    /// Folds a block's message rows ([`super::BlockRows`]) into the messages;
    /// the block's frame rows are the frame's rows `first..end`.
    pub fn block(&mut self, rows: Vec<MessageRow>, first: usize, end: usize) {
        self.of_row.resize(end, Messages::NONE);
        self.hop.resize(end, false);
        self.rows(rows, first);
    }

    /// Folds the rows of `stretch` of `df`, a frame that holds every row
    /// it folds.
    pub(super) fn stretch(&mut self, df: &DataFrame, stretch: &Stretch) -> PolarsResult<()> {
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
        let list = &mut self.list;
        let index = match self.open.entry(hash, |e| key.of(&list[e.message as usize])) {
            hash_table::Entry::Occupied(mut open) => {
                let i = open.get().message;
                let m = &list[i as usize];
                // A start line, or any line after `removed`, opens the next
                // message of a reused queue id.
                if m.removed() || (row.facts.starts() && m.start_in_input()) {
                    let index = list.len() as u32;
                    list.push(Message::new(&key, ts));
                    open.get_mut().message = index;
                    index
                } else {
                    i
                }
            }
            hash_table::Entry::Vacant(place) => {
                let index = list.len() as u32;
                list.push(Message::new(&key, ts));
                place.insert(OpenEntry {
                    message: index,
                    hash,
                });
                index
            }
        };
        if let Some(at) = at {
            self.of_row[at] = index;
        }
        let m = &mut self.list[index as usize];
        let is_first = m.lines() == 0;
        m.add_line();
        m.seen_at(ts);
        match &mut row.facts {
            Facts::Client { name, ip } => {
                m.set_origin(Origin::Smtp);
                m.set_arrival(ts);
                m.flags.set(Flags::START_IN_INPUT, true);
                m.set_client(self.clients.client(*name, *ip));
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
                // The last one, as for every other field.
                match id.take() {
                    Some(id) => self.message_ids.insert(index, id),
                    None => self.message_ids.remove(&index),
                };
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
                        let m = &mut self.list[index as usize];
                        m.set_sent(m.sent() + 1);
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
                    m.set_sent(m.sent() - 1);
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
            message_ids: self.message_ids,
            clients: self.clients.finished(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An open message's entry in the table: its index and kept hash.
    #[test]
    fn an_open_entry_is_compact() {
        assert_eq!(std::mem::size_of::<OpenEntry>(), 8);
    }
}
