//! Charts for the HTML report, drawn here as SVG with plotters (no chart
//! maths by hand): mailgraph's pair, traffic and errors, over the window
//! (per minute for a few hours, per hour for up to a week, per day for
//! longer), the rejects by restriction over the same buckets (stacked),
//! the delivery delays' percentiles, and the recipient domains and reply
//! codes refused most. The traffic, the domains and the codes come from the tables the text reports
//! print (the summary's traffic, the rejects table), so the picture and
//! the numbers cannot disagree; the restrictions and the delays are read
//! from the same frame rows, with the same rules (final deliveries only).
//!
//! Colours are the Okabe–Ito palette (told apart by colour-blind readers)
//! and the lines differ in dash and width too, so that a grey printout
//! still tells the series apart.

use std::collections::BTreeMap;

use chrono::{NaiveDateTime, Timelike};
use plotters::prelude::*;
use polars::prelude::*;

use super::columns::COUNT;
use super::summary::Traffic;
use super::Context;
use crate::frame::col;
use crate::frame::rows::{self, Strs, Values};
use crate::parse::{DeliveryStatus, EventKind};

/// One chart: what it shows, in words for screen readers too, and its SVG.
#[derive(Clone, Debug)]
pub struct Chart {
    /// `traffic`, `errors`, `reject_domains`: its id in the page.
    pub id: &'static str,
    pub title: String,
    /// What the chart shows, with its numbers' extent (`aria-label`).
    pub label: String,
    pub svg: String,
    /// The picture's size in pixels.
    pub width: u32,
    pub height: u32,
}

impl Chart {
    /// The `Content-ID` of its PNG part in a mail (`traffic@maillog-report`).
    pub fn content_id(&self) -> String {
        format!("{}@maillog-report", self.id)
    }

    /// The chart as a PNG, rasterized from its SVG with resvg (mail clients
    /// show neither SVG nor `data:` images), its text in `fonts`; `None`
    /// if it cannot be drawn.
    pub fn png(&self, fonts: &std::sync::Arc<resvg::usvg::fontdb::Database>) -> Option<Vec<u8>> {
        let options = resvg::usvg::Options {
            fontdb: std::sync::Arc::clone(fonts),
            ..resvg::usvg::Options::default()
        };
        let tree = resvg::usvg::Tree::from_str(&self.svg, &options).ok()?;
        let size = tree.size().to_int_size();
        let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())?;
        resvg::render(
            &tree,
            resvg::tiny_skia::Transform::default(),
            &mut pixmap.as_mut(),
        );
        pixmap.encode_png().ok()
    }
}

/// The fonts the PNG charts' text is drawn in: the system's (Debian:
/// fonts-dejavu-core); without any, the PNGs have no text.
pub fn system_fonts() -> std::sync::Arc<resvg::usvg::fontdb::Database> {
    let mut fonts = resvg::usvg::fontdb::Database::new();
    fonts.load_system_fonts();
    // The charts ask for `sans-serif`, which fontdb takes for Arial (it
    // does not read fontconfig's aliases): name one the system has.
    let families: Vec<String> = fonts
        .faces()
        .flat_map(|face| face.families.iter().map(|(name, _)| name.clone()))
        .collect();
    let sans = [
        "DejaVu Sans",
        "Liberation Sans",
        "Noto Sans",
        "Arial",
        "Helvetica",
    ]
    .iter()
    .map(|f| f.to_string())
    .find(|f| families.contains(f))
    .or_else(|| families.first().cloned());
    if let Some(sans) = sans {
        fonts.set_sans_serif_family(sans.clone());
        fonts.set_serif_family(sans);
    }
    std::sync::Arc::new(fonts)
}

