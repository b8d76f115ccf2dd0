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

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{Event, EventKind, MessageOutcome};

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
    let max = rest.strip_prefix("statistics: max ")?;
    Some(anvil_fields(max))
}

fn anvil_fields(max: &str) -> Option<Event<'_>> {
    // `connection rate 1/60s for (…) at …`: the action runs to the space
    // before the number.
    let number_at = max
        .as_bytes()
        .windows(2)
        .position(|w| w[0] == b' ' && w[1].is_ascii_digit())?;
    let (action, after) = (&max[..number_at], &max[number_at + 1..]);
    let (count, after) = after.split_once(' ')?;
    // Rates are `N/Us` (anvil writes seconds; some test data has other
    // units), counts and sizes plain `N`.
    let value = match count.split_once('/') {
        Some((n, _unit)) if action.ends_with(" rate") => n,
        None if !action.ends_with(" rate") => count,
        _ => return None,
    };
    let mut event = Event {
        action: Some(action),
        value: Some(number(value)?),
        ..Event::new(EventKind::Anvil)
    };
    if action == "cache size" {
        after.strip_prefix("at ")?;
        return Some(event);
    }
    let (ident, _) = after.strip_prefix("for (")?.split_once(") at ")?;
    match split_ident(ident) {
        Some((service, addr)) => {
            event.text = Some(service);
            event.client_ip = Some(addr);
        }
        // `(smtp:unknown)`: no address to name; the service is before the
        // last `:`.
        None => event.text = Some(ident.rsplit_once(':').map_or(ident, |(service, _)| service)),
    }
    Some(event)
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
                    Some(v6) => v6
                        .strip_suffix(']')
                        .is_some_and(|a| a.parse::<Ipv6Addr>().is_ok()),
                    None => !host.is_empty() && !host.contains(['[', ']']),
                }
        }
        None => !s.is_empty() && s.parse::<Ipv4Addr>().is_err(),
    }
}

fn is_range(s: &str) -> bool {
    match s.split_once('/') {
        Some((addr, bits)) => {
            addr.parse::<Ipv6Addr>().is_ok() && bits.parse::<u8>().is_ok_and(|b| b <= 128)
        }
        None => s.parse::<Ipv4Addr>().is_ok() || s.parse::<Ipv6Addr>().is_ok(),
    }
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
