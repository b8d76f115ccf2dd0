//! Reports: each one declared once in the registry below, from the event
//! frame (and the line counts) to a small, sorted [`Report`]. `render` is
//! the only place that knows how a report is printed.
//!
//! Adding a report: write `src/report/NAME.rs` with a `pub const SPEC:
//! ReportSpec` (its title, what it reads, how it computes, which columns go
//! first when the table is too wide), and add one line to [`registry!`]
//! below. The line gives the report its name, which is at once the
//! `--report` value, the JSON key, the CSV section and the Markdown heading.
//! Tables that several reports read (the rejects table feeds the findings)
//! live in [`Context`], computed once per run.

pub mod charts;
pub mod columns;
pub mod day_before;
mod deliveries;
mod failed;
pub mod findings;
pub mod group_by;
pub mod grouping;
mod headline;
mod overview;
pub mod rejects;
pub mod render;
pub mod summary;
pub mod tally;
mod time_range;

use std::sync::OnceLock;

use polars::prelude::*;

use crate::frame::rows::Stretch;
use crate::frame::Projection;
use crate::input::readback::Origin;
use crate::messages::{self, Messages};
use crate::parse::{DeliveryStatus, EventKind};
use crate::scan::{LineCounts, LineIndex, Scan};
use crate::sessions::SessionStats;
use crate::window::Window;
use crate::zone::Zone;
pub use group_by::GroupKey;
use summary::Summary;

/// Declares [`ReportName`] and its [`ReportSpec`]s from one list, in the
/// order `--help` lists them.
macro_rules! registry {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal => $spec:path, )*) => {
        /// A report `--report` can ask for.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ReportName {
            $( $(#[$doc])* $variant, )*
        }

        impl ReportName {
            pub const ALL: &'static [ReportName] = &[$( ReportName::$variant ),*];

            /// The report's name: its `--report` value, JSON key, CSV
            /// section and Markdown heading.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( ReportName::$variant => $name, )*
                }
            }

            pub fn spec(self) -> &'static ReportSpec {
                match self {
                    $( ReportName::$variant => &$spec, )*
                }
            }
        }
    };
}

registry! {
    Headline = "headline" => headline::SPEC,
    Overview = "overview" => overview::SPEC,
    TimeRange = "time_range" => time_range::SPEC,
    Findings = "findings" => findings::SPEC,
    Rejects = "rejects" => rejects::REJECTS,
    Warnings = "warnings" => rejects::WARNINGS,
    Failed = "failed" => failed::SPEC,
    Deliveries = "deliveries" => deliveries::SPEC,
    Totals = "totals" => summary::totals::SPEC,
    Fates = "fates" => summary::fates::SPEC,
    PerDay = "per_day" => summary::per_day::SPEC,
    PerHour = "per_hour" => summary::per_hour::SPEC,
    RecipientDomains = "recipient_domains" => summary::recipient_domains::SPEC,
    SenderDomains = "sender_domains" => summary::sender_domains::SPEC,
    Senders = "senders" => summary::people::SENDERS,
    Recipients = "recipients" => summary::people::RECIPIENTS,
    SendersBySize = "senders_by_size" => summary::people::SENDERS_BY_SIZE,
    RecipientsBySize = "recipients_by_size" => summary::people::RECIPIENTS_BY_SIZE,
    NoSize = "no_size" => summary::no_size::SPEC,
    Deferrals = "deferrals" => summary::deferrals::SPEC,
    Bounces = "bounces" => summary::bounces::SPEC,
    Holds = "holds" => summary::holds::HOLDS,
    Discards = "discards" => summary::holds::DISCARDS,
    ConnectionsPerDay = "connections_per_day" => summary::connections::PER_DAY,
    ConnectionsPerHour = "connections_per_hour" => summary::connections::PER_HOUR,
    ConnectingClients = "connecting_clients" => summary::connections::CLIENTS_SPEC,
    Postscreen = "postscreen" => summary::postscreen::SPEC,
    Tls = "tls" => summary::tls::SPEC,
    SaslUsers = "sasl_users" => summary::sasl::USERS,
    SaslFailures = "sasl_failures" => summary::sasl::FAILURES,
    SmtpExceptions = "smtp_exceptions" => summary::smtp_exceptions::SPEC,
    DaemonMessages = "daemon_messages" => summary::daemon_messages::SPEC,
}

