//! Traffic counted per local hour while the summary walks the rows, made
//! into the days and hours tables at the end.
//!
//! A row's day and hour are those of its local time, a function of its
//! local hour number (UTC seconds plus the zone's offset at that instant,
//! divided by 3600): rows are counted under that number, and the date
//! and hour are worked out once per hour instead of once per row. A log's
//! rows come in time order, so the hour is nearly always the last one's.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use polars::prelude::PlHashMap;

use super::Traffic;
use crate::parse::Micros;
use crate::zone::Zone;

pub(super) struct Hourly<'z> {
    zone: &'z Zone,
    /// Per local hour number: its date and hour (`None` if the time has
    /// no local time) and its traffic, in order of first appearance.
    hours: Vec<(Option<(NaiveDate, u32)>, Traffic)>,
    index: PlHashMap<i64, usize>,
    /// The last hour number counted and its place in `hours`.
    last: Option<(i64, usize)>,
    /// The same per local minute (for the HTML page's chart of a short
    /// window), until there are more than [`MAX_MINUTES`]: then `None`.
    minutes: Option<Minutes>,
}

/// Minutes kept for a chart: six hours.
pub const MAX_MINUTES: usize = 360;

#[derive(Default)]
struct Minutes {
    minutes: Vec<(Option<NaiveDateTime>, Traffic)>,
    index: PlHashMap<i64, usize>,
    last: Option<(i64, usize)>,
}

impl<'z> Hourly<'z> {
    pub fn new(zone: &'z Zone) -> Self {
        Hourly {
            zone,
            hours: Vec::new(),
            index: PlHashMap::default(),
            last: None,
            minutes: Some(Minutes::default()),
        }
    }

    /// Counts `add` under the local day and hour of `ts`.
    pub fn add(&mut self, ts: Micros, add: impl Fn(&mut Traffic)) {
        let seconds = ts.div_euclid(1_000_000) + i64::from(self.zone.offset_at(ts));
        let hour = seconds.div_euclid(3600);
        let at = match self.last {
            Some((last, at)) if last == hour => at,
            _ => {
                let at = *self.index.entry(hour).or_insert_with(|| {
                    // Every time of this hour number has the same local date
                    // and hour: the first one seen stands for them.
                    let local = self.zone.local(ts).map(|t| (t.date(), t.hour()));
                    self.hours.push((local, Traffic::default()));
                    self.hours.len() - 1
                });
                self.last = Some((hour, at));
                at
            }
        };
        if let Some(minutes) = &mut self.minutes {
            let minute = seconds.div_euclid(60);
            let at = match minutes.last {
                Some((last, at)) if last == minute => Some(at),
                _ if minutes.index.len() >= MAX_MINUTES && !minutes.index.contains_key(&minute) => {
                    None
                }
                _ => {
                    let at = *minutes.index.entry(minute).or_insert_with(|| {
                        let local = self.zone.local(ts).map(|t| {
                            t.with_second(0)
                                .and_then(|t| t.with_nanosecond(0))
                                .unwrap_or(t)
                        });
                        minutes.minutes.push((local, Traffic::default()));
                        minutes.minutes.len() - 1
                    });
                    minutes.last = Some((minute, at));
                    Some(at)
                }
            };
            match at {
                Some(at) => add(&mut minutes.minutes[at].1),
                // Too many for a chart: the hours will do.
                None => self.minutes = None,
            }
        }
        add(&mut self.hours[at].1);
    }

    /// The traffic per minute (if there were at most [`MAX_MINUTES`]).
    pub fn minutes(&self) -> Option<BTreeMap<NaiveDateTime, Traffic>> {
        let minutes = self.minutes.as_ref()?;
        let mut out: BTreeMap<NaiveDateTime, Traffic> = BTreeMap::new();
        for (local, traffic) in &minutes.minutes {
            if let Some(local) = local {
                out.entry(*local).or_default().add(traffic);
            }
        }
        Some(out)
    }

    /// The traffic per day and per hour.
    pub fn finish(
        self,
    ) -> (
        BTreeMap<NaiveDate, Traffic>,
        BTreeMap<(NaiveDate, u32), Traffic>,
    ) {
        let mut days: BTreeMap<NaiveDate, Traffic> = BTreeMap::new();
        let mut hours: BTreeMap<(NaiveDate, u32), Traffic> = BTreeMap::new();
        for (local, traffic) in self.hours {
            let Some((day, hour)) = local else { continue };
            days.entry(day).or_default().add(&traffic);
            // An hour number is one local date and hour, and the other
            // way round: each hour comes once.
            hours.insert((day, hour), traffic);
        }
        (days, hours)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_hours_in_the_zone() {
        let zone = Zone::Fixed(-3600);
        let mut hourly = Hourly::new(&zone);
        let hour = 3_600_000_000;
        // 1970-01-02 00:30 UTC is 1970-01-01 23:30 at -01:00.
        let t = 24 * hour + hour / 2;
        hourly.add(t, |t| t.received += 1);
        hourly.add(t + hour / 4, |t| t.delivered += 1);
        hourly.add(t + hour, |t| t.bounced += 1);
        hourly.add(t, |t| t.rejected += 1);
        let (days, hours) = hourly.finish();
        let jan = |d| NaiveDate::from_ymd_opt(1970, 1, d).unwrap();
        let traffic = |received, delivered, bounced, rejected| Traffic {
            received,
            delivered,
            deferrals: 0,
            bounced,
            rejected,
            warn_hold_discard: 0,
        };
        assert_eq!(
            days.into_iter().collect::<Vec<_>>(),
            [(jan(1), traffic(1, 1, 0, 1)), (jan(2), traffic(0, 0, 1, 0))]
        );
        assert_eq!(
            hours.into_iter().collect::<Vec<_>>(),
            [
                ((jan(1), 23), traffic(1, 1, 0, 1)),
                ((jan(2), 0), traffic(0, 0, 1, 0))
            ]
        );
    }
}
