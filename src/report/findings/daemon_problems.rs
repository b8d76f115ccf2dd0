//! Postfix's own warnings, errors, fatal errors and panics that explain
//! failures, condensed by kind: a lookup table that cannot be read, a map
//! older than its source, a transport that fails, a milter that does not
//! answer, SASL that cannot reach its server, a daemon that crashes. Each
//! kind is recognised by the fixed text Postfix writes for it.

use std::collections::BTreeMap;

use super::events::{pick_samples, Events};
use super::{plural, Evidence, Finding, Severity};
use crate::frame::col;
use crate::parse::Micros;

/// A kind of problem report: the text that marks it, and what it means.
struct Signature {
    id: &'static str,
    /// Marks the kind, anywhere in the message.
    text: &'static str,
    severity: Severity,
    what: &'static str,
    cause: &'static str,
    fix: &'static str,
}

const SIGNATURES: &[Signature] = &[
    Signature {
        id: "table-unavailable",
        text: " is unavailable",
        severity: Severity::Critical,
        what: "a lookup table cannot be read",
        cause: "A map named in main.cf or master.cf is missing or unreadable (often its .db was never built): lookups in it fail, so smtpd answers 451 4.3.0 Temporary lookup failure and deliveries that need it are deferred.",
        fix: "Build the map (`postmap TYPE:/etc/postfix/NAME`, `postalias` for aliases, with the type main.cf names; `postconf -m` lists the types this Postfix supports), then postfix reload.",
    },
    Signature {
        id: "table-lookup-error",
        text: " lookup error for ",
        severity: Severity::Critical,
        what: "table lookups fail",
        cause: "Lookups in a map fail (a missing file, or a database or LDAP server that does not answer): mail that needs them is deferred or refused with a temporary error.",
        fix: "Repair the map named in the warning (postmap it, or bring its server back), then postfix reload.",
    },
    Signature {
        id: "table-older-than-source",
        text: " is older than source file ",
        severity: Severity::Warning,
        what: "a map is older than its source file",
        cause: "A map's source was edited but postmap was not run: Postfix still uses the old entries (new users are unknown, new routes and access entries do not apply).",
        fix: "Run `postmap` on the source file the warning names (`postalias`/`newaliases` for aliases).",
    },
    Signature {
        id: "resolver-failure",
        text: " lookup failure",
        severity: Severity::Critical,
        what: "address resolution fails",
        cause: "trivial-rewrite cannot look up transport_maps, relay_domains or a domain class list: deliveries are deferred with `address resolver failure`.",
        fix: "Repair the map or server the warning names, then postfix reload and postqueue -f.",
    },
    Signature {
        id: "transport-failure",
        text: " failure -- see a previous ",
        severity: Severity::Critical,
        what: "a delivery transport fails",
        cause: "A delivery agent fails at start (see the fatal error just before it): every delivery through that transport is deferred with `unknown mail transport error`.",
        fix: "Fix what the preceding fatal error names (often a wrong transport or socket in main.cf), then postfix reload and postqueue -f.",
    },
    Signature {
        id: "milter-down",
        text: "Milter service",
        severity: Severity::Critical,
        what: "a milter does not answer",
        cause: "A milter named in smtpd_milters or non_smtpd_milters does not answer: with milter_default_action = tempfail (the default up to Postfix 3.10), every session gets 451 4.7.1 and inbound mail is deferred; with accept, mail passes unfiltered or unsigned.",
        fix: "Start or repair the milter (opendkim, rspamd, …); check smtpd_milters, non_smtpd_milters and milter_default_action.",
    },
    Signature {
        id: "milter-protocol",
        text: "milter ",
        severity: Severity::Warning,
        what: "a milter fails mid-session",
        cause: "A milter broke the protocol or timed out in a session; milter_default_action decides what happened to that mail.",
        fix: "Check the milter's own log and timeouts (milter_*_timeout).",
    },
    Signature {
        id: "sasl-server-down",
        text: "SASL authentication failure: cannot connect to",
        severity: Severity::Critical,
        what: "SASL cannot reach its authentication server",
        cause: "smtpd cannot reach the SASL server (saslauthd, dovecot auth): every AUTH fails, so users who submit mail cannot send.",
        fix: "Start the SASL server and check its socket from inside the chroot (Debian: /var/spool/postfix/var/run/saslauthd, `adduser postfix sasl`); check smtpd_sasl_type and smtpd_sasl_path.",
    },
    Signature {
        id: "queue-file-too-large",
        text: "queue file size limit exceeded",
        severity: Severity::Warning,
        what: "messages exceed message_size_limit",
        cause: "Messages larger than message_size_limit (10 MB by default) were refused with 552 5.3.4.",
        fix: "Raise message_size_limit if such mail is wanted (and keep mailbox_size_limit at least as large).",
    },
    Signature {
        id: "process-failed",
        text: " exit status ",
        severity: Severity::Critical,
        what: "a Postfix daemon exited with an error",
        cause: "A daemon died (see its fatal error just before): the service it provides stops or throttles (`bad command startup -- throttling`).",
        fix: "Read the fatal error of the same daemon just before, fix its cause, then postfix reload.",
    },
    Signature {
        id: "process-killed",
        text: " killed by signal ",
        severity: Severity::Critical,
        what: "a Postfix daemon was killed",
        cause: "A daemon was killed by a signal (a crash, or the out-of-memory killer).",
        fix: "Look for a panic or fatal error of that daemon and at the system log (dmesg) for the OOM killer.",
    },
    Signature {
        id: "configuration-error",
        text: "mail system configuration error",
        severity: Severity::Critical,
        what: "deliveries fail for a configuration error",
        cause: "A delivery agent reports a configuration error (virtual_mailbox_base, virtual_uid_maps, a pipe transport's command or user).",
        fix: "Check the delivery agent's settings: postconf virtual_mailbox_base virtual_uid_maps virtual_gid_maps; postconf -Mf for pipe transports.",
    },
];