/// Names that stand for several reports, in order.
pub const GROUPS: &[(&str, &str, &[ReportName])] = &[(
    "summary",
    "pflogsumm's daily summary: the headline, then totals to postscreen (the README lists them), in pflogsumm's order",
    summary::SECTIONS,
)];

impl ReportName {
    /// `--report`'s default, as it is typed.
    pub const DEFAULT_LIST: &'static str =
        "headline,findings,rejects,warnings,failed,deliveries,time_range,overview";

    pub fn from_name(name: &str) -> Option<ReportName> {
        ReportName::ALL.iter().copied().find(|r| r.as_str() == name)
    }

    /// Whether the report reads the summary's numbers
    /// ([`Context::summary`]): [`Context::prepare`] computes them ahead.
    fn reads_summary(self) -> bool {
        use ReportName::*;
        matches!(
            self,
            Headline
                | Overview
                | Totals
                | Fates
                | PerDay
                | PerHour
                | RecipientDomains
                | SenderDomains
                | Senders
                | Recipients
                | SendersBySize
                | RecipientsBySize
                | NoSize
        )
    }

    /// The reports `name` stands for: itself, or a group's.
    pub fn expand(name: &str) -> Option<Vec<ReportName>> {
        if let Some(report) = ReportName::from_name(name) {
            return Some(vec![report]);
        }
        GROUPS
            .iter()
            .find(|(group, ..)| *group == name)
            .map(|(_, _, reports)| reports.to_vec())
    }
}

/// What the registry knows of one report.
pub struct ReportSpec {
    /// The heading people read.
    pub title: &'static str,
    /// The rows and columns of the frame the report reads, including those
    /// of the shared tables it uses.
    pub reads: fn() -> Projection,
    pub compute: fn(&Context<'_>) -> PolarsResult<Body>,
    /// Columns a table leaves out first when it is too wide for the output,
    /// least important first. Free text never goes: it wraps.
    pub drop_first: &'static [&'static str],
    /// Whether `--top` cuts the report: lists ranked by count are cut,
    /// summaries of a fixed size (the overview) are not.
    pub ranked: bool,
}

/// One computed report.
#[derive(Clone)]
pub struct Report {
    /// `rejects`, or `group_by` for `--group-by`.
    pub name: &'static str,
    pub title: String,
    pub body: Body,
    pub drop_first: &'static [&'static str],
}

/// A report's content, and so its layout.
#[derive(Clone)]
pub enum Body {
    /// Rows and columns: a table for people, rows for machines.
    Table(Rows),
    /// One line of text (the headline).
    Line(String),
    /// Findings: sentences for people, objects for machines.
    Findings {
        findings: Vec<findings::Finding>,
        /// How many more the row cap left out.
        omitted: usize,
    },
}

/// A table and how many of its rows the row cap left out.
#[derive(Clone)]
pub struct Rows {
    pub frame: DataFrame,
    pub omitted: usize,
}

impl Rows {
    pub fn all(frame: DataFrame) -> Rows {
        Rows { frame, omitted: 0 }
    }
}

impl Body {
    pub fn table(frame: DataFrame) -> Body {
        Body::Table(Rows::all(frame))
    }

    /// The rows (or findings) printed and those `--top` left out.
    pub fn shown_and_omitted(&self) -> (usize, usize) {
        match self {
            Body::Line(_) => (1, 0),
            Body::Table(rows) => (rows.frame.height(), rows.omitted),
            Body::Findings { findings, omitted } => (findings.len(), *omitted),
        }
    }

    /// Keeps the first `top` rows (or findings).
    fn limit(self, top: Option<usize>) -> Body {
        let Some(top) = top else {
            return self;
        };
        match self {
            Body::Table(rows) if rows.frame.height() > top => Body::Table(Rows {
                omitted: rows.frame.height() - top,
                frame: rows.frame.head(Some(top)),
            }),
            Body::Findings { mut findings, .. } if findings.len() > top => Body::Findings {
                omitted: findings.len() - top,
                findings: {
                    findings.truncate(top);
                    findings
                },
            },
            body => body,
        }
    }
}

