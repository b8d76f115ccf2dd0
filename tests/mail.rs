//! `--format mail`: a MIME message that Python's `email` package reads back
//! whole (`tests/python/check_mail.py`): the headline as its subject, the
//! text report and the HTML page as alternatives, every `cid:` of the page
//! an attached PNG chart; and the lab's (`.ci/run` builds the binary first,
//! the lab sends the mail through its real Postfix to a local mailbox)
//! delivered intact.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::support::{self, lab_log, run, stderr, stdout};

fn check_mail(sent: &Path, extra: &[&str]) -> (bool, String) {
    let out = Command::new("python3")
        .arg(support::repo().join("tests/python/check_mail.py"))
        .arg(sent)
        .args(extra)
        .output()
        .expect("python3 runs");
    (
        out.status.success(),
        format!("{}{}", stdout(&out), stderr(&out)),
    )
}

#[test]
fn the_mail_reads_back_with_its_parts_subject_and_images() {
    let dir = tempfile::tempdir().unwrap();
    let log = lab_log();
    let common = ["--year", "2026", "--width", "100"];
    let mail = run(&[
        &common[..],
        &[
            "--format",
            "mail",
            "--mail-to",
            "postmaster@relay.example",
            "--mail-from",
            "maillog-report@relay.example",
            &log,
        ],
    ]
    .concat());
    assert!(mail.status.success(), "{}", stderr(&mail));
    let sent = dir.path().join("sent.eml");
    std::fs::write(&sent, &mail.stdout).unwrap();
    let text = dir.path().join("text.txt");
    std::fs::write(&text, run(&[&common[..], &[log.as_str()]].concat()).stdout).unwrap();
    let json: Value = serde_json::from_slice(
        &run(&[
            &common[..],
            &["--format", "json", "--report", "headline", &log],
        ]
        .concat())
        .stdout,
    )
    .unwrap();
    let headline = json["headline"].as_str().unwrap();
    let (ok, said) = check_mail(
        &sent,
        &[
            "--subject",
            headline,
            "--to",
            "postmaster@relay.example",
            "--from",
            "maillog-report@relay.example",
            "--text",
            text.to_str().unwrap(),
            "--min-images",
            "5",
        ],
    );
    assert!(ok, "{said}");
    // The check can fail: a mail whose page names an image it lacks.
    let broken = String::from_utf8_lossy(&mail.stdout).replacen(
        "Content-ID: <traffic@maillog-report>",
        "Content-ID: <elsewhere@maillog-report>",
        1,
    );
    std::fs::write(&sent, broken).unwrap();
    let (ok, said) = check_mail(&sent, &["--subject", headline]);
    assert!(!ok && said.contains("cids in the page"), "{said}");
}

/// The lab's mail, as Postfix's local(8) stored it in nobody's mailbox:
/// the same parts, byte for byte, as maillog-report wrote them.
#[test]
fn the_lab_mail_arrived_intact_through_postfix() {
    for dir in support::lab_runs() {
        let mail = dir.join("mail");
        if !mail.is_dir() {
            assert!(
                std::env::var("CI").map_or(true, |v| v.is_empty() || v == "false"),
                "{}: no mail/ from the lab under CI",
                dir.display()
            );
            eprintln!("skipping: {} has no mail/", dir.display());
            continue;
        }
        let received = mail.join("received.eml");
        let (ok, said) = check_mail(
            &mail.join("sent.eml"),
            &[
                "--to",
                "nobody@relay.xamxam.example",
                "--from",
                "maillog-report@relay.xamxam.example",
                "--min-images",
                "5",
                "--received",
                received.to_str().unwrap(),
            ],
        );
        assert!(ok, "{}: {said}", mail.display());
    }
}
