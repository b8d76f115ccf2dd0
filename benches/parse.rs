//! Parse throughput on real lines (the lab log a real Postfix wrote), per
//! daemon family and end to end (parse → frame → default reports).
//!
//! Each bench checks its result once before timing it, so a bench of a
//! broken parser fails instead of measuring nothing. `cargo bench` runs them;
//! `cargo test --release --benches` (as `.ci/run` does) runs each once.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use maillog_report::cli::{Args, Config, Terminal};
use maillog_report::input::{Input, Source};
use maillog_report::parse::{
    parse_line, parse_line_into, Event, EventKind, LineOutcome, MinuteCache, Parsed, TimeContext,
};
use maillog_report::scan::{scan, ScanOptions};

const TIME: TimeContext = TimeContext::utc_in(2026);

fn lab_log() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-logs/maillog");
    std::fs::read_to_string(path).expect("sample-logs/maillog")
}

/// The lab log's lines written by programs whose name ends in one of `daemons`.
fn lines_of(log: &str, daemons: &[&str]) -> Vec<String> {
    log.lines()
        .filter(|l| daemons.iter().any(|d| l.contains(&format!("/{d}["))))
        .map(str::to_string)
        .collect()
}

fn bench_daemons(c: &mut Criterion) {
    let log = lab_log();
    let families: &[(&str, &[&str])] = &[
        ("smtpd", &["smtpd"]),
        ("delivery", &["smtp", "local", "virtual", "error"]),
        ("qmgr", &["qmgr"]),
        ("cleanup_bounce", &["cleanup", "bounce", "pickup"]),
    ];
    let mut group = c.benchmark_group("parse_line");
    for (name, daemons) in families {
        let lines = lines_of(&log, daemons);
        let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        let events = lines
            .iter()
            .filter(|l| matches!(parse_line(l, &TIME), LineOutcome::Event(_)))
            .count();
        let unrecognized = lines
            .iter()
            .filter(|l| {
                parse_line(l, &TIME)
                    == LineOutcome::Skipped(maillog_report::parse::Skip::Unrecognized)
            })
            .count();
        assert!(events > 0, "{name}: the lab log has {name} events");
        assert_eq!(unrecognized, 0, "{name}: every line recognized");
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(*name, |b| {
            // As the scan parses: consecutive lines share a minute cache and
            // are parsed into one event.
            b.iter(|| {
                let mut n = 0usize;
                let mut minutes = MinuteCache::default();
                let mut event = Event::new(EventKind::Warning);
                for line in &lines {
                    if parse_line_into(black_box(line), &TIME, &mut minutes, &mut event)
                        == Parsed::Event
                    {
                        n += event.kind.index();
                    }
                }
                n
            })
        });
    }
    group.finish();
}

fn bench_end_to_end(c: &mut Criterion) {
    // The lab log repeated to a few MB: read → parse → frame → reports.
    let log = lab_log();
    let big: Vec<u8> = log.repeat(8).into_bytes();
    let options = ScanOptions::every_event(8, 2026);
    let input = || Input {
        name: "bench".into(),
        data: Source::Owned(big.clone()),
        mtime: None,
    };
    let once = scan(&[input()], &options);
    assert_eq!(once.counts.lines, 8 * log.lines().count() as u64);
    assert_eq!(once.counts.unrecognized, 0);

    let mut group = c.benchmark_group("end_to_end");
    group.throughput(Throughput::Bytes(big.len() as u64));
    group.sample_size(10);
    group.bench_function("scan", |b| {
        let inputs = [input()];
        b.iter(|| scan(black_box(&inputs), &options).frame.height())
    });
    group.bench_function("scan_and_default_reports", |b| {
        use clap::Parser;
        let config = Config::from_args(
            Args::parse_from(["maillog-report", "--year", "2026", "--format", "json", "-"]),
            Terminal::PIPE,
        )
        .expect("valid arguments");
        let dir = std::env::temp_dir().join(format!("maillog-report-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.log");
        std::fs::write(&path, &big).unwrap();
        let config = Config {
            files: vec![path.to_str().unwrap().to_string()],
            ..config
        };
        b.iter(|| {
            let mut out = Vec::new();
            let status =
                maillog_report::run(&config, &mut out, &mut std::io::sink()).expect("runs");
            assert_eq!(status, 0);
            out.len()
        });
        std::fs::remove_dir_all(&dir).ok();
    });
    group.finish();
}

criterion_group!(benches, bench_daemons, bench_end_to_end);
criterion_main!(benches);
