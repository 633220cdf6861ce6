//! Checking bytes for UTF-8, and weighing the evidence when they are not
//! valid: how many multi-byte sequences are valid and how many are broken
//! ("UTF-8 with a few broken bytes" against "8-bit text").
//!
//! Valid UTF-8 is checked with `simdutf8` in pieces that double in size, so
//! that 8-bit text (whose first accented byte comes early) stops the check
//! early, without giving up `simdutf8`'s fastest function on valid text.
//! The evidence pass starts where the check failed: the valid prefix's
//! multi-byte sequences are its bytes from 0xC0 up (one lead byte each),
//! counted eight bytes at a time; the rest is read 64 bytes at a time, a
//! block whose bytes above 0x7F are each followed by a byte that cannot
//! continue a sequence (what 8-bit text is made of) counted in one step, the
//! other blocks walked a sequence at a time.

/// The first piece `simdutf8` checks; each next one is twice as long.
const FIRST_PIECE: usize = 16 * 1024;

/// `Ok` when `bytes` are valid UTF-8 (the same answer as
/// `std::str::from_utf8`), else `Err(at)`: the bytes before `at` are valid
/// UTF-8 and `at` is where a character starts; the first error is at or
/// after it.
pub(super) fn check(bytes: &[u8]) -> Result<(), usize> {
    let mut at = 0;
    let mut piece = FIRST_PIECE;
    while at < bytes.len() {
        // End the piece before a byte that is not a continuation byte (one
        // of any four in a row of valid UTF-8): valid UTF-8 split there is
        // two valid halves, and two valid halves make valid UTF-8, so the
        // error is in the first invalid piece, which starts where a
        // character does.
        let mut end = (at + piece).min(bytes.len());
        for _ in 0..3 {
            if end < bytes.len() && is_continuation(bytes[end]) {
                end -= 1;
            }
        }
        if simdutf8::basic::from_utf8(&bytes[at..end]).is_err() {
            return Err(at);
        }
        at = end;
        piece = piece.saturating_mul(2);
    }
    Ok(())
}

/// Whether `b` can only continue a UTF-8 sequence (0x80 to 0xBF).
#[inline]
fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// The multi-byte sequences of valid UTF-8: its bytes from 0xC0 up.
pub(super) fn lead_bytes(valid: &[u8]) -> usize {
    let words = valid.chunks_exact(8);
    let rest = words.remainder();
    let leads = words
        .map(|w| {
            let w = word(w);
            // Bit 7 of each byte: its bits 7 and 6 both set.
            (w & (w << 1) & 0x8080_8080_8080_8080).count_ones() as usize
        })
        .sum::<usize>();
    leads + rest.iter().filter(|&&b| b >= 0xC0).count()
}

/// The eight bytes of `bytes` (eight long) as a little-endian word.
#[inline]
pub(super) fn word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(bytes);
    u64::from_le_bytes(w)
}

/// The evidence of `bytes` whose first `valid` bytes are valid UTF-8 ending
/// where a character starts (what [`check`] returns).
pub(super) fn evidence_after(bytes: &[u8], valid: usize) -> (usize, usize) {
    let (multibyte, invalid) = utf8_evidence(&bytes[valid..]);
    (lead_bytes(&bytes[..valid]) + multibyte, invalid)
}

/// The length of a block of the evidence pass.
const BLOCK: usize = 64;

/// Counts the multi-byte UTF-8 sequences and the invalid ones in `bytes`.
/// An invalid sequence is what `std::str::from_utf8` reports as one error
/// (the longest start of a valid sequence, at least one byte); a multi-byte
/// sequence is a valid one.
pub(super) fn utf8_evidence(bytes: &[u8]) -> (usize, usize) {
    let mut counts = (0, 0);
    let mut at = 0;
    // Each block needs the byte after it.
    while at + BLOCK < bytes.len() {
        at = block(bytes, at, &mut counts);
    }
    // The rest, followed by zeros: an ASCII byte ends a sequence as the end
    // of the bytes does, and counts for nothing.
    let mut tail = [0u8; BLOCK + 1];
    let rest = &bytes[at.min(bytes.len())..];
    tail[..rest.len()].copy_from_slice(rest);
    block(&tail, 0, &mut counts);
    counts
}

