//! The word scanner for pure-ASCII text: finds the words of an ASCII slice
//! exactly where UAX #29 (and so `unicode_words`) finds them, 64 bytes at a
//! time, without a branch per byte.
//!
//! For ASCII the word-boundary rules come down to this. Letters (ALetter),
//! digits (Numeric) and `_` (ExtendNumLet) join with each other (WB5, WB8,
//! WB9, WB10, WB13a, WB13b). `:` (MidLetter), `.` (MidNumLet) and `'`
//! (Single_Quote) join two letters (WB6, WB7); `,` `;` (MidNum), `.` and `'`
//! join two digits (WB11, WB12). Everything else ends a word: space (WB3d
//! only joins spaces with spaces), CR, LF, VT and FF (WB3, WB3a, WB3b) and
//! every other punctuation mark (WB999). No ASCII character is Extend,
//! Format or ZWJ, so WB4 never applies, and `"` only matters next to Hebrew
//! letters (WB7b, WB7c). A word is therefore a maximal run of bytes that are
//! letters, digits, `_`, or a joining mark between two letters or two digits;
//! `unicode_words` keeps the runs holding at least one letter or digit (a run
//! of underscores alone is not a word).
//!
//! The curly single quotes `‘` `’` (three bytes each) are MidNumLet like
//! `.`, so the scanner joins them the same way; every other byte above 0x7F
//! is a separator to it, which is right for non-ASCII punctuation such as
//! `“ ” —` but not for letters or marks ([`super::words`] sees to those).
//!
//! The scanner classifies a block of 64 bytes into bit masks (one bit per
//! byte: SSE2 on x86_64, a table elsewhere), computes the joining marks from
//! their neighbours' bits, and walks the edges of the runs with
//! `trailing_zeros`.

/// Bit masks of one block of 64 bytes: bit `i` describes byte `i`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Masks {
    /// `A`–`Z`, `a`–`z`.
    pub letter: u64,
    /// `0`–`9`.
    pub digit: u64,
    /// `_`.
    pub underscore: u64,
    /// Marks that join two letters: `:` `.` `'`.
    pub mid_letter: u64,
    /// Marks that join two digits: `,` `;` `.` `'`.
    pub mid_num: u64,
    /// Bytes above 0x7F.
    pub high: u64,
}

/// What one byte is, for the table-driven classifier, for the byte after a
/// block, and for [`super::piece`].
pub(crate) const LETTER: u8 = 1;
pub(crate) const DIGIT: u8 = 2;
pub(crate) const UNDERSCORE: u8 = 4;
pub(crate) const MID_LETTER: u8 = 8;
pub(crate) const MID_NUM: u8 = 16;

pub(crate) const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphabetic() {
            LETTER
        } else if c.is_ascii_digit() {
            DIGIT
        } else {
            match c {
                b'_' => UNDERSCORE,
                b':' => MID_LETTER,
                b'.' | b'\'' => MID_LETTER | MID_NUM,
                b',' | b';' => MID_NUM,
                _ => 0,
            }
        };
        b += 1;
    }
    t
};

/// Classifies 64 bytes with a table, one byte at a time.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))] // tested against SSE2
pub(crate) fn classify_scalar(block: &[u8; 64]) -> Masks {
    let mut m = Masks::default();
    for (i, &b) in block.iter().enumerate() {
        let c = CLASS[b as usize];
        let bit = 1u64 << i;
        if c & LETTER != 0 {
            m.letter |= bit;
        }
        if c & DIGIT != 0 {
            m.digit |= bit;
        }
        if c & UNDERSCORE != 0 {
            m.underscore |= bit;
        }
        if c & MID_LETTER != 0 {
            m.mid_letter |= bit;
        }
        if c & MID_NUM != 0 {
            m.mid_num |= bit;
        }
        if b >= 0x80 {
            m.high |= bit;
        }
    }
    m
}

