//! The event frame: one row per [`Event`], one typed column per field.
//!
//! [`FrameBuilder`] is filled by one rayon worker per chunk and finished into a
//! polars [`DataFrame`]; the chunk frames are stacked in input order. A run
//! builds only the rows and columns its output reads ([`Projection`]), and
//! the columns of [`CATEGORICAL`] as categoricals. The column names, types
//! and meanings live in [`SCHEMA`] only: the README's schema table and
//! `--group-by`'s validation are generated from it.

pub mod rows;

use polars::chunked_array::builder::CategoricalChunkedBuilder;
use polars::prelude::*;

use crate::parse::fields::domain_of;
use crate::parse::{Event, EventKind};
use crate::restriction;

/// Column names, one const each, so that reports never spell them twice.
pub mod col {
    pub const TS: &str = "ts";
    pub const HOST: &str = "host";
    pub const INSTANCE: &str = "instance";
    pub const DAEMON: &str = "daemon";
    pub const PID: &str = "pid";
    pub const KIND: &str = "kind";
    pub const ACTION: &str = "action";
    pub const QUEUE_ID: &str = "queue_id";
    pub const STAGE: &str = "stage";
    pub const CLIENT_NAME: &str = "client_name";
    pub const CLIENT_IP: &str = "client_ip";
    pub const CLIENT_PORT: &str = "client_port";
    pub const CODE: &str = "code";
    pub const ENHANCED: &str = "enhanced";
    pub const ADDRESS: &str = "address";
    pub const REASON: &str = "reason";
    pub const RESTRICTION: &str = "restriction";
    pub const TEXT: &str = "text";
    pub const FROM: &str = "from";
    pub const FROM_DOMAIN: &str = "from_domain";
    pub const TO: &str = "to";
    pub const TO_DOMAIN: &str = "to_domain";
    pub const ORIG_TO: &str = "orig_to";
    pub const PROTO: &str = "proto";
    pub const HELO: &str = "helo";
    pub const SASL_METHOD: &str = "sasl_method";
    pub const SASL_USERNAME: &str = "sasl_username";
    pub const RELAY_HOST: &str = "relay_host";
    pub const RELAY_IP: &str = "relay_ip";
    pub const RELAY_PORT: &str = "relay_port";
    pub const CONN_USE: &str = "conn_use";
    pub const DELAY: &str = "delay";
    pub const DELAY_BEFORE_QMGR: &str = "delay_before_qmgr";
    pub const DELAY_IN_QMGR: &str = "delay_in_qmgr";
    pub const DELAY_CONNECT: &str = "delay_connect";
    pub const DELAY_TRANSMIT: &str = "delay_transmit";
    pub const TLS: &str = "tls";
    pub const DSN: &str = "dsn";
    pub const STATUS: &str = "status";
    pub const REMOTE_COMMAND: &str = "remote_command";
    pub const SIZE: &str = "size";
    pub const NRCPT: &str = "nrcpt";
    pub const UID: &str = "uid";
    pub const MESSAGE_ID: &str = "message_id";
    pub const RELATED_QUEUE_ID: &str = "related_queue_id";
    pub const COUNTERS: &str = "counters";
    pub const TLS_LEVEL: &str = "tls_level";
    pub const TLS_PROTOCOL: &str = "tls_protocol";
    pub const TLS_CIPHER: &str = "tls_cipher";
    pub const TLS_BITS: &str = "tls_bits";
    pub const VALUE: &str = "value";
    pub const DNSBL: &str = "dnsbl";
    pub const INPUT: &str = "input";
    pub const OFFSET: &str = "offset";
}

