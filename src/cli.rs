//! Command-line flags (clap derive) and the [`Config`] resolved from them.

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{CommandFactory, Parser, Subcommand};

use crate::input::journal::Journal;
use crate::input::MmapPolicy;
use crate::parse::EventKind;
use crate::report::findings::postconf::Postconf;
use crate::report::findings::site_rules::Rules;
use crate::report::findings::{FindingOptions, Severity, Thresholds};
use crate::report::render::Format;
use crate::report::{GroupKey, Plan, ReportName, Request, GROUPS};
use crate::window::Window;
use crate::zone::Zone;

const AFTER_HELP: &str = "\
Examples:
  maillog-report /var/log/mail.log
      Overview, findings, rejects, bounces and deferrals of one log.
  maillog-report --year 2023 /var/log/mail.log*
      A rotated set (compressed files are read directly), read in the order
      of its content; the newest classic stamps are in 2023.
  maillog-report --group-by to_domain,restriction --event reject mail.log
      Rejects by recipient domain and inferred restriction.
  maillog-report --group-by day,kind --top 0 mail.log
      Events per day and kind, all rows.
  maillog-report --journal -d yesterday
      The Postfix entries of this machine's systemd journal, yesterday.
  journalctl -o short-iso -t postfix/smtpd | maillog-report -
      Read standard input: any of journalctl's short, short-precise,
      short-iso, short-iso-precise, short-full, short-unix or json output.
  maillog-report --format json --report rejects mail.log
      One report as JSON, for scripts.
  maillog-report --report summary -d yesterday /var/log/mail.log
      pflogsumm's daily summary of yesterday (in --tz), for cron.

