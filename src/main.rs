//! The `maillog-report` binary: parse arguments, run, map the outcome to an
//! exit status. Everything else lives in the library.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use maillog_report::cli::{Args, Config, Terminal};
use maillog_report::zone::Zone;
use maillog_report::{exit, run, Failure};

fn main() -> ExitCode {
    let args = Args::parse();
    let stdout = io::stdout();
    if let Some(command) = &args.command {
        let mut out = stdout.lock();
        return match command.run(&mut out).and_then(|()| out.flush()) {
            Ok(()) => ExitCode::from(exit::OK),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(exit::OK),
            Err(e) => {
                eprintln!("maillog-report: writing: {e}");
                ExitCode::from(exit::OUTPUT_PROBLEM)
            }
        };
    }
    // A file given with -o is read like a pipe: no colour, 100 columns.
    let terminal = match args.output {
        Some(_) => Terminal::PIPE,
        None => Terminal {
            stdout_is_terminal: stdout.is_terminal(),
            width: terminal_width(stdout.is_terminal()),
        },
    };
    // chrono's `Local`, which reads named zones and their daylight saving
    // rules, follows TZ: a named --tz becomes the process's zone, set here
    // while no other thread runs, and before the windows of -d, --since
    // and --until are read in it.
    if let Some(Zone::Local(name)) = args.tz.as_deref().and_then(Zone::parse) {
        if std::env::var("TZ").ok().as_deref() != Some(name.as_str()) {
            std::env::set_var("TZ", name);
        }
    }
    let config = match Config::from_args(args, terminal) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("maillog-report: {message}");
            return ExitCode::from(exit::USAGE);
        }
    };
    // polars sizes its own thread pool (for the report phase) from this
    // variable when it first starts: --threads bounds both phases.
    if std::env::var_os("POLARS_MAX_THREADS").is_none() {
        std::env::set_var("POLARS_MAX_THREADS", config.threads.to_string());
    }
    if config.files.iter().any(|f| f == "-") && io::stdin().is_terminal() {
        eprintln!(
            "maillog-report: reading a log from standard input (end with Ctrl-D; --help for more)"
        );
    }
    let mut err = io::stderr();
    if let Some(path) = &config.output {
        return run_to_file(&config, path, &mut err);
    }
    let mut out = io::BufWriter::new(stdout.lock());
    match run(&config, &mut out, &mut err) {
        Ok(status) => ExitCode::from(status),
        Err(Failure::Output(e)) if is_broken_pipe(&e) => ExitCode::from(exit::OK),
        Err(failure) => {
            let _ = out.flush();
            let _ = writeln!(err, "maillog-report: {failure}");
            ExitCode::from(if config.nagios {
                exit::nagios_status(failure.status(), None)
            } else {
                failure.status()
            })
        }
    }
}

/// `-o FILE`: the run's report written to a temporary file beside `path`
/// and renamed into place when the run is done; a run that fails leaves
/// `path` as it was.
fn run_to_file(config: &Config, path: &std::path::Path, err: &mut io::Stderr) -> ExitCode {
    let failed = |e: anyhow::Error, err: &mut io::Stderr| {
        let _ = writeln!(err, "maillog-report: {}: {e:#}", path.display());
        ExitCode::from(if config.nagios {
            exit::nagios_status(exit::OUTPUT_PROBLEM, None)
        } else {
            exit::OUTPUT_PROBLEM
        })
    };
    let inputs: Vec<String> = config.files.clone();
    let file = match maillog_report::output::AtomicFile::create(path, &inputs) {
        Ok(file) => file,
        Err(e) => return failed(e, err),
    };
    let handle = match file.handle() {
        Ok(handle) => handle,
        Err(e) => return failed(e, err),
    };
    let mut out = io::BufWriter::new(handle);
    match run(config, &mut out, err) {
        Ok(status) => {
            let written = out
                .into_inner()
                .map_err(|e| anyhow::Error::from(e.into_error()))
                .and_then(|handle| {
                    drop(handle);
                    file.commit()
                });
            match written {
                Ok(()) => ExitCode::from(status),
                Err(e) => failed(e, err),
            }
        }
        Err(failure) => {
            let _ = writeln!(err, "maillog-report: {failure}");
            ExitCode::from(if config.nagios {
                exit::nagios_status(failure.status(), None)
            } else {
                failure.status()
            })
        }
    }
}

/// The terminal's width, when stdout is a terminal.
fn terminal_width(is_terminal: bool) -> Option<usize> {
    if !is_terminal {
        return None;
    }
    comfy_table::Table::new().width().map(usize::from)
}

/// `maillog-report big.log | head` must end quietly.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