/// Counts the sequences of the block of 64 bytes at `at` (where a sequence
/// starts) into `counts`; returns where the next sequence starts, at the
/// block's end or up to three bytes after it. `bytes` holds the byte after
/// the block.
#[inline(always)]
fn block(bytes: &[u8], at: usize, counts: &mut (usize, usize)) -> usize {
    let chunk: &[u8; BLOCK] = bytes[at..at + BLOCK].try_into().expect("a whole block");
    let (high, continuation) = masks(chunk);
    if high == 0 {
        return at + BLOCK;
    }
    // Bit i: the byte after byte i can continue a sequence.
    let continued = (continuation >> 1) | u64::from(is_continuation(bytes[at + BLOCK])) << 63;
    let open = high & continued;
    if open == 0 {
        // Every byte above 0x7F starts a sequence (the one before it was
        // ASCII or a one-byte error) that the next byte cannot continue:
        // one invalid sequence each.
        counts.1 += high.count_ones() as usize;
        return at + BLOCK;
    }
    // The same up to the first byte above 0x7F that may be continued, then
    // a sequence at a time from each byte above 0x7F.
    let first = open.trailing_zeros();
    counts.1 += (high & ((1 << first) - 1)).count_ones() as usize;
    let end = at + BLOCK;
    let mut i = at + first as usize;
    while i < end {
        let ahead = high >> (i - at);
        if ahead == 0 {
            return end;
        }
        i += ahead.trailing_zeros() as usize;
        i += sequence(bytes, i, counts);
    }
    i
}

/// Counts the sequence at `i` (a byte above 0x7F, where a sequence starts)
/// into `counts`; returns its length.
#[inline]
fn sequence(bytes: &[u8], i: usize, counts: &mut (usize, usize)) -> usize {
    // The valid range of the second byte, and the sequence's length.
    let (second, len) = match bytes[i] {
        0xC2..=0xDF => (0x80..=0xBF, 2),
        0xE0 => (0xA0..=0xBF, 3),
        0xE1..=0xEC | 0xEE..=0xEF => (0x80..=0xBF, 3),
        0xED => (0x80..=0x9F, 3),
        0xF0 => (0x90..=0xBF, 4),
        0xF1..=0xF3 => (0x80..=0xBF, 4),
        0xF4 => (0x80..=0x8F, 4),
        _ => {
            counts.1 += 1;
            return 1;
        }
    };
    let mut good = 1;
    if bytes.get(i + 1).is_some_and(|c| second.contains(c)) {
        good = 2;
        while good < len && bytes.get(i + good).is_some_and(|&c| is_continuation(c)) {
            good += 1;
        }
    }
    if good == len {
        counts.0 += 1;
    } else {
        counts.1 += 1;
    }
    good
}