Input formats (recognized line by line):
  classic syslog and Postfix's maillog_file (Mar  7 02:09:33 host prog[pid]:),
  RFC 3339 stamps, RFC 5424 (<22>1 2026-11-23T03:35:09+01:00 host postfix/smtpd
  PID - - message), a <PRI> before a classic or RFC 3339 line, and journalctl's
  short, short-precise, short-iso, short-iso-precise, short-full, short-unix
  and json outputs (JSON when the input's first byte is {). --journal and
  --journal-file run journalctl for every syslog identifier starting with
  postfix (postfix/*, postfix-out/*, postfix/postfix-script, ...).

Timestamps and time zones:
  RFC 3339 stamps (2023-03-14T00:00:31.185246+01:00, also in RFC 5424 lines
  and journalctl's short-iso, 2026-11-29T05:35:09+0000) carry their zone.
  journalctl's short-full stamps (Sun 2026-11-29 05:35:09 UTC) are exact with
  UTC, GMT or a numeric offset; with another abbreviation (CET, EST) they are
  read in --tz.
  Classic stamps (Mar  7 02:09:33) carry neither year nor zone: they are read
  in --tz (default: the machine's zone, $TZ or /etc/localtime, with daylight
  saving time), and the year is that of the input's last line: the latest
  year that puts it at or before the time the file was written (its
  modification time, with a day of slack; now, for stdin). Lines from a
  month after the last line's month belong to the year before (December
  before January). --year is the year of the newest input's last line;
  older inputs take the year that puts them before the next, and so do
  rotated files (mail.log.2.gz, mail.log.1, mail.log) whose times cannot
  order them (all written within a minute: copied without their times). Days, hours and
  table times are in --tz too; JSON and CSV print UTC.

Line accounting:
  Every input line is counted once: an event, a known Postfix line that no
  report uses, a line of another program, a line without a syslog header, an
  unrecognized Postfix line (--unparsed FILE writes them), or a line longer
  than --max-line. The overview prints these counts.

Exit status:
  0   the report covers all input
  1   some input could not be read (missing, a directory, no permission,
      damaged compressed data, journalctl missing or failing): the problem
      is on stderr, the report covers the rest;
      when no input could be read at all, no report is printed
  2   usage error
  3   the report or an output file (--unparsed, --parquet, --parquet-dir)
      could not be written
  4   a finding of --fail-on's severity or worse exists (the report is
      printed; status 3 wins over 4, 4 over 1)
  5   the input holds no Postfix line, or no Postfix event in the window
      (-d, --since, --until): the empty report is printed and stderr says
      why (status 1 wins over 5)
  70  internal error (a bug: please report it with the message)
With --nagios, a plugin's statuses instead: 0 OK, 1 WARNING (the worst
finding is a warning), 2 CRITICAL (a critical finding), 3 UNKNOWN (an input
could not be read, nothing to report, an output could not be written, or
an internal error); a usage error stays 2.";

/// Turn Postfix mail logs into answers: what fails, for whom, since when,
/// why, and what to change.
#[derive(Parser, Debug)]
#[command(name = "maillog-report", version, about, long_about = None, after_long_help = AFTER_HELP, after_help = "Use --help for the values of each option, examples, timestamp rules and exit codes.", args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Log files, plain or compressed (gzip, zstd, xz, bzip2: recognised by
    /// their bytes); `-` or none reads standard input. Several files are
    /// read in the order of their content (a rotated set), the same content
    /// once. journalctl's JSON output (`-o json`) is recognized by its `{`.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,

    /// Read the Postfix entries of this machine's systemd journal (runs
    /// journalctl; -d, --since and --until select the entries it prints).
    #[arg(long)]
    pub journal: bool,

    /// Read a journal file, e.g. one copied from another host (runs
    /// `journalctl --file FILE`, as --journal); may be given more than once.
    #[arg(long, value_name = "FILE")]
    pub journal_file: Vec<PathBuf>,

    /// Reports to print, in this order (a comma-separated list); `summary`
    /// stands for the daily summary's sections. A report named twice is
    /// printed once, where it comes first (`headline,findings,summary`:
    /// the nightly mail's answer first).
    #[arg(long, value_delimiter = ',', value_name = "REPORT,…", value_parser = report_name_parser(), default_value = ReportName::DEFAULT_LIST)]
    pub report: Vec<Vec<ReportName>>,

    /// Instead of the reports, count events grouped by these columns (any
    /// frame column, see the README, or `hour`, `day`).
    #[arg(long, value_delimiter = ',', value_name = "COL,…", value_parser = group_key_parser())]
    pub group_by: Vec<GroupKey>,

    /// Only events of these kinds.
    #[arg(long, value_delimiter = ',', value_name = "KIND,…", value_parser = event_kind_parser())]
    pub event: Vec<EventKind>,

    /// Rows per table (and findings per list); 0 prints all. Default: 20 in
    /// tables and Markdown, all rows in JSON and CSV. A table that is cut
    /// says how many rows it left out.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Width of tables and findings, in columns. Default: $COLUMNS, else the
    /// terminal's width, else 100 (pipes and cron mail).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(40..))]
    pub width: Option<u16>,

    /// Write the report to FILE instead of standard output: to a temporary
    /// file beside it, renamed into place once the report is complete (a
    /// reader never sees half a page; a failed run leaves FILE as it was).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// With --format mail: the To: address (repeatable). Default:
    /// postmaster.
    #[arg(long, value_name = "ADDR")]
    pub mail_to: Vec<String>,

    /// With --format mail: the From: address. Default: none, so that
    /// sendmail puts the user that runs it.
    #[arg(long, value_name = "ADDR")]
    pub mail_from: Option<String>,

    /// Plain ASCII for mail: tables drawn with + - | instead of box
    /// drawing, and the report's own … — × written as ... -- x (with
    /// --format table).
    #[arg(long)]
    pub ascii: bool,

    /// Year of the newest input's last classic-syslog line (see Timestamps).
    #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(1970..=9999))]
    pub year: Option<i32>,

    /// Time zone of classic-syslog stamps and of the reports' days, hours
    /// and times: a zone name (Europe/Brussels), UTC, or an offset (+01:00).
    /// Default: the machine's ($TZ, else /etc/localtime).
    #[arg(
        long,
        alias = "utc-offset",
        value_name = "ZONE",
        allow_hyphen_values = true
    )]
    pub tz: Option<String>,

    /// Report on one day only (in --tz): today, yesterday or YYYY-MM-DD.
    /// When the input holds the day before too, the totals are set beside
    /// its numbers and findings it did not have are marked new.
    #[arg(short = 'd', long, value_name = "DAY", conflicts_with_all = ["since", "until"])]
    pub day: Option<String>,

    /// Report on events at or after this time: RFC 3339, a date, or a date
    /// and time (in --tz).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Report on events before this time (as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Only these findings (and only these count for --fail-on).
    #[arg(long, value_delimiter = ',', value_name = "ID,…", value_parser = finding_id_parser())]
    pub finding: Vec<String>,

    /// A domain-wide failure needs at least N attempts (findings).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub min_attempts: u64,

    /// …and at least PCT percent of its recipients failing (findings).
    #[arg(long, value_name = "PCT", default_value_t = 95.0, value_parser = percent)]
    pub min_share: f64,

    /// Exit with status 4 when a finding of this severity or worse exists
    /// (for cron and monitoring).
    #[arg(long, value_name = "SEVERITY", value_parser = ["info", "warning", "critical"])]
    pub fail_on: Option<String>,

    /// Exit as a Nagios/Icinga plugin does: 0 OK, 1 WARNING (a warning
    /// finding), 2 CRITICAL (a critical finding), 3 UNKNOWN (an input or
    /// output problem, or nothing to report); with `--report headline` the
    /// first line is the status text.
    #[arg(long, conflicts_with = "fail_on")]
    pub nagios: bool,

    /// Site rules: a TOML file mapping the reply texts of your own access
    /// maps and checks to a restriction name, a severity and a hint.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Check each finding against the configuration: `--postconf` runs
    /// `postconf -n` and `postconf -P` here; `--postconf=FILE` reads their
    /// saved output (from another host).
    #[arg(long, value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub postconf: Option<String>,

    /// Count a content filter's hand-off as a delivery and its re-injected
    /// copy as received mail, as pflogsumm does (by default each message
    /// counts once).
    #[arg(long)]
    pub count_filter_hops: bool,

    /// Also write the event frame (after --event) to FILE as Parquet.
    #[arg(long, value_name = "FILE")]
    pub parquet: Option<PathBuf>,

    /// Also write the event frame as a Hive-partitioned Parquet dataset
    /// (DIR/day=YYYY-MM-DD/host=H/events-<run>.parquet); re-running the same
    /// input replaces its own files, another input adds its own.
    #[arg(long, value_name = "DIR")]
    pub parquet_dir: Option<PathBuf>,

    /// Also write the messages (one row each: arrival, client, sender, size,
    /// what became of it, …) to FILE as Parquet.
    #[arg(long, value_name = "FILE")]
    pub parquet_messages: Option<PathBuf>,

    /// Write unrecognized Postfix lines to FILE.
    #[arg(long, value_name = "FILE")]
    pub unparsed: Option<PathBuf>,

    /// Worker threads; default: all cores.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Memory-map input files: `auto` maps files unchanged for two minutes
    /// and reads live logs in blocks (a log truncated while mapped would
    /// crash us); `never` reads every file in blocks.
    #[arg(long, value_enum, default_value_t = MmapPolicy::Auto)]
    pub mmap: MmapPolicy,

    /// Most bytes read from one compressed input (a bound against
    /// decompression bombs); the rest is not read and the problem is
    /// reported.
    #[arg(long, default_value_t = crate::input::DEFAULT_MAX_DECOMPRESSED, value_name = "BYTES")]
    pub max_decompressed: u64,

    /// Longest line parsed, in bytes; longer lines are counted and skipped.
    #[arg(long, default_value_t = crate::scan::DEFAULT_MAX_LINE, value_name = "BYTES")]
    pub max_line: usize,
}

/// What to print instead of a report.
#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Print a shell completion script (bash: save it as
    /// /etc/bash_completion.d/maillog-report or source it).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `maillog-report man | man -l -`.
    Man,
}

impl Command {
    /// Writes the completion script or the manual page to `out`.
    pub fn run(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let mut command = Args::command();
        match self {
            Command::Completions { shell } => {
                clap_complete::generate(*shell, &mut command, "maillog-report", out);
                Ok(())
            }
            Command::Man => clap_mangen::Man::new(command).render(out),
        }
    }
}

/// `--finding`'s values: the finding ids, each with what it means.
fn finding_id_parser() -> PossibleValuesParser {
    PossibleValuesParser::new(
        crate::report::findings::IDS
            .iter()
            .map(|(id, about)| PossibleValue::new(*id).help(*about)),
    )
}

/// A percentage, 0 to 100.
fn percent(s: &str) -> Result<f64, String> {
    let p: f64 = s.parse().map_err(|_| format!("{s}: not a number"))?;
    if (0.0..=100.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("{p}: a percentage is 0 to 100"))
    }
}

/// `--report`'s values, each with its title in `--help`: the reports, and
/// the groups (`summary`), which stand for several.
fn report_name_parser() -> impl clap::builder::TypedValueParser<Value = Vec<ReportName>> {
    let groups = GROUPS
        .iter()
        .map(|(name, about, _)| PossibleValue::new(*name).help(*about));
    let values = ReportName::ALL
        .iter()
        .map(|r| PossibleValue::new(r.as_str()).help(r.spec().title));
    PossibleValuesParser::new(groups.chain(values))
        .map(|name| ReportName::expand(&name).expect("clap accepts only the names listed"))
}

/// `--event`'s values: the event kinds.
fn event_kind_parser() -> impl clap::builder::TypedValueParser<Value = EventKind> {
    let values = EventKind::ALL
        .iter()
        .map(|k| PossibleValue::new(k.as_str()));
    PossibleValuesParser::new(values)
        .map(|name| EventKind::from_name(&name).expect("clap accepts only the names listed"))
}

/// `--group-by`'s values: `hour`, `day` and the frame's columns.
fn group_key_parser() -> impl clap::builder::TypedValueParser<Value = GroupKey> {
    let values = GroupKey::all().map(|k| PossibleValue::new(k.as_str()));
    PossibleValuesParser::new(values)
        .map(|name| GroupKey::from_name(&name).expect("clap accepts only the names listed"))
}

/// Choices resolved from [`Args`] and the environment.
#[derive(Debug, Clone)]
pub struct Config {
    pub files: Vec<String>,
    /// Journals read through journalctl (`--journal`, `--journal-file`).
    pub journals: Vec<Journal>,
    /// What to compute: the reports or the `--group-by` table, the event
    /// kinds covered, the row cap.
    pub request: Request,
    pub format: Format,
    pub width: usize,
    pub year: Option<i32>,
    /// Now, read once ([`crate::clock`]), µs since the epoch.
    pub now: crate::parse::Micros,
    /// The events reported on.
    pub window: Window,
    /// With `-d`: the day before, which the totals and findings are
    /// compared with when the input holds it.
    pub day_before: Option<Window>,
    pub unparsed: Option<PathBuf>,
    pub parquet: Option<PathBuf>,
    pub parquet_dir: Option<PathBuf>,
    pub parquet_messages: Option<PathBuf>,
    pub threads: usize,
    pub mmap: MmapPolicy,
    pub max_line: usize,
    pub max_decompressed: u64,
    pub color: bool,
    /// `--ascii`: tables and the report's typography in ASCII.
    pub ascii: bool,
    /// `--fail-on`: exit 4 when a finding this bad exists.
    pub fail_on: Option<Severity>,
    /// `--nagios`: plugin exit statuses ([`crate::exit::nagios`]).
    pub nagios: bool,
    /// `-o FILE`: the report's file (else standard output).
    pub output: Option<PathBuf>,
    /// `--format mail`: To: and From:.
    pub mail_to: Vec<String>,
    pub mail_from: Option<String>,
}

/// Where the output goes, as far as [`Config`] cares.
#[derive(Clone, Copy, Debug)]
pub struct Terminal {
    pub stdout_is_terminal: bool,
    /// The terminal's width, if stdout is one.
    pub width: Option<usize>,
}

impl Terminal {
    /// Output to a pipe or a file, as in cron, tests and benches.
    pub const PIPE: Terminal = Terminal {
        stdout_is_terminal: false,
        width: None,
    };
}

/// Tables are fitted to this width when nothing else says one: it reads
/// well in a mail client (cron) and in a pager.
pub const DEFAULT_WIDTH: usize = 100;

impl Config {
    pub fn from_args(args: Args, terminal: Terminal) -> Result<Config, String> {
        let zone = match &args.tz {
            Some(spec) => Zone::parse(spec).ok_or_else(|| {
                format!("--tz {spec}: expected a zone name (Europe/Brussels), UTC or ±HH:MM")
            })?,
            None => Zone::machine(),
        };
        let now = crate::clock::now()?;
        let window = match (&args.day, &args.since, &args.until) {
            (Some(day), ..) => Window::day(day, &zone, now).map_err(|e| format!("--day {e}"))?,
            (None, since, until) => Window::between(since.as_deref(), until.as_deref(), &zone)?,
        };
        let mut journals: Vec<Journal> = args.journal_file.into_iter().map(Journal::File).collect();
        if args.journal {
            journals.insert(0, Journal::Local);
        }
        let files = if args.files.is_empty() && journals.is_empty() {
            vec!["-".to_string()]
        } else {
            args.files
        };
        // `--report rejects overview` reads `overview` as a file.
        for file in &files {
            if ReportName::from_name(file).is_some() && !std::path::Path::new(file).exists() {
                return Err(format!(
                    "{file}: no such file; to print several reports, separate them with commas: --report {},{file}",
                    args.report
                        .first()
                        .and_then(|r| r.first())
                        .map_or("overview", |r| r.as_str())
                ));
            }
        }
        let threads = args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1);
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let columns = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|&c| c > 0);
        let width = args
            .width
            .map(usize::from)
            .or(columns)
            .or(terminal.width)
            .unwrap_or(DEFAULT_WIDTH);
        let top = match args.top {
            Some(0) => None,
            Some(n) => Some(n),
            None if args.format.is_for_machines() => None,
            None => Some(DEFAULT_TOP),
        };
        let kinds = if args.event.is_empty() {
            EventKind::ALL.to_vec()
        } else {
            args.event
        };
        let rules = args.rules.as_deref().map(Rules::load).transpose()?;
        let postconf = match args.postconf.as_deref() {
            None => None,
            Some("") => {
                // `--postconf FILE` reads FILE as a log: say so rather
                // than run postconf here and report on a settings file.
                if let Some(file) = files.iter().find(|f| holds_postconf_output(f)) {
                    return Err(format!(
                        "{file}: postconf output, not a log: did you mean --postconf={file}? (--postconf takes its file after `=`; bare, it runs postconf on this host)"
                    ));
                }
                Some(Postconf::from_host()?)
            }
            Some(file) => Some(Postconf::load(std::path::Path::new(file))?),
        };
        let findings = FindingOptions {
            only: args.finding,
            thresholds: Thresholds {
                min_attempts: args.min_attempts,
                min_share: args.min_share / 100.0,
            },
            rules,
            postconf,
        };
        let plan = if args.group_by.is_empty() {
            // A report named twice (`headline,findings,summary`: the
            // summary starts with the headline) is printed once, first.
            let mut names: Vec<ReportName> = Vec::new();
            for name in args.report.into_iter().flatten() {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            Plan::Reports(names)
        } else {
            Plan::GroupBy(args.group_by)
        };
        let day_before = args
            .day
            .is_some()
            .then(|| window.day_before(&zone))
            .flatten();
        Ok(Config {
            files,
            journals,
            request: Request {
                plan,
                kinds,
                top,
                zone,
                count_filter_hops: args.count_filter_hops,
                window,
                findings,
            },
            format: args.format,
            width,
            year: args.year,
            now,
            window,
            day_before,
            unparsed: args.unparsed,
            parquet: args.parquet,
            parquet_dir: args.parquet_dir,
            parquet_messages: args.parquet_messages,
            threads,
            mmap: args.mmap,
            max_line: args.max_line,
            max_decompressed: args.max_decompressed,
            color: terminal.stdout_is_terminal && !no_color && args.format == Format::Table,
            ascii: args.ascii,
            fail_on: args.fail_on.as_deref().and_then(Severity::from_name),
            nagios: args.nagios,
            mail_to: if args.mail_to.is_empty() {
                vec!["postmaster".to_string()]
            } else {
                args.mail_to
            },
            mail_from: args.mail_from,
            output: args.output,
        })
    }

    /// The `--event` filter as given (empty for all kinds): part of the
    /// dataset's run fingerprint.
    pub fn event_filter(&self) -> Vec<&'static str> {
        if self.request.kinds.len() == EventKind::ALL.len() {
            return Vec::new();
        }
        self.request.kinds.iter().map(|k| k.as_str()).collect()
    }
}

/// Whether the file `name` starts as saved `postconf -n` output does (see
/// [`Postconf::is_postconf_output`]): its first 64 kB, if it can be read.
fn holds_postconf_output(name: &str) -> bool {
    use std::io::Read;
    if name == "-" {
        return false;
    }
    let Ok(file) = std::fs::File::open(name) else {
        return false;
    };
    let mut head = Vec::new();
    const HEAD: u64 = 64 << 10;
    if file.take(HEAD).read_to_end(&mut head).is_err() {
        return false;
    }
    if head.len() as u64 == HEAD {
        // The last line may be cut.
        head.truncate(memchr::memrchr(b'\n', &head).map_or(0, |i| i + 1));
    }
    Postconf::is_postconf_output(&String::from_utf8_lossy(&head))
}

/// Rows per table for people when `--top` is not given.
pub const DEFAULT_TOP: usize = 20;
