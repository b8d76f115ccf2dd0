//! Parquet export of the event frame: typed columns (small vocabularies as
//! categoricals), zstd, statistics, file metadata naming the schema version
//! and the tool; written to a temporary file and renamed into place.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use polars::prelude::{
    Categories, ChunkCompareEq, ChunkFillNullValue, DataFrame, DataType, KeyValueMetadata,
    ParquetCompression, ParquetWriter, PolarsResult, StatisticsOptions, StringChunked,
};

use crate::frame::col;
use crate::input::Input;
use crate::output;

/// Bumped whenever a column is added, removed, renamed or retyped.
pub const SCHEMA_VERSION: &str = "1";

/// Columns with a small vocabulary, stored as categoricals (dictionary
/// encoded in Parquet).
pub const CATEGORICAL: &[&str] = &[
    col::HOST,
    col::INSTANCE,
    col::DAEMON,
    col::KIND,
    col::ACTION,
    col::STAGE,
    col::ENHANCED,
    col::RESTRICTION,
    col::PROTO,
    col::SASL_METHOD,
    col::TLS,
    col::DSN,
    col::STATUS,
    col::REMOTE_COMMAND,
];

/// The frame as exported: categorical columns cast.
pub fn export_frame(df: &DataFrame) -> PolarsResult<DataFrame> {
    let categorical = DataType::from_categories(Categories::global());
    let mut out = df.clone();
    for name in CATEGORICAL {
        let cast = out.column(name)?.cast(&categorical)?;
        out.with_column(cast)?;
    }
    Ok(out)
}

pub fn write_parquet(df: &DataFrame, path: &Path, inputs: &[Input]) -> Result<()> {
    let frame = export_frame(df).context("typing the export columns")?;
    write_parquet_frame(frame, path, inputs)
}

/// `--parquet-dir DIR`: a Hive-partitioned dataset,
/// `DIR/day=YYYY-MM-DD/host=H/events.parquet`, that Spark, Trino, DuckDB and
/// `polars.scan_parquet` read with partition pruning. Each (day, host) of
/// this run is written to one file that replaces the partition's previous
/// content, atomically: re-running a day never duplicates rows, and days not
/// in this run's input are not touched. The partition columns (`day`,
/// `host`) live in the path, not in the files.
pub fn write_dataset(df: &DataFrame, dir: &Path, inputs: &[Input]) -> Result<Vec<PathBuf>> {
    let frame = export_frame(df).context("typing the export columns")?;
    let days = day_strings(&frame)?;
    let hosts = frame
        .column(col::HOST)?
        .cast(&DataType::String)?
        .str()?
        .clone();
    let mut partitions: Vec<(String, String)> = days
        .iter()
        .zip(hosts.iter())
        .map(|(d, h)| {
            (
                d.unwrap_or("unknown").to_string(),
                h.unwrap_or("unknown").to_string(),
            )
        })
        .collect();
    partitions.sort();
    partitions.dedup();

    let mut written = Vec::new();
    for (day, host) in partitions {
        let mask = &days.equal(day.as_str()) & &hosts.equal(host.as_str());
        let part = frame
            .filter(&mask.fill_null_with_values(false)?)?
            .drop(col::HOST)?;
        let partition_dir = dir
            .join(format!("day={day}"))
            .join(format!("host={}", path_safe(&host)));
        std::fs::create_dir_all(&partition_dir)
            .with_context(|| format!("creating {}", partition_dir.display()))?;
        let path = partition_dir.join("events.parquet");
        write_parquet_frame(part, &path, inputs)?;
        // Files other tools or older versions left in the partition would
        // duplicate rows: the partition is exactly this file.
        for entry in std::fs::read_dir(&partition_dir)? {
            let entry = entry?;
            let name = entry.file_name();
            if name != "events.parquet" && name.to_string_lossy().ends_with(".parquet") {
                std::fs::remove_file(entry.path())?;
            }
        }
        written.push(path);
    }
    Ok(written)
}

fn write_parquet_frame(mut frame: DataFrame, path: &Path, inputs: &[Input]) -> Result<()> {
    output::write_atomically(path, inputs, |out| {
        let metadata = KeyValueMetadata::from_static(vec![
            (
                "maillog_report.schema_version".to_string(),
                SCHEMA_VERSION.to_string(),
            ),
            (
                "maillog_report.tool_version".to_string(),
                env!("CARGO_PKG_VERSION").to_string(),
            ),
        ]);
        ParquetWriter::new(out)
            .with_compression(ParquetCompression::Zstd(None))
            .with_statistics(StatisticsOptions::full())
            .with_key_value_metadata(Some(metadata))
            .finish(&mut frame)
            .context("writing Parquet")?;
        Ok(())
    })
}

/// `YYYY-MM-DD` (UTC) of every row.
fn day_strings(frame: &DataFrame) -> Result<StringChunked> {
    let ts = frame.column(col::TS)?.datetime()?.physical().clone();
    Ok(ts
        .iter()
        .map(|t| {
            t.and_then(chrono::DateTime::from_timestamp_micros)
                .map(|d| d.format("%Y-%m-%d").to_string())
        })
        .collect())
}

/// A host name as a path component: anything unusual becomes `_`.
fn path_safe(host: &str) -> String {
    host.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}
