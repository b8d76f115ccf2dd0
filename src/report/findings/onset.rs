//! Onset: a class of failure (one reject reply, one deferral or bounce
//! reason at one next hop) that starts abruptly: none in the first quarter
//! of the log, then many. The moment it started is usually the moment of a
//! configuration change (a reload, a new map, a certificate).

use std::collections::BTreeMap;

use super::events::{pick_samples, Events, Table};
use super::{plural, Evidence, Finding, Severity};
use crate::frame::col;
use crate::parse::{DeliveryStatus, Micros};

/// A class needs this many events to be reported.
const MIN_EVENTS: usize = 10;
/// …and a log at least this long (µs): an hour of mail.
const MIN_SPAN: Micros = 3_600 * 1_000_000;

pub fn detect(events: &Events<'_>) -> Vec<Finding> {
    let Some((start, end)) = events.span else {
        return Vec::new();
    };
    if end - start < MIN_SPAN {
        return Vec::new();
    }
    let quiet_until = start + (end - start) / 4;
    let mut classes: BTreeMap<String, (&Table, Vec<usize>)> = BTreeMap::new();
    let a = &events.actions;
    let (kind, code, enhanced, reason) = (
        a.text(col::KIND),
        a.code(),
        a.text(col::ENHANCED),
        a.text(col::REASON),
    );
    for i in 0..a.len() {
        if kind[i] == Some("reject") {
            let key = format!(
                "reject `{} {} {}`",
                code[i].map_or(String::new(), |c| c.to_string()),
                enhanced[i].unwrap_or(""),
                reason[i].unwrap_or("")
            );
            classes.entry(key).or_insert((a, Vec::new())).1.push(i);
        }
    }
    let d = &events.deliveries;
    let (status, relay, dsn, dreason) = (
        d.text(col::STATUS),
        d.text(col::RELAY_HOST),
        d.text(col::DSN),
        d.text(col::REASON),
    );
    for i in 0..d.len() {
        let failed = [DeliveryStatus::Deferred, DeliveryStatus::Bounced]
            .iter()
            .any(|s| status[i] == Some(s.as_str()));
        if failed {
            let key = format!(
                "{} at {} `{} {}`",
                status[i].unwrap_or(""),
                relay[i].unwrap_or("?"),
                dsn[i].unwrap_or(""),
                dreason[i].unwrap_or("")
            );
            classes.entry(key).or_insert((d, Vec::new())).1.push(i);
        }
    }
    let mut findings = Vec::new();
    for (class, (table, rows)) in &classes {
        if rows.len() < MIN_EVENTS {
            continue;
        }
        let ts = table.ts();
        let first = rows.iter().map(|&i| ts[i]).min().unwrap_or(start);
        let last = rows.iter().map(|&i| ts[i]).max().unwrap_or(end);
        if first < quiet_until {
            continue;
        }
        let count = rows.len() as u64;
        findings.push(Finding {
            id: "onset",
            subject: class.clone(),
            severity: Severity::Warning,
            summary: format!(
                "{class} started at {}: none in the {} of the log before, {} since (until {}).",
                events.at(first),
                hours(first - start),
                plural(count, "event"),
                events.at(last),
            ),
            evidence: Evidence {
                count,
                first_seen: Some(first),
                last_seen: Some(last),
                rows: pick_samples(&rows.iter().map(|&i| table.rows[i]).collect::<Vec<_>>()),
                ..Evidence::default()
            },
            cause: "Something changed at that moment: usually the configuration (a reload, a rebuilt map, a new restriction or certificate), or the destination's side.".to_string(),
            fix: "Compare what changed just before (main.cf, master.cf and the maps' modification times, `postfix reload` lines in the log) and undo or finish it.".to_string(),
            check: vec!["ls -lt /etc/postfix | head".to_string(), "postconf -n".to_string()],
            parameters: Vec::new(),
            addresses: Vec::new(),
            confirmation: None,
            impact: count,
        });
    }
    findings
}

/// `3 hours`, `45 minutes`.
fn hours(span: Micros) -> String {
    let minutes = span / 60_000_000;
    if minutes >= 120 {
        plural((minutes / 60) as u64, "hour")
    } else {
        plural(minutes as u64, "minute")
    }
}
