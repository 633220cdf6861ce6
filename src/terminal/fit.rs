//! Text fitted to a terminal's width, measured in the columns a terminal
//! gives it (a CJK character takes two, a combining accent none): [`cut`]
//! shortens a cell or a line with an ellipsis, [`cut_list`] shortens a line
//! that lists things (`most frequent: the 103657, of 75207, …`) after its
//! last whole item, and [`wrap`] breaks prose at spaces with a hanging
//! indent, so nothing is lost.

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// What ends a text that was cut.
pub const ELLIPSIS: &str = "…";

/// The columns `text` takes on a terminal.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// The longest start of `text` that takes at most `max` columns.
fn head(text: &str, max: usize) -> &str {
    let mut used = 0;
    for (i, c) in text.char_indices() {
        used += c.width().unwrap_or(0);
        if used > max {
            return &text[..i];
        }
    }
    text
}

/// `text` cut to at most `max` columns, ending with `…` when it was cut.
pub fn cut(text: &str, max: usize) -> Cow<'_, str> {
    if width(text) <= max {
        return Cow::Borrowed(text);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    Cow::Owned(format!(
        "{}{ELLIPSIS}",
        head(text, max - width(ELLIPSIS)).trim_end()
    ))
}

/// A line listing items separated by `separator` (`", "`), cut after the
/// last whole item that leaves room for `separator` and `…` within `max`
/// columns; cut anywhere ([`cut`]) when not even the first item fits.
pub fn cut_list<'a>(line: &'a str, separator: &str, max: usize) -> Cow<'a, str> {
    if width(line) <= max {
        return Cow::Borrowed(line);
    }
    let tail = format!("{separator}{ELLIPSIS}");
    let room = max.saturating_sub(width(&tail));
    let end = line
        .match_indices(separator)
        .map(|(i, _)| i)
        .take_while(|&i| width(&line[..i]) <= room)
        .last();
    match end {
        Some(i) => Cow::Owned(format!("{}{tail}", &line[..i])),
        None => cut(line, max),
    }
}

/// `text` broken at spaces into lines of at most `max` columns. Each line
/// of `text` is wrapped on its own; the lines it is broken into are
/// indented by its own indentation plus `indent` spaces. A word longer than
/// a whole line (a long URL) is split across lines.
pub fn wrap(text: &str, max: usize, indent: usize) -> String {
    let mut out = String::new();
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        wrap_line(line, max, indent, &mut out);
    }
    out
}

/// One line of [`wrap`], appended to `out`.
fn wrap_line(line: &str, max: usize, indent: usize, out: &mut String) {
    if width(line) <= max {
        out.push_str(line);
        return;
    }
    let lead = line.len() - line.trim_start_matches(' ').len();
    let hang = " ".repeat((lead + indent).min(max / 2));
    let mut current = line[..lead].to_string();
    let mut fresh = true; // nothing but indentation on the current line yet
    for word in line[lead..].split(' ').filter(|w| !w.is_empty()) {
        let mut word = word;
        loop {
            let gap = usize::from(!fresh);
            if width(&current) + gap + width(word) <= max {
                if !fresh {
                    current.push(' ');
                }
                current.push_str(word);
                fresh = false;
                break;
            }
            if fresh {
                // The word alone is wider than the line: split it.
                let room = max.saturating_sub(width(&current)).max(1);
                let part = match head(word, room) {
                    "" => &word[..word.chars().next().map_or(0, char::len_utf8)],
                    part => part,
                };
                current.push_str(part);
                word = &word[part.len()..];
                if word.is_empty() {
                    fresh = false;
                    break;
                }
            }
            out.push_str(current.trim_end());
            out.push('\n');
            current = hang.clone();
            fresh = true;
        }
    }
    out.push_str(current.trim_end());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_terminal_columns() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("12.3 ± 0.4 ms … 5×"), 18);
        assert_eq!(width("日本"), 4);
    }

    #[test]
    fn cuts_end_with_an_ellipsis_within_the_width() {
        assert_eq!(cut("Short", 10), "Short");
        assert_eq!(cut("A very long title indeed", 10), "A very lo…");
        assert_eq!(cut("A very long", 8), "A very…");
        assert_eq!(width(&cut("日本語の本のタイトル", 7)), 7);
        assert_eq!(cut("abc", 0), "");
    }

    #[test]
    fn lists_are_cut_after_a_whole_item() {
        let line = "most frequent: the 103657, of 75207, and 59787, to 49111";
        assert_eq!(cut_list(line, ", ", 80), line);
        let cut = cut_list(line, ", ", 40);
        assert_eq!(cut, "most frequent: the 103657, of 75207, …");
        assert!(width(&cut) <= 40);
        assert_eq!(
            cut_list("no separators here at all", ", ", 10),
            "no separa…"
        );
    }

    #[test]
    fn prose_wraps_with_a_hanging_indent_and_loses_nothing() {
        let text = "  ebook 84 (download): not found (HTTP 404) at any Gutenberg layout; tried http://127.0.0.1:41231/cache/epub/84/pg84.txt";
        let wrapped = wrap(text, 40, 2);
        for line in wrapped.lines() {
            assert!(width(line) <= 40, "{line:?} in\n{wrapped}");
        }
        assert!(wrapped.lines().skip(1).all(|l| l.starts_with("    ")));
        let words = |s: &str| s.split_whitespace().collect::<String>();
        assert_eq!(words(&wrapped), words(text), "nothing lost");
        assert_eq!(wrap("short\nlines", 40, 2), "short\nlines");
    }
}