/// What a run prints: the reports asked for, or one `--group-by` table.
#[derive(Clone, Debug)]
pub enum Plan {
    Reports(Vec<ReportName>),
    GroupBy(Vec<GroupKey>),
}

/// A [`Plan`] with the event kinds it covers (`--event`), the row cap, and
/// how times and content filters are counted.
#[derive(Clone, Debug)]
pub struct Request {
    pub plan: Plan,
    /// `--event`, or every kind.
    pub kinds: Vec<EventKind>,
    /// Rows per table; `None` for all.
    pub top: Option<usize>,
    /// The zone reports cut days and hours in and print times in.
    pub zone: Zone,
    /// `--count-filter-hops`.
    pub count_filter_hops: bool,
    /// The events reported on (for the headline; the scan applied it).
    pub window: Window,
    /// Thresholds, site rules and configuration for the findings.
    pub findings: findings::FindingOptions,
}

impl Request {
    /// The rows and columns of the events the requested output reads.
    pub fn projection(&self) -> Projection {
        let wanted = match &self.plan {
            Plan::GroupBy(keys) => group_by::reads(keys),
            Plan::Reports(names) => names
                .iter()
                .map(|name| (name.spec().reads)())
                .fold(Projection::NONE, Projection::union),
        };
        wanted.only_kinds(&self.kinds)
    }

    /// Computes the reports, in the requested order, from `context` (made
    /// for this request: [`Context::new`]).
    pub fn compute(&self, context: &Context<'_>) -> PolarsResult<Vec<Report>> {
        let frame = context.frame;
        if let Plan::Reports(names) = &self.plan {
            context.prepare(names)?;
        }
        match &self.plan {
            Plan::GroupBy(keys) => {
                let body = Body::table(group_by::compute(frame, keys, &self.zone)?).limit(self.top);
                Ok(vec![Report {
                    name: group_by::NAME,
                    title: group_by::title(keys),
                    body,
                    drop_first: &[],
                }])
            }
            Plan::Reports(names) => names
                .iter()
                .map(|name| {
                    let spec = name.spec();
                    let started = std::time::Instant::now();
                    let body = (spec.compute)(context)?;
                    crate::timings::note(name.as_str(), started);
                    // The one title that depends on the run: the totals
                    // say which day they are compared with.
                    let title = match (&context.day_before, name) {
                        (Some(before), ReportName::Totals) => before.title(spec.title, context),
                        _ => spec.title.to_string(),
                    };
                    Ok(Report {
                        name: name.as_str(),
                        title,
                        body: if spec.ranked {
                            body.limit(self.top)
                        } else {
                            body
                        },
                        drop_first: spec.drop_first,
                    })
                })
                .collect(),
        }
    }
}

/// What reports compute from: the frame, the line counts, the event kinds
/// the run covers, the zone times are shown in, and the tables that several
/// reports read, each computed on first use and then shared.
pub struct Context<'a> {
    pub frame: &'a DataFrame,
    pub counts: &'a LineCounts,
    /// The inputs, by their number in the frame, and the marks of their
    /// line numbers: for the findings' sample lines.
    pub inputs: &'a [Origin<'a>],
    pub line_index: &'a LineIndex,
    /// smtpd, TLS and postscreen sessions, counted by the scan (when a
    /// report's projection asked: [`Projection::with_session_stats`]).
    pub session_stats: &'a SessionStats,
    pub findings: &'a findings::FindingOptions,
    pub kinds: &'a [EventKind],
    pub zone: &'a Zone,
    /// The time window the run covers (`-d`, `--since`, `--until`).
    pub window: Window,
    /// Count a content filter's hop as a delivery and its re-injected copy
    /// as received mail, as pflogsumm does.
    pub count_filter_hops: bool,
    /// The frame's stretches ([`crate::frame::rows`]).
    pub stretches: &'a [Stretch],
    /// With `-d`, the day before's numbers, if the input holds that day:
    /// the totals and the findings are compared with them.
    pub day_before: Option<day_before::DayBefore>,
    rejects: OnceLock<DataFrame>,
    deliveries: OnceLock<DataFrame>,
    /// The messages the scan put together, if it did
    /// ([`Projection::folds_messages`]).
    scanned_messages: Option<&'a Messages>,
    messages: OnceLock<Messages>,
    summary: OnceLock<Summary<'a>>,
    found: OnceLock<Vec<findings::Finding>>,
}

