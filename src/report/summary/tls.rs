//! TLS sessions (the `… TLS connection established …` summaries of smtpd,
//! tlsproxy, smtp and lmtp, from [`crate::sessions`]): per direction, trust
//! level, protocol and cipher, the sessions and distinct peers. A level of
//! `Anonymous` or `Untrusted` on outbound mail means the server's
//! certificate was not checked or did not verify; old protocols show who
//! still uses them.

use polars::prelude::*;

use super::{count_column, text_column};
use crate::frame::{col, Projection};
use crate::report::columns::{COUNT, DIRECTION, FIRST_SEEN, LAST_SEEN, PEERS};
use crate::report::{Body, Context, ReportSpec};
use crate::sessions::{Group, TlsKey};

pub const SPEC: ReportSpec = ReportSpec {
    title: "TLS sessions by direction, trust level, protocol and cipher",
    reads: || Projection::NONE.with_session_stats(),
    compute,
    drop_first: &[LAST_SEEN, FIRST_SEEN, col::TLS_BITS, col::TLS_CIPHER],
    ranked: true,
};

fn compute(context: &Context<'_>) -> PolarsResult<Body> {
    let mut rows: Vec<(&TlsKey, &Group)> = context.session_stats.tls().collect();
    rows.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
    let text = |name: &str, f: &dyn Fn(&TlsKey) -> &str| {
        text_column(name, rows.iter().map(|r| f(r.0)).collect())
    };
    Ok(Body::table(DataFrame::new_infer_height(vec![
        text(DIRECTION, &|k| k.direction),
        text(col::TLS_LEVEL, &|k| k.level.as_str()),
        text(col::TLS_PROTOCOL, &|k| k.protocol.as_str()),
        text(col::TLS_CIPHER, &|k| k.cipher.as_str()),
        Column::new(
            col::TLS_BITS.into(),
            rows.iter().map(|r| r.0.bits).collect::<Vec<Option<u16>>>(),
        ),
        count_column(COUNT, rows.iter().map(|r| r.1.count).collect()),
        count_column(PEERS, rows.iter().map(|r| r.1.peers.len() as u64).collect()),
        super::stamp_column(FIRST_SEEN, rows.iter().map(|r| r.1.first).collect()),
        super::stamp_column(LAST_SEEN, rows.iter().map(|r| r.1.last).collect()),
    ])?))
}
