//! maillog-report: Postfix mail logs in, answers out.
//!
//! The pipeline, one module per step, data flowing one way:
//!
//! ```text
//! input (mmap | read | gunzip) -> scan (chunks on rayon: parse -> frame builders)
//!     -> frame (one polars DataFrame) -> report (registry: plan, compute)
//!     -> render (table|json|csv|markdown) -> export (Parquet)
//! ```
//!
//! - [`input`]: opening files, standard input and journals, and cutting them
//!   into chunks;
//! - [`parse`]: one line to one event, without allocating;
//! - [`restriction`]: which restriction a reply came from, and what to change;
//! - [`frame`]: the event frame's schema and per-chunk column builders;
//! - [`messages`]: the events of each queued message put together;
//! - [`scan`]: the parallel phase and the line accounting;
//! - [`report`]: the report registry, the reports, and how they are printed;
//! - [`export`]: the frame as Parquet for analysts.

pub mod cli;
pub mod export;
pub mod frame;
pub mod input;
pub mod messages;
pub mod output;
pub mod parse;
pub mod report;
pub mod restriction;
pub mod scan;
pub mod sessions;
pub mod timings;
pub mod window;
pub mod zone;

use std::io::Write;

use anyhow::Context as _;

use cli::Config;
use input::Loaded;
use report::render::{self, RenderOptions};

/// Exit statuses, as documented in `--help` and the README.
pub mod exit {
    pub const OK: u8 = 0;
    pub const INPUT_PROBLEM: u8 = 1;
    pub const USAGE: u8 = 2;
    /// A finding of `--fail-on`'s severity or worse exists.
    pub const FINDINGS: u8 = 4;
    /// The report or an output file could not be written.
    pub const OUTPUT_PROBLEM: u8 = 3;
    /// A bug (sysexits' EX_SOFTWARE).
    pub const INTERNAL: u8 = 70;
}

/// Why a run stopped before it was done.
#[derive(Debug)]
pub enum Failure {
    /// The report could not be written to its output (stdout).
    Output(anyhow::Error),
    /// A bug: polars failed on a frame we built, the thread pool could not
    /// start, …
    Internal(anyhow::Error),
}

impl Failure {
    pub fn status(&self) -> u8 {
        match self {
            Failure::Output(_) => exit::OUTPUT_PROBLEM,
            Failure::Internal(_) => exit::INTERNAL,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Output(e) => write!(f, "writing the report: {e:#}"),
            Failure::Internal(e) => write!(
                f,
                "internal error: {e:#}; this is a bug, please report it with this message"
            ),
        }
    }
}

