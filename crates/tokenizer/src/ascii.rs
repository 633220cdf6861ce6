//! The word scanner for ASCII and Latin text: finds the words of a slice
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
//! The Latin letters of U+00C0 to U+023F (two bytes each, led by 0xC3 to
//! 0xC8) but `×` and `÷` are ALetter exactly like `a`, so the scanner takes
//! their two bytes as letters. The curly single quotes `‘` `’` (three bytes
//! each) are MidNumLet like `.`, so the scanner joins them the same way;
//! every other byte above 0x7F is a separator to it, which is right for
//! non-ASCII punctuation such as `“ ” —` but not for other letters or marks
//! ([`super::words`] sees to those).
//!
//! The scanner classifies a block of 64 bytes into bit masks (one bit per
//! byte: AVX2 or SSE2 on x86_64, a table elsewhere; see [`super::simd`]),
//! computes the joining marks from their neighbours' bits, and walks the
//! edges of the runs with `trailing_zeros`. For counting, [`scan_blocks`]
//! does the vector work for 16 blocks at once, each block classified before
//! the one before it is finished (what follows a block is then read from
//! the next block's masks), and hands over each block's edges.

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
    /// 0xC3 to 0xC8: the first byte of U+00C0 to U+023F.
    pub latin_lead: u64,
    /// 0xC3: the first byte of U+00C0 to U+00FF.
    pub c3: u64,
    /// 0x97 and 0xB7: the second byte of `×` and `÷` after 0xC3.
    pub times: u64,
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

/// Whether `b` starts a Latin letter the scanner takes (U+00C0 to U+023F;
/// `×` and `÷`, which also start with 0xC3, are told apart by their second byte).
#[inline(always)]
pub(crate) fn is_latin_lead(b: u8) -> bool {
    (0xC3..=0xC8).contains(&b)
}

/// Whether the character at `i` (a character boundary) is a letter to the
/// scanner: an ASCII letter or a Latin letter of U+00C0 to U+023F.
#[inline]
pub(crate) fn letter_at(bytes: &[u8], i: usize) -> bool {
    match bytes.get(i) {
        Some(&b) if b < 0x80 => CLASS[b as usize] & LETTER != 0,
        Some(&b) if is_latin_lead(b) => {
            !(b == 0xC3 && matches!(bytes.get(i + 1), Some(0x97 | 0xB7)))
        }
        _ => false,
    }
}

/// Classifies 64 bytes with a table, one byte at a time.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))] // tested against SSE2
pub(crate) fn classify_scalar(block: &[u8; 64]) -> Masks {
    let mut m = Masks::default();
    for (i, &b) in block.iter().enumerate() {
        let c = CLASS[b as usize];
        let bit = 1u64 << i;
        let set = |mask: &mut u64, on: bool| {
            if on {
                *mask |= bit;
            }
        };
        set(&mut m.letter, c & LETTER != 0);
        set(&mut m.digit, c & DIGIT != 0);
        set(&mut m.underscore, c & UNDERSCORE != 0);
        set(&mut m.mid_letter, c & MID_LETTER != 0);
        set(&mut m.mid_num, c & MID_NUM != 0);
        set(&mut m.high, b >= 0x80);
        set(&mut m.latin_lead, is_latin_lead(b));
        set(&mut m.c3, b == 0xC3);
        set(&mut m.times, b == 0x97 || b == 0xB7);
    }
    m
}

