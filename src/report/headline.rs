//! The headline: one line that works as a mail subject in cron, naming the
//! host, the time covered, the main counts and the findings by severity,
//! worst first:
//!
//! ```text
//! relay 2026-11-23 14:04-14:05 UTC: 682 received, 691 delivered, 45 bounced, 650 rejected; findings: 1 critical, 4 warnings
//! ```

use std::collections::BTreeSet;

use polars::prelude::*;

use super::findings::{Finding, Severity};
use super::{Body, Context, ReportSpec};
use crate::parse::EventKind;

pub const SPEC: ReportSpec = ReportSpec {
    title: "Headline",
    reads: || super::summary::reads().union((super::findings::SPEC.reads)()),
    compute,
    drop_first: &[],
    ranked: false,
};

fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    let summary = context.summary()?;
    let t = &summary.totals;
    let mut hosts: BTreeSet<&str> = BTreeSet::new();
    let mut last = None;
    for m in &context.messages()?.list {
        // Messages of one host follow each other: a set insertion per
        // change of host.
        if last != Some(m.site) {
            hosts.insert(m.host());
            last = Some(m.site);
        }
    }
    let host = match hosts.len() {
        0 => "no host".to_string(),
        1 | 2 => hosts.into_iter().collect::<Vec<_>>().join(", "),
        n => format!("{n} hosts"),
    };
    Ok(Body::Line(format!(
        "{host} {}: {} received, {} delivered, {} bounced, {} rejected; {}",
        span(context),
        t.received,
        t.delivered,
        t.bounced,
        t.rejected,
        by_severity(context.found()?)
    )))
}

/// "findings: 1 critical, 4 warnings, 2 info", worst first, or "no
/// findings"; compared with the day before, how many of them are new
/// ("…, 2 info, 1 new", "…, none new").
fn by_severity(found: &[Finding]) -> String {
    let mut parts: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter_map(|&severity| {
            let n = found.iter().filter(|f| f.severity == severity).count();
            (n > 0).then(|| match severity {
                Severity::Warning => super::findings::plural(n as u64, "warning"),
                _ => format!("{n} {}", severity.as_str()),
            })
        })
        .collect();
    if parts.is_empty() {
        return "no findings".to_string();
    }
    let new = found.iter().filter(|f| f.new == Some(true)).count();
    if found.iter().any(|f| f.new.is_some()) {
        parts.push(match new {
            0 => "none new".to_string(),
            n => format!("{n} new"),
        });
    }
    format!("findings: {}", parts.join(", "))
}

/// The time covered: the window's days or bounds, else the first and last
/// event, in the run's zone.
fn span(context: &Context<'_>) -> String {
    let zone = context.zone;
    let (start, end) = match (context.window.start, context.window.end) {
        (Some(s), Some(e)) => (Some(s), Some(e - 1)),
        (s, e) => {
            let events = context.counts.span(&EventKind::ALL);
            (s.or(events.map(|e| e.0)), e.or(events.map(|e| e.1)))
        }
    };
    let local = |us: Option<i64>| us.and_then(|us| zone.local(us));
    let (Some(start), Some(end)) = (local(start), local(end)) else {
        return format!("(no events, {})", zone.label());
    };
    let window_is_days = context.window.start.is_some()
        && context.window.end.is_some()
        && start.time() == chrono::NaiveTime::MIN;
    let text = if window_is_days {
        let (first, last) = (start.date(), end.date());
        if first == last {
            first.format("%Y-%m-%d").to_string()
        } else {
            format!(
                "{} to {}",
                first.format("%Y-%m-%d"),
                last.format("%Y-%m-%d")
            )
        }
    } else if start.date() == end.date() {
        format!(
            "{} {}-{}",
            start.format("%Y-%m-%d"),
            start.format("%H:%M"),
            end.format("%H:%M")
        )
    } else {
        format!(
            "{} to {}",
            start.format("%Y-%m-%d %H:%M"),
            end.format("%Y-%m-%d %H:%M")
        )
    };
    format!("{text} {}", zone.label())
}
