//! postscreen's verdicts on a connecting client, the DNS list answers of its
//! helper dnsblog, and the bookkeeping of tlsproxy (postscreen's TLS front
//! end). On a busy MX they are half of all lines, so `parse_message_into`
//! hands these daemons' lines here first and builds their events in place.
//!
//! ```text
//! CONNECT from [185.48.118.128]:36942 to [188.34.187.246]:25
//! PREGREET 11 after 0.23 from [180.214.239.18]:59187: EHLO User\r\n
//! DNSBL rank 3 for [180.214.239.18]:59187
//! HANGUP after 2.2 from [122.189.87.41]:52908 in tests after SMTP handshake
//! addr 180.214.239.18 listed by domain zen.spamhaus.org as 127.0.0.4
//! ```
//!
//! Every postscreen verdict is one `postscreen` event whose `action` is the
//! verdict as logged (`PASS OLD`, `COMMAND TIME LIMIT`, `DATA without valid
//! RCPT`); the client is `[ADDR]:PORT` (`PSC_CLIENT_ADDR_PORT`). The shapes
//! are those of `postscreen/postscreen*.c` and `dnsblog/dnsblog.c:218`.

use super::fields::{self, split_word, Peer};
use super::{Event, EventKind, Parsed, Skip};

/// A line of postscreen, dnsblog or tlsproxy, its event into `out`: `None`
/// for the ones this module does not settle (warnings, `NOQUEUE: reject:`,
/// cache cleanup, stress mode, …), which the general parsers then take.
/// (tlsproxy's TLS summaries are `tls` events, taken before.)
#[inline]
pub fn parse<'a>(daemon: &str, message: &'a str, out: &mut Event<'a>) -> Option<Parsed> {
    let found = match daemon {
        "postscreen" => verdict(message)?,
        "dnsblog" => listed(message)?,
        "tlsproxy" => return tlsproxy(message),
        _ => return None,
    };
    Some(match found {
        Some(v) => {
            // In place: every field a verdict has ([`Event::reset`]).
            out.reset(EventKind::Postscreen);
            out.action = Some(v.action);
            out.client_ip = v.client.addr;
            out.client_port = v.client.port;
            out.stage = v.stage;
            out.text = v.text;
            out.value = v.value;
            out.relay_ip = v.local.addr;
            out.relay_port = v.local.port;
            out.dnsbl = v.dnsbl;
            Parsed::Event
        }
        None => Parsed::Skipped(Skip::Unrecognized),
    })
}

/// What a verdict line says.
#[derive(Clone, Copy, Default)]
struct Verdict<'a> {
    action: &'a str,
    /// `[ADDR]:PORT` (dnsblog: the address only).
    client: Peer<'a>,
    stage: Option<&'a str>,
    text: Option<&'a str>,
    value: Option<u32>,
    /// `CONNECT … to [ADDR]:PORT`: where the client connected.
    local: Peer<'a>,
    dnsbl: Option<&'a str>,
}

