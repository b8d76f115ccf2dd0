//! Which restriction fired, inferred from the reply text, and what an admin
//! would change. Postfix never logs the restriction's name
//! (`smtpd_check.c` only logs the reply), but its built-in replies are fixed
//! strings, and access maps and policy services reply under a fixed class
//! prefix (`Sender address rejected: …`), so the text names the restriction.
//!
//! The table is ordered: specific built-in texts first, then the class
//! prefixes that custom access-map texts share.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use crate::parse::fields::needle;
use crate::parse::EventKind;

/// An inferred restriction: its main.cf name and, for DNS lists, the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Restriction<'a> {
    pub name: &'static str,
    /// The DNS list (`zen.spamhaus.org`) of RBL-type restrictions.
    pub list: Option<&'a str>,
}

impl<'a> Restriction<'a> {
    const fn named(name: &'static str) -> Self {
        Restriction { name, list: None }
    }

    /// The column value: `reject_rbl_client zen.spamhaus.org`.
    pub fn write_to(&self, out: &mut String) {
        out.clear();
        out.push_str(self.name);
        if let Some(list) = self.list {
            out.push(' ');
            out.push_str(list);
        }
    }
}

/// Built-in reply texts, as `smtpd_check.c` writes them (matched anywhere in
/// the reason, case-sensitively, in order).
const BUILT_IN: &[(&str, &str)] = &[
    (
        "Recipient address rejected: User unknown in virtual mailbox table",
        "reject_unlisted_recipient",
    ),
    (
        "Recipient address rejected: User unknown in local recipient table",
        "reject_unlisted_recipient",
    ),
    (
        "Recipient address rejected: User unknown in relay recipient table",
        "reject_unlisted_recipient",
    ),
    (
        "Recipient address rejected: User unknown in virtual alias table",
        "reject_unlisted_recipient",
    ),
    (
        "Recipient address rejected: User unknown",
        "reject_unlisted_recipient",
    ),
    (
        "Sender address rejected: User unknown",
        "reject_unlisted_sender",
    ),
    ("Relay access denied", "reject_unauth_destination"),
    (
        "Helo command rejected: need fully-qualified hostname",
        "reject_non_fqdn_helo_hostname",
    ),
    (
        "Helo command rejected: Invalid name",
        "reject_invalid_helo_hostname",
    ),
    (
        "Helo command rejected: Host not found",
        "reject_unknown_helo_hostname",
    ),
    (
        "Sender address rejected: need fully-qualified address",
        "reject_non_fqdn_sender",
    ),
    (
        "Recipient address rejected: need fully-qualified address",
        "reject_non_fqdn_recipient",
    ),
    (
        "Sender address rejected: Domain not found",
        "reject_unknown_sender_domain",
    ),
    (
        "Recipient address rejected: Domain not found",
        "reject_unknown_recipient_domain",
    ),
    (
        "Sender address rejected: Malformed DNS server reply",
        "reject_unknown_sender_domain",
    ),
    (
        "Client host rejected: cannot find your reverse hostname",
        "reject_unknown_reverse_client_hostname",
    ),
    (
        "Client host rejected: cannot find your hostname",
        "reject_unknown_client_hostname",
    ),
    (
        "Sender address rejected: not owned by user",
        "reject_sender_login_mismatch",
    ),
    (
        "Sender address rejected: not logged in",
        "reject_unauthenticated_sender_login_mismatch",
    ),
    (
        "Improper use of SMTP command pipelining",
        "reject_unauth_pipelining",
    ),
    (
        "Data command rejected: Multi-recipient bounce",
        "reject_multi_recipient_bounce",
    ),
    ("Message size exceeds fixed limit", "message_size_limit"),
    ("Insufficient system storage", "queue_minfree"),
    ("Server configuration error", "server_configuration_error"),
    ("Server configuration problem", "server_configuration_error"),
    (
        "too many connections",
        "postscreen_client_connection_count_limit",
    ),
    ("all server ports busy", "postscreen_pre_queue_limit"),
    (
        "Service currently unavailable",
        "postscreen_after_220_tests",
    ),
    ("Greylist", "check_policy_service (greylisting)"),
    ("greylist", "check_policy_service (greylisting)"),
    (
        "Message rejected due to: SPF fail",
        "check_policy_service (SPF)",
    ),
    (
        "Please see http://www.openspf",
        "check_policy_service (SPF)",
    ),
];

