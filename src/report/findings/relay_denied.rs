//! Relay access denied (`554 5.7.1`, or `454 4.7.1` from the default
//! `defer_unauth_destination`), grouped by client: an outside client that
//! tries many domains and got nothing accepted is a relay probe (info,
//! nothing to fix); clients whose other mail is accepted are your own,
//! neither authenticated nor in mynetworks (warning); a refused client
//! that did authenticate, or many clients on the submission listener,
//! means the server's authentication is broken (critical).

use std::collections::{BTreeMap, BTreeSet};

use super::events::{pick_samples, Events};
use super::{join_list, plural, Evidence, Finding, Severity};
use crate::frame::col;
use crate::parse::{EventKind, Micros};

#[derive(Default)]
struct Client<'a> {
    rows: Vec<usize>,
    name: &'a str,
    domains: BTreeMap<&'a str, u64>,
    recipients: BTreeSet<&'a str>,
    senders: BTreeSet<&'a str>,
    authenticated: BTreeSet<&'a str>,
    listeners: BTreeSet<&'a str>,
    first: Option<Micros>,
    last: Option<Micros>,
}

pub fn detect(events: &Events<'_>) -> Vec<Finding> {
    let a = &events.actions;
    let (restriction, ip, name, domain, to, from, sasl, instance, ts) = (
        a.text(col::RESTRICTION),
        a.text(col::CLIENT_IP),
        a.text(col::CLIENT_NAME),
        a.text(col::TO_DOMAIN),
        a.text(col::TO),
        a.text(col::FROM),
        a.text(col::SASL_USERNAME),
        a.text(col::INSTANCE),
        a.ts(),
    );
    let mut clients: BTreeMap<&str, Client<'_>> = BTreeMap::new();
    let unauth = restriction.wanted("reject_unauth_destination");
    for i in 0..a.len() {
        if a.kind(i) != EventKind::Reject || !restriction.is(i, &unauth) {
            continue;
        }
        let c = clients.entry(ip.get(i).unwrap_or("?")).or_default();
        c.rows.push(i);
        c.name = name.get(i).unwrap_or("unknown");
        *c.domains.entry(domain.get(i).unwrap_or("?")).or_default() += 1;
        c.recipients.extend(to.get(i));
        c.senders.extend(from.get(i));
        c.authenticated.extend(sasl.get(i));
        c.listeners.extend(instance.get(i));
        c.first = Some(c.first.map_or(ts.get(i), |f: Micros| f.min(ts.get(i))));
        c.last = Some(c.last.map_or(ts.get(i), |l: Micros| l.max(ts.get(i))));
    }
    if clients.is_empty() {
        return Vec::new();
    }
    let accepted = &events.accepted;
    let (mut authenticated, mut known, mut probes) = (Vec::new(), Vec::new(), Vec::new());
    for (address, c) in &clients {
        if !c.authenticated.is_empty() {
            authenticated.push((*address, c));
        } else if accepted.get(*address).copied().unwrap_or(0) > 0 {
            known.push((*address, c));
        } else {
            probes.push((*address, c));
        }
    }
    let mut findings = Vec::new();
    let describe = |address: &str, c: &Client<'_>| {
        format!(
            "{}[{address}] {} times to {} at {}",
            c.name,
            c.rows.len(),
            plural(c.recipients.len() as u64, "recipient"),
            plural(c.domains.len() as u64, "domain"),
        )
    };
    let on_submission = clients
        .values()
        .filter(|c| {
            c.listeners
                .iter()
                .any(|l| l.contains("submission") || l.contains("smtps"))
        })
        .count();
    if !authenticated.is_empty() || on_submission >= 5 {
        let group: Vec<(&str, &Client<'_>)> = if authenticated.is_empty() {
            clients.iter().map(|(a, c)| (*a, c)).collect()
        } else {
            authenticated.clone()
        };
        let users: BTreeSet<&str> = group
            .iter()
            .flat_map(|(_, c)| c.authenticated.iter().copied())
            .collect();
        findings.push(finding(
            events,
            "authenticated-relay-denied",
            Severity::Critical,
            &group,
            format!(
                "{} refused relaying although {} ({}): {}.",
                plural(group.len() as u64, "client"),
                if users.is_empty() {
                    "they used the submission listener".to_string()
                } else {
                    format!("they authenticated as {}", join_list(&users.iter().map(|u| u.to_string()).collect::<Vec<_>>()))
                },
                events.when(group.iter().filter_map(|(_, c)| c.first).min(), group.iter().filter_map(|(_, c)| c.last).max()),
                join_list(&group.iter().take(5).map(|(a, c)| describe(a, c)).collect::<Vec<_>>()),
            ),
            "The server-side relay rules do not let authenticated clients relay: smtpd_relay_restrictions (or smtpd_recipient_restrictions, with Postfix before 2.10 or an empty smtpd_relay_restrictions) lacks permit_sasl_authenticated before reject_unauth_destination, possibly in a master.cf -o override of the listener; or SASL is not enabled there (smtpd_sasl_auth_enable).",
            "Put permit_sasl_authenticated before the reject in smtpd_relay_restrictions (main.cf, or the listener's -o override in master.cf: postconf -P), enable smtpd_sasl_auth_enable on the listener the users submit to, then postfix reload.",
            vec!["postconf smtpd_relay_restrictions smtpd_recipient_restrictions smtpd_sasl_auth_enable", "postconf -P | grep -E 'relay_restrictions|sasl'"],
            vec!["smtpd_relay_restrictions", "smtpd_sasl_auth_enable"],
        ));
    }
    if !known.is_empty() {
        let accepted_of = |a: &str| accepted.get(a).copied().unwrap_or(0);
        findings.push(finding(
            events,
            "relay-denied",
            Severity::Warning,
            &known,
            format!(
                "{} whose other mail this server accepts {} refused relaying: {}.",
                plural(known.len() as u64, "client"),
                if known.len() == 1 { "was" } else { "were" },
                join_list(&known.iter().map(|(a, c)| format!("{} ({} of its messages accepted)", describe(a, c), accepted_of(a))).collect::<Vec<_>>()),
            ),
            "These clients send mail to outside domains without authenticating (SASL) and are not in mynetworks: their mail programs or devices are not set up to submit, or mynetworks misses them.",
            "Have them submit with SASL authentication on the submission port (587, permit_sasl_authenticated in its smtpd_relay_restrictions); only for hosts you control, add their addresses to mynetworks (then postfix reload).",
            vec!["postconf mynetworks smtpd_relay_restrictions smtpd_sasl_auth_enable"],
            vec!["mynetworks"],
        ));
    }
    if !probes.is_empty() {
        let total: usize = probes.iter().map(|(_, c)| c.rows.len()).sum();
        let domains: BTreeSet<&str> = probes
            .iter()
            .flat_map(|(_, c)| c.domains.keys().copied())
            .collect();
        let mut top = probes.clone();
        top.sort_by(|x, y| y.1.rows.len().cmp(&x.1.rows.len()).then(x.0.cmp(y.0)));
        let shown: Vec<String> = top.iter().take(5).map(|(a, c)| describe(a, c)).collect();
        let more = top.len().saturating_sub(5);
        findings.push(finding(
            events,
            "relay-probe",
            Severity::Info,
            &top,
            format!(
                "{} with no other mail accepted tried to relay {} times to {} ({}): {}{}; all refused.",
                plural(probes.len() as u64, "client"),
                total,
                plural(domains.len() as u64, "outside domain"),
                events.when(probes.iter().filter_map(|(_, c)| c.first).min(), probes.iter().filter_map(|(_, c)| c.last).max()),
                join_list(&shown),
                if more > 0 { format!(" and {more} more") } else { String::new() },
            ),
            "Outside clients test whether this server relays for anyone (an open-relay probe, or a spam run): the relay rules refused them, as intended.",
            "Nothing to fix. Repeat offenders can be blocked earlier (postscreen, a fail2ban jail on `Relay access denied`, or check_client_access with a cidr: table).",
            vec!["postconf mynetworks smtpd_relay_restrictions"],
            vec!["mynetworks"],
        ));
    }
    findings
}

