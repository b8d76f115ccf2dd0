//! maillog-report: Postfix mail logs in, answers out.
//!
//! The pipeline, one module per step, data flowing one way:
//!
//! ```text
//! input (mmap | blocks read or decompressed) -> scan (blocks on rayon: parse
//!     -> frame builders; in input order: messages folded, streamed exports)
//!     -> frame (one polars DataFrame) + messages
//!     -> report (registry: plan, compute) -> render (table|json|csv|markdown|html|mail)
//! ```
//!
//! - [`input`]: opening files, standard input and journals, decompressing,
//!   and cutting them into blocks on line boundaries;
//! - [`parse`]: one line to one event, without allocating;
//! - [`restriction`]: which restriction a reply came from, and what to change;
//! - [`frame`]: the event frame's schema and per-chunk column builders;
//! - [`messages`]: the events of each queued message put together, block by
//!   block in input order as the scan reads;
//! - [`scan`]: the parallel phase, the line accounting, and the inputs as one
//!   log (content order, duplicates, the year rule across a rotated set);
//! - [`report`]: the report registry, the reports, and how they are printed;
//! - [`export`]: the frame as Parquet for analysts.

pub mod cli;
pub mod clock;
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
use input::{Loaded, Problem};
use parse::syslog::BsdStamp;
use report::render::{self, RenderOptions};

/// Exit statuses, as documented in `--help` and the README.
pub mod exit {
    pub const OK: u8 = 0;
    pub const INPUT_PROBLEM: u8 = 1;
    pub const USAGE: u8 = 2;
    /// A finding of `--fail-on`'s severity or worse exists.
    pub const FINDINGS: u8 = 4;
    /// The input holds no Postfix line, or no Postfix event in the window
    /// (`-d`, `--since`, `--until`): the report is empty, and says so.
    pub const NOTHING_FOUND: u8 = 5;
    /// The report or an output file could not be written.
    pub const OUTPUT_PROBLEM: u8 = 3;
    /// A bug (sysexits' EX_SOFTWARE).
    pub const INTERNAL: u8 = 70;

    /// `--nagios`: the Nagios plugin statuses.
    pub mod nagios {
        pub const OK: u8 = 0;
        pub const WARNING: u8 = 1;
        pub const CRITICAL: u8 = 2;
        pub const UNKNOWN: u8 = 3;
    }

