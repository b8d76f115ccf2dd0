//! The daily summary: pflogsumm 1.3.0's sections, in its order, each a
//! report of its own (`--report summary` prints them all). They are all
//! read off one [`Summary`], computed once per run from the messages and
//! the delivery and policy events.
//!
//! The counts follow pflogsumm's definitions (README, "The summary"), with
//! its bugs left out: mail is counted in messages where pflogsumm counts
//! messages, a content filter's hop is not a delivery and its re-injected
//! copy is not received mail (`--count-filter-hops` counts them as
//! pflogsumm does), and a message whose start or end lies outside the
//! input is marked, never subtracted.

pub mod bounces;
pub mod connections;
pub mod daemon_messages;
pub mod deferrals;
pub mod fates;
pub mod holds;
mod hourly;
pub mod no_size;
pub mod people;
pub mod per_day;
pub mod per_hour;
pub mod postscreen;
pub mod recipient_domains;
pub mod sasl;
pub mod sender_domains;
pub mod smtp_exceptions;
pub mod tls;
pub mod totals;

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::*;

use super::Context;
use crate::frame::rows::{self, Decoder, Strs, Sym, Values};
use crate::frame::{col, Projection};
use crate::messages::{self, Fate, Messages, Origin};
use crate::parse::{DeliveryStatus, EventKind, Micros};
use hourly::Hourly;

/// The summary's sections, in pflogsumm's order (`--report summary`).
pub const SECTIONS: &[super::ReportName] = {
    use super::ReportName::*;
    &[
        Headline,
        Totals,
        Fates,
        PerDay,
        PerHour,
        RecipientDomains,
        SenderDomains,
        ConnectionsPerDay,
        ConnectionsPerHour,
        ConnectingClients,
        Tls,
        SaslUsers,
        Senders,
        Recipients,
        SendersBySize,
        RecipientsBySize,
        NoSize,
        Deferrals,
        Bounces,
        Rejects,
        Warnings,
        Holds,
        Discards,
        SmtpExceptions,
        SaslFailures,
        DaemonMessages,
        Postscreen,
    ]
};

/// The policy actions that are "rejected" everywhere.
const REJECTS: &[EventKind] = &[
    EventKind::Reject,
    EventKind::MilterReject,
    EventKind::ProxyReject,
];

/// The other policy actions of the traffic tables, their
/// "warn_hold_discard" (pflogsumm adds them to "rejected" there).
const WARN_HOLD_DISCARD: &[EventKind] = &[
    EventKind::RejectWarning,
    EventKind::Hold,
    EventKind::MilterHold,
    EventKind::Discard,
    EventKind::MilterDiscard,
];

/// Delivery columns the summary reads (its event side).
const DELIVERY_COLUMNS: &[&str] = &[
    col::KIND,
    col::STATUS,
    col::TO,
    col::TO_DOMAIN,
    col::REASON,
    col::DELAY,
];

/// What [`Summary::compute`] reads for the counts of messages, deliveries
/// and refusals (the overview and the headline read these).
pub fn reads() -> Projection {
    messages::reads()
        .union(
            Projection::NONE
                .with_kinds(&[EventKind::Delivery])
                .with_kinds(REJECTS)
                .with_kinds(WARN_HOLD_DISCARD),
        )
        .with_columns(DELIVERY_COLUMNS)
}

/// [`reads`] and the messages' detail: senders, clients (the totals of
/// senders and sending domains, and the lists of them read these).
pub fn reads_detail() -> Projection {
    reads().union(messages::reads_detail())
}

/// The grand totals (pflogsumm's definitions, see the README).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub received: u64,
    pub delivered: u64,
    pub forwarded: u64,
    /// Messages with a deferred attempt, and the deferred attempts.
    pub deferred: u64,
    pub deferrals: u64,
    pub bounced: u64,
    /// Deleted by `postsuper -d`.
    pub removed: u64,
    pub expired: u64,
    pub rejected: u64,
    pub reject_warnings: u64,
    pub held: u64,
    pub discarded: u64,
    pub bytes_received: u64,
    pub bytes_delivered: u64,
    pub senders: u64,
    pub sending_domains: u64,
    pub recipients: u64,
    pub recipient_domains: u64,
    /// Received messages still queued (or held) at the end of the input.
    pub open: u64,
    /// Messages whose start is not in the input.
    pub started_before: u64,
    /// Hand-offs to a content filter (not counted as delivered).
    pub filter_hops: u64,
    /// Notifications Postfix wrote (not counted as received).
    pub notifications: u64,
}

