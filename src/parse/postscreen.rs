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
///
/// Each verdict's words are matched here, and its fields read by a small
/// function of its own that writes them to `out`: no verdict is carried out
/// of the branches (a large `Option`, merged from a dozen of them, was
/// copied through the stack with a `memcpy` on every line), and no
/// combinator or closure is left for the compiler to call out of line.
#[inline]
pub fn parse<'a>(daemon: &str, message: &'a str, out: &mut Event<'a>) -> Option<Parsed> {
    let found = match daemon {
        "postscreen" => verdict(message, out)?,
        "dnsblog" => listed(fields::strip(message, b"addr ")?, out),
        "tlsproxy" => return tlsproxy(message),
        _ => return None,
    };
    Some(if found {
        Parsed::Event
    } else {
        Parsed::Skipped(Skip::Unrecognized)
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

/// Writes `v` to `out`, in place: every field a verdict has
/// ([`Event::reset`]). True, for the callers' `Some(emit(…))`.
#[inline(always)]
fn emit<'a>(out: &mut Event<'a>, v: Verdict<'a>) -> bool {
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
    true
}

/// The verdicts, by first byte; each one's words are fixed (upper case as
/// postscreen logs them, followed by a space). `None` if `message` is not
/// one; else whether its event was written to `out` (false: it starts like
/// one but is damaged).
#[inline(always)]
fn verdict<'a>(message: &'a str, out: &mut Event<'a>) -> Option<bool> {
    let m = message;
    let found = match m.as_bytes().first()? {
        b'C' => {
            if let Some((action, rest)) = word(m, b"CONNECT ") {
                connect(action, rest, out)
            } else if let Some((action, rest)) = word(m, b"COMMAND PIPELINING ") {
                // `… after CMD: TEXT`: the command and what the client sent
                // ahead of the reply, both client input.
                from_after(action, rest, out, After::Text)
            } else if let Some((action, rest)) = either(
                word(m, b"COMMAND TIME LIMIT "),
                either(
                    word(m, b"COMMAND COUNT LIMIT "),
                    word(m, b"COMMAND LENGTH LIMIT "),
                ),
            ) {
                // `… after STATE`: the command the limit hit.
                from_after(action, rest, out, After::Stage)
            } else {
                return None;
            }
        }
        b'P' => {
            if let Some((action, rest)) = either(word(m, b"PASS NEW "), word(m, b"PASS OLD ")) {
                client_only(action, rest, out)
            } else if let Some((action, rest)) = word(m, b"PREGREET ") {
                pregreet(action, rest, out)
            } else {
                return None;
            }
        }
        b'D' => {
            if let Some((action, rest)) = word(m, b"DNSBL ") {
                dnsbl_rank(action, rest, out)
            } else if let Some((action, rest)) =
                either(word(m, b"DISCONNECT "), word(m, b"DENYLISTED "))
            {
                client_only(action, rest, out)
            } else if let Some((action, rest)) = word(m, b"DATA without valid RCPT ") {
                from_only(action, rest, out)
            } else {
                return None;
            }
        }
        b'H' => {
            let (action, rest) = word(m, b"HANGUP ")?;
            hangup(action, rest, out)
        }
        b'B' => {
            if let Some((action, rest)) = word(m, b"BARE NEWLINE ") {
                // `… after INPUT`: the (escaped) line that ended in a bare
                // newline, client input.
                from_after(action, rest, out, After::Text)
            } else if let Some((action, rest)) = word(m, b"BDAT without valid RCPT ") {
                from_only(action, rest, out)
            } else {
                let (action, rest) = word(m, b"BLACKLISTED ")?;
                client_only(action, rest, out)
            }
        }
        b'N' => {
            let (action, rest) = word(m, b"NON-SMTP COMMAND ")?;
            // `… after STATE: COMMAND TEXT`.
            from_after(action, rest, out, After::StageAndText)
        }
        b'W' | b'A' => {
            let (action, rest) = either(
                either(word(m, b"WHITELISTED "), word(m, b"ALLOWLISTED ")),
                either(word(m, b"WHITELIST VETO "), word(m, b"ALLOWLIST VETO ")),
            )?;
            client_only(action, rest, out)
        }
        _ => return None,
    };
    Some(found)
}

