//! Printing reports as terminal tables (comfy-table), JSON, CSV, Markdown
//! or an HTML page.
//! The only module that knows about output formats.
//!
//! Machine formats (JSON, CSV) print every value in full (times as RFC 3339
//! UTC with microseconds); the formats for people (table, Markdown) print
//! times shorter and say when a table was cut.

mod findings;
pub mod html;
mod mail;
mod table;

use std::io::{self, Write};

use polars::prelude::*;

use super::columns::{ITEM, SECTION};
use super::{Body, Report, Rows};
use crate::zone::Zone;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tables for people.
    Table,
    /// One JSON object: report name → array of row objects.
    Json,
    /// CSV, one block per report, each preceded by a `# name` line.
    Csv,
    /// Markdown tables under `##` headings.
    Markdown,
    /// One self-contained HTML page: the findings as cards, charts, the
    /// tables (no script, no request).
    Html,
    /// A MIME message for `sendmail -t`: the text report and the HTML page,
    /// the charts as PNG images (--mail-to, --mail-from).
    Mail,
}

impl Format {
    /// Whether the format is read by programs, which want every row.
    pub fn is_for_machines(self) -> bool {
        matches!(self, Format::Json | Format::Csv)
    }
}

/// How to print.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    pub format: Format,
    /// Bold headers (only on a terminal without `NO_COLOR`).
    pub color: bool,
    /// Columns a table may take (tables and findings only).
    pub width: usize,
    /// Tables drawn in ASCII (`--ascii`; the rest of the text is made
    /// ASCII by [`ascii_typography`]).
    pub ascii: bool,
    /// The zone tables and Markdown print times in (JSON and CSV print UTC).
    pub zone: Zone,
    /// The inputs' problems (`name`, `message`, notice or not), as stderr
    /// printed them: JSON lists them too, so that a program reading only
    /// stdout knows what was not read.
    pub input_problems: Vec<(String, String, bool)>,
    /// The HTML page's charts ([`crate::report::charts`]), drawn by the
    /// report layer from the run's tables.
    pub charts: Vec<crate::report::charts::Chart>,
    /// `--format mail`: the headers, and the time (µs) for its Date:.
    pub mail: Option<MailOptions>,
}

/// What `--format mail` puts in the headers.
#[derive(Clone, Debug)]
pub struct MailOptions {
    pub to: Vec<String>,
    pub from: Option<String>,
    /// Now ([`crate::clock`]): the Date: header and the Message-ID.
    pub now: crate::parse::Micros,
}

/// The version of the JSON output's layout (the `maillog_report` object):
/// raised when a key is renamed or a value changes type, not when one is
/// added.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// A cell's value, typed enough for JSON.
enum Value {
    Null,
    Number(String),
    Text(String),
    /// Microseconds since the epoch, UTC.
    Time(i64),
}

fn value(v: AnyValue<'_>) -> Value {
    match v {
        AnyValue::Null => Value::Null,
        AnyValue::String(s) => Value::Text(s.to_string()),
        AnyValue::StringOwned(s) => Value::Text(s.to_string()),
        AnyValue::Boolean(b) => Value::Text(b.to_string()),
        AnyValue::Datetime(us, _, _) | AnyValue::DatetimeOwned(us, _, _) => Value::Time(us),
        AnyValue::Float32(f) => Value::Number(format!("{f}")),
        AnyValue::Float64(f) => Value::Number(format!("{f}")),
        other if other.is_integer() => Value::Number(other.to_string()),
        other => Value::Text(other.to_string()),
    }
}

/// A time as machines read it: RFC 3339, UTC, microseconds.
fn full_time(us: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
}

/// A value as machines read it (CSV); `None` for null.
fn machine_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Number(n) | Value::Text(n) => Some(n.clone()),
        Value::Time(us) => full_time(*us),
    }
}

