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
pub mod daemon_messages;
pub mod deferrals;
pub mod fates;
pub mod holds;
pub mod no_size;
pub mod people;
pub mod per_day;
pub mod per_hour;
pub mod recipient_domains;
pub mod sender_domains;
pub mod totals;

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{NaiveDate, Timelike};
use polars::prelude::*;

use super::Context;
use crate::frame::{col, Projection};
use crate::messages::{self, Fate, Messages, Origin};
use crate::parse::{DeliveryStatus, EventKind, Micros};
use crate::zone::Zone;

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
        DaemonMessages,
    ]
};

/// Policy actions counted as "rejected" in the traffic tables (pflogsumm
/// counts rejects, reject warnings, holds and discards there).
const REFUSALS: &[EventKind] = &[
    EventKind::Reject,
    EventKind::MilterReject,
    EventKind::ProxyReject,
    EventKind::RejectWarning,
    EventKind::Hold,
    EventKind::MilterHold,
    EventKind::Discard,
    EventKind::MilterDiscard,
];

/// Delivery columns the summary reads besides the messages'.
const DELIVERY_COLUMNS: &[&str] = &[col::TO_DOMAIN, col::DELAY];

/// What [`Summary::compute`] reads for the counts of messages, deliveries
/// and refusals (the overview and the headline read these).
pub fn reads() -> Projection {
    messages::reads()
        .union(Projection::NONE.with_kinds(REFUSALS))
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
    /// Deferred attempts.
    pub deferred: u64,
    pub bounced: u64,
    /// Rejects, reject warnings, holds and discards.
    pub rejected: u64,
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
    pub recipient_domains: PlHashMap<&'a str, DomainDelivery>,
    pub sender_domains: PlHashMap<Cow<'a, str>, Volume>,
    pub senders: PlHashMap<Cow<'a, str>, Volume>,
    pub recipients: PlHashMap<Cow<'a, str>, Volume>,
    /// Final deliveries of messages without size data: (queue id, recipient).
    pub no_size: Vec<(&'a str, &'a str)>,
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
fn sending_domain<'a>(m: &messages::Message<'a>) -> Cow<'a, str> {
    let from = m.from.unwrap_or("");
    if let Some((_, domain)) = from.rsplit_once('@') {
        return lower(domain);
    }
    if !from.is_empty() {
        return lower(from);
    }
    match (m.origin, m.client_name, m.client_ip) {
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
        let zone = context.zone;
        let mut s = Summary::default();
        s.received_side(messages, zone, count_filter_hops);
        s.delivery_side(context.frame, messages, zone, count_filter_hops)?;
        s.refusal_side(context.frame, zone)?;
        let counts = context.counts;
        let t = &mut s.totals;
        t.rejected = [
            EventKind::Reject,
            EventKind::MilterReject,
            EventKind::ProxyReject,
        ]
        .iter()
        .map(|k| counts.kind(*k))
        .sum();
        t.reject_warnings = counts.kind(EventKind::RejectWarning);
        t.held = counts.kind(EventKind::Hold) + counts.kind(EventKind::MilterHold);
        t.discarded = counts.kind(EventKind::Discard) + counts.kind(EventKind::MilterDiscard);
        Ok(s)
    }

    fn day_hour(zone: &Zone, ts: Micros) -> Option<(NaiveDate, u32)> {
        zone.local(ts).map(|t| (t.date(), t.hour()))
    }

    fn traffic(&mut self, zone: &Zone, ts: Micros, add: impl Fn(&mut Traffic)) {
        if let Some((day, hour)) = Self::day_hour(zone, ts) {
            add(self.days.entry(day).or_default());
            add(self.hours.entry((day, hour)).or_default());
        }
    }

    /// Received messages: totals, fates, senders, sending domains, traffic.
    fn received_side(&mut self, messages: &Messages<'a>, zone: &Zone, count_filter_hops: bool) {
        let mut fates: BTreeMap<Fate, (u64, u64)> = BTreeMap::new();
        let mut sending_domains = PlHashSet::new();
        for m in &messages.list {
            let received = m.is_received(count_filter_hops);
            let fate = fates.entry(m.fate()).or_default();
            if received {
                fate.0 += 1;
            } else {
                fate.1 += 1;
            }
            let t = &mut self.totals;
            t.deferred += u64::from(m.deferrals > 0);
            t.deferrals += u64::from(m.deferrals);
            t.bounced += u64::from(m.bounced);
            t.expired += u64::from(m.expired);
            t.removed += u64::from(m.deleted);
            t.forwarded += u64::from(m.forwarded);
            t.filter_hops += u64::from(m.filter_hops);
            t.notifications += u64::from(m.origin == Origin::Notification);
            t.started_before += u64::from(!m.start_in_input);
            if !received {
                continue;
            }
            t.received += 1;
            t.open += u64::from(matches!(m.fate(), Fate::Open | Fate::Held));
            let size = m.size.unwrap_or(0);
            t.bytes_received += size;
            let sender = self
                .senders
                .entry(address_key(m.from.unwrap_or("")))
                .or_default();
            sender.messages += 1;
            sender.bytes += size;
            let domain = sending_domain(m);
            let volume = self.sender_domains.entry(domain.clone()).or_default();
            volume.messages += 1;
            volume.bytes += size;
            sending_domains.insert(domain);
            if let Some(arrival) = m.arrival {
                self.traffic(zone, arrival, |t| t.received += 1);
            }
        }
        self.totals.senders = self.senders.len() as u64;
        self.totals.sending_domains = sending_domains.len() as u64;
        self.fates = Fate::ALL
            .iter()
            .map(|f| {
                let (received, other) = fates.get(f).copied().unwrap_or_default();
                (*f, received, other)
            })
            .collect();
    }

    /// Delivery attempts: delivered, bytes, recipients, domains, traffic.
    /// Reads the frame's columns in place (the names borrow from it).
    fn delivery_side(
        &mut self,
        df: &'a DataFrame,
        messages: &Messages<'a>,
        zone: &Zone,
        count_filter_hops: bool,
    ) -> PolarsResult<()> {
        let kind = df.column(col::KIND)?.cat32()?;
        let Some(delivery) = kind.get_mapping().get_cat(EventKind::Delivery.as_str()) else {
            return Ok(());
        };
        let ts = df.column(col::TS)?.datetime()?.physical();
        let delay = df.column(col::DELAY)?.f32()?;
        let status = strings(df, col::STATUS)?;
        let to = strings(df, col::TO)?;
        let domain = strings(df, col::TO_DOMAIN)?;
        let reason = strings(df, col::REASON)?;
        let mut recipient_domains = PlHashSet::new();
        let columns = kind
            .physical()
            .iter()
            .zip(ts.iter())
            .zip(status)
            .zip(to)
            .zip(domain)
            .zip(delay.iter().zip(reason))
            .enumerate();
        for (row, (((((code, ts), status), to), domain), (delay, text))) in columns {
            let (Some(ts), true) = (ts, code == Some(delivery)) else {
                continue;
            };
            let message = messages.of(row);
            let size = message.and_then(|m| m.size);
            let domain = domain.unwrap_or("");
            // `delay=` is logged with at most 3 decimals; f32 → f64 would
            // print 0.05000000074505806.
            let delay = (f64::from(delay.unwrap_or(0.0)) * 1000.0).round() / 1000.0;
            match status.and_then(DeliveryStatus::from_name) {
                Some(DeliveryStatus::Sent) => {
                    let forwarded = text.is_some_and(|t| t.starts_with("forwarded as "));
                    let hop = messages.hop.get(row).copied().unwrap_or(false);
                    if forwarded || (hop && !count_filter_hops) {
                        continue;
                    }
                    let t = &mut self.totals;
                    t.delivered += 1;
                    t.bytes_delivered += size.unwrap_or(0);
                    if size.is_none() {
                        if let (Some(m), Some(to)) = (message, to) {
                            self.no_size.push((m.queue_id, to));
                        }
                    }
                    let recipient = self
                        .recipients
                        .entry(address_key(to.unwrap_or("")))
                        .or_default();
                    recipient.messages += 1;
                    recipient.bytes += size.unwrap_or(0);
                    let d = self.recipient_domains.entry(domain).or_default();
                    d.sent += 1;
                    d.bytes += size.unwrap_or(0);
                    d.delay_sum += delay;
                    d.delay_max = d.delay_max.max(delay);
                    recipient_domains.insert(domain);
                    self.traffic(zone, ts, |t| t.delivered += 1);
                }
                Some(DeliveryStatus::Deferred) => {
                    let d = self.recipient_domains.entry(domain).or_default();
                    d.defers += 1;
                    d.delay_max = d.delay_max.max(delay);
                    self.traffic(zone, ts, |t| t.deferred += 1);
                }
                Some(DeliveryStatus::Bounced) => self.traffic(zone, ts, |t| t.bounced += 1),
                _ => {}
            }
        }
        self.totals.recipients = self.recipients.len() as u64;
        self.totals.recipient_domains = recipient_domains.len() as u64;
        self.no_size.sort();
        Ok(())
    }

    /// Rejects, reject warnings, holds and discards per day and hour.
    fn refusal_side(&mut self, df: &DataFrame, zone: &Zone) -> PolarsResult<()> {
        let kinds: Vec<&str> = REFUSALS.iter().map(|k| k.as_str()).collect();
        let rows = super::grouping::rows_where(
            &super::grouping::narrow(df, &[col::TS, col::KIND])?,
            col::KIND,
            &kinds,
        )?;
        for ts in rows
            .column(col::TS)?
            .datetime()?
            .physical()
            .iter()
            .flatten()
        {
            self.traffic(zone, ts, |t| t.rejected += 1);
        }
        Ok(())
    }
}

/// A string column, categorical or not, as an iterator (no copy).
fn strings<'a>(
    df: &'a DataFrame,
    name: &str,
) -> PolarsResult<Box<dyn Iterator<Item = Option<&'a str>> + 'a>> {
    let column = df.column(name)?;
    Ok(match column.dtype() {
        DataType::Categorical(..) => Box::new(column.cat32()?.iter_str()),
        _ => Box::new(column.str()?.iter()),
    })
}

/// A column of strings.
pub fn text_column<S: AsRef<str>>(name: &str, values: Vec<S>) -> Column {
    let values: Vec<&str> = values.iter().map(AsRef::as_ref).collect();
    Column::new(name.into(), values)
}

/// A column of counts.
pub fn count_column(name: &str, values: Vec<u64>) -> Column {
    Column::new(name.into(), values)
}
