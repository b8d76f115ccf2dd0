//! The time zone of a run: the zone classic syslog stamps were written in
//! (they carry none), and the zone reports print times and cut days and
//! hours in. By default the machine's local zone (`TZ`, else
//! `/etc/localtime`, with its daylight saving rules); `--tz` names another
//! (`Europe/Brussels`, `UTC`, or a fixed `+01:00`).

use chrono::{DateTime, FixedOffset, Local, LocalResult, NaiveDateTime, Offset, TimeZone};

use crate::parse::BsdZone;

/// A time zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Zone {
    /// A fixed offset from UTC, in seconds east (`UTC` is 0).
    Fixed(i32),
    /// The process's local zone (chrono's `Local`: `TZ`, else
    /// `/etc/localtime`), named for the reports.
    Local(String),
}

impl Zone {
    pub const UTC: Zone = Zone::Fixed(0);

    /// `UTC`, `Z`, `±HH:MM`, or a zone name (`Europe/Brussels`), which is
    /// then the process's local zone: the caller sets `TZ` to it.
    pub fn parse(spec: &str) -> Option<Zone> {
        if matches!(spec, "UTC" | "Z" | "utc" | "Etc/UTC" | "GMT") {
            return Some(Zone::UTC);
        }
        if let Some(secs) = parse_offset(spec) {
            return Some(Zone::Fixed(secs));
        }
        let known = std::path::Path::new("/usr/share/zoneinfo").join(spec);
        (!spec.is_empty() && !spec.contains("..") && known.is_file())
            .then(|| Zone::Local(spec.to_string()))
    }

    /// The machine's zone: named by `TZ`, else by the `/etc/localtime` link.
    pub fn machine() -> Zone {
        let name = std::env::var("TZ")
            .ok()
            .map(|tz| tz.trim_start_matches(':').to_string())
            .filter(|tz| !tz.is_empty())
            .or_else(|| {
                let target = std::fs::read_link("/etc/localtime").ok()?;
                let target = target.to_str()?;
                target
                    .split_once("zoneinfo/")
                    .map(|(_, name)| name.to_string())
            })
            .unwrap_or_else(|| "local".to_string());
        if matches!(
            name.as_str(),
            "UTC" | "Etc/UTC" | "UCT" | "Etc/UCT" | "Universal"
        ) {
            return Zone::UTC;
        }
        Zone::Local(name)
    }

    /// Seconds east of UTC at the instant `utc_micros`.
    pub fn offset_at(&self, utc_micros: i64) -> i32 {
        match self {
            Zone::Fixed(secs) => *secs,
            Zone::Local(_) => DateTime::from_timestamp_micros(utc_micros)
                .map(|t| {
                    Local
                        .offset_from_utc_datetime(&t.naive_utc())
                        .fix()
                        .local_minus_utc()
                })
                .unwrap_or(0),
        }
    }

    /// The local wall-clock time of `utc_micros`.
    pub fn local(&self, utc_micros: i64) -> Option<NaiveDateTime> {
        let utc = DateTime::from_timestamp_micros(utc_micros)?;
        let offset = FixedOffset::east_opt(self.offset_at(utc_micros))?;
        Some(utc.with_timezone(&offset).naive_local())
    }

    /// UTC seconds of a local wall-clock time given as seconds since the
    /// epoch as if it were UTC: the earlier of two when the clock went
    /// back, read with the offset before the change in the hour the clock
    /// skipped.
    pub fn utc_of_local(&self, local_secs: i64) -> i64 {
        match self {
            Zone::Fixed(secs) => local_secs - i64::from(*secs),
            Zone::Local(_) => local_to_utc(local_secs),
        }
    }

    /// The zone as the parser takes it for BSD stamps.
    pub fn bsd_zone(&self) -> BsdZone {
        match self {
            Zone::Fixed(secs) => BsdZone::Fixed(*secs),
            Zone::Local(_) => BsdZone::Rules(local_to_utc),
        }
    }

    /// How reports name the zone: `UTC`, `+01:00`, `Europe/Brussels`.
    pub fn label(&self) -> String {
        match self {
            Zone::Fixed(0) => "UTC".to_string(),
            Zone::Fixed(secs) => format_offset(*secs),
            Zone::Local(name) => name.clone(),
        }
    }
}

/// [`Zone::utc_of_local`] in the process's local zone.
fn local_to_utc(local_secs: i64) -> i64 {
    let Some(naive) = DateTime::from_timestamp(local_secs, 0).map(|t| t.naive_utc()) else {
        return local_secs;
    };
    match Local.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.timestamp(),
        LocalResult::None => {
            let before = naive - chrono::Duration::hours(3);
            let offset = Local
                .offset_from_local_datetime(&before)
                .earliest()
                .map_or(0, |o| o.fix().local_minus_utc());
            local_secs - i64::from(offset)
        }
    }
}

/// `+01:00`, `-05:30`, `Z` → seconds east of UTC.
pub fn parse_offset(s: &str) -> Option<i32> {
    if s == "Z" {
        return Some(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

/// `+01:00` for 3600.
pub fn format_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let secs = secs.abs();
    format!("{sign}{:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+01:00"), Some(3600));
        assert_eq!(parse_offset("-05:30"), Some(-19800));
        assert_eq!(parse_offset("Z"), Some(0));
        assert_eq!(parse_offset("01:00"), None);
        assert_eq!(parse_offset("+1"), None);
        assert_eq!(format_offset(-19800), "-05:30");
        assert_eq!(Zone::parse("+02:00").unwrap().label(), "+02:00");
        assert_eq!(Zone::parse("UTC"), Some(Zone::UTC));
        assert_eq!(Zone::parse("No/Such_Zone"), None);
    }
}