impl<'a> Context<'a> {
    /// The reports' view of `scan` of `inputs` (by their number in the
    /// frame), for `request`.
    pub fn new(scan: &'a Scan, request: &'a Request, inputs: &'a [Origin<'a>]) -> Self {
        Context {
            frame: &scan.frame,
            counts: &scan.counts,
            inputs,
            line_index: &scan.line_index,
            session_stats: &scan.sessions,
            findings: &request.findings,
            kinds: &request.kinds,
            zone: &request.zone,
            window: request.window,
            count_filter_hops: request.count_filter_hops,
            stretches: &scan.stretches,
            day_before: None,
            rejects: OnceLock::new(),
            deliveries: OnceLock::new(),
            scanned_messages: scan.messages.as_ref(),
            messages: OnceLock::new(),
            summary: OnceLock::new(),
            found: OnceLock::new(),
        }
    }

    /// Computes ahead the shared tables that `names` read, two at a time
    /// where one does not need the other: when the findings are asked for,
    /// the messages with the findings' tables, then the summary (if asked
    /// for) with the findings. Each is pure Rust over
    /// the frame (no polars, whose own thread pool would let this thread
    /// take on other work while it waits), and the reports then only read
    /// them. A report missing here still gets its tables, computed on
    /// first use.
    fn prepare(&self, names: &[ReportName]) -> PolarsResult<()> {
        // The headline counts the findings too.
        let wants_findings = names
            .iter()
            .any(|n| matches!(n, ReportName::Findings | ReportName::Headline));
        if !wants_findings || self.found.get().is_some() {
            return Ok(());
        }
        let (messages, events) = rayon::join(|| self.messages().map(drop), || self.events());
        messages?;
        // The findings' tables are dropped once the findings are made.
        let events = events?;
        let found = if names.iter().any(|name| name.reads_summary()) {
            let (summary, found) = rayon::join(
                || self.summary().map(drop),
                || findings::detect_in(self, &events, true),
            );
            summary?;
            found?
        } else {
            findings::detect_in(self, &events, true)?
        };
        // Unset above, and only this function and `found` set it.
        let _ = self.found.set(found);
        Ok(())
    }

    /// The detectors' view of the frame ([`findings::events::Events`]).
    pub fn events(&self) -> PolarsResult<findings::events::Events<'a>> {
        let started = std::time::Instant::now();
        let events = findings::events::Events::read(self);
        crate::timings::note("(findings: events)", started);
        events
    }

    /// Every detector's findings with their sample lines
    /// ([`findings::detect`]): what the findings report prints (and
    /// `--fail-on` then checks).
    pub fn found(&self) -> PolarsResult<&[findings::Finding]> {
        once(&self.found, || findings::detect(self, true)).map(Vec::as_slice)
    }

    /// The summary's numbers ([`summary::Summary`]).
    pub fn summary(&self) -> PolarsResult<&Summary<'a>> {
        once(&self.summary, || {
            let started = std::time::Instant::now();
            let summary = Summary::compute(self, self.count_filter_hops);
            crate::timings::note("(summary)", started);
            summary
        })
    }

    /// Delivery rows with one of `statuses`, without the deliveries that
    /// handed a message to a content filter (unless they count, see
    /// `count_filter_hops`), grouped by `keys` ([`tally::grouped`]): the
    /// delivery tables.
    pub fn final_deliveries(
        &self,
        statuses: &[DeliveryStatus],
        keys: &[&str],
        aggregates: &grouping::Aggregates<'_>,
    ) -> PolarsResult<DataFrame> {
        let skip = match self.count_filter_hops {
            true => None,
            false => Some(self.messages()?.hop.as_slice()),
        };
        let rows = tally::Rows {
            kinds: &[EventKind::Delivery],
            statuses,
            skip,
            present: &[],
        };
        tally::grouped(self.frame, self.stretches, &rows, keys, aggregates)
    }

    /// The messages ([`crate::messages`]): read by the overview, the
    /// summary and the delivery tables (which leave filter hops out).
    pub fn messages(&self) -> PolarsResult<&Messages> {
        if let Some(messages) = self.scanned_messages {
            return Ok(messages);
        }
        // A scan that did not put them together kept their rows (a
        // test's scan of every event).
        once(&self.messages, || {
            let started = std::time::Instant::now();
            let messages = messages::build_in(self.frame, self.stretches);
            crate::timings::note("(messages)", started);
            messages
        })
    }

    /// The rejects table ([`rejects::REJECTS`]): read by the rejects report
    /// and the findings.
    pub fn rejects(&self) -> PolarsResult<&DataFrame> {
        once(&self.rejects, || {
            let table = rejects::by_domain(self, &[EventKind::Reject])?;
            match &self.findings.rules {
                Some(rules) => rejects::with_site_rules(table, rules),
                None => Ok(table),
            }
        })
    }

    /// Successful deliveries by recipient domain ([`deliveries::SPEC`]):
    /// read by the deliveries report and the findings.
    pub fn deliveries(&self) -> PolarsResult<&DataFrame> {
        once(&self.deliveries, || deliveries::by_domain(self))
    }
}