/// The comparisons of the classifiers, written once for 16-byte (SSE2)
/// and 32-byte (AVX2) vectors; `$bits` turns a comparison into its bits.
#[cfg(target_arch = "x86_64")]
macro_rules! classify_vectors {
    ($m:ident, $v:expr, $shift:expr, $set1:ident, $and:ident, $or:ident, $gt:ident, $lt:ident, $eq:ident, $bits:expr) => {{
        let v = $v;
        let splat = |b: u8| $set1(b as i8);
        // Signed: bytes above 0x7F are negative and fall in no ASCII range.
        let in_range = |lo: u8, hi: u8, v| {
            $and(
                $gt(v, splat(lo.wrapping_sub(1))),
                $lt(v, splat(hi.wrapping_add(1))),
            )
        };
        let letter = in_range(b'a', b'z', $or(v, splat(0x20)));
        let digit = in_range(b'0', b'9', v);
        let underscore = $eq(v, splat(b'_'));
        let both = $or($eq(v, splat(b'.')), $eq(v, splat(b'\'')));
        let mid_letter = $or(both, $eq(v, splat(b':')));
        let mid_num = $or(both, $or($eq(v, splat(b',')), $eq(v, splat(b';'))));
        let bits = $bits;
        $m.letter |= bits(letter) << $shift;
        $m.digit |= bits(digit) << $shift;
        $m.underscore |= bits(underscore) << $shift;
        $m.mid_letter |= bits(mid_letter) << $shift;
        $m.mid_num |= bits(mid_num) << $shift;
        $m.high |= bits(v) << $shift;
    }};
}

/// The masks of the first bytes of Latin letters, for a block with a byte
/// above 0x7F; as [`classify_vectors`].
#[cfg(target_arch = "x86_64")]
macro_rules! classify_latin {
    ($m:ident, $v:expr, $shift:expr, $set1:ident, $and:ident, $or:ident, $gt:ident, $lt:ident, $eq:ident, $bits:expr) => {{
        let v = $v;
        let splat = |b: u8| $set1(b as i8);
        let latin_lead = $and($gt(v, splat(0xC2)), $lt(v, splat(0xC9)));
        let c3 = $eq(v, splat(0xC3));
        let times = $or($eq(v, splat(0x97)), $eq(v, splat(0xB7)));
        let bits = $bits;
        $m.latin_lead |= bits(latin_lead) << $shift;
        $m.c3 |= bits(c3) << $shift;
        $m.times |= bits(times) << $shift;
    }};
}

/// Classifies 64 bytes with SSE2 (part of every x86_64 CPU), 16 at a time.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(unused_unsafe)] // the intrinsics are safe to call from Rust 1.87 on; 1.85 needs the block
pub(crate) fn classify_sse2(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::*;
    let mut m = Masks::default();
    // SAFETY: SSE2 is enabled on every x86_64 target; each load reads 16
    // bytes inside `block` (offsets 0, 16, 32, 48 of 64).
    unsafe {
        for k in 0..4 {
            classify_vectors!(
                m,
                _mm_loadu_si128(block.as_ptr().add(16 * k).cast::<__m128i>()),
                16 * k,
                _mm_set1_epi8,
                _mm_and_si128,
                _mm_or_si128,
                _mm_cmpgt_epi8,
                _mm_cmplt_epi8,
                _mm_cmpeq_epi8,
                |x: __m128i| _mm_movemask_epi8(x) as u32 as u64
            );
        }
        if m.high != 0 {
            for k in 0..4 {
                classify_latin!(
                    m,
                    _mm_loadu_si128(block.as_ptr().add(16 * k).cast::<__m128i>()),
                    16 * k,
                    _mm_set1_epi8,
                    _mm_and_si128,
                    _mm_or_si128,
                    _mm_cmpgt_epi8,
                    _mm_cmplt_epi8,
                    _mm_cmpeq_epi8,
                    |x: __m128i| _mm_movemask_epi8(x) as u32 as u64
                );
            }
        }
    }
    m
}

