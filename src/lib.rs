//! maillog-report: Postfix mail logs in, answers out.
//!
//! The pipeline, one module per step, data flowing one way:
//!
//! ```text
//! input (mmap | read | gunzip) -> scan (chunks on rayon: parse -> frame builders)
//!     -> frame (one polars DataFrame) -> report (group, sort) -> render (table|json|csv|markdown)
//! ```
//!
//! - [`input`]: opening files and standard input, and cutting them into chunks;
//! - [`parse`]: one line to one event, without allocating;
//! - [`restriction`]: which restriction a reply came from, and what to change;
//! - [`frame`]: the event frame's schema and per-chunk column builders;
//! - [`scan`]: the parallel phase and the line accounting;
//! - [`report`]: the tables, and how they are printed;
//! - [`export`]: the frame as Parquet for analysts.

pub mod cli;
pub mod export;
pub mod frame;
pub mod input;
pub mod output;
pub mod parse;
pub mod report;
pub mod restriction;
pub mod scan;

use std::io::Write;

use anyhow::{bail, Context, Result};
use polars::prelude::*;

use cli::{Config, ReportName};
use frame::Projection;
use parse::EventKind;
use report::{render, tables, Report};

/// Exit statuses, as documented in `--help` and the README.
pub mod exit {
    pub const OK: u8 = 0;
    pub const INPUT_PROBLEM: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const OUTPUT_PROBLEM: u8 = 3;
}

/// A usage error found after argument parsing (bad column name, …).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Runs one invocation: reads every input, prints the reports to `out` and
/// problems to `err`; returns the exit status.
pub fn run(config: &Config, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    validate(config)?;
    let mut status = exit::OK;
    let mut inputs = Vec::new();
    for name in &config.files {
        let (input, problem) = input::load(name, config.mmap, config.max_decompressed);
        if let Some(problem) = problem {
            writeln!(err, "maillog-report: {problem}")?;
            if !problem.notice {
                status = exit::INPUT_PROBLEM;
            }
        }
        inputs.extend(input);
    }

    let options = scan::ScanOptions {
        chunks: config.threads * 4,
        year: config.year,
        bsd_utc_offset_secs: config.utc_offset_secs,
        max_line: config.max_line,
        projection: projection(config),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .context("starting worker threads")?;
    let bar = progress_bar(&inputs);
    let scanned = pool.install(|| scan::scan_with_progress(&inputs, &options, &|n| bar.inc(n)));
    bar.finish_and_clear();

    let frame = scanned.frame;
    let reports = build_reports(config, &frame, &scanned.counts)?;
    render::render(&reports, config.format, config.color, out)?;
    out.flush()?;

    if let Some(path) = &config.parquet {
        if let Err(e) = export::write_parquet(&frame, path, &inputs) {
            writeln!(err, "maillog-report: {}: {e:#}", path.display())?;
            status = exit::OUTPUT_PROBLEM;
        }
    }
    if let Some(dir) = &config.parquet_dir {
        if let Err(e) = export::write_dataset(&frame, dir, &inputs, &config.events) {
            writeln!(err, "maillog-report: {}: {e:#}", dir.display())?;
            status = exit::OUTPUT_PROBLEM;
        }
    }
    if let Some(path) = &config.unparsed {
        let written = output::write_unparsed(path, &inputs, &scanned.unrecognized);
        if let Err(e) = written {
            writeln!(err, "maillog-report: {}: {e:#}", path.display())?;
            status = exit::OUTPUT_PROBLEM;
        }
    }
    Ok(status)
}

/// A progress bar on stderr for inputs that take more than about a second,
/// only when stderr is a terminal: never in pipes, files or cron mail.
fn progress_bar(inputs: &[input::Input]) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    const WORTH_A_BAR: u64 = 1 << 30;
    let total: u64 = inputs.iter().map(|i| i.data.len() as u64).sum();
    if total < WORTH_A_BAR || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {eta}",
        )
        .expect("a valid template"),
    );
    bar
}

fn validate(config: &Config) -> Result<()> {
    for kind in &config.events {
        if EventKind::from_name(kind).is_none() {
            let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
            bail!(UsageError(format!(
                "--event {kind}: no such event kind; one of {}",
                known.join(", ")
            )));
        }
    }
    for key in &config.group_by {
        let known = frame::SCHEMA.iter().any(|(name, ..)| name == key)
            || tables::DERIVED.iter().any(|(name, _)| name == key);
        if !known || key == frame::col::TS {
            bail!(UsageError(format!(
                "--group-by {key}: no such column; see the schema in the README (or use hour, day)"
            )));
        }
    }
    Ok(())
}