/// A line of a chart: its name, colour, and whether it is drawn dashed.
struct Line {
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

const TRAFFIC: &[Line] = &[
    Line {
        name: "received",
        colour: BLUE,
        dashed: false,
        value: |t| t.received,
    },
    Line {
        name: "delivered",
        colour: GREEN,
        dashed: true,
        value: |t| t.delivered,
    },
];

const ERRORS: &[Line] = &[
    Line {
        name: "rejected",
        colour: VERMILLION,
        dashed: false,
        value: |t| t.rejected,
    },
    Line {
        name: "bounced",
        colour: PURPLE,
        dashed: true,
        value: |t| t.bounced,
    },
    Line {
        name: "deferrals",
        colour: ORANGE,
        dashed: true,
        value: |t| t.deferrals,
    },
];

const WIDTH: u32 = 760;

/// The height of a bar chart of `bars` bars.
fn bars_height(bars: usize) -> u32 {
    60 + 28 * bars.max(1) as u32
}
const HEIGHT: u32 = 280;
/// Bars of the rejects' bar charts (domains, codes).
const TOP_DOMAINS: usize = 10;

/// The charts of `context`'s run.
pub fn of(context: &Context<'_>) -> PolarsResult<Vec<Chart>> {
    let summary = context.summary()?;
    let zone = context.zone.label();
    // Per minute for a few hours, per hour for up to a week, else per day;
    // a bucket without traffic is a zero, not a gap.
    let unit = match &summary.minutes {
        Some(_) if summary.hours.len() <= 3 => Unit::Minute,
        _ if summary.days.len() <= 7 => Unit::Hour,
        _ => Unit::Day,
    };
    let traffic: BTreeMap<NaiveDateTime, Traffic> = match unit {
        Unit::Minute => summary.minutes.clone().unwrap_or_default(),
        Unit::Hour => summary
            .hours
            .iter()
            .filter_map(|((day, hour), t)| Some((day.and_hms_opt(*hour, 0, 0)?, *t)))
            .collect(),
        Unit::Day => summary
            .days
            .iter()
            .map(|(day, t)| (day.and_time(chrono::NaiveTime::MIN), *t))
            .collect(),
    };
    let points = labelled(filled(&traffic, unit.step()), unit);
    let unit_name = unit.name();
    let mut charts = vec![
        traffic_chart(
            "traffic",
            format!("Traffic per {unit_name} ({zone})"),
            unit_name,
            &points,
            TRAFFIC,
        ),
        traffic_chart(
            "errors",
            format!("Errors per {unit_name} ({zone})"),
            unit_name,
            &points,
            ERRORS,
        ),
    ];
    charts.push(rejects_by_restriction(context, unit, traffic.keys())?);
    charts.push(reject_domains(context.rejects()?)?);
    charts.push(reject_codes(context.rejects()?)?);
    charts.push(delivery_delays(context)?);
    Ok(charts)
}

/// Every bucket of `step` from the first of `traffic` to its last, with
/// zeros where nothing happened.
fn filled(
    traffic: &BTreeMap<NaiveDateTime, Traffic>,
    step: chrono::Duration,
) -> Vec<(NaiveDateTime, Traffic)> {
    filled_with(traffic, step, Traffic::default())
}

/// [`filled`] with `zero` for the empty buckets: up to two weeks of hours
/// (or as many buckets as there are values); when the steps miss a value
/// (a local hour twice, when the clocks went back), the values alone.
fn filled_with<T: Clone>(
    values: &BTreeMap<NaiveDateTime, T>,
    step: chrono::Duration,
    zero: T,
) -> Vec<(NaiveDateTime, T)> {
    const MAX_POINTS: usize = 24 * 7 * 2;
    let (Some((&first, _)), Some((&last, _))) = (values.first_key_value(), values.last_key_value())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut at = first;
    while at <= last && out.len() < MAX_POINTS.max(values.len()) {
        out.push((at, values.get(&at).cloned().unwrap_or_else(|| zero.clone())));
        at += step;
    }
    let met = out.iter().filter(|(t, _)| values.contains_key(t)).count();
    if met < values.len() {
        return values.iter().map(|(t, v)| (*t, v.clone())).collect();
    }
    out
}

fn labelled<T>(points: Vec<(NaiveDateTime, T)>, unit: Unit) -> Vec<(String, T)> {
    points
        .into_iter()
        .map(|(t, v)| (t.format(unit.format()).to_string(), v))
        .collect()
}

/// The buckets of the charts over time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Minute,
    Hour,
    Day,
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Unit::Minute => "minute",
            Unit::Hour => "hour",
            Unit::Day => "day",
        }
    }

    fn step(self) -> chrono::Duration {
        match self {
            Unit::Minute => chrono::Duration::minutes(1),
            Unit::Hour => chrono::Duration::hours(1),
            Unit::Day => chrono::Duration::days(1),
        }
    }

    fn format(self) -> &'static str {
        match self {
            Unit::Minute => "%H:%M",
            Unit::Hour => "%m-%d %H:00",
            Unit::Day => "%Y-%m-%d",
        }
    }

    /// The bucket of a local time.
    fn of(self, t: NaiveDateTime) -> NaiveDateTime {
        let date = t.date();
        let (h, m) = (t.hour(), t.minute());
        match self {
            Unit::Minute => date.and_hms_opt(h, m, 0),
            Unit::Hour => date.and_hms_opt(h, 0, 0),
            Unit::Day => date.and_hms_opt(0, 0, 0),
        }
        .unwrap_or(t)
    }
}

