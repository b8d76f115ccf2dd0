//! systemd's journal as input. `--journal` reads the local journal and
//! `--journal-file FILE` a journal file (copied from another host) by running
//! `journalctl -o json`; JSON records, from there or piped in
//! (`journalctl -o json | maillog-report -`), are turned into classic lines.
//!
//! Why lines: a record becomes `2026-11-23T14:04:28.000000Z relay
//! postfix/smtpd[5031]: connect from …`, which the envelope parser reads like
//! any RFC 3339 log. The scan (chunks, the minute cache, the line accounting,
//! `--unparsed`) then stays one path for every input, and each record is one
//! line: a record of another program is "other program", a record that is not
//! JSON or has no timestamp becomes an empty line, "no syslog header".
//!
//! Records are read with `serde_json` into borrowed fields (an allocation
//! only for a value with escapes or a byte array), and converted in parallel
//! chunks. The text forms of journalctl (`short`, `short-iso`, …) need
//! nothing here: the envelope parser reads them.

use std::borrow::Cow;
use std::ffi::OsString;
use std::fmt;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;

use rayon::prelude::*;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{chunks, Input, Loaded, Problem, Source};
use crate::window::Window;

/// Which journal to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Journal {
    /// The machine's own journal (`--journal`).
    Local,
    /// A journal file (`--journal-file FILE`).
    File(PathBuf),
}

impl Journal {
    /// The input's name in the report and in messages.
    pub fn name(&self) -> String {
        match self {
            Journal::Local => "journal".to_string(),
            Journal::File(path) => path.display().to_string(),
        }
    }

    fn source_args(&self) -> Vec<OsString> {
        match self {
            Journal::Local => Vec::new(),
            Journal::File(path) => vec!["--file".into(), path.into()],
        }
    }
}

/// The fields a record needs (journalctl adds `__CURSOR`,
/// `__REALTIME_TIMESTAMP`, `__MONOTONIC_TIMESTAMP` and `_BOOT_ID` to JSON
/// whatever is asked).
pub const FIELDS: &str =
    "_SOURCE_REALTIME_TIMESTAMP,_HOSTNAME,SYSLOG_IDENTIFIER,_COMM,_PID,SYSLOG_PID,MESSAGE";

/// The journalctl arguments that list every syslog identifier in the
/// journal. Postfix logs under `postfix/DAEMON`, `postfix/SERVICE/DAEMON`,
/// `postfix/postfix-script`, and `postfix-out/DAEMON` for a second instance
/// (its `syslog_name`); commands run by hand or by cron (`postsuper`,
/// `postqueue`, `sendmail`) run outside Postfix's systemd unit, so the unit
/// (`_SYSTEMD_UNIT=postfix@-.service`) does not catch them all. A journalctl
/// match takes exact values only, so the identifiers are listed first.
pub fn identifier_args(journal: &Journal) -> Vec<OsString> {
    let mut args = journal.source_args();
    args.extend(["--field".into(), "SYSLOG_IDENTIFIER".into()]);
    args
}

/// The identifiers of [`identifier_args`]'s output that are Postfix's: the
/// ones starting with `postfix`, as the parser decides (`Envelope::is_postfix`).
pub fn postfix_identifiers(listed: &str) -> Vec<String> {
    let mut ids: Vec<String> = listed
        .lines()
        .filter(|id| id.starts_with("postfix") && !id.contains(char::is_whitespace))
        .map(str::to_string)
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The journalctl arguments that print the entries of `identifiers` in the
/// window, as JSON. Matches on one field are alternatives; `--since` and
/// `--until` are UTC with the zone spelled out, whole seconds around the
/// window (journalctl's `--until` includes its second; the scan applies the
/// exact window); `--all` keeps long messages (journalctl prints `null` for
/// fields over 4 kB otherwise).
pub fn entries_args(journal: &Journal, window: &Window, identifiers: &[String]) -> Vec<OsString> {
    let mut args = journal.source_args();
    args.extend([
        "--output=json".into(),
        format!("--output-fields={FIELDS}").into(),
        "--all".into(),
        "--no-pager".into(),
    ]);
    if let Some(start) = window.start {
        args.push(format!("--since={}", utc_second(start.div_euclid(1_000_000))).into());
    }
    if let Some(end) = window.end {
        let ceil = end.div_euclid(1_000_000) + i64::from(end.rem_euclid(1_000_000) > 0);
        args.push(format!("--until={}", utc_second(ceil)).into());
    }
    args.extend(
        identifiers
            .iter()
            .map(|id| OsString::from(format!("SYSLOG_IDENTIFIER={id}"))),
    );
    args
}

/// `2026-11-23 00:00:00 UTC`: a form journalctl reads whatever its zone.
fn utc_second(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "1970-01-01 00:00:00 UTC".to_string())
}

