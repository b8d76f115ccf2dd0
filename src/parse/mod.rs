//! From one log line to one [`LineOutcome`]: an [`Event`] borrowing from the
//! line, a known Postfix line we do not report on, or a reason it was skipped.
//!
//! Layers, each in its own module:
//! - [`syslog`]: timestamp, host, `program[pid]`;
//! - [`actions`]: smtpd/postscreen/cleanup `reject`, `reject_warning`, `hold`, …;
//! - [`delivery`]: `to=<…>, relay=…, status=…` lines of every delivery agent;
//! - [`queue`]: qmgr, pickup, cleanup, bounce and smtpd `client=` bookkeeping;
//! - [`session`]: smtpd and smtp/lmtp sessions: connect, disconnect, how a
//!   session ended, TLS, connection and SASL failures;
//! - [`postscreen`]: postscreen's verdicts, dnsblog's answers, tlsproxy;
//! - [`status`]: master, postfix-script, anvil and postsuper status lines;
//! - [`warnings`]: severity lines and the client or queue id they name;
//! - [`known`]: recognised lines that carry no event (verbose traces, …);
//! - [`fields`]: small shared pieces (`name[addr]:port`, `<addr>`, replies).
//!
//! Every function here takes `&str` slices and returns slices of them: no
//! allocation per line.

pub mod actions;
pub mod delivery;
pub mod fields;
pub mod known;
pub mod postscreen;
pub mod queue;
pub mod session;
pub mod status;
pub mod syslog;
pub mod warnings;

pub use syslog::{BsdZone, Micros, MinuteCache, TimeContext, YearRule};

/// Declares [`EventKind`] from one list: each kind's variant, its name in
/// the `kind` column (and on the command line), whether it is a policy
/// action (see [`EventKind::is_policy_action`]), and its documentation.
macro_rules! event_kinds {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal $([$policy:ident])? ,)*) => {
        /// What an event is. The string names are the `kind` column's
        /// vocabulary. There is no default kind: a parser names the kind of
        /// every event it makes ([`Event::new`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum EventKind {
            $( $(#[$doc])* $variant, )*
        }

        impl EventKind {
            pub const ALL: [EventKind; [$( EventKind::$variant ),*].len()] =
                [$( EventKind::$variant ),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $( EventKind::$variant => $name, )*
                }
            }

            /// Kinds that come from an access restriction, a milter or a
            /// content filter verdict: the ones that get a `restriction`
            /// inferred from their reply text.
            pub fn is_policy_action(self) -> bool {
                match self {
                    $( EventKind::$variant => event_kinds!(@policy $($policy)?), )*
                }
            }
        }
    };
    (@policy policy) => { true };
    (@policy) => { false };
}