/// Restrictions named in the stacked chart; the others are `other`.
const TOP_RESTRICTIONS: usize = 5;
const STACK: [RGBColor; 6] = [
    VERMILLION,
    BLUE,
    ORANGE,
    GREEN,
    PURPLE,
    RGBColor(0x56, 0xB4, 0xE9),
];

/// Rejects per bucket, by the restriction that refused them (the five
/// that refused most, then `other`), stacked.
fn rejects_by_restriction<'t>(
    context: &Context<'_>,
    unit: Unit,
    traffic: impl Iterator<Item = &'t NaiveDateTime>,
) -> PolarsResult<Chart> {
    let df = context.frame;
    // The names borrow from the frame: no string per reject.
    let mut by_bucket: BTreeMap<NaiveDateTime, BTreeMap<&str, u64>> = BTreeMap::new();
    let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
    for stretch in &rows::stretches(df) {
        let kind = Strs::of(df, col::KIND, stretch)?;
        let restriction = Strs::of(df, col::RESTRICTION, stretch)?;
        let ts = rows::stamps(df, stretch)?;
        let reject = kind.wanted(EventKind::Reject.as_str());
        for i in 0..stretch.len() {
            if !kind.is(i, &reject) {
                continue;
            }
            let Some(local) = ts.get(i).and_then(|t| context.zone.local(t)) else {
                continue;
            };
            let name = restriction.get(i).unwrap_or("unknown");
            *totals.entry(name).or_default() += 1;
            *by_bucket
                .entry(unit.of(local))
                .or_default()
                .entry(name)
                .or_default() += 1;
        }
    }
    let ranked = super::findings::ranked(totals.iter().map(|(k, v)| (*k, *v)));
    let mut names: Vec<String> = ranked
        .iter()
        .take(TOP_RESTRICTIONS)
        .map(|(k, _)| k.to_string())
        .collect();
    let others = ranked.len() > TOP_RESTRICTIONS;
    if others {
        names.push("other".to_string());
    }
    // Over the traffic charts' buckets too, so that the three line up.
    let mut stacks: BTreeMap<NaiveDateTime, Vec<u64>> = by_bucket
        .into_iter()
        .map(|(t, counts)| {
            let mut row = vec![0u64; names.len()];
            for (name, n) in counts {
                let at = names
                    .iter()
                    .position(|k| *k == name)
                    .unwrap_or(names.len() - 1);
                row[at] += n;
            }
            (t, row)
        })
        .collect();
    for t in traffic {
        stacks.entry(*t).or_insert_with(|| vec![0; names.len()]);
    }
    let mut points = labelled(
        filled_with(&stacks, unit.step(), vec![0; names.len()]),
        unit,
    );
    // One bucket: an area needs two points; drawn as a flat band.
    if points.len() == 1 {
        points.push(points[0].clone());
    }
    let title = format!(
        "Rejects per {} by restriction ({})",
        unit.name(),
        context.zone.label()
    );
    let label = if ranked.is_empty() {
        format!("{title}: no rejects")
    } else {
        let listed: Vec<String> = ranked
            .iter()
            .take(TOP_RESTRICTIONS)
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        let rest: u64 = ranked.iter().skip(TOP_RESTRICTIONS).map(|(_, n)| n).sum();
        let rest = if others {
            format!(", other {rest}")
        } else {
            String::new()
        };
        format!("{title}: {}{rest}", listed.join(", "))
    };
    let mut svg = String::new();
    let _ = draw_stack(&mut svg, unit.name(), &points, &names);
    Ok(Chart {
        id: "rejects_by_restriction",
        title,
        label,
        svg,
        width: WIDTH,
        height: HEIGHT,
    })
}