/// Classifies 64 bytes with AVX2, 32 at a time.
///
/// # Safety
/// The processor must have AVX2.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(unused_unsafe)]
pub(crate) unsafe fn classify_avx2(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::*;
    let mut m = Masks::default();
    // SAFETY: the caller guarantees AVX2; each load reads 32 bytes inside
    // `block` (offsets 0 and 32 of 64).
    unsafe {
        let low = _mm256_loadu_si256(block.as_ptr().cast::<__m256i>());
        let high = _mm256_loadu_si256(block.as_ptr().add(32).cast::<__m256i>());
        // `vpmovmskb` through `asm!`: with the intrinsic, LLVM joins the
        // two 32-bit masks into a 64-lane one and takes it apart a byte at a
        // time (`vpextrb`), three times slower than the SSE2 scanner.
        #[target_feature(enable = "avx2")]
        #[inline]
        unsafe fn movemask(v: __m256i) -> u64 {
            let bits: u32;
            // SAFETY: `vpmovmskb` reads one register and writes another;
            // the caller runs on a processor with AVX2.
            unsafe {
                std::arch::asm!(
                    "vpmovmskb {bits:e}, {v}",
                    bits = lateout(reg) bits,
                    v = in(ymm_reg) v,
                    options(pure, nomem, nostack, preserves_flags)
                );
            }
            u64::from(bits)
        }
        macro_rules! bits {
            ($f:ident) => {{ movemask($f(low)) | (movemask($f(high)) << 32) }};
        }
        #[inline(always)]
        unsafe fn splat(b: u8) -> __m256i {
            unsafe { _mm256_set1_epi8(b as i8) }
        }
        // Signed: bytes above 0x7F are negative and fall in no ASCII range.
        #[inline(always)]
        unsafe fn in_range(v: __m256i, lo: u8, hi: u8) -> __m256i {
            unsafe {
                _mm256_and_si256(
                    _mm256_cmpgt_epi8(v, splat(lo.wrapping_sub(1))),
                    _mm256_cmpgt_epi8(splat(hi.wrapping_add(1)), v),
                )
            }
        }
        // A range `lo..=hi` moved to the lowest signed values (-128 on),
        // then one signed comparison; bytes above 0x7F land above it.
        #[inline(always)]
        unsafe fn below(v: __m256i, lo: u8, hi: u8) -> __m256i {
            unsafe {
                let moved = _mm256_add_epi8(v, splat(0x80u8.wrapping_sub(lo)));
                _mm256_cmpgt_epi8(splat((hi - lo).wrapping_add(0x81)), moved)
            }
        }
        #[inline(always)]
        unsafe fn letter(v: __m256i) -> __m256i {
            unsafe { below(_mm256_or_si256(v, splat(0x20)), b'a', b'z') }
        }
        #[inline(always)]
        unsafe fn digit(v: __m256i) -> __m256i {
            unsafe { below(v, b'0', b'9') }
        }
        #[inline(always)]
        unsafe fn underscore(v: __m256i) -> __m256i {
            unsafe { _mm256_cmpeq_epi8(v, splat(b'_')) }
        }
        // A set of ASCII marks with distinct low nibbles: the byte its low
        // nibble names in `table` is the byte itself (`vpshufb` gives 0 for
        // a byte above 0x7F, and 0xFF names no mark).
        #[inline(always)]
        unsafe fn one_of(v: __m256i, table: &[u8; 16]) -> __m256i {
            unsafe {
                let table = _mm256_broadcastsi128_si256(_mm_loadu_si128(table.as_ptr().cast()));
                _mm256_cmpeq_epi8(_mm256_shuffle_epi8(table, v), v)
            }
        }
        #[inline(always)]
        unsafe fn mid_letter(v: __m256i) -> __m256i {
            unsafe { one_of(v, &MID_LETTER_TABLE) }
        }
        #[inline(always)]
        unsafe fn mid_num(v: __m256i) -> __m256i {
            unsafe { one_of(v, &MID_NUM_TABLE) }
        }
        #[inline(always)]
        unsafe fn itself(v: __m256i) -> __m256i {
            v
        }
        m.letter = bits!(letter);
        m.digit = bits!(digit);
        m.underscore = bits!(underscore);
        m.mid_letter = bits!(mid_letter);
        m.mid_num = bits!(mid_num);
        m.high = bits!(itself);
        if m.high != 0 {
            #[inline(always)]
            unsafe fn latin_lead(v: __m256i) -> __m256i {
                unsafe { in_range(v, 0xC3, 0xC8) }
            }
            #[inline(always)]
            unsafe fn c3(v: __m256i) -> __m256i {
                unsafe { _mm256_cmpeq_epi8(v, splat(0xC3)) }
            }
            #[inline(always)]
            unsafe fn times(v: __m256i) -> __m256i {
                unsafe {
                    _mm256_or_si256(
                        _mm256_cmpeq_epi8(v, splat(0x97)),
                        _mm256_cmpeq_epi8(v, splat(0xB7)),
                    )
                }
            }
            m.latin_lead = bits!(latin_lead);
            m.c3 = bits!(c3);
            m.times = bits!(times);
        }
    }
    m
}

