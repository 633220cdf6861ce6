//! Where a text may be cut without changing its words.
//!
//! `unicode-segmentation` walks a text forwards and starts every segment
//! afresh, so cutting a text at a position where it puts a word boundary
//! gives the same segments on both sides as the whole text does. Two kinds of
//! position are boundaries whatever surrounds them, and both can be seen from
//! the bytes alone:
//!
//! - before and after a line break: CR, LF, VT, FF (WB3a, WB3b; these rules
//!   come before WB4, so not even a combining mark can attach across them);
//! - before an ASCII space that follows a character other than a space:
//!   only a WSegSpace character joins a space (WB3d), and a space is neither
//!   Extend nor Format, so no state of the segmenter carries a word over it
//!   — provided the character before is neither WSegSpace nor Extend,
//!   Format or ZWJ. No ASCII character but the space is any of these, nor
//!   is any character of [`super::piece::fast_class`]; the search backwards
//!   only crosses those. (U+3000 IDEOGRAPHIC SPACE is WSegSpace and joins a
//!   space after it, so the search forwards only takes a space after an
//!   ASCII character. After a space there is no boundary either: WB4
//!   attaches a following combining mark to the space.)
//!
//! The tokenizer cuts a text into stretches the scanner handles (ASCII,
//! Latin letters, common punctuation) and, around each other non-ASCII
//! character, the smallest piece between two such boundaries, which goes to
//! [`super::piece`].

/// True for the ASCII line breaks, which UAX #29 always breaks around.
#[inline]
pub(crate) fn is_line_break(b: u8) -> bool {
    matches!(b, b'\n' | b'\r' | 0x0B | 0x0C)
}

/// Whether `b` starts a character the scanner may not take: 0xC2 (U+0080
/// to U+00BF) or 0xC9 and above (U+0240 on). Not ASCII, not a continuation
/// byte, not the first byte of a Latin letter (0xC3 to 0xC8).
#[inline]
pub(crate) fn is_suspect(b: u8) -> bool {
    b == 0xC2 || b >= 0xC9
}

/// The offset of the first byte at or after `from` that [`is_suspect`], or
/// `None`: 64 bytes a step with AVX2 where [`super::simd()`] says so, else
/// 32 bytes a step with SSE2 (on x86_64).
#[inline]
pub(crate) fn next_suspect(bytes: &[u8], from: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        if super::simd() == super::Simd::Avx2 {
            // SAFETY: `simd()` only says AVX2 when the processor has it.
            return unsafe { next_suspect_avx2(bytes, from) };
        }
        next_suspect_sse2(bytes, from)
    }
    #[cfg(not(target_arch = "x86_64"))]
    next_suspect_scalar(bytes, from)
}

/// [`next_suspect`] a byte at a time.
fn next_suspect_scalar(bytes: &[u8], from: usize) -> Option<usize> {
    bytes[from..]
        .iter()
        .position(|&b| is_suspect(b))
        .map(|i| from + i)
}

/// [`next_suspect`] with SSE2, 32 bytes a step.
#[cfg(target_arch = "x86_64")]
#[allow(unused_unsafe)] // the intrinsics are safe to call from Rust 1.87 on
fn next_suspect_sse2(bytes: &[u8], from: usize) -> Option<usize> {
    use std::arch::x86_64::*;
    let mut at = from;
    // SAFETY: SSE2 is enabled on every x86_64 target; each load reads 16
    // bytes at `at` and `at + 16`, inside `bytes` (`at + 32 <= len`).
    unsafe {
        // A suspect is 0xC2, or 0xC9 and above (unsigned).
        let suspects = |v: __m128i| {
            _mm_or_si128(
                _mm_cmpeq_epi8(v, _mm_set1_epi8(0xC2u8 as i8)),
                _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0xC9u8 as i8)), v),
            )
        };
        while at + 32 <= bytes.len() {
            let p = bytes.as_ptr().add(at);
            let low = _mm_movemask_epi8(suspects(_mm_loadu_si128(p.cast()))) as u32;
            let high = _mm_movemask_epi8(suspects(_mm_loadu_si128(p.add(16).cast()))) as u32;
            let found = low | (high << 16);
            if found != 0 {
                return Some(at + found.trailing_zeros() as usize);
            }
            at += 32;
        }
    }
    next_suspect_scalar(bytes, at)
}

