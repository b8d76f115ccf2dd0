//! The inputs of one run as one log: `maillog-report /var/log/mail.log*`
//! names a rotated set in the shell's order (`mail.log mail.log.1
//! mail.log.2.gz`), newest first. The messages are put together from the
//! rows in input order, so the inputs are read in the order of their
//! content: by their first time stamp, each input's classic stamps dated by
//! its own year rule (its modification time, which logrotate and gzip
//! keep). The same content named twice is read once.
//!
//! The year rule ([`rule_for`]) needs the month of an input's last classic
//! stamp. A mapped file's and a read file's last lines are read first
//! (cheap: a seek); a compressed input or a pipe can only be read from the
//! start, so its last month is taken to be that of its modification time
//! (or of now, for a pipe), which it is for a log last written when its
//! last line was. The scan records, per input, the months of the classic
//! stamps it read and its real last month; [`check`] then tells whether any
//! line would have been dated differently (or the order would change). If
//! so, those inputs are read again with the months now known (all of them
//! when the order changes or an export is streamed): the result is always
//! the one of the rule. A pipe cannot be read again: its
//! lines keep the dates they got, with a note.
//!
//! With `--year`, the year is that of the newest input's last classic
//! stamp; each older input takes the year that puts its last line at or
//! before the first line of the input after it (a December `mail.log.1`
//! before a January `mail.log`).

use std::cmp::Reverse;
use std::time::SystemTime;

use chrono::Datelike;

use super::{last_bsd_month, rule_for};
use crate::input::{chunks, Opened, HEAD_BYTES};
use crate::parse::syslog::{bsd_month, parse_envelope};
use crate::parse::{BsdZone, Micros, TimeContext, YearRule};

/// What the order and the year rules read of one input.
#[derive(Clone, Debug)]
pub struct Facts {
    pub name: String,
    pub mtime: Option<SystemTime>,
    /// The first line of its head with a time stamp.
    pub first_line: Option<String>,
    /// `N` of a rotated `NAME.N[.gz]`: the older, the larger (a tie-break).
    pub rotation: u32,
    /// The month of its last classic stamp, when known before reading it
    /// (`Some(None)`: it has none among its last lines).
    pub last_month: Option<Option<u32>>,
}

impl Facts {
    pub fn of(input: &Opened, max_line: usize) -> Facts {
        let last_month = match (input.mapped(), &input.tail) {
            (Some(data), _) => Some(last_bsd_month(data)),
            (None, Some(tail)) => Some(last_bsd_month(tail)),
            (None, None) => None,
        };
        Facts {
            name: input.name.clone(),
            mtime: input.mtime,
            first_line: first_stamped_line(&input.head, max_line, input.is_json()),
            rotation: rotation(&input.name),
            last_month,
        }
    }
}

/// The first line of `head` that has a syslog header (and is not too long
/// to be parsed). A last line cut by the end of the head is not read. The
/// records of journalctl's JSON are read as the lines the scan makes of
/// them.
fn first_stamped_line(head: &[u8], max_line: usize, json: bool) -> Option<String> {
    let complete = if head.len() >= HEAD_BYTES {
        &head[..memchr::memrchr(b'\n', head).map_or(0, |i| i + 1)]
    } else {
        head
    };
    let decoded;
    let complete = if json {
        let mut lines = Vec::new();
        let mut rest = complete;
        while !rest.is_empty() {
            let (record, next) = chunks::strip_line_end(rest);
            crate::input::journal::record_line(record, &mut lines);
            rest = next;
        }
        decoded = lines;
        &decoded[..]
    } else {
        complete
    };
    // Any year will do to tell a stamp from none; a leap year accepts 29 Feb.
    let probe = TimeContext::utc_in(2024);
    let mut rest = complete;
    while !rest.is_empty() {
        let (line, next) = chunks::strip_line_end(rest);
        rest = next;
        if line.len() > max_line {
            continue;
        }
        let text = String::from_utf8_lossy(line);
        if parse_envelope(&text, &probe).is_ok() {
            return Some(text.into_owned());
        }
    }
    None
}

/// `N` of `mail.log.N`, `mail.log.N.gz` (logrotate's numbered names); 0
/// otherwise.
fn rotation(name: &str) -> u32 {
    let base = name
        .rsplit('/')
        .next()
        .unwrap_or(name)
        .trim_end_matches(".gz")
        .trim_end_matches(".zst")
        .trim_end_matches(".xz")
        .trim_end_matches(".bz2");
    base.rsplit_once('.')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(0)
}

/// The time of an input's first stamp under `rule`.
fn first_time(facts: &Facts, rule: YearRule, zone: BsdZone) -> Option<Micros> {
    let line = facts.first_line.as_ref()?;
    let time = TimeContext {
        year: rule,
        bsd_zone: zone,
    };
    parse_envelope(line, &time).ok().map(|e| e.ts)
}

/// The order to read the inputs in (indices into `facts`): by first time
/// stamp, each input dated by its own rule; ties by rotation number
/// (older first), then as named. Inputs without a time stamp come last, as
/// named.
pub fn order(facts: &[Facts], last_months: &[Option<u32>], zone: BsdZone) -> Vec<usize> {
    let mut keys: Vec<(Option<Micros>, usize)> = facts
        .iter()
        .zip(last_months)
        .enumerate()
        .map(|(i, (f, &m))| (first_time(f, rule_for(m, f.mtime, None), zone), i))
        .collect();
    keys.sort_by_key(|&(time, i)| (time.is_none(), time, Reverse(facts[i].rotation), i));
    keys.into_iter().map(|(_, i)| i).collect()
}

