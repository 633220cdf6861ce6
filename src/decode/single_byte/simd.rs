//! 8-bit text to UTF-8 sixteen bytes a step with SSSE3, for the text of
//! European books: sixteen bytes of ASCII and of bytes that are their
//! Latin-1 characters (accented letters, U+0080 to U+00FF, two bytes of
//! UTF-8 each: Windows-1252's 0xA0 to 0xFF, most of ISO-8859-4's or -15's)
//! are widened to 16-bit lanes, the letters made their two UTF-8 bytes by
//! arithmetic, and the ASCII lanes' empty halves squeezed out with one byte
//! shuffle per eight lanes. Which bytes are Latin-1 is a bitmap per
//! encoding, looked up sixteen bytes at once by nibbles. Chosen at run time
//! (`is_x86_feature_detected!`); sixteen bytes with another byte above
//! 0x7F, and other processors, take the table of `single_byte`.

use super::{Table, steps};

/// Whether this processor can run [`steps_ssse3`].
pub(super) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("ssse3")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `steps` with the SSSE3 step for Windows-1252.
///
/// # Safety
/// As for `steps`; and the processor must have SSSE3 ([`available`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "ssse3")]
pub(super) unsafe fn steps_ssse3(table: &Table, bytes: &[u8], dst: *mut u8) -> usize {
    // SAFETY: the caller's.
    unsafe { steps::<true>(table, bytes, dst) }
}

/// `steps` (no SSSE3 outside x86_64).
///
/// # Safety
/// As for `steps`.
#[cfg(not(target_arch = "x86_64"))]
pub(super) unsafe fn steps_ssse3(table: &Table, bytes: &[u8], dst: *mut u8) -> usize {
    // SAFETY: the caller's.
    unsafe { steps::<false>(table, bytes, dst) }
}

#[cfg(target_arch = "x86_64")]
pub(super) use x86::{all_latin1, latin1_sixteen};

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi16, _mm_and_si128, _mm_andnot_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi16,
        _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_set1_epi16,
        _mm_setr_epi8, _mm_setzero_si128, _mm_shuffle_epi8, _mm_slli_epi16, _mm_srli_epi16,
        _mm_storeu_si128, _mm_unpackhi_epi8, _mm_unpacklo_epi8,
    };

    /// For each mask of eight 16-bit lanes: the byte shuffle that keeps the
    /// low byte of every lane and the high byte of the lanes in the mask.
    static SQUEEZE: [[u8; 16]; 256] = squeeze();

    const fn squeeze() -> [[u8; 16]; 256] {
        // 0x80 in a shuffle writes a zero (past the bytes kept).
        let mut table = [[0x80u8; 16]; 256];
        let mut mask = 0;
        while mask < 256 {
            let (mut lane, mut out) = (0, 0);
            while lane < 8 {
                table[mask][out] = 2 * lane as u8;
                out += 1;
                if mask >> lane & 1 == 1 {
                    table[mask][out] = 2 * lane as u8 + 1;
                    out += 1;
                }
                lane += 1;
            }
            mask += 1;
        }
        table
    }

    /// Whether each of the sixteen bytes is ASCII or in `latin1` (a bitmap
    /// as in `Table::latin1`).
    ///
    /// # Safety
    /// The processor must have SSSE3.
    #[inline(always)]
    pub(in crate::decode::single_byte) unsafe fn all_latin1(
        latin1: &[u8; 16],
        sixteen: &[u8],
    ) -> bool {
        assert!(sixteen.len() == 16);
        // SAFETY: the caller's; the loads read `latin1` and `sixteen`.
        unsafe {
            let v = _mm_loadu_si128(sixteen.as_ptr().cast());
            let low = _mm_and_si128(v, _mm_set1_epi8(0x0F));
            let high = _mm_and_si128(_mm_srli_epi16(v, 4), _mm_set1_epi8(0x0F));
            // The bit of each high nibble from 8 up (none below: ASCII).
            let bits = _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, -128);
            let row = _mm_shuffle_epi8(_mm_loadu_si128(latin1.as_ptr().cast()), low);
            let found = _mm_and_si128(row, _mm_shuffle_epi8(bits, high));
            let missing = _mm_movemask_epi8(_mm_cmpeq_epi8(found, _mm_setzero_si128()));
            missing & _mm_movemask_epi8(v) == 0
        }
    }

    /// Writes the UTF-8 of sixteen bytes of ASCII and of bytes that are
    /// their Latin-1 characters at `dst`; returns its length.
    ///
    /// # Safety
    /// The processor must have SSSE3; `dst` must have room for 32 bytes.
    #[inline(always)]
    pub(in crate::decode::single_byte) unsafe fn latin1_sixteen(
        sixteen: &[u8],
        dst: *mut u8,
    ) -> usize {
        assert!(sixteen.len() == 16);
        // SAFETY: the caller's; the load reads `sixteen`.
        unsafe {
            let v = _mm_loadu_si128(sixteen.as_ptr().cast());
            let mask = _mm_movemask_epi8(v) as u32;
            let zero = _mm_setzero_si128();
            let low = eight(_mm_unpacklo_epi8(v, zero), mask & 0xFF, dst);
            low + eight(_mm_unpackhi_epi8(v, zero), mask >> 8, dst.add(low))
        }
    }

    /// Eight bytes in 16-bit lanes, `high` the mask of those above 0x7F:
    /// writes their UTF-8 (sixteen bytes) and returns its length.
    #[inline(always)]
    unsafe fn eight(lanes: __m128i, high: u32, dst: *mut u8) -> usize {
        // SAFETY: the caller's (SSSE3, room for sixteen bytes).
        unsafe {
            let is_high = _mm_cmpgt_epi16(lanes, _mm_set1_epi16(0x7F));
            // U+0080..=U+00BF: C2 80..=BF; U+00C0..=U+00FF: C3 80..=BF.
            let lead = _mm_add_epi16(
                _mm_set1_epi16(0xC2),
                _mm_and_si128(_mm_srli_epi16(lanes, 6), _mm_set1_epi16(1)),
            );
            let trail = _mm_or_si128(
                _mm_and_si128(lanes, _mm_set1_epi16(0x3F)),
                _mm_set1_epi16(0x80),
            );
            let two = _mm_or_si128(lead, _mm_slli_epi16(trail, 8));
            let lanes = _mm_or_si128(
                _mm_and_si128(is_high, two),
                _mm_andnot_si128(is_high, lanes),
            );
            let squeeze = _mm_loadu_si128(SQUEEZE[high as usize].as_ptr().cast());
            _mm_storeu_si128(dst.cast(), _mm_shuffle_epi8(lanes, squeeze));
            8 + high.count_ones() as usize
        }
    }
}
