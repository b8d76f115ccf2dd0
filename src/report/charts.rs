//! Charts for the HTML report, drawn here as SVG with plotters (no chart
//! maths by hand): mailgraph's pair, traffic and errors, over the window
//! (per minute for a few hours, per hour for up to a week, per day for
//! longer), and the recipient
//! domains refused most. Each chart is computed from the same tables the
//! text reports print (the summary's traffic, the rejects table), so the
//! picture and the numbers cannot disagree.
//!
//! Colours are the Okabe–Ito palette (told apart by colour-blind readers)
//! and the lines differ in dash and width too, so that a grey printout
//! still tells the series apart.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use plotters::prelude::*;
use polars::prelude::*;

use super::columns::COUNT;
use super::summary::Traffic;
use super::Context;
use crate::frame::col;

/// One chart: what it shows, in words for screen readers too, and its SVG.
#[derive(Clone, Debug)]
pub struct Chart {
    /// `traffic`, `errors`, `reject_domains`: its id in the page.
    pub id: &'static str,
    pub title: String,
    /// What the chart shows, with its numbers' extent (`aria-label`).
    pub label: String,
    pub svg: String,
}

/// A series: its name, colour, and whether it is drawn dashed.
struct Series {
    name: &'static str,
    colour: RGBColor,
    dashed: bool,
    value: fn(&Traffic) -> u64,
}

const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
const GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);

const TRAFFIC: &[Series] = &[
    Series {
        name: "received",
        colour: BLUE,
        dashed: false,
        value: |t| t.received,
    },
    Series {
        name: "delivered",
        colour: GREEN,
        dashed: true,
        value: |t| t.delivered,
    },
];

const ERRORS: &[Series] = &[
    Series {
        name: "rejected",
        colour: VERMILLION,
        dashed: false,
        value: |t| t.rejected,
    },
    Series {
        name: "bounced",
        colour: PURPLE,
        dashed: true,
        value: |t| t.bounced,
    },
    Series {
        name: "deferrals",
        colour: ORANGE,
        dashed: true,
        value: |t| t.deferrals,
    },
];

const WIDTH: u32 = 760;
const HEIGHT: u32 = 280;
/// Recipient domains in the rejects chart.
const TOP_DOMAINS: usize = 10;

/// The charts of `context`'s run.
pub fn of(context: &Context<'_>) -> PolarsResult<Vec<Chart>> {
    let summary = context.summary()?;
    let zone = context.zone.label();
    // Per minute for a few hours, per hour for up to a week, else per day;
    // a bucket without traffic is a zero, not a gap.
    let (unit, points): (&str, Vec<(String, Traffic)>) = match &summary.minutes {
        Some(minutes) if summary.hours.len() <= 3 => {
            let filled = filled(minutes, chrono::Duration::minutes(1));
            ("minute", labelled(filled, "%H:%M"))
        }
        _ if summary.days.len() <= 7 => {
            let hours: BTreeMap<NaiveDateTime, Traffic> = summary
                .hours
                .iter()
                .filter_map(|((day, hour), t)| Some((day.and_hms_opt(*hour, 0, 0)?, *t)))
                .collect();
            let filled = filled(&hours, chrono::Duration::hours(1));
            ("hour", labelled(filled, "%m-%d %H:00"))
        }
        _ => {
            let days: BTreeMap<NaiveDateTime, Traffic> = summary
                .days
                .iter()
                .map(|(day, t)| (day.and_time(chrono::NaiveTime::MIN), *t))
                .collect();
            let filled = filled(&days, chrono::Duration::days(1));
            ("day", labelled(filled, "%Y-%m-%d"))
        }
    };
    let mut charts = vec![
        traffic_chart(
            "traffic",
            format!("Traffic per {unit} ({zone})"),
            unit,
            &points,
            TRAFFIC,
        ),
        traffic_chart(
            "errors",
            format!("Errors per {unit} ({zone})"),
            unit,
            &points,
            ERRORS,
        ),
    ];
    charts.push(reject_domains(context.rejects()?)?);
    Ok(charts)
}

/// Every bucket of `step` from the first of `traffic` to its last, with
/// zeros where nothing happened (at most a year of days, a week of hours).
fn filled(
    traffic: &BTreeMap<NaiveDateTime, Traffic>,
    step: chrono::Duration,
) -> Vec<(NaiveDateTime, Traffic)> {
    const MAX_POINTS: usize = 24 * 7 * 2;
    let (Some((&first, _)), Some((&last, _))) =
        (traffic.first_key_value(), traffic.last_key_value())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut at = first;
    while at <= last && out.len() < MAX_POINTS.max(traffic.len()) {
        out.push((at, traffic.get(&at).copied().unwrap_or_default()));
        at += step;
    }
    // Buckets the steps did not meet (a local hour twice, when the clocks
    // went back) are not lost.
    if out.len() < traffic.len() || out.last().is_some_and(|(t, _)| *t < last) {
        return traffic.iter().map(|(t, v)| (*t, *v)).collect();
    }
    out
}

fn labelled(points: Vec<(NaiveDateTime, Traffic)>, format: &str) -> Vec<(String, Traffic)> {
    points
        .into_iter()
        .map(|(t, v)| (t.format(format).to_string(), v))
        .collect()
}

