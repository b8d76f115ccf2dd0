//! The standard reports: overview, time range, rejects, reject warnings,
//! bounces and deferrals, and the free `--group-by` table.

use polars::prelude::*;

use super::{deliveries, grouped, narrow, rows_where, Aggregates, Report};
use crate::frame::col;
use crate::parse::EventKind;
use crate::scan::LineCounts;

fn kv_frame(rows: &[(&str, String, u64)]) -> PolarsResult<DataFrame> {
    let section: Vec<&str> = rows.iter().map(|r| r.0).collect();
    let item: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let count: Vec<u64> = rows.iter().map(|r| r.2).collect();
    DataFrame::new_infer_height(vec![
        Column::new("section".into(), section),
        Column::new("item".into(), item),
        Column::new("count".into(), count),
    ])
}

/// Lines read and where they went, events by kind, deliveries by status,
/// distinct recipient domains.
pub fn overview(df: &DataFrame, counts: &LineCounts) -> PolarsResult<Report> {
    let mut rows: Vec<(&str, String, u64)> = vec![
        ("lines", "read".into(), counts.lines),
        ("lines", "events".into(), counts.events),
        ("lines", "known, not reported".into(), counts.known),
        ("lines", "other programs".into(), counts.other_program),
        ("lines", "no syslog header".into(), counts.no_syslog_header),
        (
            "lines",
            "unrecognized Postfix lines".into(),
            counts.unrecognized,
        ),
        ("lines", "too long, skipped".into(), counts.too_long),
        (
            "lines",
            "invalid UTF-8 (also counted above)".into(),
            counts.invalid_utf8,
        ),
    ];
    for kind in EventKind::ALL {
        let n = counts.kind(kind);
        if n > 0 {
            rows.push(("events", kind.as_str().into(), n));
        }
    }
    let kinds = narrow(df, &[col::TS, col::KIND, col::STATUS])?;
    let deliveries = rows_where(&kinds, col::KIND, &[EventKind::Delivery.as_str()])?;
    if deliveries.height() > 0 {
        let by_status = grouped(
            &deliveries,
            &[col::STATUS],
            &Aggregates {
                distinct: &[],
                first: &[],
                times: false,
            },
        )?;
        let status = by_status.column(col::STATUS)?.str()?;
        let count = by_status.column("count")?.u64()?;
        for (s, n) in status.iter().zip(count.iter()) {
            rows.push((
                "deliveries",
                s.unwrap_or("(none)").to_string(),
                n.unwrap_or(0),
            ));
        }
    }
    let domains = df.column(col::TO_DOMAIN)?.drop_nulls().n_unique()? as u64;
    rows.push(("recipients", "distinct recipient domains".into(), domains));
    Ok(Report {
        name: "overview",
        title: "Overview".into(),
        frame: kv_frame(&rows)?,
    })
}

/// First and last timestamp of all events.
pub fn time_range(df: &DataFrame) -> PolarsResult<Report> {
    let ts = df.column(col::TS)?;
    let frame = DataFrame::new_infer_height(vec![
        ts.min_reduce()?.into_column("first".into()),
        ts.max_reduce()?.into_column("last".into()),
    ])?;
    Ok(Report {
        name: "time_range",
        title: "Time range (UTC)".into(),
        frame,
    })
}

/// Policy actions of `kinds` by recipient domain × code × enhanced code ×
/// restriction × reason.
pub fn actions_by_domain(
    df: &DataFrame,
    kinds: &[&str],
    name: &'static str,
    title: &str,
) -> PolarsResult<Report> {
    let needed = [
        col::TS,
        col::KIND,
        col::TO_DOMAIN,
        col::CODE,
        col::ENHANCED,
        col::RESTRICTION,
        col::REASON,
        col::TO,
        col::CLIENT_IP,
    ];
    let rows = rows_where(&narrow(df, &needed)?, col::KIND, kinds)?;
    let frame = grouped(
        &rows,
        &[
            col::TO_DOMAIN,
            col::CODE,
            col::ENHANCED,
            col::RESTRICTION,
            col::REASON,
        ],
        &Aggregates {
            distinct: &[(col::TO, "recipients"), (col::CLIENT_IP, "clients")],
            first: &[],
            times: true,
        },
    )?;
    Ok(Report {
        name,
        title: title.into(),
        frame,
    })
}

