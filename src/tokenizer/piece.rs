//! The words of a short piece of text around non-ASCII characters (cut at
//! boundaries by [`super::split`]).
//!
//! Most non-ASCII characters in Gutenberg books are Latin letters (`é`, `ä`,
//! `ß`), curly quotes and dashes. For UAX #29 each of these behaves exactly
//! like an ASCII character of the same word-break class: a Latin letter is
//! ALetter like `a`, `‘` and `’` are MidNumLet like `.`, and `“ ” — – …`,
//! no-break space, `« » ¡ ¿` and a few more are Other like `!` (none is
//! Extend, Format, ZWJ or an emoji, and the segmenter looks at nothing but
//! the class). So a piece whose characters are all ASCII or in [`fast_class`]
//! is scanned here by the ASCII rules, a character at a time; any other
//! piece goes to `unicode-segmentation`. The test
//! `each_fast_character_acts_as_its_ascii_stand_in` checks every character
//! of the list against `unicode-segmentation` itself.

use unicode_segmentation::{UnicodeSegmentation, UnicodeWords};

use super::ascii::{CLASS, DIGIT, LETTER, MID_LETTER, MID_NUM, UNDERSCORE};

/// The ASCII class a character behaves as, or `None` for a character left
/// to `unicode-segmentation`.
#[inline]
pub(crate) fn fast_class(c: char) -> Option<u8> {
    match c {
        '\0'..='\x7F' => Some(CLASS[c as usize]),
        // Latin-1 letters but × and ÷, and Latin Extended-A: ALetter.
        '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{17F}' => Some(LETTER),
        // ‘ ’: MidNumLet, as `.` and `'`.
        '\u{2018}' | '\u{2019}' => Some(MID_LETTER | MID_NUM),
        // Other, as ASCII punctuation: no-break space ¡ ¢ £ § « ¬ ° ± ¶ » ¿ × ÷
        // ‐ – — ― “ ” † ‡ • … ′ ″.
        '\u{A0}' | '\u{A1}' | '\u{A2}' | '\u{A3}' | '\u{A7}' | '\u{AB}' | '\u{AC}' | '\u{B0}'
        | '\u{B1}' | '\u{B6}' | '\u{BB}' | '\u{BF}' | '\u{D7}' | '\u{F7}' | '\u{2010}'
        | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{201C}' | '\u{201D}' | '\u{2020}'
        | '\u{2021}' | '\u{2022}' | '\u{2026}' | '\u{2032}' | '\u{2033}' => Some(0),
        _ => None,
    }
}

const CORE: u8 = LETTER | DIGIT | UNDERSCORE;

