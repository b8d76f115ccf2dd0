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
use crate::messages::Messages;
use crate::output;

/// Bumped whenever a column is added, removed, renamed or retyped.
/// 2: `to_domain`, `from_domain`, `reason`, `relay_host`, `to`, `client_ip`
/// dictionary encoded.
/// 3: `line` removed (line numbers come from the scan's index of offsets);
/// `client_name`, `helo`, `sasl_username`, `relay_ip` dictionary encoded;
/// `reason` of a warning, error, fatal or panic is its normalized message.
/// Session events (`connect`, `disconnect`, `tls`, `postscreen`, …) and
/// their columns `counters`, `tls_level`, `tls_protocol`, `tls_cipher`,
/// `tls_bits`, `value`, `dnsbl` (the categorical ones dictionary encoded);
/// smtpd's SASL failures are `sasl_failure` events, no longer `warning`.
pub const SCHEMA_VERSION: &str = "3";

pub use crate::frame::CATEGORICAL;

/// The frame as exported: categorical columns cast (a no-op for a frame the
/// scan built, which has them categorical already).
pub fn export_frame(df: &DataFrame) -> PolarsResult<DataFrame> {
    let categorical = DataType::from_categories(Categories::global());
    let mut out = df.clone();
    for name in CATEGORICAL {
        let cast = out.column(name)?.cast(&categorical)?;
        out.with_column(cast)?;
    }
    Ok(out)
}

/// Bumped whenever a column of the messages file changes.
pub const MESSAGES_SCHEMA_VERSION: &str = "1";

/// `--parquet-messages FILE`: one row per message (see
/// [`crate::messages::Messages::to_frame`]).
pub fn write_messages(messages: &Messages, path: &Path, inputs: &[Input]) -> Result<()> {
    let frame = messages.to_frame().context("building the messages table")?;
    write_parquet_with_version(frame, path, inputs, MESSAGES_SCHEMA_VERSION)
}

pub fn write_parquet(df: &DataFrame, path: &Path, inputs: &[Input]) -> Result<()> {
    let frame = export_frame(df).context("typing the export columns")?;
    write_parquet_frame(frame, path, inputs)
}

/// `--parquet-dir DIR`: a Hive-partitioned dataset,
/// `DIR/day=YYYY-MM-DD/host=H/events-<run>.parquet`, that Spark, Trino,
/// DuckDB and `polars.scan_parquet` read with partition pruning. The
/// partition columns (`day`, `host`) live in the path, not in the files.
///
/// `<run>` is a fingerprint of this run's input (size, head and tail of every
/// input, and the `--event` filter): re-running the same input replaces its own
/// files, so a re-run never duplicates rows, while the next night's rotated log
/// adds its own files, also to a day an earlier log already covered in part
/// (logrotate does not rotate at UTC midnight). Days not in the input are
/// never touched. Each file is written atomically.
pub fn write_dataset(
    df: &DataFrame,
    dir: &Path,
    inputs: &[Input],
    events: &[&str],
) -> Result<Vec<PathBuf>> {
    let frame = export_frame(df).context("typing the export columns")?;
    let file_name = format!("events-{:016x}.parquet", run_fingerprint(inputs, events));
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
            .join(format!("host={}", hive_escape(&host)));
        std::fs::create_dir_all(&partition_dir)
            .with_context(|| format!("creating {}", partition_dir.display()))?;
        let path = partition_dir.join(&file_name);
        write_parquet_frame(part, &path, inputs)?;
        written.push(path);
    }
    Ok(written)
}

fn write_parquet_frame(frame: DataFrame, path: &Path, inputs: &[Input]) -> Result<()> {
    write_parquet_with_version(frame, path, inputs, SCHEMA_VERSION)
}

fn write_parquet_with_version(
    mut frame: DataFrame,
    path: &Path,
    inputs: &[Input],
    schema_version: &str,
) -> Result<()> {
    output::write_atomically(path, inputs, |out| {
        let metadata = KeyValueMetadata::from_static(vec![
            (
                "maillog_report.schema_version".to_string(),
                schema_version.to_string(),
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

/// A value as a Hive partition path component: characters other than
/// letters, digits, `.`, `-` and `_` become `%XX` (as Spark and Hive escape
/// them), so two hosts never share a folder and the value can be decoded.
fn hive_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// FNV-1a over what identifies this run's input: each input's size and its
/// first and last 64 KiB, and the `--event` filter. Cheap on a 10 GB log and
/// stable across runs on the same file.
fn run_fingerprint(inputs: &[Input], events: &[&str]) -> u64 {
    const WINDOW: usize = 64 * 1024;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for input in inputs {
        let data: &[u8] = &input.data;
        feed(&(data.len() as u64).to_le_bytes());
        feed(&data[..data.len().min(WINDOW)]);
        feed(&data[data.len().saturating_sub(WINDOW)..]);
    }
    for event in events {
        feed(event.as_bytes());
        feed(b"\0");
    }
    hash
}

#[cfg(test)]
mod tests {
    #[test]
    fn hive_escape_keeps_hosts_apart() {
        assert_eq!(super::hive_escape("relay.example-1_a"), "relay.example-1_a");
        assert_eq!(super::hive_escape("mx:1"), "mx%3A1");
        assert_ne!(super::hive_escape("mx:1"), super::hive_escape("mx_1"));
        assert_eq!(super::hive_escape("a/b"), "a%2Fb");
    }
}