/// The first of two matches. Not `Option::or_else`: its closure made it a
/// call that returned the match through the stack, where reading it back
/// wider than it was written stalled every line (a failed store forward).
/// Both words are fixed compares, cheap to try together.
#[inline(always)]
fn either<'a>(
    first: Option<(&'a str, &'a str)>,
    second: Option<(&'a str, &'a str)>,
) -> Option<(&'a str, &'a str)> {
    match first {
        Some(found) => Some(found),
        None => second,
    }
}

/// `s` split after the verdict words `w` (which end in a space): the words
/// without the space (a slice of `s`) and the rest after it. A fixed-size
/// compare, inlined ([`fields::strip`]).
#[inline(always)]
fn word<'a, const N: usize>(s: &'a str, w: &[u8; N]) -> Option<(&'a str, &'a str)> {
    if !fields::starts_with_bytes(s.as_bytes(), w) {
        return None;
    }
    Some((s.get(..N - 1)?, s.get(N..)?))
}

#[inline(always)]
fn verdict_of<'a>(action: &'a str, client: Peer<'a>) -> Verdict<'a> {
    Verdict {
        action,
        client,
        ..Verdict::default()
    }
}

/// `[A]:P` at the start of `s`: postscreen's client (never a name), and
/// the rest after it. On bytes, inlined: every verdict has one or two.
#[inline(always)]
fn client(s: &str) -> Option<(Peer<'_>, &str)> {
    let b = s.as_bytes();
    if b.first() != Some(&b'[') {
        return None;
    }
    let close = 1 + fields::find_byte(b.get(1..)?, b']')?;
    if b.get(close + 1) != Some(&b':') {
        return None;
    }
    let (port, end) = fields::port_digits(b, close + 2);
    let port = port?;
    let peer = Peer {
        name: None,
        addr: Some(s.get(1..close)?),
        port: Some(port),
    };
    Some((peer, s.get(end..)?))
}

/// `from [A]:P` at the start of `s`: the client and the rest after it.
#[inline(always)]
fn from_client(s: &str) -> Option<(Peer<'_>, &str)> {
    client(fields::strip(s, b"from ")?)
}

/// `VERDICT [A]:P`.
fn client_only<'a>(action: &'a str, rest: &'a str, out: &mut Event<'a>) -> bool {
    match client(rest) {
        Some((peer, "")) => emit(out, verdict_of(action, peer)),
        _ => false,
    }
}

/// `VERDICT from [A]:P`.
fn from_only<'a>(action: &'a str, rest: &'a str, out: &mut Event<'a>) -> bool {
    match fields::strip(rest, b"from ") {
        Some(rest) => client_only(action, rest, out),
        None => false,
    }
}

/// What follows ` after ` in a [`from_after`] verdict.
#[derive(Clone, Copy)]
enum After {
    /// Client input: the `text`.
    Text,
    /// The SMTP state: the `stage`.
    Stage,
    /// `STATE: INPUT`.
    StageAndText,
}

/// `VERDICT from [A]:P after X`, X read as `after` says.
fn from_after<'a>(action: &'a str, rest: &'a str, out: &mut Event<'a>, after: After) -> bool {
    let Some((peer, x)) = from_client(rest) else {
        return false;
    };
    let Some(x) = fields::strip(x, b" after ") else {
        return false;
    };
    let v = verdict_of(action, peer);
    let v = match after {
        After::Text => Verdict { text: Some(x), ..v },
        After::Stage => Verdict {
            stage: Some(x),
            ..v
        },
        After::StageAndText => {
            let Some((state, input)) = x.split_once(':') else {
                return false;
            };
            let Some(input) = fields::strip(input, b" ") else {
                return false;
            };
            Verdict {
                stage: Some(state),
                text: Some(input),
                ..v
            }
        }
    };
    emit(out, v)
}