/// (column, type, meaning, example), in frame order.
pub const SCHEMA: &[(&str, &str, &str, &str)] = &[
    (col::TS, "datetime[μs, UTC]", "time of the log line, converted to UTC", "2026-11-23 14:04:29.000000 UTC"),
    (col::HOST, "str", "host name from the syslog header", "relay"),
    (col::INSTANCE, "str", "syslog_name and service: `postfix`, `postfix/submission`, `postfix-out`", "postfix/submission"),
    (col::DAEMON, "str", "Postfix program: `smtpd`, `postscreen`, `cleanup`, `qmgr`, `smtp`, `local`, …", "smtpd"),
    (col::PID, "u32", "process id", "4508"),
    (col::KIND, "str", "event kind: reject, reject_warning, hold, discard, filter, redirect, milter_reject, milter_hold, milter_discard, content_check, proxy_accept, proxy_reject, delivery, queued, removed, expired, client, pickup, message_id, notification, connect, disconnect, lost_connection, timeout, too_many_errors, tls, sasl_failure, postscreen, anvil, connect_error, master, postsuper, warning, error, fatal, panic", "reject"),
    (col::ACTION, "str", "action word as logged (`reject`, `milter-reject`, `replace`, …); postscreen's verdict (`PASS OLD`, `DNSBL`, `PREGREET`, …) or `listed`; anvil's `connection rate`, …; master's `started`, `reload`, …; postsuper's `deleted`, `held`, …", "reject"),
    (col::QUEUE_ID, "str", "queue id; null for NOQUEUE", "3B4E2B42C1"),
    (col::STAGE, "str", "SMTP stage of an action or of a session's end: CONNECT, HELO, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, BDAT, END-OF-MESSAGE, VRFY, UNKNOWN, header, body; postscreen's test (`tests after SMTP handshake`)", "RCPT"),
    (col::CLIENT_NAME, "str", "SMTP client host name (`unknown` without reverse DNS; a warning's unverified `hostname H`)", "unknown"),
    (col::CLIENT_IP, "str", "SMTP client address", "127.0.0.5"),
    (col::CLIENT_PORT, "u16", "SMTP client port (postscreen, smtpd_client_port_logging)", "36942"),
    (col::CODE, "u16", "SMTP reply code: ours for actions, the remote server's for deliveries and smtp SASL failures", "550"),
    (col::ENHANCED, "str", "enhanced status code of the reply (`5.1.1`)", "5.1.1"),
    (col::ADDRESS, "str", "the `<address>` a reject reply names", "jdoe@erg.school"),
    (col::REASON, "str", "reply text without codes and address (a SASL failure's reason, a connect error), or the message of a warning, error, fatal error, panic or master line; addresses, IPs and queue ids replaced (`ADDR`, `[IP]`, `QID`) so that it groups", "Recipient address rejected: User unknown in virtual mailbox table"),
    (col::RESTRICTION, "str", "restriction inferred from the reply: `reject_unlisted_recipient`, `reject_rbl_client zen.spamhaus.org`, …; `unknown` if no rule matched", "reject_unlisted_recipient"),
    (col::TEXT, "str", "full text as logged: the reply of an action, the `(…)` of a delivery, a warning's message; the state an smtp session broke in, the details after a TLS summary's bits, postscreen's client input, a dnsblog answer, anvil's service, master's message", "550 5.1.1 <jdoe@erg.school>: Recipient address rejected: …"),
    (col::FROM, "str", "envelope sender as logged; empty string for the null sender `<>`", "noreply@xamxam.example"),
    (col::FROM_DOMAIN, "str", "sender domain, lower-cased", "xamxam.example"),
    (col::TO, "str", "recipient as logged", "jdoe@erg.school"),
    (col::TO_DOMAIN, "str", "recipient domain, lower-cased", "erg.school"),
    (col::ORIG_TO, "str", "original recipient before aliasing", "postmaster@relay.xamxam.example"),
    (col::PROTO, "str", "SMTP or ESMTP", "ESMTP"),
    (col::HELO, "str", "HELO/EHLO name the client gave", "app01.xamxam.example"),
    (col::SASL_METHOD, "str", "SASL mechanism of an authenticated client (or of a failed authentication)", "PLAIN"),
    (col::SASL_USERNAME, "str", "SASL user of an authenticated client (or of a failed authentication, Postfix 3.9+)", "vmail@uhu-banane.net"),
    (col::RELAY_HOST, "str", "next hop host name, or `none`, `local`, `virtual`, a pipe transport; the server of an smtp session line", "mx.greylist.example"),
    (col::RELAY_IP, "str", "next hop address (or `private/socket`); postscreen `CONNECT`: the local address", "127.0.0.20"),
    (col::RELAY_PORT, "u16", "next hop port; postscreen `CONNECT`: the local port", "25"),
    (col::CONN_USE, "u32", "connection reuse count", "2"),
    (col::DELAY, "f32", "seconds from arrival to this delivery attempt", "0.05"),
    (col::DELAY_BEFORE_QMGR, "f32", "delays a: before the queue manager", "0.01"),
    (col::DELAY_IN_QMGR, "f32", "delays b: in the queue manager", "0"),
    (col::DELAY_CONNECT, "f32", "delays c: connection setup", "0.02"),
    (col::DELAY_TRANSMIT, "f32", "delays d: transmission", "0.02"),
    (col::TLS, "str", "TLS feature status of a delivery (Postfix 3.11 `tls=`)", "may"),
    (col::DSN, "str", "delivery status notification code (`5.1.1`)", "4.7.1"),
    (col::STATUS, "str", "sent, deferred, bounced, expired, force-expired, SOFTBOUNCE, deliverable, undeliverable, …", "deferred"),
    (col::REMOTE_COMMAND, "str", "SMTP command a remote reply answered (`RCPT TO`, `end of DATA`)", "RCPT TO"),
    (col::SIZE, "u64", "message size in bytes (qmgr)", "175061"),
    (col::NRCPT, "u32", "number of recipients (qmgr)", "1"),
    (col::UID, "u32", "submitting user id (pickup)", "0"),
    (col::MESSAGE_ID, "str", "Message-ID header (cleanup)", "20261123140429.3B4E2B42C1@relay.xamxam.example"),
    (col::RELATED_QUEUE_ID, "str", "queue id this line points to: a notification's new message, `queued as`, `forwarded as`", "5A45B1D9B6"),
    (col::COUNTERS, "str", "smtpd's command counters at `disconnect`, as logged", "ehlo=2 starttls=1 quit=1 commands=4"),
    (col::TLS_LEVEL, "str", "TLS trust level: Anonymous, Untrusted, Trusted, Verified", "Anonymous"),
    (col::TLS_PROTOCOL, "str", "TLS protocol version", "TLSv1.3"),
    (col::TLS_CIPHER, "str", "TLS cipher (OpenSSL name)", "TLS_AES_256_GCM_SHA384"),
    (col::TLS_BITS, "u16", "TLS cipher bits in use", "256"),
    (col::VALUE, "u32", "a number the line states: DNSBL rank, PREGREET bytes, anvil maximum, postsuper message count, lost-connection DATA bytes, signal, PID", "3"),
    (col::DNSBL, "str", "the DNS list of a dnsblog answer", "zen.spamhaus.org"),
    (col::INPUT, "u16", "which input the line is in: its position among the inputs as read, in the order of their content (0 for the first)", "0"),
    (col::OFFSET, "u64", "the byte offset of the line's start in its input (decompressed; of its record, for journalctl's JSON), the same whether the input was mapped or read in blocks", "10422"),
];

