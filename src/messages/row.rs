//! The rows the fold reads: a message's facts from one line, made on the
//! worker from its events ([`BlockRows`]) or read back from a frame that
//! holds them ([`Columns`]).

use polars::prelude::*;

use super::key::{instance_of, Key, Name, QueueId, SiteMemo};
use super::KINDS;
use crate::frame::rows::{self, CodeMemo, Decoder, Stretch, Strs, Values};
use crate::frame::{col, Projection};
use crate::parse::{DeliveryStatus, Event, EventKind, Micros};

/// A next hop: relay address (a name) and port (`127.0.0.1`, `10024`).
pub(super) type NextHop = (Name, u16);

/// The columns of one stretch the builder reads.
pub(super) struct Columns<'a> {
    /// Whether the categorical columns are of the global categories.
    global: bool,
    ts: Values<'a, Int64Type>,
    host: Strs<'a>,
    instance: Strs<'a>,
    daemon: Strs<'a>,
    pub(super) kind: Strs<'a>,
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
    pub(super) fn of(df: &'a DataFrame, stretch: &Stretch) -> PolarsResult<Columns<'a>> {
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
/// worker that parsed it (or from a frame's row: [`super::build`]): names as
/// codes, queue ids inline, and only what its kind tells of the message
/// ([`Facts`]). A block's message rows are a `Vec` of these: no polars
/// frame is built on the worker to be decoded again on the collector.
#[derive(Clone, Debug)]
pub struct MessageRow {
    pub(super) ts: Micros,
    pub(super) key: Key,
    /// Its place among its block's frame rows, or [`super::NOT_IN_FRAME`].
    pub(super) frame_row: u32,
    pub(super) facts: Facts,
}

/// What one line tells of its message, by kind. Each kind keeps only its
/// own facts: a row with every field of every kind took about 144 bytes,
/// and a block's rows wait in memory until the fold reads them.
#[derive(Clone, Debug)]
pub(super) enum Facts {
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
pub(super) struct Delivery {
    pub(super) status: Option<DeliveryStatus>,
    /// `status=sent (forwarded as …)`.
    pub(super) forwarded: bool,
    pub(super) to: Option<Name>,
    /// `queued as`, `forwarded as` (if it can be one of this server's).
    pub(super) related: Option<QueueId>,
    pub(super) next_hop: Option<NextHop>,
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
    pub(super) fn starts(&self) -> bool {
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
    /// `frame_row` (or [`super::NOT_IN_FRAME`]). An event without a queue id that
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
    pub(super) fn message_row(
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
pub(super) struct Instances {
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

/// The kinds [`super::Builder::stretch`] reads: the messages' and cleanup's
/// `message-id=` lines (read when the projection has them).
pub(super) fn kinds_read() -> Vec<EventKind> {
    let mut kinds = KINDS.to_vec();
    kinds.push(EventKind::MessageId);
    kinds
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block's rows wait in memory for the fold, a row per line of a
    /// message: each kind keeps only its own facts.
    #[test]
    fn a_message_row_is_compact() {
        let size = std::mem::size_of::<MessageRow>();
        eprintln!("a message row: {size} bytes");
        assert!(size <= 80, "a message row takes {size} bytes");
    }
}
