//! Onset: a class of failure (one reject reply, one deferral or bounce
//! reason at one next hop) that starts abruptly: none in the first quarter
//! of the log, then many. The moment it started is usually the moment of a
//! configuration change (a reload, a new map, a certificate).

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use polars::prelude::PlHashMap;

use super::events::{pick_samples, Events, Table};
use super::{plural, Evidence, Finding, Severity};
use crate::frame::col;
use crate::frame::rows::Sym;
use crate::parse::{DeliveryStatus, EventKind, Micros};

/// A class needs this many events to be reported.
const MIN_EVENTS: usize = 10;
/// …and a log at least this long (µs): an hour of mail.
const MIN_SPAN: Micros = 3_600 * 1_000_000;
/// A start or reload of Postfix this long before an onset (µs) is named as
/// its likely cause.
const RELOAD_WINDOW: Micros = 30 * 60 * 1_000_000;

/// The last start or reload of Postfix at or before `at` and within
/// [`RELOAD_WINDOW`]: its row in `events.master`, its time and what it said.
fn reload_before(events: &Events<'_>, at: Micros) -> Option<(usize, Micros, String)> {
    let m = &events.master;
    let (ts, action, reason) = (m.ts(), m.text(col::ACTION), m.text(col::REASON));
    (0..m.len())
        .filter(|&i| {
            // master's `reload`, `daemon started`; postfix-script's
            // `refreshing`, `starting`: the moment a configuration is read.
            matches!(
                action.get(i),
                Some("reload" | "started" | "refreshing" | "starting")
            ) && ts.get(i) <= at
                && at - ts.get(i) <= RELOAD_WINDOW
        })
        .max_by_key(|&i| ts.get(i))
        .map(|i| (i, ts.get(i), reason.get(i).unwrap_or("").to_string()))
}

pub fn detect(events: &Events<'_>) -> Vec<Finding> {
    let Some((start, end)) = events.span else {
        return Vec::new();
    };
    if end - start < MIN_SPAN {
        return Vec::new();
    }
    let quiet_until = start + (end - start) / 4;
    let classes = classes(events);
    let mut findings = Vec::new();
    for (class, (table, rows)) in &classes {
        if rows.len() < MIN_EVENTS {
            continue;
        }
        let ts = table.ts();
        let first = rows.iter().map(|&i| ts.get(i)).min().unwrap_or(start);
        let last = rows.iter().map(|&i| ts.get(i)).max().unwrap_or(end);
        if first < quiet_until {
            continue;
        }
        let count = rows.len() as u64;
        let mut samples: Vec<usize> = rows.iter().map(|&i| table.rows[i]).collect();
        let mut summary = format!(
            "{class} started at {}: none in the {} of the log before, {} since (until {}).",
            events.at(first),
            hours(first - start),
            plural(count, "event"),
            events.at(last),
        );
        let mut cause = "Something changed at that moment: usually the configuration (a reload, a rebuilt map, a new restriction or certificate), or the destination's side.".to_string();
        if let Some((row, at, said)) = reload_before(events, first) {
            let minutes = (first - at) / 60_000_000;
            summary.push_str(&format!(
                " Postfix read its configuration {} before (`{said}` at {}).",
                if minutes == 0 {
                    "less than a minute".to_string()
                } else {
                    plural(minutes as u64, "minute")
                },
                events.at(at),
            ));
            cause = "The configuration read at that start or reload is the likely cause: a changed parameter, map or restriction took effect then.".to_string();
            samples = pick_samples(&samples);
            samples.insert(0, events.master.rows[row]);
        } else {
            samples = pick_samples(&samples);
        }
        findings.push(Finding {
            id: "onset",
            subject: class.clone(),
            severity: Severity::Warning,
            summary,
            evidence: Evidence {
                count,
                first_seen: Some(first),
                last_seen: Some(last),
                rows: samples,
                ..Evidence::default()
            },
            cause,
            fix: "Compare what changed just before (main.cf, master.cf and the maps' modification times, `postfix reload` lines in the log) and undo or finish it.".to_string(),
            check: vec!["ls -lt /etc/postfix | head".to_string(), "postconf -n".to_string()],
            parameters: Vec::new(),
            addresses: Vec::new(),
            confirmation: None,
            new: None,
            impact: count,
        });
    }
    findings
}

