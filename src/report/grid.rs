//! Columns of text padded to line up, as the terminal tables print them, and
//! fitted to a terminal's width ([`Layout`]): a table too wide leaves out
//! the columns it may do without, in the order given, and prose too wide is
//! wrapped ([`crate::terminal::fit`]). Without a width (output to a file or
//! a pipe) every column is kept and nothing is wrapped.

use crate::terminal::fit;

/// Which side a column's cells are padded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text starts at the column's left edge.
    Left,
    /// Text ends at the column's right edge (numbers).
    Right,
}

/// How wide the text may be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Layout {
    /// The terminal's width in columns; `None` for no limit (a file, a pipe).
    pub width: Option<usize>,
    /// Every column, whatever the width (`--verbose`).
    pub verbose: bool,
}

impl Layout {
    /// No limit: every column, nothing wrapped.
    pub const PLAIN: Layout = Layout {
        width: None,
        verbose: false,
    };

    /// A layout `width` columns wide.
    pub fn width(width: usize) -> Layout {
        Layout {
            width: Some(width),
            verbose: false,
        }
    }

    /// `text` wrapped to the width, each line's continuation indented by
    /// `indent` more spaces; unchanged without a width.
    pub fn wrap(&self, text: &str, indent: usize) -> String {
        match self.width {
            Some(w) => fit::wrap(text, w, indent),
            None => text.to_string(),
        }
    }

    /// A line listing items separated by `, `, cut after the last item
    /// that fits (`…, …`); unchanged without a width.
    pub fn list_line(&self, line: &str) -> String {
        match self.width {
            Some(w) => fit::cut_list(line, ", ", w).into_owned(),
            None => line.to_string(),
        }
    }
}

/// Pads every column of `rows` to its widest cell; the first column is
/// left-aligned, the others right-aligned.
pub fn render(rows: &[Vec<String>]) -> String {
    render_aligned(rows, &[Align::Left])
}

/// The columns each cell of `rows` takes, control characters replaced
/// ([`crate::terminal::clean`]).
fn cleaned(rows: &[Vec<String>]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| {
            r.iter()
                .map(|c| crate::terminal::clean(c).into_owned())
                .collect()
        })
        .collect()
}

/// The width of each column of `rows`: its widest cell.
fn column_widths(rows: &[Vec<String>]) -> Vec<usize> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| fit::width(s))
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// The width of a table whose columns are `widths` wide.
fn table_width(widths: &[usize]) -> usize {
    widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1)
}

/// Pads every column of `rows` to its widest cell, column `c` aligned as
/// `align[c]` says (right-aligned beyond the end of `align`). Control
/// characters in cells are replaced ([`crate::terminal::clean`]).
pub fn render_aligned(rows: &[Vec<String>], align: &[Align]) -> String {
    let rows = cleaned(rows);
    let widths = column_widths(&rows);
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - fit::width(cell);
            if c > 0 {
                line.push_str("  ");
            }
            if align.get(c) == Some(&Align::Left) {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A table fitted to a layout: the text, and the titles (first-row cells)
/// of the columns left out to fit, in the order they were left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fitted {
    /// The table, a line per row.
    pub text: String,
    /// The titles of the columns left out.
    pub left_out: Vec<String>,
}

/// Renders `rows` as [`render_aligned`] does, leaving out the columns of
/// `optional` (indices, in the order they may go) until the table fits the
/// layout's width. With `verbose` or no width every column is kept.
pub fn render_fitted(
    rows: &[Vec<String>],
    align: &[Align],
    optional: &[usize],
    layout: Layout,
) -> Fitted {
    let widths = column_widths(&cleaned(rows));
    let mut gone: Vec<usize> = Vec::new();
    if let (Some(max), false) = (layout.width, layout.verbose) {
        for &column in optional {
            let kept: Vec<usize> = (0..widths.len())
                .filter(|c| !gone.contains(c))
                .map(|c| widths[c])
                .collect();
            if table_width(&kept) <= max {
                break;
            }
            gone.push(column);
        }
    }
    render_without(rows, align, &gone)
}

/// Renders `rows` as [`render_aligned`] does without the columns `gone`
/// (indices, in the order they were left out).
pub fn render_without(rows: &[Vec<String>], align: &[Align], gone: &[usize]) -> Fitted {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let keep = |c: &usize| !gone.contains(c);
    let kept_rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .filter(|(c, _)| keep(c))
                .map(|(_, cell)| cell.clone())
                .collect()
        })
        .collect();
    let kept_align: Vec<Align> = (0..columns)
        .filter(keep)
        .map(|c| align.get(c).copied().unwrap_or(Align::Right))
        .collect();
    Fitted {
        text: render_aligned(&kept_rows, &kept_align),
        left_out: gone
            .iter()
            .filter_map(|&c| rows.first().and_then(|r| r.get(c)).cloned())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<Vec<String>> {
        vec![
            ["stage", "pool", "wall", "min … max"]
                .map(String::from)
                .to_vec(),
            ["download", "download", "1.25 s", "1.22 s … 1.27 s"]
                .map(String::from)
                .to_vec(),
        ]
    }

    #[test]
    fn columns_line_up() {
        let t = render(&[
            vec!["a".into(), "1".into()],
            vec!["long".into(), "100".into()],
        ]);
        assert_eq!(t, "a       1\nlong  100\n");
        let t = render(&[vec!["±".into(), "x".into()], vec!["ab".into(), "y".into()]]);
        assert_eq!(t, "±   x\nab  y\n", "padded by display width");
    }

    #[test]
    fn optional_columns_go_in_order_until_the_table_fits() {
        let full = render_fitted(&rows(), &[Align::Left], &[3, 1], Layout::PLAIN);
        assert!(full.left_out.is_empty());
        assert!(full.text.contains("min … max"));
        let wide = render_fitted(&rows(), &[Align::Left], &[3, 1], Layout::width(80));
        assert_eq!(wide.text, full.text, "wide enough: everything");
        let narrow = render_fitted(&rows(), &[Align::Left], &[3, 1], Layout::width(30));
        assert_eq!(narrow.left_out, vec!["min … max".to_string()]);
        assert!(narrow.text.lines().all(|l| fit::width(l) <= 30));
        let narrower = render_fitted(&rows(), &[Align::Left], &[3, 1], Layout::width(20));
        assert_eq!(narrower.left_out, vec!["min … max", "pool"]);
        assert_eq!(narrower.text, "stage       wall\ndownload  1.25 s\n");
        let verbose = Layout {
            verbose: true,
            ..Layout::width(20)
        };
        let all = render_fitted(&rows(), &[Align::Left], &[3, 1], verbose);
        assert_eq!(all.text, full.text, "--verbose keeps every column");
    }
}
