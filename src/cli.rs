//! Command-line flags (clap derive) and the [`Config`] resolved from them.

use std::path::PathBuf;

use clap::Parser;

use crate::input::MmapPolicy;
use crate::report::render::Format;

const AFTER_HELP: &str = "\
Examples:
  maillog-report /var/log/mail.log
      Overview, findings, rejects, bounces and deferrals of one log.
  maillog-report --year 2023 /var/log/mail.log.1 /var/log/mail.log.2.gz
      Rotated logs (gzip is read directly); BSD timestamps are in 2023.
  maillog-report --group-by to_domain,restriction --event reject mail.log
      Rejects by recipient domain and inferred restriction.
  maillog-report --group-by day,kind --top 0 mail.log
      Events per day and kind, all rows.
  journalctl -u postfix -o short | maillog-report -
      Read standard input.
  maillog-report --format json --report rejects mail.log
      One report as JSON, for scripts.

Timestamps:
  RFC 3339 stamps (2023-03-14T00:00:31.185246+01:00) carry their zone and are
  converted to UTC. Classic stamps (Mar  7 02:09:33) carry neither year nor
  zone: they are read as local time at --utc-offset (default +00:00), and the
  year is that of the input's last line: --year if given, else the year of the
  file's modification time (one less if the file was written in an earlier
  month than its last line), else this year. Lines from a month after the
  last line's month belong to the year before (December before January).

Line accounting:
  Every input line is counted once: an event, a known Postfix line that no
  report uses, a line of another program, a line without a syslog header, an
  unrecognized Postfix line (--unparsed FILE writes them), or a line longer
  than --max-line. The overview prints these counts.

Exit status:
  0  the report covers all input
  1  some input could not be read (missing, a directory, no permission,
     damaged .gz): the problem is on stderr, the report covers the rest
  2  usage error
  3  an output file (--unparsed, --parquet, --parquet-dir) could not be written";

/// Turn Postfix mail logs into answers: what fails, for whom, since when,
/// why, and what to change.
#[derive(Parser, Debug)]
#[command(name = "maillog-report", version, about, long_about = None, after_long_help = AFTER_HELP, after_help = "Use --help for examples, timestamp rules and exit codes.")]
pub struct Args {
    /// Log files (plain or .gz); `-` or none reads standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,

    /// Reports to print, in this order.
    #[arg(long, value_delimiter = ',', value_enum, default_values_t = [ReportName::Overview, ReportName::Findings, ReportName::Rejects, ReportName::Warnings, ReportName::Failed, ReportName::Deliveries])]
    pub report: Vec<ReportName>,

    /// Instead of the reports, count events grouped by these columns (any frame
    /// column, see README, or `hour`, `day`).
    #[arg(long, value_delimiter = ',', value_name = "COL,COL")]
    pub group_by: Vec<String>,

    /// Only events of these kinds (reject, reject_warning, delivery, …).
    #[arg(long, value_delimiter = ',', value_name = "KIND")]
    pub event: Vec<String>,

    /// Rows per table; 0 prints all.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub top: usize,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Year of the last classic-syslog line of each input (see Timestamps).
    #[arg(long, value_name = "YYYY")]
    pub year: Option<i32>,

    /// Zone of classic-syslog timestamps, as an offset from UTC.
    #[arg(
        long,
        default_value = "+00:00",
        value_name = "±HH:MM",
        allow_hyphen_values = true
    )]
    pub utc_offset: String,

    /// Also write the event frame (after --event) to FILE as Parquet.
    #[arg(long, value_name = "FILE")]
    pub parquet: Option<PathBuf>,

    /// Also write the event frame as a Hive-partitioned Parquet dataset
    /// (DIR/day=YYYY-MM-DD/host=H/events-<run>.parquet); re-running the same
    /// input replaces its own files, another input adds its own.
    #[arg(long, value_name = "DIR")]
    pub parquet_dir: Option<PathBuf>,

    /// Write unrecognized Postfix lines to FILE.
    #[arg(long, value_name = "FILE")]
    pub unparsed: Option<PathBuf>,

    /// Worker threads; default: all cores.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Memory-map input files: `auto` maps files unchanged for two minutes
    /// and reads live logs (a log truncated while mapped would crash us).
    #[arg(long, value_enum, default_value_t = MmapPolicy::Auto)]
    pub mmap: MmapPolicy,

    /// Most bytes read from one .gz input (a bound against decompression
    /// bombs); the rest is not read and the problem is reported.
    #[arg(long, default_value_t = crate::input::DEFAULT_MAX_DECOMPRESSED, value_name = "BYTES")]
    pub max_decompressed: u64,

    /// Longest line parsed, in bytes; longer lines are counted and skipped.
    #[arg(long, default_value_t = crate::scan::DEFAULT_MAX_LINE, value_name = "BYTES")]
    pub max_line: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportName {
    Overview,
    Findings,
    Rejects,
    Warnings,
    Failed,
    Deliveries,
}

/// Choices resolved from [`Args`] and the environment.
#[derive(Debug, Clone)]
pub struct Config {
    pub files: Vec<String>,
    pub reports: Vec<ReportName>,
    pub group_by: Vec<String>,
    pub events: Vec<String>,
    pub top: usize,
    pub format: Format,
    pub year: Option<i32>,
    pub utc_offset_secs: i32,
    pub unparsed: Option<PathBuf>,
    pub parquet: Option<PathBuf>,
    pub parquet_dir: Option<PathBuf>,
    pub threads: usize,
    pub mmap: MmapPolicy,
    pub max_line: usize,
    pub max_decompressed: u64,
    pub color: bool,
}

impl Config {
    pub fn from_args(args: Args, stdout_is_terminal: bool) -> Result<Config, String> {
        let utc_offset_secs = parse_offset(&args.utc_offset)
            .ok_or_else(|| format!("--utc-offset {}: expected ±HH:MM", args.utc_offset))?;
        let files = if args.files.is_empty() {
            vec!["-".to_string()]
        } else {
            args.files
        };
        let threads = args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1);
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Ok(Config {
            files,
            reports: args.report,
            group_by: args.group_by,
            events: args.event,
            top: args.top,
            format: args.format,
            year: args.year,
            utc_offset_secs,
            unparsed: args.unparsed,
            parquet: args.parquet,
            parquet_dir: args.parquet_dir,
            threads,
            mmap: args.mmap,
            max_line: args.max_line,
            max_decompressed: args.max_decompressed,
            color: stdout_is_terminal && !no_color && args.format == Format::Table,
        })
    }
}

/// `+01:00`, `-05:30`, `Z` → seconds east of UTC.
fn parse_offset(s: &str) -> Option<i32> {
    if s == "Z" || s == "UTC" {
        return Some(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    #[test]
    fn offsets() {
        assert_eq!(super::parse_offset("+01:00"), Some(3600));
        assert_eq!(super::parse_offset("-05:30"), Some(-19800));
        assert_eq!(super::parse_offset("Z"), Some(0));
        assert_eq!(super::parse_offset("01:00"), None);
        assert_eq!(super::parse_offset("+1"), None);
    }
}