/// The marks `one_of` finds, each at the index of its low nibble: `:` `.`
/// `'`, and `,` `;` `.` `'`.
#[cfg(target_arch = "x86_64")]
const MID_LETTER_TABLE: [u8; 16] = nibble_table(b":.'");
#[cfg(target_arch = "x86_64")]
const MID_NUM_TABLE: [u8; 16] = nibble_table(b",;.'");

#[cfg(target_arch = "x86_64")]
const fn nibble_table(marks: &[u8]) -> [u8; 16] {
    let mut table = [0xFF; 16];
    let mut i = 0;
    while i < marks.len() {
        table[(marks[i] & 15) as usize] = marks[i];
        i += 1;
    }
    table
}

/// A way of classifying a block: the scanner is generic over it, and
/// [`block_edges`] is compiled once for each.
pub(crate) trait Classify {
    fn classify(block: &[u8; 64]) -> Masks;
    /// [`block_edges`] with this classifier, out of line.
    fn edges(bytes: &[u8], at: usize, carry: Carry) -> (u64, Carry);
    /// [`scan_blocks`] with this classifier, out of line.
    fn scan(bytes: &[u8], at: usize, carry: Carry, out: &mut [Block; CHUNK]) -> (usize, Carry);
}

/// How many blocks [`Classify::scan`] scans at a time.
pub(crate) const CHUNK: usize = 16;

/// [`block_words`] of up to [`CHUNK`] blocks from `at` (while the text
/// lasts) into `out`: how many, and what the last one's last byte is. Each
/// block is classified before the one before it is finished, so that what
/// follows a block is read from the next one's masks rather than from the
/// text.
#[inline(always)]
pub(crate) fn scan_blocks<C: Classify>(
    bytes: &[u8],
    at: usize,
    mut carry: Carry,
    out: &mut [Block; CHUNK],
) -> (usize, Carry) {
    let n = CHUNK.min((bytes.len() - at).div_ceil(64));
    let (mut m, mut inside) = classify_at::<C>(bytes, at);
    for (k, block) in out.iter_mut().enumerate().take(n) {
        let here = at + 64 * k;
        let (next, following) = if k + 1 < n {
            let (m1, inside1) = classify_at::<C>(bytes, here + 64);
            (Next::first_of(&m1), Some((m1, inside1)))
        } else {
            (Next::at(bytes, here + 64), None)
        };
        (*block, carry) = block_from(bytes, here, &m, inside, next, carry);
        if let Some((m1, inside1)) = following {
            (m, inside) = (m1, inside1);
        }
    }
    (n, carry)
}

/// SSE2 on x86_64, the table elsewhere.
pub(crate) struct Baseline;

impl Classify for Baseline {
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

    #[inline(never)]
    fn edges(bytes: &[u8], at: usize, carry: Carry) -> (u64, Carry) {
        block_edges::<Baseline>(bytes, at, carry)
    }

    #[inline(never)]
    fn scan(bytes: &[u8], at: usize, carry: Carry, out: &mut [Block; CHUNK]) -> (usize, Carry) {
        scan_blocks::<Baseline>(bytes, at, carry, out)
    }
}

/// AVX2: only chosen after detection ([`super::simd`]).
#[cfg(target_arch = "x86_64")]
pub(crate) struct Avx2;

#[cfg(target_arch = "x86_64")]
impl Classify for Avx2 {
    #[inline(always)]
    fn classify(block: &[u8; 64]) -> Masks {
        // SAFETY: `Avx2` is only chosen when the processor has AVX2, and
        // this is only inlined into functions compiled for it
        // (`block_edges_avx2`, the counting loop's).
        unsafe { classify_avx2(block) }
    }