/// Columns whose values repeat: a small vocabulary (kind, status, …), or
/// values that recur across events (recipients, client addresses, reasons).
/// They are built as categoricals (global categories) and stored as such
/// (dictionary encoded) in Parquet. Their [`SCHEMA`] type stays `str`: that
/// is what their values are. Measured on a 1.1 GB log (BENCHMARKS.md): the
/// default reports took 44 ms instead of 100 ms, and peak memory was 98 MB
/// instead of 211 MB with string columns. `from` too (schema 4): a null
/// costs 4 bytes instead of a 16-byte view (`--report summary` on that log
/// peaked at 271 MB instead of 296 MB). `queue_id` stays a string: nearly
/// every message has its own, and adding each to the global categories
/// took a quarter more time on a log of distinct ids, for little memory.
pub const CATEGORICAL: &[&str] = &[
    col::HOST,
    col::INSTANCE,
    col::DAEMON,
    col::KIND,
    col::ACTION,
    col::FROM,
    col::STAGE,
    col::ENHANCED,
    col::RESTRICTION,
    col::PROTO,
    col::SASL_METHOD,
    col::TLS,
    col::DSN,
    col::STATUS,
    col::REMOTE_COMMAND,
    col::TO_DOMAIN,
    col::REASON,
    col::RELAY_HOST,
    col::FROM_DOMAIN,
    col::TO,
    col::CLIENT_IP,
    col::CLIENT_NAME,
    col::RELAY_IP,
    col::SASL_USERNAME,
    col::HELO,
    col::TLS_LEVEL,
    col::TLS_PROTOCOL,
    col::TLS_CIPHER,
    col::DNSBL,
];

type StrB = StringChunkedBuilder;
type CatB = CategoryBuilder;
type U16B = PrimitiveChunkedBuilder<UInt16Type>;
type U32B = PrimitiveChunkedBuilder<UInt32Type>;
type U64B = PrimitiveChunkedBuilder<UInt64Type>;
type F32B = PrimitiveChunkedBuilder<Float32Type>;

