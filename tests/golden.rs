//! Whole outputs of the lab log, pinned: every report in every format, and
//! the tables at three widths. A change in any printed byte shows up here
//! as a diff to review; `UPDATE_GOLDEN=1 cargo test --release golden`
//! rewrites the files in `tests/golden/` (then read `git diff`).

use std::path::PathBuf;

use maillog_report::report::ReportName;

use super::support::{self, lab_log};

/// (file in tests/golden/, arguments besides `--year 2026 LOG`)
const CASES: &[(&str, &[&str])] = &[
    ("table-80.txt", &["--width", "80"]),
    ("table-100.txt", &["--width", "100"]),
    ("table-160.txt", &["--width", "160"]),
    ("report.md", &["--format", "markdown"]),
    ("report.csv", &["--format", "csv"]),
    ("report.json", &["--format", "json"]),
    (
        "group-by-day-kind.txt",
        &["--group-by", "day,kind", "--width", "100"],
    ),
];

fn golden(name: &str) -> PathBuf {
    support::repo().join("tests/golden").join(name)
}

/// The first lines where `expected` and `actual` differ, for the message.
fn first_differences(expected: &str, actual: &str) -> String {
    let mut out = String::new();
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i), a.get(i));
        if x != y {
            out.push_str(&format!(
                "line {}:\n  - {}\n  + {}\n",
                i + 1,
                x.unwrap_or(&"(none)"),
                y.unwrap_or(&"(none)")
            ));
            if out.lines().count() > 30 {
                break;
            }
        }
    }
    out
}

#[test]
fn whole_outputs_equal_the_golden_files() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for (name, extra) in CASES {
        let mut args = vec!["--year", "2026"];
        args.extend_from_slice(extra);
        // Relative, from the checkout: findings name the file, and the
        // golden files must not depend on where the repository lives.
        args.push("sample-logs/maillog");
        let out = support::binary()
            .current_dir(support::repo())
            .env_remove("COLUMNS")
            .args(&args)
            .output()
            .expect("the binary runs");
        assert!(out.status.success(), "{args:?}: {}", support::stderr(&out));
        let actual = support::stdout(&out);
        let path = golden(name);
        if update {
            std::fs::write(&path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
        if expected != actual {
            failures.push(format!(
                "{name} ({args:?}) differs:\n{}",
                first_differences(&expected, &actual)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\nIf the change is intended: UPDATE_GOLDEN=1 cargo test --release golden, then review git diff tests/golden",
        failures.join("\n")
    );
}

/// Tables never exceed their width when every column can be left out or
/// wrapped; here the lab's widest identifiers fit in 80 columns. (The
/// first line, the headline, is a mail subject: it is not wrapped.)
#[test]
fn tables_fit_their_width() {
    for width in ["80", "100", "160"] {
        for report in [ReportName::DEFAULT_LIST, "summary"] {
            let out = support::run(&[
                "--year",
                "2026",
                "--width",
                width,
                "--report",
                report,
                &lab_log(),
            ]);
            let text = support::stdout(&out);
            let limit: usize = width.parse().unwrap();
            for line in text.lines().skip(1) {
                assert!(
                    line.chars().count() <= limit,
                    "{report} wider than {width}: {line}"
                );
            }
        }
    }
}

/// The README's sample outputs (`<!-- sample: ARGS -->` before a ```` ```text ````
/// block) are what the binary prints for ARGS, run from the repository.
#[test]
fn readme_samples_are_real_output() {
    const MARK: &str = "<!-- sample: ";
    let path = support::repo().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let mut rewritten = String::new();
    let mut rest = readme.as_str();
    let mut samples = 0;
    while let Some(at) = rest.find(MARK) {
        let (before, from_mark) = rest.split_at(at);
        rewritten.push_str(before);
        let (comment, after) = from_mark.split_once("-->\n").expect("a closed comment");
        let args: Vec<&str> = comment[MARK.len()..].split_whitespace().collect();
        // Samples of the shared corpus (read in place, never copied here)
        // are checked where it is.
        let corpus_missing = args
            .iter()
            .any(|a| a.starts_with("../shared/") && !support::repo().join(a).exists());
        if corpus_missing {
            assert!(
                std::env::var("CI").is_err(),
                "{args:?}: the shared corpus is missing under CI"
            );
            rewritten.push_str(&from_mark[..from_mark.len() - after.len()]);
            rest = after;
            continue;
        }
        let body = after
            .strip_prefix("```text\n")
            .expect("a ```text block after the sample comment");
        let end = body.find("```\n").expect("a closed block");
        let out = support::binary()
            .env_remove("COLUMNS")
            .current_dir(support::repo())
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", support::stderr(&out));
        let actual = support::stdout(&out);
        let actual = actual.trim_end_matches('\n');
        let shown = body[..end].trim_end_matches('\n');
        if std::env::var_os("UPDATE_GOLDEN").is_none_or(|v| v != "1") {
            assert_eq!(
                shown,
                actual,
                "README sample for {args:?} is not the real output (UPDATE_GOLDEN=1 rewrites it):\n{}",
                first_differences(shown, actual)
            );
        }
        rewritten.push_str(&format!("{comment}-->\n```text\n{actual}\n```\n"));
        rest = &body[end + 4..];
        samples += 1;
    }
    rewritten.push_str(rest);
    assert!(samples > 0, "the README shows a sample");
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, rewritten).unwrap();
    }
}

/// The summary and the findings of every real log fit a terminal's 80 and a
/// mail client's 100 columns: long identifiers (VERP senders) are shortened, long finding
/// headings wrapped. Each log is named as an admin in its folder would
/// (`mail.log`), so that the evidence lines' `file:line` does not depend on
/// where the checkout is (a file name is never broken).
#[test]
fn summaries_of_real_logs_fit_80_and_100_columns() {
    let mut logs = vec![std::path::PathBuf::from(support::lab_log())];
    if let Some(corpus) = support::shared("corpus") {
        let mut files: Vec<_> = std::fs::read_dir(corpus)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "log"))
            .collect();
        files.sort();
        logs.extend(files);
    }
    for path in logs {
        let log = path.display().to_string();
        let name = path.file_name().unwrap().to_str().unwrap();
        for width in [80, 100] {
            let out = support::binary()
                .current_dir(path.parent().unwrap())
                .args([
                    "--report",
                    "summary,findings",
                    "--width",
                    &width.to_string(),
                    name,
                ])
                .output()
                .unwrap();
            let text = support::stdout(&out);
            for line in text.lines().skip(1) {
                assert!(line.chars().count() <= width, "{log} at {width}: {line}");
            }
        }
    }
}
