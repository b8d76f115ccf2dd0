//! The syslog envelope: timestamp, host and `program[pid]` in front of every
//! Postfix message. Parsed by hand (no regex, no allocation): this runs on
//! every input line.
//!
//! Shapes accepted, each seen in real logs:
//! - BSD `Mar  7 02:09:33 host prog[pid]: msg` with the day space-padded,
//!   zero-padded (`Sep 05`, Postfix's own `maillog_file`) or unpadded (`Mar 7`),
//!   and with a fraction (`Nov 29 14:04:29.123456`, `journalctl -o short-precise`);
//! - RFC 3339 `2023-03-14T00:00:31.185246+01:00 host prog[pid]: msg`, with or
//!   without a fraction, with `Z` or an offset, the offset also without its
//!   colon (`+0000`, `journalctl -o short-iso` and `short-iso-precise`);
//!   converted to UTC;
//! - journalctl's `short-full`, `Sun 2026-11-29 05:35:09 UTC host prog[pid]:
//!   msg`: `UTC`, `GMT` and numeric offsets are exact, a zone abbreviation
//!   (`CET`, `EST`) is read in the run's zone, like a BSD stamp;
//! - journalctl's `short-unix`, `1795961068.123456 host prog[pid]: msg`;
//! - `prog[pid] msg` without the colon (one published rsyslog template);
//! - any of these after a `<PRI>` (rsyslog's forward formats written to a
//!   file, a capture of syslog traffic);
//! - RFC 5424 `<22>1 2026-11-23T03:35:09.123456+01:00 host app procid msgid
//!   [sd] msg` (rsyslog's `RSYSLOG_SyslogProtocol23Format`, syslog-ng's
//!   `flags(syslog-protocol)`): the app-name is the tag (`postfix/smtpd`), the
//!   procid the pid, structured data is skipped, a BOM before the message too.
//!
//! BSD stamps carry no year and no zone: the year comes from a [`YearRule`]
//! decided before parsing, the zone from [`BsdZone`] (the run's `--tz`).
//!
//! The classic shapes (BSD, RFC 3339) are tried first, on the first byte; the
//! others are tried only when those fail, out of line, so that the lines of a
//! classic log pay nothing for them.

/// Microseconds since the Unix epoch, UTC.
pub type Micros = i64;

const MICROS_PER_SEC: i64 = 1_000_000;

/// How a year-less BSD timestamp gets its year.
///
/// The reference is the newest point of the log (its last BSD line's month and
/// the year it was written in). A line whose month lies after the reference
/// month belongs to the previous year: that is the December→January rollover
/// inside one file, decided per line so that chunks parse independently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct YearRule {
    pub year: i32,
    pub month: u32,
}

impl YearRule {
    pub fn year_of(self, month: u32) -> i32 {
        if month > self.month {
            self.year - 1
        } else {
            self.year
        }
    }
}

/// The zone BSD stamps were written in (they are local wall-clock time).
#[derive(Clone, Copy, Debug)]
pub enum BsdZone {
    /// A fixed offset from UTC, in seconds east.
    Fixed(i32),
    /// A zone with daylight saving time: converts a wall-clock time (seconds
    /// since the epoch as if it were UTC) to UTC seconds. Called once per
    /// minute of log (see [`MinuteCache`]).
    Rules(fn(i64) -> i64),
}

impl BsdZone {
    fn utc_of(self, local_secs: i64) -> i64 {
        match self {
            BsdZone::Fixed(offset) => local_secs - i64::from(offset),
            BsdZone::Rules(to_utc) => to_utc(local_secs),
        }
    }
}

/// What the envelope parser needs to know that the line does not say.
#[derive(Clone, Copy, Debug)]
pub struct TimeContext {
    pub year: YearRule,
    /// The zone of BSD stamps.
    pub bsd_zone: BsdZone,
}

impl TimeContext {
    /// BSD stamps all in `year` (the reference month is December, so no
    /// month rolls back a year), read as UTC: the fixed context of tests,
    /// benches and the fuzzer.
    pub const fn utc_in(year: i32) -> TimeContext {
        TimeContext {
            year: YearRule { year, month: 12 },
            bsd_zone: BsdZone::Fixed(0),
        }
    }
}

/// The envelope of one line, borrowing from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Envelope<'a> {
    pub ts: Micros,
    pub host: &'a str,
    /// The whole syslog tag without `[pid]`, e.g. `postfix/submission/smtpd`.
    pub program: &'a str,
    pub pid: Option<u32>,
    pub message: &'a str,
}

impl<'a> Envelope<'a> {
    /// Postfix's own programs: syslog_name `postfix`, `postfix-out`, … with or
    /// without `/service/daemon` parts.
    pub fn is_postfix(&self) -> bool {
        // A fixed-size compare, inlined: `starts_with` calls `memcmp`.
        self.program.as_bytes().first_chunk::<7>() == Some(b"postfix")
    }

    /// `postfix/submission/smtpd` → (`postfix/submission`, `smtpd`);
    /// `postfix[3281]` (the postfix(1) command) → (`postfix`, `postfix`).
    #[inline]
    pub fn instance_and_daemon(&self) -> (&'a str, &'a str) {
        // The last `/`, a word at a time from the end: a byte loop over
        // the daemon's name cost more than the search.
        let last = super::fields::rfind_byte(self.program.as_bytes(), b'/');
        match last {
            Some(slash) => (&self.program[..slash], &self.program[slash + 1..]),
            None => (self.program, self.program),
        }
    }
}

/// Why a line has no usable envelope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvelopeError {
    /// Neither a BSD nor an RFC 3339 timestamp at the start.
    NoTimestamp,
    /// A timestamp, but no `host program[pid]:` after it.
    NoProgram,
}

