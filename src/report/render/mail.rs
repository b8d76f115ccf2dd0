//! `--format mail`: the report as a complete MIME message for `sendmail
//! -t`, built with mail-builder: the headline as the subject,
//!
//! ```text
//! multipart/alternative
//!   text/plain            the text report (as --format table prints it)
//!   multipart/related
//!     text/html           the HTML page, its charts as <img src="cid:…">
//!     image/png …         each chart, rasterized from its SVG
//! ```
//!
//! Mail clients show neither SVG nor `data:` images, so the charts go as
//! PNG parts that the page names by `Content-ID`.

use std::io::{self, Write};

use mail_builder::headers::address::Address;
use mail_builder::headers::raw::Raw;
use mail_builder::mime::{BodyPart, MimePart};
use mail_builder::MessageBuilder;

use super::{html, Format, RenderOptions};
use crate::report::charts;
use crate::report::{Body, Report};

pub fn write(reports: &[Report], options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let headline = reports.iter().find_map(|r| match &r.body {
        Body::Line(line) => Some(line.clone()),
        _ => None,
    });
    let text_options = RenderOptions {
        format: Format::Table,
        color: false,
        charts: Vec::new(),
        mail: None,
        ..options.clone()
    };
    let mut text = Vec::new();
    super::render(reports, &text_options, &mut text)?;
    let text = if options.ascii {
        super::ascii_typography(&text)
    } else {
        String::from_utf8_lossy(&text).into_owned()
    };
    let mut page = Vec::new();
    html::write(
        reports,
        &options.charts,
        html::Images::Cid,
        &options.zone,
        &options.input_problems,
        &mut page,
    )?;
    let page = String::from_utf8_lossy(&page).into_owned();

    let fonts = charts::system_fonts();
    let mut related = vec![MimePart::new("text/html", BodyPart::Text(page.into()))];
    for chart in &options.charts {
        if let Some(png) = chart.png(&fonts) {
            related.push(
                MimePart::new("image/png", BodyPart::Binary(png.into()))
                    .inline()
                    .cid(chart.content_id()),
            );
        }
    }
    let body = MimePart::new(
        "multipart/alternative",
        vec![
            MimePart::new("text/plain", BodyPart::Text(text.into())),
            MimePart::new("multipart/related", related),
        ],
    );

    let mail = options.mail.as_ref();
    let now = mail.map_or(0, |m| m.now);
    let to: Vec<Address<'_>> = mail
        .map(|m| {
            m.to.iter()
                .map(|a| Address::new_address(None::<&str>, a.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let from = mail.and_then(|m| m.from.as_deref());
    // The Message-ID from the run's now, not the clock (tests fix it).
    let domain = from
        .and_then(|f| f.rsplit_once('@'))
        .map_or("localhost", |(_, d)| d.trim_end_matches('>'));
    let message_id = format!("maillog-report.{:x}.{}@{domain}", now, std::process::id());
    let subject = headline.unwrap_or_else(|| "maillog-report".to_string());
    let mut builder = MessageBuilder::new().to(Address::new_list(to));
    // An ASCII subject stays readable (folded, not encoded) for the
    // filters and scripts that match it; another is RFC 2047 encoded.
    builder = if subject.is_ascii() {
        builder.header("Subject", Raw::new(subject))
    } else {
        builder.subject(subject)
    };
    let mut builder = builder
        .date(now.div_euclid(1_000_000))
        .message_id(message_id)
        .body(body);
    if let Some(from) = from {
        builder = builder.from(Address::new_address(None::<&str>, from));
    }
    builder.write_to(out)
}