/// Bounced, deferred and otherwise failed deliveries by status × recipient
/// domain × dsn × reason, with the number of relays and one of them.
pub fn failed_deliveries(df: &DataFrame) -> PolarsResult<Report> {
    let failed = deliveries(
        df,
        &["bounced", "deferred", "SOFTBOUNCE", "undeliverable"],
        &[
            col::TO_DOMAIN,
            col::DSN,
            col::CODE,
            col::REASON,
            col::TO,
            col::RELAY_HOST,
        ],
    )?;
    let frame = grouped(
        &failed,
        &[
            col::STATUS,
            col::TO_DOMAIN,
            col::DSN,
            col::CODE,
            col::REASON,
        ],
        &Aggregates {
            distinct: &[(col::TO, "recipients"), (col::RELAY_HOST, "relays")],
            first: &[(col::RELAY_HOST, "relay")],
            times: true,
        },
    )?;
    Ok(Report {
        name: "failed_deliveries",
        title: "Bounces and deferrals by recipient domain".into(),
        frame,
    })
}

/// Successful deliveries by recipient domain.
pub fn deliveries_by_domain(df: &DataFrame) -> PolarsResult<Report> {
    let sent = deliveries(df, &["sent"], &[col::TO_DOMAIN, col::TO, col::RELAY_HOST])?;
    let frame = grouped(
        &sent,
        &[col::TO_DOMAIN],
        &Aggregates {
            distinct: &[(col::TO, "recipients"), (col::RELAY_HOST, "relays")],
            first: &[],
            times: true,
        },
    )?;
    Ok(Report {
        name: "deliveries",
        title: "Deliveries (status=sent) by recipient domain".into(),
        frame,
    })
}

/// Derived columns that `--group-by` accepts besides the frame's own.
pub const DERIVED: &[(&str, &str)] = &[
    ("hour", "hour of day (UTC), 0-23"),
    ("day", "date (UTC), YYYY-MM-DD"),
];

/// `--group-by COL,…` over any frame column or derived column.
pub fn group_by(df: &DataFrame, keys: &[String]) -> PolarsResult<Report> {
    let mut needed: Vec<&str> = vec![col::TS, col::TO, col::CLIENT_IP];
    needed.extend(
        keys.iter()
            .map(String::as_str)
            .filter(|k| !matches!(*k, "hour" | "day")),
    );
    needed.sort_unstable();
    needed.dedup();
    let mut work = narrow(df, &needed)?;
    for key in keys {
        if key == "hour" || key == "day" {
            work.with_column(derived_time(df, key)?)?;
        }
    }
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let frame = grouped(
        &work,
        &key_refs,
        &Aggregates {
            distinct: &[(col::TO, "recipients"), (col::CLIENT_IP, "clients")],
            first: &[],
            times: true,
        },
    )?;
    Ok(Report {
        name: "group_by",
        title: format!("Events by {}", keys.join(" × ")),
        frame,
    })
}

fn derived_time(df: &DataFrame, which: &str) -> PolarsResult<Column> {
    let ts = df.column(col::TS)?.datetime()?.physical().clone();
    let column = if which == "hour" {
        let hours: UInt8Chunked = ts
            .iter()
            .map(|t| t.map(|us| (us.div_euclid(3_600_000_000).rem_euclid(24)) as u8))
            .collect();
        hours.with_name("hour".into()).into_column()
    } else {
        let days: StringChunked = ts
            .iter()
            .map(|t| {
                t.and_then(chrono::DateTime::from_timestamp_micros)
                    .map(|d| d.format("%Y-%m-%d").to_string())
            })
            .collect();
        days.with_name("day".into()).into_column()
    };
    Ok(column)
}