fn draw_stack(
    svg: &mut String,
    unit: &str,
    points: &[(String, Vec<u64>)],
    names: &[String],
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let max = points
        .iter()
        .map(|(_, v)| v.iter().sum::<u64>())
        .max()
        .unwrap_or(0);
    let labels: Vec<&str> = points.iter().map(|(l, _)| l.as_str()).collect();
    let mut chart = time_axes(&root, unit, "rejects", &labels, max)?;
    // Each layer is the sum of itself and the layers under it, drawn from
    // the top down so that each shows above the next.
    for k in (0..names.len()).rev() {
        let colour = STACK[k % STACK.len()];
        let layer = points
            .iter()
            .enumerate()
            .map(|(i, (_, v))| (i, v[..=k].iter().sum::<u64>()));
        chart
            .draw_series(
                AreaSeries::new(layer, 0, colour.mix(0.8)).border_style(colour.stroke_width(1)),
            )?
            .label(names[k].as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled()));
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

/// Delivery delays (`delay=` of final deliveries: not a content filter's
/// hop, not a forward): the median, the 90th, 95th and 99th percentiles
/// and the longest, as bars.
fn delivery_delays(context: &Context<'_>) -> PolarsResult<Chart> {
    let df = context.frame;
    let hop = &context.messages()?.hop;
    let mut delays: Vec<f64> = Vec::new();
    for stretch in &rows::stretches(df) {
        let kind = Strs::of(df, col::KIND, stretch)?;
        let status = Strs::of(df, col::STATUS, stretch)?;
        let reason = Strs::of(df, col::REASON, stretch)?;
        let delay = Values::of(df, col::DELAY, |c| c.f32(), stretch)?;
        let delivery = kind.wanted(EventKind::Delivery.as_str());
        let sent = status.wanted(DeliveryStatus::Sent.as_str());
        for i in 0..stretch.len() {
            let row = stretch.rows.start + i;
            let forwarded = reason
                .get(i)
                .is_some_and(|r| r.starts_with("forwarded as "));
            if !kind.is(i, &delivery)
                || !status.is(i, &sent)
                || forwarded
                || (!context.count_filter_hops && hop.get(row).copied().unwrap_or(false))
            {
                continue;
            }
            if let Some(d) = delay.get(i) {
                // `delay=` has at most 3 decimals (see the summary).
                delays.push((f64::from(d) * 1000.0).round() / 1000.0);
            }
        }
    }
    delays.sort_by(f64::total_cmp);
    // Nearest rank: the smallest delay with at least p% at or below it.
    let rank = |p: f64| -> Option<f64> {
        let n = delays.len();
        (n > 0).then(|| delays[((p / 100.0 * n as f64).ceil() as usize).clamp(1, n) - 1])
    };
    let bars: Vec<(String, f64)> = [
        ("median", 50.0),
        ("90th", 90.0),
        ("95th", 95.0),
        ("99th", 99.0),
        ("longest", 100.0),
    ]
    .iter()
    .filter_map(|(name, p)| Some((name.to_string(), rank(*p)?)))
    .collect();
    let title = "Delivery delays (seconds, final deliveries)".to_string();
    let label = if bars.is_empty() {
        format!("{title}: no deliveries")
    } else {
        let listed: Vec<String> = bars.iter().map(|(k, v)| format!("{k} {v} s")).collect();
        format!(
            "{title} of {} deliveries: {}",
            delays.len(),
            listed.join(", ")
        )
    };
    let mut svg = String::new();
    let _ = draw_bars(&mut svg, &bars, &DELAY_BARS);
    Ok(Chart {
        id: "delivery_delays",
        title,
        label,
        svg,
        width: WIDTH,
        height: bars_height(bars.len()),
    })
}

/// A line chart of `series` over `points` (label, traffic).
fn traffic_chart(
    id: &'static str,
    title: String,
    unit: &str,
    points: &[(String, Traffic)],
    series: &[Line],
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
        width: WIDTH,
        height: HEIGHT,
    }
}