impl Totals {
    /// `rejected / (delivered + rejected + discarded)`, in whole percent
    /// (pflogsumm truncates).
    pub fn rejected_percent(&self) -> u64 {
        percent(
            self.rejected,
            self.delivered + self.rejected + self.discarded,
        )
    }

    pub fn discarded_percent(&self) -> u64 {
        percent(
            self.discarded,
            self.delivered + self.rejected + self.discarded,
        )
    }
}

fn percent(part: u64, whole: u64) -> u64 {
    (part * 100).checked_div(whole).unwrap_or(0)
}

/// Traffic of one day or hour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    pub received: u64,
    pub delivered: u64,
    /// Deferred attempts (a message deferred three times counts 3).
    pub deferrals: u64,
    pub bounced: u64,
    /// Rejects: the totals' "rejected".
    pub rejected: u64,
    /// Reject warnings, holds and discards, which pflogsumm adds to its
    /// per-day "rejected": a column of their own, so that "rejected" means
    /// the same number in every section.
    pub warn_hold_discard: u64,
}

impl Traffic {
    fn add(&mut self, other: &Traffic) {
        self.received += other.received;
        self.delivered += other.delivered;
        self.deferrals += other.deferrals;
        self.bounced += other.bounced;
        self.rejected += other.rejected;
        self.warn_hold_discard += other.warn_hold_discard;
    }
}

/// Deliveries to one recipient domain.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DomainDelivery {
    /// Final `status=sent` deliveries.
    pub sent: u64,
    /// Message size per delivery.
    pub bytes: u64,
    /// Deferred attempts.
    pub defers: u64,
    /// Sum of `delay=` over the deliveries, for the average.
    pub delay_sum: f64,
    /// Longest `delay=` of a delivery or a deferred attempt.
    pub delay_max: f64,
}

/// Messages and bytes of one sender, recipient or domain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Volume {
    pub messages: u64,
    pub bytes: u64,
}

/// Everything the summary's sections print. Names are borrowed from the
/// frame where it holds them as printed (lower-cased domains), and owned
/// only where they are rewritten.
#[derive(Clone, Debug, Default)]
pub struct Summary<'a> {
    pub totals: Totals,
    /// Per fate: received messages, and the others (notifications,
    /// forwarded and re-injected copies, messages started before the input).
    pub fates: Vec<(Fate, u64, u64)>,
    pub days: BTreeMap<NaiveDate, Traffic>,
    pub hours: BTreeMap<(NaiveDate, u32), Traffic>,
    /// Per local minute, when the input spans at most
    /// [`hourly::MAX_MINUTES`] of them (the HTML page's chart).
    pub minutes: Option<BTreeMap<chrono::NaiveDateTime, Traffic>>,
    pub recipient_domains: PlHashMap<&'a str, DomainDelivery>,
    pub sender_domains: PlHashMap<Cow<'a, str>, Volume>,
    pub senders: PlHashMap<Cow<'a, str>, Volume>,
    pub recipients: PlHashMap<Cow<'a, str>, Volume>,
    /// Final deliveries of messages without size data: (queue id, recipient).
    pub no_size: Vec<(messages::QueueId, &'a str)>,
}

/// `user@Domain.Example` → `user@domain.example` (pflogsumm lower-cases the
/// domain, not the local part); the null sender is `<>`.
/// Borrowed unless the domain has capitals.
fn address_key(address: &str) -> Cow<'_, str> {
    if address.is_empty() {
        return Cow::Borrowed("<>");
    }
    match address.rsplit_once('@') {
        Some((local, domain)) if domain.bytes().any(|b| b.is_ascii_uppercase()) => {
            Cow::Owned(format!("{local}@{}", domain.to_ascii_lowercase()))
        }
        _ => Cow::Borrowed(address),
    }
}

