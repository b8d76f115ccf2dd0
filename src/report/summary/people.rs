//! Senders and recipients by message count and by size (pflogsumm's four
//! lists). Senders count received messages (once each, however often qmgr
//! logged them); recipients count final deliveries.

use std::borrow::Cow;

use polars::prelude::*;

use super::{count_column, text_column, Volume};
use crate::report::columns::{BYTES, MESSAGES, RECIPIENT, SENDER};
use crate::report::{Body, Context, ReportSpec};

pub const SENDERS: ReportSpec = ReportSpec {
    title: "Senders by message count",
    reads: super::reads_detail,
    compute: |context| list(context, SENDER, false),
    drop_first: &[],
    ranked: true,
};

pub const RECIPIENTS: ReportSpec = ReportSpec {
    title: "Recipients by message count",
    reads: super::reads_detail,
    compute: |context| list(context, RECIPIENT, false),
    drop_first: &[],
    ranked: true,
};

pub const SENDERS_BY_SIZE: ReportSpec = ReportSpec {
    title: "Senders by message size",
    reads: super::reads_detail,
    compute: |context| list(context, SENDER, true),
    drop_first: &[],
    ranked: true,
};

pub const RECIPIENTS_BY_SIZE: ReportSpec = ReportSpec {
    title: "Recipients by message size",
    reads: super::reads_detail,
    compute: |context| list(context, RECIPIENT, true),
    drop_first: &[],
    ranked: true,
};

fn list(context: &Context<'_>, who: &str, by_size: bool) -> PolarsResult<Body> {
    let summary = context.summary()?;
    let volumes = if who == SENDER {
        &summary.senders
    } else {
        &summary.recipients
    };
    Ok(Body::table(volume_frame(who, volumes, by_size)?))
}

/// `key`, messages, bytes: by messages (then bytes), or by bytes (then
/// messages), then by key.
pub fn volume_frame(
    key: &str,
    volumes: &PlHashMap<Cow<'_, str>, Volume>,
    by_size: bool,
) -> PolarsResult<DataFrame> {
    let mut rows: Vec<(&Cow<'_, str>, &Volume)> = volumes.iter().collect();
    rows.sort_by(|a, b| {
        let order = |v: &Volume| {
            if by_size {
                (v.bytes, v.messages)
            } else {
                (v.messages, v.bytes)
            }
        };
        order(b.1).cmp(&order(a.1)).then_with(|| a.0.cmp(b.0))
    });
    DataFrame::new_infer_height(vec![
        text_column(key, rows.iter().map(|r| r.0).collect()),
        count_column(MESSAGES, rows.iter().map(|r| r.1.messages).collect()),
        count_column(BYTES, rows.iter().map(|r| r.1.bytes).collect()),
    ])
}