/// Declares the builder struct, its constructor and `finish` from one list,
/// so a column cannot be added in one place and forgotten in another. A
/// column outside the [`Projection`] has no builder and costs one branch.
macro_rules! builders {
    ($( $field:ident : $ty:ident = $name:expr ),* $(,)?) => {
        /// Column builders for one chunk of input.
        pub struct FrameBuilder {
            ts: PrimitiveChunkedBuilder<Int64Type>,
            $( $field: Option<$ty>, )*
            rows: usize,
            /// Reused buffer: lower-cased domains.
            scratch: String,
            /// The last reason normalized (of policy actions, and of other
            /// events: deliveries interleave with rejects), and the last
            /// restriction inferred.
            normalized: [Memo; 2],
            inferred: Memo,
        }

        impl FrameBuilder {
            /// Builders for the columns of `projection`, each with room for
            /// `capacity` rows.
            pub fn new(projection: &Projection, capacity: usize) -> Self {
                FrameBuilder {
                    ts: PrimitiveChunkedBuilder::new(col::TS.into(), capacity),
                    $( $field: projection
                        .has_column($name)
                        .then(|| <$ty>::new($name.into(), capacity)), )*
                    rows: 0,
                    scratch: String::new(),
                    normalized: Default::default(),
                    inferred: Memo::default(),
                }
            }

            /// The frame of this chunk, columns in [`SCHEMA`] order.
            pub fn finish(self) -> DataFrame {
                let ts = self
                    .ts
                    .finish()
                    .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
                    .into_column();
                let mut columns = vec![ts];
                $( columns.extend(self.$field.map(|b| b.finish().into_column())); )*
                let order = |c: &Column| SCHEMA.iter().position(|(n, ..)| *n == c.name().as_str());
                columns.sort_by_key(order);
                DataFrame::new(self.rows, columns).expect("every column has one value per row")
            }

            /// [`FrameBuilder::finish`], each column copied to its exact
            /// length: for a frame kept to the end of the run. The
            /// builders' room is a guess made before the chunk is parsed
            /// (a row per KB of input), and a finished column keeps its
            /// builder's allocation: the default reports keep a row per
            /// 2 KB of a busy relay's log, so half of every column was
            /// room never used (200 MB of 760 MB on 4.8 GB of logs). The
            /// copy is of one chunk's rows, on the worker that parsed it.
            pub fn finish_compact(self) -> DataFrame {
                let frame = self.finish();
                if frame.height() == 0 {
                    return frame;
                }
                // Column by column on this thread: `DataFrame::take` would
                // hand the columns to polars' own thread pool.
                let all = IdxCa::from_vec("rows".into(), (0..frame.height() as IdxSize).collect());
                let columns = frame
                    .columns()
                    .iter()
                    .map(|c| c.take(&all).expect("every row index is in the column"))
                    .collect();
                DataFrame::new(frame.height(), columns).expect("the frame's own columns")
            }
        }
    };
}

builders! {
    host: CatB = col::HOST,
    instance: CatB = col::INSTANCE,
    daemon: CatB = col::DAEMON,
    pid: U32B = col::PID,
    kind: CatB = col::KIND,
    action: CatB = col::ACTION,
    queue_id: StrB = col::QUEUE_ID,
    stage: CatB = col::STAGE,
    client_name: CatB = col::CLIENT_NAME,
    client_ip: CatB = col::CLIENT_IP,
    client_port: U16B = col::CLIENT_PORT,
    code: U16B = col::CODE,
    enhanced: CatB = col::ENHANCED,
    address: StrB = col::ADDRESS,
    reason: CatB = col::REASON,
    restriction: CatB = col::RESTRICTION,
    text: StrB = col::TEXT,
    from: CatB = col::FROM,
    from_domain: CatB = col::FROM_DOMAIN,
    to: CatB = col::TO,
    to_domain: CatB = col::TO_DOMAIN,
    orig_to: StrB = col::ORIG_TO,
    proto: CatB = col::PROTO,
    helo: CatB = col::HELO,
    sasl_method: CatB = col::SASL_METHOD,
    sasl_username: CatB = col::SASL_USERNAME,
    relay_host: CatB = col::RELAY_HOST,
    relay_ip: CatB = col::RELAY_IP,
    relay_port: U16B = col::RELAY_PORT,
    conn_use: U32B = col::CONN_USE,
    delay: F32B = col::DELAY,
    delay_a: F32B = col::DELAY_BEFORE_QMGR,
    delay_b: F32B = col::DELAY_IN_QMGR,
    delay_c: F32B = col::DELAY_CONNECT,
    delay_d: F32B = col::DELAY_TRANSMIT,
    tls: CatB = col::TLS,
    dsn: CatB = col::DSN,
    status: CatB = col::STATUS,
    remote_command: CatB = col::REMOTE_COMMAND,
    size: U64B = col::SIZE,
    nrcpt: U32B = col::NRCPT,
    uid: U32B = col::UID,
    message_id: StrB = col::MESSAGE_ID,
    related_queue_id: StrB = col::RELATED_QUEUE_ID,
    counters: StrB = col::COUNTERS,
    tls_level: CatB = col::TLS_LEVEL,
    tls_protocol: CatB = col::TLS_PROTOCOL,
    tls_cipher: CatB = col::TLS_CIPHER,
    tls_bits: U16B = col::TLS_BITS,
    value: U32B = col::VALUE,
    dnsbl: CatB = col::DNSBL,
    input: U16B = col::INPUT,
    offset: U64B = col::OFFSET,
}