    #[inline(always)]
    fn edges(bytes: &[u8], at: usize, carry: Carry) -> (u64, Carry) {
        // SAFETY: `Avx2` is only chosen when the processor has AVX2, BMI1
        // and BMI2 (`super::simd`).
        unsafe { block_edges_avx2(bytes, at, carry) }
    }

    #[inline(always)]
    fn scan(bytes: &[u8], at: usize, carry: Carry, out: &mut [Block; CHUNK]) -> (usize, Carry) {
        // SAFETY: as above.
        unsafe { scan_avx2(bytes, at, carry, out) }
    }
}

/// [`scan_blocks`] compiled for AVX2, BMI1 and BMI2.
///
/// # Safety
/// The processor must have them.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,bmi2")]
#[inline(never)]
unsafe fn scan_avx2(
    bytes: &[u8],
    at: usize,
    carry: Carry,
    out: &mut [Block; CHUNK],
) -> (usize, Carry) {
    scan_blocks::<Avx2>(bytes, at, carry, out)
}

/// [`block_edges`] compiled for AVX2, BMI1 and BMI2.
///
/// # Safety
/// The processor must have them.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,bmi2")]
#[inline(never)]
unsafe fn block_edges_avx2(bytes: &[u8], at: usize, carry: Carry) -> (u64, Carry) {
    block_edges::<Avx2>(bytes, at, carry)
}

/// The edges of the word runs in the block of 64 bytes at `at` (a bit where
/// a run starts and a bit just after where one ends), given what the byte
/// before the block was ([`Carry`]); and what its own last byte is.
#[inline(always)]
pub(crate) fn block_edges<C: Classify>(bytes: &[u8], at: usize, carry: Carry) -> (u64, Carry) {
    let (block, carry) = block_words::<C>(bytes, at, carry);
    (block.edges, carry)
}

/// The words of a block as the counting loop sees them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Block {
    /// A bit where a run starts and a bit just after where one ends.
    pub(crate) edges: u64,
    /// Bits of runs that are not plain: a byte above 0x7F in a run, or a
    /// run starting with `_` (which may be no word). Zero for most blocks.
    pub(crate) irregular: u64,
}

/// [`block_edges`], and which runs are not plain ASCII words.
#[inline(always)]
pub(crate) fn block_words<C: Classify>(bytes: &[u8], at: usize, carry: Carry) -> (Block, Carry) {
    let (m, inside) = classify_at::<C>(bytes, at);
    block_from(bytes, at, &m, inside, Next::at(bytes, at + 64), carry)
}

/// The masks of the block of 64 bytes at `at` (padded with zeros past the
/// end of the text), and which of its bits are inside the text.
#[inline(always)]
fn classify_at<C: Classify>(bytes: &[u8], at: usize) -> (Masks, u64) {
    let rest = &bytes[at..];
    match rest.first_chunk::<64>() {
        Some(block) => (C::classify(block), u64::MAX),
        None => {
            let mut padded = [0u8; 64];
            padded[..rest.len()].copy_from_slice(rest);
            // Bytes past the end are in no word (a first byte of a Latin
            // letter there can only be a truncated character).
            (C::classify(&padded), (1u64 << rest.len()) - 1)
        }
    }
}

/// What the byte after a block is, as the block's rules need it.
#[derive(Debug, Clone, Copy, Default)]
struct Next {
    /// A letter to the scanner ([`letter_at`]).
    letter: bool,
    /// An ASCII digit.
    digit: bool,
    /// 0x97 or 0xB7 (after 0xC3: `×` or `÷`).
    times: bool,
}

impl Next {
    /// The byte at `i` of `bytes`, read there (none past the end).
    #[inline(always)]
    fn at(bytes: &[u8], i: usize) -> Next {
        let b = bytes.get(i).copied().unwrap_or(0);
        Next {
            letter: letter_at(bytes, i),
            digit: CLASS[b as usize] & DIGIT != 0,
            times: matches!(b, 0x97 | 0xB7),
        }
    }