/// A chart over time's axes on `root`: one bucket per `labels` entry
/// (eight of them written), counts from 0 to a tenth above `max`.
fn time_axes<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    unit: &str,
    counts: &str,
    labels: &[&str],
    max: u64,
) -> Result<
    ChartContext<
        'a,
        SVGBackend<'b>,
        Cartesian2d<
            plotters::coord::types::RangedCoordusize,
            plotters::coord::types::RangedCoordu64,
        >,
    >,
    Box<dyn std::error::Error>,
> {
    let n = labels.len().max(1);
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .margin_right(48)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0..n - 1, 0..(max + max / 10).max(1))?;
    chart
        .configure_mesh()
        .x_desc(unit)
        .y_desc(counts)
        .x_labels(8.min(n))
        .x_label_formatter(&|i| labels.get(*i).map_or(String::new(), |l| l.to_string()))
        .max_light_lines(1)
        .light_line_style(RGBColor(0xF2, 0xF2, 0xF2))
        .draw()?;
    Ok(chart)
}

fn draw_lines(
    svg: &mut String,
    unit: &str,
    points: &[(String, Traffic)],
    series: &[Line],
    max: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let n = points.len().max(1);
    let labels: Vec<&str> = points.iter().map(|(l, _)| l.as_str()).collect();
    let mut chart = time_axes(&root, unit, "messages", &labels, max)?;
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
    top_rejects(
        rejects,
        "reject_domains",
        "Recipient domains refused most",
        &[col::TO_DOMAIN],
    )
}

/// The replies refused with most (SMTP and enhanced code), as bars.
fn reject_codes(rejects: &DataFrame) -> PolarsResult<Chart> {
    top_rejects(
        rejects,
        "reject_codes",
        "Reject codes used most",
        &[col::CODE, col::ENHANCED],
    )
}

