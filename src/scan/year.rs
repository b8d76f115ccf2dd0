//! The year of classic (BSD) stamps, which carry none.
//!
//! An input's year rule ([`YearRule`]) is decided before it is parsed, from
//! its last classic stamp and the time it was written (its modification
//! time, which logrotate and gzip keep; for a pipe, now): the last line gets
//! the latest year that puts it at or before the time it was written, with
//! [`SLACK`] for a clock or a zone ahead of UTC. Decided on the full stamp,
//! not the month: a file whose last line is `Dec 31 23:59:58`, written (or
//! copied without its times) on December 6th, ends in the year before, not
//! 25 days in the future. The lines before it take their year from its
//! month (December before a January last line is a year earlier), per line,
//! so that blocks parse independently.

use chrono::{DateTime, Datelike, Utc};

use crate::parse::syslog::{bsd_stamp, BsdStamp};
use crate::parse::{Micros, YearRule};

/// How far past the time it was written a last line may seem to be: a
/// sender's clock a little ahead, and stamps in a zone east of UTC (at most
/// 14 hours) compared with a modification time in UTC.
pub const SLACK_SECONDS: i64 = 86_400;

/// How many lines from the end the year rule looks for a classic stamp.
pub const LAST_LINES: u64 = 512;

/// The year rule of an input whose last classic stamp is `last`, written at
/// `written` (µs since the epoch). `year` (`--year`) is the year of the last
/// line, whatever the time says. Without a last stamp the reference month is
/// that of `written` (the guess for an input not yet read: a compressed
/// file, a pipe).
pub fn rule_for(last: Option<BsdStamp>, written: Micros, year: Option<i32>) -> YearRule {
    let written_secs = written.div_euclid(1_000_000);
    let Some(stamp) = last else {
        let at = utc(written_secs);
        return YearRule {
            year: year.unwrap_or(at.year()),
            month: at.month(),
        };
    };
    YearRule {
        year: year.unwrap_or_else(|| latest_year_at_or_before(stamp, written_secs + SLACK_SECONDS)),
        month: stamp.month,
    }
}

/// The latest year in which `stamp`, read as UTC, is at or before `limit`
/// (seconds since the epoch). 29 February looks back to a leap year (at most
/// eight years: 2096 to 2104).
pub fn latest_year_at_or_before(stamp: BsdStamp, limit: i64) -> i32 {
    let newest = utc(limit).year();
    (newest - 8..=newest)
        .rev()
        .find(|&year| stamp.wall_seconds(year).is_some_and(|t| t <= limit))
        .unwrap_or(newest - 1)
}

fn utc(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or(DateTime::UNIX_EPOCH)
}

