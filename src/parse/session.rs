//! SMTP session lines of smtpd (the server) and smtp/lmtp (the client):
//! where a session starts and ends, how it ended, its TLS summary, and the
//! client side's connection failures and SASL failures.
//!
//! ```text
//! connect from host1.uhu-banane.de[185.48.118.128]
//! disconnect from host1.uhu-banane.de[185.48.118.128] ehlo=2 starttls=1 quit=1 commands=4
//! lost connection after DATA (7774180 bytes) from unknown[72.13.58.7]
//! NOQUEUE: lost connection after CONNECT from unknown[192.0.2.25]
//! Anonymous TLS connection established from host1.uhu-banane.de[185.48.118.128]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 …
//! connect to mx.deadhost.example[127.0.0.40]:25: Connection refused
//! B99FE3D: lost connection with mx3.hotmail.com[65.55.37.72] while receiving the initial server greeting
//! ```
//!
//! The shapes are those of Postfix's source (`smtpd/smtpd.c`,
//! `tls/tls_misc.c:tls_log_summary`, `smtp/smtp_connect.c`,
//! `smtp/smtp_trouble.c`, `smtp/smtp_sasl_glue.c`).

use super::fields::needle;
use super::fields::{self, Needle, Peer};
use super::{Event, EventKind, MessageOutcome, Parsed, Skip};

/// smtpd's `connect from CLIENT` (the text after `connect from `), into
/// `out`: nothing may follow the client. Anything else is a damaged line
/// (two lines glued together) that must not pass as understood.
#[inline]
pub fn connect<'a>(client: &'a str, out: &mut Event<'a>) -> Parsed {
    match fields::peer(client) {
        Some((peer, "")) => {
            // In place: every field of the kind ([`Event::reset`]).
            out.reset(EventKind::Connect);
            out.client_name = peer.name;
            out.client_ip = peer.addr;
            out.client_port = peer.port;
            Parsed::Event
        }
        _ => Parsed::Skipped(Skip::Unrecognized),
    }
}

/// smtpd's `disconnect from CLIENT[ COUNTERS]` (the text after `disconnect
/// from `), into `out`. The counters (`ehlo=1 mail=1 rcpt=0/1 data=0/1
/// quit=1 commands=3/5`, Postfix 2.12 and later; ` notes=bare_lf` since
/// 3.9) are kept as logged.
#[inline]
pub fn disconnect<'a>(client: &'a str, out: &mut Event<'a>) -> Parsed {
    let Some((peer, rest)) = fields::peer(client) else {
        return Parsed::Skipped(Skip::Unrecognized);
    };
    let counters = match fields::strip(rest, b" ") {
        Some(counters) if is_counters(counters) => Some(counters),
        _ if rest.is_empty() => None,
        _ => return Parsed::Skipped(Skip::Unrecognized),
    };
    out.reset(EventKind::Disconnect);
    out.client_name = peer.name;
    out.client_ip = peer.addr;
    out.client_port = peer.port;
    out.counters = counters;
    Parsed::Event
}

#[inline]
fn client_event(kind: EventKind, peer: Peer<'_>) -> Event<'_> {
    Event {
        client_name: peer.name,
        client_ip: peer.addr,
        client_port: peer.port,
        ..Event::new(kind)
    }
}

fn relay_event(kind: EventKind, peer: Peer<'_>) -> Event<'_> {
    Event {
        relay_host: peer.name,
        relay_ip: peer.addr,
        relay_port: peer.port,
        ..Event::new(kind)
    }
}

/// `ehlo=1 mail=1 rcpt=0/1 … commands=4/6[ notes=bare_lf]`
/// (`smtpd.c:smtpd_format_cmd_stats`, lower-cased): pairs separated by one
/// space, each count `N` or `N/M`, the notes a word list; at least one pair.
/// One pass over the bytes, each run of a class in a loop of its own that
/// looks the byte up in [`COUNTER_BYTES`] (disconnect lines are among the
/// most frequent: a pass per pair with `find_byte`, and comparisons per
/// byte, measured slower).
fn is_counters(s: &str) -> bool {
    let b = s.as_bytes();
    let run = |mut i: usize, class: u8| {
        while i < b.len() && COUNTER_BYTES[usize::from(b[i])] & class != 0 {
            i += 1;
        }
        i
    };
    let mut i = 0;
    loop {
        let key = i;
        i = run(i, KEY_BYTE);
        if i == key || b.get(i) != Some(&b'=') {
            return false;
        }
        let notes = &b[key..i] == b"notes";
        i += 1;
        let value = i;
        if notes {
            i = run(i, NOTE_BYTE);
            if i == value {
                return false;
            }
        } else {
            // `N` or `N/M`: digits on both sides of the `/`.
            i = run(i, DIGIT_BYTE);
            if i == value {
                return false;
            }
            if b.get(i) == Some(&b'/') {
                let denominator = i + 1;
                i = run(denominator, DIGIT_BYTE);
                if i == denominator {
                    return false;
                }
            }
        }
        match b.get(i) {
            None => return true,
            Some(b' ') => i += 1,
            Some(_) => return false,
        }
    }
}

/// [`COUNTER_BYTES`] classes: a byte of a counter's name (`a-z`, `_`), of
/// a count (`0-9`), of the notes (`a-z`, `_`, `,`).
const KEY_BYTE: u8 = 1;
const DIGIT_BYTE: u8 = 2;
const NOTE_BYTE: u8 = 4;

const COUNTER_BYTES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_lowercase() || b == b'_' {
            table[c] = KEY_BYTE | NOTE_BYTE;
        } else if b == b',' {
            table[c] = NOTE_BYTE;
        } else if b.is_ascii_digit() {
            table[c] = DIGIT_BYTE;
        }
        c += 1;
    }
    table
};

