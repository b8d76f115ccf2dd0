//! The events the detectors read, taken out of the frame once: the policy
//! actions, the delivery attempts and Postfix's own problem reports, each
//! with its frame row, so that a finding can show its log lines.

use polars::prelude::*;

use super::Sample;
use crate::frame::rows::{self, Decoder, Stretch, Strs, Sym, Values, Wanted};
use crate::frame::{col, Projection};
use crate::input::readback::{self, Origin};
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
            EventKind::SaslFailure,
            EventKind::Master,
        ])
        .with_columns(COLUMNS)
        .with_accepted_clients()
}

/// Rows of the frame, read in place by column name: each row's frame row
/// and where that is among the frame's stretches. The frame holds the
/// strings; the detectors borrow them.
pub struct Table<'a> {
    frame: &'a DataFrame,
    stretches: &'a [Stretch],
    /// The frame row each row came from.
    pub rows: Vec<usize>,
    /// Per row: its stretch, and its place in the stretch.
    at: Vec<(u32, u32)>,
    /// Per row: its kind.
    kinds: Vec<EventKind>,
}

impl<'a> Table<'a> {
    fn new(frame: &'a DataFrame, stretches: &'a [Stretch]) -> Table<'a> {
        Table {
            frame,
            stretches,
            rows: Vec::new(),
            at: Vec::new(),
            kinds: Vec::new(),
        }
    }

    fn push(&mut self, stretch: usize, i: usize, kind: EventKind) {
        self.kinds.push(kind);
        self.rows.push(self.stretches[stretch].rows.start + i);
        // A frame has fewer than 2^32 rows (polars' row index is 32 bits).
        self.at.push((stretch as u32, i as u32));
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The kind of the `i`-th row.
    #[inline]
    pub fn kind(&self, i: usize) -> EventKind {
        self.kinds[i]
    }

    /// A string column (categorical or not); all null if the frame does
    /// not have it.
    pub fn text(&self, name: &str) -> Text<'_, 'a> {
        debug_assert!(COLUMNS.contains(&name), "{name} is read by the detectors");
        let parts = self
            .stretches
            .iter()
            .map(|s| Strs::of(self.frame, name, s).unwrap_or(Strs::Absent))
            .collect();
        Text {
            parts,
            at: &self.at,
        }
    }

    /// The SMTP reply code.
    pub fn code(&self) -> Numbers<'_, 'a, UInt16Type> {
        self.numbers(col::CODE, |c| c.u16())
    }

    /// The next hop's port.
    pub fn port(&self) -> Numbers<'_, 'a, UInt16Type> {
        self.numbers(col::RELAY_PORT, |c| c.u16())
    }

    fn numbers<T: PolarsNumericType>(
        &self,
        name: &str,
        typed: fn(&'a Column) -> PolarsResult<&'a ChunkedArray<T>>,
    ) -> Numbers<'_, 'a, T> {
        let parts = self
            .stretches
            .iter()
            .map(|s| Values::of(self.frame, name, typed, s).unwrap_or(Values::absent()))
            .collect();
        Numbers {
            parts,
            at: &self.at,
        }
    }

    /// The times (UTC microseconds; 0 if the frame has none).
    pub fn ts(&self) -> Stamps<'_, 'a> {
        let parts = self
            .stretches
            .iter()
            .map(|s| rows::stamps(self.frame, s).unwrap_or(Values::absent()))
            .collect();
        Stamps(Numbers {
            parts,
            at: &self.at,
        })
    }
}

/// A string column of a [`Table`].
pub struct Text<'t, 'a> {
    /// The column over each stretch of the frame.
    parts: Vec<Strs<'a>>,
    at: &'t [(u32, u32)],
}

impl<'a> Text<'_, 'a> {
    /// The value of the table's `i`-th row.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&'a str> {
        let (stretch, j) = self.at[i];
        self.parts[stretch as usize].get(j as usize)
    }

    /// The `i`-th row as a key to group by ([`Strs::sym`]).
    #[inline]
    pub fn sym(&self, i: usize) -> Sym<'a> {
        let (stretch, j) = self.at[i];
        self.parts[stretch as usize].sym(j as usize)
    }

    /// [`Text::sym`], and `None` for null.
    #[inline]
    pub fn key(&self, i: usize) -> Option<Sym<'a>> {
        let (stretch, j) = self.at[i];
        self.parts[stretch as usize].key(j as usize)
    }

    /// `value`, made ready for [`Text::is`].
    pub fn wanted<'v>(&self, value: &'v str) -> Wanted<'v> {
        match self.parts.first() {
            Some(part) => part.wanted(value),
            None => Wanted::Text(value),
        }
    }

    /// Whether the `i`-th row is `value` (made by [`Text::wanted`]).
    #[inline]
    pub fn is(&self, i: usize, value: &Wanted<'_>) -> bool {
        let (stretch, j) = self.at[i];
        self.parts[stretch as usize].is(j as usize, value)
    }
}