event_kinds! {
    /// smtpd/postscreen/cleanup `reject:` (NOQUEUE or with a queue id).
    Reject = "reject" [policy],
    /// `reject_warning:` from `warn_if_reject`: would have been rejected.
    RejectWarning = "reject_warning" [policy],
    Hold = "hold" [policy],
    Discard = "discard" [policy],
    Filter = "filter" [policy],
    Redirect = "redirect" [policy],
    MilterReject = "milter_reject" [policy],
    MilterHold = "milter_hold" [policy],
    MilterDiscard = "milter_discard" [policy],
    /// cleanup header/body checks that let mail through: `warning:`,
    /// `info:`, `replace:`, `prepend:` (the `action` column says which).
    ContentCheck = "content_check" [policy],
    /// Before-queue content filter verdicts (`proxy-accept:`, `proxy-reject:`).
    ProxyAccept = "proxy_accept" [policy],
    ProxyReject = "proxy_reject" [policy],
    /// One delivery attempt for one recipient: `status=sent|deferred|bounced|…`.
    Delivery = "delivery",
    /// qmgr `from=<s>, size=N, nrcpt=N (queue active)`.
    Queued = "queued",
    /// qmgr or postsuper `removed`.
    Removed = "removed",
    /// qmgr `status=expired|force-expired, returned to sender`.
    Expired = "expired",
    /// smtpd `QID: client=name[addr]`: a message was received.
    Client = "client",
    /// pickup `QID: uid=N from=<s>`: a message was submitted locally.
    Pickup = "pickup",
    /// cleanup `QID: message-id=<…>`.
    MessageId = "message_id",
    /// bounce `QID: sender non-delivery notification: NEWQID` and friends.
    Notification = "notification",
    /// smtpd `connect from NAME[ADDR]`: a session starts.
    Connect = "connect",
    /// smtpd `disconnect from NAME[ADDR] ehlo=1 … commands=N/M`: a session
    /// ends (the command counters in `counters`).
    Disconnect = "disconnect",
    /// smtpd `lost connection after STAGE from …`, smtp/lmtp `lost
    /// connection with HOST[ADDR] while …`.
    LostConnection = "lost_connection",
    /// smtpd `timeout after STAGE from …`, smtp/lmtp `conversation with
    /// HOST[ADDR] timed out while …`.
    Timeout = "timeout",
    /// smtpd `too many errors after STAGE from …`.
    TooManyErrors = "too_many_errors",
    /// `TRUST TLS connection established from|to PEER: PROTO with cipher …`.
    Tls = "tls",
    /// smtpd `warning: NAME[ADDR]: SASL MECH authentication failed: …`,
    /// smtp/lmtp `QID: SASL authentication failed; server …`.
    SaslFailure = "sasl_failure",
    /// postscreen's verdicts (`PASS OLD`, `DNSBL`, `PREGREET`, …, in
    /// `action`) and dnsblog's `addr A listed by domain D as R` (`listed`).
    Postscreen = "postscreen",
    /// anvil `statistics: max connection rate N/60s for (SERVICE:ADDR) …`.
    Anvil = "anvil",
    /// smtp/lmtp `connect to HOST[ADDR]:PORT: REASON`.
    ConnectError = "connect_error",
    /// master and postfix-script: the mail system started, reloaded,
    /// stopped (`action`).
    Master = "master",
    /// postsuper `Deleted: N messages`, `QID: placed on hold`, ….
    Postsuper = "postsuper",
    Warning = "warning",
    Error = "error",
    Fatal = "fatal",
    Panic = "panic",
}

impl EventKind {
    pub fn index(self) -> usize {
        self as usize
    }

    /// The kind whose [`as_str`](Self::as_str) is `name`.
    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Delivery statuses as Postfix logs them (`status=` of a delivery line,
/// written by `global/log_adhoc.c`, and the `status=` of qmgr's expiry).
/// The parser keeps the word as logged; reports name the statuses they
/// select through this type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    Sent,
    Deferred,
    Bounced,
    Expired,
    ForceExpired,
    /// `soft_bounce = yes` turned a bounce into a deferral.
    SoftBounce,
    /// Address verification (`sendmail -bv`, `verify(8)` probes).
    Deliverable,
    Undeliverable,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 8] = [
        DeliveryStatus::Sent,
        DeliveryStatus::Deferred,
        DeliveryStatus::Bounced,
        DeliveryStatus::Expired,
        DeliveryStatus::ForceExpired,
        DeliveryStatus::SoftBounce,
        DeliveryStatus::Deliverable,
        DeliveryStatus::Undeliverable,
    ];