needle!(FROM = " from ");
needle!(WHILE = " while ");
needle!(TIMED_OUT_WHILE = " timed out while ");
needle!(SAID = " said: ");
needle!(PORT_SUFFIX = " (port ");

/// The other session lines, after the queue id (if any) was split off:
/// `None` when `rest` is none of them.
pub fn parse<'a>(
    daemon: &str,
    queue_id: Option<&'a str>,
    rest: &'a str,
) -> Option<MessageOutcome<'a>> {
    let queue_id = queue_id.filter(|id| *id != "NOQUEUE");
    let event = match rest.as_bytes().first()? {
        b'l' => {
            if let Some(after) = rest.strip_prefix("lost connection after ") {
                session_end(EventKind::LostConnection, after)
            } else {
                let server = rest.strip_prefix("lost connection with ")?;
                server_trouble(EventKind::LostConnection, server, &WHILE)
            }
        }
        b't' => {
            if let Some(after) = rest.strip_prefix("timeout after ") {
                session_end(EventKind::Timeout, after)
            } else {
                session_end(
                    EventKind::TooManyErrors,
                    rest.strip_prefix("too many errors after ")?,
                )
            }
        }
        b'c' => {
            if let Some(server) = rest.strip_prefix("conversation with ") {
                server_trouble(EventKind::Timeout, server, &TIMED_OUT_WHILE)
            } else if matches!(daemon, "smtp" | "lmtp") {
                // Other daemons' `connect to …` lines are `-v` traces
                // (`connect to subsystem private/rewrite`): known lines.
                let target = rest.strip_prefix("connect to ")?;
                return connect_error(target).map(MessageOutcome::Event);
            } else {
                return None;
            }
        }
        b'S' => {
            let after = rest
                .strip_prefix("SASL authentication failed")
                .or_else(|| rest.strip_prefix("SASL [CACHED] authentication failed"))?;
            smtp_sasl_failure(rest, after)
        }
        _ => return None,
    };
    Some(match event {
        Some(event) => MessageOutcome::Event(Event { queue_id, ..event }),
        None => MessageOutcome::Unrecognized,
    })
}

/// smtpd's end of an abnormal session, the text after `REASON after `:
/// `STAGE from CLIENT` or `DATA (N bytes) from CLIENT`
/// (`smtpd.c:6287-6313`; Postfix 2.x wrote `DATA (approximately N bytes)`).
fn session_end(kind: EventKind, after: &str) -> Option<Event<'_>> {
    let (stage, client) = FROM.rsplit_once(after)?;
    let (peer, "") = fields::peer(client)? else {
        return None;
    };
    let mut event = client_event(kind, peer);
    match stage.split_once('(') {
        Some((word, bytes)) => {
            let word = word.strip_suffix(' ')?;
            let bytes = bytes.strip_suffix(" bytes)")?;
            let bytes = bytes.strip_prefix("approximately ").unwrap_or(bytes);
            if bytes.is_empty() || !bytes.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            event.stage = Some(word);
            event.value = bytes.parse().ok();
        }
        None => event.stage = Some(stage),
    }
    if event.stage.is_some_and(|s| s.is_empty() || s.contains(' ')) {
        return None;
    }
    Some(event)
}

/// The smtp/lmtp client's `lost connection with SERVER while STATE` and
/// `conversation with SERVER timed out while STATE` (`smtp_trouble.c:475,
/// 483`): the text after `… with `, split at `separator`.
fn server_trouble<'a>(kind: EventKind, server: &'a str, separator: &Needle) -> Option<Event<'a>> {
    let (server, state) = separator.split_once(server)?;
    let (peer, "") = fields::peer(server)? else {
        return None;
    };
    Some(Event {
        text: Some(state),
        ..relay_event(kind, peer)
    })
}

