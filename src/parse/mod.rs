//! From one log line to one [`LineOutcome`]: an [`Event`] borrowing from the
//! line, a known Postfix line we do not report on, or a reason it was skipped.
//!
//! Layers, each in its own module:
//! - [`syslog`]: timestamp, host, `program[pid]`;
//! - [`actions`]: smtpd/postscreen/cleanup `reject`, `reject_warning`, `hold`, …;
//! - [`delivery`]: `to=<…>, relay=…, status=…` lines of every delivery agent;
//! - [`queue`]: qmgr, pickup, cleanup, bounce and smtpd `client=` bookkeeping;
//! - [`known`]: recognised lines that carry no event (connect, TLS, …);
//! - [`fields`]: small shared pieces (`name[addr]:port`, `<addr>`, replies).
//!
//! Every function here takes `&str` slices and returns slices of them: no
//! allocation per line.

pub mod actions;
pub mod delivery;
pub mod fields;
pub mod known;
pub mod queue;
pub mod syslog;

pub use syslog::{Micros, MinuteCache, TimeContext, YearRule};

/// What an event is. The string names are the `kind` column's vocabulary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// smtpd/postscreen/cleanup `reject:` (NOQUEUE or with a queue id).
    #[default]
    Reject,
    /// `reject_warning:` from `warn_if_reject`: would have been rejected.
    RejectWarning,
    Hold,
    Discard,
    Filter,
    Redirect,
    MilterReject,
    MilterHold,
    MilterDiscard,
    /// cleanup header/body checks that let mail through: `warning:`,
    /// `info:`, `replace:`, `prepend:` (the `action` column says which).
    ContentCheck,
    /// Before-queue content filter verdicts (`proxy-accept:`, `proxy-reject:`).
    ProxyAccept,
    ProxyReject,
    /// One delivery attempt for one recipient: `status=sent|deferred|bounced|…`.
    Delivery,
    /// qmgr `from=<s>, size=N, nrcpt=N (queue active)`.
    Queued,
    /// qmgr or postsuper `removed`.
    Removed,
    /// qmgr `status=expired|force-expired, returned to sender`.
    Expired,
    /// smtpd `QID: client=name[addr]`: a message was received.
    Client,
    /// pickup `QID: uid=N from=<s>`: a message was submitted locally.
    Pickup,
    /// cleanup `QID: message-id=<…>`.
    MessageId,
    /// bounce `QID: sender non-delivery notification: NEWQID` and friends.
    Notification,
    Warning,
    Error,
    Fatal,
    Panic,
}

impl EventKind {
    pub const ALL: [EventKind; 24] = [
        EventKind::Reject,
        EventKind::RejectWarning,
        EventKind::Hold,
        EventKind::Discard,
        EventKind::Filter,
        EventKind::Redirect,
        EventKind::MilterReject,
        EventKind::MilterHold,
        EventKind::MilterDiscard,
        EventKind::ContentCheck,
        EventKind::ProxyAccept,
        EventKind::ProxyReject,
        EventKind::Delivery,
        EventKind::Queued,
        EventKind::Removed,
        EventKind::Expired,
        EventKind::Client,
        EventKind::Pickup,
        EventKind::MessageId,
        EventKind::Notification,
        EventKind::Warning,
        EventKind::Error,
        EventKind::Fatal,
        EventKind::Panic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Reject => "reject",
            EventKind::RejectWarning => "reject_warning",
            EventKind::Hold => "hold",
            EventKind::Discard => "discard",
            EventKind::Filter => "filter",
            EventKind::Redirect => "redirect",
            EventKind::MilterReject => "milter_reject",
            EventKind::MilterHold => "milter_hold",
            EventKind::MilterDiscard => "milter_discard",
            EventKind::ContentCheck => "content_check",
            EventKind::ProxyAccept => "proxy_accept",
            EventKind::ProxyReject => "proxy_reject",
            EventKind::Delivery => "delivery",
            EventKind::Queued => "queued",
            EventKind::Removed => "removed",
            EventKind::Expired => "expired",
            EventKind::Client => "client",
            EventKind::Pickup => "pickup",
            EventKind::MessageId => "message_id",
            EventKind::Notification => "notification",
            EventKind::Warning => "warning",
            EventKind::Error => "error",
            EventKind::Fatal => "fatal",
            EventKind::Panic => "panic",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The kind whose [`as_str`](Self::as_str) is `name`.
    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Kinds that come from an access restriction or a milter verdict: the
    /// ones that get a `restriction` inferred from their reply text.
    pub fn is_policy_action(self) -> bool {
        self.index() <= EventKind::ProxyReject.index()
    }
}

/// One event, every field a slice of the input line (or a number parsed from
/// it). Fields a line does not carry stay `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Event<'a> {
    pub ts: Micros,
    pub host: &'a str,
    pub instance: &'a str,
    pub daemon: &'a str,
    pub pid: Option<u32>,
    pub kind: EventKind,
    /// The action word as logged (`reject`, `milter-reject`, `replace`, …).
    pub action: Option<&'a str>,
    pub queue_id: Option<&'a str>,
    /// SMTP stage of an action (`RCPT`, `DATA`, `END-OF-MESSAGE`, `header`, …).
    pub stage: Option<&'a str>,
    pub client_name: Option<&'a str>,
    pub client_ip: Option<&'a str>,
    pub client_port: Option<u16>,
    /// SMTP reply code: our own for actions, the remote one for deliveries.
    pub code: Option<u16>,
    pub enhanced: Option<&'a str>,
    /// The address in `<…>` at the start of a reject reply.
    pub address: Option<&'a str>,
    /// Reply or response text without code, enhanced code and `<address>: `.
    pub reason: Option<&'a str>,
    /// The whole text as logged: the reply of an action, the `(…)` of a
    /// delivery, the message of a warning.
    pub text: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub orig_to: Option<&'a str>,
    pub proto: Option<&'a str>,
    pub helo: Option<&'a str>,
    pub sasl_method: Option<&'a str>,
    pub sasl_username: Option<&'a str>,
    pub relay_host: Option<&'a str>,
    pub relay_ip: Option<&'a str>,
    pub relay_port: Option<u16>,
    pub conn_use: Option<u32>,
    pub delay: Option<f32>,
    pub delays: Option<[f32; 4]>,
    pub tls: Option<&'a str>,
    pub dsn: Option<&'a str>,
    pub status: Option<&'a str>,
    /// The SMTP command a remote reply answered (`RCPT TO`, `end of DATA`).
    pub remote_command: Option<&'a str>,
    pub size: Option<u64>,
    pub nrcpt: Option<u32>,
    pub uid: Option<u32>,
    pub message_id: Option<&'a str>,
    /// The queue id a line points to: a bounce notification's new message,
    /// a local `forwarded as`, a relay's `queued as`.
    pub related_queue_id: Option<&'a str>,
}

