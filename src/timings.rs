//! Phase timings for engineers: with `MAILLOG_REPORT_TIMINGS=1` in the
//! environment, each phase (the scan, each report, the exports) prints its
//! wall time to stderr. Off by default; checking costs one lookup per phase.

use std::sync::OnceLock;
use std::time::Instant;

pub fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("MAILLOG_REPORT_TIMINGS").is_some_and(|v| v == "1"))
}

/// Prints `timing: PHASE 0.123 s` if timings are on.
pub fn note(phase: &str, started: Instant) {
    if enabled() {
        eprintln!(
            "timing: {phase} {:.3} s (peak so far {}, now {}: heap {}, files {})",
            started.elapsed().as_secs_f64(),
            memory("VmHWM:"),
            memory("VmRSS:"),
            memory("RssAnon:"),
            memory("RssFile:")
        );
    }
}

/// Prints `size: WHAT N MB` if timings are on: what a phase holds.
pub fn size(what: &str, bytes: usize) {
    if enabled() {
        eprintln!("size: {what} {:.1} MB", bytes as f64 / 1e6);
    }
}

/// The process's peak resident memory so far (`VmHWM:`), or now
/// (`VmRSS:`; of it, `RssAnon:` the heap and `RssFile:` the mapped files
/// and the binary), as Linux reports it.
fn memory(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .map(|l| l[field.len()..].trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}
