//! `--format html`: one self-contained page whose tables hold the JSON
//! output's numbers, that HTML Tidy finds no error in, and that a real
//! headless Chromium loads without a console message or a request, showing
//! the charts and the findings. Chromium and Tidy are installed by
//! `.ci/run` under CI; elsewhere those two tests are skipped with a note.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::support::{self, lab_log, run, stdout};

/// The lab log's page and JSON, with every row (`--top 0`).
fn page_and_json(args: &[&str]) -> (String, Value) {
    let run_with = |format: &str| {
        let mut all = vec!["--year", "2026", "--top", "0", "--format", format];
        all.extend_from_slice(args);
        let log = lab_log();
        all.push(&log);
        let out = run(&all);
        assert!(out.status.success(), "{}", support::stderr(&out));
        out
    };
    let page = stdout(&run_with("html"));
    let json = serde_json::from_slice(&run_with("json").stdout).unwrap();
    (page, json)
}

/// `&amp;` and the others back to text.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The cells of the table in `<section id="name">`: each cell's text, or a
/// time's machine-readable `datetime`.
fn table_cells(page: &str, name: &str) -> Vec<Vec<String>> {
    let start = page
        .find(&format!("<section id=\"{name}\">"))
        .unwrap_or_else(|| panic!("section {name}"));
    let section = &page[start..];
    let section = &section[..section.find("</section>").unwrap()];
    let Some(start) = section.find("<tbody>") else {
        assert!(
            section.contains("<p class=\"note\">(no rows)</p>"),
            "{name}"
        );
        return Vec::new();
    };
    let body = &section[start..section.find("</tbody>").unwrap()];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let cell = &cell[..cell.find("</td>").unwrap()];
                    if let Some(at) = cell.find("datetime=\"") {
                        let rest = &cell[at + 10..];
                        return rest[..rest.find('"').unwrap()].to_string();
                    }
                    unescape(&cell[cell.find('>').unwrap() + 1..])
                })
                .collect()
        })
        .collect()
}

/// A JSON value as the page prints it.
fn as_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn the_page_s_tables_hold_the_json_numbers() {
    let reports =
        "headline,findings,rejects,warnings,failed,deliveries,totals,per_hour,senders,overview";
    let (page, json) = page_and_json(&["--report", reports]);
    for name in reports.split(',').skip(2) {
        let rows = json[name].as_array().unwrap();
        let cells = table_cells(&page, name);
        assert_eq!(cells.len(), rows.len(), "{name}: rows");
        for (row, cells) in rows.iter().zip(&cells) {
            // JSON's keys are sorted; the page's columns are the table's.
            let mut want: Vec<String> = row
                .as_object()
                .unwrap()
                .iter()
                .filter(|(k, _)| *k != "key")
                .map(|(_, v)| as_cell(v))
                .collect();
            let mut got = cells.clone();
            want.sort();
            got.sort();
            assert_eq!(got, want, "{name}: {row}");
        }
    }
    // The headline, and each finding as a card.
    let headline = json["headline"].as_str().unwrap();
    assert!(page.contains(&format!("<title>{headline}</title>")));
    assert!(page.contains(&format!("<h1 id=\"headline\">{headline}</h1>")));
    for f in json["findings"].as_array().unwrap() {
        let heading = format!(
            "<span class=\"badge\">{}</span>{} {}",
            f["severity"].as_str().unwrap(),
            f["id"].as_str().unwrap(),
            f["subject"]
                .as_str()
                .unwrap()
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#39;")
        );
        assert!(page.contains(&heading), "{heading}");
    }
}

#[test]
fn the_page_needs_nothing_from_outside() {
    let (page, _) = page_and_json(&[]);
    assert!(page.starts_with("<!DOCTYPE html>\n"));
    assert!(page.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
    ));
    for needle in ["<script", "<link", " src=", "url(", "@import", "https://"] {
        assert!(!page.contains(needle), "{needle}");
    }
    // The one address is SVG's namespace, a name rather than a request.
    let addresses: Vec<&str> = page
        .match_indices("http://")
        .map(|(i, _)| &page[i..i + 26])
        .collect();
    assert!(
        addresses.iter().all(|a| *a == "http://www.w3.org/2000/svg"),
        "{addresses:?}"
    );
    assert_eq!(page.matches("<svg role=\"img\" aria-label=\"").count(), 6);
    // The lab's day (a few minutes): charted per minute, with its totals.
    assert!(page.contains("aria-label=\"Traffic per minute (UTC): "));
    assert!(page.contains("aria-label=\"Recipient domains refused most: erg.school "));
    assert!(page.contains(
        "aria-label=\"Rejects per minute by restriction (UTC): reject_unlisted_recipient "
    ));
    assert!(page.contains("aria-label=\"Delivery delays (seconds, final deliveries) of "));
    // The stacked chart has its areas, one per restriction and `other`
    // (a window within one minute's bucket drew none once).
    let stacked = &page[page
        .find("<figure id=\"chart-rejects_by_restriction\">")
        .unwrap()..];
    let stacked = &stacked[..stacked.find("</figure>").unwrap()];
    assert!(stacked.matches("<polygon").count() >= 2, "{stacked}");
    assert!(page.len() < 250 * 1024, "{} bytes", page.len());
}

