//! The tokenizer: the words of a text exactly as
//! `unicode_segmentation::UnicodeSegmentation::unicode_words` finds them
//! (UAX #29 word boundaries, segments holding a letter or a digit), several
//! times faster, and counting them lowercased exactly as `str::to_lowercase`
//! lowercases.
//!
//! How: the text goes through a scanner that implements the word-boundary
//! rules for ASCII, the Latin letters of U+00C0 to U+023F and common
//! punctuation 64 bytes at a time (`ascii`; AVX2 where the processor has
//! it, else SSE2: [`simd()`]); around each other non-ASCII character the text
//! is cut at the nearest positions where UAX #29 always breaks (`split`) and
//! that small piece goes to `piece` (the same rules a character at a time,
//! or `unicode-segmentation` itself). Counting ([`count`], `tally`) walks
//! the edges of each block and keys a word of up to 16 bytes by its own
//! bytes, read from the text in place and lowercased in one register, in a
//! table that never allocates per word (`table`); a long text can be
//! counted in pieces on the rayon pool ([`count_parallel`]).
//!
//! ```
//! use gutenpipe_tokenizer::{Case, count, words};
//! let text = "The cat’s hat — the CAT's 3.5 hats.";
//! assert_eq!(
//!     words(text).collect::<Vec<_>>(),
//!     ["The", "cat’s", "hat", "the", "CAT's", "3.5", "hats"]
//! );
//! let counts = count(text, Case::Fold);
//! assert_eq!((counts.tokens(), counts["the"], counts.get("cat's")), (7, 2, Some(1)));
//! ```

#![warn(missing_docs)]

mod ascii;
mod count;
mod lower;
mod piece;
mod simd;
mod split;
mod table;
mod tally;
mod words;

pub use count::{Case, PARALLEL_PIECE, WordCounts, count, count_into, count_parallel};
pub use lower::lowercase;
pub use simd::{Simd, simd, with_simd};
pub use split::split_lines;
pub use words::Words;

/// The words of `text`, the same slices in the same order as `unicode_words`.
pub fn words(text: &str) -> Words<'_> {
    Words::new(text)
}
