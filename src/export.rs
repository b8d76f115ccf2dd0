//! Parquet export of the event frame: typed columns (small vocabularies as
//! categoricals), zstd, statistics, file metadata naming the schema version
//! and the tool; written to a temporary file and renamed into place.

use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::{
    Categories, DataFrame, DataType, KeyValueMetadata, ParquetCompression, ParquetWriter,
    PolarsResult, StatisticsOptions,
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
    let mut frame = export_frame(df).context("typing the export columns")?;
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
