//! Domain-wide failure (`domain-wide-reject`): a recipient domain this
//! server's smtpd refuses nearly all recipients of, with one code and
//! enhanced code — typically `550 5.1.1 User unknown in virtual mailbox
//! table` for a domain listed in `virtual_mailbox_domains` (or
//! `mydestination`) that is hosted elsewhere, so that it is never relayed.
//! (A remote server refusing a whole domain is `remote_bounces`.)

use std::borrow::Cow;
use std::collections::BTreeSet;

use polars::prelude::{PlHashMap, PlHashSet};

use super::events::{pick_samples, Events};
use super::{plural, ranked, top_list, Evidence, Finding, Severity, Thresholds};
use crate::frame::col;
use crate::frame::rows::Sym;
use crate::parse::{DeliveryStatus, EventKind, Micros};

/// Restrictions that judge the client, its HELO or the sender, not the
/// recipient: they say nothing about the recipient domain.
fn is_about_recipients(restriction: &str) -> bool {
    let name = restriction.split(' ').next().unwrap_or(restriction);
    !(name == "reject_unauth_destination"
        || name == "reject_unauth_pipelining"
        || name.contains("client")
        || name.contains("helo")
        || name.contains("sender")
        || name.contains("rbl")
        || name.starts_with("postscreen"))
}

/// The lookup table a `User unknown in … table` reply names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Table {
    VirtualMailbox,
    Local,
    Relay,
    VirtualAlias,
    Other,
}

impl Table {
    fn of(reason: &str) -> Table {
        if reason.contains("virtual mailbox table") {
            Table::VirtualMailbox
        } else if reason.contains("local recipient table") {
            Table::Local
        } else if reason.contains("relay recipient table") {
            Table::Relay
        } else if reason.contains("virtual alias table") {
            Table::VirtualAlias
        } else {
            Table::Other
        }
    }
}

/// A group's recipient domain, code, enhanced code and reason.
type GroupKey<'a> = (&'a str, Option<u16>, &'a str, &'a str);

#[derive(Default)]
struct Group<'a> {
    rows: Vec<usize>,
    /// Lower-cased (borrowed from the frame when they already are).
    recipients: PlHashSet<Cow<'a, str>>,
    clients: PlHashMap<&'a str, u64>,
    first: Option<Micros>,
    last: Option<Micros>,
}

/// `text` lower-cased, borrowed if it already is.
fn lower(text: &str) -> Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

pub fn detect(events: &Events<'_>, thresholds: &Thresholds) -> Vec<Finding> {
    let a = &events.actions;
    let (domain, code, enhanced, reason, restriction, to, client, ts) = (
        a.text(col::TO_DOMAIN),
        a.code(),
        a.text(col::ENHANCED),
        a.text(col::REASON),
        a.text(col::RESTRICTION),
        a.text(col::TO),
        a.text(col::CLIENT_IP),
        a.ts(),
    );
    // Grouped by category codes ([`Sym`]): a row costs a hash of a few
    // numbers; whether a restriction is about recipients is decided once
    // per restriction.
    let mut about_recipients: PlHashMap<Sym<'_>, bool> = PlHashMap::default();
    let mut by_key: PlHashMap<(Sym<'_>, Option<u16>, Sym<'_>, Sym<'_>), Group<'_>> =
        PlHashMap::default();
    for i in 0..a.len() {
        if a.kind(i) != EventKind::Reject {
            continue;
        }
        let (Some(d), Some(r)) = (domain.key(i), restriction.key(i)) else {
            continue;
        };
        let about = *about_recipients
            .entry(r)
            .or_insert_with(|| is_about_recipients(restriction.get(i).unwrap_or("")));
        if !about {
            continue;
        }
        let key = (d, code.get(i), enhanced.sym(i), reason.sym(i));
        let g = by_key.entry(key).or_default();
        g.rows.push(i);
        if let Some(to) = to.get(i) {
            g.recipients.insert(lower(to));
        }
        *g.clients.entry(client.get(i).unwrap_or("?")).or_default() += 1;
        g.first = Some(g.first.map_or(ts.get(i), |f: Micros| f.min(ts.get(i))));
        g.last = Some(g.last.map_or(ts.get(i), |l: Micros| l.max(ts.get(i))));
    }
    // By domain, code, enhanced code and reason (one key, one string).
    let mut groups: Vec<(GroupKey<'_>, Group<'_>)> = by_key
        .into_values()
        .map(|g| {
            let i = g.rows[0];
            let key = (
                domain.get(i).unwrap_or(""),
                code.get(i),
                enhanced.get(i).unwrap_or(""),
                reason.get(i).unwrap_or(""),
            );
            (key, g)
        })
        .collect();
    groups.sort_unstable_by(|x, y| x.0.cmp(&y.0));
    let delivered = delivered_recipients(events);
    let mut findings = Vec::new();
    for ((d, code, enhanced, reason), g) in &groups {
        let attempts = g.rows.len() as u64;
        let none = PlHashSet::default();
        let ok = delivered.get(d).unwrap_or(&none);
        let rejected = g.recipients.len() as u64;
        let share = rejected as f64 / (rejected + ok.len() as u64).max(1) as f64;
        if attempts < thresholds.min_attempts || share < thresholds.min_share {
            continue;
        }
        let reply = [code.map(|c| c.to_string()), Some(enhanced.to_string())]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let table = Table::of(reason);
        // The restriction of the group's last reject.
        let group_restriction = g
            .rows
            .last()
            .and_then(|&i| restriction.get(i))
            .unwrap_or("");
        let clients = top_list(
            &ranked(g.clients.iter().map(|(c, n)| (*c, *n))),
            3,
            "clients",
        );
        let delivered_note = match ok.len() {
            0 => format!("no recipient at {d} was delivered"),
            n => format!(
                "only {} at {d} {} delivered",
                plural(n as u64, "recipient"),
                if n == 1 { "was" } else { "were" }
            ),
        };
        let summary = format!(
            "{} to {} at {d} were rejected by this server's smtpd with `{reply} {reason}` ({}; from {clients}), {}; {delivered_note}.",
            plural(attempts, "RCPT"),
            plural(rejected, "recipient"),
            group_restriction,
            events.when(g.first, g.last),
        );
        let (cause, fix, check, parameters) = advice(table, d, ok.len());
        let severity = if code.is_some_and(|c| c >= 500) {
            Severity::Critical
        } else {
            Severity::Warning
        };
        findings.push(Finding {
            id: "domain-wide-reject",
            subject: d.to_string(),
            severity,
            summary,
            evidence: Evidence {
                count: attempts,
                recipients: rejected,
                clients: g.clients.len() as u64,
                first_seen: g.first,
                last_seen: g.last,
                rows: pick_samples(&g.rows.iter().map(|&i| a.rows[i]).collect::<Vec<_>>()),
                ..Evidence::default()
            },
            cause,
            fix,
            check,
            parameters,
            addresses: g
                .clients
                .keys()
                .copied()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .map(str::to_string)
                .collect(),
            confirmation: None,
            new: None,
            impact: attempts,
        });
    }
    findings
}

/// Distinct recipients (lower-cased) with a `status=sent` delivery, per
/// domain.
fn delivered_recipients<'a>(events: &Events<'a>) -> PlHashMap<&'a str, PlHashSet<Cow<'a, str>>> {
    let t = &events.deliveries;
    let (status, domain, to) = (t.text(col::STATUS), t.text(col::TO_DOMAIN), t.text(col::TO));
    let sent = status.wanted(DeliveryStatus::Sent.as_str());
    let mut out: PlHashMap<&str, PlHashSet<Cow<str>>> = PlHashMap::default();
    for i in 0..t.len() {
        if status.is(i, &sent) {
            if let (Some(d), Some(to)) = (domain.get(i), to.get(i)) {
                out.entry(d).or_default().insert(lower(to));
            }
        }
    }
    out
}