/// `CONNECT from [A]:P to [SA]:SP`: the local address and port the client
/// connected to are the `relay_*` of the event.
fn connect<'a>(action: &'a str, rest: &'a str, out: &mut Event<'a>) -> bool {
    let Some((peer, after)) = from_client(rest) else {
        return false;
    };
    let Some(after) = fields::strip(after, b" to ") else {
        return false;
    };
    match client(after) {
        Some((local, "")) => emit(
            out,
            Verdict {
                local,
                ..verdict_of(action, peer)
            },
        ),
        _ => false,
    }
}

/// `DNSBL rank N for [A]:P`.
fn dnsbl_rank<'a>(action: &'a str, rest: &'a str, out: &mut Event<'a>) -> bool {
    let Some(rest) = fields::strip(rest, b"rank ") else {
        return false;
    };
    let Some((rank, client_text)) = split_word(rest) else {
        return false;
    };
    let (Some(rank), Some(client_text)) = (number(rank), fields::strip(client_text, b"for "))
    else {
        return false;
    };
    match client(client_text) {
        Some((peer, "")) => emit(
            out,
            Verdict {
                value: Some(rank),
                ..verdict_of(action, peer)
            },
        ),
        _ => false,
    }
}

/// `PREGREET N after T from [A]:P: TEXT` (N bytes sent before the
/// greeting, T seconds; TEXT escaped, at most 100 bytes).
fn pregreet<'a>(action: &'a str, rest: &'a str, out: &mut Event<'a>) -> bool {
    let Some((bytes, rest)) = split_word(rest) else {
        return false;
    };
    let Some(rest) = after_time(rest) else {
        return false;
    };
    let Some((peer, text)) = from_client(rest) else {
        return false;
    };
    let (Some(bytes), Some(text)) = (number(bytes), fields::strip(text, b": ")) else {
        return false;
    };
    emit(
        out,
        Verdict {
            value: Some(bytes),
            text: Some(text),
            ..verdict_of(action, peer)
        },
    )
}

/// `HANGUP after T from [A]:P in TEST`: TEST is the stage
/// (`tests before SMTP handshake`, `tests after SMTP handshake`).
fn hangup<'a>(action: &'a str, rest: &'a str, out: &mut Event<'a>) -> bool {
    let Some(rest) = after_time(rest) else {
        return false;
    };
    let Some((peer, test)) = from_client(rest) else {
        return false;
    };
    match fields::strip(test, b" in ") {
        Some(test) if !test.is_empty() => emit(
            out,
            Verdict {
                stage: Some(test),
                ..verdict_of(action, peer)
            },
        ),
        _ => false,
    }
}

/// `after T ` (T: `0`, `0.23`, `11`): the rest after it.
#[inline(always)]
fn after_time(rest: &str) -> Option<&str> {
    let (time, rest) = split_word(fields::strip(rest, b"after ")?)?;
    (!time.is_empty() && time.bytes().all(|b| b.is_ascii_digit() || b == b'.')).then_some(rest)
}

#[inline(always)]
fn number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// dnsblog's `addr ADDR listed by domain DOMAIN as REPLY` (the text after
/// `addr `): one line per A record a DNS list answered.
fn listed<'a>(rest: &'a str, out: &mut Event<'a>) -> bool {
    match listed_fields(rest) {
        Some(v) => emit(out, v),
        None => false,
    }
}

#[inline(always)]
fn listed_fields(rest: &str) -> Option<Verdict<'_>> {
    let (addr, rest) = split_word(rest)?;
    let (action, rest) = word(rest, b"listed ")?;
    let (domain, reply) = split_word(fields::strip(rest, b"by domain ")?)?;
    let reply = fields::strip(reply, b"as ")?;
    if addr.is_empty()
        || domain.is_empty()
        || reply.is_empty()
        || fields::find_byte(reply.as_bytes(), b' ').is_some()
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