/// Classifies 64 bytes with SSE2 (part of every x86_64 CPU), 16 at a time.
/// Bytes above 0x7F are negative as `i8` and fall in no class.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(unused_unsafe)] // the intrinsics are safe to call from Rust 1.87 on; 1.85 needs the block
pub(crate) fn classify_sse2(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::*;
    let mut m = Masks::default();
    // SAFETY: SSE2 is enabled on every x86_64 target; each load reads 16
    // bytes inside `block` (offsets 0, 16, 32, 48 of 64).
    unsafe {
        let splat = |b: u8| _mm_set1_epi8(b as i8);
        let in_range = |v: __m128i, lo: u8, hi: u8| {
            _mm_and_si128(
                _mm_cmpgt_epi8(v, splat(lo - 1)),
                _mm_cmplt_epi8(v, splat(hi + 1)),
            )
        };
        let bits = |v: __m128i| _mm_movemask_epi8(v) as u32 as u64;
        for k in 0..4 {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * k).cast::<__m128i>());
            let letter = in_range(_mm_or_si128(v, splat(0x20)), b'a', b'z');
            let digit = in_range(v, b'0', b'9');
            let underscore = _mm_cmpeq_epi8(v, splat(b'_'));
            let both = _mm_or_si128(
                _mm_cmpeq_epi8(v, splat(b'.')),
                _mm_cmpeq_epi8(v, splat(b'\'')),
            );
            let mid_letter = _mm_or_si128(both, _mm_cmpeq_epi8(v, splat(b':')));
            let mid_num = _mm_or_si128(
                both,
                _mm_or_si128(
                    _mm_cmpeq_epi8(v, splat(b',')),
                    _mm_cmpeq_epi8(v, splat(b';')),
                ),
            );
            let shift = 16 * k;
            m.letter |= bits(letter) << shift;
            m.digit |= bits(digit) << shift;
            m.underscore |= bits(underscore) << shift;
            m.mid_letter |= bits(mid_letter) << shift;
            m.mid_num |= bits(mid_num) << shift;
            m.high |= bits(v) << shift;
        }
    }
    m
}

#[inline(always)]
fn classify(block: &[u8; 64]) -> Masks {
    #[cfg(target_arch = "x86_64")]
    {
        classify_sse2(block)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        classify_scalar(block)
    }
}

/// The edges of the word runs in the block of 64 bytes at `at` (a bit where
/// a run starts and a bit just after where one ends), given what the byte
/// before the block was ([`Carry`]); and what its own last byte is.
#[inline(never)]
fn block_edges(bytes: &[u8], at: usize, carry: Carry) -> (u64, Carry) {
    let rest = &bytes[at..];
    let m = match rest.first_chunk::<64>() {
        Some(block) => classify(block),
        None => {
            let mut padded = [0u8; 64];
            padded[..rest.len()].copy_from_slice(rest);
            classify(&padded)
        }
    };
    let after = CLASS[*rest.get(64).unwrap_or(&0) as usize];
    let next_letter = u64::from(after & LETTER != 0) << 63;
    let next_digit = u64::from(after & DIGIT != 0) << 63;
    let letter_before = (m.letter << 1) | u64::from(carry.letter);
    let letter_after = (m.letter >> 1) | next_letter;
    let digit_before = (m.digit << 1) | u64::from(carry.digit);
    let digit_after = (m.digit >> 1) | next_digit;
    let joins =
        (m.mid_letter & letter_before & letter_after) | (m.mid_num & digit_before & digit_after);
    let mut word = m.letter | m.digit | m.underscore | joins | carry.quote_tail;
    let mut quote_tail = 0;
    if m.high != 0 {
        let quotes = joining_quotes(bytes, at, m.high, letter_before, digit_before);
        word |= quotes | (quotes << 1) | (quotes << 2);
        // A quote starting at byte 62 or 63 ends in the next block.
        quote_tail = ((quotes >> 62) & 1) | ((quotes >> 63) * 0b11);
    }
    let edges = word ^ ((word << 1) | u64::from(carry.word));
    let carry = Carry {
        word: word >> 63 != 0,
        letter: m.letter >> 63 != 0,
        digit: m.digit >> 63 != 0,
        quote_tail,
    };
    (edges, carry)
}

/// The starts of the `‘` and `’` (E2 80 98, E2 80 99: MidNumLet, as `.`)
/// in the block at `at` that join two ASCII letters or two ASCII digits;
/// `high` marks the block's non-ASCII bytes, `letter_before` and
/// `digit_before` what the byte before each byte is.
#[inline(never)]
fn joining_quotes(
    bytes: &[u8],
    at: usize,
    high: u64,
    letter_before: u64,
    digit_before: u64,
) -> u64 {
    let mut quotes = 0;
    let mut candidates = high;
    while candidates != 0 {
        let i = candidates.trailing_zeros();
        candidates &= candidates - 1;
        let start = at + i as usize;
        if let Some(&[0xE2, 0x80, 0x98 | 0x99]) = bytes.get(start..start + 3) {
            let after = CLASS[bytes.get(start + 3).copied().unwrap_or(0) as usize];
            let bit = 1u64 << i;
            if (letter_before & bit != 0 && after & LETTER != 0)
                || (digit_before & bit != 0 && after & DIGIT != 0)
            {
                quotes |= bit;
            }
        }
    }
    quotes
}

