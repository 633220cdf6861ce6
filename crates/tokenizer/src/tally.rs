//! Counting the words of a text in one pass: the text is scanned
//! [`CHUNK`] blocks of 64 bytes at a time into bit masks (the word edges of
//! each block, [`Classify::scan`]: AVX2 or SSE2), then the edges of each
//! block are taken two at a time with `trailing_zeros`; a word of up to 16
//! ASCII bytes is read from the text as one 16-byte register, cut to its
//! length and lowercased there, and counted in the table at once
//! ([`count_key`]): no per-byte branch, no word copied, no call. Everything
//! else (a word with a non-ASCII letter, a run starting with `_`, a long
//! word, a word in a piece around a character the scanner cannot take, the
//! last 15 bytes of the text) leaves the loop for [`Slow::word`], which
//! gives the same words as [`words`](fn@super::words) does.

use super::ascii::{Baseline, Block, CHUNK, Classify, is_word};
use super::lower::{lowercase, lowercase_key};
use super::table::{INLINE, Key, Parts, Table, ascii_key, count_key, key_at, key_in};
use super::words::Cursor;

/// `open` when no word runs into the next block.
const NONE: usize = usize::MAX;

/// The most words [`CHUNK`] blocks of 64 bytes can end (32 each), and the
/// one running into them: room for them is made before they are counted.
const CHUNK_WORDS: usize = 32 * CHUNK + 1;

/// Adds the words of `text` to `table` (lowercased if `FOLD`), with the
/// scanner's classifier `C`; returns how many there were.
///
/// The vector instructions are all in [`Classify::scan`] (AVX2 where the
/// processor has them); this loop is compiled for the baseline instruction
/// set on both paths. Compiled with BMI1 and BMI2 together (as it was
/// inside a function compiled for AVX2), it ran 1.6 times slower on the
/// machine measured (an AMD Zen 5), with either alone at full speed (see
/// docs/benchmarks.md).
#[inline(always)]
fn count_blocks<C: Classify, const FOLD: bool>(text: &str, table: &mut Table) -> u64 {
    let bytes = text.as_bytes();
    let mut slow = Slow::new(text);
    // A word starting in `lo..hi` may be counted in the loop: none of it
    // lies in a piece, and its 16 bytes are in the text.
    let (mut lo, mut hi) = slow.window();
    let (mut tokens, mut open, mut carry, mut at) = (0u64, NONE, Default::default(), 0);
    let mut blocks = [Block::default(); CHUNK];
    let mut parts = table.room_for(CHUNK_WORDS, None);
    // Counts the word `start..end` (checked first: it may leave the loop).
    macro_rules! checked {
        ($start:expr, $end:expr) => {{
            let (start, end) = ($start, $end);
            match checked_key::<FOLD>(bytes, (lo, hi), start, end) {
                Some(key) => {
                    count_key(&mut parts, key);
                    tokens += 1;
                }
                None => {
                    let used = parts.used;
                    tokens += slow.word::<FOLD>(table, used, start, end);
                    (lo, hi) = slow.window();
                    parts = table.room_for(CHUNK_WORDS, None);
                }
            }
        }};
    }
    while at < bytes.len() {
        let scanned;
        (scanned, carry) = C::scan(bytes, at, carry, &mut blocks);
        if parts.used + CHUNK_WORDS > parts.grow_at {
            let used = parts.used;
            parts = table.room_for(CHUNK_WORDS, Some(used));
        }
        for block in &blocks[..scanned] {
            let base = at;
            at += 64;
            let mut edges = block.edges;
            if edges != 0 && open != NONE {
                let end = base + edges.trailing_zeros() as usize;
                edges &= edges - 1;
                checked!(std::mem::replace(&mut open, NONE), end);
            }
            if block.irregular == 0 && lo <= base && at <= hi {
                // SAFETY: the block's words start before `hi <= len - 15`
                // ([`Slow::window`]).
                let words;
                (edges, words) = unsafe { plain_words::<FOLD>(bytes, base, edges, &mut parts) };
                tokens += words;
            }
            while edges != 0 {
                let start = base + edges.trailing_zeros() as usize;
                edges &= edges - 1;
                if edges == 0 {
                    open = start;
                    break;
                }
                let end = base + edges.trailing_zeros() as usize;
                edges &= edges - 1;
                checked!(start, end);
            }
        }
    }
    let used = parts.used;
    table.set_used(used);
    if open != NONE {
        tokens += slow.word::<FOLD>(table, used, open, bytes.len());
    }
    tokens + slow.rest::<FOLD>(table)
}

/// Counts the words of a block whose runs are all plain ASCII words away
/// from pieces and from the end of the text (its edges are `edges`, bit `i`
/// for `base + i`), up to one longer than 16 bytes or running into the next
/// block: the edges left, and how many words it counted.
///
/// # Safety
/// 16 bytes must be readable at the start of each word.
#[inline(always)]
unsafe fn plain_words<const FOLD: bool>(
    bytes: &[u8],
    base: usize,
    mut edges: u64,
    parts: &mut Parts<'_>,
) -> (u64, u64) {
    let mut words = 0;
    while edges != 0 {
        let start = base + edges.trailing_zeros() as usize;
        let rest = edges & (edges - 1);
        if rest == 0 {
            break;
        }
        let end = base + rest.trailing_zeros() as usize;
        if end - start > INLINE {
            break;
        }
        edges = rest & (rest - 1);
        // SAFETY: the caller guarantees 16 bytes at `start`.
        let key = unsafe { plain_key::<FOLD>(bytes, start, end - start) };
        count_key(parts, key);
        words += 1;
    }
    (edges, words)
}