/// Month number (1-12) from its English abbreviation.
pub fn month_number(abbrev: &[u8]) -> Option<u32> {
    // Matching on bytes, not on slices: a slice pattern is a `memcmp` call
    // per arm, on every line.
    let &[a, b, c] = abbrev else {
        return None;
    };
    let m = match (a, b, c) {
        (b'J', b'a', b'n') => 1,
        (b'F', b'e', b'b') => 2,
        (b'M', b'a', b'r') => 3,
        (b'A', b'p', b'r') => 4,
        (b'M', b'a', b'y') => 5,
        (b'J', b'u', b'n') => 6,
        (b'J', b'u', b'l') => 7,
        (b'A', b'u', b'g') => 8,
        (b'S', b'e', b'p') => 9,
        (b'O', b'c', b't') => 10,
        (b'N', b'o', b'v') => 11,
        (b'D', b'e', b'c') => 12,
        _ => return None,
    };
    Some(m)
}

/// The last minute of each timestamp shape seen, and its seconds since the
/// epoch: consecutive lines of a log mostly share their minute, so the
/// calendar arithmetic runs about once a minute of log instead of on every
/// line. Keys are the raw bytes up to the minute, so a hit means the same
/// (valid) text; seconds and fractions are read on every line.
///
/// One cache serves one [`TimeContext`] (BSD minutes depend on its year and
/// offset).
#[derive(Clone, Copy, Debug, Default)]
pub struct MinuteCache {
    /// `Mmm dd HH:MM` (12 bytes; for the unpadded `Mmm d HH:MM` form the
    /// key ends with the colon after the minutes), as a number
    /// ([`minute_key`]); 0 (no stamp's key: a month name is not zeros) when
    /// empty.
    bsd: (u128, i64),
    /// `YYYY-MM-DDTHH:MM`, local time of the stamp (its offset is applied
    /// per line); as `bsd`, 0 when empty (a stamp's key holds `-`).
    rfc3339: (u128, i64),
    /// `short-full`'s `YYYY-MM-DD HH:MM` with a numeric zone, as `rfc3339`.
    full: Option<([u8; 16], i64)>,
    /// `short-full`'s `YYYY-MM-DD HH:MM` with a zone abbreviation: UTC
    /// seconds of that minute in the run's zone (as `bsd`).
    full_local: Option<([u8; 16], i64)>,
}

pub fn parse_envelope<'a>(
    line: &'a str,
    time: &TimeContext,
) -> Result<Envelope<'a>, EnvelopeError> {
    parse_envelope_cached(line, time, &mut MinuteCache::default())
}

/// [`parse_envelope`] with a [`MinuteCache`] kept between lines.
///
/// Inlined into the line parser: returned through the stack, the envelope
/// was written a word at a time and read back two at a time, which the
/// processor cannot forward from its store buffer (a stall on every line).
#[inline(always)]
pub fn parse_envelope_cached<'a>(
    line: &'a str,
    time: &TimeContext,
    minutes: &mut MinuteCache,
) -> Result<Envelope<'a>, EnvelopeError> {
    if line.as_bytes().first() == Some(&b'<') {
        return parse_pri(line, time, minutes);
    }
    parse_classic(line, time, minutes)
}

/// A line without `<PRI>`: a timestamp, then `host prog[pid]: msg`.
#[inline(always)]
fn parse_classic<'a>(
    line: &'a str,
    time: &TimeContext,
    minutes: &mut MinuteCache,
) -> Result<Envelope<'a>, EnvelopeError> {
    let bytes = line.as_bytes();
    let stamp = if bytes.first().is_some_and(u8::is_ascii_digit) {
        match parse_rfc3339(line, minutes) {
            Some(stamp) => Some(stamp),
            None => parse_unix(line),
        }
    } else {
        match parse_bsd(line, time, minutes) {
            Some(stamp) => Some(stamp),
            None => parse_full(line, time, minutes),
        }
    };
    let (ts, rest) = stamp.ok_or(EnvelopeError::NoTimestamp)?;
    // Host names are short: a byte loop beats setting up a `memchr`.
    let space = rest
        .bytes()
        .position(|b| b == b' ')
        .ok_or(EnvelopeError::NoProgram)?;
    let (host, rest) = (&rest[..space], &rest[space + 1..]);
    if host.is_empty() || host.starts_with('[') {
        return Err(EnvelopeError::NoProgram);
    }
    let (program, pid, message) = parse_tag(rest).ok_or(EnvelopeError::NoProgram)?;
    Ok(Envelope {
        ts,
        host,
        program,
        pid,
        message,
    })
}

/// `<PRI>` and what follows it: RFC 5424 (`<22>1 2026-…`) when a version
/// and a space come next, else a classic line (`<22>Nov 29 17:09:29 …`,
/// `<22>2026-11-29T17:09:29+00:00 …`, as rsyslog's forward formats write).
#[cold]
#[inline(never)]
fn parse_pri<'a>(
    line: &'a str,
    time: &TimeContext,
    minutes: &mut MinuteCache,
) -> Result<Envelope<'a>, EnvelopeError> {
    let b = line.as_bytes();
    // RFC 5424's PRIVAL: one to three digits, at most 191.
    let digits_len = b[1..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .take(4)
        .count();
    let close = 1 + digits_len;
    if !(1..=3).contains(&digits_len) || b.get(close) != Some(&b'>') {
        return Err(EnvelopeError::NoTimestamp);
    }
    if digits(b, 1, digits_len).is_none_or(|pri| pri > 191) {
        return Err(EnvelopeError::NoTimestamp);
    }
    let rest = &line[close + 1..];
    let r = rest.as_bytes();
    // VERSION: a non-zero digit and up to two more, then a space. No
    // classic stamp starts so (a year has four digits).
    let version_len = r.iter().take_while(|c| c.is_ascii_digit()).take(4).count();
    if (1..=3).contains(&version_len) && r[0] != b'0' && r.get(version_len) == Some(&b' ') {
        return parse_5424(&rest[version_len + 1..], minutes);
    }
    if r.first() == Some(&b'<') {
        return Err(EnvelopeError::NoTimestamp);
    }
    parse_classic(rest, time, minutes)
}

