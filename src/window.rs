//! The time window a run reports on: `-d today|yesterday|YYYY-MM-DD`, or
//! `--since`/`--until` (RFC 3339, a date, or a date and time in the run's
//! zone). Events outside the window are counted in the line accounting and
//! left out of every report, as pflogsumm's `-d` leaves lines out; a
//! message received in the window and finished after it is received and
//! still open.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime};

use crate::parse::Micros;
use crate::zone::Zone;

/// `[start, end)` in UTC microseconds; either end may be open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    pub start: Option<Micros>,
    pub end: Option<Micros>,
}

impl Window {
    pub const ALL: Window = Window {
        start: None,
        end: None,
    };

    pub fn contains(&self, ts: Micros) -> bool {
        self.start.is_none_or(|s| ts >= s) && self.end.is_none_or(|e| ts < e)
    }

    pub fn is_all(&self) -> bool {
        self.start.is_none() && self.end.is_none()
    }

    /// `-d`: a whole day of `zone`; `now` is the current time (UTC).
    pub fn day(spec: &str, zone: &Zone, now: Micros) -> Result<Window, String> {
        let today = zone
            .local(now)
            .map(|t| t.date())
            .ok_or("the clock is out of range")?;
        let day = match spec {
            "today" => today,
            "yesterday" => today - Duration::days(1),
            _ => NaiveDate::parse_from_str(spec, "%Y-%m-%d")
                .map_err(|_| format!("{spec}: expected today, yesterday or YYYY-MM-DD"))?,
        };
        Ok(Window::of_date(day, zone))
    }

    /// The whole day `day` of `zone` (23 or 25 hours on a day the clocks
    /// change).
    pub fn of_date(day: NaiveDate, zone: &Zone) -> Window {
        Window {
            start: Some(local_midnight(day, zone)),
            end: Some(local_midnight(day + Duration::days(1), zone)),
        }
    }

    /// The day before a window of one day (`-d`): the daily summary
    /// compares with it.
    pub fn day_before(&self, zone: &Zone) -> Option<Window> {
        let day = zone.local(self.start?)?.date();
        Some(Window::of_date(day - Duration::days(1), zone))
    }

    /// `--since`, `--until`.
    pub fn between(
        since: Option<&str>,
        until: Option<&str>,
        zone: &Zone,
    ) -> Result<Window, String> {
        let start = since.map(|s| instant(s, zone)).transpose()?;
        let end = until.map(|s| instant(s, zone)).transpose()?;
        if let (Some(s), Some(e)) = (start, end) {
            if e <= s {
                return Err("--until must come after --since".to_string());
            }
        }
        Ok(Window { start, end })
    }
}

fn local_midnight(day: NaiveDate, zone: &Zone) -> Micros {
    local_micros(day.and_time(NaiveTime::MIN), zone)
}

fn local_micros(t: NaiveDateTime, zone: &Zone) -> Micros {
    zone.utc_of_local(t.and_utc().timestamp()) * 1_000_000
}

/// RFC 3339 (`2026-11-23T03:35:09+01:00`), or a date or date and time in
/// `zone` (`2026-11-23`, `2026-11-23 03:35`, `2026-11-23T03:35:09`).
fn instant(spec: &str, zone: &Zone) -> Result<Micros, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(spec) {
        return Ok(t.timestamp_micros());
    }
    if let Ok(day) = NaiveDate::parse_from_str(spec, "%Y-%m-%d") {
        return Ok(local_midnight(day, zone));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(spec, format) {
            return Ok(local_micros(t, zone));
        }
    }
    Err(format!(
        "{spec}: expected RFC 3339 (2026-11-23T03:35:09+01:00), a date (2026-11-23) or a date and time (2026-11-23 03:35)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Micros {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros()
    }

    #[test]
    fn days_and_instants() {
        let now = utc("2026-11-29T05:00:00Z");
        let brussels = Zone::Fixed(3600);
        let w = Window::day("yesterday", &brussels, now).unwrap();
        assert_eq!(w.start, Some(utc("2026-11-27T23:00:00Z")));
        assert_eq!(w.end, Some(utc("2026-11-28T23:00:00Z")));
        assert!(w.contains(utc("2026-11-28T12:00:00Z")));
        assert!(!w.contains(utc("2026-11-28T23:00:00Z")));
        let w = Window::day("2026-11-23", &Zone::UTC, now).unwrap();
        assert_eq!(w.start, Some(utc("2026-11-23T00:00:00Z")));
        assert!(Window::day("23/11", &Zone::UTC, now).is_err());
        let before = Window::day("2026-11-23", &Zone::UTC, now)
            .unwrap()
            .day_before(&Zone::UTC)
            .unwrap();
        assert_eq!(before.start, Some(utc("2026-11-22T00:00:00Z")));
        assert_eq!(before.end, Some(utc("2026-11-23T00:00:00Z")));

        let w = Window::between(
            Some("2026-11-23 14:04"),
            Some("2026-11-23T14:05:00Z"),
            &brussels,
        )
        .unwrap();
        assert_eq!(w.start, Some(utc("2026-11-23T13:04:00Z")));
        assert_eq!(w.end, Some(utc("2026-11-23T14:05:00Z")));
        assert!(Window::between(Some("2026-11-24"), Some("2026-11-23"), &Zone::UTC).is_err());
        assert!(Window::between(Some("soon"), None, &Zone::UTC).is_err());
    }
}
