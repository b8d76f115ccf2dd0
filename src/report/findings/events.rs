//! The events the detectors read, taken out of the frame once: the policy
//! actions, the delivery attempts and Postfix's own problem reports, each
//! with its frame row, so that a finding can show its log lines.

use polars::prelude::*;

use super::Sample;
use crate::frame::{col, Projection};
use crate::input::readback::{Origin, Wanted};
use crate::parse::{EventKind, Micros};
use crate::report::Context;
use crate::scan::LineIndex;
use crate::zone::Zone;

/// Policy actions the detectors read.
const ACTION_KINDS: &[EventKind] = &[
    EventKind::Reject,
    EventKind::RejectWarning,
    EventKind::MilterReject,
    EventKind::Hold,
    EventKind::Discard,
];

/// Problem reports: Postfix's warnings, errors, fatal errors, panics.
const PROBLEM_KINDS: &[EventKind] = &[
    EventKind::Warning,
    EventKind::Error,
    EventKind::Fatal,
    EventKind::Panic,
];

/// The columns the detectors read.
const COLUMNS: &[&str] = &[
    col::TS,
    col::INSTANCE,
    col::DAEMON,
    col::KIND,
    col::ACTION,
    col::QUEUE_ID,
    col::CLIENT_NAME,
    col::CLIENT_IP,
    col::CODE,
    col::ENHANCED,
    col::REASON,
    col::RESTRICTION,
    col::FROM,
    col::TO,
    col::TO_DOMAIN,
    col::SASL_USERNAME,
    col::RELAY_HOST,
    col::RELAY_IP,
    col::RELAY_PORT,
    col::DSN,
    col::STATUS,
    col::REMOTE_COMMAND,
    col::INPUT,
    col::OFFSET,
];

/// What [`Events::read`] needs of the frame.
pub fn reads() -> Projection {
    Projection::NONE
        .with_kinds(ACTION_KINDS)
        .with_kinds(PROBLEM_KINDS)
        .with_kinds(&[
            EventKind::Delivery,
            EventKind::Client,
            EventKind::SaslFailure,
            EventKind::Master,
        ])
        .with_columns(COLUMNS)
}

/// Rows of the frame with their string columns decoded, read by column
/// name. The columns hold the strings; the detectors borrow them.
pub struct Table {
    frame: DataFrame,
    /// The frame row each row came from.
    pub rows: Vec<usize>,
}

impl Table {
    fn of(df: &DataFrame, kinds: &[EventKind]) -> PolarsResult<Table> {
        let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        let with_rows = df.with_row_index("__row".into(), None)?;
        let mut wanted = vec!["__row"];
        wanted.extend(COLUMNS.iter().filter(|c| df.column(c).is_ok()));
        let narrow = with_rows.select(wanted)?;
        let frame = crate::report::grouping::rows_where(&narrow, col::KIND, &names)?;
        let rows = frame
            .column("__row")?
            .idx()?
            .iter()
            .map(|r| r.unwrap_or(0) as usize)
            .collect();
        Ok(Table { frame, rows })
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// A string column (categorical or not); all null if the frame does
    /// not have it.
    pub fn text(&self, name: &str) -> Vec<Option<&str>> {
        let Ok(column) = self.frame.column(name) else {
            return vec![None; self.len()];
        };
        match column.dtype() {
            DataType::Categorical(..) => column
                .cat32()
                .map(|c| c.iter_str().collect())
                .unwrap_or_else(|_| vec![None; self.len()]),
            _ => column
                .str()
                .map(|c| c.iter().collect())
                .unwrap_or_else(|_| vec![None; self.len()]),
        }
    }

    pub fn code(&self) -> Vec<Option<u16>> {
        match self.frame.column(col::CODE).ok().and_then(|c| c.u16().ok()) {
            Some(ca) => ca.iter().collect(),
            None => vec![None; self.len()],
        }
    }

    pub fn port(&self) -> Vec<Option<u16>> {
        match self
            .frame
            .column(col::RELAY_PORT)
            .ok()
            .and_then(|c| c.u16().ok())
        {
            Some(ca) => ca.iter().collect(),
            None => vec![None; self.len()],
        }
    }

    pub fn ts(&self) -> Vec<Micros> {
        match self
            .frame
            .column(col::TS)
            .ok()
            .and_then(|c| c.datetime().ok())
        {
            Some(ca) => ca.physical().iter().map(|t| t.unwrap_or(0)).collect(),
            None => vec![0; self.len()],
        }
    }
}

/// The detectors' view of a run.
pub struct Events<'a> {
    /// Rejects, reject warnings, milter rejects, holds, discards.
    pub actions: Table,
    pub deliveries: Table,
    /// Warnings, errors, fatal errors, panics.
    pub problems: Table,
    /// `client=` lines: the clients mail was accepted from.
    pub clients: Table,
    /// smtpd's `NAME[ADDR]: SASL MECH authentication failed` warnings.
    pub sasl_failures: Table,
    /// master's and postfix-script's messages: starts, reloads, stops.
    pub master: Table,
    /// First and last event of the run.
    pub span: Option<(Micros, Micros)>,
    inputs: &'a [Origin<'a>],
    line_index: &'a LineIndex,
    /// The frame, for the input and offset of a sample's row.
    frame: &'a DataFrame,
    zone: Zone,
}

