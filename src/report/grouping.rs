//! The polars work of `--group-by`: narrowing the frame to the columns it
//! reads and grouping with counts, distinct values and first/last seen;
//! and the aggregates and reads of the report tables, which
//! [`super::tally`] counts in place.

use polars::prelude::*;

use super::columns::{COUNT, FIRST_SEEN, LAST_SEEN};
use crate::frame::{col, Projection};
use crate::parse::EventKind;

/// The frame with only `columns`: filtering a narrow frame copies only what a
/// report reads (filtering all 45 columns for every report cost more than
/// the reports themselves).
pub fn narrow(df: &DataFrame, columns: &[&str]) -> PolarsResult<DataFrame> {
    df.select(columns.iter().copied())
}

/// The rows and columns the delivery tables read
/// ([`super::Context::final_deliveries`]), plus `columns`.
pub fn deliveries_needs(columns: &[&str]) -> Projection {
    Projection::NONE
        .with_kinds(&[EventKind::Delivery])
        .with_columns(&[col::KIND, col::STATUS])
        .with_columns(columns)
}

/// Aggregates of [`grouped`]: each a column name in the input and the name of
/// the result column.
pub struct Aggregates<'a> {
    /// `n_unique` of these columns (nulls not counted).
    pub distinct: &'a [(&'a str, &'a str)],
    /// First value (in log order) of these columns: an example.
    pub first: &'a [(&'a str, &'a str)],
    /// Add `first_seen`/`last_seen` from `ts`.
    pub times: bool,
}

/// Groups `df` by `keys` and computes [`COUNT`] plus the [`Aggregates`],
/// sorted by count (descending), then by the keys: the same input always
/// gives the same output.
pub fn grouped(df: &DataFrame, keys: &[&str], aggs: &Aggregates<'_>) -> PolarsResult<DataFrame> {
    let out = aggregated(df, keys, aggs)?;
    let mut by = vec![COUNT];
    by.extend_from_slice(keys);
    let mut descending = vec![false; by.len()];
    descending[0] = true;
    sorted(out, &by, &descending)
}

/// [`grouped`] for keys that are times (`day`, `hour`): rows in time order,
/// then by count (descending), then by the other keys.
pub fn grouped_in_time_order(
    df: &DataFrame,
    keys: &[&str],
    time_keys: &[&str],
    aggs: &Aggregates<'_>,
) -> PolarsResult<DataFrame> {
    let out = aggregated(df, keys, aggs)?;
    let mut by: Vec<&str> = time_keys.to_vec();
    by.push(COUNT);
    by.extend(keys.iter().filter(|k| !time_keys.contains(k)));
    let descending: Vec<bool> = by.iter().map(|c| *c == COUNT).collect();
    sorted(out, &by, &descending)
}

fn sorted(df: DataFrame, by: &[&str], descending: &[bool]) -> PolarsResult<DataFrame> {
    df.sort(
        by.iter().copied(),
        SortMultipleOptions::default()
            .with_order_descending_multi(descending.iter().copied())
            .with_nulls_last(true)
            .with_maintain_order(true),
    )
}

/// The groups of `df` by `keys` with their [`COUNT`] and [`Aggregates`],
/// unsorted.
///
/// Uses polars' eager group-by aggregations, deprecated in favour of the lazy
/// API: the `lazy` feature would roughly double the build (see Cargo.toml),
/// and the version is pinned.
#[allow(deprecated)]
fn aggregated(df: &DataFrame, keys: &[&str], aggs: &Aggregates<'_>) -> PolarsResult<DataFrame> {
    // n_unique counts null as a value: a per-source "is null" flag, whose max
    // per group is 1 when the group holds a null, corrects for that.
    let mut flags = Vec::new();
    for (source, _) in aggs.distinct {
        let is_null = df.column(source)?.is_null().cast(&DataType::UInt64)?;
        flags.push(Column::new(format!("__null_{source}").into(), is_null));
    }
    let work = df.hstack(&flags)?;
    let groups = work.group_by_stable(keys.iter().copied())?;
    let agg = |columns: &[&str], f: fn(GroupBy<'_>) -> PolarsResult<DataFrame>, name: &str| {
        let result = f(groups.clone().select(columns.iter().copied()))?;
        let mut c = result
            .columns()
            .last()
            .expect("an aggregate column")
            .clone();
        c.rename(name.into());
        PolarsResult::Ok(c)
    };
    let mut columns: Vec<Column> = groups.keys();
    columns.push(agg(&[col::TS], |g| g.count(), COUNT)?.cast(&DataType::UInt64)?);
    for (source, name) in aggs.distinct {
        let with_null = agg(&[source], |g| g.n_unique(), name)?.cast(&DataType::UInt64)?;
        let flag = format!("__null_{source}");
        let has_null = agg(&[flag.as_str()], |g| g.max(), name)?;
        let mut distinct =
            (with_null.as_materialized_series() - has_null.as_materialized_series())?;
        distinct.rename((*name).into());
        columns.push(distinct.into_column());
    }
    for (source, name) in aggs.first {
        columns.push(agg(&[source], |g| g.first(), name)?);
    }
    if aggs.times {
        columns.push(agg(&[col::TS], |g| g.min(), FIRST_SEEN)?);
        columns.push(agg(&[col::TS], |g| g.max(), LAST_SEEN)?);
    }
    // Categorical keys and examples leave as strings: the group tables are
    // small, and readers of a report need not know how a column is stored.
    let columns = columns
        .into_iter()
        .map(|c| match c.dtype() {
            DataType::Categorical(..) => c.cast(&DataType::String),
            _ => Ok(c),
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new_infer_height(columns)
}
