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
    let cp = c as u32;
    let class = if cp < 0x80 {
        CLASS[cp as usize]
    } else if cp < 0x250 {
        FAST_LATIN[cp as usize - 0x80]
    } else if (0x2010..0x2034).contains(&cp) {
        FAST_PUNCTUATION[cp as usize - 0x2010]
    } else {
        NONE
    };
    (class != NONE).then_some(class)
}

/// [`fast_class`] of a non-ASCII code point, `NONE` for none: the list.
const fn listed_class(cp: u32) -> u8 {
    match cp {
        // Latin-1 letters but × and ÷, Latin Extended-A and -B: ALetter.
        0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x24F => LETTER,
        // ‘ ’: MidNumLet, as `.` and `'`.
        0x2018 | 0x2019 => MID_LETTER | MID_NUM,
        // Other, as ASCII punctuation: no-break space ¡ ¢ £ § « ¬ ° ± ¶ » ¿ × ÷
        // ‐ – — ― “ ” † ‡ • … ′ ″.
        0xA0 | 0xA1 | 0xA2 | 0xA3 | 0xA7 | 0xAB | 0xAC | 0xB0 | 0xB1 | 0xB6 | 0xBB | 0xBF
        | 0xD7 | 0xF7 | 0x2010 | 0x2013 | 0x2014 | 0x2015 | 0x201C | 0x201D | 0x2020 | 0x2021
        | 0x2022 | 0x2026 | 0x2032 | 0x2033 => 0,
        _ => NONE,
    }
}

/// No fast class.
const NONE: u8 = 0xFF;

const fn listed_table<const N: usize>(first: u32) -> [u8; N] {
    let mut table = [NONE; N];
    let mut i = 0;
    while i < N {
        table[i] = listed_class(first + i as u32);
        i += 1;
    }
    table
}

/// [`listed_class`] of U+0080 to U+024F, and of U+2010 to U+2033.
const FAST_LATIN: [u8; 0x1D0] = listed_table(0x80);
const FAST_PUNCTUATION: [u8; 0x24] = listed_table(0x2010);

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
/// scanner would find it, and whether it is ASCII.
fn next_fast(piece: &str, pos: &mut usize) -> Option<(usize, usize, bool)> {
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
        let mut ascii = len == 1;
        at += len;
        loop {
            let (class, len) = class_at(piece, at);
            if class & CORE != 0 {
                alnum |= class & (LETTER | DIGIT) != 0;
                ascii &= len == 1;
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
                    ascii &= len == 1 && next_len == 1;
                    prev = next;
                    at += len + next_len;
                    continue;
                }
            }
            break;
        }
        if alnum {
            *pos = at;
            return Some((start, at, ascii));
        }
    }
    *pos = piece.len();
    None
}

impl<'a> Iterator for PieceWords<'a> {
    /// A word, and whether it is ASCII.
    type Item = (&'a str, bool);

    fn next(&mut self) -> Option<(&'a str, bool)> {
        match self {
            PieceWords::Fast { piece, pos } => {
                next_fast(piece, pos).map(|(start, end, ascii)| (&piece[start..end], ascii))
            }
            PieceWords::Unicode(words) => words.next().map(|w| (w, w.is_ascii())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_hold_the_list() {
        for c in '\u{80}'..='\u{3000}' {
            let listed = listed_class(c as u32);
            assert_eq!(fast_class(c), (listed != NONE).then_some(listed), "{c:?}");
        }
    }

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
            let ours: Vec<&str> = PieceWords::new(piece)
                .map(|(w, ascii)| {
                    assert_eq!(ascii, w.is_ascii(), "{w}");
                    w
                })
                .collect();
            assert!(
                matches!(PieceWords::new(piece), PieceWords::Fast { .. }),
                "{piece}"
            );
            assert_eq!(ours, piece.unicode_words().collect::<Vec<_>>(), "{piece}");
        }
        assert!(matches!(PieceWords::new("™é"), PieceWords::Unicode(_)));
    }
}