/// `text` lower-cased, borrowed if it already is.
fn lower(text: &str) -> Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// The domain a received message counts under: its sender's, or for the
/// null sender the client's host name (its address if it has none), or
/// `pickup` for local submission.
fn sending_domain(messages: &Messages, m: &messages::Message) -> Cow<'static, str> {
    let from = m.from.map_or("", messages::Name::as_str);
    if let Some((_, domain)) = from.rsplit_once('@') {
        return lower(domain);
    }
    if !from.is_empty() {
        return lower(from);
    }
    let (name, ip) = (messages.client_name(m), messages.client_ip(m));
    match (m.origin(), name, ip) {
        (Origin::Local, ..) => Cow::Borrowed("pickup"),
        (_, Some(name), _) if name != "unknown" => lower(name),
        (_, _, Some(ip)) => Cow::Borrowed(ip),
        _ => Cow::Borrowed("unknown"),
    }
}

impl<'a> Summary<'a> {
    /// The summary of `context`'s frame and messages. With
    /// `count_filter_hops`, a content filter's hop counts as a delivery and
    /// its re-injected copy as received mail, as pflogsumm counts them.
    pub fn compute(context: &Context<'a>, count_filter_hops: bool) -> PolarsResult<Summary<'a>> {
        let messages = context.messages()?;
        let mut s = Summary::default();
        let mut hourly = Hourly::new(context.zone);
        s.received_side(messages, &mut hourly, count_filter_hops);
        s.event_side(context.frame, messages, &mut hourly, count_filter_hops)?;
        s.minutes = hourly.minutes();
        (s.days, s.hours) = hourly.finish();
        let counts = context.counts;
        let t = &mut s.totals;
        t.rejected = REJECTS.iter().map(|k| counts.kind(*k)).sum();
        t.reject_warnings = counts.kind(EventKind::RejectWarning);
        t.held = counts.kind(EventKind::Hold) + counts.kind(EventKind::MilterHold);
        t.discarded = counts.kind(EventKind::Discard) + counts.kind(EventKind::MilterDiscard);
        Ok(s)
    }

    /// Received messages: totals, fates, senders, sending domains, traffic.
    fn received_side(
        &mut self,
        messages: &Messages,
        hourly: &mut Hourly<'_>,
        count_filter_hops: bool,
    ) {
        let mut fates = [(0u64, 0u64); Fate::ALL.len()];
        // A filtered message ends as its re-injected copy does, and the
        // copy is then not counted again; with --count-filter-hops each
        // hop is a message of its own, with its own fate.
        let end_fates = (!count_filter_hops).then(|| messages.end_fates());
        for (i, m) in messages.list.iter().enumerate() {
            let received = m.is_received(count_filter_hops);
            let fate = end_fates.as_ref().map_or_else(|| m.fate(), |ends| ends[i]);
            let carried_back = end_fates.is_some()
                && m.origin() == Origin::Reinjected
                && m.parent()
                    .is_some_and(|p| messages.list[p as usize].fate() == Fate::Filtered);
            // A carried-back copy is counted with the message it was made from.
            if !carried_back {
                let counted = &mut fates[fate as usize];
                if received {
                    counted.0 += 1;
                } else {
                    counted.1 += 1;
                }
            }
            let (t, counts) = (&mut self.totals, m.rare_counts());
            t.deferred += u64::from(counts.deferrals > 0);
            t.deferrals += u64::from(counts.deferrals);
            t.bounced += u64::from(counts.bounced);
            t.expired += u64::from(m.expired());
            t.removed += u64::from(m.deleted());
            t.forwarded += u64::from(counts.forwarded);
            t.filter_hops += u64::from(counts.filter_hops);
            t.notifications += u64::from(m.origin() == Origin::Notification);
            t.started_before += u64::from(!m.start_in_input());
            if !received {
                continue;
            }
            t.received += 1;
            t.open += u64::from(matches!(fate, Fate::Open | Fate::Held));
            let size = m.size().unwrap_or(0);
            t.bytes_received += size;
            let sender = self
                .senders
                .entry(address_key(m.from.map_or("", messages::Name::as_str)))
                .or_default();
            sender.messages += 1;
            sender.bytes += size;
            let volume = self
                .sender_domains
                .entry(sending_domain(messages, m))
                .or_default();
            volume.messages += 1;
            volume.bytes += size;
            if let Some(arrival) = m.arrival() {
                hourly.add(arrival, |t| t.received += 1);
            }
        }
        self.totals.senders = self.senders.len() as u64;
        self.totals.sending_domains = self.sender_domains.len() as u64;
        self.fates = Fate::ALL
            .iter()
            .map(|f| {
                let (received, other) = fates[*f as usize];
                (*f, received, other)
            })
            .collect();
    }

    /// Delivery attempts (delivered, bytes, recipients, domains, traffic)
    /// and refusals (traffic), in one pass over the frame's rows, read in
    /// place: the names borrow from the frame.
    fn event_side(
        &mut self,
        df: &'a DataFrame,
        messages: &Messages,
        hourly: &mut Hourly<'_>,
        count_filter_hops: bool,
    ) -> PolarsResult<()> {
        let mut kinds = vec![EventKind::Delivery];
        kinds.extend_from_slice(REJECTS);
        kinds.extend_from_slice(WARN_HOLD_DISCARD);
        let statuses = [
            DeliveryStatus::Sent,
            DeliveryStatus::Deferred,
            DeliveryStatus::Bounced,
        ];
        let mut by_code = ByCode::default();
        for stretch in rows::stretches(df) {
            let kind = Strs::of(df, col::KIND, &stretch)?;
            let kinds = Decoder::new(&kind, &kinds, |k| k.as_str());
            let ts = rows::stamps(df, &stretch)?;
            let status = Strs::of(df, col::STATUS, &stretch)?;
            let columns = DeliveryColumns {
                statuses: Decoder::new(&status, &statuses, |s| s.as_str()),
                status,
                to: Strs::of(df, col::TO, &stretch)?,
                domain: Strs::of(df, col::TO_DOMAIN, &stretch)?,
                reason: Strs::of(df, col::REASON, &stretch)?,
                delay: Values::of(df, col::DELAY, |c| c.f32(), &stretch)?,
            };
            kinds.each(&kind, stretch.len(), |i, kind| {
                let Some(ts) = ts.get(i) else {
                    return;
                };
                if kind == EventKind::Delivery {
                    let row = stretch.rows.start + i;
                    let seen = Seen {
                        columns: &columns,
                        i,
                        row,
                        ts,
                    };
                    self.delivery(&seen, &mut by_code, messages, hourly, count_filter_hops);
                } else if REJECTS.contains(&kind) {
                    hourly.add(ts, |t| t.rejected += 1);
                } else {
                    hourly.add(ts, |t| t.warn_hold_discard += 1);
                }
            });
        }
        by_code.fold_into(self);
        self.totals.recipients = self.recipients.len() as u64;
        self.totals.recipient_domains = self
            .recipient_domains
            .values()
            .filter(|d| d.sent > 0)
            .count() as u64;
        self.no_size.sort();
        Ok(())
    }

    /// One delivery attempt.
    fn delivery(
        &mut self,
        seen: &Seen<'_, 'a>,
        by_code: &mut ByCode<'a>,
        messages: &Messages,
        hourly: &mut Hourly<'_>,
        count_filter_hops: bool,
    ) {
        let Seen {
            columns,
            i,
            row,
            ts,
        } = *seen;
        let message = messages.of(row);
        let size = message.and_then(messages::Message::size);
        // `delay=` is logged with at most 3 decimals; f32 → f64 would
        // print 0.05000000074505806.
        let delay = (f64::from(columns.delay.get(i).unwrap_or(0.0)) * 1000.0).round() / 1000.0;
        match columns.statuses.get(&columns.status, i) {
            Some(DeliveryStatus::Sent) => {
                let forwarded = columns
                    .reason
                    .get(i)
                    .is_some_and(|t| t.starts_with("forwarded as "));
                let hop = messages.hop.get(row).copied().unwrap_or(false);
                if forwarded || (hop && !count_filter_hops) {
                    return;
                }
                let to = columns.to.get(i);
                let t = &mut self.totals;
                t.delivered += 1;
                t.bytes_delivered += size.unwrap_or(0);
                if size.is_none() {
                    if let (Some(m), Some(to)) = (message, to) {
                        self.no_size.push((m.queue_id, to));
                    }
                }
                let recipient = by_code.recipient(&columns.to, i);
                recipient.messages += 1;
                recipient.bytes += size.unwrap_or(0);
                let d = by_code.domain(&columns.domain, i);
                d.sent += 1;
                d.bytes += size.unwrap_or(0);
                d.delay_sum += delay;
                d.delay_max = d.delay_max.max(delay);
                hourly.add(ts, |t| t.delivered += 1);
            }
            Some(DeliveryStatus::Deferred) => {
                let d = by_code.domain(&columns.domain, i);
                d.defers += 1;
                d.delay_max = d.delay_max.max(delay);
                hourly.add(ts, |t| t.deferrals += 1);
            }
            Some(DeliveryStatus::Bounced) => hourly.add(ts, |t| t.bounced += 1),
            _ => {}
        }
    }
}

/// A delivery row: the `i`-th row of `columns`, frame row `row`, at `ts`.
struct Seen<'c, 'a> {
    columns: &'c DeliveryColumns<'a>,
    i: usize,
    row: usize,
    ts: Micros,
}

/// The recipients and recipient domains of the deliveries, counted by
/// category code ([`Sym`]: a hash of a number per row, not of a name, and
/// no lower-casing per row), each with its name; folded by name at the end.
#[derive(Default)]
struct ByCode<'a> {
    recipients: PlHashMap<Sym<'a>, (&'a str, Volume)>,
    domains: PlHashMap<Sym<'a>, (&'a str, DomainDelivery)>,
}

