//! A report table for people, fitted to a width: identifiers (domains,
//! codes, restrictions, addresses) never wrap; free text (a reason) is the
//! column that gives way, wrapped at word boundaries; times are short
//! (`11-23 03:35`); and when the columns do not fit at all, the least
//! important ones (declared per report) are left out, with a note saying
//! which and how to see them. An identifier longer than the whole width
//! (a VERP sender, a long reason-less address) is shortened in the middle,
//! `bounce-1234…@lists.example`, with a note; CSV and JSON print it whole.

use std::io::{self, Write};

use comfy_table::{presets, Attribute, Cell, CellAlignment, ContentArrangement, Table};

use super::{machine_text, more_note, names, rows, RenderOptions, Value};
use crate::report::columns::{self, Role};
use crate::report::{Report, Rows};
use crate::zone::Zone;

/// Free text is not squeezed below this many characters while other
/// columns can still be left out.
const TEXT_MIN: usize = 24;

/// Lines a wrapped cell may take; the rest is cut with `…`.
const TEXT_MAX_LINES: usize = 3;

/// comfy-table's frame: a border before every column and after the last,
/// and one space of padding on each side of a cell.
fn frame_width(columns: usize) -> usize {
    3 * columns + 1
}

struct Column {
    name: String,
    role: Role,
    cells: Vec<String>,
    /// The widest cell or the header, in characters.
    natural: usize,
}