/// Each input's year rule (indexed as `facts`), the inputs read in `order`.
pub fn rules(
    facts: &[Facts],
    order: &[usize],
    last_months: &[Option<u32>],
    year: Option<i32>,
    zone: BsdZone,
) -> Vec<YearRule> {
    let own = |i: usize, year| rule_for(last_months[i], facts[i].mtime, year);
    let Some(year) = year else {
        return (0..facts.len()).map(|i| own(i, None)).collect();
    };
    let mut rules: Vec<YearRule> = (0..facts.len()).map(|i| own(i, Some(year))).collect();
    // The year and month of the first stamp of the next newer input.
    let mut anchor: Option<(i32, u32)> = None;
    for &i in order.iter().rev() {
        if let Some((anchor_year, anchor_month)) = anchor {
            let month = last_months[i].unwrap_or(anchor_month);
            rules[i] = YearRule {
                year: anchor_year - i32::from(month > anchor_month),
                month,
            };
        }
        if let Some(line) = &facts[i].first_line {
            anchor = match bsd_month(line.as_bytes()) {
                Some(month) => Some((rules[i].year_of(month), month)),
                None => first_time(&facts[i], rules[i], zone)
                    .and_then(chrono::DateTime::from_timestamp_micros)
                    .map(|t| (t.year(), t.month()))
                    .or(anchor),
            };
        }
    }
    rules
}

/// Whether reading the inputs with the last months now known would date
/// any line differently than the read with `guessed` months did, or read
/// the inputs in another order: the inputs (indices) whose lines would
/// change, all of them if the order would.
pub fn check(
    facts: &[Facts],
    guessed: &[Option<u32>],
    known: &[Option<u32>],
    months_seen: &[u16],
    year: Option<i32>,
    zone: BsdZone,
) -> Vec<usize> {
    let (order_guessed, order_known) = (order(facts, guessed, zone), order(facts, known, zone));
    if order_guessed != order_known {
        return (0..facts.len()).collect();
    }
    let before = rules(facts, &order_guessed, guessed, year, zone);
    let after = rules(facts, &order_known, known, year, zone);
    (0..facts.len())
        .filter(|&i| {
            (1..=12).any(|m| {
                months_seen[i] & (1 << (m - 1)) != 0 && before[i].year_of(m) != after[i].year_of(m)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(first: &str, mtime: Option<SystemTime>, last: Option<u32>) -> Facts {
        Facts {
            name: "x".into(),
            mtime,
            first_line: Some(first.to_string()),
            rotation: 0,
            last_month: Some(last),
        }
    }

    #[test]
    fn rotation_numbers() {
        assert_eq!(rotation("/var/log/mail.log"), 0);
        assert_eq!(rotation("/var/log/mail.log.1"), 1);
        assert_eq!(rotation("mail.log.12.gz"), 12);
        assert_eq!(rotation("mail.log.3.zst"), 3);
        assert_eq!(rotation("mail.log-20260101"), 0);
    }

    #[test]
    fn with_year_a_december_log_comes_before_january() {
        let line = |m: &str| format!("{m} 10 10:00:00 relay postfix/qmgr[1]: 3B4E2B42C1: removed");
        // Written now: its own rule puts December in the year before January
        // only if now is before December; the order must not need that.
        let dec = facts(&line("Dec"), None, Some(12));
        let jan = facts(&line("Jan"), None, Some(1));
        let all = [jan.clone(), dec.clone()];
        let months = [Some(1), Some(12)];
        let order = order(&all, &months, BsdZone::Fixed(0));
        let rules = rules(&all, &[1, 0], &months, Some(2026), BsdZone::Fixed(0));
        assert_eq!(
            rules[0],
            YearRule {
                year: 2026,
                month: 1
            },
            "{order:?}"
        );
        assert_eq!(
            rules[1],
            YearRule {
                year: 2025,
                month: 12
            }
        );
        assert_eq!(rules[1].year_of(12), 2025);
    }

    #[test]
    fn a_guess_that_dates_no_line_differently_needs_no_second_read() {
        let line = "Nov 23 14:04:29 relay postfix/qmgr[7]: 3B4E2B42C1: removed";
        let all = [facts(line, None, None)];
        let nov = 1 << 10;
        // Guessed the current month, read November only, last month
        // November: the same years unless the current month is before
        // November... which `check` computes, with --year fixed:
        assert!(check(
            &all,
            &[Some(11)],
            &[Some(11)],
            &[nov],
            Some(2026),
            BsdZone::Fixed(0)
        )
        .is_empty());
        assert_eq!(
            check(
                &all,
                &[Some(10)],
                &[Some(11)],
                &[nov],
                Some(2026),
                BsdZone::Fixed(0)
            ),
            vec![0],
            "guessed October, read November lines: November was dated a year early"
        );
        assert!(
            check(
                &all,
                &[Some(12)],
                &[Some(11)],
                &[nov],
                Some(2026),
                BsdZone::Fixed(0)
            )
            .is_empty(),
            "guessed December, November lines: the same year"
        );
    }
}