/// A categorical column (global categories) with the builder interface of
/// polars' other column builders. The columns of [`CATEGORICAL`] are built
/// this way: 4 bytes a row instead of a 16-byte string view (and the string
/// itself when it is longer than 12 bytes); reports filter, group and count
/// distinct values by code.
pub struct CategoryBuilder {
    builder: CategoricalChunkedBuilder<Categorical32Type>,
    /// The builder's categories (the global ones).
    mapping: Arc<CategoricalMapping>,
    /// Consecutive rows often repeat a column's value: a tenth of a
    /// default report's time went to looking the same values up again.
    memo: rows::CodeMemo,
}

impl CategoryBuilder {
    fn new(name: PlSmallStr, capacity: usize) -> Self {
        let dtype = DataType::from_categories(Categories::global());
        let DataType::Categorical(_, mapping) = &dtype else {
            unreachable!("from_categories makes a categorical type")
        };
        let mapping = mapping.clone();
        let mut builder = CategoricalChunkedBuilder::new(name, dtype);
        builder.reserve(capacity);
        CategoryBuilder {
            builder,
            mapping,
            memo: rows::CodeMemo::default(),
        }
    }

    fn append_option(&mut self, value: Option<&str>) {
        match value {
            Some(value) => self.append_value(value),
            None => self.builder.append_null(),
        }
    }

    fn append_value(&mut self, value: &str) {
        // The memo's codes are of the global categories, which are the
        // builder's: appended as they are.
        let code = self.memo.code(value);
        self.builder
            .append_cat(code, &self.mapping)
            .expect("a code of the builder's own categories");
    }

    fn append_null(&mut self) {
        self.builder.append_null();
    }

    fn finish(self) -> Categorical32Chunked {
        self.builder.finish()
    }
}

/// Appends `value` to the column's builder, if the column is built.
macro_rules! put {
    ($builder:expr, $value:expr) => {
        if let Some(builder) = &mut $builder {
            builder.append_option($value);
        }
    };
}

