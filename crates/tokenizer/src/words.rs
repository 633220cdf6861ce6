//! The word iterator: the ASCII scanner over the whole text, with the words
//! of each small piece around non-ASCII characters taken from
//! [`super::piece`] instead.
//!
//! A piece runs between two positions where UAX #29 always breaks (see
//! [`super::split`]): a space or a line break, and the ASCII scanner never
//! puts a space or a line break inside a word, so each of its words lies
//! wholly inside a piece (and is dropped) or wholly outside (and is right:
//! outside the pieces the text is ASCII, or non-ASCII punctuation that both
//! the scanner and UAX #29 take as separators, up to the spaces and line
//! breaks that end them).
//!
//! `next` serves callers that pull one word at a time; `fold` (and so
//! `for_each`, `count` and [`super::count`]) runs the same steps with the
//! scanner's state in local variables, which is markedly faster.

use super::ascii::{AsciiWords, Baseline, Classify, LETTER};
use super::piece::{PieceWords, fast_class};
use super::simd::{Simd, simd};
use super::split::{boundary_after, boundary_before, next_suspect};

/// The words of a text, the same `&str` slices in the same order as
/// `unicode_segmentation::UnicodeSegmentation::unicode_words` gives.
///
/// Made by [`words`](super::words).
pub struct Words<'a> {
    text: &'a str,
    ascii: AsciiWords<'a>,
    /// The next piece around non-ASCII characters, `text[piece_start..piece_end]`
    /// (both `text.len()` when there is none).
    piece_start: usize,
    piece_end: usize,
    /// The words of that piece while they are being given.
    piece: Option<PieceWords<'a>>,
    /// The first ASCII word after that piece, given once the piece is done.
    pending: Option<(usize, usize)>,
    /// `piece` or `pending` is set.
    detour: bool,
}

/// The text of a word the ASCII scanner found.
#[inline(always)]
fn ascii_word(text: &str, start: usize, end: usize) -> &str {
    let bytes = &text.as_bytes()[start..end];
    debug_assert!(std::str::from_utf8(bytes).is_ok());
    // SAFETY: a word from `AsciiWords` is ASCII bytes, whole Latin letters
    // (lead and continuation byte marked together) and whole `‘` `’` (a
    // joining quote lies between two letters or digits), so its bytes are
    // UTF-8 on their own.
    unsafe { std::str::from_utf8_unchecked(bytes) }
}

/// The piece around the first non-ASCII character at or after `from` (a
/// boundary) that the scanner cannot take, or `(len, len)`.
///
/// The scanner takes the Latin letters of U+00C0 to U+023F (which the
/// search skips without looking at them: [`next_suspect`]) and the
/// characters that UAX #29 treats as it treats ASCII punctuation: `‘` and
/// `’`, which join as `.` does, and `“ ” — …`, no-break space and the others
/// of class 0 in [`fast_class`], whose bytes are separators to it as they
/// are to UAX #29.
pub(crate) fn find_piece(text: &str, from: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let mut search = from;
    while let Some(at) = next_suspect(bytes, search) {
        match text[at..].chars().next() {
            Some(c) if fast_class(c).is_some_and(|class| class & LETTER == 0) => {
                search = at + c.len_utf8();
            }
            _ => return (boundary_before(bytes, from, at), boundary_after(bytes, at)),
        }
    }
    (bytes.len(), bytes.len())
}

