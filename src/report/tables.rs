//! The standard reports: overview, time range, rejects, reject warnings,
//! bounces and deferrals, and the free `--group-by` table.

use polars::prelude::*;

use super::{deliveries, grouped, narrow, rows_where, Aggregates, Report};
use crate::frame::{col, Projection};
use crate::parse::EventKind;
use crate::scan::LineCounts;

/// What [`actions_by_domain`] reads of the policy actions.
const ACTION_COLUMNS: &[&str] = &[
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

/// What [`failed_deliveries`] reads of the deliveries (besides what
/// [`deliveries`] always reads).
const FAILED_COLUMNS: &[&str] = &[
    col::TO_DOMAIN,
    col::DSN,
    col::CODE,
    col::REASON,
    col::TO,
    col::RELAY_HOST,
];

/// What [`deliveries_by_domain`] reads of the deliveries.
const SENT_COLUMNS: &[&str] = &[col::TO_DOMAIN, col::TO, col::RELAY_HOST];

/// The rows and columns [`super::deliveries`] reads, plus `columns`.
pub fn deliveries_needs(columns: &[&str]) -> Projection {
    Projection::NONE
        .with_kinds(&[EventKind::Delivery])
        .with_columns(&[col::KIND, col::STATUS])
        .with_columns(columns)
}

/// What [`overview`] reads: the status of deliveries, and the recipient
/// domain of every event that has a recipient.
pub fn overview_needs() -> Projection {
    deliveries_needs(&[col::TO_DOMAIN]).with_recipients_of(&EventKind::ALL)
}

/// What [`actions_by_domain`] reads for `kinds`.
pub fn actions_needs(kinds: &[EventKind]) -> Projection {
    Projection::NONE
        .with_kinds(kinds)
        .with_columns(ACTION_COLUMNS)
}

pub fn failed_needs() -> Projection {
    deliveries_needs(FAILED_COLUMNS)
}

pub fn deliveries_by_domain_needs() -> Projection {
    deliveries_needs(SENT_COLUMNS)
}

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

/// First and last timestamp of the events of `kinds`, from the scan's
/// counts: the frame need not hold them all.
pub fn time_range(counts: &LineCounts, kinds: &[EventKind]) -> PolarsResult<Report> {
    let span = counts.span(kinds);
    let stamp = |name: &str, value: Option<i64>| {
        Int64Chunked::from_iter_options(name.into(), [value].into_iter())
            .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
            .into_column()
    };
    let frame = DataFrame::new_infer_height(vec![
        stamp("first", span.map(|s| s.0)),
        stamp("last", span.map(|s| s.1)),
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
    kinds: &[EventKind],
    name: &'static str,
    title: &str,
) -> PolarsResult<Report> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let rows = rows_where(&narrow(df, ACTION_COLUMNS)?, col::KIND, &kinds)?;
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
        FAILED_COLUMNS,
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
    let sent = deliveries(df, &["sent"], SENT_COLUMNS)?;
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

/// The frame columns [`group_by`] reads for `keys`.
fn group_by_columns(keys: &[String]) -> Vec<&str> {
    let mut needed: Vec<&str> = vec![col::TS, col::TO, col::CLIENT_IP];
    needed.extend(
        keys.iter()
            .map(String::as_str)
            .filter(|k| !DERIVED.iter().any(|(name, _)| name == k)),
    );
    needed.sort_unstable();
    needed.dedup();
    needed
}

/// What [`group_by`] reads: every event, the key columns and the columns
/// of its aggregates.
pub fn group_by_needs(keys: &[String]) -> Projection {
    Projection::NONE
        .with_kinds(&EventKind::ALL)
        .with_columns(&group_by_columns(keys))
}

/// `--group-by COL,…` over any frame column or derived column.
pub fn group_by(df: &DataFrame, keys: &[String]) -> PolarsResult<Report> {
    let mut work = narrow(df, &group_by_columns(keys))?;
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