    /// The first byte of the block whose masks are `m`.
    #[inline(always)]
    fn first_of(m: &Masks) -> Next {
        let lead = m.latin_lead & !(m.c3 & (m.times >> 1));
        Next {
            letter: (m.letter | lead) & 1 != 0,
            digit: m.digit & 1 != 0,
            times: m.times & 1 != 0,
        }
    }
}

/// The runs of the block of 64 bytes at `at` whose masks are `m` (`inside`
/// marks the bytes inside the text), given the byte after it and what the
/// byte before it was.
#[inline(always)]
fn block_from(
    bytes: &[u8],
    at: usize,
    m: &Masks,
    inside: u64,
    next: Next,
    carry: Carry,
) -> (Block, Carry) {
    let mut letter = m.letter;
    let mut latin_tail = 0;
    if m.latin_lead | carry.latin_tail() != 0 {
        // A Latin letter is its two bytes; `×` and `÷` (C3 97, C3 B7) are none.
        let times_next = u64::from(next.times) << 63;
        let leads = m.latin_lead & !(m.c3 & ((m.times >> 1) | times_next));
        letter |= leads | (leads << 1) | carry.latin_tail();
        latin_tail = leads >> 63;
    }
    let next_letter = (latin_tail | u64::from(next.letter)) << 63;
    let next_digit = u64::from(next.digit) << 63;
    let letter_before = (letter << 1) | carry.letter();
    let letter_after = (letter >> 1) | next_letter;
    let digit_before = (m.digit << 1) | carry.digit();
    let digit_after = (m.digit >> 1) | next_digit;
    let joins =
        (m.mid_letter & letter_before & letter_after) | (m.mid_num & digit_before & digit_after);
    let mut word = (letter | m.digit | m.underscore | joins | carry.quote_tail()) & inside;
    let mut quote_tail = 0;
    let others = m.high & !letter;
    if others != 0 {
        let quotes = joining_quotes(bytes, at, others, letter_before, digit_before);
        word |= (quotes | (quotes << 1) | (quotes << 2)) & inside;
        // A quote starting at byte 62 or 63 ends in the next block.
        quote_tail = ((quotes >> 62) & 1) | ((quotes >> 63) * 0b11);
    }
    let word_before = (word << 1) | carry.word();
    let edges = word ^ word_before;
    let irregular = (m.high | (m.underscore & !word_before)) & word;
    let carry = Carry(
        (word >> 63)
            | ((letter >> 63) << 1)
            | ((m.digit >> 63) << 2)
            | (latin_tail << 3)
            | (quote_tail << 4),
    );
    (Block { edges, irregular }, carry)
}

/// The starts of the `‘` and `’` (E2 80 98, E2 80 99: MidNumLet, as `.`)
/// in the block at `at` that join two letters or two ASCII digits;
/// `high` marks the block's non-ASCII bytes outside letters, `letter_before`
/// and `digit_before` what the byte before each byte is.
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
            let bit = 1u64 << i;
            if (letter_before & bit != 0 && letter_at(bytes, start + 3))
                || (digit_before & bit != 0
                    && CLASS[bytes.get(start + 3).copied().unwrap_or(0) as usize] & DIGIT != 0)
            {
                quotes |= bit;
            }
        }
    }
    quotes
}

/// What the last byte of a block is: in a word (bit 0), a letter (bit 1),
/// a digit (bit 2), the first byte of a Latin letter that the next block's
/// first byte ends (bit 3); and the bytes at the start of the next block
/// that belong to a joining quote (bits 4 and 5). One word, so that it
/// stays in one register from block to block.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Carry(u64);

impl Carry {
    #[inline(always)]
    fn word(self) -> u64 {
        self.0 & 1
    }
    #[inline(always)]
    fn letter(self) -> u64 {
        (self.0 >> 1) & 1
    }
    #[inline(always)]
    fn digit(self) -> u64 {
        (self.0 >> 2) & 1
    }
    #[inline(always)]
    fn latin_tail(self) -> u64 {
        (self.0 >> 3) & 1
    }
    #[inline(always)]
    fn quote_tail(self) -> u64 {
        (self.0 >> 4) & 0b11
    }
}

use std::num::NonZeroU64;

