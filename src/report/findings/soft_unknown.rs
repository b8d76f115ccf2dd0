//! The soft user-unknown loop: `450 4.1.1 … User unknown in local
//! recipient table` (or the virtual, relay or alias table). The 450 comes
//! from `unknown_local_recipient_reject_code = 450` (or its siblings),
//! Postfix's advice while testing a new setup: clients queue the mail and
//! try again for days instead of bouncing it, and the sender learns of the
//! typo late or never.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::PlHashMap;

use super::events::{pick_samples, Events};
use super::{join_list, plural, Evidence, Finding, Severity};
use crate::frame::col;
use crate::frame::rows::Sym;
use crate::parse::{EventKind, Micros};

/// The parameter that sets the code for the table a reply names.
fn parameter(reason: &str) -> Option<(&'static str, &'static str)> {
    let tables = [
        (
            "local recipient table",
            "unknown_local_recipient_reject_code",
        ),
        (
            "virtual mailbox table",
            "unknown_virtual_mailbox_reject_code",
        ),
        (
            "relay recipient table",
            "unknown_relay_recipient_reject_code",
        ),
        ("virtual alias table", "unknown_virtual_alias_reject_code"),
    ];
    tables.into_iter().find(|(table, _)| reason.contains(table))
}

#[derive(Default)]
struct Group<'a> {
    rows: Vec<usize>,
    domains: BTreeMap<&'a str, u64>,
    /// (client, recipient) → attempts: the retries of the loop.
    pairs: PlHashMap<(&'a str, &'a str), u64>,
    first: Option<Micros>,
    last: Option<Micros>,
}

pub fn detect(events: &Events<'_>) -> Vec<Finding> {
    let a = &events.actions;
    let (code, enhanced, reason, instance, domain, to, client, ts) = (
        a.code(),
        a.text(col::ENHANCED),
        a.text(col::REASON),
        a.text(col::INSTANCE),
        a.text(col::TO_DOMAIN),
        a.text(col::TO),
        a.text(col::CLIENT_IP),
        a.ts(),
    );
    // (listener, table, parameter) → rejects; and the same table's 5xx
    // rejects per listener, to show where the 450 comes from.
    let mut soft: BTreeMap<(&str, &str, &str), Group<'_>> = BTreeMap::new();
    let mut hard: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    // The table a reply names, read once per reply (by its category code).
    let mut tables: PlHashMap<Sym<'_>, Option<(&str, &str)>> = PlHashMap::default();
    for i in 0..a.len() {
        if a.kind(i) != EventKind::Reject {
            continue;
        }
        let (Some(code), Some(reply)) = (code.get(i), reason.key(i)) else {
            continue;
        };
        let named = *tables.entry(reply).or_insert_with(|| {
            let reason = reason.get(i).unwrap_or("");
            parameter(reason).filter(|_| reason.contains("User unknown in "))
        });
        let Some((table, param)) = named else {
            continue;
        };
        let listener = instance.get(i).unwrap_or("postfix");
        if code >= 500 {
            *hard.entry((listener, table)).or_default() += 1;
            continue;
        }
        if !(code == 450 && enhanced.get(i).unwrap_or("").starts_with("4.1.")) {
            continue;
        }
        let g = soft.entry((listener, table, param)).or_default();
        g.rows.push(i);
        *g.domains.entry(domain.get(i).unwrap_or("?")).or_default() += 1;
        *g.pairs
            .entry((client.get(i).unwrap_or("?"), to.get(i).unwrap_or("?")))
            .or_default() += 1;
        g.first = Some(g.first.map_or(ts.get(i), |f: Micros| f.min(ts.get(i))));
        g.last = Some(g.last.map_or(ts.get(i), |l: Micros| l.max(ts.get(i))));
    }
    soft.iter()
        .filter(|(_, g)| g.rows.len() >= 5)
        .map(|((listener, table, param), g)| {
            let count = g.rows.len() as u64;
            let recipients: BTreeSet<&str> = g.pairs.keys().map(|(_, r)| *r).collect();
            let retried = g.pairs.values().filter(|&&n| n > 1).count();
            let domains: Vec<String> = g.domains.iter().map(|(d, n)| format!("{d} ({n})")).collect();
            let elsewhere: Vec<String> = hard
                .iter()
                .filter(|((l, t), _)| t == table && l != listener)
                .map(|((l, _), n)| format!("{n} on {l}"))
                .collect();
            let contrast = if elsewhere.is_empty() {
                String::new()
            } else {
                format!(
                    ", while the same kind of address got a permanent 5xx on other listeners ({}) — so the 450 is a master.cf override of {listener}",
                    join_list(&elsewhere)
                )
            };
            let loop_note = if retried > 0 {
                format!("; {} were retried", plural(retried as u64, "recipient"))
            } else {
                String::new()
            };
            let mut check = vec![format!("postconf {param} soft_bounce")];
            check.push(format!("postconf -P | grep {param}"));
            Finding {
                id: "soft-user-unknown",
                subject: format!("{listener}: {table}"),
                severity: Severity::Warning,
                summary: format!(
                    "{} to {} unknown at {} got the temporary `450 4.1.1 User unknown in {table}` on {listener}, {}{loop_note}{contrast}.",
                    plural(count, "RCPT"),
                    plural(recipients.len() as u64, "recipient"),
                    join_list(&domains),
                    events.when(g.first, g.last),
                ),
                evidence: Evidence {
                    count,
                    recipients: recipients.len() as u64,
                    clients: g.pairs.keys().map(|(c, _)| *c).collect::<BTreeSet<_>>().len() as u64,
                    first_seen: g.first,
                    last_seen: g.last,
                    rows: pick_samples(&g.rows.iter().map(|&i| a.rows[i]).collect::<Vec<_>>()),
                    ..Evidence::default()
                },
                cause: format!(
                    "{param} is 450 for {listener} (the setting Postfix suggests while testing): senders queue mail that can never be delivered and retry it for days, instead of bouncing at once; the sender learns of the bad address late or never."
                ),
                fix: format!(
                    "Once the recipient lists are right, set it back to 550: `postconf -e {param}=550` (or remove the -o override of the listener in master.cf: postconf -PX), then postfix reload. If these users should exist, add them instead."
                ),
                check,
                parameters: vec![param],
                addresses: Vec::new(),
                confirmation: None,
                new: None,
                impact: count,
            }
        })
        .collect()
}
