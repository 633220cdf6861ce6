//! The word iterator: the ASCII scanner on the ASCII stretches of a text,
//! `unicode-segmentation` on the small pieces around non-ASCII characters.

use unicode_segmentation::{UnicodeSegmentation, UnicodeWords};

use super::ascii::AsciiWords;
use super::split::{boundary_after, boundary_before, next_non_ascii};

/// The words of a text, the same `&str` slices in the same order as
/// `unicode_segmentation::UnicodeSegmentation::unicode_words` gives.
///
/// Made by [`words`](super::words).
pub struct Words<'a> {
    text: &'a str,
    /// Words of the ASCII stretch `text[stretch..piece]`.
    ascii: AsciiWords<'a>,
    stretch: usize,
    /// The non-ASCII piece `text[piece..piece_end]` after the stretch
    /// (empty at the end of the text).
    piece: usize,
    piece_end: usize,
    /// Words of that piece, once the stretch is done.
    unicode: Option<UnicodeWords<'a>>,
}

impl<'a> Words<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let mut words = Words {
            text,
            ascii: AsciiWords::new(&[]),
            stretch: 0,
            piece: 0,
            piece_end: 0,
            unicode: None,
        };
        words.start_stretch(0);
        words
    }

    /// Plans the stretch starting at `from` (a boundary) and the piece after it.
    fn start_stretch(&mut self, from: usize) {
        let bytes = self.text.as_bytes();
        let (piece, piece_end) = match next_non_ascii(bytes, from) {
            Some(at) => (boundary_before(bytes, from, at), boundary_after(bytes, at)),
            None => (bytes.len(), bytes.len()),
        };
        self.ascii = AsciiWords::new(&bytes[from..piece]);
        self.stretch = from;
        self.piece = piece;
        self.piece_end = piece_end;
    }

    /// The next word, and whether it came from an ASCII stretch (so is ASCII).
    #[inline]
    pub(crate) fn next_word(&mut self) -> Option<(&'a str, bool)> {
        loop {
            if let Some(unicode) = &mut self.unicode {
                if let Some(word) = unicode.next() {
                    return Some((word, false));
                }
                self.unicode = None;
                self.start_stretch(self.piece_end);
                continue;
            }
            if let Some((start, end)) = self.ascii.next() {
                return Some((&self.text[self.stretch + start..self.stretch + end], true));
            }
            if self.piece == self.text.len() {
                return None;
            }
            self.unicode = Some(self.text[self.piece..self.piece_end].unicode_words());
        }
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        self.next_word().map(|(word, _)| word)
    }
}

impl std::fmt::Debug for Words<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Words")
            .field("stretch", &self.stretch)
            .field("piece", &(self.piece..self.piece_end))
            .finish_non_exhaustive()
    }
}
