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

pub mod columns;
mod deliveries;
mod failed;
pub mod findings;
pub mod group_by;
mod grouping;
mod overview;
mod rejects;
pub mod render;
mod time_range;

use std::cell::OnceCell;

use polars::prelude::*;

use crate::frame::Projection;
use crate::parse::EventKind;
use crate::scan::LineCounts;
pub use group_by::GroupKey;

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
    Overview = "overview" => overview::SPEC,
    TimeRange = "time_range" => time_range::SPEC,
    Findings = "findings" => findings::SPEC,
    Rejects = "rejects" => rejects::REJECTS,
    Warnings = "warnings" => rejects::WARNINGS,
    Failed = "failed" => failed::SPEC,
    Deliveries = "deliveries" => deliveries::SPEC,
}

impl ReportName {
    /// `--report`'s default, as it is typed.
    pub const DEFAULT_LIST: &'static str =
        "overview,time_range,findings,rejects,warnings,failed,deliveries";

    pub fn from_name(name: &str) -> Option<ReportName> {
        ReportName::ALL.iter().copied().find(|r| r.as_str() == name)
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

/// A [`Plan`] with the event kinds it covers (`--event`) and the row cap.
#[derive(Clone, Debug)]
pub struct Request {
    pub plan: Plan,
    /// `--event`, or every kind.
    pub kinds: Vec<EventKind>,
    /// Rows per table; `None` for all.
    pub top: Option<usize>,
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

    /// Computes the reports, in the requested order.
    pub fn compute(&self, frame: &DataFrame, counts: &LineCounts) -> PolarsResult<Vec<Report>> {
        let context = Context::new(frame, counts, &self.kinds);
        match &self.plan {
            Plan::GroupBy(keys) => {
                let body = Body::table(group_by::compute(frame, keys)?).limit(self.top);
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
                    let body = (spec.compute)(&context)?;
                    Ok(Report {
                        name: name.as_str(),
                        title: spec.title.to_string(),
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
/// the run covers, and the tables that several reports read, each computed
/// on first use and then shared.
pub struct Context<'a> {
    pub frame: &'a DataFrame,
    pub counts: &'a LineCounts,
    pub kinds: &'a [EventKind],
    rejects: OnceCell<DataFrame>,
    deliveries: OnceCell<DataFrame>,
}

impl<'a> Context<'a> {
    pub fn new(frame: &'a DataFrame, counts: &'a LineCounts, kinds: &'a [EventKind]) -> Self {
        Context {
            frame,
            counts,
            kinds,
            rejects: OnceCell::new(),
            deliveries: OnceCell::new(),
        }
    }

    /// The rejects table ([`rejects::REJECTS`]): read by the rejects report
    /// and the findings.
    pub fn rejects(&self) -> PolarsResult<&DataFrame> {
        once(&self.rejects, || {
            rejects::by_domain(self.frame, &[EventKind::Reject])
        })
    }

    /// Successful deliveries by recipient domain ([`deliveries::SPEC`]):
    /// read by the deliveries report and the findings.
    pub fn deliveries(&self) -> PolarsResult<&DataFrame> {
        once(&self.deliveries, || deliveries::by_domain(self.frame))
    }
}

/// The value of `cell`, computed by `make` the first time.
fn once<T>(cell: &OnceCell<T>, make: impl FnOnce() -> PolarsResult<T>) -> PolarsResult<&T> {
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

    /// The default reports read none of the session kinds: their lines cost
    /// the parsing, never a frame row.
    #[test]
    fn the_default_reports_keep_no_session_event() {
        let names = ReportName::DEFAULT_LIST
            .split(',')
            .map(|name| ReportName::from_name(name).expect("a report"))
            .collect();
        let request = Request {
            plan: Plan::Reports(names),
            kinds: EventKind::ALL.to_vec(),
            top: None,
        };
        let projection = request.projection();
        for kind in [
            EventKind::Connect,
            EventKind::Disconnect,
            EventKind::LostConnection,
            EventKind::Timeout,
            EventKind::TooManyErrors,
            EventKind::Tls,
            EventKind::SaslFailure,
            EventKind::Postscreen,
            EventKind::Anvil,
            EventKind::ConnectError,
            EventKind::Master,
            EventKind::Postsuper,
        ] {
            assert!(!projection.keeps(&Event::new(kind)), "{kind:?}");
        }
        // It does keep what it reports on.
        assert!(projection.keeps(&Event::new(EventKind::Reject)));
    }
}
