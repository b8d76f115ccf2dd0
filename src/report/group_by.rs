//! `--group-by COL,…`: events counted by any frame column, or by the hour
//! or day of their timestamp, with distinct recipients and clients and the
//! first and last time seen. Not a registered report: it replaces them.

use polars::prelude::*;

use super::columns::{CLIENTS, DAY, HOUR, RECIPIENTS};
use super::grouping::{grouped, grouped_in_time_order, narrow, Aggregates};
use crate::frame::{col, Projection, SCHEMA};
use crate::parse::EventKind;
use crate::zone::Zone;

/// The JSON key and CSV section of the `--group-by` table.
pub const NAME: &str = "group_by";

/// A `--group-by` key: a frame column, or a time derived from `ts`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupKey {
    Column(&'static str),
    /// Hour of day (in `--tz`), 0–23.
    Hour,
    /// Date (in `--tz`), `YYYY-MM-DD`.
    Day,
}

impl GroupKey {
    /// Every key, in the order `--help` lists them: the derived times, then
    /// the frame's columns but `ts` (a group per microsecond says nothing).
    pub fn all() -> impl Iterator<Item = GroupKey> {
        [GroupKey::Hour, GroupKey::Day].into_iter().chain(
            SCHEMA
                .iter()
                .map(|(name, ..)| *name)
                .filter(|name| *name != col::TS)
                .map(GroupKey::Column),
        )
    }

    pub fn from_name(name: &str) -> Option<GroupKey> {
        GroupKey::all().find(|key| key.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupKey::Column(name) => name,
            GroupKey::Hour => HOUR,
            GroupKey::Day => DAY,
        }
    }

    fn is_time(self) -> bool {
        matches!(self, GroupKey::Hour | GroupKey::Day)
    }
}

/// The frame columns [`compute`] reads for `keys`.
fn columns(keys: &[GroupKey]) -> Vec<&'static str> {
    let mut needed: Vec<&str> = vec![col::TS, col::TO, col::CLIENT_IP];
    needed.extend(keys.iter().filter_map(|key| match key {
        GroupKey::Column(name) => Some(*name),
        _ => None,
    }));
    needed.sort_unstable();
    needed.dedup();
    needed
}

/// What [`compute`] reads: every event, the key columns and the columns of
/// its aggregates.
pub fn reads(keys: &[GroupKey]) -> Projection {
    Projection::NONE
        .with_kinds(&EventKind::ALL)
        .with_columns(&columns(keys))
}

pub fn title(keys: &[GroupKey]) -> String {
    let names: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
    format!("Events by {}", names.join(" × "))
}

/// Events grouped by `keys`: by count, or in time order when a key is a
/// time (an hour or a day of `zone`).
pub fn compute(df: &DataFrame, keys: &[GroupKey], zone: &Zone) -> PolarsResult<DataFrame> {
    let mut work = narrow(df, &columns(keys))?;
    for key in keys.iter().filter(|k| k.is_time()) {
        work.with_column(derived_time(df, *key, zone)?)?;
    }
    let names: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
    let aggregates = Aggregates {
        distinct: &[(col::TO, RECIPIENTS), (col::CLIENT_IP, CLIENTS)],
        first: &[],
        times: true,
    };
    let time_keys: Vec<&str> = keys
        .iter()
        .filter(|k| k.is_time())
        .map(|k| k.as_str())
        .collect();
    if time_keys.is_empty() {
        grouped(&work, &names, &aggregates)
    } else {
        grouped_in_time_order(&work, &names, &time_keys, &aggregates)
    }
}

fn derived_time(df: &DataFrame, key: GroupKey, zone: &Zone) -> PolarsResult<Column> {
    use chrono::Timelike;
    let ts = df.column(col::TS)?.datetime()?.physical().clone();
    let column = if key == GroupKey::Hour {
        let hours: UInt8Chunked = ts
            .iter()
            .map(|t| t.and_then(|us| zone.local(us)).map(|d| d.hour() as u8))
            .collect();
        hours.with_name(HOUR.into()).into_column()
    } else {
        let days: StringChunked = ts
            .iter()
            .map(|t| {
                t.and_then(|us| zone.local(us))
                    .map(|d| d.format("%Y-%m-%d").to_string())
            })
            .collect();
        days.with_name(DAY.into()).into_column()
    };
    Ok(column)
}