/// The kinds of events the output covers: `--event`, or all.
fn event_kinds(config: &Config) -> Vec<EventKind> {
    if config.events.is_empty() {
        return EventKind::ALL.to_vec();
    }
    config
        .events
        .iter()
        .filter_map(|name| EventKind::from_name(name))
        .collect()
}

/// The rows and columns of the events that the requested output reads.
fn projection(config: &Config) -> Projection {
    let wanted = if config.parquet.is_some() || config.parquet_dir.is_some() {
        Projection::ALL
    } else if !config.group_by.is_empty() {
        tables::group_by_needs(&config.group_by)
    } else {
        config
            .reports
            .iter()
            .flat_map(|report| Table::of(*report))
            .map(|table| table.needs())
            .fold(Projection::NONE, Projection::union)
    };
    wanted.only_kinds(&event_kinds(config))
}

/// The grouped tables behind the reports: the findings read two of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Table {
    Overview,
    Rejects,
    Warnings,
    Failed,
    Deliveries,
}

impl Table {
    /// The tables a report is made of.
    fn of(report: ReportName) -> &'static [Table] {
        match report {
            ReportName::Overview => &[Table::Overview],
            ReportName::Findings => &[Table::Rejects, Table::Deliveries],
            ReportName::Rejects => &[Table::Rejects],
            ReportName::Warnings => &[Table::Warnings],
            ReportName::Failed => &[Table::Failed],
            ReportName::Deliveries => &[Table::Deliveries],
        }
    }

    /// The rows and columns of the frame that [`Table::compute`] reads.
    fn needs(self) -> Projection {
        match self {
            Table::Overview => tables::overview_needs(),
            Table::Rejects => tables::actions_needs(&[EventKind::Reject]),
            Table::Warnings => tables::actions_needs(&[EventKind::RejectWarning]),
            Table::Failed => tables::failed_needs(),
            Table::Deliveries => tables::deliveries_by_domain_needs(),
        }
    }

    fn compute(self, df: &DataFrame, counts: &scan::LineCounts) -> PolarsResult<Report> {
        match self {
            Table::Overview => tables::overview(df, counts),
            Table::Rejects => tables::actions_by_domain(
                df,
                &[EventKind::Reject],
                "rejects",
                "Rejects by recipient domain, code, enhanced code and restriction",
            ),
            Table::Warnings => tables::actions_by_domain(
                df,
                &[EventKind::RejectWarning],
                "reject_warnings",
                "Reject warnings (warn_if_reject: would have been rejected)",
            ),
            Table::Failed => tables::failed_deliveries(df),
            Table::Deliveries => tables::deliveries_by_domain(df),
        }
    }
}

/// The requested reports, in the requested order; each table is computed
/// once. (Computing the tables in parallel was slower: polars' own threads
/// already use the cores.)
fn build_reports(
    config: &Config,
    df: &DataFrame,
    counts: &scan::LineCounts,
) -> PolarsResult<Vec<Report>> {
    let limit = |mut r: Report| {
        if config.top > 0 {
            r.frame = r.frame.head(Some(config.top));
        }
        r
    };
    if !config.group_by.is_empty() {
        return Ok(vec![limit(tables::group_by(df, &config.group_by)?)]);
    }
    let mut needed: Vec<Table> = Vec::new();
    for table in config.reports.iter().flat_map(|r| Table::of(*r)) {
        if !needed.contains(table) {
            needed.push(*table);
        }
    }
    let computed = needed
        .iter()
        .map(|table| table.compute(df, counts))
        .collect::<PolarsResult<Vec<Report>>>()?;
    let table = |wanted: Table| {
        let at = needed.iter().position(|t| *t == wanted);
        computed[at.expect("every table a report needs is computed")].clone()
    };
    let mut reports = Vec::new();
    for which in &config.reports {
        match which {
            ReportName::Overview => {
                reports.push(table(Table::Overview));
                reports.push(tables::time_range(counts, &event_kinds(config))?);
            }
            ReportName::Findings => {
                let top = if config.top == 0 {
                    usize::MAX
                } else {
                    config.top.min(10)
                };
                let (rejects, sent) = (table(Table::Rejects), table(Table::Deliveries));
                reports.push(report::findings::findings(
                    &rejects.frame,
                    &sent.frame,
                    top,
                )?);
            }
            ReportName::Rejects => reports.push(limit(table(Table::Rejects))),
            ReportName::Warnings => reports.push(limit(table(Table::Warnings))),
            ReportName::Failed => reports.push(limit(table(Table::Failed))),
            ReportName::Deliveries => reports.push(limit(table(Table::Deliveries))),
        }
    }
    Ok(reports)
}