#[derive(Default)]
struct Group {
    rows: Vec<usize>,
    daemons: std::collections::BTreeSet<String>,
    example: String,
    first: Option<Micros>,
    last: Option<Micros>,
}

pub fn detect(events: &Events<'_>) -> Vec<Finding> {
    let p = &events.problems;
    let (kind, daemon, text, ts) = (
        p.text(col::KIND),
        p.text(col::DAEMON),
        p.text(col::REASON),
        p.ts(),
    );
    // Known signatures by their index; other fatal errors by their kind
    // (the message with its numbers blanked), each kind its own finding.
    let mut groups: BTreeMap<(usize, bool, Option<FatalKind>), Group> = BTreeMap::new();
    for i in 0..p.len() {
        let Some(message) = text.get(i) else { continue };
        let fatal = matches!(kind.get(i), Some("fatal") | Some("panic"));
        let signature = SIGNATURES.iter().position(|s| message.contains(s.text));
        let key = match signature {
            Some(signature) => (signature, fatal, None),
            None if fatal => (
                usize::MAX,
                true,
                Some(FatalKind::of(daemon.get(i).unwrap_or("?"), message)),
            ),
            None => continue,
        };
        let g = groups.entry(key).or_default();
        if g.rows.is_empty() {
            g.example = message.to_string();
        }
        g.rows.push(i);
        g.daemons.insert(daemon.get(i).unwrap_or("?").to_string());
        g.first = Some(g.first.map_or(ts.get(i), |f: Micros| f.min(ts.get(i))));
        g.last = Some(g.last.map_or(ts.get(i), |l: Micros| l.max(ts.get(i))));
    }
    groups
        .into_iter()
        .map(|((signature, fatal, fatal_kind), g)| {
            let count = g.rows.len() as u64;
            let (id, severity, what, cause, fix) = match (SIGNATURES.get(signature), &fatal_kind) {
                (Some(s), _) => (s.id, s.severity, s.what, s.cause, s.fix),
                (None, Some(kind)) => kind.class.describe(),
                (None, None) => FatalClass::Daemon.describe(),
            };
            let daemons: Vec<String> = g.daemons.into_iter().collect();
            let subject = match &fatal_kind {
                Some(kind) => format!("{}: {}", daemons.join(", "), kind.shape),
                None => daemons.join(", "),
            };
            Finding {
                id,
                subject,
                severity,
                summary: format!(
                    "{} ({}): {}, {}; for example: {}",
                    plural(count, if fatal { "fatal error" } else { "warning" }),
                    daemons.join(", "),
                    what,
                    events.when(g.first, g.last),
                    g.example
                ),
                evidence: Evidence {
                    count,
                    first_seen: g.first,
                    last_seen: g.last,
                    rows: pick_samples(&g.rows.iter().map(|&i| p.rows[i]).collect::<Vec<_>>()),
                    ..Evidence::default()
                },
                cause: cause.to_string(),
                fix: fix.to_string(),
                check: vec!["postfix check".to_string(), "postconf -n".to_string()],
                parameters: Vec::new(),
                addresses: Vec::new(),
                confirmation: None,
                new: None,
                impact: count,
            }
        })
        .collect()
}

