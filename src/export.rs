//! Parquet export of the event frame: typed columns (small vocabularies as
//! categoricals), zstd, statistics, file metadata naming the schema version
//! and the tool; written to a temporary file and renamed into place.
//!
//! `--parquet` and `--parquet-dir` are streamed: the scan hands each
//! block's rows over in input order ([`crate::scan::Sink`]), and a row
//! group is written every [`ROW_GROUP_ROWS`] rows, so memory holds one row
//! group, not the frame, and the writing overlaps the scan. The files hold
//! the same rows in the same order, with the same schema and metadata, as
//! the whole-frame export ([`write_parquet`], [`write_dataset`]: kept for
//! the messages file and as the reference the tests compare with).

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use polars::prelude::{
    BatchedWriter, Categories, ChunkCompareEq, ChunkFillNullValue, DataFrame, DataType,
    Int64Chunked, KeyValueMetadata, ParquetCompression, ParquetWriter, PolarsResult, Schema,
    StatisticsOptions, StringChunked,
};

use crate::frame::{self, col, Projection};
use crate::input::Extent;
use crate::messages::Messages;
use crate::output::{self, AtomicFile};
use crate::scan::Sink;

/// Rows per row group of a streamed file: about what the whole-frame
/// export gets from its chunks, within the memory of a few blocks.
pub const ROW_GROUP_ROWS: usize = 96 * 1024;

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
/// 4: `from` dictionary encoded (a null costs the frame 4 bytes instead of
/// a 16-byte string view; senders recur).
pub const SCHEMA_VERSION: &str = "4";

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
pub fn write_messages(messages: &Messages, path: &Path, inputs: &[String]) -> Result<()> {
    let frame = messages.to_frame().context("building the messages table")?;
    write_parquet_with_version(frame, path, inputs, MESSAGES_SCHEMA_VERSION)
}

pub fn write_parquet(df: &DataFrame, path: &Path, inputs: &[String]) -> Result<()> {
    let frame = export_frame(df).context("typing the export columns")?;
    write_parquet_frame(frame, path, inputs)
}

/// `--parquet-dir DIR`: a Hive-partitioned dataset,
/// `DIR/day=YYYY-MM-DD/host=H/events-<run>.parquet`, that Spark, Trino,
/// DuckDB and `polars.scan_parquet` read with partition pruning. The
/// partition columns (`day`, `host`) live in the path, not in the files.
///
/// `inputs` are the names (for refusing to overwrite one) and `read` the
/// extent of each input's content (for the fingerprint).
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
    inputs: &[String],
    read: &[Extent],
    events: &[&str],
) -> Result<Vec<PathBuf>> {
    let frame = export_frame(df).context("typing the export columns")?;
    let file_name = format!("{}.parquet", dataset_file_stem(read, events));
    let partitions = Partitions::of(&frame)?;
    let mut written = Vec::new();
    for partition in &partitions.keys {
        let part = partitions.rows(&frame, partition)?.drop(col::HOST)?;
        let partition_dir = partition.dir(dir);
        std::fs::create_dir_all(&partition_dir)
            .with_context(|| format!("creating {}", partition_dir.display()))?;
        let path = partition_dir.join(&file_name);
        write_parquet_frame(part, &path, inputs)?;
        written.push(path);
    }
    Ok(written)
}

fn write_parquet_frame(frame: DataFrame, path: &Path, inputs: &[String]) -> Result<()> {
    write_parquet_with_version(frame, path, inputs, SCHEMA_VERSION)
}

/// The writer of every file: zstd, full statistics, our metadata.
fn parquet_writer<W: std::io::Write>(out: W, schema_version: &str) -> ParquetWriter<W> {
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
}

fn write_parquet_with_version(
    mut frame: DataFrame,
    path: &Path,
    inputs: &[String],
    schema_version: &str,
) -> Result<()> {
    output::write_atomically(path, inputs, |out| {
        parquet_writer(out, schema_version)
            .finish(&mut frame)
            .context("writing Parquet")?;
        Ok(())
    })
}

