//! The collector: every block's result received from the workers, and in
//! input order folded into the messages and handed to the sink.

use std::sync::mpsc;

use polars::prelude::{BooleanChunked, DataFrame, NewChunkedArray, PlSmallStr};

use super::{BlockOut, LineCounts, LineIndex, Message, Scanned, Tokens};
use crate::frame::{self, Projection};
use crate::messages;
use crate::parse::{Event, EventKind};
use crate::sessions::SessionStats;

/// What the collector does with each block in input order.
pub(super) struct InOrder<'c> {
    pub(super) sink: Option<&'c mpsc::SyncSender<(usize, Box<BlockOut>)>>,
    pub(super) messages: Option<&'c mut messages::Builder>,
    /// The frame's rows so far, the blocks before in input order.
    pub(super) frame_rows: usize,
}

/// Receives every block and input end; with a sink, hands the blocks over
/// in input order and frees their tokens then.
pub(super) fn collect(
    receiver: &mpsc::Receiver<Message>,
    tokens: &Tokens,
    slots: &mut [Vec<Option<Box<BlockOut>>>],
    ends: &mut [Option<(usize, Scanned)>],
    mut in_order: InOrder<'_>,
    keep_unrecognized: bool,
    projection: &Projection,
) {
    let n = slots.len();
    let columns = frame::empty(projection).get_column_names_owned();
    let (mut ended, mut expected, mut received) = (0, 0, 0);
    // The next block for the sink: (input, block).
    let mut cursor = (0, 0);
    while ended < n || received < expected {
        let Ok(message) = receiver.recv() else {
            break;
        };
        match message {
            Message::Block(mut block) => {
                if let (Some(keep), Some(export)) = (block.keep.take(), &block.export) {
                    block.frame = derive_frame(export, &columns, keep);
                }
                let (input, seq) = (block.input, block.seq);
                if slots[input].len() <= seq {
                    slots[input].resize_with(seq + 1, || None);
                }
                slots[input][seq] = Some(block);
                received += 1;
            }
            Message::End {
                input,
                blocks,
                scanned,
            } => {
                ends[input] = Some((blocks, *scanned));
                ended += 1;
                expected += blocks;
            }
            Message::Panic(payload) => std::panic::resume_unwind(payload),
        }
        // Without a sink or messages, blocks are done with in any order
        // (their tokens freed once parsed).
        if in_order.sink.is_none() && in_order.messages.is_none() {
            continue;
        }
        // Fold what is next in order into the messages and hand over its
        // exported rows and unrecognized lines; the rest stays in its slot
        // for the frame.
        while cursor.0 < n {
            let (input, seq) = cursor;
            if let Some((count, _)) = &ends[input] {
                if seq >= *count {
                    cursor = (input + 1, 0);
                    tokens.update(|s| s.head = input + 1);
                    continue;
                }
            }
            let Some(Some(block)) = slots[input].get_mut(seq) else {
                break;
            };
            let first_row = in_order.frame_rows;
            in_order.frame_rows += block.frame.height();
            if let (Some(builder), Some(rows)) =
                (in_order.messages.as_deref_mut(), block.messages.take())
            {
                builder.block(rows, first_row, in_order.frame_rows);
            }
            let Some(to_sink) = in_order.sink else {
                tokens.release();
                cursor = (input, seq + 1);
                continue;
            };
            let unrecognized = if keep_unrecognized {
                block.unrecognized.clone()
            } else {
                std::mem::take(&mut block.unrecognized)
            };
            let handed = Box::new(BlockOut {
                input,
                seq,
                frame: DataFrame::empty(),
                keep: None,
                export: block.export.take(),
                messages: None,
                counts: LineCounts::default(),
                unrecognized,
                months: 0,
                last_bsd: None,
                lines: LineIndex::default(),
                sessions: SessionStats::default(),
            });
            // An error means the sink's thread is gone (it panicked): the
            // panic is raised when the thread is joined.
            let _ = to_sink.send((input, handed));
            tokens.release();
            cursor = (input, seq + 1);
        }
    }
}

pub(super) fn stack(frames: Vec<DataFrame>, projection: &Projection) -> DataFrame {
    let mut frames = frames.into_iter();
    let Some(mut all) = frames.next() else {
        return frame::empty(projection);
    };
    for f in frames {
        all.vstack_mut_owned(f)
            .expect("chunk frames share one schema");
    }
    // No rechunk: group-by and filters work on chunked columns, and a copy
    // of every string view would cost more than it saves.
    all
}

/// Whether every row and column of `narrow` is in `wide`, which keeps
/// whole kinds (as the export does): asked through the projections' own
/// answers, event kind by event kind.
pub(super) fn within(narrow: &Projection, wide: &Projection) -> bool {
    let columns = frame::SCHEMA
        .iter()
        .all(|(name, ..)| !narrow.has_column(name) || wide.has_column(name));
    let rows = EventKind::ALL.iter().all(|&kind| {
        let with_recipient = Event {
            to: Some("postmaster@example.org"),
            ..Event::new(kind)
        };
        let bare = Event::new(kind);
        let narrow_keeps = narrow.keeps(&with_recipient) || narrow.keeps(&bare);
        !narrow_keeps || (wide.keeps(&with_recipient) && wide.keeps(&bare))
    });
    columns && rows
}

/// The frame's part of a block's exported rows: its columns, the rows in
/// `keep`. The columns are shared, not copied, when every row is kept.
pub(super) fn derive_frame(
    export: &DataFrame,
    columns: &[PlSmallStr],
    keep: Vec<bool>,
) -> DataFrame {
    let frame = export
        .select(columns.iter().cloned())
        .expect("the exported rows have the frame's columns");
    if keep.iter().all(|&k| k) {
        return frame;
    }
    let mask = BooleanChunked::from_slice("keep".into(), &keep);
    frame
        .filter(&mask)
        .expect("one mask value per exported row")
}