/// The words of a piece: by the ASCII rules when every character has a
/// [`fast_class`], else by `unicode-segmentation`.
pub(crate) enum PieceWords<'a> {
    Fast { piece: &'a str, pos: usize },
    Unicode(UnicodeWords<'a>),
}

impl<'a> PieceWords<'a> {
    pub(crate) fn new(piece: &'a str) -> Self {
        if piece.chars().all(|c| fast_class(c).is_some()) {
            PieceWords::Fast { piece, pos: 0 }
        } else {
            PieceWords::Unicode(piece.unicode_words())
        }
    }
}

/// The class of the character at `at` and its length (0 for the end).
#[inline]
fn class_at(piece: &str, at: usize) -> (u8, usize) {
    match piece[at..].chars().next() {
        Some(c) => (fast_class(c).unwrap_or(0), c.len_utf8()),
        None => (0, 0),
    }
}

/// The next word of a piece of fast characters from `pos`, as the ASCII
/// scanner would find it.
fn next_fast(piece: &str, pos: &mut usize) -> Option<(usize, usize)> {
    let mut at = *pos;
    while at < piece.len() {
        let (class, len) = class_at(piece, at);
        if class & CORE == 0 {
            at += len;
            continue;
        }
        let start = at;
        let mut prev = class;
        let mut alnum = class & (LETTER | DIGIT) != 0;
        at += len;
        loop {
            let (class, len) = class_at(piece, at);
            if class & CORE != 0 {
                alnum |= class & (LETTER | DIGIT) != 0;
                prev = class;
                at += len;
                continue;
            }
            // A mark joins two letters (`:` `.` `'` ‘ ’) or two digits (`,` `;` `.` `'` ‘ ’).
            let joins_letters = class & MID_LETTER != 0 && prev & LETTER != 0;
            let joins_digits = class & MID_NUM != 0 && prev & DIGIT != 0;
            if len > 0 && (joins_letters || joins_digits) {
                let (next, next_len) = class_at(piece, at + len);
                if (joins_letters && next & LETTER != 0) || (joins_digits && next & DIGIT != 0) {
                    prev = next;
                    at += len + next_len;
                    continue;
                }
            }
            break;
        }
        if alnum {
            *pos = at;
            return Some((start, at));
        }
    }
    *pos = piece.len();
    None
}

impl<'a> Iterator for PieceWords<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match self {
            PieceWords::Fast { piece, pos } => {
                next_fast(piece, pos).map(|(start, end)| &piece[start..end])
            }
            PieceWords::Unicode(words) => words.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character `fast_class` knows.
    fn fast_chars() -> Vec<char> {
        ('\u{80}'..='\u{2FFF}')
            .filter(|&c| fast_class(c).is_some())
            .collect()
    }

    /// The words of `text` as (first char, char count) pairs, by
    /// unicode-segmentation's general (non-ASCII) path.
    fn word_spans(text: &str) -> Vec<(usize, usize)> {
        let general = format!("{text}\n中");
        let mut spans: Vec<(usize, usize)> = general
            .unicode_word_indices()
            .map(|(at, w)| (general[..at].chars().count(), w.chars().count()))
            .collect();
        assert_eq!(spans.pop(), Some((text.chars().count() + 1, 1)));
        spans
    }

    #[test]
    fn each_fast_character_acts_as_its_ascii_stand_in() {
        let context: Vec<&str> = vec![
            "", "a", "Z", "1", "_", ".", "'", ":", ",", ";", " ", "\n", "!", "é", "a.", "1,", "a'",
            ".a", ",1", "’a", "a’", "1’", "’1", "\u{301}", "a\u{301}", "\u{AD}",
        ];
        let chars = fast_chars();
        assert!(chars.len() > 200, "{}", chars.len());
        for c in chars {
            let stand_in = match fast_class(c) {
                Some(LETTER) => 'a',
                Some(class) if class == MID_LETTER | MID_NUM => '.',
                Some(0) => '!',
                other => panic!("{c:?}: unexpected class {other:?}"),
            };
            for left in &context {
                for right in &context {
                    let with = format!("{left}{c}{right}");
                    let stand = format!("{left}{stand_in}{right}");
                    assert_eq!(
                        word_spans(&with),
                        word_spans(&stand),
                        "{c:?} (U+{:04X}) does not act as {stand_in:?} in {with:?}",
                        c as u32
                    );
                }
            }
        }
    }

    #[test]
    fn fast_pieces_give_unicode_words() {
        for piece in [
            "“Hello,",
            "don’t",
            "l’été—déjà",
            "1’000’000",
            "a’’b",
            "Straße…",
            "«Œuvre»",
            "_é_",
            "__",
            "’tis",
            "×2",
            "¿Qué?",
            "x—",
            "ÆØÅ.æøå",
            "¡¡",
            "a:é",
            "3,5’",
            "",
        ] {
            let ours: Vec<&str> = PieceWords::new(piece).collect();
            assert!(
                matches!(PieceWords::new(piece), PieceWords::Fast { .. }),
                "{piece}"
            );
            assert_eq!(ours, piece.unicode_words().collect::<Vec<_>>(), "{piece}");
        }
        assert!(matches!(PieceWords::new("™é"), PieceWords::Unicode(_)));
    }
}