fn rows(frame: &DataFrame) -> Vec<Vec<Value>> {
    let columns = frame.columns();
    (0..frame.height())
        .map(|i| {
            columns
                .iter()
                .map(|c| value(c.get(i).unwrap_or(AnyValue::Null)))
                .collect()
        })
        .collect()
}

fn names(frame: &DataFrame) -> Vec<String> {
    frame
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect()
}

/// `text` (a rendered report) with the report's own typography in ASCII
/// (`--ascii`): `…` as `...`, `—` as `--`, `×` as `x`. Box drawing is not
/// here: `--ascii` tables are drawn in ASCII to begin with. Invalid UTF-8
/// from a log line is kept as replacement characters.
pub fn ascii_typography(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '…' => out.push_str("..."),
            '—' | '–' => out.push_str("--"),
            '×' => out.push('x'),
            c => out.push(c),
        }
    }
    out
}

pub fn render(reports: &[Report], options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    match options.format {
        Format::Html => html::write(
            reports,
            &options.charts,
            html::Images::InlineSvg,
            &options.zone,
            &options.input_problems,
            out,
        )?,
        Format::Mail => mail::write(reports, options, out)?,
        Format::Table => {
            for report in reports {
                if let Body::Line(line) = &report.body {
                    writeln!(out, "{line}\n")?;
                    continue;
                }
                for line in wrap(&report.title, options.width) {
                    writeln!(out, "{line}")?;
                }
                match &report.body {
                    Body::Line(_) => {}
                    Body::Table(rows) => table::write(report, rows, options, out)?,
                    Body::Findings { findings, omitted } => {
                        findings::write_text(findings, *omitted, options.width, &options.zone, out)?
                    }
                }
                writeln!(out)?;
            }
        }
        Format::Markdown => {
            for report in reports {
                if let Body::Line(line) = &report.body {
                    writeln!(out, "# {line}\n")?;
                    continue;
                }
                writeln!(out, "## {}\n", report.name)?;
                writeln!(out, "{}\n", report.title)?;
                match &report.body {
                    Body::Line(_) => {}
                    Body::Table(rows) => write_markdown(rows, &options.zone, out)?,
                    Body::Findings { findings, omitted } => {
                        findings::write_markdown(findings, *omitted, &options.zone, out)?
                    }
                }
                writeln!(out)?;
            }
        }
        Format::Csv => {
            for (i, report) in reports.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                if reports.len() > 1 {
                    writeln!(out, "# {}", report.name)?;
                }
                match &report.body {
                    Body::Line(line) => writeln!(out, "{}\n{}", report.name, csv_field(line))?,
                    Body::Table(rows) => write_csv(&rows.frame, out)?,
                    Body::Findings { findings, .. } => findings::write_csv(findings, out)?,
                }
                let (shown, omitted) = report.body.shown_and_omitted();
                if omitted > 0 {
                    // A comment line, as the sections' `# name` lines are.
                    writeln!(
                        out,
                        "# truncated: {shown} of {} rows (--top 0 shows all)",
                        shown + omitted
                    )?;
                }
            }
        }
        Format::Json => {
            let mut root = serde_json::Map::new();
            let mut truncated = serde_json::Map::new();
            for report in reports {
                let value = match &report.body {
                    Body::Line(line) => serde_json::Value::String(line.clone()),
                    Body::Table(rows) => serde_json::Value::Array(json_rows(&rows.frame)),
                    Body::Findings { findings, .. } => {
                        serde_json::Value::Array(findings.iter().map(findings::json).collect())
                    }
                };
                let (shown, omitted) = report.body.shown_and_omitted();
                if omitted > 0 {
                    truncated.insert(
                        report.name.to_string(),
                        serde_json::json!({ "shown": shown, "total": shown + omitted }),
                    );
                }
                root.insert(report.name.to_string(), value);
            }
            let problems: Vec<serde_json::Value> = options
                .input_problems
                .iter()
                .map(|(file, problem, notice)| {
                    serde_json::json!({ "file": file, "problem": problem, "notice": notice })
                })
                .collect();
            root.insert(
                "maillog_report".to_string(),
                serde_json::json!({
                    "schema_version": JSON_SCHEMA_VERSION,
                    "version": env!("CARGO_PKG_VERSION"),
                    "truncated": truncated,
                    "input_problems": problems,
                }),
            );
            serde_json::to_writer_pretty(&mut *out, &serde_json::Value::Object(root))?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// `… 12 more rows (--top 0 shows all)`.
fn more_note(omitted: usize, noun: &str) -> String {
    let s = if omitted == 1 { "" } else { "s" };
    format!("… {omitted} more {noun}{s} (--top 0 shows all)")
}

fn write_markdown(rows: &Rows, zone: &Zone, out: &mut dyn Write) -> io::Result<()> {
    let names = names(&rows.frame);
    writeln!(out, "| {} |", names.join(" | "))?;
    writeln!(out, "|{}", "---|".repeat(names.len()))?;
    for row in self::rows(&rows.frame) {
        let cells: Vec<String> = row
            .iter()
            .map(|v| {
                let text = match v {
                    Value::Time(us) => zone
                        .local(*us)
                        .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or_default(),
                    other => machine_text(other).unwrap_or_default(),
                };
                text.replace('|', "\\|")
            })
            .collect();
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    if rows.omitted > 0 {
        writeln!(out, "\n{}", more_note(rows.omitted, "row"))?;
    }
    Ok(())
}

fn write_csv(frame: &DataFrame, out: &mut dyn Write) -> io::Result<()> {
    let names: Vec<String> = names(frame).iter().map(|n| csv_field(n)).collect();
    writeln!(out, "{}", names.join(","))?;
    for row in rows(frame) {
        let cells: Vec<String> = row
            .iter()
            .map(|v| match v {
                Value::Number(n) => n.clone(),
                other => machine_text(other)
                    .map(|t| csv_field(&t))
                    .unwrap_or_default(),
            })
            .collect();
        writeln!(out, "{}", cells.join(","))?;
    }
    Ok(())
}

/// The rows as objects. Rows of `section` and `item` (the totals, the
/// overview) get a `key` unique in the report, `messages_received` beside
/// `bytes_received`, for programs that look an item up.
fn json_rows(frame: &DataFrame) -> Vec<serde_json::Value> {
    let names = names(frame);
    let keyed = names.iter().any(|n| n == SECTION) && names.iter().any(|n| n == ITEM);
    rows(frame)
        .into_iter()
        .map(|row| {
            let mut object: serde_json::Map<String, serde_json::Value> = names
                .iter()
                .cloned()
                .zip(row.iter().map(json_value))
                .collect();
            if keyed {
                let text = |name: &str| object.get(name).and_then(|v| v.as_str()).unwrap_or("");
                let key = item_key(&format!("{} {}", text(SECTION), text(ITEM)));
                object.insert("key".to_string(), serde_json::Value::String(key));
            }
            serde_json::Value::Object(object)
        })
        .collect()
}

/// `messages removed (postsuper)` → `messages_removed_postsuper`.
fn item_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
        } else if c == '%' {
            key.push_str(if key.ends_with('_') || key.is_empty() {
                "percent"
            } else {
                "_percent"
            });
        } else if !key.is_empty() && !key.ends_with('_') {
            key.push('_');
        }
    }
    key.trim_end_matches('_').to_string()
}

fn json_value(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Number(n) => {
            serde_json::from_str(n).unwrap_or_else(|_| serde_json::Value::String(n.clone()))
        }
        Value::Text(t) => serde_json::Value::String(t.clone()),
        Value::Time(us) => {
            full_time(*us).map_or(serde_json::Value::Null, serde_json::Value::String)
        }
    }
}

/// Greedy word wrap at `width` characters; a word longer than the width
/// stands on a line of its own.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let current = lines.last_mut().expect("one line at least");
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
    }
    lines
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
