//! Status lines of Postfix's own housekeeping programs: master(8) and
//! postfix-script starting, reloading and stopping the mail system, anvil(8)
//! statistics of the busiest clients, and postsuper(1) acting on the queue.
//!
//! ```text
//! daemon started -- version 3.7.11, configuration /etc/postfix
//! the Postfix mail system is running: PID: 4251
//! statistics: max connection rate 1/60s for (smtpd:185.48.118.128) at Mar 13 23:57:31
//! Deleted: 115 messages
//! 3nsRhm5bH5z306M: placed on hold
//! ```
//!
//! Each program's lines are taken from that program only (the daemon name
//! of the syslog tag), as Postfix's source writes them: `master/master.c`,
//! `master/master_sig.c`, `conf/postfix-script`, `anvil/anvil.c:522-539,
//! 941-957`, `postsuper/postsuper.c`.

use std::net::Ipv6Addr;

use super::fields;
use super::fields::needle;
use super::{Event, EventKind, MessageOutcome, Parsed, Skip};

/// The `action` words of postsuper events. postsuper's own words
/// (`Placed on hold: 2 messages`, `QID: released from hold`) differ between
/// its summary and per-message lines; the action names the operation.
pub const POSTSUPER_ACTIONS: [&str; 6] = [
    "deleted", "requeued", "held", "released", "expired", "renamed",
];

/// The lines of master, postfix-script, anvil and postsuper, after the
/// queue id (if any) was split off: `None` for other daemons and for the
/// lines of theirs that are not status events.
pub fn parse<'a>(
    daemon: &str,
    queue_id: Option<&'a str>,
    rest: &'a str,
) -> Option<MessageOutcome<'a>> {
    let event = match daemon {
        "master" => master(rest),
        "postfix-script" => script(rest),
        "anvil" => return anvil(rest).map(outcome),
        "postsuper" => return postsuper(queue_id, rest).map(outcome),
        _ => None,
    }?;
    Some(MessageOutcome::Event(event))
}

fn outcome(event: Option<Event<'_>>) -> MessageOutcome<'_> {
    match event {
        Some(event) => MessageOutcome::Event(event),
        None => MessageOutcome::Unrecognized,
    }
}

fn master_event<'a>(action: &'a str, text: &'a str) -> Event<'a> {
    Event {
        action: Some(action),
        text: Some(text),
        ..Event::new(EventKind::Master)
    }
}

/// master's `daemon started -- version V, configuration C`
/// (`master.c:550`), `reload -- version V, configuration C` (`:583`;
/// Postfix 2.1 and older: `reload configuration C`), `terminating on signal
/// N` (`master_sig.c:205`).
fn master(rest: &str) -> Option<Event<'_>> {
    if let Some(after) = rest.strip_prefix("daemon ") {
        let (action, version) = after.split_once(' ')?;
        return (action == "started" && version.starts_with("-- version "))
            .then(|| master_event(action, rest));
    }
    if let Some((action, after)) = rest.split_once(' ') {
        if action == "reload"
            && (after.starts_with("-- version ") || after.starts_with("configuration "))
        {
            return Some(master_event(action, rest));
        }
        if action == "terminating" {
            let signal = after.strip_prefix("on signal ")?;
            return Some(Event {
                value: Some(number(signal)?),
                ..master_event(action, rest)
            });
        }
    }
    None
}

/// postfix-script's status lines (`conf/postfix-script`): `WORD the Postfix
/// mail system` (starting, stopping, refreshing, aborting), `waiting for
/// the Postfix mail system to terminate`, `the Postfix mail system is
/// running: PID: N` and `… is not running`. Its warnings and errors are
/// severity lines; other lines of it stay known.
fn script(rest: &str) -> Option<Event<'_>> {
    if let Some(state) = rest.strip_prefix("the Postfix mail system is ") {
        if let Some(pid) = state.strip_prefix("running: PID: ") {
            let (action, _) = state.split_once(':')?;
            return Some(Event {
                value: Some(number(pid)?),
                ..master_event(action, rest)
            });
        }
        return (state == "not running").then(|| master_event(state, rest));
    }
    if let Some(action) = rest.strip_suffix(" for the Postfix mail system to terminate") {
        return (action == "waiting").then(|| master_event(action, rest));
    }
    let action = rest.strip_suffix(" the Postfix mail system")?;
    (!action.is_empty() && action.bytes().all(|b| b.is_ascii_lowercase()))
        .then(|| master_event(action, rest))
}