/// A number column of a [`Table`].
pub struct Numbers<'t, 'a, T: PolarsNumericType> {
    parts: Vec<Values<'a, T>>,
    at: &'t [(u32, u32)],
}

impl<T: PolarsNumericType> Numbers<'_, '_, T> {
    /// The value of the table's `i`-th row.
    #[inline]
    pub fn get(&self, i: usize) -> Option<T::Native> {
        let (stretch, j) = self.at[i];
        self.parts[stretch as usize].get(j as usize)
    }
}

/// The times of a [`Table`]'s rows.
pub struct Stamps<'t, 'a>(Numbers<'t, 'a, Int64Type>);

impl Stamps<'_, '_> {
    /// The time of the table's `i`-th row (0 if it has none).
    #[inline]
    pub fn get(&self, i: usize) -> Micros {
        self.0.get(i).unwrap_or(0)
    }
}

/// The detectors' view of a run.
pub struct Events<'a> {
    /// Rejects, reject warnings, milter rejects, holds, discards.
    pub actions: Table<'a>,
    pub deliveries: Table<'a>,
    /// Warnings, errors, fatal errors, panics.
    pub problems: Table<'a>,
    /// Messages accepted per client address (`client=` lines), counted by
    /// the scan: one line per message, never kept as rows.
    pub accepted: PlHashMap<&'a str, u64>,
    /// When each client address last authenticated as each account
    /// (`client=… sasl_username=`): address, account, time.
    pub authenticated: Vec<(&'a str, &'a str, Micros)>,
    /// smtpd's `NAME[ADDR]: SASL MECH authentication failed` warnings.
    pub sasl_failures: Table<'a>,
    /// master's and postfix-script's messages: starts, reloads, stops.
    pub master: Table<'a>,
    /// First and last event of the run.
    pub span: Option<(Micros, Micros)>,
    inputs: &'a [Origin<'a>],
    line_index: &'a LineIndex,
    /// The frame, for the input and offset of a sample's row.
    frame: &'a DataFrame,
    zone: Zone,
}

impl<'a> Events<'a> {
    /// The tables of `context`'s frame, sorted out in one pass over its
    /// `kind` column.
    pub fn read(context: &Context<'a>) -> PolarsResult<Events<'a>> {
        let (df, stretches) = (context.frame, context.stretches);
        let mut tables: [Table<'a>; 5] = std::array::from_fn(|_| Table::new(df, stretches));
        // The table of each kind read, by the kind's index.
        let mut table_of = [usize::MAX; EventKind::ALL.len()];
        let groups: [&[EventKind]; 5] = [
            ACTION_KINDS,
            &[EventKind::Delivery],
            PROBLEM_KINDS,
            &[EventKind::SaslFailure],
            &[EventKind::Master],
        ];
        for (table, kinds) in groups.iter().enumerate() {
            for kind in *kinds {
                table_of[kind.index()] = table;
            }
        }
        let read: Vec<EventKind> = groups.iter().flat_map(|k| k.iter().copied()).collect();
        for (s, stretch) in stretches.iter().enumerate() {
            let kind = Strs::of(df, col::KIND, stretch)?;
            let decoder = Decoder::new(&kind, &read, |k| k.as_str());
            decoder.each(&kind, stretch.len(), |i, k| {
                tables[table_of[k.index()]].push(s, i, k);
            });
        }
        let [actions, deliveries, problems, sasl_failures, master] = tables;
        Ok(Events {
            actions,
            deliveries,
            problems,
            accepted: context.session_stats.accepted().collect(),
            authenticated: context.session_stats.authenticated().collect(),
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
            let wanted: Vec<readback::Wanted> = mine
                .iter()
                .map(|&k| {
                    let (_, _, at, mark) = places[k];
                    readback::Wanted {
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