impl<'a> Events<'a> {
    pub fn read(context: &Context<'a>) -> PolarsResult<Events<'a>> {
        let df = context.frame;
        let actions = Table::of(df, ACTION_KINDS)?;
        let deliveries = Table::of(df, &[EventKind::Delivery])?;
        let problems = Table::of(df, PROBLEM_KINDS)?;
        let clients = Table::of(df, &[EventKind::Client])?;
        let sasl_failures = Table::of(df, &[EventKind::SaslFailure])?;
        let master = Table::of(df, &[EventKind::Master])?;
        Ok(Events {
            actions,
            deliveries,
            problems,
            clients,
            sasl_failures,
            master,
            span: context.counts.span(&EventKind::ALL),
            inputs: context.inputs,
            line_index: context.line_index,
            frame: df,
            zone: context.zone.clone(),
        })
    }

    /// `2026-11-23 14:04 to 14:05 UTC`: a time span for sentences.
    pub fn when(&self, first: Option<Micros>, last: Option<Micros>) -> String {
        let (Some(first), Some(last)) = (
            first.and_then(|t| self.zone.local(t)),
            last.and_then(|t| self.zone.local(t)),
        ) else {
            return String::new();
        };
        let zone = self.zone.label();
        if first.date() == last.date() {
            if first.format("%H:%M").to_string() == last.format("%H:%M").to_string() {
                format!("at {} {zone}", first.format("%Y-%m-%d %H:%M"))
            } else {
                format!(
                    "{} to {} {zone}",
                    first.format("%Y-%m-%d %H:%M"),
                    last.format("%H:%M")
                )
            }
        } else {
            format!(
                "{} to {} {zone}",
                first.format("%Y-%m-%d %H:%M"),
                last.format("%Y-%m-%d %H:%M")
            )
        }
    }

    /// `2026-11-23 14:04 UTC`.
    pub fn at(&self, t: Micros) -> String {
        self.zone
            .local(t)
            .map(|d| format!("{} {}", d.format("%Y-%m-%d %H:%M"), self.zone.label()))
            .unwrap_or_default()
    }

    /// The sample lines of the frame rows of each list: file, line number
    /// and, when the input can still be read, the line itself. The lines
    /// of all lists are read back together, in one pass per input (a
    /// streamed input's bytes are gone after the scan: see
    /// [`crate::input::readback`]).
    pub fn samples(&self, lists: &[&[usize]]) -> Vec<Vec<Sample>> {
        // Each row's place: (list, input, offset, the mark before it).
        let mut places = Vec::new();
        for (list, rows) in lists.iter().enumerate() {
            for &row in rows.iter() {
                if let Some((input, offset)) = self.location(row) {
                    let mark = self.line_index.mark_before(input, offset);
                    places.push((list, input, offset, mark));
                }
            }
        }
        // Read back, input by input, the lines not known from a mark alone
        // (a mark at the line's own offset is a pipe's row: its number is
        // known, its text gone).
        let mut read = vec![None; places.len()];
        for (id, origin) in self.inputs.iter().enumerate() {
            let mine: Vec<usize> = (0..places.len())
                .filter(|&k| usize::from(places[k].1) == id)
                .collect();
            if mine.is_empty() {
                continue;
            }
            let wanted: Vec<Wanted> = mine
                .iter()
                .map(|&k| {
                    let (_, _, at, mark) = places[k];
                    Wanted {
                        from: mark.map_or(at, |m| m.offset),
                        at,
                    }
                })
                .collect();
            for (k, found) in mine.into_iter().zip(origin.read(&wanted)) {
                read[k] = found;
            }
        }
        let mut samples = vec![Vec::new(); lists.len()];
        for ((list, input, offset, mark), found) in places.into_iter().zip(read) {
            let Some(origin) = self.inputs.get(usize::from(input)) else {
                continue;
            };
            let line = match (&found, mark) {
                (Some(found), Some(mark)) => Some(mark.line + found.line_ends),
                (None, Some(mark)) if mark.offset == offset => Some(mark.line),
                _ => None,
            };
            samples[list].push(Sample {
                file: origin.name.clone(),
                line,
                offset,
                text: found.map(|f| f.text),
            });
        }
        samples
    }
}

impl Events<'_> {
    /// The input and byte offset of a frame row's line. (Looked up for the
    /// few rows shown, not indexed for all.)
    fn location(&self, row: usize) -> Option<(u16, u64)> {
        let input = self.frame.column(col::INPUT).ok()?.u16().ok()?.get(row)?;
        let offset = self.frame.column(col::OFFSET).ok()?.u64().ok()?.get(row)?;
        Some((input, offset))
    }
}

/// Up to three rows to show: the first, one from the middle, the last.
pub fn pick_samples(rows: &[usize]) -> Vec<usize> {
    match rows.len() {
        0 => Vec::new(),
        1 | 2 => rows.to_vec(),
        n => vec![rows[0], rows[n / 2], rows[n - 1]],
    }
}
