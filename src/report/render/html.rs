//! The report as one self-contained HTML page (`--format html`): every
//! byte inline (styles and the charts' SVG; no script, no font, no
//! request: a Content-Security-Policy says so to the browser too), so that
//! it opens offline, from a mail attachment or a share. In the order an
//! admin reads: the headline, the findings as cards (the evidence folded in
//! `<details>`), the charts, then every report asked for as a table with
//! the same numbers as the text output.

use std::io::{self, Write};

use super::{full_time, more_note, rows, Value};
use crate::report::charts::Chart;
use crate::report::findings::Finding;
use crate::report::{Body, Report, Rows};
use crate::zone::Zone;

/// No request of any kind: styles inline, images only as inline SVG (or,
/// in a mail, its own parts: [`MAIL_CSP`]).
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
const MAIL_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src cid:";

const STYLE: &str = "\
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1b1b1b;background:#fff;margin:0}
main{max-width:72rem;margin:0 auto;padding:1rem 1.5rem 3rem}
h1{font-size:1.35rem;margin:.5rem 0 1rem}
h2{font-size:1.1rem;margin:2rem 0 .4rem;border-bottom:1px solid #ccc}
h3{font-size:1rem;margin:0 0 .3rem}
.finding{border:1px solid #bbb;border-left-width:6px;border-radius:4px;padding:.6rem .9rem;margin:.7rem 0}
.finding.critical{border-left-color:#d55e00}
.finding.warning{border-left-color:#e69f00}
.finding.info{border-left-color:#0072b2}
.badge{display:inline-block;font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;padding:0 .4rem;border:1px solid currentColor;border-radius:3px;margin-right:.4rem}
.critical .badge{color:#a63d00}.warning .badge{color:#8a5d00}.info .badge{color:#005a8c}
.new{font-size:.85rem;font-weight:normal;color:#555}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem .8rem;margin:.4rem 0}
dt{font-weight:600}dd{margin:0}
pre{white-space:pre-wrap;word-break:break-all;font-size:.8rem;background:#f6f6f6;padding:.5rem;margin:.3rem 0}
table{border-collapse:collapse;margin:.3rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}
td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1rem 0}
figcaption{font-weight:600;margin-bottom:.3rem}
figure svg{max-width:100%;height:auto}
.note{color:#555;font-size:.9rem}
@media print{.finding{break-inside:avoid}details{display:block}}
";

/// How the page shows its charts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Images {
    /// As inline SVG: the page alone.
    InlineSvg,
    /// As `<img src="cid:ID">` of PNG parts: mail clients show neither SVG
    /// nor `data:` images ([`super::mail`]).
    Cid,
}

/// The page: `reports` as asked for, with `charts` after the findings.
pub fn write(
    reports: &[Report],
    charts: &[Chart],
    images: Images,
    zone: &Zone,
    input_problems: &[(String, String, bool)],
    out: &mut dyn Write,
) -> io::Result<()> {
    let headline = reports.iter().find_map(|r| match &r.body {
        Body::Line(line) => Some(line.as_str()),
        _ => None,
    });
    let title = headline.unwrap_or("maillog-report");
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"en\">")?;
    writeln!(out, "<head>")?;
    writeln!(out, "<meta charset=\"utf-8\">")?;
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        match images {
            Images::InlineSvg => CSP,
            Images::Cid => MAIL_CSP,
        }
    )?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        out,
        "<meta name=\"generator\" content=\"maillog-report {}\">",
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(out, "<title>{}</title>", escape(title))?;
    writeln!(out, "<style>\n{STYLE}</style>")?;
    writeln!(out, "</head>")?;
    writeln!(out, "<body>")?;
    writeln!(out, "<main>")?;
    if let Some(line) = headline {
        writeln!(out, "<h1 id=\"headline\">{}</h1>", escape(line))?;
    }
    let problems: Vec<&(String, String, bool)> = input_problems
        .iter()
        .filter(|(_, _, notice)| !notice)
        .collect();
    if !problems.is_empty() {
        writeln!(out, "<section id=\"input_problems\">")?;
        writeln!(out, "<h2>Inputs not read in full</h2>")?;
        writeln!(out, "<ul>")?;
        for (file, problem, _) in problems {
            writeln!(out, "<li>{}: {}</li>", escape(file), escape(problem))?;
        }
        writeln!(out, "</ul>")?;
        writeln!(out, "</section>")?;
    }
    let mut charted = charts.is_empty();
    for report in reports {
        match &report.body {
            Body::Line(_) => {}
            Body::Findings { findings, omitted } => {
                section_start(report, out)?;
                write_findings(findings, *omitted, zone, out)?;
                writeln!(out, "</section>")?;
                write_charts(charts, images, out)?;
                charted = true;
            }
            Body::Table(rows) => {
                if !charted {
                    write_charts(charts, images, out)?;
                    charted = true;
                }
                section_start(report, out)?;
                write_table(rows, zone, out)?;
                writeln!(out, "</section>")?;
            }
        }
    }
    if !charted {
        write_charts(charts, images, out)?;
    }
    writeln!(out, "</main>")?;
    writeln!(out, "</body>")?;
    writeln!(out, "</html>")
}

fn section_start(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "<section id=\"{}\">", report.name)?;
    writeln!(out, "<h2>{}</h2>", escape(&report.title))
}

fn write_charts(charts: &[Chart], images: Images, out: &mut dyn Write) -> io::Result<()> {
    if charts.is_empty() {
        return Ok(());
    }
    writeln!(out, "<section id=\"charts\">")?;
    writeln!(out, "<h2>Charts</h2>")?;
    for chart in charts {
        writeln!(out, "<figure id=\"chart-{}\">", chart.id)?;
        writeln!(out, "<figcaption>{}</figcaption>", escape(&chart.title))?;
        // The picture names itself for screen readers: its label says
        // what it shows, with the numbers.
        let label = escape(&chart.label);
        match images {
            Images::InlineSvg => {
                let svg = chart.svg.replacen(
                    "<svg ",
                    &format!("<svg role=\"img\" aria-label=\"{label}\" "),
                    1,
                );
                writeln!(out, "{}", svg.trim())?;
            }
            Images::Cid => writeln!(
                out,
                "<img src=\"cid:{}\" alt=\"{label}\" width=\"{}\" height=\"{}\">",
                chart.content_id(),
                chart.width,
                chart.height
            )?,
        }
        writeln!(out, "</figure>")?;
    }
    writeln!(out, "</section>")
}

fn write_findings(
    findings: &[Finding],
    omitted: usize,
    zone: &Zone,
    out: &mut dyn Write,
) -> io::Result<()> {
    if findings.is_empty() {
        return writeln!(out, "<p>No findings.</p>");
    }
    for f in findings {
        let severity = f.severity.as_str();
        writeln!(out, "<article class=\"finding {severity}\">")?;
        let new = match f.new {
            Some(true) => format!(
                " <span class=\"new\">{}</span>",
                super::findings::NEW_NOTE.trim_start()
            ),
            _ => String::new(),
        };
        writeln!(
            out,
            "<h3><span class=\"badge\">{severity}</span>{} {}{new}</h3>",
            escape(f.id),
            escape(&f.subject)
        )?;
        writeln!(out, "<p>{}</p>", escape(&f.summary))?;
        writeln!(out, "<dl>")?;
        for (label, text) in [("Why", &f.cause), ("Fix", &f.fix)] {
            if !text.is_empty() {
                writeln!(out, "<dt>{label}</dt><dd>{}</dd>", escape(text))?;
            }
        }
        if !f.check.is_empty() {
            let commands: Vec<String> = f
                .check
                .iter()
                .map(|c| format!("<code>{}</code>", escape(c)))
                .collect();
            writeln!(out, "<dt>Check</dt><dd>{}</dd>", commands.join("; "))?;
        }
        if let Some(c) = &f.confirmation {
            writeln!(
                out,
                "<dt>Configuration</dt><dd>{}: {}</dd>",
                c.verdict.as_str(),
                escape(&c.lines.join("; "))
            )?;
        }
        writeln!(out, "</dl>")?;
        let e = &f.evidence;
        writeln!(
            out,
            "<details><summary>Evidence: {}</summary>",
            escape(&super::findings::evidence_counts(f, zone))
        )?;
        if !e.samples.is_empty() {
            writeln!(out, "<pre>")?;
            for s in &e.samples {
                let place = match s.line {
                    Some(line) => line.to_string(),
                    None => format!("byte {}", s.offset),
                };
                writeln!(
                    out,
                    "{}:{place}: {}",
                    escape(&s.file),
                    escape(s.text.as_deref().unwrap_or("(no longer readable)"))
                )?;
            }
            writeln!(out, "</pre>")?;
        }
        writeln!(out, "</details>")?;
        writeln!(out, "</article>")?;
    }
    if omitted > 0 {
        writeln!(
            out,
            "<p class=\"note\">{}</p>",
            escape(&more_note(omitted, "finding"))
        )?;
    }
    Ok(())
}

fn write_table(table: &Rows, zone: &Zone, out: &mut dyn Write) -> io::Result<()> {
    let frame = &table.frame;
    writeln!(out, "<table>")?;
    write!(out, "<thead><tr>")?;
    for c in frame.columns() {
        write!(out, "<th scope=\"col\">{}</th>", escape(c.name()))?;
    }
    writeln!(out, "</tr></thead>")?;
    if frame.height() == 0 {
        writeln!(out, "</table>")?;
        return writeln!(out, "<p class=\"note\">(no rows)</p>");
    }
    writeln!(out, "<tbody>")?;
    for row in rows(frame) {
        write!(out, "<tr>")?;
        for v in &row {
            match v {
                Value::Null => write!(out, "<td></td>")?,
                Value::Number(n) => write!(out, "<td class=\"n\">{n}</td>")?,
                Value::Text(t) => write!(out, "<td>{}</td>", escape(t))?,
                Value::Time(us) => {
                    let local = zone
                        .local(*us)
                        .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or_default();
                    let machine = full_time(*us).unwrap_or_default();
                    write!(out, "<td><time datetime=\"{machine}\">{local}</time></td>")?
                }
            }
        }
        writeln!(out, "</tr>")?;
    }
    writeln!(out, "</tbody>")?;
    writeln!(out, "</table>")?;
    if table.omitted > 0 {
        writeln!(
            out,
            "<p class=\"note\">{}</p>",
            escape(&more_note(table.omitted, "row"))
        )?;
    }
    Ok(())
}

/// `text` safe in HTML text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn log_text_cannot_make_markup() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}
