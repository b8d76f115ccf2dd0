//! Printing reports as terminal tables (comfy-table), JSON, CSV or Markdown.
//! The only module that knows about output formats.

use std::io::{self, Write};

use comfy_table::{presets, Attribute, Cell, ContentArrangement, Table};
use polars::prelude::*;

use super::Report;

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
}

/// A cell's value, typed enough for JSON.
enum Value {
    Null,
    Number(String),
    Text(String),
}

fn value(v: AnyValue<'_>) -> Value {
    match v {
        AnyValue::Null => Value::Null,
        AnyValue::String(s) => Value::Text(s.to_string()),
        AnyValue::StringOwned(s) => Value::Text(s.to_string()),
        AnyValue::Boolean(b) => Value::Text(b.to_string()),
        AnyValue::Datetime(us, _, _) | AnyValue::DatetimeOwned(us, _, _) => {
            match chrono::DateTime::from_timestamp_micros(us) {
                Some(d) => Value::Text(d.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
                None => Value::Null,
            }
        }
        AnyValue::Float32(f) => Value::Number(format!("{f}")),
        AnyValue::Float64(f) => Value::Number(format!("{f}")),
        other if other.is_integer() => Value::Number(other.to_string()),
        other => Value::Text(other.to_string()),
    }
}

/// Shorter timestamps for people.
fn table_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Number(n) => n.clone(),
        Value::Text(t) if t.len() == 27 && t.ends_with('Z') && t.as_bytes()[10] == b'T' => {
            format!("{} {}", &t[..10], &t[11..19])
        }
        Value::Text(t) => t.clone(),
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

pub fn render(
    reports: &[Report],
    format: Format,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => {
            for report in reports {
                if report.name == "findings" {
                    write_findings(report, out)?;
                    continue;
                }
                let mut table = Table::new();
                table.load_preset(presets::UTF8_FULL_CONDENSED);
                table.set_content_arrangement(ContentArrangement::Dynamic);
                if !color {
                    table.force_no_tty();
                }
                table.set_header(names(&report.frame).into_iter().map(|n| {
                    let cell = Cell::new(n);
                    if color {
                        cell.add_attribute(Attribute::Bold)
                    } else {
                        cell
                    }
                }));
                for row in rows(&report.frame) {
                    table.add_row(row.iter().map(table_text));
                }
                writeln!(out, "{}", report.title)?;
                if report.frame.height() == 0 {
                    writeln!(out, "(none)\n")?;
                } else {
                    writeln!(out, "{table}\n")?;
                }
            }
        }
        Format::Markdown => {
            for report in reports {
                writeln!(out, "## {}\n", report.title)?;
                let names = names(&report.frame);
                writeln!(out, "| {} |", names.join(" | "))?;
                writeln!(out, "|{}", "---|".repeat(names.len()))?;
                for row in rows(&report.frame) {
                    let cells: Vec<String> = row
                        .iter()
                        .map(|v| table_text(v).replace('|', "\\|"))
                        .collect();
                    writeln!(out, "| {} |", cells.join(" | "))?;
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
                let names: Vec<String> =
                    names(&report.frame).iter().map(|n| csv_field(n)).collect();
                writeln!(out, "{}", names.join(","))?;
                for row in rows(&report.frame) {
                    let cells: Vec<String> = row
                        .iter()
                        .map(|v| match v {
                            Value::Null => String::new(),
                            Value::Number(n) => n.clone(),
                            Value::Text(t) => csv_field(t),
                        })
                        .collect();
                    writeln!(out, "{}", cells.join(","))?;
                }
            }
        }
        Format::Json => {
            let mut root = serde_json::Map::new();
            for report in reports {
                let names = names(&report.frame);
                let array: Vec<serde_json::Value> = rows(&report.frame)
                    .into_iter()
                    .map(|row| {
                        let object: serde_json::Map<String, serde_json::Value> = names
                            .iter()
                            .cloned()
                            .zip(row.into_iter().map(|v| match v {
                                Value::Null => serde_json::Value::Null,
                                Value::Number(n) => {
                                    serde_json::from_str(&n).unwrap_or(serde_json::Value::String(n))
                                }
                                Value::Text(t) => serde_json::Value::String(t),
                            }))
                            .collect();
                        serde_json::Value::Object(object)
                    })
                    .collect();
                root.insert(report.name.to_string(), serde_json::Value::Array(array));
            }
            serde_json::to_writer_pretty(&mut *out, &serde_json::Value::Object(root))?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// Findings are sentences: a wrapped list reads better than a table.
fn write_findings(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", report.title)?;
    if report.frame.height() == 0 {
        return writeln!(out, "(none)\n");
    }
    for row in rows(&report.frame) {
        let text: Vec<String> = row.iter().map(table_text).collect();
        let line = format!("[{}] {}", text[0], text[1..].join(" "));
        for (i, piece) in wrap(&line, 100).iter().enumerate() {
            let bullet = if i == 0 { "- " } else { "  " };
            writeln!(out, "{bullet}{piece}")?;
        }
    }
    writeln!(out)
}

/// Greedy word wrap at `width` characters.
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