/// [`next_suspect`] with AVX2, 64 bytes a step.
///
/// # Safety
/// The processor must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(unused_unsafe)]
unsafe fn next_suspect_avx2(bytes: &[u8], from: usize) -> Option<usize> {
    use std::arch::x86_64::*;
    let mut at = from;
    // SAFETY: the caller guarantees AVX2; each load reads 32 bytes at `at`
    // and `at + 32`, inside `bytes` (`at + 64 <= len`).
    unsafe {
        let suspects = |v: __m256i| {
            _mm256_or_si256(
                _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0xC2u8 as i8)),
                _mm256_cmpeq_epi8(_mm256_max_epu8(v, _mm256_set1_epi8(0xC9u8 as i8)), v),
            )
        };
        while at + 64 <= bytes.len() {
            let p = bytes.as_ptr().add(at);
            let low = suspects(_mm256_loadu_si256(p.cast()));
            let high = suspects(_mm256_loadu_si256(p.add(32).cast()));
            if _mm256_testz_si256(_mm256_or_si256(low, high), _mm256_or_si256(low, high)) == 0 {
                let low = u64::from(_mm256_movemask_epi8(low) as u32);
                let high = u64::from(_mm256_movemask_epi8(high) as u32);
                return Some(at + (low | (high << 32)).trailing_zeros() as usize);
            }
            at += 64;
        }
    }
    next_suspect_sse2(bytes, at)
}

/// The last boundary at or before `at`, not before `floor` (itself a
/// boundary); between them the text is ASCII or characters of
/// [`super::piece::fast_class`].
pub(crate) fn boundary_before(bytes: &[u8], floor: usize, at: usize) -> usize {
    let mut i = at;
    while i > floor {
        let b = bytes[i - 1];
        if is_line_break(b) {
            return i;
        }
        if b == b' ' {
            // The boundary is before the first space of the run.
            let mut start = i - 1;
            while start > floor && bytes[start - 1] == b' ' {
                start -= 1;
            }
            return start;
        }
        i -= 1;
    }
    floor
}

/// The first boundary after `at` (`at` is inside a piece): the next line
/// break, or the next space after an ASCII character other than a space, or
/// the end of the text.
pub(crate) fn boundary_after(bytes: &[u8], at: usize) -> usize {
    (at + 1..bytes.len())
        .find(|&i| {
            let b = bytes[i];
            is_line_break(b) || (b == b' ' && bytes[i - 1] < 0x80 && bytes[i - 1] != b' ')
        })
        .unwrap_or(bytes.len())
}