/// The value of `cell`, computed by `make` the first time.
fn once<T>(cell: &OnceLock<T>, make: impl FnOnce() -> PolarsResult<T>) -> PolarsResult<&T> {
    if let Some(value) = cell.get() {
        return Ok(value);
    }
    let value = make()?;
    Ok(cell.get_or_init(|| value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Event;

    /// What a run of the reports `names`, over every event kind, reads.
    fn projection_of(names: Vec<ReportName>) -> Projection {
        Request {
            plan: Plan::Reports(names),
            kinds: EventKind::ALL.to_vec(),
            top: None,
            zone: Zone::UTC,
            count_filter_hops: false,
            window: Window::ALL,
            findings: findings::FindingOptions::default(),
        }
        .projection()
    }

    /// The default reports read none of the session kinds but smtpd's SASL
    /// failures (the findings name password guessing) and master's starts
    /// and reloads (an onset names the reload before it), both rare: the
    /// others' lines cost the parsing, never a frame row.
    #[test]
    fn the_default_reports_keep_no_session_event() {
        let names = ReportName::DEFAULT_LIST
            .split(',')
            .map(|name| ReportName::from_name(name).expect("a report"))
            .collect();
        let projection = projection_of(names);
        for kind in [
            EventKind::Connect,
            EventKind::Disconnect,
            EventKind::LostConnection,
            EventKind::Timeout,
            EventKind::TooManyErrors,
            EventKind::Tls,
            EventKind::Postscreen,
            EventKind::Anvil,
            EventKind::ConnectError,
            EventKind::Postsuper,
        ] {
            assert!(!projection.keeps(&Event::new(kind)), "{kind:?}");
        }
        // It does keep what it reports on.
        assert!(projection.keeps(&Event::new(EventKind::Reject)));
        assert!(projection.keeps(&Event::new(EventKind::SaslFailure)));
        assert!(projection.keeps(&Event::new(EventKind::Master)));
        // smtpd's `client=` lines, one per message, are counted by the
        // scan (the findings read the messages accepted per client), not
        // kept.
        assert!(!projection.keeps(&Event::new(EventKind::Client)));
        assert!(projection.gathers(&Event::new(EventKind::Client)));
    }

    /// The SASL users' table keeps only the authenticated `client=` lines.
    #[test]
    fn the_summary_keeps_only_authenticated_client_lines() {
        let projection = projection_of(ReportName::expand("summary").expect("the summary"));
        let mut client = Event::new(EventKind::Client);
        assert!(!projection.keeps(&client));
        client.sasl_username = Some("jan");
        assert!(projection.keeps(&client));
    }
}