/// The verdicts, by first byte; each one's words are fixed (upper case as
/// postscreen logs them). `None` if `message` is not one, `Some(None)` if it
/// starts like one but is damaged.
fn verdict(message: &str) -> Option<Option<Verdict<'_>>> {
    let event = match message.as_bytes().first()? {
        b'C' => {
            if let Some((action, rest)) = word(message, b"CONNECT") {
                connect(action, rest)
            } else if let Some((action, rest)) = word(message, b"COMMAND PIPELINING") {
                // `… after CMD: TEXT`: the command and what the client sent
                // ahead of the reply, both client input.
                from_after(action, rest).map(|(v, input)| Verdict {
                    text: Some(input),
                    ..v
                })
            } else {
                let (action, rest) = word(message, b"COMMAND TIME LIMIT")
                    .or_else(|| word(message, b"COMMAND COUNT LIMIT"))
                    .or_else(|| word(message, b"COMMAND LENGTH LIMIT"))?;
                // `… after STATE`: the command the limit hit.
                from_after(action, rest).map(|(v, state)| Verdict {
                    stage: Some(state),
                    ..v
                })
            }
        }
        b'P' => {
            if let Some((action, rest)) =
                word(message, b"PASS NEW").or_else(|| word(message, b"PASS OLD"))
            {
                client_only(action, rest)
            } else {
                let (action, rest) = word(message, b"PREGREET")?;
                pregreet(action, rest)
            }
        }
        b'D' => {
            if let Some((action, rest)) = word(message, b"DNSBL") {
                dnsbl_rank(action, rest)
            } else if let Some((action, rest)) =
                word(message, b"DISCONNECT").or_else(|| word(message, b"DENYLISTED"))
            {
                client_only(action, rest)
            } else {
                let (action, rest) = word(message, b"DATA without valid RCPT")?;
                from_only(action, rest)
            }
        }
        b'H' => {
            let (action, rest) = word(message, b"HANGUP")?;
            hangup(action, rest)
        }
        b'B' => {
            if let Some((action, rest)) = word(message, b"BARE NEWLINE") {
                // `… after INPUT`: the (escaped) line that ended in a bare
                // newline, client input.
                from_after(action, rest).map(|(v, input)| Verdict {
                    text: Some(input),
                    ..v
                })
            } else if let Some((action, rest)) = word(message, b"BDAT without valid RCPT") {
                from_only(action, rest)
            } else {
                let (action, rest) = word(message, b"BLACKLISTED")?;
                client_only(action, rest)
            }
        }
        b'N' => {
            let (action, rest) = word(message, b"NON-SMTP COMMAND")?;
            // `… after STATE: COMMAND TEXT`.
            from_after(action, rest).and_then(|(v, after)| {
                let (state, input) = after.split_once(':')?;
                Some(Verdict {
                    stage: Some(state),
                    text: Some(fields::strip(input, b" ")?),
                    ..v
                })
            })
        }
        b'W' | b'A' => {
            let (action, rest) = word(message, b"WHITELISTED")
                .or_else(|| word(message, b"ALLOWLISTED"))
                .or_else(|| word(message, b"WHITELIST VETO"))
                .or_else(|| word(message, b"ALLOWLIST VETO"))?;
            client_only(action, rest)
        }
        _ => return None,
    };
    Some(event)
}

/// `s` split after the verdict words `w`, when it starts with them followed
/// by a space: the words (a slice of `s`) and the rest after the space. A
/// fixed-size compare, inlined ([`fields::strip`]).
#[inline(always)]
fn word<'a, const N: usize>(s: &'a str, w: &[u8; N]) -> Option<(&'a str, &'a str)> {
    if !fields::starts_with_bytes(s.as_bytes(), w) {
        return None;
    }
    let (words, rest) = s.split_at_checked(N)?;
    Some((words, fields::strip(rest, b" ")?))
}

#[inline]
fn verdict_of<'a>(action: &'a str, client: Peer<'a>) -> Verdict<'a> {
    Verdict {
        action,
        client,
        ..Verdict::default()
    }
}

/// `[A]:P` at the start of `s`: postscreen's client (never a name), and
/// the rest after it.
#[inline]
fn client(s: &str) -> Option<(Peer<'_>, &str)> {
    let inner = fields::strip(s, b"[")?;
    let close = fields::find_byte(inner.as_bytes(), b']')?;
    let addr = inner.get(..close)?;
    let port_text = fields::strip(inner.get(close..)?, b"]:")?;
    // The port's digits, read as they are scanned.
    let digits = port_text.as_bytes();
    let mut port = 0u32;
    let mut len = 0;
    while let Some(d) = digits.get(len).filter(|d| d.is_ascii_digit()) {
        port = port * 10 + u32::from(d - b'0');
        len += 1;
        if len > 5 {
            return None;
        }
    }
    let peer = Peer {
        name: None,
        addr: Some(addr),
        port: Some(u16::try_from(port).ok().filter(|_| len > 0)?),
    };
    Some((peer, port_text.get(len..)?))
}

/// `VERDICT [A]:P`.
#[inline]
fn client_only<'a>(action: &'a str, rest: &'a str) -> Option<Verdict<'a>> {
    let (peer, "") = client(rest)? else {
        return None;
    };
    Some(verdict_of(action, peer))
}

/// `VERDICT from [A]:P`.
#[inline]
fn from_only<'a>(action: &'a str, rest: &'a str) -> Option<Verdict<'a>> {
    client_only(action, fields::strip(rest, b"from ")?)
}

/// `VERDICT from [A]:P after X`: the event and X.
#[inline]
fn from_after<'a>(action: &'a str, rest: &'a str) -> Option<(Verdict<'a>, &'a str)> {
    let (peer, after) = client(fields::strip(rest, b"from ")?)?;
    Some((verdict_of(action, peer), fields::strip(after, b" after ")?))
}

