//! Hostile and broken input: every case gives a one-line message naming the
//! file and the problem (if any), the documented exit status, no crash, and
//! the line accounting still covers every line that could be read.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::support::{self, binary, lab_log, run, run_overview, stderr};

fn overview(stdout: &[u8]) -> std::collections::BTreeMap<String, u64> {
    support::overview(stdout, "lines")
}

fn assert_accounted(lines: &std::collections::BTreeMap<String, u64>) {
    let buckets = [
        "events",
        "known, not reported",
        "other programs",
        "no syslog header",
        "unrecognized Postfix lines",
        "too long, skipped",
    ];
    let sum: u64 = buckets.iter().map(|b| lines[*b]).sum();
    assert_eq!(sum, lines["read"], "every line in one bucket: {lines:?}");
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
fn random_bytes(n: usize, mut seed: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

#[test]
fn ten_megabytes_of_random_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("random.bin");
    std::fs::write(&path, random_bytes(10 << 20, 0x9e3779b97f4a7c15)).unwrap();
    let out = run_overview(&[path.to_str().unwrap()]);
    // No Postfix line in it: the report is printed, and says so.
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("maillog-report: no Postfix line in the input: "),
        "{}",
        stderr(&out)
    );
    let lines = overview(&out.stdout);
    assert!(lines["read"] > 30_000, "{lines:?}");
    assert_eq!(lines["events"], 0);
    assert!(lines["invalid UTF-8 (also counted above)"] > 0);
    assert_accounted(&lines);
}

#[test]
fn a_ten_megabyte_line_is_counted_as_too_long() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.log");
    let mut bytes = std::fs::read(lab_log()).unwrap();
    bytes.extend(std::iter::repeat_n(b'x', 10 << 20));
    bytes.push(b'\n');
    bytes.extend_from_slice(&std::fs::read(lab_log()).unwrap());
    std::fs::write(&path, bytes).unwrap();
    let out = run_overview(&["--year", "2026", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = overview(&out.stdout);
    assert_eq!(lines["too long, skipped"], 1);
    assert_eq!(lines["read"], 2 * 4870 + 1);
    assert_eq!(
        lines["events"],
        2 * 4870,
        "the lines around it are all read"
    );
    assert_accounted(&lines);
}

#[test]
fn decompression_bombs_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("bomb.log.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let line = b"Oct 10 15:59:28 mail postfix/smtpd[1830]: connect from example.com[127.0.0.1]\n";
    for _ in 0..(64 << 20) / line.len() {
        encoder.write_all(line).unwrap();
    }
    std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
    let out = run_overview(&[
        "--max-decompressed",
        "1000000",
        gz.to_str().unwrap(),
        &lab_log(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("bomb.log.gz: decompresses to more than 1000000 bytes"),
        "{err}"
    );
    let lines = overview(&out.stdout);
    assert_eq!(
        lines["read"],
        1_000_000 / line.len() as u64 + 4870,
        "a bounded prefix plus the good file"
    );
    assert_accounted(&lines);
}

#[test]
fn unreadable_file_among_good_ones() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let secret = dir.path().join("secret.log");
    std::fs::copy(lab_log(), &secret).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    let good = dir.path().join("good.log");
    std::fs::copy(lab_log(), &good).unwrap();
    std::fs::set_permissions(&good, std::fs::Permissions::from_mode(0o644)).unwrap();

    let args = [
        "--year",
        "2026",
        "--format",
        "json",
        "--report",
        "overview",
        secret.to_str().unwrap(),
        good.to_str().unwrap(),
    ];
    // root reads anything: run as an unprivileged user, as an admin's cron job would.
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false);
    let mut cmd = if is_root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_maillog-report"));
        c
    } else {
        binary()
    };
    let out = cmd.args(args).output().expect("setpriv (util-linux) runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim_end(),
        format!("maillog-report: {}: permission denied", secret.display())
    );
    assert_eq!(
        overview(&out.stdout)["read"],
        4870,
        "the readable file is reported"
    );
}

