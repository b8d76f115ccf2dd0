//! `warning:`, `error:`, `fatal:` and `panic:` lines of any daemon (the text
//! after the severity word), and smtpd's SASL failures, which Postfix logs
//! as warnings.
//!
//! ```text
//! unknown[119.207.78.191]: SASL LOGIN authentication failed: (reason unavailable), sasl_username=admin@domain.tld
//! non-SMTP command from unknown[198.235.24.129]: GET / HTTP/1.1
//! hostname zg-1220d-97.stretchoid.com does not resolve to address 107.170.226.13
//! E669DE52: write queue file: No such file or directory
//! ```
//!
//! A severity line keeps its kind and its whole text; what the text names
//! is pulled out besides: a leading queue id, the client (`NAME[ADDR]`, or
//! postscreen's and tlsproxy's `[ADDR]:PORT`), or for smtp and lmtp the
//! remote server (their `host NAME[ADDR]` is never a client).

use super::fields::needle;
use super::fields::{self, Peer};
use super::{Event, EventKind};

needle!(SASL_USERNAME = ", sasl_username=");

/// The event of a severity line of `kind`, `text` the message after
/// `warning: ` (or `error: `, …).
pub fn parse<'a>(daemon: &str, kind: EventKind, text: &'a str) -> Event<'a> {
    if kind == EventKind::Warning {
        if let Some(event) = sasl_failure(text) {
            return event;
        }
    }
    let (queue_id, text) = fields::split_queue_id(text);
    let mut event = Event {
        queue_id: queue_id.filter(|id| *id != "NOQUEUE"),
        text: Some(text),
        ..Event::new(kind)
    };
    if matches!(daemon, "smtp" | "lmtp") {
        if let Some(server) = first_peer(text, PeerForm::Named) {
            event.relay_host = server.name;
            event.relay_ip = server.addr;
            event.relay_port = server.port;
        }
        return event;
    }
    if let Some((name, addr)) = hostname_address(text) {
        event.client_name = name;
        event.client_ip = Some(addr);
        return event;
    }
    let form = match daemon {
        "postscreen" | "tlsproxy" => PeerForm::AddrPort,
        _ => PeerForm::Named,
    };
    if let Some(client) = first_peer(text, form) {
        event.client_name = client.name;
        event.client_ip = client.addr;
        event.client_port = client.port;
    }
    event
}

/// smtpd's `CLIENT: SASL MECH authentication failed: REASON, sasl_username=U`
/// (Postfix 3.9+; before, the line ends after REASON, which may be empty),
/// and `CLIENT: SASL MECH authentication aborted` (`smtpd_sasl_glue.c:340,
/// 346`).
fn sasl_failure(text: &str) -> Option<Event<'_>> {
    let (client, after) = fields::peer(text)?;
    client.name?;
    let (method, outcome) = after.strip_prefix(": SASL ")?.split_once(' ')?;
    let outcome = outcome.strip_prefix("authentication ")?;
    let mut event = Event {
        client_name: client.name,
        client_ip: client.addr,
        client_port: client.port,
        sasl_method: Some(method),
        text: Some(text),
        ..Event::new(EventKind::SaslFailure)
    };
    if outcome == "aborted" {
        return Some(event);
    }
    let failed = outcome.strip_prefix("failed")?;
    if failed.is_empty() {
        // Old Postfix: `SASL DIGEST-MD5 authentication failed`, no reason.
        return Some(event);
    }
    let reason = failed.strip_prefix(':')?.trim_start_matches(' ');
    // The reason is the SASL backend's free text: the user name follows
    // the last `, sasl_username=`.
    let reason = match SASL_USERNAME.rsplit_once(reason) {
        Some((reason, username)) => {
            event.sasl_username = Some(username);
            reason
        }
        None => reason,
    };
    event.reason = (!reason.is_empty()).then_some(reason);
    Some(event)
}

/// How a daemon writes a peer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PeerForm {
    /// `NAME[ADDR]` (smtpd's client, smtp's server; `:PORT` may follow).
    Named,
    /// `[ADDR]:PORT` (postscreen, tlsproxy).
    AddrPort,
}

/// The first peer of `form` in `text` whose address is an IP address.
fn first_peer(text: &str, form: PeerForm) -> Option<Peer<'_>> {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'[', &b[from..]) {
        let open = from + i;
        let start = memchr::memrchr(b' ', &b[..open]).map_or(0, |space| space + 1);
        if let Some((peer, _)) = fields::peer(&text[start..]) {
            let shape = match form {
                PeerForm::Named => peer.name.is_some(),
                PeerForm::AddrPort => peer.name.is_none() && peer.port.is_some(),
            };
            if shape && peer.addr.is_some_and(is_ip_address) {
                return Some(peer);
            }
        }
        from = open + 1;
    }
    None
}

/// Hex digits, `.` and `:`, with a `.` or a `:`: an IPv4 or IPv6 address as
/// Postfix prints one (cheaply; not a full check).
fn is_ip_address(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':')
        && s.bytes().any(|b| b == b'.' || b == b':')
}

/// smtpd's reverse-lookup warnings, which name the client without
/// brackets: `hostname H does not resolve to address A[: REASON]`
/// (`smtpd_peer.c:343, 350`), and Postfix 2.2's `A: hostname H verification
/// failed: REASON` and `A: address not listed for hostname H`. Returns the
/// host name H (not verified) and the address A.
fn hostname_address(text: &str) -> Option<(Option<&str>, &str)> {
    if let Some(rest) = text.strip_prefix("hostname ") {
        let (name, rest) = rest.split_once(' ')?;
        let addr = rest.strip_prefix("does not resolve to address ")?;
        // A may be IPv6: the reason follows `: ` (colon, space).
        let addr = addr.split_once(' ').map_or(addr, |(a, _)| a);
        let addr = addr.strip_suffix(':').unwrap_or(addr);
        return is_ip_address(addr).then_some((Some(name), addr));
    }
    let (addr, rest) = text.split_once(' ')?;
    let addr = addr.strip_suffix(':')?;
    if !is_ip_address(addr) {
        return None;
    }
    let name = if let Some(rest) = rest.strip_prefix("hostname ") {
        let (name, rest) = rest.split_once(' ')?;
        rest.starts_with("verification failed").then_some(name)?
    } else {
        let name = rest.strip_prefix("address not listed for hostname ")?;
        name.split_once(' ').map_or(name, |(n, _)| n)
    };
    Some((Some(name), addr))
}