/// Runs one invocation: reads every input, prints the reports to `out` and
/// problems to `err`; returns the exit status.
///
/// The pipeline: load the inputs, scan them into the event frame (of the
/// rows and columns the request reads), compute the requested reports,
/// render them, and write the exports.
pub fn run(config: &Config, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Failure> {
    let mut status = exit::OK;
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    let files = config
        .files
        .iter()
        .map(|name| input::load(name, config.mmap, config.max_decompressed));
    let journals = config
        .journals
        .iter()
        .map(|journal| input::journal::load(journal, &config.window));
    for loaded in files.chain(journals) {
        match loaded {
            Loaded::Whole(input) => inputs.push(input),
            Loaded::Partial(input, problem) => {
                inputs.push(input);
                problems.push(problem);
            }
            Loaded::Failed(problem) => problems.push(problem),
        }
    }
    for problem in &problems {
        writeln!(err, "maillog-report: {problem}").map_err(|e| Failure::Output(e.into()))?;
        if !problem.notice {
            status = exit::INPUT_PROBLEM;
        }
    }
    if inputs.is_empty() {
        // No report at all: an empty one would read as "all clear" in a
        // cron mail.
        return Ok(status);
    }

    let options = scan::ScanOptions {
        chunks: config.threads * 4,
        year: config.year,
        bsd_zone: config.request.zone.bsd_zone(),
        max_line: config.max_line,
        projection: projection(config),
        window: config.window,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .context("starting worker threads")
        .map_err(Failure::Internal)?;
    // journalctl's JSON records become lines (on stdin too).
    let inputs: Vec<input::Input> =
        pool.install(|| inputs.into_iter().map(input::journal::decode).collect());
    let bar = progress_bar(&inputs);
    let started = std::time::Instant::now();
    let scanned = pool.install(|| scan::scan_with_progress(&inputs, &options, &|n| bar.inc(n)));
    bar.finish_and_clear();
    timings::note("scan", started);
    timings::size("frame", scanned.frame.estimated_size());
    if timings::enabled() {
        for c in scanned.frame.columns() {
            timings::size(c.name(), c.as_materialized_series().estimated_size());
        }
    }

    let context = report::Context::new(&scanned, &config.request, &inputs);
    let started = std::time::Instant::now();
    // On the run's threads too: the findings and the tables they share
    // with the summary are computed side by side.
    let reports = pool
        .install(|| config.request.compute(&context))
        .context("computing the reports")
        .map_err(Failure::Internal)?;
    timings::note("reports", started);
    let render_options = RenderOptions {
        format: config.format,
        color: config.color,
        width: config.width,
        zone: config.request.zone.clone(),
    };
    render::render(&reports, &render_options, out)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Output(e.into()))?;
    if let Some(threshold) = config.fail_on {
        let printed = reports.iter().find_map(|r| match &r.body {
            report::Body::Findings { findings, .. } => Some(findings.clone()),
            _ => None,
        });
        let findings = match printed {
            Some(findings) => findings,
            None => pool
                .install(|| context.found().map(<[_]>::to_vec))
                .context("finding problems")
                .map_err(Failure::Internal)?,
        };
        if findings.iter().any(|f| f.severity >= threshold) {
            status = exit::FINDINGS;
        }
    }

    let mut failed_output = |what: &std::path::Path, e: anyhow::Error| {
        status = exit::OUTPUT_PROBLEM;
        writeln!(err, "maillog-report: {}: {e:#}", what.display())
    };
    let frame = &scanned.frame;
    if let Some(path) = &config.parquet {
        if let Err(e) = export::write_parquet(frame, path, &inputs) {
            failed_output(path, e).map_err(|e| Failure::Output(e.into()))?;
        }
    }
    if let Some(dir) = &config.parquet_dir {
        if let Err(e) = export::write_dataset(frame, dir, &inputs, &config.event_filter()) {
            failed_output(dir, e).map_err(|e| Failure::Output(e.into()))?;
        }
    }
    if let Some(path) = &config.parquet_messages {
        let messages = context
            .messages()
            .context("correlating the messages")
            .map_err(Failure::Internal)?;
        if let Err(e) = export::write_messages(messages, path, &inputs) {
            failed_output(path, e).map_err(|e| Failure::Output(e.into()))?;
        }
    }
    if let Some(path) = &config.unparsed {
        if let Err(e) = output::write_unparsed(path, &inputs, &scanned.unrecognized) {
            failed_output(path, e).map_err(|e| Failure::Output(e.into()))?;
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

/// The rows and columns of the events that the requested output reads:
/// every row and column for the Parquet exports.
fn projection(config: &Config) -> frame::Projection {
    let wanted = if config.parquet.is_some() || config.parquet_dir.is_some() {
        frame::Projection::ALL.only_kinds(&config.request.kinds)
    } else {
        config.request.projection()
    };
    let wanted = match config.fail_on {
        Some(_) => wanted.union((report::ReportName::Findings.spec().reads)()),
        None => wanted,
    };
    if config.parquet_messages.is_some() {
        wanted.union(messages::reads_everything().only_kinds(&config.request.kinds))
    } else {
        wanted
    }
}