/// `start` when no word is open.
const NO_WORD: usize = usize::MAX;

/// The words of a text by the ASCII rules, as `(start, end)` byte ranges in
/// order. Latin letters act as `a`, `‘` and `’` join as `.` does; every
/// other byte above 0x7F counts as a separator, which gives the right words
/// only away from other non-ASCII letters and marks: [`super::words`]
/// replaces the words of the pieces around those. A word it gives is ASCII
/// letters, digits, `_`, joining ASCII marks, whole Latin letters and whole `‘` `’`.
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
/// does not, and is no word; a non-ASCII byte in a run is part of a letter,
/// or of a quote between two letters or digits).
#[inline(always)]
pub(crate) fn is_word(bytes: &[u8], start: usize, end: usize) -> bool {
    bytes[start] != b'_'
        || bytes[start..end]
            .iter()
            .any(|&b| b.is_ascii_alphanumeric() || b >= 0x80)
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
            (self.edges, self.carry) = Baseline::edges(self.bytes, next, self.carry);
            self.block = next;
        }
    }

    #[inline(always)]
    fn fold<B, F: FnMut(B, (usize, usize)) -> B>(self, init: B, f: F) -> B {
        self.fold_with::<Baseline, B, F>(init, f)
    }
}

impl AsciiWords<'_> {
    /// The same words as `next` gives, in a tighter loop (the two edges of
    /// a word inside one block are taken together), classifying with `C`.
    #[inline(always)]
    pub(crate) fn fold_with<C: Classify, B, F: FnMut(B, (usize, usize)) -> B>(
        self,
        init: B,
        mut f: F,
    ) -> B {
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
            let (edges, next_carry) = C::edges(bytes, block, carry);
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

    /// A [`Classify::scan`].
    type Scan = fn(&[u8], usize, Carry, &mut [Block; CHUNK]) -> (usize, Carry);

    /// The blocks of `bytes` from 0, with `scan` a chunk at a time.
    fn scanned(bytes: &[u8], scan: Scan) -> Vec<(u64, u64)> {
        let (mut at, mut carry, mut all) = (0, Carry::default(), Vec::new());
        let mut blocks = [Block::default(); CHUNK];
        while at < bytes.len() {
            let n;
            (n, carry) = scan(bytes, at, carry, &mut blocks);
            all.extend(blocks[..n].iter().map(|b| (b.edges, b.irregular)));
            at += 64 * n;
        }
        all
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, failure_persistence: None, ..Default::default() })]
        /// Scanning a chunk of blocks (what follows each block read from
        /// the next block's masks) gives what scanning block by block
        /// gives, across chunk boundaries, with both instruction sets.
        #[test]
        fn chunks_scan_as_single_blocks_do(
            v in proptest::collection::vec(
                proptest::sample::select(&b"ab_1.',: \n\xC3\xC8\x97\xB7\xE2\x80\x98\x99\xC9"[..]),
                0..2500,
            )
        ) {
            let (mut at, mut carry, mut one_by_one) = (0, Carry::default(), Vec::new());
            while at < v.len() {
                let block;
                (block, carry) = block_words::<Baseline>(&v, at, carry);
                one_by_one.push((block.edges, block.irregular));
                at += 64;
            }
            proptest::prop_assert_eq!(&scanned(&v, Baseline::scan), &one_by_one);
            #[cfg(target_arch = "x86_64")]
            if crate::Simd::Avx2.is_available() {
                proptest::prop_assert_eq!(&scanned(&v, Avx2::scan), &one_by_one);
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
    fn vectors_and_table_agree_on_every_byte() {
        #[cfg(target_arch = "x86_64")]
        for start in (0..256).step_by(64) {
            let block: [u8; 64] = std::array::from_fn(|i| (start + i) as u8);
            assert_eq!(classify_sse2(&block), classify_scalar(&block), "{start}");
            if crate::Simd::Avx2.is_available() {
                // SAFETY: the processor has AVX2.
                let avx2 = unsafe { classify_avx2(&block) };
                assert_eq!(avx2, classify_scalar(&block), "{start}");
            }
        }
    }
}