/// What the last byte of a block is: in a word, a letter, a digit; and the
/// bytes at the start of the next block that belong to a joining quote.
#[derive(Debug, Clone, Copy, Default)]
struct Carry {
    word: bool,
    letter: bool,
    digit: bool,
    quote_tail: u64,
}

use std::num::NonZeroU64;

/// `start` when no word is open.
const NO_WORD: usize = usize::MAX;

/// The words of a text by the ASCII rules, as `(start, end)` byte ranges in
/// order. `‘` and `’` join as `.` does; every other byte above 0x7F counts
/// as a separator, which gives the right words only away from non-ASCII
/// letters and marks: [`super::words`] replaces the words of the pieces
/// around those. A word it gives is ASCII letters, digits, `_`, joining
/// ASCII marks and whole `‘` `’`.
#[derive(Debug, Clone)]
pub(crate) struct AsciiWords<'a> {
    bytes: &'a [u8],
    /// Offset of the block whose edges are in `edges`.
    block: usize,
    /// Edges of word runs in the current block not yet reported.
    edges: u64,
    /// What the last byte of the current block is.
    carry: Carry,
    /// Where the open word started, or `NO_WORD`.
    start: usize,
}

impl<'a> AsciiWords<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        AsciiWords {
            bytes,
            // The "current block" before the first: its edges are empty.
            block: 0usize.wrapping_sub(64),
            edges: 0,
            carry: Carry::default(),
            start: NO_WORD,
        }
    }

    #[inline(always)]
    fn is_word(&self, start: usize, end: usize) -> bool {
        is_word(self.bytes, start, end)
    }
}

/// Whether the run `start..end` holds a letter or digit (a run of only `_`
/// does not, and is no word).
#[inline(always)]
fn is_word(bytes: &[u8], start: usize, end: usize) -> bool {
    bytes[start] != b'_' || bytes[start..end].iter().any(|b| b.is_ascii_alphanumeric())
}

impl AsciiWords<'_> {
    /// The edge at the lowest set bit of `edges` (not zero), cleared.
    #[inline(always)]
    fn pop(block: usize, edges: &mut NonZeroU64) -> (usize, Option<NonZeroU64>) {
        let at = block.wrapping_add(edges.trailing_zeros() as usize);
        (at, NonZeroU64::new(edges.get() & (edges.get() - 1)))
    }
}