/// Reads the Postfix entries of `journal` in `window` with `journalctl`
/// (found on `PATH`) as JSON records, or says why it could not.
pub fn load(journal: &Journal, window: &Window) -> Loaded {
    let name = journal.name();
    let problem = |message: String| Problem {
        name: name.clone(),
        message,
        notice: false,
    };
    let (listed, listing_warning) = match journalctl(&identifier_args(journal)) {
        Ok(listed) => listed,
        Err(message) => return Loaded::Failed(problem(message)),
    };
    let identifiers = postfix_identifiers(&String::from_utf8_lossy(&listed));
    let input = |bytes: Vec<u8>| Input {
        name: name.clone(),
        data: Source::Owned(bytes),
        mtime: None,
    };
    if identifiers.is_empty() {
        // Perhaps only because this user may not read the system journal:
        // journalctl says so.
        let mut message =
            "no Postfix entries (no syslog identifier starts with postfix)".to_string();
        if !listing_warning.is_empty() {
            message.push_str(&format!("; journalctl: {listing_warning}"));
        }
        let notice = Problem {
            notice: true,
            ..problem(message)
        };
        return Loaded::Partial(input(Vec::new()), notice);
    }
    match journalctl(&entries_args(journal, window, &identifiers)) {
        Ok((out, warning)) if warning.is_empty() => Loaded::Whole(input(out)),
        // Say what journalctl said (a user who may not read the system
        // journal sees only their own entries, for one).
        Ok((out, warning)) => Loaded::Partial(
            input(out),
            Problem {
                notice: true,
                ..problem(format!("journalctl: {warning}"))
            },
        ),
        Err(message) => Loaded::Failed(problem(message)),
    }
}

/// Runs journalctl: its output and what it wrote on stderr (one line), or
/// one line saying why it failed.
fn journalctl(args: &[OsString]) -> Result<(Vec<u8>, String), String> {
    let output =
        match Command::new("journalctl").args(args).output() {
            Ok(output) => output,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(
                "journalctl not found: --journal and --journal-file run it (it comes with systemd)"
                    .to_string(),
            ),
            Err(e) => return Err(format!("running journalctl: {e}")),
        };
    let stderr = String::from_utf8_lossy(&output.stderr);
    let said = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if !output.status.success() {
        let status = output
            .status
            .code()
            .map_or("a signal".to_string(), |c| format!("status {c}"));
        return Err(if said.is_empty() {
            format!("journalctl failed (exit {status})")
        } else {
            format!("journalctl failed (exit {status}): {said}")
        });
    }
    Ok((output.stdout, said))
}

/// The most bytes of a JSON record a streamed input keeps (the block reader
/// keeps the start of a longer line only): a record holds its message
/// escaped (up to six bytes for one, `\u0000`) besides its other fields,
/// so a record whose line is within `max_line` is read whole. A record cut
/// is counted as too long, as its line would be.
pub fn record_limit(max_line: usize) -> usize {
    max_line.saturating_mul(6).saturating_add(64 << 10)
}