/// The schema of the exported rows of `projection` (`--event` applied).
pub fn export_schema(projection: &Projection) -> Result<Schema> {
    Ok(export_frame(&frame::empty(projection))?
        .schema()
        .as_ref()
        .clone())
}

/// One Parquet file written row group by row group.
pub struct ParquetStream {
    file: AtomicFile,
    writer: Writer,
    pending: Vec<DataFrame>,
    pending_rows: usize,
}

/// Where row groups are encoded: here, or on a thread of their own, so that
/// the scan goes on while a row group is compressed (`--parquet`).
enum Writer {
    Inline(Box<BatchedWriter<BufWriter<File>>>),
    Background {
        groups: std::sync::mpsc::SyncSender<DataFrame>,
        done: std::thread::JoinHandle<Result<()>>,
    },
}

impl ParquetStream {
    /// A file at `path` (refused if it is one of `inputs`) for rows of
    /// `schema`; row groups encoded on a thread of their own if
    /// `background`.
    pub fn create(
        path: &Path,
        inputs: &[String],
        schema: &Schema,
        background: bool,
    ) -> Result<ParquetStream> {
        let file = AtomicFile::create(path, inputs)?;
        let out = BufWriter::with_capacity(1 << 20, file.handle()?);
        let writer = parquet_writer(out, SCHEMA_VERSION)
            .batched(schema)
            .context("starting the Parquet file")?;
        let writer = if background {
            // A group is handed over when the one before it is encoded:
            // one group encoded, the next one filling or waiting.
            let (groups, received) = std::sync::mpsc::sync_channel::<DataFrame>(0);
            let mut writer = writer;
            let done = std::thread::spawn(move || {
                for group in received {
                    write_group(&mut writer, group)?;
                }
                writer.finish().context("writing Parquet")?;
                Ok(())
            });
            Writer::Background { groups, done }
        } else {
            Writer::Inline(Box::new(writer))
        };
        Ok(ParquetStream {
            file,
            writer,
            pending: Vec::new(),
            pending_rows: 0,
        })
    }

    /// Appends rows; a row group is written once enough have come.
    pub fn push(&mut self, rows: DataFrame) -> Result<()> {
        if rows.height() == 0 {
            return Ok(());
        }
        self.pending_rows += rows.height();
        self.pending.push(rows);
        if self.pending_rows >= ROW_GROUP_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the rows held as one row group.
    fn flush(&mut self) -> Result<()> {
        let mut pending = std::mem::take(&mut self.pending).into_iter();
        self.pending_rows = 0;
        let Some(mut group) = pending.next() else {
            return Ok(());
        };
        for rows in pending {
            group
                .vstack_mut_owned(rows)
                .context("stacking rows of one schema")?;
        }
        match &mut self.writer {
            Writer::Inline(writer) => write_group(writer, group),
            Writer::Background { groups, .. } => {
                // A closed channel: the thread stopped on an error, which
                // `finish` reports.
                let _ = groups.send(group);
                Ok(())
            }
        }
    }

    /// Rows not yet written.
    fn held(&self) -> usize {
        self.pending_rows
    }

    /// Writes the rest and the footer, and renames the file into place.
    pub fn finish(self) -> Result<()> {
        self.close()?.commit()
    }

    /// Writes the rest and the footer and closes the file, which then
    /// waits to be renamed into place: the writer's buffers and state are
    /// gone.
    fn close(mut self) -> Result<AtomicFile> {
        self.flush()?;
        match self.writer {
            Writer::Inline(writer) => {
                writer.finish().context("writing Parquet")?;
            }
            Writer::Background { groups, done } => {
                drop(groups);
                done.join()
                    .map_err(|_| anyhow::anyhow!("the Parquet writer panicked"))??;
            }
        }
        // The writer flushed its buffer in `finish`; the handle is synced.
        self.file.close()?;
        Ok(self.file)
    }
}

/// Writes one row group (its columns in one chunk each).
fn write_group(writer: &mut BatchedWriter<BufWriter<File>>, mut group: DataFrame) -> Result<()> {
    group.rechunk_mut_par();
    writer.write_batch(&group).context("writing Parquet")
}

/// `--parquet FILE`, streamed.
pub struct ParquetSink {
    stream: Option<ParquetStream>,
    error: Option<anyhow::Error>,
}

impl ParquetSink {
    pub fn create(path: &Path, inputs: &[String], projection: &Projection) -> Result<ParquetSink> {
        let schema = export_schema(projection)?;
        Ok(ParquetSink {
            stream: Some(ParquetStream::create(path, inputs, &schema, true)?),
            error: None,
        })
    }