impl<'a> Words<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let (piece_start, piece_end) = find_piece(text, 0);
        Words {
            text,
            ascii: AsciiWords::new(text.as_bytes()),
            piece_start,
            piece_end,
            piece: None,
            pending: None,
            detour: false,
        }
    }

    /// The next word (the steps of `fold`, one at a time).
    #[inline]
    fn next_word(&mut self) -> Option<&'a str> {
        if !self.detour {
            if let Some((start, end)) = self.ascii.next() {
                if start < self.piece_start {
                    return Some(ascii_word(self.text, start, end));
                }
                self.enter_piece(Some((start, end)));
            } else if self.piece_start < self.text.len() {
                self.enter_piece(None);
            } else {
                return None;
            }
        }
        self.next_on_detour()
    }

    /// Starts giving the piece's words; `first` is the first ASCII word not
    /// before the piece. ASCII words inside the piece are dropped.
    #[cold]
    fn enter_piece(&mut self, first: Option<(usize, usize)>) {
        let mut word = first;
        while let Some((start, _)) = word {
            if start >= self.piece_end {
                break;
            }
            word = self.ascii.next();
        }
        self.pending = word;
        self.piece = Some(PieceWords::new(
            &self.text[self.piece_start..self.piece_end],
        ));
        self.detour = true;
    }

    /// The words of the piece, then the pending ASCII word (or whatever
    /// comes after it: another piece, or the end).
    #[cold]
    fn next_on_detour(&mut self) -> Option<&'a str> {
        loop {
            if let Some(piece) = &mut self.piece {
                if let Some((word, _)) = piece.next() {
                    return Some(word);
                }
                self.piece = None;
                (self.piece_start, self.piece_end) = find_piece(self.text, self.piece_end);
            }
            match self.pending.take() {
                Some((start, end)) if start < self.piece_start => {
                    self.detour = false;
                    return Some(ascii_word(self.text, start, end));
                }
                Some(word) => self.enter_piece(Some(word)),
                None if self.piece_start < self.text.len() => self.enter_piece(None),
                None => {
                    self.detour = false;
                    return None;
                }
            }
        }
    }

    /// `fold` with, for each word the scanner found (ASCII, Latin letters,
    /// `‘` `’`), its offset in the text; on AVX2 where [`simd`] says so.
    #[inline]
    pub(crate) fn fold_words<B>(self, init: B, f: impl FnMut(B, &'a str, Option<usize>) -> B) -> B {
        #[cfg(target_arch = "x86_64")]
        if simd() == Simd::Avx2 {
            return self.fold_words_with::<super::ascii::Avx2, B>(init, f);
        }
        self.fold_words_with::<Baseline, B>(init, f)
    }

    #[inline(always)]
    fn fold_words_with<C: Classify, B>(
        self,
        init: B,
        mut f: impl FnMut(B, &'a str, Option<usize>) -> B,
    ) -> B {
        let Words {
            text,
            ascii,
            mut piece_start,
            mut piece_end,
            piece,
            pending,
            detour: _,
        } = self;
        let bytes = text.as_bytes();
        let mut acc = init;
        // Finish a piece `next` had started.
        if let Some(piece) = piece {
            acc = give_piece(text, piece, acc, &mut f);
            (piece_start, piece_end) = find_piece(text, piece_end);
        }
        let mut at = Cursor {
            piece_start,
            piece_end,
            skip_until: 0,
        };
        // The ASCII word `next` had found after that piece.
        if let Some((start, end)) = pending {
            acc = at.give_ascii(text, start, end, acc, &mut f);
        }
        acc = ascii.fold_with::<C, _, _>(
            acc,
            #[inline(always)]
            |acc, (start, end)| {
                if start < at.piece_start {
                    if start >= at.skip_until {
                        return f(acc, ascii_word(text, start, end), Some(start));
                    }
                    return acc;
                }
                at.give_ascii(text, start, end, acc, &mut f)
            },
        );
        // The pieces after the last ASCII word.
        while at.piece_start < bytes.len() {
            let piece = PieceWords::new(&text[at.piece_start..at.piece_end]);
            acc = give_piece(text, piece, acc, &mut f);
            (at.piece_start, at.piece_end) = find_piece(text, at.piece_end);
        }
        acc
    }
}

/// Where [`Words::fold_words`] (or the counting loop) is among the pieces.
pub(crate) struct Cursor {
    /// The next piece.
    pub(crate) piece_start: usize,
    pub(crate) piece_end: usize,
    /// ASCII words before this lie inside a piece already given.
    pub(crate) skip_until: usize,
}

impl Cursor {
    /// At the start of `text`.
    pub(crate) fn new(text: &str) -> Self {
        let (piece_start, piece_end) = find_piece(text, 0);
        Cursor {
            piece_start,
            piece_end,
            skip_until: 0,
        }
    }

    /// Gives the words of the pieces not given yet (those after the last
    /// ASCII word).
    pub(crate) fn give_rest<'a, B>(
        &mut self,
        text: &'a str,
        mut acc: B,
        f: &mut dyn FnMut(B, &'a str, Option<usize>) -> B,
    ) -> B {
        while self.piece_start < text.len() {
            let piece = PieceWords::new(&text[self.piece_start..self.piece_end]);
            acc = give_piece(text, piece, acc, f);
            self.skip_until = self.piece_end;
            (self.piece_start, self.piece_end) = find_piece(text, self.piece_end);
        }
        acc
    }

    /// Gives the pieces up to the ASCII word at `start..end`, then the word
    /// unless it lies inside one of them.
    #[inline(never)]
    pub(crate) fn give_ascii<'a, B>(
        &mut self,
        text: &'a str,
        start: usize,
        end: usize,
        mut acc: B,
        f: &mut dyn FnMut(B, &'a str, Option<usize>) -> B,
    ) -> B {
        while self.piece_start <= start && self.piece_start < text.len() {
            let piece = PieceWords::new(&text[self.piece_start..self.piece_end]);
            acc = give_piece(text, piece, acc, f);
            self.skip_until = self.piece_end;
            (self.piece_start, self.piece_end) = find_piece(text, self.piece_end);
        }
        if start >= self.skip_until {
            acc = f(acc, ascii_word(text, start, end), Some(start));
        }
        acc
    }
}

/// Folds the words of a piece of `text` (with the offsets of the ASCII
/// ones); out of line, so that the hot loop of [`Words::fold_words`] has a
/// single call of its closure, which is inlined.
#[inline(never)]
fn give_piece<'a, B>(
    text: &'a str,
    piece: PieceWords<'a>,
    mut acc: B,
    f: &mut dyn FnMut(B, &'a str, Option<usize>) -> B,
) -> B {
    for (word, ascii) in piece {
        let at = ascii.then(|| word.as_ptr() as usize - text.as_ptr() as usize);
        acc = f(acc, word, at);
    }
    acc
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        self.next_word()
    }

    #[inline]
    fn fold<B, F: FnMut(B, &'a str) -> B>(self, init: B, mut f: F) -> B {
        self.fold_words(init, |acc, word, _| f(acc, word))
    }
}

impl std::fmt::Debug for Words<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Words")
            .field("piece", &(self.piece_start..self.piece_end))
            .finish_non_exhaustive()
    }
}