/// `-o json` output starts with `{`; a classic log never does.
pub fn is_json(data: &[u8]) -> bool {
    data.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// `input` with its JSON records turned into lines, if it is JSON; else
/// `input` as it is.
pub fn decode(input: Input) -> Input {
    if !is_json(&input.data) {
        return input;
    }
    let lines = json_to_lines(&input.data, rayon::current_num_threads() * 4);
    Input {
        data: Source::Owned(lines),
        ..input
    }
}

/// One line per line of `data` (a record each), converted in `parts`
/// chunks in parallel.
pub fn json_to_lines(data: &[u8], parts: usize) -> Vec<u8> {
    let converted: Vec<Vec<u8>> = chunks::split(data, parts)
        .par_iter()
        .map(|chunk| {
            let mut out = Vec::with_capacity(chunk.len() / 3);
            let mut rest: &[u8] = chunk;
            while !rest.is_empty() {
                let (line, next) = chunks::strip_line_end(rest);
                record_line(line, &mut out);
                rest = next;
            }
            out
        })
        .collect();
    converted.concat()
}

/// Appends the classic line of one JSON record to `out`, with its `\n`: an
/// empty line if the record is not a JSON object with a timestamp.
pub fn record_line(json: &[u8], out: &mut Vec<u8>) {
    if let Ok(record) = serde_json::from_slice::<Record>(json) {
        if let Some(micros) = record.micros() {
            let start = out.len();
            if write_line(&record, micros, out).is_ok() {
                out.push(b'\n');
                return;
            }
            out.truncate(start);
        }
    }
    out.push(b'\n');
}

fn write_line(record: &Record<'_>, micros: i64, out: &mut Vec<u8>) -> Result<(), ()> {
    write_stamp(micros, out)?;
    out.push(b' ');
    // The envelope's fields end at a space, a `[` or a `:`: such bytes in a
    // host or identifier (which real ones never hold) become `_`, so that
    // the record still reads as one of its program.
    let host = record.hostname.as_ref().map_or(&b"-"[..], Value::bytes);
    token(if host.is_empty() { b"-" } else { host }, out);
    out.push(b' ');
    let program = record
        .identifier
        .as_ref()
        .or(record.comm.as_ref())
        .map_or(&b"-"[..], Value::bytes);
    token(if program.is_empty() { b"-" } else { program }, out);
    // journalctl's short output takes `_PID`, then `SYSLOG_PID`.
    let pid = [&record.pid, &record.syslog_pid]
        .into_iter()
        .flatten()
        .map(Value::bytes)
        .find(|p| (1..=9).contains(&p.len()) && p.iter().all(u8::is_ascii_digit));
    if let Some(pid) = pid {
        out.push(b'[');
        out.extend_from_slice(pid);
        out.push(b']');
    }
    out.extend_from_slice(b": ");
    // A record is one line: line breaks inside a message become spaces.
    let message = record.message.as_ref().map_or(&b""[..], Value::bytes);
    out.extend(message.iter().map(|&b| match b {
        b'\n' | b'\r' => b' ',
        b => b,
    }));
    Ok(())
}

fn token(bytes: &[u8], out: &mut Vec<u8>) {
    out.extend(bytes.iter().map(|&b| match b {
        b' ' | b'[' | b']' | b':' => b'_',
        b if b.is_ascii_control() => b'_',
        b => b,
    }));
}

/// `2026-11-23T14:04:28.123456Z`.
fn write_stamp(micros: i64, out: &mut Vec<u8>) -> Result<(), ()> {
    let secs = micros.div_euclid(1_000_000);
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    if !(0..=9999).contains(&year) {
        return Err(());
    }
    let in_day = secs.rem_euclid(86_400);
    write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        in_day / 3600,
        in_day / 60 % 60,
        in_day % 60,
        micros.rem_euclid(1_000_000)
    )
    .map_err(|_| ())
}

/// (year, month, day) of a day since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A field's value: text (borrowed when it has no escapes), or the bytes of
/// a value that is not printable UTF-8 (journalctl writes it as an array of
/// numbers).
#[derive(Debug, PartialEq)]
enum Value<'a> {
    Text(Cow<'a, str>),
    Bytes(Vec<u8>),
}

impl Value<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Value::Text(text) => text.as_bytes(),
            Value::Bytes(bytes) => bytes,
        }
    }
}

/// The fields of one record that make its line.
#[derive(Debug, Default)]
struct Record<'a> {
    source_realtime: Option<Value<'a>>,
    realtime: Option<Value<'a>>,
    hostname: Option<Value<'a>>,
    identifier: Option<Value<'a>>,
    comm: Option<Value<'a>>,
    pid: Option<Value<'a>>,
    syslog_pid: Option<Value<'a>>,
    message: Option<Value<'a>>,
}

impl Record<'_> {
    /// When the entry was logged: the sender's own time if it gave one,
    /// else the journal's (as journalctl's short output chooses).
    fn micros(&self) -> Option<i64> {
        [&self.source_realtime, &self.realtime]
            .into_iter()
            .flatten()
            .find_map(|v| {
                let text = std::str::from_utf8(v.bytes()).ok()?;
                text.parse::<i64>().ok().filter(|&us| us >= 0)
            })
    }
}

impl<'de> de::Deserialize<'de> for Record<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RecordVisitor)
    }
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = Record<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a journal record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record<'de>, A::Error> {
        let mut record = Record::default();
        while let Some(key) = map.next_key::<Key>()? {
            let slot = match key {
                Key::SourceRealtime => &mut record.source_realtime,
                Key::Realtime => &mut record.realtime,
                Key::Hostname => &mut record.hostname,
                Key::Identifier => &mut record.identifier,
                Key::Comm => &mut record.comm,
                Key::Pid => &mut record.pid,
                Key::SyslogPid => &mut record.syslog_pid,
                Key::Message => &mut record.message,
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = map.next_value::<Field>()?.0;
        }
        Ok(record)
    }
}