impl Iterator for AsciiWords<'_> {
    type Item = (usize, usize);

    #[inline(always)]
    fn next(&mut self) -> Option<(usize, usize)> {
        loop {
            while let Some(mut edges) = NonZeroU64::new(self.edges) {
                let (at, rest) = Self::pop(self.block, &mut edges);
                self.edges = rest.map_or(0, NonZeroU64::get);
                if self.start == NO_WORD {
                    self.start = at;
                    continue;
                }
                let start = std::mem::replace(&mut self.start, NO_WORD);
                if self.is_word(start, at) {
                    return Some((start, at));
                }
            }
            let next = self.block.wrapping_add(64);
            if next >= self.bytes.len() {
                // A word running to the end of the text.
                let start = std::mem::replace(&mut self.start, NO_WORD);
                if start != NO_WORD && self.is_word(start, self.bytes.len()) {
                    return Some((start, self.bytes.len()));
                }
                return None;
            }
            (self.edges, self.carry) = block_edges(self.bytes, next, self.carry);
            self.block = next;
        }
    }

    /// The same words as `next` gives, in a tighter loop: the two edges of
    /// a word inside one block are taken together.
    #[inline(always)]
    fn fold<B, F: FnMut(B, (usize, usize)) -> B>(self, init: B, mut f: F) -> B {
        let mut acc = init;
        let AsciiWords {
            bytes,
            mut block,
            edges,
            mut carry,
            mut start,
        } = self;
        // Finish the block `next` was in.
        let mut left = edges;
        while let Some(mut edges) = NonZeroU64::new(left) {
            let (at, rest) = Self::pop(block, &mut edges);
            left = rest.map_or(0, NonZeroU64::get);
            if start == NO_WORD {
                start = at;
            } else {
                if is_word(bytes, start, at) {
                    acc = f(acc, (start, at));
                }
                start = NO_WORD;
            }
        }
        loop {
            block = block.wrapping_add(64);
            if block >= bytes.len() {
                break;
            }
            let (edges, next_carry) = block_edges(bytes, block, carry);
            carry = next_carry;
            let Some(mut edges) = NonZeroU64::new(edges) else {
                continue;
            };
            if start != NO_WORD {
                // The end of a word from an earlier block.
                let (end, rest) = Self::pop(block, &mut edges);
                if is_word(bytes, start, end) {
                    acc = f(acc, (start, end));
                }
                start = NO_WORD;
                match rest {
                    Some(rest) => edges = rest,
                    None => continue,
                }
            }
            loop {
                let (word_start, rest) = Self::pop(block, &mut edges);
                let Some(mut rest) = rest else {
                    start = word_start; // runs into the next block
                    break;
                };
                let (end, rest) = Self::pop(block, &mut rest);
                if is_word(bytes, word_start, end) {
                    acc = f(acc, (word_start, end));
                }
                match rest {
                    Some(rest) => edges = rest,
                    None => break,
                }
            }
        }
        if start != NO_WORD && is_word(bytes, start, bytes.len()) {
            acc = f(acc, (start, bytes.len()));
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_segmentation::UnicodeSegmentation;

    fn words(s: &str) -> Vec<&str> {
        AsciiWords::new(s.as_bytes())
            .map(|(a, b)| &s[a..b])
            .collect()
    }

    #[test]
    fn joins_as_uax29_does() {
        let s = "Hello, world! can't e.g. var1 123,456 foo_bar example.com 127.0.0.1:9090 \
                 a:b 1:2 a;b 1;2 a,b 3.a a.3 x'1 1'2 _ __ _a a__ .5 end.";
        assert_eq!(words(s), s.unicode_words().collect::<Vec<_>>());
        assert_eq!(
            words("it's 3.14, isn't it: x:y_z"),
            ["it's", "3.14", "isn't", "it", "x:y_z"]
        );
    }

    #[test]
    fn words_across_block_edges() {
        // Every placement of a joined mark around the 64-byte block edges.
        for pad in 55..70 {
            for probe in [
                "ab.cd",
                "12,34",
                "a'b",
                "x:y",
                "_z_",
                "9.9.9",
                "a..b",
                "ab’cd",
                "1’2",
                "a’’b",
                "x‘y’z",
                "a’",
                "’a",
                "a’.b",
                "1’a",
            ] {
                let s = format!("{}{probe} {}{probe}", " ".repeat(pad), "q".repeat(pad));
                assert_eq!(
                    words(&s),
                    s.unicode_words().collect::<Vec<_>>(),
                    "pad {pad} probe {probe}"
                );
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 500, failure_persistence: None, ..Default::default() })]
        /// `fold` gives what `next` gives, also after `next` gave some.
        #[test]
        fn fold_equals_next(v in proptest::collection::vec(proptest::sample::select(&b"ab_1.',: \n\xC3"[..]), 0..300), pulled in 0usize..6) {
            let pulled_all: Vec<(usize, usize)> = AsciiWords::new(&v).collect();
            let folded = AsciiWords::new(&v).fold(Vec::new(), |mut w, x| { w.push(x); w });
            proptest::prop_assert_eq!(&folded, &pulled_all);
            let mut it = AsciiWords::new(&v);
            let mut mixed: Vec<(usize, usize)> = it.by_ref().take(pulled).collect();
            mixed.extend(it.fold(Vec::new(), |mut w, x| { w.push(x); w }));
            proptest::prop_assert_eq!(&mixed, &pulled_all);
        }
    }

    #[test]
    fn sse2_and_table_agree_on_every_byte() {
        #[cfg(target_arch = "x86_64")]
        for start in (0..256).step_by(64) {
            let block: [u8; 64] = std::array::from_fn(|i| (start + i) as u8);
            assert_eq!(classify_sse2(&block), classify_scalar(&block), "{start}");
        }
    }
}
