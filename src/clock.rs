//! "Now", read in one place.
//!
//! The run reads the clock once, here, when its configuration is made; every
//! rule that needs now (the year of classic stamps of an input without a
//! modification time, `-d yesterday`, `--since 2h`, whether a file is live)
//! takes that value. [`NOW_VARIABLE`] fixes it, so that tests give the same
//! answer on any day of the year, and a report can be made again as it was
//! on a given day.

use chrono::{DateTime, Utc};

use crate::parse::Micros;

/// An RFC 3339 time (`2027-12-20T12:00:00Z`) in this variable is the run's
/// now instead of the clock's.
pub const NOW_VARIABLE: &str = "MAILLOG_REPORT_NOW";

/// Now, µs since the epoch: [`NOW_VARIABLE`] if it is set, else the clock.
pub fn now() -> Result<Micros, String> {
    match std::env::var(NOW_VARIABLE) {
        Ok(text) if !text.is_empty() => parse(&text).ok_or_else(|| {
            format!("{NOW_VARIABLE}={text}: expected an RFC 3339 time (2027-12-20T12:00:00Z)")
        }),
        _ => Ok(Utc::now().timestamp_micros()),
    }
}

fn parse(text: &str) -> Option<Micros> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.timestamp_micros())
}

/// `now` as a [`std::time::SystemTime`], for comparing with modification
/// times.
pub fn system_time(now: Micros) -> std::time::SystemTime {
    let since_epoch = std::time::Duration::from_micros(now.unsigned_abs());
    if now >= 0 {
        std::time::UNIX_EPOCH + since_epoch
    } else {
        std::time::UNIX_EPOCH - since_epoch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_nows_are_rfc3339() {
        assert_eq!(parse("1970-01-01T00:00:01Z"), Some(1_000_000));
        assert_eq!(
            parse("2028-02-29T00:00:00+01:00"),
            Some(1_835_395_200_000_000 - 3_600_000_000)
        );
        assert_eq!(parse("yesterday"), None);
        assert_eq!(parse("2027-13-01T00:00:00Z"), None);
        assert_eq!(
            system_time(1_000_000),
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(1)
        );
    }
}