/// The smtp/lmtp client's failed connection attempt, the text after
/// `connect to `: `HOST[ADDR]:PORT: ERROR`, `HOST[ADDR]: ERROR` (a UNIX-domain
/// LMTP server), and Postfix 2.2's `HOST[ADDR]: ERROR (port N)`
/// (`smtp_connect.c:335, 338`). `None` if the target is not a server.
fn connect_error(target: &str) -> Option<Event<'_>> {
    let (peer, rest) = fields::peer(target)?;
    let mut reason = rest.strip_prefix(": ")?;
    let mut event = relay_event(EventKind::ConnectError, peer);
    if event.relay_port.is_none() {
        if let Some((error, port)) = reason
            .strip_suffix(')')
            .and_then(|r| PORT_SUFFIX.rsplit_once(r))
        {
            if let Ok(port) = port.parse() {
                event.relay_port = Some(port);
                reason = error.trim_end_matches(' ');
            }
        }
    }
    event.reason = Some(reason);
    event.text = Some(reason);
    Some(event)
}

/// The TLS summary of smtpd, smtp, lmtp and tlsproxy (`tls_misc.c:1396`),
/// into `out`:
///
/// ```text
/// TRUST TLS connection (established|reused) (from|to) PEER[ to SNI]: PROTO with cipher CIPHER (U/A bits)[ key-exchange …]
/// ```
///
/// Postfix before 2.7 wrote no TRUST word, and its smtp a bare host name as
/// the peer. `None` if `message` does not start like one.
#[inline]
pub fn tls<'a>(message: &'a str, out: &mut Event<'a>) -> Option<Parsed> {
    // The trust word, by its first byte (`parse_message_into` calls this
    // for `A`, `T`, `U` and `V` only).
    let leveled = match message.as_bytes().first() {
        Some(b'A') => trust(message, b"Anonymous "),
        Some(b'T') => trust(message, b"Trusted "),
        Some(b'U') => trust(message, b"Untrusted "),
        Some(b'V') => trust(message, b"Verified "),
        _ => None,
    };
    let (level, summary) = match leveled {
        Some((level, summary)) => (Some(level), summary),
        None => (None, message),
    };
    let summary = fields::strip(summary, b"TLS connection ")?;
    Some(match tls_summary(summary) {
        Some(tls) => {
            // In place: every field of the kind ([`Event::reset`]).
            out.reset(EventKind::Tls);
            let (client, relay) = if tls.to_server {
                (Peer::default(), tls.peer)
            } else {
                (tls.peer, Peer::default())
            };
            out.client_name = client.name;
            out.client_ip = client.addr;
            out.client_port = client.port;
            out.relay_host = relay.name;
            out.relay_ip = relay.addr;
            out.relay_port = relay.port;
            out.text = tls.details;
            out.tls_level = level;
            out.tls_protocol = Some(tls.protocol);
            out.tls_cipher = Some(tls.cipher);
            out.tls_bits = Some(tls.bits);
            Parsed::Event
        }
        None => Parsed::Skipped(Skip::Unrecognized),
    })
}

/// The trust word `w` (with its space) at the start of `message`: the word
/// and the rest.
#[inline(always)]
fn trust<'a, const N: usize>(message: &'a str, w: &[u8; N]) -> Option<(&'a str, &'a str)> {
    let rest = fields::strip(message, w)?;
    Some((message.get(..N - 1)?, rest))
}

/// What a TLS summary says after its trust word.
struct TlsSummary<'a> {
    /// The peer is the server (`to`; smtp, lmtp), not the client (`from`).
    to_server: bool,
    peer: Peer<'a>,
    protocol: &'a str,
    cipher: &'a str,
    bits: u16,
    /// What follows the bits: `key-exchange X25519 server-signature …`.
    details: Option<&'a str>,
}