#[test]
fn truncation_while_reading_does_not_crash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.log");
    let chunk = std::fs::read(lab_log()).unwrap();
    let mut file = std::fs::File::create(&path).unwrap();
    for _ in 0..60 {
        file.write_all(&chunk).unwrap();
    }
    drop(file);
    // Just written: the default policy reads it instead of mapping it, so a
    // truncation (logrotate copytruncate) cannot raise SIGBUS.
    for _ in 0..5 {
        let child = binary()
            .args([
                "--year",
                "2026",
                "--format",
                "json",
                "--report",
                "overview",
                path.to_str().unwrap(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(20));
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(0)
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.code().is_some(),
            "ended by a signal: {:?}",
            out.status
        );
        // 5 when the truncation came before the first block was read (a
        // busy machine): an empty input, which says so.
        assert!(
            matches!(out.status.code(), Some(0 | 1 | 5)),
            "{}",
            stderr(&out)
        );
        if out.status.code() == Some(5) {
            assert!(
                stderr(&out).contains("no Postfix line in the input"),
                "{}",
                stderr(&out)
            );
        }
        assert_accounted(&overview(&out.stdout));
        let mut file = std::fs::File::create(&path).unwrap();
        for _ in 0..60 {
            file.write_all(&chunk).unwrap();
        }
    }
}

#[test]
fn a_growing_file_is_reported_as_a_consistent_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("growing.log");
    let chunk = std::fs::read(lab_log()).unwrap();
    std::fs::write(&path, chunk.repeat(40)).unwrap();
    let writer_path = path.clone();
    let line =
        b"Nov 23 14:06:00 relay postfix/smtpd[1]: connect from localhost[127.0.0.1]\n".to_vec();
    let writer = std::thread::spawn(move || {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(writer_path)
            .unwrap();
        let start = Instant::now();
        // Bounded: at most three seconds of appends, in half-line pieces so
        // that a reader may see a partial last line.
        while start.elapsed() < Duration::from_secs(3) {
            file.write_all(&line[..40]).unwrap();
            file.write_all(&line[40..]).unwrap();
        }
    });
    let out = run_overview(&["--year", "2026", path.to_str().unwrap()]);
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = overview(&out.stdout);
    assert_accounted(&lines);
    assert_eq!(
        lines["unrecognized Postfix lines"], 0,
        "no half-written line was parsed: {lines:?}"
    );
    let err = stderr(&out);
    if !err.is_empty() {
        assert!(
            err.starts_with(&format!(
                "maillog-report: {}: note: grew while being read",
                path.display()
            )),
            "{err}"
        );
    }
}

/// A file written just now whose last line has no `\n` (made by a tool or
/// by hand, not by a writer in the middle of a line): its last line is read
/// like the others, with no note. The whole lab log: every line.
#[test]
fn a_fresh_file_without_a_final_newline_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.log");
    let mut data = std::fs::read(lab_log()).unwrap();
    assert_eq!(data.pop(), Some(b'\n'));
    std::fs::write(&path, &data).unwrap();
    let out = run_overview(&["--year", "2026", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "no note: nothing grew");
    let lines = overview(&out.stdout);
    assert_eq!(lines["read"], 4870);
    assert_eq!(lines["events"], 4870);
}

/// An output that cannot be written fails with exit status 3 and leaves
/// neither the target nor a temporary file behind; the report is still printed.
#[test]
fn failed_outputs_leave_nothing_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let missing_dir = dir.path().join("no-such-dir").join("events.parquet");
    let out = run_overview(&[
        "--year",
        "2026",
        "--parquet",
        missing_dir.to_str().unwrap(),
        &lab_log(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(stderr(&out).starts_with(&format!("maillog-report: {}: ", missing_dir.display())));
    assert_eq!(
        overview(&out.stdout)["read"],
        4870,
        "the report is printed all the same"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );

    // A target that is a directory: the rename fails after the data was
    // written, and the temporary file is removed.
    let target = dir.path().join("taken");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("keep"), b"x").unwrap();
    let out = run(&[
        "--year",
        "2026",
        "--report",
        "overview",
        "--parquet",
        target.to_str().unwrap(),
        &lab_log(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("taken")],
        "no temporary file left"
    );
}