/// A record's key, without allocating for the ones we skip.
enum Key {
    SourceRealtime,
    Realtime,
    Hostname,
    Identifier,
    Comm,
    Pid,
    SyslogPid,
    Message,
    Other,
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                Ok(match key {
                    "_SOURCE_REALTIME_TIMESTAMP" => Key::SourceRealtime,
                    "__REALTIME_TIMESTAMP" => Key::Realtime,
                    "_HOSTNAME" => Key::Hostname,
                    "SYSLOG_IDENTIFIER" => Key::Identifier,
                    "_COMM" => Key::Comm,
                    "_PID" => Key::Pid,
                    "SYSLOG_PID" => Key::SyslogPid,
                    "MESSAGE" => Key::Message,
                    _ => Key::Other,
                })
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A field's value as journalctl writes it: a string, an array of byte
/// values, an array of values when the field occurs more than once (the
/// first counts, as for journalctl's short output), or `null` (a value too
/// long to print).
struct Field<'a>(Option<Value<'a>>);

impl<'de> de::Deserialize<'de> for Field<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldVisitor).map(Field)
    }
}

/// One element of an array value: a byte, or a value of its own.
enum Element<'a> {
    Byte(u8),
    Value(Option<Value<'a>>),
}

impl<'de> de::Deserialize<'de> for Element<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ElementVisitor;
        impl<'de> Visitor<'de> for ElementVisitor {
            type Value = Element<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a byte or a field value")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Element<'de>, E> {
                u8::try_from(n)
                    .map(Element::Byte)
                    .map_err(|_| E::custom("a byte over 255"))
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Element<'de>, E> {
                FieldVisitor.visit_borrowed_str(s).map(Element::Value)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Element<'de>, E> {
                FieldVisitor.visit_str(s).map(Element::Value)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Element<'de>, E> {
                Ok(Element::Value(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Element<'de>, A::Error> {
                FieldVisitor.visit_seq(seq).map(Element::Value)
            }
        }
        deserializer.deserialize_any(ElementVisitor)
    }
}

