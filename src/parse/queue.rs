//! Queue bookkeeping lines that follow a message through Postfix: smtpd
//! `client=`, pickup `uid= from=`, cleanup `message-id=`, qmgr `from= size=
//! nrcpt=`, `removed`, `status=expired`, and bounce's notifications.
//!
//! ```text
//! 4PbMk12r7Wz3tBr: client=host2.uhu-banane.de[162.254.24.33], sasl_method=LOGIN, sasl_username=vmail@uhu-banane.net
//! 4PbC4x469Jz3tBr: from=<ajmyjyz@nistoresio.co.cz>, size=175061, nrcpt=1 (queue active)
//! 4PbC4x469Jz3tBr: from=<noreply@xamxam.example>, status=expired, returned to sender
//! 50F5A1D9B4: sender non-delivery notification: 5A45B1D9B6
//! ```

use super::fields::{self, KeyValues, Separator};
use super::{Event, EventKind, MessageOutcome};

pub fn parse<'a>(daemon: &str, queue_id: &'a str, rest: &'a str) -> Option<MessageOutcome<'a>> {
    let event = |kind| Event {
        queue_id: Some(queue_id),
        ..Event::new(kind)
    };
    if let Some(client) = rest.strip_prefix("client=") {
        let mut e = event(EventKind::Client);
        let (peer, more) = fields::peer(client)?;
        e.client_name = peer.name;
        e.client_ip = peer.addr;
        e.client_port = peer.port;
        // `, sasl_method=LOGIN, sasl_username=u, orig_queue_id=…, orig_client=…`
        if let Some(more) = more.strip_prefix(", ") {
            for (key, value) in KeyValues::new(more, Separator::CommaSpace) {
                match key {
                    "sasl_method" => e.sasl_method = Some(value),
                    "sasl_username" => e.sasl_username = Some(value),
                    _ => {}
                }
            }
        }
        return Some(MessageOutcome::Event(e));
    }
    if rest.starts_with("from=") {
        return Some(queued_or_expired(event(EventKind::Queued), rest));
    }
    if let Some(after) = rest.strip_prefix("uid=") {
        // pickup: `uid=0 from=<root>`.
        let (uid, more) = after.split_once(' ')?;
        let mut e = event(EventKind::Pickup);
        e.uid = uid.parse().ok();
        if let Some(from) = more.strip_prefix("from=") {
            e.from = Some(address_value(from)?.0);
        }
        return Some(MessageOutcome::Event(e));
    }
    if let Some(id) = rest.strip_prefix("message-id=") {
        let mut e = event(EventKind::MessageId);
        let id = id.trim_end();
        e.message_id = Some(
            id.strip_prefix('<')
                .and_then(|s| s.strip_suffix('>'))
                .unwrap_or(id),
        );
        return Some(MessageOutcome::Event(e));
    }
    if rest == "removed" || rest.starts_with("removed ") {
        let mut e = event(EventKind::Removed);
        e.text = Some(rest);
        return Some(MessageOutcome::Event(e));
    }
    if daemon == "bounce" {
        // `sender non-delivery notification: QID`, `postmaster non-delivery
        // notification: QID`, `sender delay notification: QID`, `sender
        // delivery status notification: QID`.
        const NOTIFICATION: &str = " notification";
        if let Some((what, new_id)) = rest.split_once(" notification: ") {
            let mut e = event(EventKind::Notification);
            e.text = Some(&rest[..what.len() + NOTIFICATION.len()]);
            e.related_queue_id = Some(new_id);
            return Some(MessageOutcome::Event(e));
        }
    }
    None
}

/// qmgr's `from=<s>, size=N, nrcpt=N (queue active)`, or its expiry:
/// `from=<s>, status=expired, returned to sender`.
fn queued_or_expired<'a>(mut e: Event<'a>, rest: &'a str) -> MessageOutcome<'a> {
    let mut pairs = KeyValues::new(rest, Separator::CommaSpace);
    for (key, value) in pairs.by_ref() {
        match key {
            "from" => e.from = Some(value),
            "size" => e.size = value.parse().ok(),
            "nrcpt" => e.nrcpt = value.parse().ok(),
            "status" => {
                // qmgr gave up: `status=expired, returned to sender`.
                e.kind = EventKind::Expired;
                e.status = Some(value);
                e.text = Some(pairs.rest().trim_start_matches([',', ' ']));
                return MessageOutcome::Event(e);
            }
            _ => return MessageOutcome::Unrecognized,
        }
    }
    if e.from.is_none() || e.size.is_none() {
        return MessageOutcome::Unrecognized;
    }
    e.text = Some(pairs.rest().trim_start_matches(' '));
    MessageOutcome::Event(e)
}

/// `<addr>` (possibly empty: the null sender) or a bare `addr` as written
/// by some test data; returns the value and the rest.
fn address_value(s: &str) -> Option<(&str, &str)> {
    if let Some(inner) = s.strip_prefix('<') {
        let end = fields::bracket_end(inner)?;
        Some((&inner[..end], &inner[end + 1..]))
    } else {
        let end = s.find([',', ' ']).unwrap_or(s.len());
        Some((&s[..end], &s[end..]))
    }
}
