//! The inputs of one run as one log: `maillog-report /var/log/mail.log*`
//! names a rotated set in the shell's order (`mail.log mail.log.1
//! mail.log.2.gz`), newest first. The messages are put together from the
//! rows in input order, so the inputs are read in the order of their
//! content: by their first time stamp, each input's classic stamps dated by
//! its own year rule (its modification time, which logrotate and gzip
//! keep). The same content named twice is read once.
//!
//! The year rule ([`rule_for`]) needs an input's last classic stamp. A
//! mapped file's and a read file's last lines are read first (cheap: a
//! seek); a compressed input or a pipe can only be read from the start, so
//! its last stamp is taken to be its modification time (or now, for a
//! pipe), which it is for a log last written when its last line was. The
//! scan records, per input, the months of the classic stamps it read and
//! its real last stamp; [`check`] then tells whether any
//! line would have been dated differently (or the order would change). If
//! so, those inputs are read again with the months now known (all of them
//! when the order changes or an export is streamed): the result is always
//! the one of the rule. A pipe cannot be read again: its
//! lines keep the dates they got, with a note.
//!
//! When the modification times cannot tell the inputs apart (a set copied
//! or unpacked without its times: all written within [`SAME_WRITE`]) and
//! logrotate's names can (`mail.log.2.gz`, `mail.log.1`, `mail.log`: each
//! number once), the names give the order, and the years chain as with
//! `--year` from the newest input's own rule.
//!
//! With `--year`, the year is that of the newest input's last classic
//! stamp; each older input takes the year that puts its last line at or
//! before the first line of the input after it (a December `mail.log.1`
//! before a January `mail.log`).

use std::cmp::Reverse;

use chrono::Datelike;

use super::{last_bsd_stamp, rule_for, written};
use crate::input::{chunks, Opened, HEAD_BYTES};
use crate::parse::syslog::{bsd_month, parse_envelope, BsdStamp};
use crate::parse::{BsdZone, Micros, TimeContext, YearRule};

/// Inputs all written within this time of each other (µs) were copied or
/// unpacked together: their modification times say nothing of their order.
pub const SAME_WRITE: Micros = 60_000_000;

/// What the order and the year rules read of one input.
#[derive(Clone, Debug)]
pub struct Facts {
    pub name: String,
    /// When it was written (µs): its modification time, else now.
    pub written: Micros,
    /// The first line of its head with a time stamp.
    pub first_line: Option<String>,
    /// `N` of a rotated `NAME.N[.gz]`: the older, the larger (a tie-break).
    pub rotation: u32,
    /// Its last classic stamp, when known before reading it (`Some(None)`:
    /// it has none among its last lines).
    pub last_stamp: Option<Option<BsdStamp>>,
}

