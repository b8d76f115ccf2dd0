//! Findings: detectors that diagnose, each a pure function over the event
//! frame and the messages. A finding says what is wrong, how much, since
//! when, why, and what to change in Postfix terms, with the evidence (the
//! counts and two or three log lines with their file and line number).
//!
//! Detectors, one file each: `domain_wide` (a recipient domain this server
//! refuses nearly all of), `relay_denied` (by client), `soft_unknown`
//! (450 for unknown users), `remote_bounces` (and typo domains),
//! `unreachable` (destinations that do not answer, deferral storms),
//! `onset` (a failure that starts abruptly), `abuse` (SASL guessing, RBL
//! and client rejects concentrated on few addresses), `daemon_problems`
//! (Postfix's own warnings, fatal errors and panics that explain
//! failures), `site_rules` (`--rules FILE`). `postconf` confirms or
//! refutes causes against the configuration (`--postconf`).

mod abuse;
mod daemon_problems;
mod domain_wide;
pub mod events;
mod onset;
pub mod postconf;
mod relay_denied;
mod remote_bounces;
pub mod site_rules;
mod soft_unknown;
mod unreachable;

use polars::prelude::*;
use rayon::prelude::*;

use super::{Body, Context, ReportSpec};

use crate::parse::Micros;
use events::Events;

pub const SPEC: ReportSpec = ReportSpec {
    title: "Findings",
    reads: || events::reads().union(crate::messages::reads()),
    compute,
    drop_first: &[],
    ranked: true,
};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The server works as intended; worth knowing (relay probes refused,
    /// greylisting that passed).
    Info,
    /// A misconfiguration or trend that loses or delays some mail.
    Warning,
    /// Mail of legitimate users is refused or lost now, or a part of the
    /// server does not work.
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    pub fn from_name(name: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// A log line shown as evidence: where it is and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    /// The input's name as given, and the line's number in it (1-based)
    /// when its bytes can still be counted.
    pub file: String,
    pub line: Option<u64>,
    /// The byte offset of the line's start in its input.
    pub offset: u64,
    /// The line as logged, when the input can still be read.
    pub text: Option<String>,
}

/// The numbers behind a finding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evidence {
    /// Events (rejects, attempts, warnings) the finding counts.
    pub count: u64,
    pub recipients: u64,
    pub clients: u64,
    pub messages: u64,
    pub first_seen: Option<Micros>,
    pub last_seen: Option<Micros>,
    /// Frame rows to show as sample lines (resolved into [`Sample`]s).
    pub rows: Vec<usize>,
    pub samples: Vec<Sample>,
}

/// What `--postconf` says of a finding's cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirmation {
    pub verdict: Verdict,
    /// The configuration lines that decide it (or the command that would).
    pub lines: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Confirmed,
    Refuted,
    /// The configuration cannot tell (a table); the lines say what to run.
    Unknown,
    /// No verdict to give: the settings that bear on it.
    Settings,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Confirmed => "confirmed",
            Verdict::Refuted => "refuted",
            Verdict::Unknown => "unknown",
            Verdict::Settings => "settings",
        }
    }
}

/// One diagnosis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Stable name of the detector's conclusion (`domain-wide-reject`).
    pub id: &'static str,
    /// What it is about (`erg.school`, `127.0.0.5`): with `id`, stable
    /// across runs of the same log.
    pub subject: String,
    pub severity: Severity,
    /// One sentence with the numbers: what, how much, since when.
    pub summary: String,
    pub evidence: Evidence,
    /// The probable cause.
    pub cause: String,
    /// What to change, in Postfix terms.
    pub fix: String,
    /// Commands that show the relevant configuration.
    pub check: Vec<String>,
    /// The Postfix parameters the cause is about (for `--postconf`).
    pub parameters: Vec<&'static str>,
    /// The client addresses it is about (for `--postconf`'s mynetworks).
    pub addresses: Vec<String>,
    /// Set by `--postconf`.
    pub confirmation: Option<Confirmation>,
    /// With `-d` and the day before in the input: whether the day before
    /// did not have it ([`crate::report::day_before`]).
    pub new: Option<bool>,
    /// How much mail it concerns, for the order within a severity.
    pub impact: u64,
}