/// Why a line is not an event, for the line accounting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Skip {
    /// A Postfix line of a known shape that no report uses (connect,
    /// disconnect, TLS, postscreen tests, verbose traces, …).
    Known,
    /// A syslog line of another program (dovecot, amavis, sendmail, …).
    OtherProgram,
    /// Not a syslog line at all (no timestamp or no program tag).
    NoSyslogHeader,
    /// A Postfix line we do not understand: a parser gap; `--unparsed` dumps it.
    Unrecognized,
}

// The Event variant is large, on purpose: it lives on the stack for one line
// and is moved once; boxing it would allocate per line.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LineOutcome<'a> {
    Event(Event<'a>),
    Skipped(Skip),
}

/// What the message parsers return; the envelope fields are filled in later.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MessageOutcome<'a> {
    Event(Event<'a>),
    Known,
    Unrecognized,
}

/// Parses one whole line (without its line end).
pub fn parse_line<'a>(line: &'a str, time: &TimeContext) -> LineOutcome<'a> {
    parse_line_cached(line, time, &mut MinuteCache::default())
}

/// [`parse_line`] for consecutive lines of one input, sharing a
/// [`MinuteCache`]: the same outcome, with less timestamp arithmetic.
pub fn parse_line_cached<'a>(
    line: &'a str,
    time: &TimeContext,
    minutes: &mut MinuteCache,
) -> LineOutcome<'a> {
    let envelope = match syslog::parse_envelope_cached(line, time, minutes) {
        Ok(envelope) => envelope,
        Err(_) => return LineOutcome::Skipped(Skip::NoSyslogHeader),
    };
    if !envelope.is_postfix() {
        return LineOutcome::Skipped(Skip::OtherProgram);
    }
    let (instance, daemon) = envelope.instance_and_daemon();
    match parse_message(daemon, envelope.message) {
        MessageOutcome::Event(mut event) => {
            event.ts = envelope.ts;
            event.host = envelope.host;
            event.instance = instance;
            event.daemon = daemon;
            event.pid = envelope.pid;
            LineOutcome::Event(event)
        }
        MessageOutcome::Known => LineOutcome::Skipped(Skip::Known),
        MessageOutcome::Unrecognized => LineOutcome::Skipped(Skip::Unrecognized),
    }
}

/// Parses the message part of a Postfix line, given the daemon that wrote it
/// (the last component of the syslog tag).
pub fn parse_message<'a>(daemon: &str, message: &'a str) -> MessageOutcome<'a> {
    // Most lines of a busy server are of a few known shapes that no event
    // parser takes: they are settled before the event parsers try them.
    match known::frequent(daemon, message) {
        Some(true) => return MessageOutcome::Known,
        Some(false) => return MessageOutcome::Unrecognized,
        None => {}
    }
    // Severity prefixes come first and apply to every daemon. cleanup's
    // `QID: warning: header …` has a queue id first, so it is not caught here.
    if let Some((kind, rest)) = severity(message) {
        return MessageOutcome::Event(Event {
            kind,
            text: Some(rest),
            ..Event::default()
        });
    }
    let (queue_id, rest) = fields::split_queue_id(message);
    if let Some(outcome) = actions::parse(queue_id, rest) {
        return outcome;
    }
    // Deliveries and bookkeeping belong to a queued message: `NOQUEUE: to=…`
    // or `NOQUEUE: client=…` (a before-queue proxy) are not events.
    if let Some(queue_id) = queue_id.filter(|id| *id != "NOQUEUE") {
        if let Some(event) = delivery::parse(rest) {
            return MessageOutcome::Event(Event {
                queue_id: Some(queue_id),
                ..event
            });
        }
        if let Some(outcome) = queue::parse(daemon, queue_id, rest) {
            return outcome;
        }
    }
    if known::is_known(daemon, queue_id.is_some(), rest) {
        return MessageOutcome::Known;
    }
    MessageOutcome::Unrecognized
}

fn severity(message: &str) -> Option<(EventKind, &str)> {
    // Dispatch on the first byte: four `strip_prefix` calls on every line
    // were four `memcmp` calls.
    let (kind, prefix) = match message.as_bytes().first()? {
        b'w' => (EventKind::Warning, "warning: "),
        b'e' => (EventKind::Error, "error: "),
        b'f' => (EventKind::Fatal, "fatal: "),
        b'p' => (EventKind::Panic, "panic: "),
        _ => return None,
    };
    Some((kind, message.strip_prefix(prefix)?))
}