/// Class prefixes used by access maps (`REJECT text`, `HOLD`, `FILTER`, …)
/// when no built-in text matched.
const ACCESS_CLASSES: &[(&str, &str)] = &[
    ("Client host rejected: ", "check_client_access"),
    ("Client host triggers ", "check_client_access"),
    ("Unverified Client host rejected: ", "check_client_access"),
    ("Client certificate rejected: ", "check_ccert_access"),
    ("SASL login name rejected: ", "check_sasl_access"),
    ("Helo command rejected: ", "check_helo_access"),
    ("Helo command triggers ", "check_helo_access"),
    ("Sender address rejected: ", "check_sender_access"),
    ("Sender address triggers ", "check_sender_access"),
    ("Recipient address rejected: ", "check_recipient_access"),
    ("Recipient address triggers ", "check_recipient_access"),
    ("Etrn command rejected: ", "smtpd_etrn_restrictions"),
    ("Data command rejected: ", "smtpd_data_restrictions"),
    ("End-of-data rejected: ", "smtpd_end_of_data_restrictions"),
];

/// Infers the restriction of a policy action from its stage and reason.
/// [`BUILT_IN`]'s texts as one automaton: a `contains` per entry built a
/// substring searcher per entry and reply, a tenth of the whole parse.
static BUILT_IN_TEXTS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::new(BUILT_IN.iter().map(|(text, _)| text)).expect("plain texts build an automaton")
});

needle!(
    /// What DNS-list replies say before the list's name.
    BLOCKED_USING = " blocked using "
);

/// Whether [`infer`] for this kind and stage depends on the reason text
/// alone (milter and proxy verdicts and header/body checks do not read it).
pub fn depends_on_reason_only(kind: EventKind, stage: Option<&str>) -> bool {
    !matches!(
        kind,
        EventKind::MilterReject
            | EventKind::MilterHold
            | EventKind::MilterDiscard
            | EventKind::ProxyAccept
            | EventKind::ProxyReject
    ) && !matches!(stage, Some("header" | "body"))
}

pub fn infer<'a>(kind: EventKind, stage: Option<&str>, reason: &'a str) -> Restriction<'a> {
    match kind {
        EventKind::MilterReject | EventKind::MilterHold | EventKind::MilterDiscard => {
            return Restriction::named("milter")
        }
        EventKind::ProxyAccept | EventKind::ProxyReject => {
            return Restriction::named("before-queue content filter")
        }
        _ => {}
    }
    match stage {
        Some("header") => return Restriction::named("header_checks"),
        Some("body") => return Restriction::named("body_checks"),
        _ => {}
    }
    if let Some((before, after)) = BLOCKED_USING.split_once(reason) {
        let list = after.split([';', ',', ' ']).next().unwrap_or("");
        let list = (!list.is_empty()).then_some(list);
        let name = if before.contains("; client [") {
            // postscreen: `Service unavailable; client [1.2.3.4] blocked using …`
            "postscreen_dnsbl_sites"
        } else if before.starts_with("Sender address") || before.contains("Sender address") {
            "reject_rhsbl_sender"
        } else if before.contains("Recipient address") {
            "reject_rhsbl_recipient"
        } else if before.contains("Helo command") {
            "reject_rhsbl_helo"
        } else if before.contains("Client host [") && !is_ip_bracket(before) {
            "reject_rhsbl_client"
        } else {
            "reject_rbl_client"
        };
        return Restriction { name, list };
    }
    // The first entry of BUILT_IN whose text the reason contains, found in
    // one pass over the reason for all entries.
    let first_listed = BUILT_IN_TEXTS
        .find_overlapping_iter(reason)
        .map(|m| m.pattern().as_usize())
        .min();
    if let Some(index) = first_listed {
        return Restriction::named(BUILT_IN[index].1);
    }
    for (prefix, name) in ACCESS_CLASSES {
        if reason.starts_with(prefix) {
            return Restriction::named(name);
        }
    }
    Restriction::named("unknown")
}