/// The rejects table's counts added up by `keys` (joined with a space),
/// the largest [`TOP_DOMAINS`], as horizontal bars.
fn top_rejects(
    rejects: &DataFrame,
    id: &'static str,
    title: &str,
    keys: &[&str],
) -> PolarsResult<Chart> {
    let mut totals: BTreeMap<String, u64> = BTreeMap::new();
    if rejects.height() > 0 {
        let columns: Vec<Series> = keys
            .iter()
            .map(|k| {
                rejects
                    .column(k)?
                    .as_materialized_series()
                    .cast(&DataType::String)
            })
            .collect::<PolarsResult<_>>()?;
        let columns: Vec<&StringChunked> = columns
            .iter()
            .map(|c| c.str())
            .collect::<PolarsResult<_>>()?;
        let counts = rejects
            .column(COUNT)?
            .as_materialized_series()
            .cast(&DataType::UInt64)?;
        for (i, count) in counts.u64()?.iter().enumerate() {
            let key: Vec<&str> = columns
                .iter()
                .map(|c| c.get(i).unwrap_or(""))
                .filter(|k| !k.is_empty())
                .collect();
            let key = if key.is_empty() {
                "(none)".to_string()
            } else {
                key.join(" ")
            };
            *totals.entry(key).or_default() += count.unwrap_or(0);
        }
    }
    let ranked = super::findings::ranked(totals.iter().map(|(k, v)| (k.as_str(), *v)));
    let shown: Vec<(String, u64)> = ranked
        .iter()
        .take(TOP_DOMAINS)
        .map(|(k, n)| (k.to_string(), *n))
        .collect();
    let title = title.to_string();
    let label = if shown.is_empty() {
        format!("{title}: no rejects")
    } else {
        let listed: Vec<String> = shown.iter().map(|(d, n)| format!("{d} {n}")).collect();
        format!("{title}: {}", listed.join(", "))
    };
    let mut svg = String::new();
    let values: Vec<(String, f64)> = shown.iter().map(|(k, n)| (k.clone(), *n as f64)).collect();
    let _ = draw_bars(&mut svg, &values, &REJECT_BARS);
    Ok(Chart {
        id,
        title,
        label,
        svg,
        width: WIDTH,
        height: bars_height(shown.len()),
    })
}

/// How a bar chart reads: the value axis, the unit after each bar's value
/// in its label, the bars' colour, the room for the labels.
struct Bars {
    axis: &'static str,
    unit: &'static str,
    /// Counts: the axis without decimals.
    whole: bool,
    colour: RGBColor,
    label_width: u32,
}

const REJECT_BARS: Bars = Bars {
    axis: "rejects",
    unit: "",
    whole: true,
    colour: VERMILLION,
    label_width: 200,
};

const DELAY_BARS: Bars = Bars {
    axis: "seconds",
    unit: " s",
    whole: false,
    colour: BLUE,
    label_width: 140,
};

/// Horizontal bars, the first on top, each labelled with its name and value.
fn draw_bars(
    svg: &mut String,
    bars: &[(String, f64)],
    style: &Bars,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, (WIDTH, bars_height(bars.len()))).into_drawing_area();
    root.fill(&WHITE)?;
    let max = bars.iter().map(|b| b.1).fold(0.0, f64::max);
    let max = if max > 0.0 { max * 1.1 } else { 1.0 };
    let n = bars.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .margin_right(48)
        .x_label_area_size(30)
        .y_label_area_size(style.label_width)
        .build_cartesian_2d(0.0..max, (0..n).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(style.axis)
        .x_label_formatter(&|x| {
            if style.whole {
                format!("{x:.0}")
            } else {
                format!("{x}")
            }
        })
        .y_labels(n)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(row) => bars.get(n - 1 - *row).map_or(String::new(), |b| {
                format!("{} ({}{})", b.0, b.1, style.unit)
            }),
            _ => String::new(),
        })
        .max_light_lines(1)
        .light_line_style(RGBColor(0xF2, 0xF2, 0xF2))
        .draw()?;
    chart.draw_series(bars.iter().enumerate().map(|(i, (_, value))| {
        let row = n - 1 - i;
        let mut bar = Rectangle::new(
            [
                (0.0, SegmentValue::Exact(row)),
                (*value, SegmentValue::Exact(row + 1)),
            ],
            style.colour.mix(0.85).filled(),
        );
        bar.set_margin(4, 4, 0, 0);
        bar
    }))?;
    root.present()?;
    Ok(())
}