    /// Statuses of a delivery attempt that did not deliver.
    pub const FAILED: [DeliveryStatus; 4] = [
        DeliveryStatus::Bounced,
        DeliveryStatus::Deferred,
        DeliveryStatus::SoftBounce,
        DeliveryStatus::Undeliverable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Deferred => "deferred",
            DeliveryStatus::Bounced => "bounced",
            DeliveryStatus::Expired => "expired",
            DeliveryStatus::ForceExpired => "force-expired",
            DeliveryStatus::SoftBounce => "SOFTBOUNCE",
            DeliveryStatus::Deliverable => "deliverable",
            DeliveryStatus::Undeliverable => "undeliverable",
        }
    }

    pub fn from_name(name: &str) -> Option<DeliveryStatus> {
        DeliveryStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// One event, every field a slice of the input line (or a number parsed from
/// it). Fields a line does not carry stay `None`.
#[derive(Clone, Copy, Debug, PartialEq)]
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
    /// smtpd's command counters at `disconnect`, as logged
    /// (`ehlo=1 mail=1 rcpt=0/1 data=0/1 quit=1 commands=3/5`).
    pub counters: Option<&'a str>,
    /// `Anonymous`, `Untrusted`, `Trusted` or `Verified` (TLS summary).
    pub tls_level: Option<&'a str>,
    /// `TLSv1.3`.
    pub tls_protocol: Option<&'a str>,
    /// `TLS_AES_256_GCM_SHA384`.
    pub tls_cipher: Option<&'a str>,
    /// The cipher's bits in use (the first number of `(256/256 bits)`).
    pub tls_bits: Option<u16>,
    /// A number the line states: DNSBL rank, PREGREET bytes, anvil
    /// maximum, postsuper message count, lost-connection DATA bytes, signal.
    pub value: Option<u32>,
    /// The DNS list of a dnsblog answer.
    pub dnsbl: Option<&'a str>,
}

impl<'a> Event<'a> {
    /// An event of `kind` with no field set: the envelope fields are filled
    /// in by [`parse_line`], the others by the parser that made it.
    pub const fn new(kind: EventKind) -> Event<'a> {
        Event {
            ts: 0,
            host: "",
            instance: "",
            daemon: "",
            pid: None,
            kind,
            action: None,
            queue_id: None,
            stage: None,
            client_name: None,
            client_ip: None,
            client_port: None,
            code: None,
            enhanced: None,
            address: None,
            reason: None,
            text: None,
            from: None,
            to: None,
            orig_to: None,
            proto: None,
            helo: None,
            sasl_method: None,
            sasl_username: None,
            relay_host: None,
            relay_ip: None,
            relay_port: None,
            conn_use: None,
            delay: None,
            delays: None,
            tls: None,
            dsn: None,
            status: None,
            remote_command: None,
            size: None,
            nrcpt: None,
            uid: None,
            message_id: None,
            related_queue_id: None,
            counters: None,
            tls_level: None,
            tls_protocol: None,
            tls_cipher: None,
            tls_bits: None,
            value: None,
            dnsbl: None,
        }
    }
}

impl Event<'_> {
    /// Makes this an event of `kind` without fields, unless it is one of
    /// `kind` already. For the parsers of the most frequent kinds (connect,
    /// disconnect, tls, postscreen), which build their events in the scan's
    /// reused event ([`parse_line_into`]): each is the only parser of its
    /// kind and sets every field its kind has, so an event of its kind holds
    /// no other field, and rewriting the whole event (600 bytes) is not
    /// needed when the line before was of the same kind. (Clearing only the
    /// previous kind's fields instead measured slower.)
    #[inline]
    fn reset(&mut self, kind: EventKind) {
        if self.kind != kind {
            *self = Event::new(kind);
        }
    }
}

/// Why a line is not an event, for the line accounting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Skip {
    /// A Postfix line of a known shape that carries no event (verbose
    /// traces, tlsproxy bookkeeping, postscreen's cache cleanup, …).
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

/// What a line (or a message) is, when its event, if it has one, was
/// written to the caller's [`Event`]: the scan parses every line into one
/// reused event, so that the event (over 600 bytes) is built in place, not
/// moved through the parsers' return values: on a busy server nearly every
/// line is an event (connect, disconnect, postscreen), and the moves were a
/// quarter of the run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed {
    Event,
    Skipped(Skip),
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
    let mut event = Event::new(EventKind::Warning);
    match parse_line_into(line, time, minutes, &mut event) {
        Parsed::Event => LineOutcome::Event(event),
        Parsed::Skipped(skip) => LineOutcome::Skipped(skip),
    }
}

