//! Remote hard bounces, per recipient domain: the receiving server refused
//! our mail permanently. `5.1.x` at `RCPT TO` means the mailboxes do not
//! exist there (stale addresses, or a typo of a popular domain such as
//! `gmial.com`, recognised against the domains this log delivers to and a
//! short list of the big providers); `5.7.x` means it refuses our mail as
//! policy (at `MAIL FROM`: our sender or address; after DATA: the content).

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::PlHashMap;

use super::events::{pick_samples, Events};
use super::{plural, Evidence, Finding, Severity, Thresholds};
use crate::frame::col;
use crate::parse::{DeliveryStatus, Micros};

/// Domains people mistype, when this log does not show them.
const POPULAR: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "icloud.com",
    "aol.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "orange.fr",
    "free.fr",
    "t-online.de",
    "proton.me",
    "protonmail.com",
    "yandex.ru",
    "mail.ru",
    "comcast.net",
    "msn.com",
];

#[derive(Default)]
struct Group<'a> {
    rows: Vec<usize>,
    recipients: BTreeSet<&'a str>,
    relays: BTreeSet<&'a str>,
    first: Option<Micros>,
    last: Option<Micros>,
}

pub fn detect(events: &Events<'_>, thresholds: &Thresholds) -> Vec<Finding> {
    let d = &events.deliveries;
    let (status, domain, to, code, enhanced, dsn, reason, command, relay, ts) = (
        d.text(col::STATUS),
        d.text(col::TO_DOMAIN),
        d.text(col::TO),
        d.code(),
        d.text(col::ENHANCED),
        d.text(col::DSN),
        d.text(col::REASON),
        d.text(col::REMOTE_COMMAND),
        d.text(col::RELAY_HOST),
        d.ts(),
    );
    let mut groups: BTreeMap<(&str, &str, Option<u16>, &str, &str), Group<'_>> = BTreeMap::new();
    let mut sent: PlHashMap<&str, u64> = PlHashMap::default();
    let mut unresolvable: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let (is_sent, is_bounced) = (
        status.wanted(DeliveryStatus::Sent.as_str()),
        status.wanted(DeliveryStatus::Bounced.as_str()),
    );
    for i in 0..d.len() {
        let Some(dom) = domain.get(i) else { continue };
        if status.is(i, &is_sent) {
            *sent.entry(dom).or_default() += 1;
        } else if status.is(i, &is_bounced) {
            let dsn = dsn.get(i).or(enhanced.get(i)).unwrap_or("");
            // `Host or domain name not found`: the domain does not
            // resolve (5.4.4): a typo candidate.
            if dsn == "5.4.4" || reason.get(i).is_some_and(|r| r.contains("Host not found")) {
                unresolvable.entry(dom).or_default().push(i);
            }
            let Some(c) = code.get(i) else { continue };
            let key = (
                dom,
                dsn,
                Some(c),
                reason.get(i).unwrap_or(""),
                command.get(i).unwrap_or(""),
            );
            let g = groups.entry(key).or_default();
            g.rows.push(i);
            g.recipients.extend(to.get(i));
            g.relays.extend(relay.get(i));
            g.first = Some(g.first.map_or(ts.get(i), |f: Micros| f.min(ts.get(i))));
            g.last = Some(g.last.map_or(ts.get(i), |l: Micros| l.max(ts.get(i))));
        }
    }
    let mut findings = Vec::new();
    for ((dom, dsn, code, reason, command), g) in &groups {
        let count = g.rows.len() as u64;
        if count < thresholds.min_attempts {
            continue;
        }
        let delivered = sent.get(dom).copied().unwrap_or(0);
        let reply = format!("{} {dsn}", code.map_or(String::new(), |c| c.to_string()));
        let at = if command.is_empty() {
            String::new()
        } else {
            format!(" in reply to {command}")
        };
        let (cause, fix) = if dsn.starts_with("5.1.") {
            (
                format!("The mailboxes do not exist at {dom} (its server says so{at}): stale or mistyped addresses in your lists or applications."),
                "Remove or correct the addresses at their source (the sending application's list, aliases); nothing to change in Postfix.".to_string(),
            )
        } else if dsn.starts_with("5.7.") && command.contains("MAIL") {
            (
                format!("{dom}'s server refuses mail from this sender or this server's address as a matter of policy (a blocklist, SPF/DMARC, or its own rules), before any recipient."),
                "Check this server's address on the blocklists the reply names, the sender domain's SPF and DKIM, and ask the receiving site; nothing in Postfix bounces it.".to_string(),
            )
        } else if dsn.starts_with("5.7.") {
            (
                format!("{dom}'s server refuses the content or the sender after DATA (a content filter, DMARC)."),
                "Check the message content, DKIM signing (milters) and DMARC alignment of the sending domain.".to_string(),
            )
        } else {
            (
                format!("{dom}'s server refuses these deliveries permanently."),
                "Read the reply; the fix is at the sender or the receiving site.".to_string(),
            )
        };
        findings.push(Finding {
            id: "remote-bounce",
            subject: format!("{dom} {dsn}"),
            severity: Severity::Warning,
            summary: format!(
                "{} at {dom} bounced: the remote server ({}) answered `{reply} {reason}`{at}, {}{}.",
                plural(g.recipients.len() as u64, "recipient"),
                g.relays.iter().copied().collect::<Vec<_>>().join(", "),
                events.when(g.first, g.last),
                if delivered > 0 {
                    format!("; {} to {dom} succeeded", plural(delivered, "delivery"))
                } else {
                    format!("; no delivery to {dom} succeeded")
                },
            ),
            evidence: Evidence {
                count,
                recipients: g.recipients.len() as u64,
                first_seen: g.first,
                last_seen: g.last,
                rows: pick_samples(&g.rows.iter().map(|&i| d.rows[i]).collect::<Vec<_>>()),
                ..Evidence::default()
            },
            cause,
            fix,
            check: vec!["postqueue -p".to_string()],
            parameters: Vec::new(),
            addresses: Vec::new(),
            confirmation: None,
            new: None,
            impact: count,
        });
    }
    // Typos: a failing domain next to a domain this log delivers to more,
    // or to a big provider.
    let failing: BTreeSet<&str> = groups
        .keys()
        .filter(|(_, dsn, ..)| dsn.starts_with("5.1.") || dsn.starts_with("5.4."))
        .map(|(dom, ..)| *dom)
        .chain(unresolvable.keys().copied())
        .collect();
    for dom in failing {
        let delivered_here = sent.get(dom).copied().unwrap_or(0);
        let known = sent
            .iter()
            .filter(|(other, n)| **n > delivered_here && **other != dom)
            .map(|(other, _)| *other)
            .chain(POPULAR.iter().copied());
        let Some(intended) = known
            .filter(|other| *other != dom && is_typo(dom, other))
            .min()
        else {
            continue;
        };
        let rows: Vec<usize> = groups
            .iter()
            .filter(|((d, ..), _)| *d == dom)
            .flat_map(|(_, g)| g.rows.iter().copied())
            .chain(unresolvable.get(dom).into_iter().flatten().copied())
            .collect();
        let recipients: BTreeSet<&str> = rows.iter().filter_map(|&i| to.get(i)).collect();
        let first = rows.iter().map(|&i| ts.get(i)).min();
        let last = rows.iter().map(|&i| ts.get(i)).max();
        findings.push(Finding {
            id: "typo-domain",
            subject: dom.to_string(),
            severity: Severity::Warning,
            summary: format!(
                "{} at {dom} failed ({}); {dom} looks like a typo of {intended}, which this log delivers to.",
                plural(recipients.len() as u64, "recipient"),
                events.when(first, last),
            ),
            evidence: Evidence {
                count: rows.len() as u64,
                recipients: recipients.len() as u64,
                first_seen: first,
                last_seen: last,
                rows: pick_samples(&rows.iter().map(|&i| d.rows[i]).collect::<Vec<_>>()),
                ..Evidence::default()
            },
            cause: format!("The addresses were mistyped: {dom} for {intended}."),
            fix: format!("Correct the addresses at their source; a sender-side check (or a reply to the people who typed them) helps. To catch them before they leave: a check_recipient_access entry `{dom} REJECT did you mean {intended}?` for your own users."),
            check: Vec::new(),
            parameters: Vec::new(),
            addresses: Vec::new(),
            confirmation: None,
            new: None,
            impact: rows.len() as u64,
        });
    }
    findings
}