/// A line chart of `series` over `points` (label, traffic).
fn traffic_chart(
    id: &'static str,
    title: String,
    unit: &str,
    points: &[(String, Traffic)],
    series: &[Series],
) -> Chart {
    let max = points
        .iter()
        .flat_map(|(_, t)| series.iter().map(move |s| (s.value)(t)))
        .max()
        .unwrap_or(0);
    let totals: Vec<String> = series
        .iter()
        .map(|s| {
            let sum: u64 = points.iter().map(|(_, t)| (s.value)(t)).sum();
            format!("{sum} {}", s.name)
        })
        .collect();
    let label = match (points.first(), points.last()) {
        (Some(first), Some(last)) => format!(
            "{title}: {} from {} to {}; at most {max} in one {unit}",
            totals.join(", "),
            first.0,
            last.0
        ),
        _ => format!("{title}: no traffic"),
    };
    let mut svg = String::new();
    // An SVG string cannot fail to be written; a chart that cannot be
    // drawn (an empty range) is left empty rather than failing the report.
    let _ = draw_lines(&mut svg, unit, points, series, max);
    Chart {
        id,
        title,
        label,
        svg,
    }
}

fn draw_lines(
    svg: &mut String,
    unit: &str,
    points: &[(String, Traffic)],
    series: &[Series],
    max: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let n = points.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .margin_right(48)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0..n - 1, 0..(max + max / 10).max(1))?;
    let labels: Vec<&str> = points.iter().map(|(l, _)| l.as_str()).collect();
    chart
        .configure_mesh()
        .x_desc(unit)
        .y_desc("messages")
        .x_labels(8.min(n))
        .x_label_formatter(&|i| labels.get(*i).map_or(String::new(), |l| l.to_string()))
        .max_light_lines(1)
        .light_line_style(RGBColor(0xF2, 0xF2, 0xF2))
        .draw()?;
    for s in series {
        // Few points: each marked, so that even one bucket shows.
        if n <= 60 {
            let marks = points
                .iter()
                .enumerate()
                .map(|(i, (_, t))| Circle::new((i, (s.value)(t)), 3, s.colour.filled()));
            chart.draw_series(marks)?;
        }
        let values = points
            .iter()
            .enumerate()
            .map(|(i, (_, t))| (i, (s.value)(t)));
        let style = s.colour.stroke_width(if s.dashed { 2 } else { 3 });
        let drawn = if s.dashed {
            chart.draw_series(DashedLineSeries::new(values, 6, 4, style))?
        } else {
            chart.draw_series(LineSeries::new(values, style))?
        };
        let colour = s.colour;
        let dashed = s.dashed;
        drawn.label(s.name).legend(move |(x, y)| {
            let end = if dashed { x + 8 } else { x + 18 };
            PathElement::new(vec![(x, y), (end, y)], colour.stroke_width(3))
        });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(0x99, 0x99, 0x99))
        .draw()?;
    root.present()?;
    Ok(())
}

/// The recipient domains refused most (the rejects table's counts, added
/// over its codes and restrictions), as horizontal bars.
fn reject_domains(rejects: &DataFrame) -> PolarsResult<Chart> {
    let mut by_domain: Vec<(String, u64)> = Vec::new();
    if rejects.height() > 0 {
        let domains = rejects
            .column(col::TO_DOMAIN)?
            .as_materialized_series()
            .cast(&DataType::String)?;
        let domains = domains.str()?;
        let counts = rejects
            .column(COUNT)?
            .as_materialized_series()
            .cast(&DataType::UInt64)?;
        let counts = counts.u64()?;
        let mut totals: std::collections::BTreeMap<String, u64> = Default::default();
        for (d, c) in domains.iter().zip(counts.iter()) {
            *totals.entry(d.unwrap_or("(none)").to_string()).or_default() += c.unwrap_or(0);
        }
        by_domain = totals.into_iter().collect();
        by_domain.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    let shown: Vec<(String, u64)> = by_domain.iter().take(TOP_DOMAINS).cloned().collect();
    let title = "Recipient domains refused most".to_string();
    let label = if shown.is_empty() {
        format!("{title}: no rejects")
    } else {
        let listed: Vec<String> = shown.iter().map(|(d, n)| format!("{d} {n}")).collect();
        format!("{title}: {}", listed.join(", "))
    };
    let mut svg = String::new();
    let _ = draw_bars(&mut svg, &shown);
    Ok(Chart {
        id: "reject_domains",
        title,
        label,
        svg,
    })
}

fn draw_bars(svg: &mut String, bars: &[(String, u64)]) -> Result<(), Box<dyn std::error::Error>> {
    let height = 60 + 26 * bars.len().max(1) as u32;
    let root = SVGBackend::with_string(svg, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let max = bars.iter().map(|b| b.1).max().unwrap_or(1);
    let n = bars.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(200)
        .build_cartesian_2d(0..(max + max / 10).max(1), (0..n).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc("rejects")
        .y_labels(n)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(row) => bars
                .get(n - 1 - *row)
                .map_or(String::new(), |b| format!("{} ({})", b.0, b.1)),
            _ => String::new(),
        })
        .max_light_lines(1)
        .light_line_style(RGBColor(0xF2, 0xF2, 0xF2))
        .draw()?;
    // The most refused on top.
    chart.draw_series(bars.iter().enumerate().map(|(i, (_, count))| {
        let row = n - 1 - i;
        let mut bar = Rectangle::new(
            [
                (0, SegmentValue::Exact(row)),
                (*count, SegmentValue::Exact(row + 1)),
            ],
            VERMILLION.mix(0.85).filled(),
        );
        bar.set_margin(4, 4, 0, 0);
        bar
    }))?;
    root.present()?;
    Ok(())
}