/// One in four lines of a busy server's smtpd is a TLS summary: each step
/// is a fixed-size compare or a register search ([`fields::strip`],
/// [`fields::split_word`]), numbers are read by hand, not by `str::parse`.
/// Inlined into [`tls`], which writes what it returns (see [`fields::peer`]).
#[inline(always)]
fn tls_summary(summary: &str) -> Option<TlsSummary<'_>> {
    let usage = match summary.as_bytes().first() {
        Some(b'e') => fields::strip(summary, b"established ")?,
        Some(b'r') => fields::strip(summary, b"reused ")?,
        _ => return None,
    };
    let (to_server, peer_text) = match fields::strip(usage, b"from ") {
        Some(client) => (false, client),
        None => (true, fields::strip(usage, b"to ")?),
    };
    let (peer, after_peer) = match fields::peer(peer_text) {
        Some(found) => found,
        None => bare_server(peer_text)?,
    };
    // The server name the client asked for (SNI, server side, 3.4+) is
    // not kept: `… from CLIENT to SNI: …`.
    let after_peer = match fields::strip(after_peer, b" to ") {
        Some(sni) => sni.get(fields::find_byte(sni.as_bytes(), b':')?..)?,
        None => after_peer,
    };
    let negotiated = fields::strip(after_peer, b": ")?;
    let (protocol, after) = fields::split_word(negotiated)?;
    let (cipher, bits) = fields::split_word(fields::strip(after, b"with cipher ")?)?;
    let bits = fields::strip(bits, b"(")?;
    let slash = fields::find_byte(bits.as_bytes(), b'/')?;
    let (used, bits) = (bits.get(..slash)?, bits.get(slash + 1..)?);
    let (algorithm, details) = fields::split_word(bits)?;
    let details = trim_spaces(fields::strip(details, b"bits)")?);
    if protocol.is_empty() || cipher.is_empty() || !fields::is_digits(algorithm) {
        return None;
    }
    Some(TlsSummary {
        to_server,
        peer,
        protocol,
        cipher,
        bits: fields::parse_u16(used)?,
        details: (!details.is_empty()).then_some(details),
    })
}

/// Postfix < 2.7 smtp's bare server name: `to example.com: TLSv1 …`.
#[cold]
fn bare_server(peer_text: &str) -> Option<(Peer<'_>, &str)> {
    let colon = peer_text.find(':')?;
    let name = &peer_text[..colon];
    if name.is_empty() || name.contains(' ') {
        return None;
    }
    let peer = Peer {
        name: Some(name),
        ..Peer::default()
    };
    Some((peer, &peer_text[colon..]))
}

/// `s` without its leading and trailing spaces (`trim_matches(' ')`, which
/// is a call).
#[inline]
fn trim_spaces(s: &str) -> &str {
    let b = s.as_bytes();
    let start = b.iter().position(|&c| c != b' ').unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|&c| c != b' ')
        .map_or(start, |last| last + 1);
    s.get(start..end).unwrap_or("")
}

/// The smtp client's SASL failures (`smtp_sasl_glue.c`), after `QID: `:
///
/// ```text
/// SASL authentication failed; server HOST[ADDR] said: REPLY
/// SASL [CACHED] authentication failed; server HOST said: REPLY
/// SASL authentication failed; cannot authenticate to server HOST[ADDR]: REASON
/// SASL authentication failed: server HOST[ADDR] offered no compatible authentication mechanisms for this type of connection security
/// ```
fn smtp_sasl_failure<'a>(rest: &'a str, after: &'a str) -> Option<Event<'a>> {
    let mut event = Event {
        text: Some(rest),
        ..Event::new(EventKind::SaslFailure)
    };
    let (peer, reason) = if let Some(said) = after.strip_prefix("; server ") {
        let (server, reply) = SAID.split_once(said)?;
        let reply = fields::reply(reply);
        event.code = reply.code;
        event.enhanced = reply.enhanced;
        (server_peer(server)?, reply.reason)
    } else if let Some(server) = after.strip_prefix("; cannot authenticate to server ") {
        let (peer, reason) = fields::peer(server)?;
        (peer, reason.strip_prefix(": ")?)
    } else {
        let (peer, reason) = fields::peer(after.strip_prefix(": server ")?)?;
        (peer, reason.strip_prefix(' ')?)
    };
    event.relay_host = peer.name;
    event.relay_ip = peer.addr;
    event.relay_port = peer.port;
    event.reason = Some(reason);
    Some(event)
}

/// `HOST[ADDR]`, or a bare `HOST` (`SASL [CACHED] …; server HOST said:`),
/// and nothing else.
fn server_peer(server: &str) -> Option<Peer<'_>> {
    match fields::peer(server) {
        Some((peer, "")) => Some(peer),
        None if !server.is_empty() && !server.contains([' ', '[']) => Some(Peer {
            name: Some(server),
            ..Peer::default()
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disconnect_counters() {
        for good in [
            "ehlo=1 mail=1 rcpt=0/1 data=0/1 commands=2/4",
            "commands=0/0",
            "ehlo=1 quit=1 commands=2 notes=bare_lf",
            "a=1",
        ] {
            assert!(is_counters(good), "{good}");
        }
        for bad in [
            "",
            "ehlo=1 ",
            "ehlo=1  mail=1",
            "=1",
            "ehlo=",
            "ehlo",
            "ehlo=1x",
            "ehlo==1",
            "ehlo=1 mail",
            "rcpt=0/",
            "rcpt=/1",
            "rcpt=1/2/3",
            "notes=",
        ] {
            assert!(!is_counters(bad), "{bad}");
        }
    }
}