struct FieldVisitor;

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = Option<Value<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, an array of bytes or values, or null")
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Value::Text(Cow::Borrowed(s))))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Some(Value::Text(Cow::Owned(s.to_string()))))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Some(Value::Text(Cow::Owned(n.to_string()))))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        match seq.next_element::<Element>()? {
            None => Ok(Some(Value::Bytes(Vec::new()))),
            Some(Element::Byte(first)) => {
                let mut bytes = vec![first];
                while let Some(element) = seq.next_element::<Element>()? {
                    match element {
                        Element::Byte(b) => bytes.push(b),
                        Element::Value(_) => return Err(de::Error::custom("a mixed array")),
                    }
                }
                Ok(Some(Value::Bytes(bytes)))
            }
            Some(Element::Value(first)) => {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(first)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(json: &str) -> String {
        let mut out = Vec::new();
        record_line(json.as_bytes(), &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn records_become_lines() {
        // journalctl 252 `-o json`, on a journal systemd-journal-remote made
        // from sample-logs/maillog's first smtpd line.
        let real = r#"{"__MONOTONIC_TIMESTAMP":"68000000","_SYSTEMD_UNIT":"postfix@-.service","_PID":"5031","SYSLOG_FACILITY":"2","PRIORITY":"6","__REALTIME_TIMESTAMP":"1795961068000000","_BOOT_ID":"0123456789abcdef0123456789abcdef","__CURSOR":"s=83e0559ad7e64badb5cdf06fe77fb8e0;i=1;b=0123456789abcdef0123456789abcdef;m=40d9900;t=6616ac57d1300;x=6de7be76e222c126","MESSAGE":"connect from localhost[127.0.0.1]","SYSLOG_IDENTIFIER":"postfix/smtpd","_HOSTNAME":"relay"}"#;
        assert_eq!(
            line(real),
            "2026-11-29T14:04:28.000000Z relay postfix/smtpd[5031]: connect from localhost[127.0.0.1]\n"
        );
        // A message that is not UTF-8 comes as an array of bytes.
        let bytes = r#"{"__REALTIME_TIMESTAMP":"1795961070000001","MESSAGE":[98,97,100,32,255],"_HOSTNAME":"relay","SYSLOG_IDENTIFIER":"postfix/smtpd","SYSLOG_PID":"7"}"#;
        let mut out = Vec::new();
        record_line(bytes.as_bytes(), &mut out);
        assert_eq!(
            out,
            b"2026-11-29T14:04:30.000001Z relay postfix/smtpd[7]: bad \xff\n"
        );
        // Escapes, a field given twice, the source's own time, no pid, a
        // long field journalctl printed as null.
        assert_eq!(
            line(
                r#"{"__REALTIME_TIMESTAMP":"1795961070000000","_SOURCE_REALTIME_TIMESTAMP":"1795961069500000","MESSAGE":["a \"b\"\nc","second"],"_HOSTNAME":"relay","SYSLOG_IDENTIFIER":"postfix/postfix-script","_PID":null}"#
            ),
            "2026-11-29T14:04:29.500000Z relay postfix/postfix-script: a \"b\" c\n"
        );
        // No identifier: the command name; odd bytes in names become `_`.
        assert_eq!(
            line(r#"{"__REALTIME_TIMESTAMP":"0","_COMM":"my prog[1]","MESSAGE":"x"}"#),
            "1970-01-01T00:00:00.000000Z - my_prog_1_: x\n"
        );
        // Not a record, or no time: an empty line (no syslog header).
        for bad in [
            "{",
            "{}",
            "[1]",
            r#"{"MESSAGE":"x"}"#,
            "Nov 23 14:04:28 h p: x",
            "",
        ] {
            assert_eq!(line(bad), "\n", "{bad}");
        }
    }

    #[test]
    fn chunks_convert_alike() {
        let record = r#"{"__REALTIME_TIMESTAMP":"1795961068000000","MESSAGE":"m","_HOSTNAME":"h","SYSLOG_IDENTIFIER":"postfix/qmgr","_PID":"1"}"#;
        let data = format!("{record}\nnot json\n{record}\r\n\n{record}");
        let one = json_to_lines(data.as_bytes(), 1);
        assert_eq!(one.iter().filter(|&&b| b == b'\n').count(), 5);
        for parts in 2..8 {
            assert_eq!(json_to_lines(data.as_bytes(), parts), one, "{parts}");
        }
        assert!(is_json(b" \n{\"a\":1}"));
        assert!(!is_json(b"Nov 23 14:04:28 h p: {"));
    }

    #[test]
    fn journalctl_command_lines() {
        let listed = "systemd\npostfix/smtpd\npostfix-out/smtp\npostfix/postfix-script\npostfix/smtpd\ndovecot\n";
        let ids = postfix_identifiers(listed);
        assert_eq!(
            ids,
            [
                "postfix-out/smtp",
                "postfix/postfix-script",
                "postfix/smtpd"
            ]
        );
        let file = Journal::File("/tmp/F.journal".into());
        assert_eq!(
            identifier_args(&file),
            ["--file", "/tmp/F.journal", "--field", "SYSLOG_IDENTIFIER"]
        );
        assert_eq!(
            identifier_args(&Journal::Local),
            ["--field", "SYSLOG_IDENTIFIER"]
        );
        // -d 2026-11-23 in Europe/Brussels: [23:00 the day before, 23:00).
        let window = Window {
            start: Some(1_795_388_400_000_000),
            end: Some(1_795_474_800_000_000),
        };
        let fields = format!("--output-fields={FIELDS}");
        assert_eq!(
            entries_args(&Journal::Local, &window, &ids),
            [
                "--output=json",
                fields.as_str(),
                "--all",
                "--no-pager",
                "--since=2026-11-22 23:00:00 UTC",
                "--until=2026-11-23 23:00:00 UTC",
                "SYSLOG_IDENTIFIER=postfix-out/smtp",
                "SYSLOG_IDENTIFIER=postfix/postfix-script",
                "SYSLOG_IDENTIFIER=postfix/smtpd",
            ]
        );
        // A fraction of a second widens the window to whole seconds.
        let window = Window {
            start: Some(1_795_388_400_500_000),
            end: Some(1_795_388_401_500_000),
        };
        let args = entries_args(&file, &window, &ids[..1]);
        assert_eq!(&args[..2], ["--file", "/tmp/F.journal"]);
        assert!(args.contains(&"--since=2026-11-22 23:00:00 UTC".into()));
        assert!(args.contains(&"--until=2026-11-22 23:00:02 UTC".into()));
        assert_eq!(args.last().unwrap(), "SYSLOG_IDENTIFIER=postfix-out/smtp");
        assert!(!entries_args(&file, &Window::ALL, &ids)
            .iter()
            .any(|a| a.to_string_lossy().starts_with("--since")
                || a.to_string_lossy().starts_with("--until")));
    }
}