/// [`parse_line_cached`] writing the event, if the line is one, to `event`
/// (every field of it; on other outcomes `event` holds anything).
pub fn parse_line_into<'a>(
    line: &'a str,
    time: &TimeContext,
    minutes: &mut MinuteCache,
    event: &mut Event<'a>,
) -> Parsed {
    let envelope = match syslog::parse_envelope_cached(line, time, minutes) {
        Ok(envelope) => envelope,
        Err(_) => return Parsed::Skipped(Skip::NoSyslogHeader),
    };
    if !envelope.is_postfix() {
        return Parsed::Skipped(Skip::OtherProgram);
    }
    let (instance, daemon) = envelope.instance_and_daemon();
    let parsed = parse_message_into(daemon, envelope.message, event);
    if parsed == Parsed::Event {
        event.ts = envelope.ts;
        event.host = envelope.host;
        event.instance = instance;
        event.daemon = daemon;
        event.pid = envelope.pid;
    }
    parsed
}

/// Parses the message part of a Postfix line, given the daemon that wrote it
/// (the last component of the syslog tag).
pub fn parse_message<'a>(daemon: &str, message: &'a str) -> MessageOutcome<'a> {
    let mut event = Event::new(EventKind::Warning);
    match parse_message_into(daemon, message, &mut event) {
        Parsed::Event => MessageOutcome::Event(event),
        Parsed::Skipped(Skip::Known) => MessageOutcome::Known,
        Parsed::Skipped(_) => MessageOutcome::Unrecognized,
    }
}

/// [`parse_message`] writing the event, if the message is one, to `event`.
pub fn parse_message_into<'a>(daemon: &str, message: &'a str, event: &mut Event<'a>) -> Parsed {
    // Most lines of a busy server are smtpd's `connect from` and
    // `disconnect from`, postscreen's verdicts and the TLS summaries: they
    // are decided on their first bytes, before the other parsers try them,
    // and built in place.
    match message.as_bytes().first() {
        Some(b'c') => {
            if let Some(client) = fields::strip(message, b"connect from ") {
                return session::connect(client, event);
            }
        }
        Some(b'd') => {
            if let Some(client) = fields::strip(message, b"disconnect from ") {
                return session::disconnect(client, event);
            }
        }
        Some(b'A' | b'T' | b'U' | b'V') => {
            if let Some(parsed) = session::tls(message, event) {
                return parsed;
            }
        }
        _ => {}
    }
    if let Some(parsed) = postscreen::parse(daemon, message, event) {
        return parsed;
    }
    // anvil's statistics: the general parsers would try every other shape
    // first, and none of them takes a line that starts so.
    if daemon == "anvil" {
        if let Some(max) = fields::strip(message, b"statistics: max ") {
            return status::anvil_into(max, event);
        }
    }
    other_message_into(daemon, message, event)
}

/// [`other_message`] into `event`. Out of line: its frame (an event
/// returned by value) would otherwise be set up for every line, the
/// frequent ones above included.
#[inline(never)]
fn other_message_into<'a>(daemon: &str, message: &'a str, event: &mut Event<'a>) -> Parsed {
    match other_message(daemon, message) {
        MessageOutcome::Event(other) => {
            *event = other;
            Parsed::Event
        }
        MessageOutcome::Known => Parsed::Skipped(Skip::Known),
        MessageOutcome::Unrecognized => Parsed::Skipped(Skip::Unrecognized),
    }
}

/// The messages [`parse_message_into`] does not settle on their first bytes.
fn other_message<'a>(daemon: &str, message: &'a str) -> MessageOutcome<'a> {
    // Severity prefixes come first and apply to every daemon. cleanup's
    // `QID: warning: header …` has a queue id first, so it is not caught here.
    if let Some((kind, rest)) = severity(message) {
        return MessageOutcome::Event(warnings::parse(daemon, kind, rest));
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
    if let Some(outcome) = session::parse(daemon, queue_id, rest) {
        return outcome;
    }
    if let Some(outcome) = status::parse(daemon, queue_id, rest) {
        return outcome;
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