pub(super) fn write(
    report: &Report,
    rows: &Rows,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    if rows.frame.height() == 0 {
        return writeln!(out, "(none)");
    }
    let mut columns = cells(rows, &options.zone);
    let hidden = fit(&mut columns, report.drop_first, options.width);
    let shortened = shorten_identifiers(&mut columns, options.width);

    let mut table = Table::new();
    table.load_preset(if options.ascii {
        presets::ASCII_FULL_CONDENSED
    } else {
        presets::UTF8_FULL_CONDENSED
    });
    table.set_content_arrangement(ContentArrangement::Disabled);
    if !options.color {
        table.force_no_tty();
    }
    table.set_header(columns.iter().map(|c| {
        let cell = Cell::new(&c.name);
        if options.color {
            cell.add_attribute(Attribute::Bold)
        } else {
            cell
        }
    }));
    for i in 0..rows.frame.height() {
        table.add_row(columns.iter().map(|c| c.cells[i].as_str()));
    }
    for (i, column) in columns.iter().enumerate() {
        if column.role == Role::Number {
            if let Some(c) = table.column_mut(i) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
    }
    writeln!(out, "{table}")?;
    if rows.omitted > 0 {
        writeln!(out, "{}", more_note(rows.omitted, "row"))?;
    }
    if shortened {
        let note = "(long values shortened with …; --format csv or json prints them whole)";
        for line in super::wrap(note, options.width) {
            writeln!(out, "{line}")?;
        }
    }
    if !hidden.is_empty() {
        let note = format!(
            "(not shown, to fit {} columns: {}; --width or --format csv shows all)",
            options.width,
            hidden.join(", ")
        );
        for line in super::wrap(&note, options.width) {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// Every cell as printed, unwrapped; times in `zone`.
fn cells(rows: &Rows, zone: &Zone) -> Vec<Column> {
    let frame = &rows.frame;
    let values = self::rows(frame);
    let times: Vec<i64> = values
        .iter()
        .flatten()
        .filter_map(|v| match v {
            Value::Time(us) => Some(*us),
            _ => None,
        })
        .collect();
    let time_format = if same_year(&times, zone) {
        "%m-%d %H:%M"
    } else {
        "%Y-%m-%d %H:%M"
    };
    names(frame)
        .into_iter()
        .zip(frame.columns())
        .enumerate()
        .map(|(i, (name, column))| {
            let role = columns::role(&name, column.dtype());
            let cells: Vec<String> = values
                .iter()
                .map(|row| match &row[i] {
                    Value::Time(us) => zone
                        .local(*us)
                        .map(|d| d.format(time_format).to_string())
                        .unwrap_or_default(),
                    other => machine_text(other).unwrap_or_default().replace('\n', " "),
                })
                .collect();
            let natural = cells
                .iter()
                .map(|c| c.chars().count())
                .chain([name.chars().count()])
                .max()
                .unwrap_or(0);
            Column {
                name,
                role,
                cells,
                natural,
            }
        })
        .collect()
}

fn same_year(times: &[i64], zone: &Zone) -> bool {
    use chrono::Datelike;
    let year = |us: i64| zone.local(us).map(|d| d.year());
    times.windows(2).all(|w| year(w[0]) == year(w[1]))
}

/// Leaves out columns (in `drop_first` order) until the table fits `width`
/// with free text at [`TEXT_MIN`] characters or its whole length, then
/// wraps the free text into the width left. Returns the names left out.
fn fit(columns: &mut Vec<Column>, drop_first: &[&str], width: usize) -> Vec<String> {
    let needed = |columns: &[Column]| {
        frame_width(columns.len())
            + columns
                .iter()
                .map(|c| match c.role {
                    Role::Text => c.natural.min(TEXT_MIN),
                    _ => c.natural,
                })
                .sum::<usize>()
    };
    let mut hidden = Vec::new();
    for name in drop_first {
        if needed(columns) <= width {
            break;
        }
        if let Some(at) = columns.iter().position(|c| c.name == *name) {
            hidden.push(columns.remove(at).name);
        }
    }
    let fixed: usize = columns
        .iter()
        .filter(|c| c.role != Role::Text)
        .map(|c| c.natural)
        .sum();
    let texts = columns.iter().filter(|c| c.role == Role::Text).count();
    let room = width
        .saturating_sub(fixed + frame_width(columns.len()))
        .checked_div(texts);
    if let Some(room) = room {
        for column in columns.iter_mut().filter(|c| c.role == Role::Text) {
            // Narrower than the header or a few characters helps nobody: the
            // table is then wider than asked.
            let text_width = room.max(column.name.chars().count()).max(12);
            if column.natural > text_width {
                for cell in &mut column.cells {
                    *cell = wrap(cell, text_width, TEXT_MAX_LINES);
                }
            }
        }
    }
    hidden
}

/// When the table is still wider than `width` (no column left to leave
/// out, free text already wrapped), shortens the cells of the widest
/// identifier column in the middle, down to [`IDENTIFIER_MIN`] characters.
/// Whether any cell was shortened.
fn shorten_identifiers(columns: &mut [Column], width: usize) -> bool {
    let printed = |c: &Column| {
        c.cells
            .iter()
            .flat_map(|cell| cell.lines())
            .map(|l| l.chars().count())
            .chain([c.name.chars().count()])
            .max()
            .unwrap_or(0)
    };
    let total = frame_width(columns.len()) + columns.iter().map(printed).sum::<usize>();
    let Some(excess) = total.checked_sub(width).filter(|&e| e > 0) else {
        return false;
    };
    let Some(widest) = columns
        .iter_mut()
        .filter(|c| c.role == Role::Identifier)
        .max_by_key(|c| c.natural)
    else {
        return false;
    };
    let limit = widest
        .natural
        .saturating_sub(excess)
        .max(IDENTIFIER_MIN)
        .max(widest.name.chars().count());
    let mut shortened = false;
    for cell in &mut widest.cells {
        if cell.chars().count() > limit {
            *cell = shorten_middle(cell, limit);
            shortened = true;
        }
    }
    widest.natural = limit;
    shortened
}

/// Identifiers are not shortened below this many characters.
const IDENTIFIER_MIN: usize = 16;

/// `text` in `limit` characters: its start and its end (where an address
/// keeps its domain), joined by `…`.
fn shorten_middle(text: &str, limit: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let tail = (limit - 1) / 2;
    let head = limit - 1 - tail;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// `text` wrapped at word boundaries into lines of at most `width`
/// characters, at most `max_lines` of them; what does not fit is cut with
/// `…`. A word longer than a line is cut too.
fn wrap(text: &str, width: usize, max_lines: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut cut = false;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let fits =
            current.chars().count() + usize::from(!current.is_empty()) + word.chars().count()
                <= width;
        if !fits && !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        if lines.len() == max_lines {
            cut = true;
            break;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
        if current.chars().count() > width {
            current = current.chars().take(width - 1).collect::<String>() + "…";
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if cut {
        let last = lines.last_mut().expect("a line before the cut");
        if last.chars().count() >= width {
            *last = last.chars().take(width - 1).collect();
        }
        last.push('…');
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn shortens_in_the_middle_keeping_both_ends() {
        let long = "bounce-mc.us5_123456789.1234567-abcdef@mail123.suw91.mcsv.net";
        let short = super::shorten_middle(long, 30);
        assert_eq!(short.chars().count(), 30);
        assert_eq!(short, "bounce-mc.us5_1…suw91.mcsv.net");
    }

    #[test]
    fn wraps_at_words_and_cuts_what_does_not_fit() {
        assert_eq!(wrap("a bb ccc", 20, 3), "a bb ccc");
        assert_eq!(wrap("aaa bbb ccc", 7, 3), "aaa bbb\nccc");
        assert_eq!(wrap("aaa bbb ccc ddd", 3, 2), "aaa\nbb…");
        assert_eq!(wrap("abcdefghij", 5, 3), "abcd…");
        for line in wrap("User unknown in virtual mailbox table and more", 10, 3).lines() {
            assert!(line.chars().count() <= 10, "{line}");
        }
    }
}