/// RFC 5424 after `<PRI>VERSION `: `TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
/// STRUCTURED-DATA [MSG]`, each `-` when absent.
///
/// ```text
/// <22>1 2026-11-29T17:09:29+00:00 vm postfix/smtpd 5033 - -  NOQUEUE: reject: …
/// <22>1 2026-11-29T17:09:14.742408+00:00 vm postfix/cleanup 5035 - [timeQuality tzKnown="1" isSynced="0"][origin@32473 note="a \] b \" c"] E9E8CB4311: message-id=<…>
/// ```
fn parse_5424<'a>(rest: &'a str, minutes: &mut MinuteCache) -> Result<Envelope<'a>, EnvelopeError> {
    // A `-` timestamp (NILVALUE) says nothing of when: no usable line.
    let (ts, rest) = parse_rfc3339(rest, minutes).ok_or(EnvelopeError::NoTimestamp)?;
    let (host, rest) = token(rest).ok_or(EnvelopeError::NoProgram)?;
    let (program, rest) = token(rest).ok_or(EnvelopeError::NoProgram)?;
    let (procid, rest) = token(rest).ok_or(EnvelopeError::NoProgram)?;
    let (_msgid, rest) = token(rest).ok_or(EnvelopeError::NoProgram)?;
    if host.starts_with('[') {
        return Err(EnvelopeError::NoProgram);
    }
    let after = skip_structured_data(rest.as_bytes()).ok_or(EnvelopeError::NoProgram)?;
    let message = match &rest[after..] {
        "" => "",
        with_space => with_space
            .strip_prefix(' ')
            .ok_or(EnvelopeError::NoProgram)?,
    };
    // A UTF-8 message may start with a BOM. rsyslog writes a legacy
    // message's leading space too (`- -  connect from …`).
    let message = message.strip_prefix('\u{feff}').unwrap_or(message);
    let message = message.trim_start_matches(' ');
    let pid = match procid.len() {
        1..=9 => digits(procid.as_bytes(), 0, procid.len()),
        _ => None,
    };
    Ok(Envelope {
        ts,
        host,
        program,
        pid,
        message,
    })
}

/// A non-empty field up to the next space, and what follows the space.
fn token(s: &str) -> Option<(&str, &str)> {
    let space = s.bytes().position(|b| b == b' ')?;
    (space > 0).then(|| (&s[..space], &s[space + 1..]))
}

/// The length of RFC 5424 STRUCTURED-DATA at the start of `b`: `-`, or
/// `[id name="value" …]` elements one after the other, where a quoted value
/// may hold `\"`, `\\` and `\]`; `None` if it is not closed.
fn skip_structured_data(b: &[u8]) -> Option<usize> {
    match b.first()? {
        b'-' => return Some(1),
        b'[' => {}
        _ => return None,
    }
    let mut at = 0;
    while b.get(at) == Some(&b'[') {
        at += 1;
        let mut quoted = false;
        loop {
            match *b.get(at)? {
                b'\\' if quoted => at += 1,
                b'"' => quoted = !quoted,
                b']' if !quoted => break,
                _ => {}
            }
            at += 1;
        }
        at += 1;
    }
    Some(at)
}

/// `prog[pid]: msg`, `prog[pid] msg` or `prog: msg`.
// Inlined into the hot path (the cold shapes call them too).
#[inline(always)]
fn parse_tag(rest: &str) -> Option<(&str, Option<u32>, &str)> {
    let bytes = rest.as_bytes();
    // A program name runs to 20 bytes and more: SIMD pays here.
    let end = memchr::memchr3(b'[', b':', b' ', bytes)?;
    let program = &rest[..end];
    if program.is_empty() {
        return None;
    }
    match bytes[end] {
        b'[' => {
            // `[`, one to nine digits, `]`: read eight bytes at a time
            // ([`leading_digits`]).
            let (pid, len) = leading_digits(bytes, end + 1, 10);
            let pid = pid as u32;
            let close = end + 1 + len;
            if len == 0 || len > 9 || bytes.get(close) != Some(&b']') {
                return None;
            }
            let after = &bytes[close + 1..];
            let mut start = close + 1 + usize::from(after.first() == Some(&b':'));
            // Some templates align messages with extra spaces.
            start += bytes[start..].iter().take_while(|&&b| b == b' ').count();
            Some((program, Some(pid), &rest[start..]))
        }
        b':' => {
            let after = &rest[end + 1..];
            Some((program, None, after.strip_prefix(' ').unwrap_or(after)))
        }
        _ => None,
    }
}

/// The first bytes of a stamp, up to its minute, as one number: the cache
/// compares two words, not an `Option` of a byte array.
#[inline(always)]
fn minute_key<const N: usize>(stamp: &[u8; N]) -> u128 {
    let mut key = [0u8; 16];
    key[..N].copy_from_slice(stamp);
    u128::from_le_bytes(key)
}

fn digits(bytes: &[u8], at: usize, len: usize) -> Option<u32> {
    let slice = bytes.get(at..at + len)?;
    let mut n = 0u32;
    for &b in slice {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(b - b'0');
    }
    Some(n)
}