/// A fatal error no signature names: its shape (the message with every
/// run of digits made `N`, so that one kind is one finding whatever its
/// process ids, ports or addresses) and what kind of program stopped.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct FatalKind {
    class: FatalClass,
    shape: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum FatalClass {
    /// A daemon (or `postfix start`) stopped: mail stops flowing.
    Daemon,
    /// sendmail or postdrop refused a program's submission: that mail was
    /// never queued.
    Submission,
    /// An admin's command with nothing to do or wrong arguments
    /// (`postfix start` while running, `usage: …`): nothing stopped.
    Command,
}

impl FatalKind {
    fn of(daemon: &str, message: &str) -> FatalKind {
        let mut shape = String::with_capacity(message.len());
        let mut in_number = false;
        for c in message.chars() {
            let digit = c.is_ascii_digit();
            if !digit {
                shape.push(c);
            } else if !in_number {
                shape.push('N');
            }
            in_number = digit;
        }
        // postfix-script(1)'s `fatal:` for start while running and stop
        // while stopped; postfix(1)'s and the others' usage lines.
        let harmless = message.contains("mail system is already running")
            || message.contains("mail system is not running")
            || message.starts_with("usage: ");
        let program = daemon.rsplit('/').next().unwrap_or(daemon);
        let class = if harmless {
            FatalClass::Command
        } else if matches!(program, "sendmail" | "postdrop") {
            FatalClass::Submission
        } else {
            FatalClass::Daemon
        };
        FatalKind { class, shape }
    }
}

impl FatalClass {
    /// id, severity, what, cause, fix.
    fn describe(
        self,
    ) -> (
        &'static str,
        Severity,
        &'static str,
        &'static str,
        &'static str,
    ) {
        match self {
            FatalClass::Daemon => (
                "fatal-error",
                Severity::Critical,
                "a daemon stopped on a fatal error or panic",
                "A Postfix daemon stopped: the message says why (often a typo in main.cf or master.cf).",
                "Fix what the message names, then `postfix check` and postfix reload.",
            ),
            FatalClass::Submission => (
                "submission-failed",
                Severity::Warning,
                "a program's mail submission (sendmail, postdrop) failed",
                "A program called sendmail in a way it refuses (no recipient, conflicting options) or could not write to the queue: that message was never queued, and the program may not notice.",
                "Find the program (cron, a web application, a script) by the time and fix how it calls sendmail (`sendmail -t` reads the recipients from the headers).",
            ),
            FatalClass::Command => (
                "command-misuse",
                Severity::Info,
                "a Postfix command had nothing to do or wrong arguments",
                "An administrator or a script ran a Postfix command when it had nothing to do (`postfix start` while Postfix runs, `postfix stop` while it is stopped) or with wrong arguments: nothing stopped.",
                "Nothing to fix in Postfix; if a script does it on every run, make it check `postfix status` first.",
            ),
        }
    }
}
