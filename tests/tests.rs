//! One integration-test binary (one link step for all of them). Each module
//! owns one concern; `support` finds shared test data and the built binary.

mod analysts;
mod bad_input;
mod chunks;
mod cli;
mod corpus;
mod findings;
mod fold;
mod formats;
mod golden;
mod html;
mod inputs;
mod lab_truth;
mod mail;
mod messages;
mod parse_lines;
mod projection;
mod properties;
mod streaming;
mod summary;
mod support;