impl Facts {
    pub fn of(input: &Opened, max_line: usize, now: Micros) -> Facts {
        let last_stamp = match (input.mapped(), &input.tail) {
            (Some(data), _) => Some(last_bsd_stamp(data)),
            (None, Some(tail)) => Some(last_bsd_stamp(tail)),
            (None, None) => None,
        };
        Facts {
            name: input.name.clone(),
            written: written(input.mtime, now),
            first_line: first_stamped_line(&input.head, max_line, input.is_json()),
            rotation: rotation(&input.name),
            last_stamp,
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

/// Whether logrotate's names decide the order of the inputs: their
/// modification times cannot (all within [`SAME_WRITE`] of each other) and
/// the inputs with a time stamp have each their own rotation number.
pub fn names_decide(facts: &[Facts]) -> bool {
    let stamped: Vec<&Facts> = facts.iter().filter(|f| f.first_line.is_some()).collect();
    if stamped.len() < 2 {
        return false;
    }
    let (first, last) = stamped
        .iter()
        .fold((Micros::MAX, Micros::MIN), |(lo, hi), f| {
            (lo.min(f.written), hi.max(f.written))
        });
    let mut numbers: Vec<u32> = stamped.iter().map(|f| f.rotation).collect();
    numbers.sort_unstable();
    numbers.dedup();
    last - first <= SAME_WRITE && numbers.len() == stamped.len()
}

/// The order to read the inputs in (indices into `facts`): by first time
/// stamp, each input dated by its own rule, or by rotation number when the
/// names decide ([`names_decide`]); ties by rotation number (older first),
/// then as named. Inputs without a time stamp come last, as named.
pub fn order(facts: &[Facts], last_stamps: &[Option<BsdStamp>], zone: BsdZone) -> Vec<usize> {
    let by_name = names_decide(facts);
    let mut keys: Vec<(Option<Micros>, usize)> = facts
        .iter()
        .zip(last_stamps)
        .enumerate()
        .map(|(i, (f, &last))| {
            let time = first_time(f, rule_for(last, f.written, None), zone);
            // Under the names, a stamped input's time only says it has one.
            (if by_name { time.map(|_| 0) } else { time }, i)
        })
        .collect();
    keys.sort_by_key(|&(time, i)| (time.is_none(), time, Reverse(facts[i].rotation), i));
    keys.into_iter().map(|(_, i)| i).collect()
}

/// Each input's year rule (indexed as `facts`), the inputs read in `order`.
pub fn rules(
    facts: &[Facts],
    order: &[usize],
    last_stamps: &[Option<BsdStamp>],
    year: Option<i32>,
    zone: BsdZone,
) -> Vec<YearRule> {
    let own = |i: usize, year| rule_for(last_stamps[i], facts[i].written, year);
    let mut rules: Vec<YearRule> = (0..facts.len()).map(|i| own(i, year)).collect();
    if year.is_none() && !names_decide(facts) {
        return rules;
    }
    // The year and month of the first stamp of the next newer input.
    let mut anchor: Option<(i32, u32)> = None;
    for &i in order.iter().rev() {
        if let Some((anchor_year, anchor_month)) = anchor {
            let month = last_stamps[i].map_or(anchor_month, |s| s.month);
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
    guessed: &[Option<BsdStamp>],
    known: &[Option<BsdStamp>],
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
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> Micros {
        chrono::Utc
            .with_ymd_and_hms(y, m, d, 12, 0, 0)
            .single()
            .expect("a date")
            .timestamp_micros()
    }

    fn stamp(month: u32, day: u32, second: u32) -> BsdStamp {
        BsdStamp { month, day, second }
    }

    fn facts(name: &str, first: &str, written: Micros, last: Option<BsdStamp>) -> Facts {
        Facts {
            name: name.into(),
            written,
            first_line: Some(first.to_string()),
            rotation: rotation(name),
            last_stamp: Some(last),
        }
    }

    fn line(stamp: &str) -> String {
        format!("{stamp} relay postfix/qmgr[1]: 3B4E2B42C1: removed")
    }

    /// The years of the first lines of `all` read in `order` under `rules`.
    fn first_years(all: &[Facts], last: &[Option<BsdStamp>], year: Option<i32>) -> Vec<i32> {
        let zone = BsdZone::Fixed(0);
        let order = order(all, last, zone);
        let rules = rules(all, &order, last, year, zone);
        order
            .iter()
            .map(|&i| {
                let t = first_time(&all[i], rules[i], zone).expect("a stamp");
                chrono::DateTime::from_timestamp_micros(t)
                    .expect("in range")
                    .year()
            })
            .collect()
    }

    #[test]
    fn rotation_numbers() {
        assert_eq!(rotation("/var/log/mail.log"), 0);
        assert_eq!(rotation("/var/log/mail.log.1"), 1);
        assert_eq!(rotation("mail.log.12.gz"), 12);
        assert_eq!(rotation("mail.log.3.zst"), 3);
        assert_eq!(rotation("mail.log-20260101"), 0);
    }

    /// A pair spanning New Year, both files written "now" (copied without
    /// their times): for a now in every month, on 29 February and on the
    /// days around New Year, named in either order, `mail.log.1` (December
    /// 31st) comes first, a year before `mail.log` (January 1st).
    #[test]
    fn a_new_year_pair_written_now_in_any_month_and_order() {
        let dec31 = stamp(12, 31, 86_398);
        let jan1 = stamp(1, 1, 1);
        let mut nows: Vec<Micros> = (1..=12).map(|m| at(2027, m, 20)).collect();
        // Not December 31st: within the day of slack, a January 1st last
        // line is then the coming one.
        nows.extend([
            at(2028, 2, 29),
            at(2027, 1, 1),
            at(2026, 12, 6),
            at(2027, 12, 30),
        ]);
        for now in nows {
            let old = facts("mail.log.1", &line("Dec 31 23:59:58"), now, Some(dec31));
            let new = facts(
                "mail.log",
                &line("Jan  1 00:00:01"),
                now + 3_000_000,
                Some(jan1),
            );
            let now_year = chrono::DateTime::from_timestamp_micros(now).unwrap().year();
            for (all, last) in [
                ([old.clone(), new.clone()], [Some(dec31), Some(jan1)]),
                ([new.clone(), old.clone()], [Some(jan1), Some(dec31)]),
            ] {
                let zone = BsdZone::Fixed(0);
                let order = order(&all, &last, zone);
                assert_eq!(all[order[0]].name, "mail.log.1", "now {now}");
                let years = first_years(&all, &last, None);
                // January 1st of this year is not after now (January 1st
                // at noon at the earliest), so it is this year's.
                assert_eq!(years, vec![now_year - 1, now_year], "now {now}");
                assert_eq!(first_years(&all, &last, Some(2031)), vec![2030, 2031]);
            }
        }
    }

    /// A set whose times do not tell (written together) and whose own
    /// rules would order it wrongly: a year-old `mail.log.1` ending on
    /// December 5th and `mail.log` ending on December 12th, both copied on
    /// December 6th. Names decide; the years chain from the newest.
    #[test]
    fn names_decide_when_the_times_cannot() {
        let now = at(2026, 12, 6);
        let old = facts(
            "mail.log.1",
            &line("Nov 20 10:00:00"),
            now,
            Some(stamp(12, 5, 0)),
        );
        let new = facts(
            "mail.log",
            &line("Dec  5 10:00:00"),
            now,
            Some(stamp(12, 12, 0)),
        );
        let all = [new.clone(), old.clone()];
        let last = [new.last_stamp.unwrap(), old.last_stamp.unwrap()];
        assert!(names_decide(&all));
        assert_eq!(order(&all, &last, BsdZone::Fixed(0)), vec![1, 0]);
        assert_eq!(first_years(&all, &last, None), vec![2025, 2025]);
        // Written a day apart, the times decide: each input its own rule.
        let mut apart = all.clone();
        apart[1].written = now - 86_400_000_000;
        assert!(!names_decide(&apart));
        // Without rotation numbers (two names without one), the stamps.
        let mut unnamed = all.clone();
        unnamed[1].name = "other.log".into();
        unnamed[1].rotation = 0;
        assert!(!names_decide(&unnamed));
        assert_eq!(order(&unnamed, &last, BsdZone::Fixed(0)), vec![0, 1]);
    }

    #[test]
    fn with_year_a_december_log_comes_before_january() {
        // Written on December 20th: each own rule puts both in the same
        // year; --year chains them across New Year.
        let now = at(2026, 12, 20);
        let dec = facts("b", &line("Dec 10 10:00:00"), now, Some(stamp(12, 10, 0)));
        let jan = facts(
            "a",
            &line("Jan 10 10:00:00"),
            now - 86_400_000_000,
            Some(stamp(1, 10, 0)),
        );
        let all = [jan.clone(), dec.clone()];
        let last = [jan.last_stamp.unwrap(), dec.last_stamp.unwrap()];
        let rules = rules(&all, &[1, 0], &last, Some(2026), BsdZone::Fixed(0));
        assert_eq!(
            rules[0],
            YearRule {
                year: 2026,
                month: 1
            }
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
        let all = [facts("x", &line("Nov 23 14:04:29"), at(2026, 11, 30), None)];
        let nov = 1 << 10;
        let (oct1, nov23, dec1) = (stamp(10, 1, 0), stamp(11, 23, 0), stamp(12, 1, 0));
        let check = |guessed, known| {
            check(
                &all,
                &[guessed],
                &[known],
                &[nov],
                Some(2026),
                BsdZone::Fixed(0),
            )
        };
        assert!(check(Some(nov23), Some(nov23)).is_empty());
        assert_eq!(
            check(Some(oct1), Some(nov23)),
            vec![0],
            "guessed October, read November lines: November was dated a year early"
        );
        assert!(
            check(Some(dec1), Some(nov23)).is_empty(),
            "guessed December, November lines: the same year"
        );
        // Without --year: the guess (the write time, November 30th) and
        // the real last line (November 23rd) date November alike.
        assert!(super::check(
            &all,
            &[None],
            &[Some(nov23)],
            &[nov],
            None,
            BsdZone::Fixed(0)
        )
        .is_empty());
    }
}