impl Finding {
    /// The key `--fail-on` and tests name a finding by: `id:subject`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.id, self.subject)
    }
}

/// Every finding id, with what it means (`--finding`, `--help`).
pub const IDS: &[(&str, &str)] = &[
    (
        "domain-wide-reject",
        "this server refuses nearly all recipients of a domain",
    ),
    (
        "relay-denied",
        "clients whose other mail is accepted are refused relaying",
    ),
    (
        "authenticated-relay-denied",
        "authenticated or submission clients are refused relaying",
    ),
    (
        "relay-probe",
        "outside clients tried to relay (refused, as intended)",
    ),
    (
        "soft-user-unknown",
        "unknown users get 450: senders retry for days",
    ),
    (
        "remote-bounce",
        "a remote server refuses our mail for a domain",
    ),
    (
        "typo-domain",
        "a failing domain looks like a typo of a popular one",
    ),
    (
        "unreachable-destination",
        "a next hop defers every delivery and mail waits or expires",
    ),
    (
        "greylisting",
        "a next hop greylists, then the mail gets through",
    ),
    ("rate-limited", "a next hop limits how fast it takes mail"),
    ("spam-verdict", "a next hop defers mail as spam"),
    ("onset", "a failure that started abruptly"),
    (
        "sasl-failures",
        "SASL authentication failures (password guessing)",
    ),
    ("blocklisted-clients", "rejects by DNS blocklists"),
    ("refused-clients", "rejects by client restrictions"),
    ("table-unavailable", "a lookup table cannot be read"),
    ("table-lookup-error", "table lookups fail"),
    ("table-older-than-source", "a map is older than its source"),
    ("resolver-failure", "address resolution fails"),
    ("transport-failure", "a delivery transport fails"),
    ("milter-down", "a milter does not answer"),
    ("milter-protocol", "a milter fails mid-session"),
    ("sasl-server-down", "SASL cannot reach its server"),
    ("queue-file-too-large", "messages exceed message_size_limit"),
    ("process-failed", "a daemon exited with an error"),
    ("process-killed", "a daemon was killed"),
    (
        "configuration-error",
        "deliveries fail for a configuration error",
    ),
    (
        "fatal-error",
        "a daemon stopped on a fatal error or panic (one finding per kind of message)",
    ),
    (
        "submission-failed",
        "a program's mail submission (sendmail, postdrop) failed",
    ),
    (
        "command-misuse",
        "a Postfix command had nothing to do or wrong arguments",
    ),
    ("site-rule", "a reject matched one of --rules"),
];

/// What the detectors are given besides the log (command-line options).
#[derive(Clone, Debug, Default)]
pub struct FindingOptions {
    /// `--finding`: only these ids (empty: all).
    pub only: Vec<String>,
    pub thresholds: Thresholds,
    /// `--rules FILE`.
    pub rules: Option<site_rules::Rules>,
    /// `--postconf`.
    pub postconf: Option<postconf::Postconf>,
}

/// Thresholds of the detectors (command-line options).
#[derive(Clone, Debug, PartialEq)]
pub struct Thresholds {
    /// A domain-wide failure needs at least this many attempts…
    pub min_attempts: u64,
    /// …and at least this share (0–1) of its recipients failing.
    pub min_share: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_attempts: 5,
            min_share: 0.95,
        }
    }
}

fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    Ok(Body::Findings {
        findings: context.found()?.to_vec(),
        omitted: 0,
    })
}

/// Every detector's findings, worst first, then by impact; with `samples`,
/// their sample lines too (read back from a streamed input: not done for
/// findings that are only counted, as by `--fail-on`). The findings report
/// reads them through [`Context::found`], computed once.
pub fn detect(context: &Context<'_>, samples: bool) -> PolarsResult<Vec<Finding>> {
    detect_in(context, &context.events()?, samples)
}