    /// The `--nagios` status of a run that ended with `status` and whose
    /// worst finding is `worst`: a finding is the answer even when some
    /// input was unreadable; without one, a run that could not read or
    /// write everything knows nothing (UNKNOWN).
    pub fn nagios_status(status: u8, worst: Option<crate::report::findings::Severity>) -> u8 {
        use crate::report::findings::Severity;
        match (status, worst) {
            (OUTPUT_PROBLEM | INTERNAL, _) => nagios::UNKNOWN,
            (_, Some(Severity::Critical)) => nagios::CRITICAL,
            (_, Some(Severity::Warning)) => nagios::WARNING,
            (OK | FINDINGS, _) => nagios::OK,
            _ => nagios::UNKNOWN,
        }
    }
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
/// The pipeline: open the inputs (the same content named twice is read
/// once) and put them in the order of their content, scan them into the
/// event frame (of the rows and columns the request reads) while the
/// streamed exports are written, compute the requested reports, render
/// them, and put the exports in place.
pub fn run(config: &Config, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Failure> {
    let mut status = exit::OK;
    let started = std::time::Instant::now();
    let open_options = input::OpenOptions {
        mmap: config.mmap,
        max_decompressed: config.max_decompressed,
        now: clock::system_time(config.now),
    };
    // Problems and notes, with the position of their input among the
    // arguments: printed in that order.
    let mut problems: Vec<(usize, Problem)> = Vec::new();
    let mut opened: Vec<(usize, input::Opened)> = Vec::new();
    for (arg, name) in config.files.iter().enumerate() {
        let identity = input::identity_of(name);
        let same_file = opened
            .iter()
            .find(|(_, kept)| identity.is_some() && kept.identity == identity);
        if let Some((_, kept)) = same_file {
            problems.push((
                arg,
                Problem {
                    name: name.clone(),
                    message: format!("same content as {}; read once", kept.name),
                    notice: true,
                },
            ));
            continue;
        }
        match input::open(name, &open_options) {
            Ok(input) => match opened
                .iter()
                .find(|(_, kept)| input::same_content(kept, &input, config.max_decompressed))
            {
                Some((_, kept)) => problems.push((
                    arg,
                    Problem {
                        name: input.name.clone(),
                        message: format!("same content as {}; read once", kept.name),
                        notice: true,
                    },
                )),
                None => opened.push((arg, input)),
            },
            Err(problem) => problems.push((arg, problem)),
        }
    }
    // The journals' entries, in memory (journalctl prints them): read as a
    // mapped file is, their problems after the files'.
    for (j, journal) in config.journals.iter().enumerate() {
        let arg = config.files.len() + j;
        let (loaded, problem) = match input::journal::load(journal, &config.window) {
            Loaded::Whole(input) => (Some(input), None),
            Loaded::Partial(input, problem) => (Some(input), Some(problem)),
            Loaded::Failed(problem) => (None, Some(problem)),
        };
        problems.extend(problem.map(|p| (arg, p)));
        opened.extend(loaded.map(|input| (arg, input::Opened::in_memory(input))));
    }
    timings::note("open", started);
    // The run's threads: the scan's, then the reports'.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .context("starting worker threads")
        .map_err(Failure::Internal)?;
    let scanned = if opened.is_empty() {
        None
    } else {
        Some(scan_all(config, &pool, &mut opened, &mut problems)?)
    };
    problems.sort_by_key(|(arg, _)| *arg);
    for (_, problem) in &problems {
        writeln!(err, "maillog-report: {problem}").map_err(|e| Failure::Output(e.into()))?;
        if !problem.notice {
            status = exit::INPUT_PROBLEM;
        }
    }
    let day_before_scan = match &scanned {
        Some(_) => scan_day_before(config, &pool, &mut opened)?,
        None => None,
    };
    let Some((scanned, outputs, order)) = scanned else {
        // No report at all: an empty one would read as "all clear" in a
        // cron mail.
        return Ok(if config.nagios {
            exit::nagios_status(status, None)
        } else {
            status
        });
    };
    timings::size("frame", scanned.frame.estimated_size());
    if timings::enabled() {
        for c in scanned.frame.columns() {
            timings::size(c.name(), c.as_materialized_series().estimated_size());
        }
    }

    // The inputs as the reports see them, by their number in the frame
    // (their position in the scan): names, and lines to read back.
    let origins: Vec<input::readback::Origin<'_>> = order
        .iter()
        .map(|&i| {
            let opened = &opened[i].1;
            input::readback::Origin {
                name: opened.name.clone(),
                bytes: opened.readback(config.max_decompressed),
                json: opened.is_json(),
                max_line: line_limit(opened, config.max_line),
            }
        })
        .collect();
    let mut context = report::Context::new(&scanned, &config.request, &origins);
    if let Some((before, scan)) = &day_before_scan {
        let started = std::time::Instant::now();
        let before_context = report::Context::new(scan, &before.request, &origins);
        context.day_before = pool
            .install(|| report::day_before::DayBefore::of(&before_context, before.window))
            .context("comparing with the day before")
            .map_err(Failure::Internal)?;
        timings::note("day before", started);
    }
    let started = std::time::Instant::now();
    // On the run's threads too: the findings and the tables they share
    // with the summary are computed side by side.
    let reports = pool
        .install(|| config.request.compute(&context))
        .context("computing the reports")
        .map_err(Failure::Internal)?;
    timings::note("reports", started);
    // The HTML page's charts, from the same tables the reports print.
    let charts = if matches!(config.format, render::Format::Html | render::Format::Mail) {
        pool.install(|| report::charts::of(&context))
            .context("drawing the charts")
            .map_err(Failure::Internal)?
    } else {
        Vec::new()
    };
    let render_options = RenderOptions {
        charts,
        mail: (config.format == render::Format::Mail).then(|| render::MailOptions {
            to: config.mail_to.clone(),
            from: config.mail_from.clone(),
            now: config.now,
        }),
        format: config.format,
        color: config.color,
        width: config.width,
        ascii: config.ascii,
        zone: config.request.zone.clone(),
        input_problems: problems
            .iter()
            .map(|(_, p)| (p.name.clone(), p.message.clone(), p.notice))
            .collect(),
    };
    let rendered = if config.ascii && config.format == render::Format::Table {
        // Small (tables for people): rendered whole, then made ASCII.
        let mut text = Vec::new();
        render::render(&reports, &render_options, &mut text)
            .and_then(|()| out.write_all(render::ascii_typography(&text).as_bytes()))
    } else {
        render::render(&reports, &render_options, out)
    };
    rendered
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Output(e.into()))?;
    if let Some(nothing) = nothing_found(&scanned.counts, &config.window, &config.request.zone) {
        writeln!(err, "maillog-report: {nothing}").map_err(|e| Failure::Output(e.into()))?;
        // An unreadable input says more (1): this one is only the rest.
        if status == exit::OK {
            status = exit::NOTHING_FOUND;
        }
    }
    let mut worst = None;
    if config.fail_on.is_some() || config.nagios {
        let printed = reports.iter().find_map(|r| match &r.body {
            report::Body::Findings { findings, .. } => Some(findings.clone()),
            _ => None,
        });
        let findings = match printed {
            Some(findings) => findings,
            // Counted, not shown: no sample lines to read.
            None => pool
                .install(|| report::findings::detect(&context, false))
                .context("finding problems")
                .map_err(Failure::Internal)?,
        };
        worst = findings.iter().map(|f| f.severity).max();
        if config
            .fail_on
            .is_some_and(|threshold| worst >= Some(threshold))
        {
            status = exit::FINDINGS;
        }
    }

    let mut failed_output = |what: &std::path::Path, e: anyhow::Error| {
        status = exit::OUTPUT_PROBLEM;
        writeln!(err, "maillog-report: {}: {e:#}", what.display())
    };
    let read: Vec<input::Extent> = scanned.inputs.iter().map(|i| i.extent.clone()).collect();
    for (path, e) in outputs.finish(&read, &config.event_filter()) {
        failed_output(path, e).map_err(|e| Failure::Output(e.into()))?;
    }
    if let Some(path) = &config.parquet_messages {
        let messages = context
            .messages()
            .context("correlating the messages")
            .map_err(Failure::Internal)?;
        if let Err(e) = export::write_messages(messages, path, &input_names(config)) {
            failed_output(path, e).map_err(|e| Failure::Output(e.into()))?;
        }
    }
    Ok(if config.nagios {
        exit::nagios_status(status, worst)
    } else {
        status
    })
}

/// Why the report is empty, if it is: no Postfix line in the input, or no
/// Postfix event in the window. An empty report would read as "all clear"
/// in a cron mail.
fn nothing_found(
    counts: &scan::LineCounts,
    window: &window::Window,
    zone: &zone::Zone,
) -> Option<String> {
    if counts.events > 0 {
        return None;
    }
    let bound = |t: Option<parse::Micros>, open: &str| {
        t.and_then(|t| zone.local(t))
            .map_or(open.to_string(), |d| d.format("%Y-%m-%d %H:%M").to_string())
    };
    let window_text = format!(
        "{} to {} {}",
        bound(window.start, "the start"),
        bound(window.end, "the end"),
        zone.label()
    );
    if counts.postfix_lines() == 0 {
        let mut parts = Vec::new();
        for (n, what) in [
            (counts.other_program, "of other programs"),
            (counts.no_syslog_header, "without a syslog header"),
            (counts.too_long, "too long"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        let of_them = if parts.is_empty() {
            String::new()
        } else {
            format!(": {}", parts.join(", "))
        };
        let scope = if window.is_all() {
            String::new()
        } else {
            format!(" (window {window_text})")
        };
        return Some(format!(
            "no Postfix line in the input{scope}: {} read{of_them}",
            report::findings::plural(counts.lines, "line")
        ));
    }
    if counts.outside_window > 0 {
        return Some(format!(
            "no Postfix event in the window ({window_text}): all {} of the input are outside it",
            report::findings::plural(counts.outside_window, "event")
        ));
    }
    None
}

/// Scans the opened inputs in the order of their content, with the
/// streamed outputs; reads them a second time if the year rule's guess
/// about a streamed input's last month would date a line differently (see
/// [`scan::set`]). Adds the problems met while reading to `problems`.
fn scan_all<'c>(
    config: &'c Config,
    pool: &rayon::ThreadPool,
    opened: &mut [(usize, input::Opened)],
    problems: &mut Vec<(usize, Problem)>,
) -> Result<(scan::Scan, Outputs<'c>, Vec<usize>), Failure> {
    let started = std::time::Instant::now();
    let zone = config.request.zone.bsd_zone();
    let facts: Vec<scan::set::Facts> = opened
        .iter()
        .map(|(_, input)| scan::set::Facts::of(input, config.max_line, config.now))
        .collect();
    let mut guessed: Vec<Option<BsdStamp>> = facts.iter().map(|f| f.last_stamp.flatten()).collect();
    // When every input's last stamp was read before the scan (mapped and
    // plain files: their last lines), nothing is guessed and nothing to
    // check: the scan need not note the months it sees.
    let guesses = facts.iter().any(|f| f.last_stamp.is_none());
    let rereadable = opened.iter().all(|(_, input)| input.rereadable());
    let export = (config.parquet.is_some() || config.parquet_dir.is_some())
        .then(|| frame::Projection::ALL.only_kinds(&config.request.kinds));
    let options = scan::ScanOptions {
        chunks: config.threads * 4,
        year: config.year,
        now: config.now,
        bsd_zone: zone,
        max_line: config.max_line,
        projection: projection(config),
        window: config.window,
        block_bytes: scan::BLOCK_BYTES,
        export,
        keep_unrecognized: false,
        track_months: guesses,
    };
    let total: u64 = opened.iter().filter_map(|(_, i)| i.file_size).sum();
    for pass in 0.. {
        let order = scan::set::order(&facts, &guessed, zone);
        let rules = scan::set::rules(&facts, &order, &guessed, config.year, zone);
        let mut outputs = Outputs::create(config, export.as_ref());
        let (in_order, scanned_order) =
            feeds(opened, &order, &rules, config, &options, zone, problems);
        let bar = progress_bar(total);
        let mut scanned = scan::scan_inputs(in_order, &options, Some(pool), outputs.sink(), &|n| {
            bar.inc(n)
        });
        bar.finish_and_clear();

        // What the scan learnt of each input's last stamp.
        let mut known = guessed.clone();
        let mut months = vec![0u16; facts.len()];
        for (&i, read) in scanned_order.iter().zip(&scanned.inputs) {
            known[i] = read.last_stamp;
            months[i] = read.months;
        }
        let mut changed = if guesses {
            scan::set::check(&facts, &guessed, &known, &months, config.year, zone)
        } else {
            Vec::new()
        };
        if !changed.is_empty() && pass == 0 && rereadable {
            let same_order = scan::set::order(&facts, &known, zone) == order;
            if !same_order || outputs.sink().is_some() || options.projection.folds_messages() {
                // The exports are written, and the messages put together,
                // in order as the inputs are read: all of it again.
                outputs.discard();
                guessed = known;
                continue;
            }
            // Only the inputs whose lines would be dated otherwise are
            // read again, and their results replace the first ones.
            let rules = scan::set::rules(&facts, &order, &known, config.year, zone);
            let again: Vec<usize> = order
                .iter()
                .copied()
                .filter(|i| changed.contains(i))
                .collect();
            let (mut in_order, again) =
                feeds(opened, &again, &rules, config, &options, zone, problems);
            // Each keeps its number of the first pass.
            for (input, i) in in_order.iter_mut().zip(&again) {
                let at = scanned_order.iter().position(|j| j == i);
                input.id = at.map_or(u16::MAX, |at| u16::try_from(at).unwrap_or(u16::MAX));
            }
            let mut partial = scan::scan_inputs(in_order, &options, Some(pool), None, &|_| {});
            let mut inputs = std::mem::take(&mut scanned.inputs);
            let mut unrecognized = std::mem::take(&mut scanned.unrecognized);
            for (k, i) in again.iter().enumerate().rev() {
                if let Some(at) = scanned_order.iter().position(|j| j == i) {
                    inputs[at] = partial.inputs.remove(k);
                    unrecognized[at] = partial.unrecognized.remove(k);
                }
            }
            scanned = scan::Scan::of_inputs(inputs, unrecognized, &options.projection);
            changed.clear();
        }
        for (&i, read) in scanned_order.iter().zip(&scanned.inputs) {
            let arg = opened[i].0;
            if let Some(issue) = &read.issue {
                problems.push((
                    arg,
                    Problem {
                        name: read.name.clone(),
                        message: issue.message(),
                        notice: issue.is_notice(),
                    },
                ));
            }
            if changed.contains(&i) {
                problems.push((
                    arg,
                    Problem {
                        name: read.name.clone(),
                        message: "read once through a pipe, its classic time stamps were dated before its last line was known: some may be a year off (name the file for the rule of --help)".to_string(),
                        notice: true,
                    },
                ));
            }
        }
        timings::note("scan", started);
        return Ok((scanned, outputs, scanned_order));
    }
    unreachable!("the loop returns")
}

/// With `-d`, the inputs scanned again for the day before (only the rows
/// of the totals and the findings), with the configuration that scan was
/// made for ([`report::day_before`]): when a report compares with it
/// (totals, findings, headline) and every input can be read again.
/// Standard input cannot; journalctl was asked for the day alone. The
/// problems of this second reading were reported by the first.
fn scan_day_before(
    config: &Config,
    pool: &rayon::ThreadPool,
    opened: &mut [(usize, input::Opened)],
) -> Result<Option<(Config, scan::Scan)>, Failure> {
    use report::{Plan, ReportName};
    let Some(window) = config.day_before else {
        return Ok(None);
    };
    let compares = match &config.request.plan {
        Plan::Reports(names) => names.iter().any(|name| {
            matches!(
                name,
                ReportName::Totals | ReportName::Findings | ReportName::Headline
            )
        }),
        Plan::GroupBy(_) => false,
    };
    let rereadable = opened.iter().all(|(_, input)| input.rereadable());
    if !compares || !rereadable || !config.journals.is_empty() {
        return Ok(None);
    }
    let mut before = config.clone();
    before.window = window;
    before.day_before = None;
    before.request.window = window;
    before.request.plan = Plan::Reports(vec![ReportName::Totals, ReportName::Findings]);
    before.parquet = None;
    before.parquet_dir = None;
    before.parquet_messages = None;
    before.unparsed = None;
    before.fail_on = None;
    let (scan, _, _) = scan_all(&before, pool, opened, &mut Vec::new())?;
    Ok(Some((before, scan)))
}

/// The inputs `order` (indices into `opened`) as the scan reads them, with
/// their year rules, and the indices of those that could be started (a
/// problem is added for the others).
fn feeds<'o>(
    opened: &'o mut [(usize, input::Opened)],
    order: &[usize],
    rules: &[parse::YearRule],
    config: &Config,
    options: &scan::ScanOptions,
    zone: parse::BsdZone,
    problems: &mut Vec<(usize, Problem)>,
) -> (Vec<scan::ScanInput<'o>>, Vec<usize>) {
    let mut inputs: Vec<Option<scan::ScanInput<'o>>> = Vec::new();
    for (i, (arg, input)) in opened.iter_mut().enumerate() {
        if !order.contains(&i) {
            inputs.push(None);
            continue;
        }
        let time = parse::TimeContext {
            year: rules[i],
            bsd_zone: zone,
        };
        let name = input.name.clone();
        let consumed = Some(std::sync::Arc::clone(&input.consumed));
        let json = input.is_json();
        // A pipe's lines cannot be read again for the findings' samples:
        // the scan marks the line number of each of its rows instead.
        let mark_rows = !input.rereadable() && shows_samples(config);
        let feed = match input.blocks(
            options.block_bytes,
            line_limit(input, options.max_line),
            config.max_decompressed,
        ) {
            Ok(Some(reader)) => scan::Feed::Blocks {
                reader: Box::new(reader),
                consumed,
            },
            Ok(None) => {
                let input: &input::Opened = input;
                scan::Feed::Bytes(input.mapped().expect("an input without blocks is mapped"))
            }
            Err(e) => {
                problems.push((
                    *arg,
                    Problem {
                        name,
                        message: format!("reading: {e}"),
                        notice: false,
                    },
                ));
                inputs.push(None);
                continue;
            }
        };
        inputs.push(Some(scan::ScanInput {
            name,
            feed,
            time,
            id: 0,
            json,
            mark_rows,
        }));
    }
    // The inputs read, in order (those that failed to start are left out),
    // each numbered by its position.
    let scanned: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| inputs[i].is_some())
        .collect();
    let in_order = scanned
        .iter()
        .filter_map(|&i| inputs[i].take())
        .enumerate()
        .map(|(id, input)| scan::ScanInput {
            id: u16::try_from(id).unwrap_or(u16::MAX),
            ..input
        })
        .collect();
    (in_order, scanned)
}