/// anvil's statistics: `statistics: max WHAT rate N/Ts for (SERVICE:ADDR)
/// at TIME`, `statistics: max WHAT count N for (SERVICE:ADDR) at TIME`,
/// `statistics: max cache size N at TIME`. The action is `WHAT rate`,
/// `WHAT count` or `cache size`, the value N; the client address goes to
/// `client_ip` and the anvil service to `text`. `None` for anvil's other
/// lines.
fn anvil(rest: &str) -> Option<Option<Event<'_>>> {
    let max = fields::strip(rest, b"statistics: max ")?;
    Some(anvil_fields(max).map(Anvil::event))
}

/// anvil's `statistics: max …` (the text after `statistics: max `), into
/// `out`: taken by `parse_message_into` before the general parsers, which
/// no anvil line of this shape reaches.
#[inline]
pub fn anvil_into<'a>(max: &'a str, out: &mut Event<'a>) -> Parsed {
    match anvil_fields(max) {
        Some(anvil) => {
            // In place: every field of the kind ([`Event::reset`]).
            out.reset(EventKind::Anvil);
            out.action = Some(anvil.action);
            out.value = Some(anvil.value);
            out.text = anvil.service;
            out.client_ip = anvil.client_ip;
            Parsed::Event
        }
        None => Parsed::Skipped(Skip::Unrecognized),
    }
}

/// What an anvil statistics line says.
struct Anvil<'a> {
    action: &'a str,
    value: u32,
    service: Option<&'a str>,
    client_ip: Option<&'a str>,
}

impl<'a> Anvil<'a> {
    fn event(self) -> Event<'a> {
        Event {
            action: Some(self.action),
            value: Some(self.value),
            text: self.service,
            client_ip: self.client_ip,
            ..Event::new(EventKind::Anvil)
        }
    }
}

needle!(AT = ") at ");

fn anvil_fields(max: &str) -> Option<Anvil<'_>> {
    // `connection rate 1/60s for (…) at …`: the action runs to the space
    // before the number.
    let number_at = max
        .as_bytes()
        .windows(2)
        .position(|w| w[0] == b' ' && w[1].is_ascii_digit())?;
    let (action, after) = (max.get(..number_at)?, max.get(number_at + 1..)?);
    let (count, after) = fields::split_word(after)?;
    // Rates are `N/Us` (anvil writes seconds; some test data has other
    // units), counts and sizes plain `N`.
    let rate = action.ends_with(" rate");
    let value = match fields::find_byte(count.as_bytes(), b'/') {
        Some(slash) if rate => count.get(..slash)?,
        None if !rate => count,
        _ => return None,
    };
    let mut anvil = Anvil {
        action,
        value: number(value)?,
        service: None,
        client_ip: None,
    };
    if action == "cache size" {
        fields::strip(after, b"at ")?;
        return Some(anvil);
    }
    let (ident, _) = AT.split_once(fields::strip(after, b"for (")?)?;
    match split_ident(ident) {
        Some((service, addr)) => {
            anvil.service = Some(service);
            anvil.client_ip = Some(addr);
        }
        // `(smtp:unknown)`: no address to name; the service is before the
        // last `:`.
        None => anvil.service = Some(ident.rsplit_once(':').map_or(ident, |(service, _)| service)),
    }
    Some(anvil)
}

/// anvil's `SERVICE:RANGE` (`anvil_clnt.c:181`): RANGE is the client
/// address, an IPv4 or IPv6 address or (Postfix 3.8+) an IPv6 prefix
/// `2001:db8::/84`. Both may hold `:` (SERVICE is a master.cf service name,
/// `smtpd`, `submission`, or an inet `[HOST:]PORT` such as
/// `127.0.0.1:2525`), so the split is the first `:` after which the rest is
/// an address and before which a service name can stand: a name without
/// `:` that is not itself an address, or `HOST:PORT`.
fn split_ident(ident: &str) -> Option<(&str, &str)> {
    let mut from = 0;
    while let Some(i) = memchr::memchr(b':', &ident.as_bytes()[from..]) {
        let at = from + i;
        let (service, range) = (&ident[..at], &ident[at + 1..]);
        if is_service(service) && is_range(range) {
            return Some((service, range));
        }
        from = at + 1;
    }
    None
}

fn is_service(s: &str) -> bool {
    match s.rsplit_once(':') {
        // `127.0.0.1:2525`, `[::1]:2525`, `localhost:smtp`.
        Some((host, port)) => {
            !port.is_empty()
                && !port.contains(['[', ']'])
                && match host.strip_prefix('[') {
                    Some(v6) => v6.strip_suffix(']').is_some_and(is_ipv6),
                    None => !host.is_empty() && !host.contains(['[', ']']),
                }
        }
        None => !s.is_empty() && !is_ipv4(s),
    }
}