/// `tool --version` runs: under CI it must, elsewhere the test is skipped.
fn have(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").map_or(true, |v| v.is_empty() || v == "false"),
            "{tool} is missing under CI (.ci/run installs it)"
        );
        eprintln!("skipping: {tool} is not installed (Debian: apt-get install {tool})");
    }
    found
}

fn tidy_errors(path: &Path) -> (i32, String) {
    let out = Command::new("tidy")
        .args(["-errors", "-quiet"])
        .arg(path)
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), support::stderr(&out))
}

#[test]
fn html_tidy_finds_no_error_in_the_page() {
    if !have("tidy") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, args) in [
        ("default", vec![]),
        ("summary", vec!["--report", "headline,findings,summary"]),
    ] {
        let (page, _) = page_and_json(&args);
        let path = dir.path().join(format!("{name}.html"));
        std::fs::write(&path, page).unwrap();
        let (status, errors) = tidy_errors(&path);
        assert!(status < 2 && errors.is_empty(), "{name}: {status} {errors}");
    }
    // The check can fail: an element HTML does not have is an error.
    let broken = dir.path().join("broken.html");
    std::fs::write(&broken, "<!DOCTYPE html><html><head><title>x</title></head><body><blink-tag>1</blink-tag><foo>2</foo></body></html>").unwrap();
    assert_eq!(tidy_errors(&broken).0, 2, "tidy reports errors");
}

/// What Chromium did with `page`: its console lines, the addresses it
/// asked for (from its net log), the DOM it built and a screenshot's size.
/// Every request goes to a proxy on 127.0.0.1:9, where nothing listens:
/// nothing leaves the machine, not even Chromium's own update checks.
struct Loaded {
    console: Vec<String>,
    requests: Vec<String>,
    dom: String,
    screenshot: u64,
}

fn load(dir: &Path, name: &str, page: &str) -> Loaded {
    let path = dir.join(format!("{name}.html"));
    std::fs::write(&path, page).unwrap();
    let net_log = dir.join(format!("{name}.netlog.json"));
    let shot = dir.join(format!("{name}.png"));
    let url = format!("file://{}", path.display());
    let chromium = |extra: &[&str]| {
        Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--proxy-server=http://127.0.0.1:9",
                "--enable-logging=stderr",
                "--v=0",
                "--hide-scrollbars",
                "--window-size=1100,1400",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.join(format!("{name}.profile")).display()
            ))
            .args(extra)
            .arg(&url)
            .output()
            .expect("chromium runs")
    };
    let dumped = chromium(&[
        "--dump-dom",
        &format!("--log-net-log={}", net_log.display()),
    ]);
    assert!(dumped.status.success(), "{}", support::stderr(&dumped));
    let console = support::stderr(&dumped)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    let log = std::fs::read_to_string(&net_log).unwrap_or_default();
    // Chromium's own services (time, updates, accounts) are asked however
    // the page is made; the refused proxy keeps them on the machine.
    let own = ["google.com/", "googleapis.com/", "gvt1.com/"];
    let requests = log
        .match_indices("\"url\":\"")
        .map(|(i, _)| {
            let rest = &log[i + 7..];
            rest[..rest.find('"').unwrap_or(rest.len())].to_string()
        })
        .filter(|u| !u.starts_with("file://") && !own.iter().any(|o| u.contains(o)))
        .collect();
    let shot_run = chromium(&[&format!("--screenshot={}", shot.display())]);
    assert!(shot_run.status.success(), "{}", support::stderr(&shot_run));
    Loaded {
        console,
        requests,
        dom: String::from_utf8(dumped.stdout).unwrap(),
        screenshot: std::fs::metadata(&shot).map_or(0, |m| m.len()),
    }
}

#[test]
fn chromium_loads_the_page_offline_and_shows_charts_and_findings() {
    if !have("chromium") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (page, _) = page_and_json(&[]);
    let loaded = load(dir.path(), "report", &page);
    assert_eq!(loaded.console, Vec::<String>::new(), "console messages");
    assert_eq!(loaded.requests, Vec::<String>::new(), "requests");
    assert!(loaded.dom.contains("domain-wide-reject erg.school"));
    // Each chart drawn: its series' lines in their colours, the bars.
    for colour in ["#0072B2", "#009E73", "#D55E00", "#CC79A7", "#E69F00"] {
        assert!(
            loaded.dom.contains(&format!("stroke=\"{colour}\"")),
            "a line in {colour}"
        );
    }
    assert!(loaded.dom.contains("<rect"), "the bars");
    // Not a blank page: a blank one's screenshot is a fraction of it.
    let blank = load(dir.path(), "blank", "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>blank</title></head><body></body></html>");
    assert!(
        loaded.screenshot > 10 * blank.screenshot,
        "{} against a blank page's {}",
        loaded.screenshot,
        blank.screenshot
    );

    // The checks can fail: a page that asks for an image and logs an
    // error is caught by both.
    let bad = load(
        dir.path(),
        "bad",
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>bad</title></head>\
         <body><img src=\"http://127.0.0.1:9/x.png\" alt=\"\"><script>console.error('boom')</script></body></html>",
    );
    assert!(
        bad.requests.iter().any(|u| u == "http://127.0.0.1:9/x.png"),
        "{:?}",
        bad.requests
    );
    assert!(
        bad.console.iter().any(|l| l.contains("boom")),
        "{:?}",
        bad.console
    );
}
