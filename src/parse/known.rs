//! Postfix lines we recognise but do not turn into events: session
//! bookkeeping, TLS, postscreen tests, master and postfix-script status,
//! statistics, and the traces of `-v` (verbose) daemons.
//!
//! A line listed here counts as *known* in the line accounting; anything else
//! that no parser took is *unrecognized* and shows up in `--unparsed`. Keep
//! the lists tight: a shape added here is a shape we promise to understand.

use std::sync::LazyLock;

use memchr::memmem;

/// Session and per-attempt lines of any daemon (smtpd, smtp, lmtp, …).
static ANY_DAEMON: Prefixes = Prefixes::new(&[
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
]);

/// Lines of postscreen, dnsblog and tlsproxy (the postscreen front end).
static POSTSCREEN: Prefixes = Prefixes::new(&[
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
]);

/// master(8), postfix-script and postsuper status lines.
static MASTER: Prefixes = Prefixes::new(&[
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
]);

/// With a queue id: per-message lines that are not events.
static WITH_QUEUE_ID: Prefixes = Prefixes::new(&[
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
]);

/// The shapes that make up most lines of a busy server: smtpd's `connect
/// from` and `disconnect from`, and the tests of postscreen and its helpers
/// (half the lines of a busy MX). No event parser takes them, so
/// `parse_message` settles them first: `Some(known)` for these, `None` for
/// any other message.
pub fn frequent(daemon: &str, message: &str) -> Option<bool> {
    if let Some(client) = message
        .strip_prefix("connect from ")
        .or_else(|| message.strip_prefix("disconnect from "))
    {
        return Some(is_session_client(client));
    }
    if matches!(daemon, "postscreen" | "dnsblog" | "tlsproxy") && POSTSCREEN.start(message) {
        return Some(true);
    }
    None
}

pub fn is_known(daemon: &str, has_queue_id: bool, rest: &str) -> bool {
    if let Some(known) = frequent(daemon, rest) {
        return known;
    }
    if has_queue_id && WITH_QUEUE_ID.start(rest) {
        return true;
    }
    if ANY_DAEMON.start(rest) || MASTER.start(rest) {
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

/// A list of line prefixes, indexed by first byte: for each byte, the set
/// of prefixes (bit i: `list[i]`) that start with it. A line is compared
/// only with the one or two prefixes that share its first byte, not with
/// the whole list.
struct Prefixes {
    list: &'static [&'static str],
    by_first_byte: [u64; 256],
}

impl Prefixes {
    const fn new(list: &'static [&'static str]) -> Prefixes {
        assert!(list.len() <= 64, "one bit per prefix");
        let mut by_first_byte = [0u64; 256];
        let mut i = 0;
        while i < list.len() {
            by_first_byte[list[i].as_bytes()[0] as usize] |= 1 << i;
            i += 1;
        }
        Prefixes {
            list,
            by_first_byte,
        }
    }

    /// Whether `s` starts with one of the prefixes.
    fn start(&self, s: &str) -> bool {
        let s = s.as_bytes();
        let Some(&first) = s.first() else {
            return false;
        };
        let mut candidates = self.by_first_byte[usize::from(first)];
        while candidates != 0 {
            let i = candidates.trailing_zeros() as usize;
            if s.starts_with(self.list[i].as_bytes()) {
                return true;
            }
            candidates &= candidates - 1;
        }
        false
    }
}

/// `name[addr]` (with an optional `:port`), then nothing or disconnect's
/// counters (`ehlo=1 mail=1 rcpt=0/1 … commands=4/6`). Anything else is a
/// damaged line (two lines glued together) that must not pass as known.
fn is_session_client(s: &str) -> bool {
    let Some((_, rest)) = super::fields::peer(s) else {
        return false;
    };
    rest.is_empty() || rest.strip_prefix(' ').is_some_and(is_counters)
}

/// `ehlo=1 mail=1 rcpt=0/1 … commands=4/6`: space-separated `key=value`,
/// keys not empty, values digits and `/`. One pass over the bytes.
fn is_counters(s: &str) -> bool {
    let mut key_len = 0;
    let mut value_len = 0;
    let mut in_value = false;
    for &b in s.as_bytes() {
        if in_value {
            match b {
                b' ' if value_len > 0 => {
                    in_value = false;
                    key_len = 0;
                }
                b'0'..=b'9' | b'/' => value_len += 1,
                _ => return false,
            }
        } else {
            match b {
                b'=' if key_len > 0 => {
                    in_value = true;
                    value_len = 0;
                }
                b'=' | b' ' => return false,
                _ => key_len += 1,
            }
        }
    }
    in_value && value_len > 0
}

/// Built once: `str::contains` would build a substring searcher per line.
static WANTED_ATTRIBUTE: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(" socket: wanted attribute: "));

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
    static PHRASES: Prefixes = Prefixes::new(&[
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
    ]);
    if PHRASES.start(rest) {
        return true;
    }
    if rest.ends_with(" stream disconnect") || WANTED_ATTRIBUTE.find(rest.as_bytes()).is_some() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disconnect_counters() {
        for good in [
            "ehlo=1 mail=1 rcpt=0/1 data=0/1 commands=2/4",
            "commands=0/1",
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
        ] {
            assert!(!is_counters(bad), "{bad}");
        }
    }
}
