//! Destinations that do not take mail: every delivery attempt to a next hop
//! was deferred (connection refused or timed out, 4.4.1/4.4.2, 421, a
//! greylist that never lets the mail through). Since when, how many
//! messages wait, how many expired. Greylisting that later succeeds is
//! normal (info).

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::PlHashMap;

use super::events::{pick_samples, Events};
use super::{join_list, plural, Evidence, Finding, Severity};
use crate::frame::col;
use crate::frame::rows::Sym;
use crate::messages::{Fate, Messages};
use crate::parse::{DeliveryStatus, Micros};

/// A deferral's reply as category codes: code, dsn (null apart), reason.
type Reply<'a> = (Option<u16>, Option<Sym<'a>>, Sym<'a>);

#[derive(Default)]
struct Hop<'a> {
    rows: Vec<usize>,
    /// The ports seen (error(8)'s repeats name none).
    ports: BTreeSet<u16>,
    names: BTreeSet<&'a str>,
    domains: BTreeMap<&'a str, u64>,
    /// The messages deferred (indexes into the messages).
    messages: BTreeSet<u32>,
    /// The deferrals by reply, each with a row that has it and its count;
    /// named once the rows are read.
    replies: PlHashMap<Reply<'a>, (usize, u64)>,
    reasons: BTreeMap<String, u64>,
    greylist: bool,
    sent: u64,
    first: Option<Micros>,
    last: Option<Micros>,
}

pub fn detect(events: &Events<'_>, messages: &Messages) -> Vec<Finding> {
    let d = &events.deliveries;
    let (status, relay, ip, port, domain, code, dsn, reason, ts) = (
        d.text(col::STATUS),
        d.text(col::RELAY_HOST),
        d.text(col::RELAY_IP),
        d.port(),
        d.text(col::TO_DOMAIN),
        d.code(),
        d.text(col::DSN),
        d.text(col::REASON),
        d.ts(),
    );
    let mut hops: BTreeMap<&str, Hop<'_>> = BTreeMap::new();
    let (sent, deferred) = (
        status.wanted(DeliveryStatus::Sent.as_str()),
        status.wanted(DeliveryStatus::Deferred.as_str()),
    );
    for i in 0..d.len() {
        // Local transports (`relay=local`, `virtual`, a pipe) have no
        // address: they are not destinations that answer or not.
        let Some(address) = ip.get(i).filter(|a| !a.contains('/')) else {
            continue;
        };
        let hop = hops.entry(address).or_default();
        hop.ports.extend(port.get(i));
        if status.is(i, &sent) {
            hop.sent += 1;
        } else if status.is(i, &deferred) {
            hop.rows.push(i);
            hop.names.extend(relay.get(i));
            *hop.domains.entry(domain.get(i).unwrap_or("?")).or_default() += 1;
            if let Some(&m) = messages.of_row.get(d.rows[i]) {
                if m != Messages::NONE {
                    hop.messages.insert(m);
                }
            }
            let reply = (code.get(i), dsn.key(i), reason.sym(i));
            hop.replies.entry(reply).or_insert((i, 0)).1 += 1;
            hop.first = Some(hop.first.map_or(ts.get(i), |f: Micros| f.min(ts.get(i))));
            hop.last = Some(hop.last.map_or(ts.get(i), |l: Micros| l.max(ts.get(i))));
        }
    }
    for hop in hops.values_mut() {
        for (_, (i, n)) in hop.replies.drain() {
            let text = format!(
                "{}{}{}",
                code.get(i).map_or(String::new(), |c| format!("{c} ")),
                dsn.get(i).map_or(String::new(), |d| format!("{d} ")),
                reason.get(i).unwrap_or("")
            );
            hop.greylist |= text.to_ascii_lowercase().contains("greylist");
            *hop.reasons.entry(text).or_default() += n;
        }
    }
    let mut findings = Vec::new();
    for (address, hop) in &hops {
        if hop.rows.is_empty() {
            continue;
        }
        let key = match hop.ports.iter().collect::<Vec<_>>()[..] {
            [port] => format!("{address}:{port}"),
            _ => address.to_string(),
        };
        let attempts = hop.rows.len() as u64;
        let waiting: Vec<_> = hop
            .messages
            .iter()
            .filter_map(|&m| messages.list.get(m as usize))
            .collect();
        let expired = waiting.iter().filter(|m| m.expired).count() as u64;
        let queued = waiting.iter().filter(|m| m.fate() == Fate::Open).count() as u64;
        let mut reasons: Vec<(&String, &u64)> = hop.reasons.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let main_reason = reasons.first().map_or("", |r| r.0.as_str()).trim();
        let names: Vec<String> = hop.names.iter().map(|n| n.to_string()).collect();
        let domains: Vec<String> = hop
            .domains
            .iter()
            .map(|(d, n)| format!("{d} ({n})"))
            .collect();
        let (id, severity, what, cause, fix) = if hop.greylist && hop.sent > 0 {
            (
                "greylisting",
                Severity::Info,
                format!(
                    "greylisted {} before accepting {}",
                    plural(attempts, "attempt"),
                    plural(hop.sent, "delivery")
                ),
                "The destination greylists: it defers new senders once and accepts the retry."
                    .to_string(),
                "Nothing to do; retries are Postfix's default behaviour.".to_string(),
            )
        } else if hop.sent > 0 {
            // Some mail got through: a flaky destination, not a dead one.
            continue;
        } else {
            (
                "unreachable-destination",
                if expired > 0 { Severity::Critical } else { Severity::Warning },
                format!("deferred every one of {} and accepted none", plural(attempts, "attempt")),
                if hop.greylist {
                    "The destination greylists and never accepts the retries (they come too late, from another address, or not at all).".to_string()
                } else {
                    format!("The destination does not take mail: `{main_reason}`. It is down, or refuses this server (a firewall, a blocklist, overload).")
                },
                "Check the destination from this server (`posttls-finger` or `telnet HOST 25`); the mail waits in the queue (postqueue -p) until maximal_queue_lifetime, then bounces; after a fix, `postqueue -f` (or `postqueue -s DOMAIN`) retries at once.".to_string(),
            )
        };
        findings.push(Finding {
            id,
            subject: key.clone(),
            severity,
            summary: format!(
                "{} ({}) {what} since {} ({}), for {} to {}: {}; {} expired, {} still queued at the end.",
                key,
                join_list(&names),
                events.at(hop.first.unwrap_or(0)),
                events.when(hop.first, hop.last),
                plural(hop.messages.len() as u64, "message"),
                join_list(&domains),
                main_reason,
                expired,
                queued,
            ),
            evidence: Evidence {
                count: attempts,
                messages: hop.messages.len() as u64,
                first_seen: hop.first,
                last_seen: hop.last,
                rows: pick_samples(&hop.rows.iter().map(|&i| d.rows[i]).collect::<Vec<_>>()),
                ..Evidence::default()
            },
            cause,
            fix,
            check: vec![
                "postqueue -p".to_string(),
                "postconf maximal_queue_lifetime bounce_queue_lifetime".to_string(),
            ],
            parameters: vec!["maximal_queue_lifetime"],
            addresses: Vec::new(),
            confirmation: None,
            impact: hop.messages.len() as u64,
        });
    }
    findings
}