/// `CONNECT from [A]:P to [SA]:SP`: the local address and port the client
/// connected to are the `relay_*` of the event.
#[inline]
fn connect<'a>(action: &'a str, rest: &'a str) -> Option<Verdict<'a>> {
    let (peer, after) = client(fields::strip(rest, b"from ")?)?;
    let (local, "") = client(fields::strip(after, b" to ")?)? else {
        return None;
    };
    Some(Verdict {
        local,
        ..verdict_of(action, peer)
    })
}

/// `DNSBL rank N for [A]:P`.
#[inline]
fn dnsbl_rank<'a>(action: &'a str, rest: &'a str) -> Option<Verdict<'a>> {
    let (rank, client_text) = split_word(fields::strip(rest, b"rank ")?)?;
    Some(Verdict {
        value: Some(number(rank)?),
        ..client_only(action, fields::strip(client_text, b"for ")?)?
    })
}

/// `PREGREET N after T from [A]:P: TEXT` (N bytes sent before the
/// greeting, T seconds; TEXT escaped, at most 100 bytes).
#[inline]
fn pregreet<'a>(action: &'a str, rest: &'a str) -> Option<Verdict<'a>> {
    let (bytes, rest) = split_word(rest)?;
    let (peer, text) = client(fields::strip(after_time(rest)?, b"from ")?)?;
    Some(Verdict {
        value: Some(number(bytes)?),
        text: Some(fields::strip(text, b": ")?),
        ..verdict_of(action, peer)
    })
}

/// `HANGUP after T from [A]:P in TEST`: TEST is the stage
/// (`tests before SMTP handshake`, `tests after SMTP handshake`).
#[inline]
fn hangup<'a>(action: &'a str, rest: &'a str) -> Option<Verdict<'a>> {
    let (peer, test) = client(fields::strip(after_time(rest)?, b"from ")?)?;
    let test = fields::strip(test, b" in ")?;
    if test.is_empty() {
        return None;
    }
    Some(Verdict {
        stage: Some(test),
        ..verdict_of(action, peer)
    })
}

/// `after T ` (T: `0`, `0.23`, `11`): the rest after it.
#[inline]
fn after_time(rest: &str) -> Option<&str> {
    let (time, rest) = split_word(fields::strip(rest, b"after ")?)?;
    (!time.is_empty() && time.bytes().all(|b| b.is_ascii_digit() || b == b'.')).then_some(rest)
}

#[inline]
fn number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// dnsblog's `addr ADDR listed by domain DOMAIN as REPLY`: one line per
/// A record a DNS list answered.
fn listed(message: &str) -> Option<Option<Verdict<'_>>> {
    let rest = fields::strip(message, b"addr ")?;
    Some(listed_fields(rest))
}

#[inline]
fn listed_fields(rest: &str) -> Option<Verdict<'_>> {
    let (addr, rest) = split_word(rest)?;
    let (action, rest) = word(rest, b"listed")?;
    let (domain, reply) = split_word(fields::strip(rest, b"by domain ")?)?;
    let reply = fields::strip(reply, b"as ")?;
    if addr.is_empty() || domain.is_empty() || reply.is_empty() || reply.bytes().any(|b| b == b' ')
    {
        return None;
    }
    let client = Peer {
        addr: Some(addr),
        ..Peer::default()
    };
    Some(Verdict {
        dnsbl: Some(domain),
        text: Some(reply),
        ..verdict_of(action, client)
    })
}

/// tlsproxy's `CONNECT from|to [A]:P` and `DISCONNECT [A]:P` bookkeeping
/// (`tlsproxy.c:1171`, `tlsproxy_state.c:155`) repeats what postscreen and
/// smtpd log: known lines.
fn tlsproxy(message: &str) -> Option<Parsed> {
    let bookkeeping = fields::strip(message, b"CONNECT ").is_some()
        || fields::strip(message, b"DISCONNECT ").is_some();
    bookkeeping.then_some(Parsed::Skipped(Skip::Known))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_are_addr_and_port() {
        let (peer, rest) = client("[2001:db8::1]:25 x").unwrap();
        assert_eq!(
            (peer.name, peer.addr, peer.port, rest),
            (None, Some("2001:db8::1"), Some(25), " x")
        );
        for bad in [
            "[1.2.3.4]",
            "[1.2.3.4]:",
            "[1.2.3.4]:65536",
            "[1.2.3.4]:123456",
            "host[1.2.3.4]:25",
            "[1.2.3.4:25",
        ] {
            assert_eq!(client(bad), None, "{bad}");
        }
    }
}
