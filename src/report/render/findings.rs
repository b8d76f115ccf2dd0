//! Findings printed: as paragraphs for people (table and Markdown), as
//! objects with every field for JSON, as one row each in CSV.

use std::io::{self, Write};

use super::{csv_field, full_time, more_note, wrap};
use crate::report::findings::{plural, Finding};
use crate::zone::Zone;

/// Paragraphs wrapped at `width`: the summary, then why, the fix, what to
/// check, the configuration's verdict and the evidence with its lines.
pub fn write_text(
    findings: &[Finding],
    omitted: usize,
    width: usize,
    zone: &Zone,
    out: &mut dyn Write,
) -> io::Result<()> {
    if findings.is_empty() {
        return writeln!(out, "(none)");
    }
    for (i, f) in findings.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        // The heading wraps too: a subject can be a whole reply text.
        let heading = format!(
            "[{}] {} {}{}",
            f.severity.as_str(),
            f.id,
            f.subject,
            new_note(f)
        );
        for (j, line) in wrap(&heading, width.saturating_sub(2)).iter().enumerate() {
            let indent = if j == 0 { "" } else { "  " };
            writeln!(out, "{indent}{line}")?;
        }
        let mut paragraph = |label: &str, text: &str| -> io::Result<()> {
            if text.is_empty() {
                return Ok(());
            }
            let text = if label.is_empty() {
                text.to_string()
            } else {
                format!("{label}: {text}")
            };
            for line in wrap(&text, width.saturating_sub(2)) {
                writeln!(out, "  {line}")?;
            }
            Ok(())
        };
        paragraph("", &f.summary)?;
        paragraph("Why", &f.cause)?;
        paragraph("Fix", &f.fix)?;
        paragraph("Check", &f.check.join("; "))?;
        if let Some(c) = &f.confirmation {
            paragraph(
                &format!("Configuration: {}", c.verdict.as_str()),
                &c.lines.join("; "),
            )?;
        }
        paragraph("Evidence", &evidence(f, zone))?;
        for sample in &f.evidence.samples {
            let text = sample.text.as_deref().unwrap_or(NO_TEXT);
            let line = format!("{}:{}: {}", sample.file, place(sample), text);
            for (j, piece) in wrap(&line, width.saturating_sub(6)).iter().enumerate() {
                let indent = if j == 0 { "    " } else { "      " };
                writeln!(out, "{indent}{piece}")?;
            }
        }
    }
    if omitted > 0 {
        writeln!(out, "\n{}", more_note(omitted, "finding"))?;
    }
    Ok(())
}

/// ` (new: not seen the day before)` for a finding the day before did not
/// have (with `-d`, when the input holds that day).
fn new_note(f: &Finding) -> &'static str {
    match f.new {
        Some(true) => NEW_NOTE,
        _ => "",
    }
}

/// How a finding the day before did not have is marked (text, Markdown
/// and the HTML page).
pub(super) const NEW_NOTE: &str = " (new: not seen the day before)";

/// In place of a sample's text when its input cannot be read again
/// (standard input, a pipe) or no longer has the line.
const NO_TEXT: &str = "(no longer readable)";

/// `84`, or `byte 10422` when the line number cannot be counted.
fn place(sample: &crate::report::findings::Sample) -> String {
    match sample.line {
        Some(line) => line.to_string(),
        None => format!("byte {}", sample.offset),
    }
}

/// `442 events, 391 recipients, 2 clients, 2026-11-23 14:04:29 to …`,
/// then `; log lines:` when the finding shows some.
fn evidence(f: &Finding, zone: &Zone) -> String {
    let lines = if f.evidence.samples.is_empty() {
        ""
    } else {
        "; log lines:"
    };
    format!("{}{lines}", evidence_counts(f, zone))
}

/// `442 events, 391 recipients, 2 clients, first … last … UTC` (the HTML
/// page's evidence line too).
pub(super) fn evidence_counts(f: &Finding, zone: &Zone) -> String {
    let e = &f.evidence;
    let mut parts = vec![plural(e.count, "event")];
    for (n, noun) in [
        (e.recipients, "recipient"),
        (e.clients, "client"),
        (e.messages, "message"),
    ] {
        if n > 0 {
            parts.push(plural(n, noun));
        }
    }
    let stamp = |t: Option<i64>| {
        t.and_then(|t| zone.local(t))
            .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
    };
    if let (Some(first), Some(last)) = (stamp(e.first_seen), stamp(e.last_seen)) {
        parts.push(format!("first {first}, last {last} {}", zone.label()));
    }
    parts.join(", ")
}

