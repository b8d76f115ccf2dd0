//! Postfix lines we recognise but do not turn into events: TLS and SMTP
//! chatter that adds nothing to the session events, postscreen's and
//! tlsproxy's bookkeeping, compatibility notices, statistics of other
//! daemons than anvil, and the traces of `-v` (verbose) daemons.
//!
//! A line listed here counts as *known* in the line accounting; anything else
//! that no parser took is *unrecognized* and shows up in `--unparsed`. Keep
//! the lists tight: a shape added here is a shape we promise to understand.

use std::sync::LazyLock;

use memchr::memmem;

use super::fields::needle;

/// Session and per-attempt lines of any daemon (smtpd, smtp, lmtp, …).
static ANY_DAEMON: Prefixes = Prefixes::new(&[
    "improper command pipelining after ",
    "bare <LF> received after ",
    "SSL_accept error from ",
    "SSL_connect error to ",
    "setting up TLS connection ",
    // smtp/lmtp `connect to HOST[ADDR]…` is a `connect_error` event; other
    // daemons' `connect to subsystem private/rewrite` are `-v` traces.
    "connect to ",
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
    // `… respectful_logging=no for client [A]:P` (postscreen), `…
    // smtp_tls_wrappermode=…` (smtp), flush, server ACLs (3.6+).
    "using backwards-compatible default setting ",
]);

/// Lines of postscreen, dnsblog and tlsproxy (the postscreen front end)
/// that are not verdicts (`postscreen.rs`): cache cleanup, stress mode,
/// tlsproxy's handshake failures.
static POSTSCREEN: Prefixes = Prefixes::new(&[
    "cache ",
    "entering STRESS mode ",
    "leaving STRESS mode ",
    "TLS handshake failed",
]);

/// Other lines of master(8) (its status lines are `master` events), and
/// postfix(1)'s compatibility notices (`postfix/postfix.c:602-605`; the
/// wording changed in 3.7 and the URL in 3.10).
static MASTER: Prefixes = Prefixes::new(&[
    "daemon waiting for exit",
    "Postfix is running with backwards-compatible default settings",
    "Postfix is using backwards-compatible default settings",
    "See http://www.postfix.org/COMPATIBILITY_README.html",
    "See https://www.postfix.org/COMPATIBILITY_README.html",
    "To disable backwards compatibility use",
]);

/// With a queue id: per-message lines that are not events.
static WITH_QUEUE_ID: Prefixes = Prefixes::new(&[
    "resent-message-id=",
    "skipped, still being delivered",
    "recipient limit ",
    "host ",
    "enabling PIX ",
    "Cannot start TLS",
    "client=",
]);

needle!(DISCARDING_EHLO_KEYWORDS = ": discarding EHLO keywords: ");

pub fn is_known(daemon: &str, has_queue_id: bool, rest: &str) -> bool {
    if matches!(daemon, "postscreen" | "dnsblog" | "tlsproxy") {
        if POSTSCREEN.start(rest) {
            return true;
        }
        // postscreen's `[ADDR]PORT: discarding EHLO keywords: LIST` (sic: no
        // `:` before the port, `postscreen_smtpd.c:381`).
        if rest.starts_with('[') && DISCARDING_EHLO_KEYWORDS.find(rest).is_some() {
            return true;
        }
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

    /// postfix(1)'s notices (`postfix/postfix.c:602-605`, as of 3.12; 3.0 to
    /// 3.6 wrote `Postfix is running with …` and `See http://…`). No corpus
    /// line has the newer wordings.
    #[test]
    fn compatibility_notices_are_known() {
        for notice in [
            "Postfix is using backwards-compatible default settings",
            "See https://www.postfix.org/COMPATIBILITY_README.html for details",
            "To disable backwards compatibility use \"postconf compatibility_level=3.6\" and \"postfix reload\"",
            "Postfix is running with backwards-compatible default settings",
            "See http://www.postfix.org/COMPATIBILITY_README.html for details",
        ] {
            assert!(is_known("postfix", false, notice), "{notice}");
        }
        assert!(!is_known("postfix", false, "Postfix is on fire"));
    }

    /// postscreen's `[ADDR]PORT: discarding EHLO keywords: …` (sic,
    /// `postscreen_smtpd.c:381`), stress mode (`postscreen_state.c:200`)
    /// and compatibility notice (`postscreen.c:819`).
    #[test]
    fn postscreen_chatter_is_known() {
        for line in [
            "[192.0.2.1]54321: discarding EHLO keywords: CHUNKING",
            "using backwards-compatible default setting respectful_logging=no for client [192.0.2.1]:54321",
            "entering STRESS mode with 70 connections",
            "leaving STRESS mode with 30 connections",
        ] {
            assert!(is_known("postscreen", false, line), "{line}");
        }
    }
}