/// True when the `Client host [x]` in an RBL reply holds an IP address.
fn is_ip_bracket(s: &str) -> bool {
    s.rsplit_once("Client host [")
        .and_then(|(_, r)| r.split(']').next())
        .is_some_and(|inner| {
            inner.contains(':') || inner.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        })
}

/// Replaces the variable parts of a reason (addresses, IP addresses, queue
/// ids, numbers) so that replies differing only in them group together.
/// Writes into `out` (cleared first); returns whether anything changed.
pub fn normalize_reason(reason: &str, out: &mut String) -> bool {
    out.clear();
    let mut changed = false;
    let bytes = reason.as_bytes();
    // `reason[..copied]` is in `out` already: plain words are copied in
    // runs, up to the next token that may change.
    let mut copied = 0;
    let mut start = 0;
    // Only a token with a digit, `@`, `<`, `[` or two `:` can be an address,
    // an IP address or a queue id; plain words (most of them) are copied as
    // they are. Found in the same pass that splits the tokens.
    let mut maybe_variable = false;
    // An IPv6 address has two colons at least; `rejected:` has one.
    let mut colons = 0;
    for i in 0..=bytes.len() {
        let class = bytes
            .get(i)
            .map_or(SPACE, |&b| REASON_BYTES[usize::from(b)]);
        match class {
            PLAIN => continue,
            VARIABLE => maybe_variable = true,
            COLON => colons += 1,
            _ => {
                if maybe_variable || colons >= 2 {
                    out.push_str(&reason[copied..start]);
                    changed |= normalize_token(&reason[start..i], out);
                    copied = i;
                }
                start = i + 1;
                maybe_variable = false;
                colons = 0;
            }
        }
    }
    out.push_str(&reason[copied..]);
    changed
}

/// [`REASON_BYTES`] classes.
const PLAIN: u8 = 0;
const VARIABLE: u8 = 1;
const COLON: u8 = 2;
const SPACE: u8 = 3;

/// What each byte says about the token it is in: a digit, `@`, `<` or `[`
/// may make it variable, colons are counted, a space ends it.
const REASON_BYTES: [u8; 256] = {
    let mut table = [PLAIN; 256];
    let mut b = b'0';
    while b <= b'9' {
        table[b as usize] = VARIABLE;
        b += 1;
    }
    table[b'@' as usize] = VARIABLE;
    table[b'<' as usize] = VARIABLE;
    table[b'[' as usize] = VARIABLE;
    table[b':' as usize] = COLON;
    table[b' ' as usize] = SPACE;
    table
};

/// Appends `token`, or its placeholder keeping surrounding punctuation and a
/// `:port`; returns whether it was replaced.
fn normalize_token(token: &str, out: &mut String) -> bool {
    let trimmed = token.trim_end_matches([',', ';', ')', ':', '.']);
    let tail = &token[trimmed.len()..];
    let core = trimmed.trim_start_matches('(');
    let head = &trimmed[..trimmed.len() - core.len()];
    let (placeholder, after): (&str, &str) = if core.is_empty() {
        ("", "")
    } else if core.starts_with('<') && core.ends_with('>') {
        ("<ADDR>", "")
    } else if core.contains('@') && !core.contains('[') {
        ("ADDR", "")
    } else if let Some(open) = core.find('[') {
        let close = core[open..].find(']').map_or(core.len(), |c| open + c);
        if looks_like_ip(&core[open + 1..close]) {
            let name = if open == 0 { "[IP]" } else { "HOST[IP]" };
            (name, core.get(close + 1..).unwrap_or(""))
        } else {
            ("", "")
        }
    } else if looks_like_ip(core) {
        ("IP", "")
    } else if core.len() >= 6
        && crate::parse::fields::is_queue_id(core)
        && core.bytes().any(|b| b.is_ascii_digit())
    {
        ("QID", "")
    } else {
        ("", "")
    };
    if placeholder.is_empty() {
        out.push_str(token);
        return false;
    }
    out.push_str(head);
    out.push_str(placeholder);
    out.push_str(after);
    out.push_str(tail);
    true
}