/// Cuts `text` into pieces of about `target` bytes or more at line breaks
/// (a text without line breaks stays whole). Every piece but the last ends
/// with its `\n`.
pub fn split_lines(text: &str, target: usize) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::with_capacity(text.len() / target.max(1) + 1);
    let mut start = 0;
    while start < bytes.len() {
        let want = start.saturating_add(target.max(1)).min(bytes.len());
        let end = match bytes[want..].iter().position(|&b| b == b'\n') {
            Some(i) => want + i + 1,
            None => bytes.len(),
        };
        pieces.push(&text[start..end]);
        start = end;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use unicode_segmentation::UnicodeSegmentation;

    /// The rule this module relies on, position by position.
    fn is_boundary(b: &[u8], p: usize) -> bool {
        p == 0
            || p == b.len()
            || is_line_break(b[p])
            || is_line_break(b[p - 1])
            || (b[p] == b' ' && b[p - 1] < 0x80 && b[p - 1] != b' ')
    }

    /// The same with a fast character before the space (`“`, `—`, `é`, `’` …).
    fn is_boundary_after_fast(text: &str, p: usize) -> bool {
        let b = text.as_bytes();
        is_boundary(b, p)
            || (p < b.len()
                && b[p] == b' '
                && text[..p]
                    .chars()
                    .next_back()
                    .is_some_and(|c| super::super::piece::fast_class(c).is_some() && c != ' '))
    }

    fn some_char() -> impl Strategy<Value = char> {
        prop_oneof![
            4 => prop::sample::select(&b"ab1_.,:;' \r\n\x0B\x0C\"!"[..]).prop_map(char::from),
            2 => prop::sample::select(&[
                'é', '\u{0301}', '\u{0345}', '\u{3000}', '\u{2000}', '\u{1680}', '“', '—', '…', '‘', '\u{00AD}', '\u{200D}', '\u{2060}', 'א', 'ア', '\u{05F4}',
                '👍', '🏻', '🇫', '\u{0085}', '\u{2028}', '’', '\u{00A0}', '\u{3000}', '٣',
            ][..]),
            1 => any::<char>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        /// Cutting at any boundary the rule names leaves the words unchanged.
        #[test]
        fn cutting_at_a_boundary_keeps_the_words(v in prop::collection::vec(some_char(), 0..60)) {
            let text: String = v.into_iter().collect();
            let b = text.as_bytes();
            let whole: Vec<&str> = text.unicode_words().collect();
            for p in (0..=b.len()).filter(|&p| text.is_char_boundary(p) && is_boundary_after_fast(&text, p)) {
                let mut cut: Vec<&str> = text[..p].unicode_words().collect();
                cut.extend(text[p..].unicode_words());
                prop_assert_eq!(&cut, &whole, "cut at {}", p);
            }
        }

        /// The pieces the tokenizer cuts start and end at such boundaries.
        #[test]
        fn pieces_start_and_end_at_boundaries(v in prop::collection::vec(some_char(), 1..60)) {
            let text: String = v.into_iter().collect();
            let b = text.as_bytes();
            let mut from = 0;
            while let Some(at) = next_suspect(b, from) {
                let (start, end) = (boundary_before(b, from, at), boundary_after(b, at));
                prop_assert!(from <= start && start <= at && at < end && end <= b.len());
                prop_assert!(start == from || is_boundary_after_fast(&text, start), "start {}", start);
                prop_assert!(is_boundary(b, end), "end {}", end);
                from = end;
            }
        }
    }

    #[test]
    fn finds_the_first_suspect_byte() {
        let text = "Été à Köln, “déjà” ÿ ǅ ɐ ª µ · ™ 中".repeat(3);
        let b = text.as_bytes();
        for simd in [crate::Simd::Avx2, crate::Simd::Baseline] {
            crate::with_simd(simd, || {
                for from in 0..b.len() {
                    assert_eq!(
                        next_suspect(b, from),
                        (from..b.len()).find(|&i| is_suspect(b[i])),
                        "{simd:?} {from}"
                    );
                }
            });
        }
        // Every byte value, at every place of a 64-byte step.
        for value in 0..=255u8 {
            for place in 0..80 {
                let mut b = vec![b'a'; 80];
                b[place] = value;
                for simd in [crate::Simd::Avx2, crate::Simd::Baseline] {
                    let found = crate::with_simd(simd, || next_suspect(&b, 0));
                    assert_eq!(
                        found,
                        is_suspect(value).then_some(place),
                        "{simd:?} {value:#x} {place}"
                    );
                }
            }
        }
        // Every character from U+0080 on that starts with a suspect byte is
        // not a Latin letter of U+00C0 to U+023F, and every other one is.
        for c in '\u{80}'..='\u{3000}' {
            let mut buf = [0; 4];
            let first = c.encode_utf8(&mut buf).as_bytes()[0];
            assert_eq!(
                !is_suspect(first),
                ('\u{C0}'..='\u{23F}').contains(&c),
                "{c:?}"
            );
        }
    }

    #[test]
    fn boundaries_around_a_word() {
        let s = b"one  two\r\nthree four";
        assert_eq!(boundary_before(s, 0, 6), 3); // "two": before the first of the two spaces
        assert_eq!(boundary_after(s, 6), 8); // before the CR
        assert_eq!(boundary_before(s, 0, 12), 10); // "three": after the LF
        assert_eq!(boundary_after(s, 12), 15);
        assert_eq!(boundary_after(s, 17), s.len());
        assert_eq!(boundary_before(s, 4, 6), 4); // never below the floor
    }

    #[test]
    fn line_pieces_cover_the_text_and_end_at_line_ends() {
        let text = "ab\ncd\r\nef\n\ngh";
        for target in [1, 2, 3, 5, 100] {
            let pieces = split_lines(text, target);
            assert_eq!(pieces.concat(), text, "{target}");
            for p in &pieces[..pieces.len() - 1] {
                assert!(p.ends_with('\n'), "{target}: {p:?}");
            }
        }
        assert_eq!(split_lines("", 4), Vec::<&str>::new());
        assert_eq!(split_lines("no breaks", 2), vec!["no breaks"]);
    }
}