impl FrameBuilder {
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Appends `e`, logged at `at`.
    pub fn push(&mut self, e: &Event<'_>, at: Location) {
        self.rows += 1;
        put!(self.input, Some(at.input));
        put!(self.offset, Some(at.offset));
        self.ts.append_value(e.ts);
        put!(self.host, Some(e.host));
        put!(self.instance, Some(e.instance));
        put!(self.daemon, Some(e.daemon));
        put!(self.pid, e.pid);
        put!(self.kind, Some(e.kind.as_str()));
        put!(self.action, e.action);
        put!(self.queue_id, e.queue_id);
        put!(self.stage, e.stage);
        put!(self.client_name, e.client_name);
        put!(self.client_ip, e.client_ip);
        put!(self.client_port, e.client_port);
        put!(self.code, e.code);
        put!(self.enhanced, e.enhanced);
        put!(self.address, e.address);
        put!(self.text, e.text);
        put!(self.from, e.from);
        put!(self.to, e.to);
        put!(self.orig_to, e.orig_to);
        put!(self.proto, e.proto);
        put!(self.helo, e.helo);
        put!(self.sasl_method, e.sasl_method);
        put!(self.sasl_username, e.sasl_username);
        put!(self.relay_host, e.relay_host);
        put!(self.relay_ip, e.relay_ip);
        put!(self.relay_port, e.relay_port);
        put!(self.conn_use, e.conn_use);
        put!(self.delay, e.delay);
        let delays = e.delays;
        put!(self.delay_a, delays.map(|d| d[0]));
        put!(self.delay_b, delays.map(|d| d[1]));
        put!(self.delay_c, delays.map(|d| d[2]));
        put!(self.delay_d, delays.map(|d| d[3]));
        put!(self.tls, e.tls);
        put!(self.dsn, e.dsn);
        put!(self.status, e.status);
        put!(self.remote_command, e.remote_command);
        put!(self.size, e.size);
        put!(self.nrcpt, e.nrcpt);
        put!(self.uid, e.uid);
        put!(self.message_id, e.message_id);
        put!(self.related_queue_id, e.related_queue_id);
        put!(self.counters, e.counters);
        put!(self.tls_level, e.tls_level);
        put!(self.tls_protocol, e.tls_protocol);
        put!(self.tls_cipher, e.tls_cipher);
        put!(self.tls_bits, e.tls_bits);
        put!(self.value, e.value);
        put!(self.dnsbl, e.dnsbl);

        let scratch = &mut self.scratch;
        if let Some(builder) = &mut self.from_domain {
            append_domain(builder, e.from, scratch);
        }
        if let Some(builder) = &mut self.to_domain {
            append_domain(builder, e.to, scratch);
        }
        if let Some(builder) = &mut self.reason {
            // A problem report's reason is its message, condensed as replies
            // are (`warning: hash:/etc/postfix/x is unavailable. …`); so is
            // master's (`daemon started -- version 3.7.11, …`).
            let problem = matches!(
                e.kind,
                EventKind::Warning
                    | EventKind::Error
                    | EventKind::Fatal
                    | EventKind::Panic
                    | EventKind::Master
            );
            let reason = e.reason.or(if problem { e.text } else { None });
            match reason {
                Some(reason) => {
                    let memo = &mut self.normalized[usize::from(e.kind.is_policy_action())];
                    builder.append_value(memo.get(reason, |out| {
                        restriction::normalize_reason(reason, out);
                    }))
                }
                None => builder.append_null(),
            }
        }
        if let Some(builder) = &mut self.restriction {
            if e.kind.is_policy_action() {
                let reason = e.reason.unwrap_or("");
                let infer = |out: &mut String| {
                    restriction::infer(e.kind, e.stage, reason).write_to(out);
                };
                if restriction::depends_on_reason_only(e.kind, e.stage) {
                    builder.append_value(self.inferred.get(reason, infer));
                } else {
                    infer(scratch);
                    builder.append_value(scratch.as_str());
                }
            } else {
                builder.append_null();
            }
        }
    }
}

/// Where an event's line is: the input and the byte offset of its start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Location {
    pub input: u16,
    pub offset: u64,
}

/// The last input of a derivation from a reason, and its result: a reject
/// usually follows another with the same reply, and comparing two strings
/// costs less than normalizing a reply or matching it against the
/// restriction texts. The buffers are reused: no allocation once warm.
#[derive(Default)]
struct Memo {
    input: Option<String>,
    output: String,
}

impl Memo {
    fn get(&mut self, input: &str, derive: impl FnOnce(&mut String)) -> &str {
        if self.input.as_deref() != Some(input) {
            derive(&mut self.output);
            let buffer = self.input.get_or_insert_with(String::new);
            buffer.clear();
            buffer.push_str(input);
        }
        &self.output
    }
}

/// Appends the lower-cased domain of `address` (null if it has none).
fn append_domain(builder: &mut CatB, address: Option<&str>, scratch: &mut String) {
    match address.and_then(domain_of) {
        Some(domain) if domain.bytes().any(|b| b.is_ascii_uppercase()) => {
            scratch.clear();
            scratch.push_str(domain);
            scratch.make_ascii_lowercase();
            builder.append_value(scratch.as_str());
        }
        Some(domain) => builder.append_value(domain),
        None => builder.append_null(),
    }
}

/// An empty frame with the columns of `projection`, for inputs without events.
pub fn empty(projection: &Projection) -> DataFrame {
    FrameBuilder::new(projection, 0).finish()
}

