//! The same log gives the same frame and the same output however it is
//! read: memory-mapped (the crate's only `unsafe`), read into memory, from
//! standard input, or gzip-compressed.

use std::io::Write;

use maillog_report::input::{load, Loaded, MmapPolicy, Source, DEFAULT_MAX_DECOMPRESSED};
use maillog_report::scan::{scan, ScanOptions};

use super::support::{self, binary, lab_log, stderr};

/// A copy of the lab log and its gzip form in a temporary folder.
fn copies(dir: &std::path::Path) -> (String, String) {
    let data = std::fs::read(lab_log()).unwrap();
    let plain = dir.join("maillog");
    std::fs::write(&plain, &data).unwrap();
    let gz = dir.join("maillog.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&data).unwrap();
    std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
    let name = |p: std::path::PathBuf| p.to_str().unwrap().to_string();
    (name(plain), name(gz))
}

#[test]
fn mapped_read_and_gzip_inputs_give_one_frame() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, gz) = copies(dir.path());
    let options = ScanOptions::every_event(8, 2026);
    let frame_of = |name: &str, policy: MmapPolicy, mapped: bool| {
        let Loaded::Whole(input) = load(name, policy, DEFAULT_MAX_DECOMPRESSED) else {
            panic!("{name} loads whole");
        };
        assert_eq!(
            matches!(input.data, Source::Mapped(_)),
            mapped,
            "{name} {policy:?}: mapped"
        );
        scan(&[input], &options)
    };
    let mapped = frame_of(&plain, MmapPolicy::Always, true);
    assert!(mapped.frame.height() > 4000);
    for (name, policy) in [(&plain, MmapPolicy::Never), (&gz, MmapPolicy::Always)] {
        let other = frame_of(name, policy, false);
        assert_eq!(other.counts, mapped.counts, "{name} {policy:?}");
        assert!(
            other.frame.equals_missing(&mapped.frame),
            "{name} {policy:?}: the frame differs from the mapped file's"
        );
    }
}

#[test]
fn mapped_read_stdin_and_gzip_inputs_give_one_output() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, gz) = copies(dir.path());
    let common = ["--year", "2026", "--format", "json", "--top", "0"];
    let run = |extra: &[&str]| {
        let out = support::run(&[&common[..], extra].concat());
        assert!(out.status.success(), "{extra:?}: {}", stderr(&out));
        support::without_sample_files(&out.stdout)
    };
    let mapped = run(&["--mmap", "always", &plain]);
    assert!(mapped.len() > 10_000);
    assert_eq!(run(&["--mmap", "never", &plain]), mapped, "read");
    assert_eq!(run(&[&gz]), mapped, "gzip");
    let reference = support::run(&[&common[..], &["--mmap", "always", &plain]].concat());

    let data = std::fs::read(&plain).unwrap();
    let from_stdin = support::run_with_stdin(binary().args(common).arg("-"), &data);
    assert!(from_stdin.status.success());
    // Standard input's sample lines have no text (it cannot be read
    // again); all else is the file's.
    let (stdin, file) = support::pipe_comparable("-", &from_stdin.stdout, &reference.stdout);
    assert_eq!(stdin, file, "standard input");
}