/// [`detect`] from `events` (read from `context`'s frame).
pub fn detect_in<'a>(
    context: &Context<'a>,
    events: &Events<'a>,
    samples: bool,
) -> PolarsResult<Vec<Finding>> {
    let messages = context.messages()?;
    let options = context.findings;
    let thresholds = &options.thresholds;
    type Detector<'d> = &'d (dyn Fn() -> Vec<Finding> + Sync);
    let detectors: [(&str, Detector<'_>); 8] = [
        ("domain_wide", &|| domain_wide::detect(events, thresholds)),
        ("relay_denied", &|| relay_denied::detect(events)),
        ("soft_unknown", &|| soft_unknown::detect(events)),
        ("remote_bounces", &|| {
            remote_bounces::detect(events, thresholds)
        }),
        ("unreachable", &|| unreachable::detect(events, messages)),
        ("onset", &|| onset::detect(events)),
        ("abuse", &|| abuse::detect(events)),
        ("daemon_problems", &|| daemon_problems::detect(events)),
    ];
    // The detectors only read the events and the messages: they run side
    // by side, and their findings are kept in this order.
    let found: Vec<Vec<Finding>> = detectors
        .par_iter()
        .map(|(name, detector)| {
            let started = std::time::Instant::now();
            let found = detector();
            crate::timings::note(name, started);
            found
        })
        .collect();
    let mut findings: Vec<Finding> = found.into_iter().flatten().collect();
    if let Some(rules) = &options.rules {
        findings.extend(site_rules::detect(events, rules));
    }
    if let Some(config) = &options.postconf {
        for finding in &mut findings {
            finding.confirmation = postconf::confirm(finding, config, events);
        }
    }
    if !options.only.is_empty() {
        findings.retain(|f| options.only.iter().any(|id| id == f.id));
    }
    // Only against a whole day: a finding may have been in the part of
    // the day before that the input does not hold.
    if let Some(before) = context.day_before.as_ref().filter(|b| b.starts.is_none()) {
        for finding in &mut findings {
            finding.new = Some(before.is_new(finding));
        }
    }
    if samples {
        let started = std::time::Instant::now();
        let rows: Vec<&[usize]> = findings.iter().map(|f| &f.evidence.rows[..]).collect();
        let samples = events.samples(&rows);
        for (finding, samples) in findings.iter_mut().zip(samples) {
            finding.evidence.samples = samples;
        }
        crate::timings::note("(findings: samples)", started);
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.impact.cmp(&a.impact))
            .then_with(|| a.key().cmp(&b.key()))
    });
    Ok(findings)
}

/// `1 recipient`, `2 recipients`.
pub fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else if let Some(stem) = noun.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else if noun.ends_with('s') || noun.ends_with('x') {
        format!("{n} {noun}es")
    } else {
        format!("{n} {noun}s")
    }
}

/// `counts` most first, ties by name.
pub fn ranked<'a>(counts: impl IntoIterator<Item = (&'a str, u64)>) -> Vec<(&'a str, u64)> {
    let mut ranked: Vec<(&str, u64)> = counts.into_iter().collect();
    ranked.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
    ranked
}

/// The first `shown` of `ranked` as `a (12), b (3) and c (1)`, then
/// ` and 4 more` (` and 4 more clients` with `noun`) when some are left out.
pub fn top_list(ranked: &[(&str, u64)], shown: usize, noun: &str) -> String {
    let named: Vec<String> = ranked
        .iter()
        .take(shown)
        .map(|(name, n)| format!("{name} ({n})"))
        .collect();
    let more = ranked.len().saturating_sub(shown);
    let noun = if noun.is_empty() {
        String::new()
    } else {
        format!(" {noun}")
    };
    if more > 0 {
        format!("{} and {more} more{noun}", join_list(&named))
    } else {
        join_list(&named)
    }
}

/// `a, b and c`.
pub fn join_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
