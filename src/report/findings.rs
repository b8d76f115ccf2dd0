//! Findings: the rejects table read out as sentences an admin can act on —
//! who is hit, with which reply, since when, and what to change.
//!
//! ```text
//! 391 recipients at erg.school were rejected (while 2 recipients at erg.school were delivered) with `550 5.1.1 Recipient address rejected: User unknown in virtual mailbox table` (reject_unlisted_recipient, 442 times from 2 clients, …): erg.school is in virtual_mailbox_domains, …
//! ```

use std::collections::HashMap;

use polars::prelude::*;

use super::columns::{CLIENTS, COUNT, FIRST_SEEN, LAST_SEEN, RECIPIENTS};
use super::{Body, Context, ReportSpec};
use crate::frame::col;
use crate::parse::EventKind;
use crate::restriction;

pub const SPEC: ReportSpec = ReportSpec {
    title: "Findings",
    reads: || super::rejects::reads(&[EventKind::Reject]).union((super::deliveries::SPEC.reads)()),
    compute,
    drop_first: &[],
    ranked: true,
};

/// How bad a finding is: a permanent reject (5xx) loses mail, a temporary
/// one (4xx) delays it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Permanent,
    Temporary,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Permanent => "permanent",
            Severity::Temporary => "temporary",
        }
    }
}

/// One finding: how bad, and what to know and do, in one sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub text: String,
}

/// One finding per row of the rejects table, in its order (by count).
fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    let findings = from_tables(context.rejects()?, context.deliveries()?)?;
    Ok(Body::Findings {
        findings,
        omitted: 0,
    })
}

/// The findings of the rejects table (as built by
/// [`super::rejects::by_domain`]) and the deliveries table (as built by
/// [`super::deliveries::by_domain`]).
fn from_tables(rejects: &DataFrame, deliveries: &DataFrame) -> PolarsResult<Vec<Finding>> {
    let sent = sent_recipients_by_domain(deliveries)?;
    let domain = rejects.column(col::TO_DOMAIN)?.str()?;
    let code = rejects.column(col::CODE)?.u16()?;
    let enhanced = rejects.column(col::ENHANCED)?.str()?;
    let restriction_col = rejects.column(col::RESTRICTION)?.str()?;
    let reason = rejects.column(col::REASON)?.str()?;
    let count = rejects.column(COUNT)?.u64()?;
    let recipients = rejects.column(RECIPIENTS)?.u64()?;
    let clients = rejects.column(CLIENTS)?.u64()?;
    let first = rejects.column(FIRST_SEEN)?.datetime()?.physical().clone();
    let last = rejects.column(LAST_SEEN)?.datetime()?.physical().clone();

    let mut findings = Vec::new();
    for i in 0..rejects.height() {
        let d = domain.get(i);
        let reply = [
            code.get(i).map(|c| c.to_string()),
            enhanced.get(i).map(str::to_string),
            reason.get(i).map(str::to_string),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        let r = restriction_col.get(i).unwrap_or("unknown");
        let n = count.get(i).unwrap_or(0);
        let span = format!("{} to {}", stamp(first.get(i)), stamp(last.get(i)));
        let who = match d {
            Some(d) => {
                let rcpts = recipients.get(i).unwrap_or(0);
                let delivered = sent.get(d).copied().unwrap_or(0);
                if delivered == 0 {
                    let all = if rcpts == 1 { "the" } else { "all" };
                    format!(
                        "{all} {} at {d} that {} tried {} rejected",
                        plural(rcpts, "recipient"),
                        were(rcpts),
                        were(rcpts)
                    )
                } else {
                    format!(
                        "{} at {d} {} rejected (while {} at {d} {} delivered)",
                        plural(rcpts, "recipient"),
                        were(rcpts),
                        plural(delivered, "recipient"),
                        were(delivered)
                    )
                }
            }
            None => "connections were rejected before any recipient".to_string(),
        };
        let from = plural(clients.get(i).unwrap_or(0), "client");
        let hint = restriction::hint(r, reason.get(i).unwrap_or(""))
            .replace("{domain}", d.unwrap_or("the domain"));
        let times = plural(n, "time");
        let mut sentence = format!("{who} with `{reply}` ({r}, {times} from {from}, {span})");
        if !hint.is_empty() {
            sentence.push_str(": ");
            sentence.push_str(&hint);
        }
        let severity = if code.get(i).is_some_and(|c| c >= 500) {
            Severity::Permanent
        } else {
            Severity::Temporary
        };
        findings.push(Finding {
            severity,
            text: sentence,
        });
    }
    Ok(findings)
}

/// `1 recipient`, `2 recipients`.
fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn were(n: u64) -> &'static str {
    if n == 1 {
        "was"
    } else {
        "were"
    }
}

fn stamp(us: Option<i64>) -> String {
    us.and_then(chrono::DateTime::from_timestamp_micros)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// Distinct recipients with a `status=sent` delivery, per recipient domain,
/// from the deliveries table.
fn sent_recipients_by_domain(deliveries: &DataFrame) -> PolarsResult<HashMap<String, u64>> {
    let domains = deliveries.column(col::TO_DOMAIN)?.str()?;
    let recipients = deliveries.column(RECIPIENTS)?.u64()?;
    Ok(domains
        .iter()
        .zip(recipients.iter())
        .filter_map(|(d, n)| Some((d?.to_string(), n?)))
        .collect())
}
