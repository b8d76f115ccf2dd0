//! Destinations that do not take mail: every delivery attempt to a next hop
//! was deferred (connection refused or timed out, 4.4.1/4.4.2, 421, a
//! greylist that never lets the mail through), more than once or until the
//! mail expired, and mail waits or expired because of it. Since when, how
//! many messages wait, how many expired. A deferral whose mail was
//! delivered later (the retry, another MX) is no outage: greylisting that
//! later succeeds is normal (info), and a hop that failed over says
//! nothing. A rate limit or a spam verdict is its own diagnosis, with its
//! own fix (volume and retry timing, the server's reputation), never
//! "down".

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

/// What a deferral's reply says of the destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refusal {
    /// It cannot be reached or does not answer (refused, timed out, 421).
    Down,
    /// It defers mail from senders it has not seen (`Greylisted`).
    Greylist,
    /// It limits how fast it takes mail (per connection, sender or
    /// recipient: Gmail's 4.2.1 "receiving mail at a rate", 4.7.28).
    RateLimit,
    /// Its filter takes the mail, or this server, for spam (163.com's
    /// `DT:SPM`, "suspected spam", a DNS blocklist).
    Spam,
}

impl Refusal {
    /// The class of a reply (code, dsn and text, lower-cased).
    fn of(reply: &str) -> Refusal {
        let has = |words: &[&str]| words.iter().any(|w| reply.contains(w));
        if has(&["greylist", "graylist"]) {
            Refusal::Greylist
        } else if has(&[
            "rate limit",
            "ratelimit",
            "rate-limit",
            "at a rate",
            "too many",
            "4.7.28",
            "throttl",
            "slow down",
        ]) {
            Refusal::RateLimit
        } else if has(&[
            "spam",
            "dt:spm",
            "junk mail",
            "blocklist",
            "blacklist",
            "blocked using",
        ]) {
            Refusal::Spam
        } else {
            Refusal::Down
        }
    }
}

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
            // An IPv6 address in brackets, as Postfix writes a next hop.
            [port] if address.contains(':') => format!("[{address}]:{port}"),
            [port] => format!("{address}:{port}"),
            _ => address.to_string(),
        };
        let attempts = hop.rows.len() as u64;
        let waiting: Vec<_> = hop
            .messages
            .iter()
            .filter_map(|&m| messages.list.get(m as usize))
            .collect();
        let expired = waiting.iter().filter(|m| m.expired()).count() as u64;
        let queued = waiting.iter().filter(|m| m.fate() == Fate::Open).count() as u64;
        let delivered = waiting
            .iter()
            .filter(|m| m.fate() == Fate::Delivered)
            .count() as u64;
        let mut reasons: Vec<(&String, &u64)> = hop.reasons.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let main_reason = reasons.first().map_or("", |r| r.0.as_str()).trim();
        let refusal = Refusal::of(&main_reason.to_ascii_lowercase());
        // Mail waits or expired because of this hop, and it kept failing
        // (more than one attempt, or until the queue lifetime ran out).
        let harm = expired + queued > 0 && (attempts > 1 || expired > 0);
        let names: Vec<String> = hop.names.iter().map(|n| n.to_string()).collect();
        let domains: Vec<String> = hop
            .domains
            .iter()
            .map(|(d, n)| format!("{d} ({})", plural(*n, "attempt")))
            .collect();
        let mut check = vec![
            "postqueue -p".to_string(),
            "postconf maximal_queue_lifetime bounce_queue_lifetime".to_string(),
        ];
        let mut parameters = vec!["maximal_queue_lifetime"];
        let (id, severity, what, cause, fix) = if hop.greylist && (hop.sent > 0 || !harm) {
            let accepted = if hop.sent > 0 {
                format!("before accepting {}", plural(hop.sent, "delivery"))
            } else {
                format!(
                    "and accepted none; {} delivered later",
                    plural(delivered, "message")
                )
            };
            (
                "greylisting",
                Severity::Info,
                format!("greylisted {} {accepted}", plural(attempts, "attempt")),
                "The destination greylists: it defers new senders once and accepts the retry."
                    .to_string(),
                "Nothing to do; retries are Postfix's default behaviour.".to_string(),
            )
        } else if hop.sent > 0 {
            // Some mail got through: a flaky destination, not a dead one.
            continue;
        } else if matches!(refusal, Refusal::RateLimit | Refusal::Spam) {
            let severity = if harm {
                Severity::Warning
            } else {
                Severity::Info
            };
            let what = format!("deferred {}", plural(attempts, "attempt"));
            if refusal == Refusal::RateLimit {
                check = vec![
                    "postqueue -p".to_string(),
                    "postconf smtp_destination_concurrency_limit smtp_destination_rate_delay default_destination_concurrency_limit".to_string(),
                ];
                parameters = vec!["smtp_destination_rate_delay"];
                (
                    "rate-limited",
                    severity,
                    what,
                    format!("The destination limits how fast it takes mail (from this server, this sender or for this recipient): `{main_reason}`. It is up; Postfix retries the deferred mail."),
                    "Send to it more slowly: a transport of its own in transport_maps (`DOMAIN slow:`, a copy of the smtp service in master.cf) with `slow_destination_concurrency_limit = 2` and `slow_destination_rate_delay = 1s`, then postmap and postfix reload. A limit per recipient (4.2.1, \"receiving mail at a rate\") is that recipient's volume: nothing to change here unless this server sends it the bulk.".to_string(),
                )
            } else {
                check = vec![
                    "postqueue -p".to_string(),
                    "postconf myhostname smtp_bind_address smtp_helo_name".to_string(),
                ];
                parameters = vec!["smtp_bind_address"];
                (
                    "spam-verdict",
                    severity,
                    what,
                    format!("The destination's filter takes this mail, or this server, for spam: `{main_reason}`. It is up, and refuses this mail."),
                    "Mend the server's reputation and the mail's: send from one stable address whose reverse DNS names this server (smtp_bind_address, myhostname), with SPF, DKIM and DMARC in order; look the address up in the blocklist the reply names, and read the destination's postmaster pages for its code (163.com: DT:SPM). Postfix retries the deferred mail.".to_string(),
                )
            }
        } else if !harm {
            // Delivered later (the retry, another MX), or one attempt
            // with the mail still waiting: no outage shown.
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
            check,
            parameters,
            addresses: Vec::new(),
            confirmation: None,
            new: None,
            impact: hop.messages.len() as u64,
        });
    }
    findings
}