    /// Renames the file into place, or tells why it could not be written.
    pub fn finish(mut self) -> Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.stream
            .take()
            .context("the file was not started")?
            .finish()
    }
}

impl Sink for ParquetSink {
    fn block(&mut self, _: usize, rows: Option<&DataFrame>, _: &[u8]) {
        let (Some(stream), Some(rows)) = (&mut self.stream, rows) else {
            return;
        };
        if let Err(e) = stream.push(rows.clone()) {
            self.error = Some(e);
            self.stream = None;
        }
    }
}

/// `--parquet-dir DIR`, streamed: one [`ParquetStream`] per partition,
/// opened when its first row comes and closed when the input has moved on
/// to a later day (a block's last row is in it), so that the writers open
/// are those of the hosts of a day or two, whatever the input's span; the
/// file names (the run's fingerprint) are given at the end. A day met
/// again (an input out of order) gets another part file.
pub struct DatasetSink {
    dir: PathBuf,
    inputs: Vec<String>,
    schema: Schema,
    parts: BTreeMap<Partition, ParquetStream>,
    /// Written part files waiting for their names, in the order closed.
    closed: Vec<(Partition, AtomicFile)>,
    error: Option<anyhow::Error>,
}

impl DatasetSink {
    pub fn create(dir: &Path, inputs: &[String], projection: &Projection) -> Result<DatasetSink> {
        let mut schema = export_schema(projection)?;
        schema.shift_remove(col::HOST);
        Ok(DatasetSink {
            dir: dir.to_path_buf(),
            inputs: inputs.to_vec(),
            schema,
            parts: BTreeMap::new(),
            closed: Vec::new(),
            error: None,
        })
    }

    fn add(&mut self, frame: &DataFrame) -> Result<()> {
        let partitions = Partitions::of(frame)?;
        let whole = partitions.keys.len() == 1;
        for key in partitions.keys.iter() {
            let rows = if whole {
                frame.clone()
            } else {
                partitions.rows(frame, key)?
            }
            .drop(col::HOST)?;
            if !self.parts.contains_key(key) {
                let partition_dir = key.dir(&self.dir);
                std::fs::create_dir_all(&partition_dir)
                    .with_context(|| format!("creating {}", partition_dir.display()))?;
                // Named when the run's fingerprint is known.
                let path = partition_dir.join("events.parquet");
                let stream = ParquetStream::create(&path, &self.inputs, &self.schema, false)?;
                self.parts.insert(key.clone(), stream);
            }
            self.parts
                .get_mut(key)
                .expect("inserted above")
                .push(rows)?;
        }
        if let Some(today) = partitions.days.get(frame.height() - 1) {
            let left: Vec<Partition> = self
                .parts
                .keys()
                .filter(|p| p.day.is_some_and(|d| d < today))
                .cloned()
                .collect();
            for key in left {
                let stream = self.parts.remove(&key).expect("a key of parts");
                self.closed.push((key, stream.close()?));
            }
        }
        // Rows held across partitions stay within a row group's worth.
        while self.parts.values().map(ParquetStream::held).sum::<usize>() > ROW_GROUP_ROWS {
            let fullest = self
                .parts
                .values_mut()
                .max_by_key(|p| p.held())
                .expect("rows are held");
            fullest.flush()?;
        }
        Ok(())
    }

    /// How many partitions have a writer open.
    pub fn open_partitions(&self) -> usize {
        self.parts.len()
    }