/// Bit i of the first mask: byte i is above 0x7F; of the second: byte i is
/// a continuation byte (0x80 to 0xBF).
#[inline]
fn masks(chunk: &[u8; BLOCK]) -> (u64, u64) {
    #[cfg(target_arch = "x86_64")]
    {
        masks_sse2(chunk)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        masks_portable(chunk)
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn masks_sse2(chunk: &[u8; BLOCK]) -> (u64, u64) {
    use std::arch::x86_64::{_mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    let (mut high, mut continuation) = (0u64, 0u64);
    for (k, sixteen) in chunk.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is part of x86_64; the load reads the 16 bytes of
        // `sixteen`, unaligned.
        let (h, c) = unsafe {
            let v = _mm_loadu_si128(sixteen.as_ptr().cast());
            // As signed bytes, 0x80..=0xBF are the ones below 0xC0 (-64).
            let c = _mm_cmplt_epi8(v, _mm_set1_epi8(-64));
            (_mm_movemask_epi8(v) as u16, _mm_movemask_epi8(c) as u16)
        };
        high |= u64::from(h) << (16 * k);
        continuation |= u64::from(c) << (16 * k);
    }
    (high, continuation)
}

/// [`masks`] eight bytes at a time in 64-bit words (for processors other
/// than x86_64, and to test against the SSE2 one).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn masks_portable(chunk: &[u8; BLOCK]) -> (u64, u64) {
    // Gathers bit 7 of each byte of a word into eight bits.
    let gather = |w: u64| (w & 0x8080_8080_8080_8080).wrapping_mul(0x0002_0408_1020_4081) >> 56;
    let (mut high, mut continuation) = (0u64, 0u64);
    for (k, w) in chunk.chunks_exact(8).enumerate() {
        let w = word(w);
        high |= gather(w) << (8 * k);
        continuation |= gather(w & !(w << 1)) << (8 * k);
    }
    (high, continuation)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The evidence by `std::str::from_utf8`'s errors.
    fn std_evidence(mut bytes: &[u8]) -> (usize, usize) {
        let leads = |v: &[u8]| v.iter().filter(|&&b| b >= 0xC0).count();
        let (mut multibyte, mut invalid) = (0, 0);
        loop {
            match std::str::from_utf8(bytes) {
                Ok(valid) => return (multibyte + leads(valid.as_bytes()), invalid),
                Err(e) => {
                    multibyte += leads(&bytes[..e.valid_up_to()]);
                    invalid += 1;
                    match e.error_len() {
                        Some(n) => bytes = &bytes[e.valid_up_to() + n..],
                        None => return (multibyte, invalid),
                    }
                }
            }
        }
    }

    /// Pieces of text that make every case: ASCII, lone continuation bytes,
    /// each kind of lead, valid sequences, bytes that are never UTF-8.
    const PIECES: [&[u8]; 13] = [
        b"a",
        b"\x80",
        b"\xBF",
        b"\xC3",
        b"\xE0",
        b"\xED",
        b"\xF0",
        b"\xF4",
        b"\xA0",
        b"\x90",
        "\u{e9}\u{2019}\u{1F600}".as_bytes(),
        b"\xFF",
        b"\xE9",
    ];

    fn random_bytes(rng: &mut crate::rng::Rng, pieces: u64) -> Vec<u8> {
        (0..rng.below(pieces))
            .flat_map(|_| {
                PIECES[rng.below(PIECES.len() as u64) as usize]
                    .iter()
                    .copied()
            })
            .collect()
    }

    #[test]
    fn evidence_counts_sequences_and_errors() {
        assert_eq!(utf8_evidence(b""), (0, 0));
        assert_eq!(utf8_evidence("caf\u{e9} \u{2019}".as_bytes()), (2, 0));
        assert_eq!(utf8_evidence(b"caf\xe9 na\xefve"), (0, 2));
        assert_eq!(utf8_evidence(b"\xC3\xA9 \xFF \xE2\x80"), (1, 2));
        assert_eq!(utf8_evidence(b"\xC3"), (0, 1));
        let mut rng = crate::rng::Rng::new(8);
        // Short (the padded tail alone) and several blocks long.
        for pieces in [40, 200] {
            for _ in 0..20000 {
                let bytes = random_bytes(&mut rng, pieces);
                assert_eq!(utf8_evidence(&bytes), std_evidence(&bytes), "{bytes:?}");
            }
        }
    }

    #[test]
    fn evidence_is_exact_around_block_edges() {
        // Latin-1-like text (one-byte errors: the one-step path) with a
        // piece of every kind put at every place around the first two
        // block edges and the end.
        let mut rng = crate::rng::Rng::new(9);
        for len in [63, 64, 65, 66, 127, 128, 129, 130, 200] {
            let base: Vec<u8> = (0..len)
                .map(|_| b"ab \xe9\xe4\xfc\xdf"[rng.below(7) as usize])
                .collect();
            for piece in PIECES
                .iter()
                .copied()
                .chain([&b"\xC3\xA9"[..], b"\xE2\x80\x99"])
            {
                for at in 0..=len {
                    let mut bytes = base.clone();
                    bytes.splice(at..at, piece.iter().copied());
                    assert_eq!(utf8_evidence(&bytes), std_evidence(&bytes), "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn evidence_after_the_valid_prefix_is_the_same() {
        let mut rng = crate::rng::Rng::new(10);
        for _ in 0..3000 {
            let mut bytes = "d\u{e9}j\u{e0} \u{2014} "
                .repeat(rng.below(30) as usize)
                .into_bytes();
            bytes.extend(random_bytes(&mut rng, 60));
            match check(&bytes) {
                Ok(()) => assert!(std::str::from_utf8(&bytes).is_ok()),
                Err(at) => {
                    let e = std::str::from_utf8(&bytes).expect_err("check found an error");
                    assert!(at <= e.valid_up_to(), "{bytes:?}");
                    assert_eq!(
                        evidence_after(&bytes, at),
                        std_evidence(&bytes),
                        "{bytes:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_check_in_pieces_agrees_with_std() {
        // Long enough for several pieces, a multi-byte character across
        // each piece's end, a broken byte in every piece.
        let text = "na\u{ef}ve \u{2019}\u{1F600} ".repeat(20_000).into_bytes();
        assert_eq!(check(&text), Ok(()));
        let mut rng = crate::rng::Rng::new(12);
        let mut edges = vec![0, 1, text.len() - 1];
        let mut piece = FIRST_PIECE;
        let mut at = 0;
        while at < text.len() {
            at += piece;
            piece *= 2;
            edges.extend([at.saturating_sub(2), at - 1, at, at + 1, at + 3]);
        }
        edges.extend((0..50).map(|_| rng.below(text.len() as u64) as usize));
        for at in edges.into_iter().filter(|&at| at < text.len()) {
            for broken in [0xFF, 0x80, 0xC3, 0xE9, b'a'] {
                let mut bytes = text.clone();
                bytes[at] = broken;
                let std = std::str::from_utf8(&bytes);
                match check(&bytes) {
                    Ok(()) => assert!(std.is_ok(), "byte {at} = {broken:#x}"),
                    Err(start) => {
                        let e = std.expect_err("check found an error");
                        assert!(start <= e.valid_up_to(), "byte {at} = {broken:#x}");
                        assert!(std::str::from_utf8(&bytes[..start]).is_ok());
                        assert_eq!(evidence_after(&bytes, start), std_evidence(&bytes));
                    }
                }
            }
        }
        assert_eq!(check(&[0x80; 100_000]), Err(0));
    }

    #[test]
    fn a_piece_never_ends_inside_a_character() {
        // The first piece's end on each byte of a four-byte character.
        for offset in 0..4 {
            let mut text = "a".repeat(offset);
            text.push_str(&"\u{1F600}".repeat(FIRST_PIECE / 2));
            assert_eq!(check(text.as_bytes()), Ok(()), "offset {offset}");
            let mut bytes = text.into_bytes();
            bytes[FIRST_PIECE + 1] = b'a';
            let e = std::str::from_utf8(&bytes).expect_err("broken");
            let at = check(&bytes).expect_err("broken");
            assert!(
                at <= e.valid_up_to() && at >= FIRST_PIECE - 3,
                "offset {offset}"
            );
        }
    }

    #[test]
    fn lead_bytes_count_multibyte_sequences() {
        let mut rng = crate::rng::Rng::new(13);
        for _ in 0..500 {
            let text: String = (0..rng.below(100))
                .map(|_| ['a', '\u{e9}', '\u{2019}', '\u{1F600}', ' '][rng.below(5) as usize])
                .collect();
            assert_eq!(
                lead_bytes(text.as_bytes()),
                text.chars().filter(|c| c.len_utf8() > 1).count()
            );
        }
    }

    #[test]
    fn the_masks_are_those_of_the_bytes() {
        let mut rng = crate::rng::Rng::new(14);
        let all: Vec<u8> = (0..=255u8).collect();
        let mut chunks: Vec<[u8; BLOCK]> = all
            .chunks_exact(BLOCK)
            .map(|c| c.try_into().expect("a block"))
            .collect();
        chunks.extend((0..2000).map(|_| std::array::from_fn(|_| rng.below(256) as u8)));
        for chunk in chunks {
            let expected = chunk
                .iter()
                .enumerate()
                .fold((0u64, 0u64), |(h, c), (i, &b)| {
                    (
                        h | u64::from(b >= 0x80) << i,
                        c | u64::from(is_continuation(b)) << i,
                    )
                });
            assert_eq!(masks_portable(&chunk), expected, "{chunk:?}");
            assert_eq!(masks(&chunk), expected, "{chunk:?}");
        }
    }
}
