//! Abuse: SASL authentication failures (password guessing), and rejects by
//! DNS blocklists or client restrictions concentrated on a few addresses
//! (a spam run). Each names the addresses.

use std::collections::{BTreeMap, BTreeSet};

use super::events::{pick_samples, Events, Table};
use super::{join_list, plural, ranked, top_list, Evidence, Finding, Severity};
use crate::frame::col;
use crate::parse::{EventKind, Micros};

/// A finding needs this many events.
const MIN_EVENTS: usize = 10;

pub fn detect(events: &Events<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    // SASL failures: smtpd's `NAME[ADDR]: SASL MECH authentication
    // failed` (its own kind, with the client's address).
    let p = &events.sasl_failures;
    let ip = p.text(col::CLIENT_IP);
    let sasl: Vec<usize> = (0..p.len()).collect();
    let address_of = |i: usize| ip.get(i);
    if sasl.len() >= MIN_EVENTS {
        let mut finding = concentrated(
            events,
            p,
            &sasl,
            &address_of,
            "sasl-failures",
            Severity::Warning,
            "SASL authentication failures",
            "Someone guesses passwords through SMTP AUTH (brute force from few addresses, a spray from many), or a user's device keeps an old password.",
            "Block the addresses (fail2ban's postfix-sasl jail, postscreen or check_client_access), limit AUTH rates (smtpd_client_auth_rate_limit, anvil), offer AUTH only on the submission port; if one account is hit, change its password.",
            vec!["postconf smtpd_client_auth_rate_limit smtpd_sasl_security_options"],
        );
        name_the_accounts(events, &mut finding);
        findings.push(finding);
    }
    // RBL and client rejects.
    let a = &events.actions;
    let (restriction, aip) = (a.text(col::RESTRICTION), a.text(col::CLIENT_IP));
    let of_class = |pred: &dyn Fn(&str) -> bool| -> Vec<usize> {
        (0..a.len())
            .filter(|&i| a.kind(i) == EventKind::Reject && restriction.get(i).is_some_and(pred))
            .collect()
    };
    let client_of = |i: usize| aip.get(i);
    let rbl = of_class(&|r: &str| {
        r.starts_with("reject_rbl_client")
            || r.starts_with("postscreen_dnsbl")
            || r.starts_with("reject_rhsbl")
    });
    if rbl.len() >= MIN_EVENTS {
        findings.push(concentrated(
            events,
            a,
            &rbl,
            &client_of,
            "blocklisted-clients",
            Severity::Info,
            "rejects by DNS blocklists",
            "Clients listed on the blocklists you use tried to send: mostly spam sources, refused as intended.",
            "Nothing to fix. If wanted mail is among them, allow its sender before the list check (check_client_access with OK, or postscreen_access_list).",
            vec!["postconf smtpd_recipient_restrictions postscreen_dnsbl_sites"],
        ));
    }
    let client = of_class(&|r: &str| {
        r.starts_with("check_client_access")
            || r.starts_with("reject_unknown_client_hostname")
            || r.starts_with("reject_unknown_reverse_client_hostname")
    });
    if client.len() >= MIN_EVENTS {
        findings.push(concentrated(
            events,
            a,
            &client,
            &client_of,
            "refused-clients",
            Severity::Info,
            "rejects by client restrictions",
            "Clients your access map or reverse-DNS rules refuse kept trying.",
            "Nothing to fix unless wanted mail is among them: then exempt the client in check_client_access.",
            vec!["postconf smtpd_client_restrictions"],
        ));
    }
    findings
}

