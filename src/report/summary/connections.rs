//! The smtpd session tables (pflogsumm's "SMTPD Connection" summaries,
//! from [`crate::sessions`]): per day, per hour and per client:
//! connections, distinct clients, total, average and longest session in
//! seconds. A session counts in the hour and day it ended, as in pflogsumm;
//! one whose connect or disconnect is not in the input is not counted.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Timelike};
use polars::prelude::*;

use super::{count_column, text_column};
use crate::frame::Projection;
use crate::report::columns::{
    AVERAGE_SECONDS, CLIENT, CLIENTS, CONNECTIONS, DAY, HOUR, MAXIMUM_SECONDS, TOTAL_SECONDS,
};
use crate::report::{Body, Context, ReportSpec};
use crate::sessions::{Tally, STRETCH_MICROS};

pub const PER_DAY: ReportSpec = ReportSpec {
    title: "SMTP connections (smtpd sessions) per day",
    reads,
    compute: per_day,
    drop_first: &[TOTAL_SECONDS, MAXIMUM_SECONDS],
    ranked: false,
};

pub const PER_HOUR: ReportSpec = ReportSpec {
    title: "SMTP connections (smtpd sessions) per hour",
    reads,
    compute: per_hour,
    drop_first: &[TOTAL_SECONDS, MAXIMUM_SECONDS],
    ranked: false,
};

pub const CLIENTS_SPEC: ReportSpec = ReportSpec {
    title: "SMTP connections (smtpd sessions) per client",
    reads,
    compute: per_client,
    drop_first: &[MAXIMUM_SECONDS, TOTAL_SECONDS],
    ranked: true,
};

/// No rows: the scan counts the sessions.
fn reads() -> Projection {
    Projection::NONE.with_session_stats()
}

/// The sessions by local day and hour (a UTC stretch of 15 minutes is in
/// one local hour in every zone).
fn by_hour(context: &Context<'_>) -> BTreeMap<(NaiveDate, u32), Tally> {
    let mut hours: BTreeMap<(NaiveDate, u32), Tally> = BTreeMap::new();
    for (stretch, tally) in &context.session_stats.stretches {
        if let Some(local) = context.zone.local(stretch * STRETCH_MICROS) {
            hours
                .entry((local.date(), local.hour()))
                .or_default()
                .merge(tally);
        }
    }
    hours
}

/// `keys` followed by the session columns of `tallies`.
fn session_frame(mut keys: Vec<Column>, tallies: &[&Tally]) -> PolarsResult<DataFrame> {
    // Seconds to the millisecond: RFC 3339 stamps carry microseconds, and
    // f64 sums would print 0.30000000000000004.
    let seconds = |name: &str, f: &dyn Fn(&Tally) -> f64| {
        let values: Vec<f64> = tallies
            .iter()
            .map(|t| (f(t) * 1000.0).round() / 1000.0)
            .collect();
        Column::new(name.into(), values)
    };
    keys.extend([
        count_column(CONNECTIONS, tallies.iter().map(|t| t.connections).collect()),
        count_column(
            CLIENTS,
            tallies.iter().map(|t| t.clients.len() as u64).collect(),
        ),
        seconds(TOTAL_SECONDS, &|t| t.seconds),
        seconds(AVERAGE_SECONDS, &|t| t.average()),
        seconds(MAXIMUM_SECONDS, &|t| t.longest),
    ]);
    DataFrame::new_infer_height(keys)
}

/// One row per day, then `all`.
fn per_day(context: &Context<'_>) -> PolarsResult<Body> {
    let mut days: BTreeMap<NaiveDate, Tally> = BTreeMap::new();
    for ((day, _), tally) in by_hour(context) {
        days.entry(day).or_default().merge(&tally);
    }
    let mut names: Vec<String> = days
        .keys()
        .map(|d| d.format("%Y-%m-%d").to_string())
        .collect();
    let mut tallies: Vec<&Tally> = days.values().collect();
    names.push("all".to_string());
    tallies.push(&context.session_stats.all);
    Ok(Body::table(session_frame(
        vec![text_column(DAY, names)],
        &tallies,
    )?))
}

/// Hours with sessions (pflogsumm prints only those), with their day when
/// the input spans days.
fn per_hour(context: &Context<'_>) -> PolarsResult<Body> {
    let hours = by_hour(context);
    let names = hours.keys().map(|(_, h)| format!("{h:02}:00")).collect();
    let tallies: Vec<&Tally> = hours.values().collect();
    let days: Vec<String> = hours
        .keys()
        .map(|(d, _)| d.format("%Y-%m-%d").to_string())
        .collect();
    let one_day = days.windows(2).all(|w| w[0] == w[1]);
    let keys = if one_day {
        vec![text_column(HOUR, names)]
    } else {
        vec![text_column(DAY, days), text_column(HOUR, names)]
    };
    Ok(Body::table(session_frame(keys, &tallies)?))
}

/// Clients by sessions, then by time connected.
fn per_client(context: &Context<'_>) -> PolarsResult<Body> {
    let stats = context.session_stats;
    let mut rows: Vec<(&str, &Tally)> = stats
        .by_client
        .iter()
        .map(|(&client, tally)| (stats.name(client), tally))
        .collect();
    rows.sort_by(|a, b| {
        b.1.connections
            .cmp(&a.1.connections)
            .then(b.1.seconds.total_cmp(&a.1.seconds))
            .then(a.0.cmp(b.0))
    });
    let names: Vec<&str> = rows.iter().map(|r| r.0).collect();
    let tallies: Vec<&Tally> = rows.iter().map(|r| r.1).collect();
    let mut frame = session_frame(vec![text_column(CLIENT, names)], &tallies)?;
    // One client per row: its distinct-clients count says nothing.
    let _ = frame.drop_in_place(CLIENTS)?;
    Ok(Body::table(frame))
}