/// The longest line of `input` the reader keeps whole: `--max-line`, or
/// for journalctl's JSON the longest record whose line may be within it.
fn line_limit(input: &input::Opened, max_line: usize) -> usize {
    if input.is_json() {
        input::journal::record_limit(max_line)
    } else {
        max_line
    }
}

/// Whether the run prints findings, whose evidence shows log lines.
fn shows_samples(config: &Config) -> bool {
    match &config.request.plan {
        report::Plan::Reports(names) => names.contains(&report::ReportName::Findings),
        report::Plan::GroupBy(_) => false,
    }
}

/// The names of the inputs, as given (an output may not overwrite one).
fn input_names(config: &Config) -> Vec<String> {
    let journal_files = config.journals.iter().filter_map(|j| match j {
        input::journal::Journal::File(path) => Some(path.display().to_string()),
        input::journal::Journal::Local => None,
    });
    config.files.iter().cloned().chain(journal_files).collect()
}

/// The streamed outputs of a run (`--parquet`, `--parquet-dir`,
/// `--unparsed`): each is written while the inputs are read, and put in
/// place (or its error reported) after the report.
struct Outputs<'c> {
    parquet: Option<(&'c std::path::Path, anyhow::Result<export::ParquetSink>)>,
    dataset: Option<(&'c std::path::Path, anyhow::Result<export::DatasetSink>)>,
    unparsed: Option<(&'c std::path::Path, anyhow::Result<output::Unparsed>)>,
}

impl<'c> Outputs<'c> {
    fn create(config: &'c Config, export: Option<&frame::Projection>) -> Outputs<'c> {
        let inputs = &input_names(config);
        let all = frame::Projection::ALL;
        let export = export.unwrap_or(&all);
        Outputs {
            parquet: config
                .parquet
                .as_deref()
                .map(|path| (path, export::ParquetSink::create(path, inputs, export))),
            dataset: config
                .parquet_dir
                .as_deref()
                .map(|dir| (dir, export::DatasetSink::create(dir, inputs, export))),
            unparsed: config
                .unparsed
                .as_deref()
                .map(|path| (path, output::Unparsed::create(path, inputs))),
        }
    }

    /// The sink for the scan, if any output is being written.
    fn sink(&mut self) -> Option<&mut dyn scan::Sink> {
        let any = [
            self.parquet.as_ref().is_some_and(|(_, s)| s.is_ok()),
            self.dataset.as_ref().is_some_and(|(_, s)| s.is_ok()),
            self.unparsed.as_ref().is_some_and(|(_, s)| s.is_ok()),
        ];
        any.contains(&true).then_some(self as &mut dyn scan::Sink)
    }

    /// Removes what was written (the inputs are read again).
    fn discard(self) {}

    /// Puts every output in place; the outputs that failed, and why.
    fn finish(
        self,
        read: &[input::Extent],
        events: &[&str],
    ) -> Vec<(&'c std::path::Path, anyhow::Error)> {
        let mut failed = Vec::new();
        if let Some((path, sink)) = self.parquet {
            if let Err(e) = sink.and_then(export::ParquetSink::finish) {
                failed.push((path, e));
            }
        }
        if let Some((dir, sink)) = self.dataset {
            if let Err(e) = sink.and_then(|s| s.finish(read, events)) {
                failed.push((dir, e));
            }
        }
        if let Some((path, sink)) = self.unparsed {
            if let Err(e) = sink.and_then(output::Unparsed::finish) {
                failed.push((path, e));
            }
        }
        failed
    }
}

impl scan::Sink for Outputs<'_> {
    fn block(&mut self, input: usize, rows: Option<&polars::prelude::DataFrame>, lines: &[u8]) {
        if let Some((_, Ok(sink))) = &mut self.parquet {
            sink.block(input, rows, lines);
        }
        if let Some((_, Ok(sink))) = &mut self.dataset {
            sink.block(input, rows, lines);
        }
        if let Some((_, Ok(sink))) = &mut self.unparsed {
            sink.block(input, rows, lines);
        }
    }
}

/// A progress bar on stderr for inputs that take more than about a second,
/// only when stderr is a terminal: never in pipes, files or cron mail.
fn progress_bar(total: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    const WORTH_A_BAR: u64 = 1 << 30;
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

/// The rows and columns of the events that the reports read (the Parquet
/// exports get theirs from the scan block by block, not from this frame).
fn projection(config: &Config) -> frame::Projection {
    let wanted = config.request.projection();
    let wanted = match config.fail_on {
        Some(_) => wanted.union((report::ReportName::Findings.spec().reads)()),
        None => wanted,
    };
    // The HTML page's charts: the summary's traffic, the rejects and the
    // deliveries.
    let wanted = match config.format {
        render::Format::Html | render::Format::Mail => wanted
            .union((report::ReportName::PerHour.spec().reads)())
            .union((report::ReportName::Rejects.spec().reads)())
            .union((report::ReportName::Deliveries.spec().reads)())
            .only_kinds(&config.request.kinds),
        _ => wanted,
    };
    if config.parquet_messages.is_some() {
        wanted.union(messages::reads_everything().only_kinds(&config.request.kinds))
    } else {
        wanted
    }
}