/// A class of failure: its table (rejects or deliveries) and its rows in it.
type Class<'t, 'a> = (&'t Table<'a>, Vec<usize>);

/// The rejects by reply (code, enhanced code, reason) and the failed
/// deliveries by status, next hop and reply, each class named as the
/// findings print it.
fn classes<'t, 'a>(events: &'t Events<'a>) -> BTreeMap<String, Class<'t, 'a>> {
    // Rows are grouped by category codes first ([`Sym`]), so that a row
    // costs a hash of a few numbers, not a name built for it; the names
    // are built once per group.
    let mut classes: BTreeMap<String, Class<'t, 'a>> = BTreeMap::new();
    let a = &events.actions;
    let (code, enhanced, reason) = (a.code(), a.text(col::ENHANCED), a.text(col::REASON));
    let mut rejects: PlHashMap<(Option<u16>, Sym<'a>, Sym<'a>), Vec<usize>> = PlHashMap::default();
    for i in 0..a.len() {
        if a.kind(i) == EventKind::Reject {
            let key = (code.get(i), enhanced.sym(i), reason.sym(i));
            rejects.entry(key).or_default().push(i);
        }
    }
    for (_, rows) in rejects {
        let i = rows[0];
        let name = format!(
            "reject `{} {} {}`",
            code.get(i).map_or(String::new(), |c| c.to_string()),
            enhanced.get(i).unwrap_or(""),
            reason.get(i).unwrap_or("")
        );
        add(&mut classes, name, a, rows);
    }
    let d = &events.deliveries;
    let (status, relay, dsn, reason) = (
        d.text(col::STATUS),
        d.text(col::RELAY_HOST),
        d.text(col::DSN),
        d.text(col::REASON),
    );
    let failed =
        [DeliveryStatus::Deferred, DeliveryStatus::Bounced].map(|s| status.wanted(s.as_str()));
    let mut deliveries: PlHashMap<_, Vec<usize>> = PlHashMap::default();
    for i in 0..d.len() {
        if failed.iter().any(|s| status.is(i, s)) {
            // A missing next hop is its own group, not the empty string's.
            let hop = relay.get(i).map(|_| relay.sym(i));
            let key = (status.sym(i), hop, dsn.sym(i), reason.sym(i));
            deliveries.entry(key).or_default().push(i);
        }
    }
    for (_, rows) in deliveries {
        let i = rows[0];
        // `relay=none`: Postfix reached no server (the reason names the
        // host it tried, if any).
        let place = match relay.get(i) {
            Some("none") => ", no server reached (relay=none)".to_string(),
            Some(hop) => format!(" at {hop}"),
            None => String::new(),
        };
        let name = format!(
            "{}{place} `{} {}`",
            status.get(i).unwrap_or(""),
            dsn.get(i).unwrap_or(""),
            reason.get(i).unwrap_or("")
        );
        add(&mut classes, name, d, rows);
    }
    classes
}

/// Adds `rows` of `table` to the class `name`. Two groups can have one
/// name (a reason that is the empty string, or null): their rows merge,
/// in table order.
fn add<'t, 'a>(
    classes: &mut BTreeMap<String, Class<'t, 'a>>,
    name: String,
    table: &'t Table<'a>,
    rows: Vec<usize>,
) {
    match classes.entry(name) {
        Entry::Vacant(entry) => {
            entry.insert((table, rows));
        }
        Entry::Occupied(mut entry) => {
            let merged = &mut entry.get_mut().1;
            merged.extend(rows);
            merged.sort_unstable();
        }
    }
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