/// Cause, fix, commands to check, and the parameter `--postconf` checks.
fn advice(
    table: Table,
    d: &str,
    delivered: usize,
) -> (String, String, Vec<String>, Vec<&'static str>) {
    match table {
        Table::VirtualMailbox => (
            format!(
                "{d} is listed in virtual_mailbox_domains, so this server takes itself for {d}'s final destination and accepts only the addresses in virtual_mailbox_maps ({delivered} were accepted and delivered here, not to {d}'s own mail server); every other recipient is refused at RCPT and nothing is relayed."
            ),
            format!(
                "If this server only sends mail to {d} (your applications and users write to people there): remove {d} from virtual_mailbox_domains (and its entries from virtual_mailbox_maps, then postmap) and postfix reload; mail then leaves by MX lookup. If this server is {d}'s inbound gateway: move {d} to relay_domains, list its users in relay_recipient_maps, and route it with transport_maps (`{d} relay:[mail.{d}]`, then postmap and postfix reload) — the brackets matter: while {d}'s MX points here, a route without them loops (`mail for {d} loops back to myself`). A transport_maps route alone does not help while {d} stays in virtual_mailbox_domains: routing does not change which recipients smtpd accepts."
            ),
            vec![
                "postconf -x virtual_mailbox_domains mydestination relay_domains".to_string(),
                "postconf transport_maps virtual_mailbox_maps relay_recipient_maps".to_string(),
                format!("host -t mx {d}"),
            ],
            vec!["virtual_mailbox_domains"],
        ),
        Table::Local => (
            format!(
                "{d} is a local domain (mydestination, possibly through $mydomain), and local_recipient_maps (the passwd file and aliases by default) has none of these users."
            ),
            format!(
                "If the users should exist, add them (accounts, or aliases in /etc/aliases, then newaliases). If {d} is hosted on another server, remove it from mydestination and let mail to it leave by MX (or list it in relay_domains with a transport_maps route if this server is its gateway); never for this host's own name."
            ),
            vec![
                "postconf -x mydestination mydomain myhostname".to_string(),
                "postconf local_recipient_maps alias_maps".to_string(),
            ],
            vec!["mydestination"],
        ),
        Table::Relay => (
            format!(
                "{d} is relayed (relay_domains), and relay_recipient_maps lists none of these recipients: the list is stale or incomplete."
            ),
            "Update relay_recipient_maps from the final destination's user list (then postmap); an `@domain` entry accepts every address (and invites backscatter).".to_string(),
            vec![
                "postconf relay_domains relay_recipient_maps".to_string(),
                format!("postmap -q someone@{d} <the relay_recipient_maps table>"),
            ],
            vec!["relay_domains"],
        ),
        Table::VirtualAlias => (
            format!(
                "{d} is a virtual alias domain (virtual_alias_domains, or a bare `{d}` key in virtual_alias_maps), and virtual_alias_maps has no alias for these users."
            ),
            format!("Add the aliases for {d} to virtual_alias_maps (then postmap), or remove {d} from virtual_alias_domains if it is hosted elsewhere."),
            vec!["postconf virtual_alias_domains virtual_alias_maps".to_string()],
            vec!["virtual_alias_domains"],
        ),
        Table::Other => (
            format!("This server refuses these recipients of {d} as they are sent (the reply above, from one of its recipient restrictions)."),
            format!("Check the restriction that answers for {d}; if {d} is not a domain this server hosts, it should not validate its recipients at all."),
            vec!["postconf smtpd_recipient_restrictions smtpd_relay_restrictions".to_string()],
            Vec::new(),
        ),
    }
}
