//! Delivery records of every delivery agent (smtp, lmtp, local, virtual, pipe,
//! error, discard, and master.cf clones such as `relay/smtp`), written by
//! Postfix's `global/log_adhoc.c`:
//!
//! ```text
//! QID: to=<r>, orig_to=<o>, relay=mx[203.0.113.5]:25, conn_use=2, delay=1.2, delays=0.1/0/0.5/0.6, tls=may, dsn=5.1.1, status=bounced (host mx[203.0.113.5] said: 550 5.1.1 <r>: User unknown (in reply to RCPT TO command))
//! ```
//!
//! `orig_to`, `conn_use`, `tls` (Postfix 3.11) are optional; pre-2.3 logs
//! lack `delays` and `dsn`. The text in parentheses may be a remote reply, a
//! local result or a connection error; its code and the command it answered
//! are split out when it is a reply.

use super::fields::needle;
use super::fields::{self, KeyValues, Separator};
use super::{Event, EventKind};

/// Parses `rest` (the message after `QID: `); `None` if it is not a delivery.
pub fn parse(rest: &str) -> Option<Event<'_>> {
    if !rest.starts_with("to=") {
        return None;
    }
    let mut event = Event::new(EventKind::Delivery);
    let mut pairs = KeyValues::new(rest, Separator::CommaSpace);
    for (key, value) in pairs.by_ref() {
        match key {
            "to" => event.to = Some(value),
            "orig_to" => event.orig_to = Some(value),
            "relay" => set_relay(&mut event, value),
            "conn_use" => event.conn_use = value.parse().ok(),
            "delay" => event.delay = value.parse().ok(),
            "delays" => event.delays = parse_delays(value),
            "tls" => event.tls = Some(value),
            "dsn" => event.dsn = Some(value),
            // The last pair: the text in parentheses follows.
            "status" => {
                event.status = Some(value);
                let text = pairs.rest().trim_start_matches(' ');
                if let Some(inner) = text.strip_prefix('(') {
                    set_text(&mut event, inner.strip_suffix(')').unwrap_or(inner));
                }
                return Some(event);
            }
            _ => return None,
        }
    }
    // No `status=`: not a delivery record.
    None
}

fn set_relay<'a>(event: &mut Event<'a>, relay: &'a str) {
    match fields::peer(relay) {
        Some((peer, _)) => {
            event.relay_host = peer.name;
            event.relay_ip = peer.addr;
            event.relay_port = peer.port;
        }
        // `none`, `local`, `virtual`, or a pipe transport name (`dovecot`).
        None => event.relay_host = Some(relay),
    }
}

/// `a/b/c/d`: before the queue manager, in it, connection setup, transmission.
fn parse_delays(value: &str) -> Option<[f32; 4]> {
    let mut out = [0f32; 4];
    let mut parts = value.split('/');
    for slot in &mut out {
        *slot = parts.next()?.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

needle!(SAID = "] said: ");
needle!(REFUSED = "] refused to talk to me: ");
needle!(IN_REPLY_TO = " (in reply to ");
needle!(QUEUED_AS = "queued as ");

/// Splits the parenthesised text: remote reply, `queued as`, or plain text.
///
/// A failure names the host that failed (`host H[A] said: …`, `connect to
/// H[A]:25: Connection refused`, `lost connection with H[A] while …`); when
/// no connection was made Postfix logs `relay=none`, and the host the text
/// names becomes the next hop, so that smtp's failure and error(8)'s repeat
/// of it (`delivery temporarily suspended: …`) are one cause at one host.
fn set_text<'a>(event: &mut Event<'a>, text: &'a str) {
    event.text = Some(text);
    event.reason = Some(text);
    // error(8) repeats the last failure of a destination it has given up on
    // for now: `delivery temporarily suspended: host H[A] said: 421 …`.
    let remote = text
        .strip_prefix("delivery temporarily suspended: ")
        .unwrap_or(text);
    if let Some(after_host) = remote.strip_prefix("host ") {
        set_failed_host(event, after_host);
        // `host H[A] said: 550 5.1.1 … (in reply to RCPT TO command)` or
        // `host H[A] refused to talk to me: 421 …`.
        let reply = SAID
            .split_once(after_host)
            .or_else(|| REFUSED.split_once(after_host))
            .map(|(_, reply)| reply);
        if let Some(mut reply_text) = reply {
            if let Some((reply, command)) = IN_REPLY_TO.rsplit_once(reply_text) {
                event.remote_command = Some(command.strip_suffix(" command)").unwrap_or(command));
                reply_text = reply;
            }
            let reply = fields::reply(reply_text);
            event.code = reply.code;
            event.enhanced = reply.enhanced;
            event.address = reply.address;
            event.reason = Some(reply.reason);
        }
        return;
    }
    if let Some(after) = remote.strip_prefix("connect to ") {
        // `connect to H[A]:25: Connection refused`.
        if let Some(error) = set_failed_host(event, after).and_then(|r| r.strip_prefix(": ")) {
            event.reason = Some(error);
        }
        return;
    }
    for session in ["lost connection with ", "conversation with "] {
        if let Some(after) = remote.strip_prefix(session) {
            set_failed_host(event, after);
            event.reason = Some(remote);
            return;
        }
    }
    let reply = fields::reply(text);
    if reply.code.is_some() {
        event.code = reply.code;
        event.enhanced = reply.enhanced;
        event.reason = Some(reply.reason);
    }
    if let Some((_, id)) = QUEUED_AS.rsplit_once(text) {
        event.related_queue_id = Some(id.trim_end_matches(')'));
    } else if let Some(id) = text.strip_prefix("forwarded as ") {
        event.related_queue_id = Some(id);
    }
}

/// The host `H[A]:P` at the start of `s` becomes the next hop when the line
/// says `relay=none`; returns what follows it.
fn set_failed_host<'a>(event: &mut Event<'a>, s: &'a str) -> Option<&'a str> {
    let (peer, rest) = fields::peer(s)?;
    if event.relay_host.is_none_or(|relay| relay == "none") {
        event.relay_host = peer.name;
        event.relay_ip = peer.addr;
        event.relay_port = peer.port;
    }
    Some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_reply_is_split() {
        let e = parse("to=<a@b.example>, relay=mx.b.example[127.0.0.12]:25, delay=0.05, delays=0.01/0/0.02/0.02, dsn=5.1.1, status=bounced (host mx.b.example[127.0.0.12] said: 550 5.1.1 <a@b.example>: Recipient address rejected: User unknown (in reply to RCPT TO command))").unwrap();
        assert_eq!(e.to, Some("a@b.example"));
        assert_eq!(
            (e.relay_host, e.relay_ip, e.relay_port),
            (Some("mx.b.example"), Some("127.0.0.12"), Some(25))
        );
        assert_eq!(e.delays, Some([0.01, 0.0, 0.02, 0.02]));
        assert_eq!((e.dsn, e.status), (Some("5.1.1"), Some("bounced")));
        assert_eq!(
            (e.code, e.enhanced, e.address),
            (Some(550), Some("5.1.1"), Some("a@b.example"))
        );
        assert_eq!(e.reason, Some("Recipient address rejected: User unknown"));
        assert_eq!(e.remote_command, Some("RCPT TO"));
    }

    #[test]
    fn not_a_delivery() {
        assert_eq!(parse("from=<a@b>, size=1, nrcpt=1 (queue active)"), None);
        assert_eq!(parse("to=<a@b>, bogus=1, status=sent (x)"), None);
    }
}