/// Whether `a` is one edit (a letter added, removed, changed, or two
/// letters swapped) from `b`, in the part before the last dot, with the
/// same top-level domain; short names need an exact-length swap.
fn is_typo(a: &str, b: &str) -> bool {
    let (Some((a_name, a_tld)), Some((b_name, b_tld))) = (a.rsplit_once('.'), b.rsplit_once('.'))
    else {
        return false;
    };
    if a_tld != b_tld || a_name == b_name || b_name.len() < 4 {
        return false;
    }
    damerau(a_name.as_bytes(), b_name.as_bytes()) == 1
}

/// Optimal string alignment distance (Damerau-Levenshtein with adjacent
/// transpositions).
fn damerau(a: &[u8], b: &[u8]) -> usize {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::is_typo;

    #[test]
    fn typos_of_popular_domains() {
        assert!(is_typo("gmial.com", "gmail.com"));
        assert!(is_typo("gmal.com", "gmail.com"));
        assert!(is_typo("hotmial.com", "hotmail.com"));
        assert!(!is_typo("gmail.com", "gmail.com"));
        assert!(
            !is_typo("gmail.de", "gmail.com"),
            "another TLD is another domain"
        );
        assert!(!is_typo("gmx.de", "web.de"));
        assert!(!is_typo("ulb.example", "uab.example"), "too short to tell");
    }
}
