//! The scan builds only the rows and columns the requested output reads
//! (`frame::Projection`). These tests hold every report of such a narrow
//! frame equal to the same report of the full frame, which `--parquet`
//! forces, on real logs.

use crate::support::{lab_log, repo, run, shared, stderr};

/// The runs compared: the default reports, each report alone, `--event`
/// subsets (which also narrow the time range and the recipient domains) and
/// `--group-by`.
const ARGUMENT_SETS: &[&[&str]] = &[
    &[],
    &["--report", "overview"],
    &["--report", "findings"],
    &["--report", "rejects,warnings"],
    &["--report", "failed"],
    &["--report", "deliveries,overview"],
    &["--event", "reject,delivery"],
    &["--event", "reject_warning,client,queued"],
    &["--event", "expired"],
    &["--group-by", "to_domain,status"],
    &["--group-by", "day,kind", "--event", "delivery,notification"],
    &["--group-by", "restriction,hour"],
];

fn logs() -> Vec<String> {
    let mut logs = vec![
        lab_log(),
        repo()
            .join("sample-logs/mail.rfc3339.log")
            .display()
            .to_string(),
        repo().join("sample-logs/lab/maillog").display().to_string(),
    ];
    if let Some(corpus) = shared("corpus") {
        for name in [
            "pixelpark-postfix-logsums.mail.log",
            "infohtreasure-Postfix-Maillog-Dump.maillog.log",
            "modoboa-maillog-tests.mail.log",
            "maillogsentinel-sample_sasl.log",
        ] {
            logs.push(corpus.join(name).display().to_string());
        }
    }
    logs
}

#[test]
fn reports_of_the_narrow_frame_equal_those_of_the_full_frame() {
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("events.parquet");
    for log in logs() {
        for extra in ARGUMENT_SETS {
            let mut args = vec!["--year", "2026", "--format", "json", "--top", "0"];
            args.extend_from_slice(extra);
            args.push(&log);
            let narrow = run(&args);
            // 5: a corpus file without a Postfix line (message parts only).
            let status = narrow.status.code();
            assert!(
                matches!(status, Some(0) | Some(5)),
                "{args:?}: {}",
                stderr(&narrow)
            );

            let mut full_args = args.clone();
            full_args.extend(["--parquet", parquet.to_str().unwrap()]);
            let full = run(&full_args);
            assert_eq!(
                full.status.code(),
                status,
                "{full_args:?}: {}",
                stderr(&full)
            );

            let printed: serde_json::Value =
                serde_json::from_slice(&narrow.stdout).expect("JSON on stdout");
            assert!(
                printed.as_object().is_some_and(|o| !o.is_empty()),
                "{args:?}: some report printed"
            );
            assert_eq!(
                String::from_utf8_lossy(&narrow.stdout),
                String::from_utf8_lossy(&full.stdout),
                "{args:?}: the narrow frame's reports differ from the full frame's"
            );
        }
    }
}