impl<'a> ByCode<'a> {
    fn recipient(&mut self, to: &Strs<'a>, i: usize) -> &mut Volume {
        let entry = self
            .recipients
            .entry(to.sym(i))
            .or_insert_with(|| (to.get(i).unwrap_or(""), Volume::default()));
        &mut entry.1
    }

    /// A domain deliveries are counted under (null counts as `""`).
    fn domain(&mut self, domain: &Strs<'a>, i: usize) -> &mut DomainDelivery {
        let entry = self
            .domains
            .entry(domain.sym(i))
            .or_insert_with(|| (domain.get(i).unwrap_or(""), DomainDelivery::default()));
        &mut entry.1
    }

    /// Adds the counts to `summary`'s, by name: a recipient under its
    /// [`address_key`] (names that differ only by the case of their
    /// domain are one), a domain under its name (one code, one name).
    fn fold_into(self, summary: &mut Summary<'a>) {
        for (to, volume) in self.recipients.into_values() {
            let recipient = summary.recipients.entry(address_key(to)).or_default();
            recipient.messages += volume.messages;
            recipient.bytes += volume.bytes;
        }
        summary.recipient_domains.extend(self.domains.into_values());
    }
}

/// The delivery columns [`Summary::delivery`] reads, over one stretch.
struct DeliveryColumns<'a> {
    status: Strs<'a>,
    statuses: Decoder<DeliveryStatus>,
    to: Strs<'a>,
    domain: Strs<'a>,
    reason: Strs<'a>,
    delay: Values<'a, Float32Type>,
}

/// A column of strings.
pub fn text_column<S: AsRef<str>>(name: &str, values: Vec<S>) -> Column {
    let values: Vec<&str> = values.iter().map(AsRef::as_ref).collect();
    Column::new(name.into(), values)
}

/// A column of UTC timestamps (microseconds).
pub fn stamp_column(name: &str, values: Vec<Micros>) -> Column {
    Int64Chunked::from_vec(name.into(), values)
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into_column()
}

/// A column of counts.
pub fn count_column(name: &str, values: Vec<u64>) -> Column {
    Column::new(name.into(), values)
}