#[allow(clippy::too_many_arguments)]
fn finding(
    events: &Events<'_>,
    id: &'static str,
    severity: Severity,
    group: &[(&str, &Client<'_>)],
    summary: String,
    cause: &str,
    fix: &str,
    check: Vec<&str>,
    parameters: Vec<&'static str>,
) -> Finding {
    let a = &events.actions;
    let rows: Vec<usize> = group
        .iter()
        .flat_map(|(_, c)| c.rows.iter().map(|&i| a.rows[i]))
        .collect();
    let mut sorted = rows.clone();
    sorted.sort_unstable();
    let count = rows.len() as u64;
    let recipients: BTreeSet<&str> = group
        .iter()
        .flat_map(|(_, c)| c.recipients.iter().copied())
        .collect();
    let subject = match group {
        [(address, _)] => address.to_string(),
        _ => format!("{} clients", group.len()),
    };
    Finding {
        id,
        subject,
        severity,
        summary,
        evidence: Evidence {
            count,
            recipients: recipients.len() as u64,
            clients: group.len() as u64,
            first_seen: group.iter().filter_map(|(_, c)| c.first).min(),
            last_seen: group.iter().filter_map(|(_, c)| c.last).max(),
            rows: pick_samples(&sorted),
            ..Evidence::default()
        },
        cause: cause.to_string(),
        fix: fix.to_string(),
        check: check.into_iter().map(str::to_string).collect(),
        parameters,
        addresses: group.iter().map(|(a, _)| a.to_string()).collect(),
        confirmation: None,
        new: None,
        impact: count,
    }
}