/// The day of `Mmm dd HH:MM:SS` (at byte 4, as ` 7`, `07` or `7`) and the
/// index of the space before the clock, once the clock's colons are where
/// they belong.
#[inline(always)]
fn bsd_day_and_clock(b: &[u8]) -> Option<(u32, usize)> {
    let (day, at) = match (b.get(4), b.get(5)) {
        (Some(b' '), Some(d)) if d.is_ascii_digit() => (u32::from(d - b'0'), 6),
        (Some(d1), Some(d2)) if d1.is_ascii_digit() && d2.is_ascii_digit() => {
            (u32::from(d1 - b'0') * 10 + u32::from(d2 - b'0'), 6)
        }
        (Some(d), Some(b' ')) if d.is_ascii_digit() => (u32::from(d - b'0'), 5),
        _ => return None,
    };
    if b.get(at) != Some(&b' ') || b.get(at + 3) != Some(&b':') || b.get(at + 6) != Some(&b':') {
        return None;
    }
    Some((day, at))
}

/// `Mmm dd HH:MM:SS ` with `dd` as ` 7`, `07` or `7`.
// Inlined into the hot path (the cold shapes call them too).
#[inline(always)]
fn parse_bsd<'a>(
    line: &'a str,
    time: &TimeContext,
    minutes: &mut MinuteCache,
) -> Option<(Micros, &'a str)> {
    let b = line.as_bytes();
    let month = month_number(b.get(0..3)?)?;
    if b.get(3) != Some(&b' ') {
        return None;
    }
    let (day, at) = bsd_day_and_clock(b)?;
    let second = digits(b, at + 7, 2)?;
    if second > 60 {
        return None;
    }
    let (micros, end) = match b.get(at + 9) {
        Some(b' ') => (0, at + 9),
        // `journalctl -o short-precise`: `Nov 29 14:04:29.123456 `.
        Some(b'.') => match fraction(b, at + 10)? {
            (micros, end) if b.get(end) == Some(&b' ') => (micros, end),
            _ => return None,
        },
        _ => return None,
    };
    // The line holds at least the 15 bytes checked above.
    let key = minute_key(b.first_chunk::<12>()?);
    let minute_secs = match minutes.bsd {
        (cached, secs) if cached == key => secs,
        _ => {
            let hour = digits(b, at + 1, 2)?;
            let minute = digits(b, at + 4, 2)?;
            let year = time.year.year_of(month);
            let secs = time
                .bsd_zone
                .utc_of(civil_seconds(year, month, day, hour, minute, 0)?);
            minutes.bsd = (key, secs);
            secs
        }
    };
    let secs = minute_secs + i64::from(second);
    Some((secs * MICROS_PER_SEC + micros, &line[end + 1..]))
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM|±HHMM) `.
// Inlined into the hot path (the cold shapes call them too).
#[inline(always)]
fn parse_rfc3339<'a>(line: &'a str, minutes: &mut MinuteCache) -> Option<(Micros, &'a str)> {
    let b = line.as_bytes();
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || b.get(10) != Some(&b'T') {
        return None;
    }
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let second = digits(b, 17, 2)?;
    if second > 60 {
        return None;
    }
    let key = minute_key(b.first_chunk::<16>()?);
    let minute_secs = match minutes.rfc3339 {
        (cached, secs) if cached == key => secs,
        _ => {
            let year = digits(b, 0, 4)? as i32;
            let month = digits(b, 5, 2)?;
            let day = digits(b, 8, 2)?;
            let hour = digits(b, 11, 2)?;
            let minute = digits(b, 14, 2)?;
            let secs = civil_seconds(year, month, day, hour, minute, 0)?;
            minutes.rfc3339 = (key, secs);
            secs
        }
    };
    let (micros, mut at) = match b.get(19) {
        Some(b'.') => fraction(b, 20)?,
        _ => (0, 19),
    };
    let offset_secs: i64 = match b.get(at)? {
        b'Z' => {
            at += 1;
            0
        }
        b'+' | b'-' => {
            let (offset, len) = numeric_offset(b, at)?;
            at += len;
            offset
        }
        _ => return None,
    };
    if b.get(at) != Some(&b' ') {
        return None;
    }
    let secs = minute_secs + i64::from(second) - offset_secs;
    Some((secs * MICROS_PER_SEC + micros, &line[at + 1..]))
}

/// The digits of a fraction of a second starting at `at` (just after the
/// dot): microseconds (digits past the sixth are dropped) and where the
/// digits end. At least one digit.
#[inline(always)]
fn fraction(b: &[u8], start: usize) -> Option<(i64, usize)> {
    let (micros, n) = leading_digits(b, start, 6);
    if n == 0 {
        return None;
    }
    // Digits past the sixth count for the length only.
    let mut at = start + n;
    while b.get(at).is_some_and(u8::is_ascii_digit) {
        at += 1;
    }
    Some((
        micros as i64 * [100_000, 10_000, 1000, 100, 10, 1][n - 1],
        at,
    ))
}

/// The value of the decimal digits at `start` of `b` (at most `max` of them,
/// `max` at most 10) and how many there are. On every line (the pid, the
/// fraction of a second): eight bytes are looked at together when the line
/// holds them, the digits found by one mask and converted by three
/// multiplications (SWAR), not byte by byte.
#[inline(always)]
fn leading_digits(b: &[u8], start: usize, max: usize) -> (u64, usize) {
    if let Some(chunk) = b.get(start..start + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let digits = u64::from_le_bytes(w) ^ 0x3030_3030_3030_3030;
        // A byte is a digit if it is below 10 after the `^ 0x30`: its low
        // seven bits plus 0x76 do not reach 0x80, and its high bit is clear
        // (no carry leaves a byte).
        let low = digits & 0x7f7f_7f7f_7f7f_7f7f;
        let not_digit = ((low + 0x7676_7676_7676_7676) | digits) & 0x8080_8080_8080_8080;
        let n = (not_digit.trailing_zeros() / 8) as usize;
        if n < 8 {
            let n = n.min(max);
            return (word_value(digits, n), n);
        }
    }
    let mut at = start;
    let mut value = 0u64;
    while at < b.len() && at - start < max && b[at].is_ascii_digit() {
        value = value * 10 + u64::from(b[at] - b'0');
        at += 1;
    }
    (value, at - start)
}

/// The number the first `n` (0 to 7) digit values of `digits` (one per
/// byte, the first lowest) make.
#[inline(always)]
fn word_value(digits: u64, n: usize) -> u64 {
    if n == 0 {
        return 0;
    }
    // The `n` digits to the top bytes, zeros below them: leading zeros.
    let mut w = digits << (8 * (8 - n));
    w = (w & 0x0f0f_0f0f_0f0f_0f0f) * 10 + ((w >> 8) & 0x0f0f_0f0f_0f0f_0f0f);
    w = (w & 0x00ff_00ff_00ff_00ff) * 100 + ((w >> 16) & 0x00ff_00ff_00ff_00ff);
    w = (w & 0x0000_ffff_0000_ffff) * 10000 + ((w >> 32) & 0x0000_ffff_0000_ffff);
    w & 0xffff_ffff
}

/// `±HH:MM` (RFC 3339) or `±HHMM` (journalctl's `short-iso`) at `at`:
/// seconds east of UTC and the length.
#[inline(always)]
fn numeric_offset(b: &[u8], at: usize) -> Option<(i64, usize)> {
    let sign = if b[at] == b'-' { -1 } else { 1 };
    let hours = i64::from(digits(b, at + 1, 2)?);
    let (minutes, len) = if b.get(at + 3) == Some(&b':') {
        (digits(b, at + 4, 2)?, 6)
    } else {
        (digits(b, at + 3, 2)?, 5)
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some((sign * (hours * 3600 + i64::from(minutes) * 60), len))
}

/// journalctl's `short-full`: `Sun 2026-11-29 05:35:09 UTC ` (a fraction
/// after the seconds is read too). The zone is `UTC`, `GMT`, a numeric
/// offset (`+0100`, `-03`, `+05:30`), or an abbreviation (`CET`, `EST`):
/// abbreviations are ambiguous (IST, CST), so the stamp is then read in the
/// run's zone, as a BSD stamp is.
#[cold]
#[inline(never)]
fn parse_full<'a>(
    line: &'a str,
    time: &TimeContext,
    minutes: &mut MinuteCache,
) -> Option<(Micros, &'a str)> {
    let b = line.as_bytes();
    if !is_day_name(b.get(0..3)?) || b.get(3) != Some(&b' ') {
        return None;
    }
    if b.get(8) != Some(&b'-') || b.get(11) != Some(&b'-') || b.get(14) != Some(&b' ') {
        return None;
    }
    if b.get(17) != Some(&b':') || b.get(20) != Some(&b':') {
        return None;
    }
    let second = digits(b, 21, 2)?;
    if second > 60 {
        return None;
    }
    let (micros, end) = match b.get(23) {
        Some(b'.') => fraction(b, 24)?,
        _ => (0, 23),
    };
    if b.get(end) != Some(&b' ') {
        return None;
    }
    let zone_start = end + 1;
    let zone_len = b[zone_start..].iter().position(|&c| c == b' ')?;
    let zone = &b[zone_start..zone_start + zone_len];
    let rest = &line[zone_start + zone_len + 1..];
    let key: [u8; 16] = b[4..20].try_into().ok()?;
    let naive = |minutes: &mut Option<([u8; 16], i64)>, to_utc: &dyn Fn(i64) -> i64| {
        if let Some((cached, secs)) = *minutes {
            if cached == key {
                return Some(secs);
            }
        }
        let year = digits(b, 4, 4)? as i32;
        let month = digits(b, 9, 2)?;
        let day = digits(b, 12, 2)?;
        let hour = digits(b, 15, 2)?;
        let minute = digits(b, 18, 2)?;
        let secs = to_utc(civil_seconds(year, month, day, hour, minute, 0)?);
        *minutes = Some((key, secs));
        Some(secs)
    };
    let secs = match zone {
        b"UTC" | b"GMT" | b"UT" | b"Z" => naive(&mut minutes.full, &|s| s)?,
        [b'+' | b'-', ..] => {
            let offset = match zone.len() {
                // `-03`: zones without an abbreviation print hours only.
                3 => {
                    let hours = i64::from(digits(zone, 1, 2)?);
                    if hours > 23 {
                        return None;
                    }
                    if zone[0] == b'-' {
                        -hours * 3600
                    } else {
                        hours * 3600
                    }
                }
                5 | 6 => {
                    let (offset, len) = numeric_offset(zone, 0)?;
                    if len != zone.len() {
                        return None;
                    }
                    offset
                }
                _ => return None,
            };
            naive(&mut minutes.full, &|s| s)? - offset
        }
        // An abbreviation, as strftime's `%Z` prints it.
        _ if (2..=6).contains(&zone.len()) && zone.iter().all(u8::is_ascii_uppercase) => {
            naive(&mut minutes.full_local, &|s| time.bsd_zone.utc_of(s))?
        }
        _ => return None,
    };
    Some(((secs + i64::from(second)) * MICROS_PER_SEC + micros, rest))
}

fn is_day_name(name: &[u8]) -> bool {
    matches!(
        name,
        b"Mon" | b"Tue" | b"Wed" | b"Thu" | b"Fri" | b"Sat" | b"Sun"
    )
}

/// journalctl's `short-unix`: `1795961068.123456 ` (seconds since the
/// epoch, a fraction).
#[cold]
#[inline(never)]
fn parse_unix(line: &str) -> Option<(Micros, &str)> {
    let b = line.as_bytes();
    let len = b.iter().take_while(|c| c.is_ascii_digit()).take(12).count();
    // Up to 11 digits: until the year 5138, within civil_seconds' range.
    if !(1..=11).contains(&len) || b.get(len) != Some(&b'.') {
        return None;
    }
    let secs = b[..len]
        .iter()
        .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
    let (micros, end) = fraction(b, len + 1)?;
    if b.get(end) != Some(&b' ') {
        return None;
    }
    Some((secs * MICROS_PER_SEC + micros, &line[end + 1..]))
}

/// Seconds since the epoch for a UTC civil time; `None` for impossible fields.
fn civil_seconds(year: i32, month: u32, day: u32, hour: u32, min: u32, sec: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    // A leap second (`:60`) is folded onto the next second, as chrono does.
    if hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + i64::from(hour * 3600 + min * 60 + sec))
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A line without rsyslog's `<PRI>` (its forward formats put one first).
fn without_priority(line: &[u8]) -> Option<&[u8]> {
    match line.first() {
        Some(b'<') => Some(&line[line.iter().position(|&c| c == b'>')? + 1..]),
        _ => Some(line),
    }
}

/// The month of a BSD-stamped line, if it has one: the months an input's
/// lines were in, which the year rule's check looks at.
pub fn bsd_month(line: &[u8]) -> Option<u32> {
    let line = without_priority(line)?;
    let month = month_number(line.get(0..3)?)?;
    (line.get(3) == Some(&b' ')).then_some(month)
}

/// What a classic stamp says without a year: a point in some year, ordered
/// as the year goes (month, then day, then the second of the day).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BsdStamp {
    pub month: u32,
    pub day: u32,
    /// Seconds since midnight, wall-clock time.
    pub second: u32,
}

impl BsdStamp {
    /// Seconds since the epoch of this stamp in `year`, read as UTC (the
    /// wall clock's own reading); `None` if the date is not in that year
    /// (29 February of a common year).
    pub fn wall_seconds(self, year: i32) -> Option<i64> {
        let (hour, rest) = (self.second / 3600, self.second % 3600);
        civil_seconds(year, self.month, self.day, hour, rest / 60, rest % 60)
    }
}

/// The stamp of a BSD-stamped line, if it has one (a date that no year
/// has, `Feb 30`, is none).
pub fn bsd_stamp(line: &[u8]) -> Option<BsdStamp> {
    let b = without_priority(line)?;
    let month = month_number(b.get(0..3)?)?;
    if b.get(3) != Some(&b' ') {
        return None;
    }
    let (day, at) = bsd_day_and_clock(b)?;
    let (hour, minute, second) = (
        digits(b, at + 1, 2)?,
        digits(b, at + 4, 2)?,
        digits(b, at + 7, 2)?,
    );
    // Any leap year has every date a stamp can have.
    civil_seconds(2024, month, day, hour, minute, second)?;
    Some(BsdStamp {
        month,
        day,
        second: hour * 3600 + minute * 60 + second.min(59),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digits read byte by byte.
    fn leading_digits_by_byte(b: &[u8], start: usize, max: usize) -> (u64, usize) {
        let n = b
            .get(start..)
            .unwrap_or(&[])
            .iter()
            .take(max)
            .take_while(|c| c.is_ascii_digit())
            .count();
        let value = b[start..start + n]
            .iter()
            .fold(0, |v, &c| v * 10 + u64::from(c - b'0'));
        (value, n)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        /// The eight-byte digit reader agrees with a byte loop, at every
        /// length and position and with other bytes around the digits.
        #[test]
        fn digits_read_eight_at_a_time(text in "[0-9]{0,12}[]: .a/\\x{b0}]?[0-9]{0,3}", start in 0usize..3, max in 1usize..=10) {
            let b = text.as_bytes();
            let start = start.min(b.len());
            proptest::prop_assert_eq!(leading_digits(b, start, max), leading_digits_by_byte(b, start, max));
        }
    }

    const CTX: TimeContext = TimeContext::utc_in(2024);

    fn utc(s: &str) -> Micros {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_micros()
    }

    /// (line, ts, host, program, pid, message start)
    type Case = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        Option<u32>,
        &'static str,
    );

    #[test]
    fn envelopes_of_real_lines() {
        let cases: &[Case] = &[
            (
                "Oct 10 15:59:28 mail postfix/smtpd[1830]: connect from example.com[127.0.0.1]",
                "2024-10-10T15:59:28Z", "mail", "postfix/smtpd", Some(1830), "connect from",
            ),
            (
                "Apr  7 15:35:20 123-mail postfix/virtual[20235]: 199041033BE: to=<me@domain.fr>",
                "2024-04-07T15:35:20Z", "123-mail", "postfix/virtual", Some(20235), "199041033BE:",
            ),
            (
                "Mar 7 02:09:33 server postfix/smtpd[27246]: 1D8CC1CA0A7F: milter-reject: DATA",
                "2024-03-07T02:09:33Z", "server", "postfix/smtpd", Some(27246), "1D8CC1CA0A7F:",
            ),
            (
                "Oct 03 09:11:20 service9 postfix/cleanup[1221726]: 54BE7192007D: message-id=<x@y>",
                "2024-10-03T09:11:20Z", "service9", "postfix/cleanup", Some(1221726), "54BE7192007D:",
            ),
            (
                "2023-03-14T00:00:31.185246+01:00 helga postfix/postscreen[3163107]: CONNECT from [185.48.118.128]:36942 to [188.34.187.246]:25",
                "2023-03-13T23:00:31.185246Z", "helga", "postfix/postscreen", Some(3163107), "CONNECT from",
            ),
            (
                "2022-04-14T00:36:03.150Z mailhub postfix/smtps/smtpd[30543]: warning: unknown[122.166.249.154]:48123: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
                "2022-04-14T00:36:03.150Z", "mailhub", "postfix/smtps/smtpd", Some(30543), "warning:",
            ),
            (
                "2021-02-06T11:19:25+01:00 mail1.example.com postfix/smtpd[64346]: 42E683DD0B: client=mail.sender.com[85.42.66.4]",
                "2021-02-06T10:19:25Z", "mail1.example.com", "postfix/smtpd", Some(64346), "42E683DD0B:",
            ),
            (
                "2021-02-19T14:32:14.936091+01:00 smtp01.example.org postfix/smtpd[58176] E89FA2DEDA: client=srv05.source.com[10.11.12.13]",
                "2021-02-19T13:32:14.936091Z", "smtp01.example.org", "postfix/smtpd", Some(58176), "E89FA2DEDA:",
            ),
            (
                "Feb 26 12:16:08 server1 postfix[3281]: fatal: open /etc/postfix/main.cf: No such file or directory",
                "2024-02-26T12:16:08Z", "server1", "postfix", Some(3281), "fatal:",
            ),
        ];
        for &(line, ts, host, program, pid, msg) in cases {
            let env = parse_envelope(line, &CTX).unwrap_or_else(|e| panic!("{e:?}: {line}"));
            assert_eq!(env.ts, utc(ts), "{line}");
            assert_eq!(env.host, host, "{line}");
            assert_eq!(env.program, program, "{line}");
            assert_eq!(env.pid, pid, "{line}");
            assert!(env.message.starts_with(msg), "{line}: {:?}", env.message);
        }
    }

    #[test]
    fn instance_and_daemon() {
        let cases = [
            ("postfix/submission/smtpd", "postfix/submission", "smtpd"),
            (
                "postfix-smo/submission/smtpd",
                "postfix-smo/submission",
                "smtpd",
            ),
            ("postfix/smtpd", "postfix", "smtpd"),
            ("postfix", "postfix", "postfix"),
        ];
        for (program, instance, daemon) in cases {
            let env = Envelope {
                ts: 0,
                host: "h",
                program,
                pid: None,
                message: "",
            };
            assert_eq!(env.instance_and_daemon(), (instance, daemon));
        }
    }

    #[test]
    fn year_rollover_inside_a_file() {
        // A log written until January 2025 that starts in December 2024.
        let ctx = TimeContext {
            year: YearRule {
                year: 2025,
                month: 1,
            },
            bsd_zone: BsdZone::Fixed(0),
        };
        let dec = parse_envelope("Dec 31 23:59:59 h postfix/qmgr[1]: x", &ctx).unwrap();
        let jan = parse_envelope("Jan  1 00:00:00 h postfix/qmgr[1]: x", &ctx).unwrap();
        assert_eq!(dec.ts, utc("2024-12-31T23:59:59Z"));
        assert_eq!(jan.ts, utc("2025-01-01T00:00:00Z"));
    }

    #[test]
    fn bsd_offset_is_applied() {
        let ctx = TimeContext {
            bsd_zone: BsdZone::Fixed(3600),
            ..CTX
        };
        let env = parse_envelope("Oct 10 15:59:28 mail postfix/smtpd[1]: x", &ctx).unwrap();
        assert_eq!(env.ts, utc("2024-10-10T14:59:28Z"));
    }

    #[test]
    fn structured_data() {
        let cases: &[(&str, Option<usize>)] = &[
            ("- msg", Some(1)),
            ("[a] msg", Some(3)),
            (r#"[a b="1"][c d="x]y" e="\"\]"] msg"#, Some(29)),
            ("[a][b]", Some(6)),
            (r#"[a b="]"#, None),
            (r#"[a b="\"]"#, None),
            ("msg", None),
        ];
        for &(sd, len) in cases {
            assert_eq!(skip_structured_data(sd.as_bytes()), len, "{sd}");
        }
    }

    #[test]
    fn rfc5424_fields() {
        let line =
            "<22>1 2026-11-23T03:35:09.123456+01:00 mx postfix/smtpd 1234 - - \u{feff}NOQUEUE: x";
        let env = parse_envelope(line, &CTX).unwrap();
        assert_eq!(env.ts, utc("2026-11-23T02:35:09.123456Z"));
        assert_eq!(
            (env.host, env.program, env.pid, env.message),
            ("mx", "postfix/smtpd", Some(1234), "NOQUEUE: x")
        );
        let env = parse_envelope(
            "<2>1 2026-11-23T03:35:09Z mx postfix/qmgr - ID47 [x y=\"]\"]",
            &CTX,
        )
        .unwrap();
        assert_eq!((env.pid, env.message), (None, ""));
        let cases = [
            (
                "<22>1 - mx postfix/smtpd 1 - - x",
                EnvelopeError::NoTimestamp,
            ),
            (
                "<192>1 2026-11-23T03:35:09Z mx postfix/smtpd 1 - - x",
                EnvelopeError::NoTimestamp,
            ),
            (
                "<22>01 2026-11-23T03:35:09Z mx postfix/smtpd 1 - - x",
                EnvelopeError::NoTimestamp,
            ),
            (
                "<22><22>Nov 23 03:35:09 mx postfix/smtpd[1]: x",
                EnvelopeError::NoTimestamp,
            ),
            (
                "<22 2026-11-23T03:35:09Z mx postfix/smtpd 1 - - x",
                EnvelopeError::NoTimestamp,
            ),
            (
                "<22>1 2026-11-23T03:35:09Z mx postfix/smtpd 1 -",
                EnvelopeError::NoProgram,
            ),
            (
                "<22>1 2026-11-23T03:35:09Z mx postfix/smtpd 1 - [a x",
                EnvelopeError::NoProgram,
            ),
            (
                "<22>1 2026-11-23T03:35:09Z mx postfix/smtpd 1 - -x",
                EnvelopeError::NoProgram,
            ),
        ];
        for (line, err) in cases {
            assert_eq!(parse_envelope(line, &CTX), Err(err), "{line}");
        }
    }

    #[test]
    fn journalctl_stamps() {
        let brussels = TimeContext {
            bsd_zone: BsdZone::Fixed(3600),
            ..CTX
        };
        let cases = [
            ("2024-11-29T05:35:09+0000 h p[1]: x", "2024-11-29T05:35:09Z"),
            (
                "2024-11-29T05:35:09.000001-0130 h p[1]: x",
                "2024-11-29T07:05:09.000001Z",
            ),
            ("Nov 29 05:35:09.25 h p[1]: x", "2024-11-29T04:35:09.25Z"),
            (
                "Fri 2024-11-29 05:35:09 UTC h p[1]: x",
                "2024-11-29T05:35:09Z",
            ),
            (
                "Fri 2024-11-29 05:35:09 GMT h p[1]: x",
                "2024-11-29T05:35:09Z",
            ),
            (
                "Fri 2024-11-29 05:35:09 -03 h p[1]: x",
                "2024-11-29T08:35:09Z",
            ),
            (
                "Fri 2024-11-29 05:35:09 +0530 h p[1]: x",
                "2024-11-29T00:05:09Z",
            ),
            (
                "Fri 2024-11-29 05:35:09.5 +05:30 h p[1]: x",
                "2024-11-29T00:05:09.5Z",
            ),
            // An abbreviation: read in the run's zone (here +01:00).
            (
                "Fri 2024-11-29 05:35:09 CET h p[1]: x",
                "2024-11-29T04:35:09Z",
            ),
            (
                "Fri 2024-11-29 05:35:09 EST h p[1]: x",
                "2024-11-29T04:35:09Z",
            ),
            ("1732858509.123456 h p[1]: x", "2024-11-29T05:35:09.123456Z"),
            ("<13>Nov 29 05:35:09 h p[1]: x", "2024-11-29T04:35:09Z"),
            ("<13>2024-11-29T05:35:09Z h p[1]: x", "2024-11-29T05:35:09Z"),
        ];
        for (line, ts) in cases {
            let env = parse_envelope(line, &brussels).unwrap_or_else(|e| panic!("{e:?}: {line}"));
            assert_eq!(env.ts, utc(ts), "{line}");
            assert_eq!(
                (env.host, env.program, env.pid, env.message),
                ("h", "p", Some(1), "x")
            );
        }
        for line in [
            "Fri 2024-11-29 05:35:09 h p[1]: x",
            "Fri 2024-11-29 05:35:09 +5 h p[1]: x",
            "Fri 2024-11-29 05:35:09 +24 h p[1]: x",
            "Fri 2024-11-29 05:35:09 +0160 h p[1]: x",
            "Fri 2024-11-29T05:35:09 UTC h p[1]: x",
            "Fry 2024-11-29 05:35:09 UTC h p[1]: x",
            "2024-11-29T05:35:09+01 h p[1]: x",
            "2024-11-29T05:35:09+2400 h p[1]: x",
            "1732858509 h p[1]: x",
            "1732858509. h p[1]: x",
            "Nov 29 05:35:09. h p[1]: x",
            "<13> Nov 29 05:35:09 h p[1]: x",
        ] {
            assert_eq!(
                parse_envelope(line, &brussels),
                Err(EnvelopeError::NoTimestamp),
                "{line}"
            );
        }
        assert_eq!(
            bsd_month(b"<22>Nov 29 17:09:29 vm postfix/smtpd[5031]: x"),
            Some(11)
        );
    }

    #[test]
    fn lines_without_an_envelope() {
        let cases = [
            ("%(day)s 11:00:20 server postfix/cleanup[28945]: A0320E00C3: message-id=<x>", EnvelopeError::NoTimestamp),
            ("[20-Oct-2020 14:56:10 +0100]: <ca0a80a9> User echefu", EnvelopeError::NoTimestamp),
            ("021-02-06T10:57:57+01:00 mail.server.com postfix/smtpd[59633]: D6DDA23B0F: client=x", EnvelopeError::NoTimestamp),
            ("Feb 30 12:00:00 h postfix/smtpd[1]: impossible date", EnvelopeError::NoTimestamp),
            ("Dec 18 16:15:28 [postfix/smtpd] 0000 16 03 01 00 a9", EnvelopeError::NoProgram),
            ("orig_to=<istoy.malasugi@talakitok.com>, relay=192.168.1.25[192.168.1.25]:25", EnvelopeError::NoTimestamp),
            ("", EnvelopeError::NoTimestamp),
        ];
        for (line, err) in cases {
            assert_eq!(parse_envelope(line, &CTX), Err(err), "{line}");
        }
    }
}