/// The last classic stamp among the last [`LAST_LINES`] lines of `data`.
pub fn last_bsd_stamp(data: &[u8]) -> Option<BsdStamp> {
    let mut end = data.len();
    for _ in 0..LAST_LINES {
        if end == 0 {
            return None;
        }
        let start = memchr::memrchr(b'\n', &data[..end - 1]).map_or(0, |i| i + 1);
        if let Some(stamp) = bsd_stamp(&data[start..end]) {
            return Some(stamp);
        }
        end = start;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn micros(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> Micros {
        Utc.with_ymd_and_hms(y, m, d, h, min, s)
            .single()
            .expect("a valid date")
            .timestamp_micros()
    }

    fn stamp(month: u32, day: u32, h: u32, m: u32, s: u32) -> BsdStamp {
        BsdStamp {
            month,
            day,
            second: h * 3600 + m * 60 + s,
        }
    }

    /// The case that made this rule: a December 31st last line in a file
    /// written (or copied) on December 6th is last year's, in every year.
    #[test]
    fn a_last_line_after_the_write_is_last_years() {
        let dec31 = stamp(12, 31, 23, 59, 58);
        for year in [2026, 2027, 2028] {
            let written = micros(year, 12, 6, 18, 0, 0);
            assert_eq!(rule_for(Some(dec31), written, None).year, year - 1);
            // A line of today, or of tomorrow within the slack, is this year's.
            let today = stamp(12, 6, 17, 59, 0);
            assert_eq!(rule_for(Some(today), written, None).year, year);
            let tomorrow = stamp(12, 7, 9, 0, 0);
            assert_eq!(rule_for(Some(tomorrow), written, None).year, year);
            let in_two_days = stamp(12, 8, 19, 0, 0);
            assert_eq!(rule_for(Some(in_two_days), written, None).year, year - 1);
        }
    }

    /// For a "now" (the write time) in every month of a year and on 29
    /// February, each last stamp of the year gets the year that puts it at
    /// or before now plus the slack, and the latest such year.
    #[test]
    fn every_month_of_a_year_and_leap_day() {
        let mut nows: Vec<Micros> = (1..=12).map(|m| micros(2027, m, 15, 12, 0, 0)).collect();
        nows.push(micros(2028, 2, 29, 6, 30, 0));
        nows.push(micros(2027, 1, 1, 0, 0, 5));
        nows.push(micros(2027, 12, 20, 23, 0, 0));
        let days = |m| match m {
            2 => 29,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        for &now in &nows {
            for month in 1..=12 {
                for day in [1, 15, days(month)] {
                    for (h, min) in [(0, 0), (12, 0), (23, 59)] {
                        let last = stamp(month, day, h, min, 59);
                        let rule = rule_for(Some(last), now, None);
                        let limit = now / 1_000_000 + SLACK_SECONDS;
                        let at = last.wall_seconds(rule.year).expect("a date of that year");
                        assert!(at <= limit, "{last:?} in {} after {now}", rule.year);
                        // No later year would do.
                        for later in rule.year + 1..=rule.year + 8 {
                            assert!(
                                last.wall_seconds(later).is_none_or(|t| t > limit),
                                "{last:?}: {later} also fits {now}"
                            );
                        }
                        assert_eq!(rule.month, month);
                    }
                }
            }
        }
    }

    #[test]
    fn leap_day_looks_back_to_a_leap_year() {
        let feb29 = stamp(2, 29, 10, 0, 0);
        assert_eq!(
            rule_for(Some(feb29), micros(2028, 2, 29, 12, 0, 0), None).year,
            2028
        );
        assert_eq!(
            rule_for(Some(feb29), micros(2027, 3, 1, 0, 0, 0), None).year,
            2024
        );
        assert_eq!(
            rule_for(Some(feb29), micros(2028, 2, 27, 0, 0, 0), None).year,
            2024
        );
        // 2100 is no leap year: from 2103, 2096.
        assert_eq!(
            rule_for(Some(feb29), micros(2103, 6, 1, 0, 0, 0), None).year,
            2096
        );
    }

    #[test]
    fn year_is_the_last_lines_year_and_no_stamp_takes_the_write_time() {
        let written = micros(2027, 1, 2, 0, 0, 0);
        let dec = stamp(12, 31, 0, 0, 0);
        assert_eq!(
            rule_for(Some(dec), written, Some(2031)),
            YearRule {
                year: 2031,
                month: 12
            }
        );
        assert_eq!(
            rule_for(None, written, None),
            YearRule {
                year: 2027,
                month: 1
            }
        );
        assert_eq!(rule_for(None, written, Some(2020)).year, 2020);
        // Before the epoch, or a write time chrono cannot hold: no panic.
        let _ = rule_for(Some(dec), -1, None);
        let _ = rule_for(Some(dec), i64::MAX, None);
        let _ = rule_for(None, i64::MIN, None);
    }

    #[test]
    fn the_last_stamp_among_the_last_lines() {
        let data = b"Dec 31 23:59:58 h postfix/qmgr[1]: X: removed\n\
            2027-01-01T00:00:00Z h postfix/qmgr[1]: Y: removed\n\
            <22>Jan  1 00:00:01 h postfix/qmgr[1]: Z: removed\n\
            not a log line\n";
        assert_eq!(last_bsd_stamp(data), Some(stamp(1, 1, 0, 0, 1)));
        assert_eq!(last_bsd_stamp(&data[..46]), Some(stamp(12, 31, 23, 59, 58)));
        assert_eq!(last_bsd_stamp(b"Feb 30 00:00:00 h p: x\n"), None);
        assert_eq!(last_bsd_stamp(b""), None);
        let old = b"Mar  3 10:00:00 h p: x\n".to_vec();
        let mut far = old.clone();
        far.extend(std::iter::repeat_n(&b"x\n"[..], LAST_LINES as usize).flatten());
        assert_eq!(
            last_bsd_stamp(&far),
            None,
            "beyond the last {LAST_LINES} lines"
        );
    }

    proptest::proptest! {
        /// Whatever the write time and the last stamp, the rule's year puts
        /// the stamp at or before the write time plus the slack, and a year
        /// later would not.
        #[test]
        fn never_after_the_write(
            now_secs in 0i64..4_102_444_800,
            month in 1u32..=12, day in 1u32..=31, second in 0u32..86_400,
        ) {
            let last = BsdStamp { month, day, second };
            proptest::prop_assume!(last.wall_seconds(2024).is_some());
            let now = now_secs * 1_000_000;
            let rule = rule_for(Some(last), now, None);
            let limit = now_secs + SLACK_SECONDS;
            let at = last.wall_seconds(rule.year);
            proptest::prop_assert!(at.is_some_and(|t| t <= limit), "{:?} {}", last, rule.year);
            let next = (rule.year + 1..=rule.year + 8).find_map(|y| last.wall_seconds(y));
            proptest::prop_assert!(next.is_none_or(|t| t > limit));
        }
    }
}