/// The part of the events a run keeps in its frame: which rows and which
/// columns. Reports ask for a few kinds and columns, and building the rest
/// would be most of a run's time and memory (on the 1.1 GB bench log, 473 k
/// rows of 12 columns instead of 1.47 M rows of 45: BENCHMARKS.md; the
/// session events since then make the full frame larger still);
/// `--parquet` and `--group-by` ask for more.
///
/// `ts` is always built. The line counts and each kind's time span are kept
/// by the scan for every event, whatever the projection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Projection {
    /// Bit i: column `SCHEMA[i]` is built.
    columns: u64,
    /// Bit k: every event of kind `EventKind::ALL[k]` is kept.
    kinds: u64,
    /// Bit k: events of kind k that name a recipient (`to=`) are kept.
    recipient_kinds: u64,
    /// Bit k: events of kind k that name a SASL user (`sasl_username=`)
    /// are kept.
    authenticated_kinds: u64,
    /// Bit k: events of kind k go to the scan's
    /// [`crate::sessions::SessionStats`] (smtpd, TLS and postscreen
    /// sessions counted, not kept as rows).
    session_kinds: u64,
    /// Bit k: events of kind k go to the messages, which the scan puts
    /// together as it reads ([`crate::messages`]): kept as rows only if
    /// `kinds` asks too.
    message_kinds: u64,
    /// Bit i: the messages read column `SCHEMA[i]` of their events.
    message_columns: u64,
}

impl Projection {
    /// Every row and every column: the frame `--parquet` writes.
    pub const ALL: Projection = Projection {
        columns: (1 << SCHEMA.len()) - 1,
        kinds: (1 << EventKind::ALL.len()) - 1,
        recipient_kinds: 0,
        authenticated_kinds: 0,
        session_kinds: (1 << EventKind::ALL.len()) - 1,
        message_kinds: 0,
        message_columns: 0,
    };

    /// No rows; only `ts`.
    pub const NONE: Projection = Projection {
        columns: 1,
        kinds: 0,
        recipient_kinds: 0,
        authenticated_kinds: 0,
        session_kinds: 0,
        message_kinds: 0,
        message_columns: 0,
    };

    /// Also build these columns.
    ///
    /// # Panics
    /// On a name that is not in [`SCHEMA`]: a report asking for a column
    /// that does not exist is a bug, not an input problem.
    pub fn with_columns(mut self, names: &[&str]) -> Self {
        self.columns |= column_bits(names);
        self
    }

    /// Also put the messages together from events of these kinds, reading
    /// these columns of them (besides `ts`).
    pub fn with_messages_of(mut self, kinds: &[EventKind], columns: &[&str]) -> Self {
        self.message_kinds |= kind_bits(kinds);
        self.message_columns |= column_bits(columns);
        self
    }

    /// Whether the scan puts messages together.
    pub fn folds_messages(&self) -> bool {
        self.message_kinds != 0
    }

    /// The rows and columns the messages read, as a projection of their
    /// own (the scan builds a block's message rows with it).
    pub fn of_messages(&self) -> Projection {
        Projection {
            columns: self.message_columns | 1,
            kinds: self.message_kinds,
            ..Projection::NONE
        }
    }

    /// Also keep every event of these kinds.
    pub fn with_kinds(mut self, kinds: &[EventKind]) -> Self {
        self.kinds |= kind_bits(kinds);
        self
    }

    /// Also keep the events of these kinds that name a recipient.
    pub fn with_recipients_of(mut self, kinds: &[EventKind]) -> Self {
        self.recipient_kinds |= kind_bits(kinds);
        self
    }

    /// Also keep the events of these kinds that name a SASL user: of the
    /// `client=` lines (one per message), only the authenticated ones.
    pub fn with_authenticated_of(mut self, kinds: &[EventKind]) -> Self {
        self.authenticated_kinds |= kind_bits(kinds);
        self
    }

    /// Rows and columns of both.
    pub fn union(self, other: Projection) -> Self {
        Projection {
            columns: self.columns | other.columns,
            kinds: self.kinds | other.kinds,
            recipient_kinds: self.recipient_kinds | other.recipient_kinds,
            authenticated_kinds: self.authenticated_kinds | other.authenticated_kinds,
            session_kinds: self.session_kinds | other.session_kinds,
            message_kinds: self.message_kinds | other.message_kinds,
            message_columns: self.message_columns | other.message_columns,
        }
    }

