//! Text for a terminal: what a server, a catalog or a book's header says may
//! hold control characters — an escape sequence that moves the cursor,
//! changes colours, retitles the window or hides the lines before it. Every
//! such text is printed through [`clean`], which replaces each control
//! character (C0 but tab and line break, DEL, C1) with U+FFFD. [`fit`]
//! fits text to a terminal's width: cut with an ellipsis, or wrapped.

pub mod fit;

use std::borrow::Cow;

/// Whether `c` is a control character a terminal may act on.
fn is_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// `text` with every control character but tab and line break replaced by
/// U+FFFD (borrowed when there is none).
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if is_control(c) { '\u{FFFD}' } else { c })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_defused() {
        assert!(matches!(clean("Frankenstein"), Cow::Borrowed(_)));
        assert_eq!(
            clean("Evil\u{1b}]0;pwned\u{7}\u{1b}[2J title\u{9b}31m\u{7f}\r"),
            "Evil\u{FFFD}]0;pwned\u{FFFD}\u{FFFD}[2J title\u{FFFD}31m\u{FFFD}\u{FFFD}"
        );
        assert_eq!(clean("a\tb\nc"), "a\tb\nc");
    }
}
