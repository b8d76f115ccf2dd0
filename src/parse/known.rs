//! Postfix lines we recognise but do not turn into events: session
//! bookkeeping, TLS, postscreen tests, master and postfix-script status,
//! statistics, and the traces of `-v` (verbose) daemons.
//!
//! A line listed here counts as *known* in the line accounting; anything else
//! that no parser took is *unrecognized* and shows up in `--unparsed`. Keep
//! the lists tight: a shape added here is a shape we promise to understand.

/// Session and per-attempt lines of any daemon (smtpd, smtp, lmtp, …).
const ANY_DAEMON: &[&str] = &[
    "lost connection after ",
    "timeout after ",
    "too many errors after ",
    "improper command pipelining after ",
    "Anonymous TLS connection established ",
    "Trusted TLS connection established ",
    "Verified TLS connection established ",
    "Untrusted TLS connection established ",
    "TLS connection established ",
    "bare <LF> received after ",
    "SSL_accept error from ",
    "SSL_connect error to ",
    "setting up TLS connection ",
    "connect to ",
    "lost connection with ",
    "conversation with ",
    "enabling PIX ",
    "host ",
    "client=",
    "statistics: ",
    "SSL_accept:",
    "SSL_connect:",
    "certificate verification ",
    "server certificate verification ",
    "Host offered STARTTLS",
    "initializing the server-side TLS engine",
    "initializing the client-side TLS engine",
    "mail_queue_enter: ",
    "discarding EHLO keywords",
    "table ",
];

/// Lines of postscreen, dnsblog and tlsproxy (the postscreen front end).
const POSTSCREEN: &[&str] = &[
    "CONNECT from ",
    "PASS NEW ",
    "PASS OLD ",
    "DNSBL rank ",
    "PREGREET ",
    "HANGUP after ",
    "DISCONNECT ",
    "COMMAND TIME LIMIT ",
    "COMMAND COUNT LIMIT ",
    "COMMAND LENGTH LIMIT ",
    "COMMAND PIPELINING ",
    "BARE NEWLINE ",
    "NON-SMTP COMMAND ",
    "WHITELISTED ",
    "WHITELIST VETO ",
    "ALLOWLISTED ",
    "ALLOWLIST VETO ",
    "BLACKLISTED ",
    "DENYLISTED ",
    "cache ",
    "addr ",
    "TLS handshake failed",
];

/// master(8), postfix-script and postsuper status lines.
const MASTER: &[&str] = &[
    "daemon started -- ",
    "reload -- ",
    "reload configuration ",
    "terminating on signal ",
    "daemon waiting for exit",
    "starting the Postfix mail system",
    "stopping the Postfix mail system",
    "refreshing the Postfix mail system",
    "waiting for the Postfix mail system to terminate",
    "the Postfix mail system is running",
    "the Postfix mail system is not running",
    "Postfix is running with backwards-compatible default settings",
    "See http://www.postfix.org/COMPATIBILITY_README.html",
    "To disable backwards compatibility use",
    "Deleted: ",
    "Requeued: ",
    "Placed on hold: ",
    "Released from hold: ",
];

/// With a queue id: per-message lines that are not events.
const WITH_QUEUE_ID: &[&str] = &[
    "resent-message-id=",
    "requeued",
    "placed on hold",
    "released from hold",
    "skipped, still being delivered",
    "recipient limit ",
    "host ",
    "lost connection with ",
    "conversation with ",
    "enabling PIX ",
    "Cannot start TLS",
    "SASL authentication failed; ",
    "SASL [CACHED] authentication failed; ",
    "client=",
];

pub fn is_known(daemon: &str, has_queue_id: bool, rest: &str) -> bool {
    if let Some(client) = rest
        .strip_prefix("connect from ")
        .or_else(|| rest.strip_prefix("disconnect from "))
    {
        return is_session_client(client);
    }
    let starts = |list: &[&str]| starts_with_any(rest, list);
    // postscreen and its helpers write half the lines of a busy MX: their
    // list goes first.
    if matches!(daemon, "postscreen" | "dnsblog" | "tlsproxy") && starts(POSTSCREEN) {
        return true;
    }
    if has_queue_id && starts(WITH_QUEUE_ID) {
        return true;
    }
    if starts(ANY_DAEMON) || starts(MASTER) {
        return true;
    }
    if daemon == "verify" && rest.starts_with("cache ") {
        return true;
    }
    if daemon == "postfix-script" {
        return true;
    }
    is_verbose_trace(rest)
}

/// Whether `s` starts with one of `prefixes`. Most lines match none of a
/// list: comparing the first byte before the rest spares a `memcmp` call per
/// prefix, on every line.
fn starts_with_any(s: &str, prefixes: &[&str]) -> bool {
    let s = s.as_bytes();
    let Some(&first) = s.first() else {
        return false;
    };
    prefixes
        .iter()
        .any(|p| p.as_bytes()[0] == first && s.starts_with(p.as_bytes()))
}

/// `name[addr]` (with an optional `:port`), then nothing or disconnect's
/// counters (`ehlo=1 mail=1 rcpt=0/1 … commands=4/6`). Anything else is a
/// damaged line (two lines glued together) that must not pass as known.
fn is_session_client(s: &str) -> bool {
    let Some((_, rest)) = super::fields::peer(s) else {
        return false;
    };
    rest.is_empty()
        || rest.strip_prefix(' ').is_some_and(|counters| {
            counters.split(' ').all(|c| {
                c.split_once('=').is_some_and(|(k, v)| {
                    !k.is_empty()
                        && !v.is_empty()
                        && v.bytes().all(|b| b.is_ascii_digit() || b == b'/')
                })
            })
        })
}

/// Traces of daemons run with `-v` (`debug_peer_list`, master.cf `-v`):
/// internal function names and attribute exchanges, e.g.
///
/// ```text
/// qmgr_scan_start: start incoming queue scan
/// send attr sender =
/// input attribute name: status
/// private/rewrite socket: wanted attribute: flags
/// ```
fn is_verbose_trace(rest: &str) -> bool {
    const PHRASES: &[&str] = &[
        "send attr ",
        "input attribute ",
        "private/",
        "public/",
        "request: ",
        "request ignored",
        "done incoming queue scan",
        "done deferred queue scan",
        "start sorted recipient list",
        "end sorted recipient list",
        "connection established",
        "watchdog_",
        "> ",
        "< ",
        ">>> ",
        "initial envelope ",
        "extracted envelope ",
        "mynetworks: ",
        "process generation: ",
        "fsspace: ",
        "idle timeout -- exiting",
        "master disconnect -- exiting",
        "connection closed",
        "Compiled against ",
        "Run-time linked against ",
        "start move queue ",
        "end move queue ",
        "before input_transp_cleanup: ",
        "after input_transp_cleanup: ",
        "cleanup flags = ",
        "open incoming/",
        "wakeup ",
        "pref ",
        "lookup ",
        "begin ",
        "end ",
        "connecting to ",
    ];
    if starts_with_any(rest, PHRASES) {
        return true;
    }
    if rest.ends_with(" stream disconnect") || rest.contains(" socket: wanted attribute: ") {
        return true;
    }
    // `function_name: …`: a C identifier with an underscore, then a colon.
    let ident_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
        .count();
    let ident = &rest[..ident_len];
    let after = &rest[ident_len..];
    // `function_name: …` traces and `parameter_name = value` config dumps.
    ident_len > 2 && ident.contains('_') && (after.starts_with(": ") || after.starts_with(" = "))
}