    /// Also gather the session statistics.
    pub fn with_session_stats(mut self) -> Self {
        self.session_kinds |= kind_bits(crate::sessions::SessionStats::KINDS);
        self
    }

    /// Also count the messages accepted from each client address (smtpd's
    /// `client=` lines) in the session statistics, without keeping the
    /// lines as rows: one per message, a third of the default report's
    /// rows when they were kept.
    pub fn with_accepted_clients(mut self) -> Self {
        self.session_kinds |= kind_bits(&[EventKind::Client]);
        self
    }

    /// Whether `event` goes to the session statistics.
    #[inline]
    pub fn gathers(&self, event: &Event<'_>) -> bool {
        self.session_kinds & (1u64 << event.kind.index()) != 0
    }

    /// Keeps rows of these kinds only (`--event`).
    pub fn only_kinds(self, kinds: &[EventKind]) -> Self {
        let bits = kind_bits(kinds);
        Projection {
            kinds: self.kinds & bits,
            recipient_kinds: self.recipient_kinds & bits,
            authenticated_kinds: self.authenticated_kinds & bits,
            session_kinds: self.session_kinds & bits,
            message_kinds: self.message_kinds & bits,
            ..self
        }
    }

    pub fn has_column(&self, name: &str) -> bool {
        SCHEMA
            .iter()
            .position(|(n, ..)| *n == name)
            .is_some_and(|i| self.columns & (1 << i) != 0)
    }

    /// Whether `event` gets a row.
    pub fn keeps(&self, event: &Event<'_>) -> bool {
        let bit = 1u64 << event.kind.index();
        self.kinds & bit != 0
            || (self.recipient_kinds & bit != 0 && event.to.is_some())
            || (self.authenticated_kinds & bit != 0 && event.sasl_username.is_some())
    }
}

// The bit sets above hold one bit per column and per kind.
const _: () = assert!(SCHEMA.len() < 64 && EventKind::ALL.len() < 64);

/// # Panics
/// On a name that is not in [`SCHEMA`] (see [`Projection::with_columns`]).
fn column_bits(names: &[&str]) -> u64 {
    names.iter().fold(0, |bits, name| {
        let index = SCHEMA
            .iter()
            .position(|(n, ..)| n == name)
            .unwrap_or_else(|| panic!("no column {name} in the schema"));
        bits | 1 << index
    })
}

fn kind_bits(kinds: &[EventKind]) -> u64 {
    kinds.iter().fold(0, |bits, k| bits | 1 << k.index())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_categorical_columns_are_those_listed() {
        let frame = empty(&Projection::ALL);
        let built: Vec<&str> = frame
            .columns()
            .iter()
            .filter(|c| matches!(c.dtype(), DataType::Categorical(..)))
            .map(|c| c.name().as_str())
            .collect();
        let mut listed = CATEGORICAL.to_vec();
        listed.sort_by_key(|name| SCHEMA.iter().position(|(n, ..)| n == name));
        assert_eq!(built, listed);
    }

    /// The `kind` column's documentation names every kind, in order.
    #[test]
    fn the_kind_column_lists_every_kind() {
        let (_, _, meaning, _) = SCHEMA.iter().find(|(n, ..)| *n == col::KIND).unwrap();
        let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(*meaning, format!("event kind: {}", names.join(", ")));
    }

    #[test]
    fn a_projection_builds_its_columns_and_keeps_its_rows() {
        let projection = Projection::NONE
            .with_kinds(&[EventKind::Reject])
            .with_recipients_of(&[EventKind::Hold])
            .with_columns(&[col::KIND, col::TO]);
        let frame = empty(&projection);
        let names: Vec<&str> = frame
            .get_column_names()
            .iter()
            .map(|n| n.as_str())
            .collect();
        assert_eq!(names, [col::TS, col::KIND, col::TO]);
        let event = |kind, to| Event {
            to,
            ..Event::new(kind)
        };
        assert!(projection.keeps(&event(EventKind::Reject, None)));
        assert!(projection.keeps(&event(EventKind::Hold, Some("a@b"))));
        assert!(!projection.keeps(&event(EventKind::Hold, None)));
        assert!(!projection.keeps(&event(EventKind::Delivery, Some("a@b"))));
        let only = projection.only_kinds(&[EventKind::Hold]);
        assert!(!only.keeps(&event(EventKind::Reject, None)));
        assert!(only.keeps(&event(EventKind::Hold, Some("a@b"))));
    }
}
