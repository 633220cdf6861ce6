//! The plain-text conventions of Gutenberg files that are not words: line
//! endings (CRLF, or a lone CR in some old files), the byte-order mark, and
//! the `_italic_` underscore markup, which a tokenizer would otherwise glue
//! onto the words (`_Pride` is not a word).

use std::borrow::Cow;

/// `text` with a leading byte-order mark removed and every CRLF or lone CR
/// turned into LF.
pub fn normalise_newlines(text: &str) -> Cow<'_, str> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    let text = text.replace("\r\n", "\n");
    Cow::Owned(if text.contains('\r') {
        text.replace('\r', "\n")
    } else {
        text
    })
}

/// `text` with Gutenberg's italic underscores removed: an underscore that
/// opens or closes a word or phrase (`_Pride_`, `_¿Qué?_`, `_his_ being`).
/// Underscores inside a word (`snake_case`), runs of them (`____`, drawn
/// lines) and a lone `_` between spaces are kept.
pub fn undo_italics(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut kept_from = 0;
    for (i, _) in text.match_indices('_') {
        let before = text[..i].chars().next_back();
        let after = text[i + 1..].chars().next();
        if is_markup(before, after) {
            if out.is_empty() {
                out.reserve(text.len());
            }
            out.push_str(&text[kept_from..i]);
            kept_from = i + 1;
        }
    }
    if kept_from == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[kept_from..]);
    Cow::Owned(out)
}

/// Whether an underscore between `before` and `after` is italic markup.
fn is_markup(before: Option<char>, after: Option<char>) -> bool {
    let is = |c: Option<char>, f: fn(char) -> bool| c.is_some_and(f);
    let space = |c: Option<char>| c.is_none_or(char::is_whitespace);
    if is(before, |c| c == '_') || is(after, |c| c == '_') {
        return false; // a run of underscores: a drawn line, not markup
    }
    if is(before, char::is_alphanumeric) && is(after, char::is_alphanumeric) {
        return false; // inside a word
    }
    !(space(before) && space(after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_cr_and_bom_become_plain_lines() {
        assert_eq!(normalise_newlines("\u{FEFF}a\r\nb\rc\n\r\n"), "a\nb\nc\n\n");
        assert!(matches!(normalise_newlines("a\nb"), Cow::Borrowed(_)));
    }

    #[test]
    fn italics_are_undone_and_other_underscores_kept() {
        assert_eq!(
            undo_italics("_Pride and Prejudice_."),
            "Pride and Prejudice."
        );
        assert_eq!(undo_italics("_his_ being"), "his being");
        assert_eq!(
            undo_italics("the _El Times_ and\n_reporters_ said"),
            "the El Times and\nreporters said"
        );
        assert_eq!(undo_italics("_¿Qué?_ dijo"), "¿Qué? dijo");
        assert_eq!(undo_italics("[_Note_]"), "[Note]");
        assert_eq!(undo_italics("snake_case"), "snake_case");
        assert_eq!(undo_italics("____\n a _ b"), "____\n a _ b");
        assert_eq!(undo_italics("_1878_"), "1878");
    }
}