pub fn write_markdown(
    findings: &[Finding],
    omitted: usize,
    zone: &Zone,
    out: &mut dyn Write,
) -> io::Result<()> {
    if findings.is_empty() {
        return writeln!(out, "(none)");
    }
    for f in findings {
        writeln!(
            out,
            "- **{}** `{}` {}{}: {}",
            f.severity.as_str(),
            f.id,
            f.subject,
            new_note(f),
            f.summary
        )?;
        writeln!(out, "  - Why: {}", f.cause)?;
        writeln!(out, "  - Fix: {}", f.fix)?;
        if !f.check.is_empty() {
            let commands: Vec<String> = f.check.iter().map(|c| format!("`{c}`")).collect();
            writeln!(out, "  - Check: {}", commands.join(", "))?;
        }
        if let Some(c) = &f.confirmation {
            writeln!(
                out,
                "  - Configuration: {} ({})",
                c.verdict.as_str(),
                c.lines.join("; ")
            )?;
        }
        writeln!(out, "  - Evidence: {}", evidence(f, zone))?;
        if !f.evidence.samples.is_empty() {
            writeln!(out, "\n    ```text")?;
            for s in &f.evidence.samples {
                writeln!(
                    out,
                    "    {}:{}: {}",
                    s.file,
                    place(s),
                    s.text.as_deref().unwrap_or(NO_TEXT)
                )?;
            }
            writeln!(out, "    ```\n")?;
        }
    }
    if omitted > 0 {
        writeln!(out, "\n{}", more_note(omitted, "finding"))?;
    }
    Ok(())
}

pub const CSV_HEADER: &str = "severity,id,subject,summary,cause,fix,count,recipients,clients,messages,first_seen,last_seen,verdict";

pub fn write_csv(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    // `new` only when compared with the day before (`-d`).
    let compared = findings.iter().any(|f| f.new.is_some());
    let new_column = if compared { ",new" } else { "" };
    writeln!(out, "{CSV_HEADER}{new_column}")?;
    for f in findings {
        let e = &f.evidence;
        let time = |t: Option<i64>| t.and_then(full_time).unwrap_or_default();
        let new = match f.new {
            Some(new) if compared => format!(",{new}"),
            _ if compared => ",".to_string(),
            _ => String::new(),
        };
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}{new}",
            f.severity.as_str(),
            f.id,
            csv_field(&f.subject),
            csv_field(&f.summary),
            csv_field(&f.cause),
            csv_field(&f.fix),
            e.count,
            e.recipients,
            e.clients,
            e.messages,
            time(e.first_seen),
            time(e.last_seen),
            f.confirmation.as_ref().map_or("", |c| c.verdict.as_str()),
        )?;
    }
    Ok(())
}

pub fn json(f: &Finding) -> serde_json::Value {
    let e = &f.evidence;
    let time = |t: Option<i64>| t.and_then(full_time);
    let mut object = serde_json::json!({
        "id": f.id,
        "subject": f.subject,
        "severity": f.severity.as_str(),
        "summary": f.summary,
        "cause": f.cause,
        "fix": f.fix,
        "check": f.check,
        "evidence": {
            "count": e.count,
            "recipients": e.recipients,
            "clients": e.clients,
            "messages": e.messages,
            "first_seen": time(e.first_seen),
            "last_seen": time(e.last_seen),
            "samples": e.samples.iter().map(|s| serde_json::json!({
                "file": s.file,
                "line": s.line,
                "offset": s.offset,
                "text": s.text,
            })).collect::<Vec<_>>(),
        },
        "configuration": f.confirmation.as_ref().map(|c| serde_json::json!({
            "verdict": c.verdict.as_str(),
            "lines": c.lines,
        })),
    });
    // Only when compared with the day before (`-d`): false is an answer.
    if let (Some(new), Some(fields)) = (f.new, object.as_object_mut()) {
        fields.insert("new".to_string(), new.into());
    }
    object
}