/// Adds to the SASL finding the accounts tried (Postfix 3.9+ logs
/// `sasl_username=` on a failure) and, worse, the failing addresses that
/// then authenticated (`client=… sasl_username=`): a guessed password.
/// That makes the finding critical and names the account to lock.
fn name_the_accounts(events: &Events<'_>, finding: &mut Finding) {
    let failures = &events.sasl_failures;
    let (ip, user, ts) = (
        failures.text(col::CLIENT_IP),
        failures.text(col::SASL_USERNAME),
        failures.ts(),
    );
    let mut tried: BTreeMap<&str, u64> = BTreeMap::new();
    let mut first_failure: BTreeMap<&str, Micros> = BTreeMap::new();
    for i in 0..failures.len() {
        if let Some(user) = user.get(i).filter(|u| !u.is_empty()) {
            *tried.entry(user).or_default() += 1;
        }
        if let Some(ip) = ip.get(i) {
            let at = first_failure.entry(ip).or_insert(ts.get(i));
            *at = (*at).min(ts.get(i));
        }
    }
    // (address, account) pairs that authenticated after failing.
    let mut succeeded: BTreeSet<(&str, &str)> = BTreeSet::new();
    for &(ip, user, last) in &events.authenticated {
        if first_failure.get(ip).is_some_and(|&f| last >= f) {
            succeeded.insert((ip, user));
        }
    }
    if !tried.is_empty() {
        finding.summary.push_str(&format!(
            " Accounts tried: {}.",
            top_list(&ranked(tried), 5, "")
        ));
    }
    if succeeded.is_empty() {
        finding
            .summary
            .push_str(" None of these addresses authenticated afterwards.");
    } else {
        let pairs: Vec<String> = succeeded
            .iter()
            .map(|(ip, user)| format!("{user} from {ip}"))
            .collect();
        finding.severity = Severity::Critical;
        finding.summary.push_str(&format!(
            " Then authenticated: {} — a guessed password if that was not the account's owner.",
            join_list(&pairs)
        ));
        let accounts: BTreeSet<&str> = succeeded.iter().map(|(_, user)| *user).collect();
        let accounts: Vec<String> = accounts.into_iter().map(str::to_string).collect();
        finding.fix = format!(
            "Change the password of {} now and check what it sent (postqueue -p, the log's sasl_username=); then {}",
            join_list(&accounts),
            finding.fix
        );
    }
}

/// One finding over `rows`, naming the addresses with the most events.
#[allow(clippy::too_many_arguments)]
fn concentrated<'a>(
    events: &Events<'_>,
    table: &Table,
    rows: &[usize],
    address_of: &dyn Fn(usize) -> Option<&'a str>,
    id: &'static str,
    severity: Severity,
    what: &str,
    cause: &str,
    fix: &str,
    check: Vec<&str>,
) -> Finding {
    let ts = table.ts();
    let mut by_address: BTreeMap<&str, u64> = BTreeMap::new();
    for &i in rows {
        *by_address.entry(address_of(i).unwrap_or("?")).or_default() += 1;
    }
    let top = ranked(by_address);
    let count = rows.len() as u64;
    let top_share = top.first().map_or(0, |t| t.1) * 100 / count.max(1);
    let shape = if top.len() <= 3 || top_share >= 50 {
        "concentrated on few addresses"
    } else {
        "spread over many addresses"
    };
    let first: Option<Micros> = rows.iter().map(|&i| ts.get(i)).min();
    let last: Option<Micros> = rows.iter().map(|&i| ts.get(i)).max();
    let addresses: BTreeSet<&str> = top.iter().map(|(a, _)| *a).collect();
    Finding {
        id,
        subject: if top.len() == 1 {
            top[0].0.to_string()
        } else {
            format!("{} addresses", top.len())
        },
        severity,
        summary: format!(
            "{} {what} from {} ({shape}), {}: {}.",
            count,
            plural(top.len() as u64, "address"),
            events.when(first, last),
            top_list(&top, 5, ""),
        ),
        evidence: Evidence {
            count,
            clients: top.len() as u64,
            first_seen: first,
            last_seen: last,
            rows: pick_samples(&rows.iter().map(|&i| table.rows[i]).collect::<Vec<_>>()),
            ..Evidence::default()
        },
        cause: cause.to_string(),
        fix: fix.to_string(),
        check: check.into_iter().map(str::to_string).collect(),
        parameters: Vec::new(),
        addresses: addresses.into_iter().map(str::to_string).collect(),
        confirmation: None,
        new: None,
        impact: count,
    }
}
