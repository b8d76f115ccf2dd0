//! What changed since the day before: with `-d DAY`, the run reads the
//! same inputs for the day before DAY too (a second scan, of the totals'
//! and the findings' rows only) and the reports set each grand total beside
//! that day's and mark the findings that the day before did not have.
//!
//! The day before is compared only when the input holds it: some of its
//! events are in the input. When the input starts within that day (a log
//! rotated at 06:25 holds the day before from 06:25 on), the totals' title
//! says where its numbers start, so that a smaller number is not read as
//! less mail, and no finding is called new: it may have been in the hours
//! the input does not hold.

use std::collections::BTreeSet;

use polars::prelude::*;

use super::columns::{CHANGE, COUNT, DAY_BEFORE};
use super::findings::Finding;
use super::summary::Totals;
use super::Context;
use crate::parse::Micros;
use crate::window::Window;

/// The day before's numbers, as the run's own reports compute them.
#[derive(Clone, Debug, PartialEq)]
pub struct DayBefore {
    pub window: Window,
    pub totals: Totals,
    /// Its findings: what each is about.
    pub findings: Vec<Seen>,
    /// The input's first event, when it is within the day before (the
    /// input holds that day from then on).
    pub starts: Option<Micros>,
}

/// How long after the day before's midnight the input may start and still
/// hold that whole day: a log rotated at midnight starts seconds or
/// minutes after it, with the first line logged.
const STARTS_LATE: Micros = 15 * 60 * 1_000_000;

impl DayBefore {
    /// The day before from `context`, the reports' view of the scan of
    /// `window` (the day before): `None` when the input holds no event of
    /// it.
    pub fn of(context: &Context<'_>, window: Window) -> PolarsResult<Option<DayBefore>> {
        if context.counts.events == 0 {
            return Ok(None);
        }
        let totals = context.summary()?.totals.clone();
        let findings = super::findings::detect(context, false)?
            .into_iter()
            .map(|f| Seen {
                id: f.id,
                subject: f.subject,
                addresses: f.addresses.into_iter().collect(),
            })
            .collect();
        let starts = context
            .counts
            .first_event
            .filter(|&t| window.start.is_some_and(|s| t > s + STARTS_LATE));
        Ok(Some(DayBefore {
            window,
            totals,
            findings,
            starts,
        }))
    }

    /// The totals' title: `Grand totals, beside the day before (2026-11-22)`,
    /// with where its numbers start when the input starts within it.
    pub fn title(&self, title: &str, context: &Context<'_>) -> String {
        let zone = context.zone;
        let local = |t: Option<Micros>| t.and_then(|t| zone.local(t));
        let Some(day) = local(self.window.start) else {
            return title.to_string();
        };
        let day = day.format("%Y-%m-%d");
        match local(self.starts) {
            Some(starts) => format!(
                "{title}, beside the day before ({day}, from {} {} on: the input starts then)",
                starts.format("%H:%M"),
                zone.label()
            ),
            None => format!("{title}, beside the day before ({day})"),
        }
    }

    /// `totals` (section, item, count rows) with the day before's count
    /// and the change.
    pub fn beside(&self, totals: DataFrame, before: &[u64]) -> PolarsResult<DataFrame> {
        let today: Vec<u64> = totals.column(COUNT)?.u64()?.into_no_null_iter().collect();
        let change: Vec<i64> = today
            .iter()
            .zip(before)
            .map(|(&t, &b)| signed(t) - signed(b))
            .collect();
        let mut out = totals;
        out.with_column(Column::new(DAY_BEFORE.into(), before))?;
        out.with_column(Column::new(CHANGE.into(), change))?;
        Ok(out)
    }

    /// Whether `finding` (of the day) is new: the day before had none of
    /// its kind about the same thing.
    pub fn is_new(&self, finding: &Finding) -> bool {
        !self.findings.iter().any(|seen| seen.is(finding))
    }
}

/// What a finding of the day before was about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub id: &'static str,
    pub subject: String,
    pub addresses: BTreeSet<String>,
}

impl Seen {
    /// Whether `finding` is this one again: the same id about the same
    /// subject (`erg.school`, `127.0.0.5`) or, for findings about client
    /// addresses, whose subject is their count when there are several
    /// (`16 addresses`), about several addresses both days or about one
    /// that both name.
    fn is(&self, finding: &Finding) -> bool {
        if self.id != finding.id {
            return false;
        }
        if self.subject == finding.subject {
            return true;
        }
        let several = self.addresses.len() > 1 && finding.addresses.len() > 1;
        let shared = finding.addresses.iter().any(|a| self.addresses.contains(a));
        several || shared
    }
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