fn looks_like_ip(s: &str) -> bool {
    let dots = s.bytes().filter(|&b| b == b'.').count();
    let v4 = dots == 3 && s.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let colons = s.bytes().filter(|&b| b == b':').count();
    let v6 = colons >= 2
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
    v4 || v6
}

/// What an admin should look at for a restriction, in one or two sentences.
/// `{domain}` is replaced by the caller.
pub fn hint(restriction: &str, reason: &str) -> &'static str {
    let name = restriction.split(' ').next().unwrap_or(restriction);
    match name {
        "reject_unlisted_recipient" if reason.contains("virtual mailbox table") => {
            "{domain} is in virtual_mailbox_domains, and virtual_mailbox_maps has no mailbox for these recipients. If this server only relays {domain}, remove it from virtual_mailbox_domains and list it in relay_domains; otherwise add the mailboxes."
        }
        "reject_unlisted_recipient" if reason.contains("local recipient table") => {
            "{domain} is a local domain (mydestination) without these users in local_recipient_maps: add the users or aliases, or remove {domain} from mydestination if another server hosts it."
        }
        "reject_unlisted_recipient" if reason.contains("relay recipient table") => {
            "{domain} is in relay_domains and relay_recipient_maps lacks these recipients: update relay_recipient_maps from the final destination."
        }
        "reject_unlisted_recipient" => {
            "These recipients at {domain} do not exist here: check the lookup table that lists {domain}'s users."
        }
        "reject_unauth_destination" => {
            "Clients outside mynetworks and not authenticated tried to relay to {domain}. Normal for relay probes; if they are your own clients, add them to mynetworks or have them use SASL (permit_sasl_authenticated)."
        }
        "reject_rbl_client" | "reject_rhsbl_client" | "postscreen_dnsbl_sites" => {
            "The clients are on a DNS blocklist. If wanted mail is hit, allow those senders before the list check (check_client_access with OK, or postscreen_access_list)."
        }
        "reject_non_fqdn_helo_hostname" | "reject_invalid_helo_hostname" | "reject_unknown_helo_hostname" => {
            "The clients greet with a bad HELO name. If they are your own devices or applications, fix their HELO setting or exempt them (permit_mynetworks before the HELO checks)."
        }
        "reject_unknown_sender_domain" | "reject_non_fqdn_sender" => {
            "The envelope senders have no valid domain. If an application of yours sends this mail, set a real sender domain in it."
        }
        "reject_unknown_client_hostname" | "reject_unknown_reverse_client_hostname" => {
            "The clients have no (matching) reverse DNS. For a known partner, exempt it with check_client_access or ask it to fix its PTR record."
        }
        "check_sender_access" | "check_recipient_access" | "check_client_access" | "check_helo_access" => {
            "An access map of yours answered with this text: check its entry if this mail is wanted."
        }
        "check_policy_service (greylisting)" => {
            "Greylisting: senders that retry get through. Persistent rejects mean the sender does not retry; allow it in the greylisting whitelist."
        }
        "message_size_limit" => "Messages exceed message_size_limit: raise it if such mail is wanted.",
        "queue_minfree" => "The queue file system is short of space (queue_minfree): free disk space now.",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restrictions_of_real_replies() {
        let cases: &[(EventKind, &str, &str, &str)] = &[
            (EventKind::Reject, "RCPT", "Recipient address rejected: User unknown in virtual mailbox table", "reject_unlisted_recipient"),
            (EventKind::Reject, "RCPT", "Recipient address rejected: User unknown in local recipient table", "reject_unlisted_recipient"),
            (EventKind::Reject, "RCPT", "Relay access denied", "reject_unauth_destination"),
            (EventKind::Reject, "RCPT", "Service unavailable; Client host [93.184.216.34] blocked using rbl.example.com; http://www.example.com/query?ip=93.184.216.34", "reject_rbl_client rbl.example.com"),
            (EventKind::Reject, "RCPT", "Service unavailable; client [82.165.159.12] blocked using zen.spamhaus.org", "postscreen_dnsbl_sites zen.spamhaus.org"),
            (EventKind::Reject, "RCPT", "Helo command rejected: need fully-qualified hostname", "reject_non_fqdn_helo_hostname"),
            (EventKind::Reject, "RCPT", "Sender address rejected: Domain not found", "reject_unknown_sender_domain"),
            (EventKind::Reject, "RCPT", "Client host rejected: cannot find your hostname, [0.0.0.0]", "reject_unknown_client_hostname"),
            (EventKind::Reject, "RCPT", "Sender address rejected: Access denied", "check_sender_access"),
            (EventKind::Reject, "RCPT", "Sender address rejected: Sender domain blocked by policy", "check_sender_access"),
            (EventKind::Reject, "RCPT", "Recipient address rejected: Mailbox disabled, contact it-desk@xamxam.example", "check_recipient_access"),
            (EventKind::Reject, "RCPT", "Helo command rejected: Invalid name", "reject_invalid_helo_hostname"),
            (EventKind::Reject, "RCPT", "Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html", "check_policy_service (greylisting)"),
            (EventKind::MilterReject, "DATA", "Command rejected", "milter"),
            (EventKind::Reject, "header", "Subject: spam", "header_checks"),
            (EventKind::Reject, "RCPT", "Something nobody wrote before", "unknown"),
        ];
        let mut out = String::new();
        for &(kind, stage, reason, expected) in cases {
            infer(kind, Some(stage), reason).write_to(&mut out);
            assert_eq!(out, expected, "{reason}");
        }
    }

    #[test]
    fn reasons_are_normalized() {
        let mut out = String::new();
        let cases = [
            (
                "Client host rejected: cannot find your hostname, [0.0.0.0]",
                "Client host rejected: cannot find your hostname, [IP]",
            ),
            (
                "connect to mx.example[127.0.0.9]:25: Connection refused",
                "connect to HOST[IP]:25: Connection refused",
            ),
            (
                "250 2.0.0 Ok: queued as 4PbC4z6W5Qz3tG3",
                "250 2.0.0 Ok: queued as QID",
            ),
            (
                "Mailbox disabled, contact it-desk@xamxam.example",
                "Mailbox disabled, contact ADDR",
            ),
            (
                "no route to fe::ad, from dead::beef.",
                "no route to IP, from IP.",
            ),
        ];
        for (reason, expected) in cases {
            normalize_reason(reason, &mut out);
            assert_eq!(out, expected);
        }
        assert!(!normalize_reason("Relay access denied", &mut out));
        assert_eq!(out, "Relay access denied");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        /// The one-pass tokenizer skips only tokens that cannot change: it
        /// gives what normalizing every token gives.
        #[test]
        fn skipping_plain_words_changes_nothing(reason in "[ab1:.@<>\\[\\]z,( ]{0,30}") {
            let mut fast = String::new();
            let fast_changed = normalize_reason(&reason, &mut fast);
            let mut every = String::new();
            let mut every_changed = false;
            for (i, token) in reason.split(' ').enumerate() {
                if i > 0 {
                    every.push(' ');
                }
                every_changed |= normalize_token(token, &mut every);
            }
            proptest::prop_assert_eq!(fast, every);
            proptest::prop_assert_eq!(fast_changed, every_changed);
        }
    }
}
