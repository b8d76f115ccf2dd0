//! Policy actions logged by smtpd, postscreen and cleanup:
//!
//! ```text
//! NOQUEUE: reject: RCPT from unknown[192.168.1.1]: 454 4.7.1 <x@y>: Relay access denied; from=<x@y> to=<x@y> proto=ESMTP helo=<H>
//! 1D8CC1CA0A7F: milter-reject: DATA from host[192.0.2.151]: 550 5.7.1 Command rejected; from=<a> to=<b> proto=ESMTP helo=<h>
//! NOQUEUE: reject: RCPT from [82.165.159.12]:37687: 550 5.7.1 Service unavailable; client [82.165.159.12] blocked using zen.spamhaus.org; from=<>, to=<u@d>, proto=ESMTP, helo=<h>
//! E54DD102A90: warning: header Subject: hi from mail.example[209.85.167.47]; from=<a> to=<b> proto=ESMTP helo=<h>
//! proxy-accept: END-OF-MESSAGE: 250 2.0.0 Ok: queued as A0320E00C3; from=<a> to=<b> proto=ESMTP helo=<h>
//! ```
//!
//! Postfix writes them all through `smtpd_check.c:log_whatsup` or
//! `cleanup_act_log`: `ACTION: STAGE from CLIENT: REPLY; TRAILER`, where the
//! header/body checks of cleanup put the header text where the reply would be
//! and the reply after the trailer.

use super::fields::{self, Peer};
use super::{Event, EventKind, MessageOutcome};

fn action_kind(action: &str) -> Option<EventKind> {
    let kind = match action {
        "reject" => EventKind::Reject,
        "reject_warning" => EventKind::RejectWarning,
        "hold" => EventKind::Hold,
        "discard" => EventKind::Discard,
        "filter" => EventKind::Filter,
        "redirect" => EventKind::Redirect,
        "milter-reject" => EventKind::MilterReject,
        "milter-hold" => EventKind::MilterHold,
        "milter-discard" => EventKind::MilterDiscard,
        "proxy-accept" => EventKind::ProxyAccept,
        "proxy-reject" => EventKind::ProxyReject,
        // cleanup header/body checks that keep the message; only with a
        // `header`/`body` stage (a bare `warning:` is a severity prefix).
        "warning" | "info" | "replace" | "prepend" => EventKind::ContentCheck,
        _ => return None,
    };
    Some(kind)
}

/// Parses the message after the queue id (`rest`); `None` when it is not a
/// policy action at all.
pub fn parse<'a>(queue_id: Option<&'a str>, rest: &'a str) -> Option<MessageOutcome<'a>> {
    // Action words are lower case with `-` or `_`; most messages end the scan
    // at their first space.
    let b = rest.as_bytes();
    let colon = b
        .iter()
        .position(|&c| !(c.is_ascii_lowercase() || c == b'-' || c == b'_'))
        .filter(|&n| b[n] == b':')?;
    let action = &rest[..colon];
    let kind = action_kind(action)?;
    let body = rest[colon + 1..].trim_start_matches(' ');
    let stage_end = body.find([' ', ':']).unwrap_or(body.len());
    let stage = &body[..stage_end];
    let content_check = stage == "header" || stage == "body";
    if kind == EventKind::ContentCheck && !content_check {
        return None;
    }
    let (head, trailer) = match fields::split_trailer(body) {
        Some((head, trailer)) => (head, fields::trailer(trailer)),
        None => (body, fields::Trailer::default()),
    };

    let mut event = Event {
        action: Some(action),
        queue_id: queue_id.filter(|id| *id != "NOQUEUE"),
        stage: Some(stage),
        from: trailer.from,
        to: trailer.to,
        proto: trailer.proto,
        helo: trailer.helo,
        sasl_method: trailer.sasl_method,
        sasl_username: trailer.sasl_username,
        ..Event::new(kind)
    };

    let reply_text;
    if content_check {
        // `header Subject: text from client[addr]` (or `from local`).
        let Some((checked_line, client)) = head.rsplit_once(" from ") else {
            return Some(MessageOutcome::Unrecognized);
        };
        set_client(&mut event, client);
        // The checked header line is the reason to group by when the
        // check gave no reply text of its own.
        // Empty when ` from ` follows the stage at once (`header from x`).
        let checked = checked_line.get(stage_end + 1..).unwrap_or("");
        reply_text = trailer.tail.unwrap_or(checked);
    } else {
        // The trailer may start inside the stage word (`RCPT;from=<…`): then
        // there is no client and no reply, a damaged line.
        let Some(after_stage) = head.get(stage_end..) else {
            return Some(MessageOutcome::Unrecognized);
        };
        if let Some(client) = after_stage.strip_prefix(" from ") {
            let Some((peer, after)) = fields::peer(client) else {
                return Some(MessageOutcome::Unrecognized);
            };
            set_peer(&mut event, peer);
            let Some(text) = after.strip_prefix(':') else {
                return Some(MessageOutcome::Unrecognized);
            };
            reply_text = text.trim_start_matches(' ');
        } else if let Some(text) = after_stage.strip_prefix(':') {
            // proxy-accept/proxy-reject: `END-OF-MESSAGE: 250 …`.
            reply_text = text.trim_start_matches(' ');
        } else {
            return Some(MessageOutcome::Unrecognized);
        }
    }
    let reply = fields::reply(reply_text);
    event.code = reply.code;
    event.enhanced = reply.enhanced;
    event.address = reply.address;
    event.reason = Some(reply.reason.trim_end_matches(' '));
    event.text = Some(reply_text.trim_end_matches(' '));
    Some(MessageOutcome::Event(event))
}

fn set_client<'a>(event: &mut Event<'a>, client: &'a str) {
    match fields::peer(client) {
        Some((peer, _)) => set_peer(event, peer),
        None => event.client_name = Some(client),
    }
}

fn set_peer<'a>(event: &mut Event<'a>, peer: Peer<'a>) {
    event.client_name = peer.name;
    event.client_ip = peer.addr;
    event.client_port = peer.port;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs the fuzzer found (fuzz/README.md): they used to panic on a
    /// slice out of bounds.
    #[test]
    fn fuzzer_findings_do_not_panic() {
        assert_eq!(
            parse(None, "hold:;from=<"),
            Some(MessageOutcome::Unrecognized)
        );
        assert_eq!(
            parse(None, "reject: RCPT;from=<a@b>"),
            Some(MessageOutcome::Unrecognized)
        );
        let Some(MessageOutcome::Event(e)) = parse(Some("E9E8CB4311"), "info: header from x")
        else {
            panic!("a content check with an empty header text is still an event");
        };
        assert_eq!(
            (e.stage, e.client_name, e.reason),
            (Some("header"), Some("x"), Some(""))
        );
    }
}