    /// Names every file after the run (`read`: each input's content;
    /// `events`: the `--event` filter) and renames them into place.
    pub fn finish(mut self, read: &[Extent], events: &[&str]) -> Result<Vec<PathBuf>> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let run = dataset_file_stem(read, events);
        let mut closed = std::mem::take(&mut self.closed);
        for (key, stream) in std::mem::take(&mut self.parts) {
            closed.push((key, stream.close()?));
        }
        // Each partition's parts in the order written: `events-<run>`,
        // then `events-<run>-2`, ...
        let mut parts_of: BTreeMap<Partition, usize> = BTreeMap::new();
        let mut written = Vec::new();
        for (key, mut file) in closed {
            let part = parts_of.entry(key.clone()).or_default();
            *part += 1;
            let name = match *part {
                1 => format!("{run}.parquet"),
                n => format!("{run}-{n}.parquet"),
            };
            let path = key.dir(&self.dir).join(name);
            file.retarget(path.clone());
            file.commit()?;
            written.push(path);
        }
        written.sort();
        Ok(written)
    }
}

impl Sink for DatasetSink {
    fn block(&mut self, _: usize, rows: Option<&DataFrame>, _: &[u8]) {
        let Some(rows) = rows.filter(|r| r.height() > 0) else {
            return;
        };
        if self.error.is_none() {
            if let Err(e) = self.add(rows) {
                self.error = Some(e);
                self.parts.clear();
                self.closed.clear();
            }
        }
    }
}

/// A dataset partition: a UTC day (days since 1970-01-01) and a host;
/// `None` for rows without one (named `unknown`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Partition {
    day: Option<i64>,
    host: Option<String>,
}

impl Partition {
    /// `DIR/day=YYYY-MM-DD/host=HOST` (the host escaped, [`hive_escape`]).
    fn dir(&self, dir: &Path) -> PathBuf {
        let day = self
            .day
            .and_then(|d| chrono::DateTime::from_timestamp(d * SECONDS_PER_DAY, 0))
            .map_or_else(
                || "unknown".to_string(),
                |d| d.format("%Y-%m-%d").to_string(),
            );
        let host = self.host.as_deref().unwrap_or("unknown");
        dir.join(format!("day={day}"))
            .join(format!("host={}", hive_escape(host)))
    }
}

const SECONDS_PER_DAY: i64 = 86_400;

/// The rows of an exported frame by partition: each row's day number and
/// host (compared, not formatted, per row), and each partition once, in
/// order.
struct Partitions {
    days: Int64Chunked,
    hosts: StringChunked,
    keys: Vec<Partition>,
}

impl Partitions {
    fn of(frame: &DataFrame) -> Result<Partitions> {
        let days: Int64Chunked = frame
            .column(col::TS)?
            .datetime()?
            .physical()
            .iter()
            .map(|t| t.map(|t| t.div_euclid(SECONDS_PER_DAY * 1_000_000)))
            .collect();
        let hosts = frame
            .column(col::HOST)?
            .cast(&DataType::String)?
            .str()?
            .clone();
        let distinct: BTreeSet<(Option<i64>, Option<&str>)> =
            days.iter().zip(hosts.iter()).collect();
        let keys = distinct
            .into_iter()
            .map(|(day, host)| Partition {
                day,
                host: host.map(str::to_string),
            })
            .collect();
        Ok(Partitions { days, hosts, keys })
    }

    /// `frame`'s rows of `partition`.
    fn rows(&self, frame: &DataFrame, partition: &Partition) -> Result<DataFrame> {
        let day = match partition.day {
            Some(day) => self.days.equal(day),
            None => self.days.is_null(),
        };
        let host = match &partition.host {
            Some(host) => self.hosts.equal(host.as_str()),
            None => self.hosts.is_null(),
        };
        let mask = (&day & &host).fill_null_with_values(false)?;
        Ok(frame.filter(&mask)?)
    }
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

/// `events-<run>`: the name of a run's part files, without `.parquet`.
fn dataset_file_stem(read: &[Extent], events: &[&str]) -> String {
    format!("events-{:016x}", run_fingerprint(read, events))
}

/// FNV-1a over what identifies this run's input: each input's size and its
/// first and last 64 KiB, and the `--event` filter. Cheap on a 10 GB log and
/// stable across runs on the same file, however it is read.
fn run_fingerprint(read: &[Extent], events: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for extent in read {
        feed(&extent.len.to_le_bytes());
        feed(&extent.head);
        feed(&extent.tail);
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