/// The key of the plain ASCII word of `len` bytes (1 to 16) at `start`.
///
/// # Safety
/// 16 bytes must be readable at `start`.
#[inline(always)]
unsafe fn plain_key<const FOLD: bool>(bytes: &[u8], start: usize, len: usize) -> Key {
    // SAFETY: the caller guarantees 16 bytes at `start`.
    let chunk = unsafe { &*bytes.as_ptr().add(start).cast::<[u8; INLINE]>() };
    ascii_key::<FOLD, false>(chunk, len).unwrap_or_default()
}

/// The key of the word `start..end` of `bytes` if the loop can count it:
/// it starts in `lo..hi`, is short, does not start with `_`, and is ASCII
/// or a Latin word lowercased in the register.
#[inline(always)]
fn checked_key<const FOLD: bool>(
    bytes: &[u8],
    (lo, hi): (usize, usize),
    start: usize,
    end: usize,
) -> Option<Key> {
    let len = end - start;
    if start.wrapping_sub(lo) >= hi.wrapping_sub(lo) || len > INLINE {
        return None;
    }
    // SAFETY: `start < hi <= bytes.len() - 15` ([`Slow::window`]), so 16
    // bytes are readable at `start`.
    let chunk = unsafe { &*bytes.as_ptr().add(start).cast::<[u8; INLINE]>() };
    if chunk[0] == b'_' {
        return None; // maybe no word: a run of `_` alone is none
    }
    match ascii_key::<FOLD, true>(chunk, len) {
        Some(key) => Some(key),
        None => latin_key::<FOLD>(chunk, len),
    }
}

/// The key of a word of up to 16 bytes with a non-ASCII character, when
/// it can be lowercased in the register (ASCII, U+00C0 to U+00FF, `‘` `’`:
/// [`key_in`]).
#[inline(never)]
fn latin_key<const FOLD: bool>(chunk: &[u8; INLINE], len: usize) -> Option<Key> {
    key_in::<FOLD>(chunk, len)
}

/// What the counting loop needs for the words it does not count itself.
struct Slow<'a> {
    text: &'a str,
    cursor: Cursor,
    buf: String,
}

impl<'a> Slow<'a> {
    fn new(text: &'a str) -> Self {
        Slow {
            text,
            cursor: Cursor::new(text),
            buf: String::new(),
        }
    }

    /// The offsets between which a word may be counted in the loop: after
    /// the last piece given, before the next, and at least 16 bytes before
    /// the end of the text.
    #[inline(always)]
    fn window(&self) -> (usize, usize) {
        let lo = self.cursor.skip_until;
        let last = self.text.len().saturating_sub(INLINE - 1);
        (lo, self.cursor.piece_start.min(last).max(lo))
    }

    /// Counts the run `start..end` the scanner found, as [`words`](fn@super::words)
    /// gives it: nothing for a run of `_`; the words of the pieces before
    /// it first; nothing if it lies in a piece. Returns how many words it
    /// counted.
    /// `used` is how many of the table's slots the loop has used.
    #[inline(never)]
    fn word<const FOLD: bool>(
        &mut self,
        table: &mut Table,
        used: usize,
        start: usize,
        end: usize,
    ) -> u64 {
        table.set_used(used);
        let Slow { text, cursor, buf } = self;
        let text: &str = text;
        if !is_word(text.as_bytes(), start, end) {
            return 0;
        }
        cursor.give_ascii(text, start, end, 0u64, &mut |n, word, at| {
            add_word::<FOLD>(table, buf, text, word, at);
            n + 1
        })
    }

    /// Counts the words of the pieces after the last word of the scanner;
    /// returns how many.
    #[inline(never)]
    fn rest<const FOLD: bool>(&mut self, table: &mut Table) -> u64 {
        let Slow { text, cursor, buf } = self;
        let text: &str = text;
        cursor.give_rest(text, 0u64, &mut |n, word, at| {
            add_word::<FOLD>(table, buf, text, word, at);
            n + 1
        })
    }
}

/// Counts `word` of `text` (at offset `at` when the scanner found it).
fn add_word<const FOLD: bool>(
    table: &mut Table,
    buf: &mut String,
    text: &str,
    word: &str,
    at: Option<usize>,
) {
    if let Some(start) = at {
        if word.len() <= INLINE {
            if let Some(key) = key_at::<FOLD>(text.as_bytes(), start, word.len()) {
                return table.add_key(key, 1);
            }
        }
    }
    if !FOLD {
        return table.add(word, 1);
    }
    match lowercase_key(word) {
        Some(key) => table.add_key(key, 1),
        None => table.add(lowercase(word, buf), 1),
    }
}

/// Adds the words of `text` to `table`, lowercased if `FOLD`, with the
/// instruction set [`super::simd()`] chooses; returns how many there were.
pub(crate) fn count_text<const FOLD: bool>(text: &str, table: &mut Table) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if super::simd() == super::Simd::Avx2 {
        return count_blocks::<super::ascii::Avx2, FOLD>(text, table);
    }
    count_blocks::<Baseline, FOLD>(text, table)
}