fn is_range(s: &str) -> bool {
    match s.split_once('/') {
        Some((addr, bits)) => is_ipv6(addr) && bits.parse::<u8>().is_ok_and(|b| b <= 128),
        None => is_ipv4(s) || is_ipv6(s),
    }
}

/// Whether `s` reads as an IPv4 address, as `s.parse::<Ipv4Addr>()` reads
/// one: four dot-separated numbers of one to three digits, at most 255,
/// without leading zeros. Checked by hand: the standard parser costs more
/// than the rest of an anvil line.
fn is_ipv4(s: &str) -> bool {
    let b = s.as_bytes();
    let mut at = 0;
    for part in 0..4 {
        if part > 0 {
            if b.get(at) != Some(&b'.') {
                return false;
            }
            at += 1;
        }
        let start = at;
        let mut value = 0u32;
        while at < b.len() && at - start < 3 && b[at].is_ascii_digit() {
            value = value * 10 + u32::from(b[at] - b'0');
            at += 1;
        }
        let len = at - start;
        if len == 0 || value > 255 || (len > 1 && b[start] == b'0') {
            return false;
        }
    }
    at == b.len()
}

/// Whether `s` reads as an IPv6 address (`s.parse::<Ipv6Addr>()`), which
/// has a `:`: the standard parser only for text that has one.
fn is_ipv6(s: &str) -> bool {
    fields::find_byte(s.as_bytes(), b':').is_some() && s.parse::<Ipv6Addr>().is_ok()
}

/// postsuper's summary at the end of a run, `Deleted: N message[s]` and
/// the like (`postsuper.c:1583-1601`, printed for each requested operation
/// even when N is 0), and its per-message `QID: placed on hold`,
/// `released from hold`, `requeued`, `expired` (`QID: removed` is a
/// `removed` event). `None` for postsuper's other lines.
fn postsuper<'a>(queue_id: Option<&'a str>, rest: &'a str) -> Option<Option<Event<'a>>> {
    if let Some(queue_id) = queue_id.filter(|id| *id != "NOQUEUE") {
        let action = match rest {
            "placed on hold" => "held",
            "released from hold" => "released",
            "requeued" => "requeued",
            "expired" => "expired",
            _ => return None,
        };
        return Some(Some(Event {
            action: Some(action),
            queue_id: Some(queue_id),
            ..Event::new(EventKind::Postsuper)
        }));
    }
    let (what, count) = rest.split_once(": ")?;
    let action = match what {
        "Deleted" => "deleted",
        "Requeued" => "requeued",
        "Placed on hold" => "held",
        "Released from hold" => "released",
        "Force-expired" => "expired",
        "Renamed to match inode number" => "renamed",
        _ => return None,
    };
    let event = count
        .strip_suffix(" messages")
        .or_else(|| count.strip_suffix(" message"))
        .and_then(number)
        .map(|n| Event {
            action: Some(action),
            value: Some(n),
            ..Event::new(EventKind::Postsuper)
        });
    Some(event)
}

fn number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(8192))]
        /// The address checks read what the standard parsers read.
        #[test]
        fn addresses_read_as_std_reads_them(
            s in "[0-9.]{0,17}|([0-9]{1,4}\\.){3}[0-9]{1,4}|[0-9a-f:.]{0,12}|[0-9a-z:. ]{0,6}"
        ) {
            proptest::prop_assert_eq!(is_ipv4(&s), s.parse::<std::net::Ipv4Addr>().is_ok());
            proptest::prop_assert_eq!(is_ipv6(&s), s.parse::<Ipv6Addr>().is_ok());
        }
    }

    #[test]
    fn anvil_idents_split_at_the_client_address() {
        for (ident, service, addr) in [
            ("smtpd:185.48.118.128", "smtpd", "185.48.118.128"),
            (
                "submission:162.142.125.223",
                "submission",
                "162.142.125.223",
            ),
            ("smtpd:2604:8d00:0:1::3", "smtpd", "2604:8d00:0:1::3"),
            ("127.0.0.1:2525:127.0.0.1", "127.0.0.1:2525", "127.0.0.1"),
            (
                "127.0.0.1:2525:2001:db8::1",
                "127.0.0.1:2525",
                "2001:db8::1",
            ),
            ("[::1]:2525:2001:db8::1", "[::1]:2525", "2001:db8::1"),
            ("smtpd:2001:db8:0:1::/84", "smtpd", "2001:db8:0:1::/84"),
            ("2525:192.0.2.1", "2525", "192.0.2.1"),
        ] {
            assert_eq!(split_ident(ident), Some((service, addr)), "{ident}");
        }
        for ident in ["smtp:unknown", "smtpd", ":1.2.3.4", "smtpd:"] {
            assert_eq!(split_ident(ident), None, "{ident}");
        }
    }
}
