//! 8-bit text (Windows-1252, what Gutenberg's ISO-8859-1 files are decoded
//! as, and every other single-byte encoding of `encoding_rs`: ISO-8859-x,
//! windows-125x, KOI8, …) to UTF-8, the same text as `encoding_rs` gives,
//! faster on the text of European books: sixteen bytes are copied at once
//! while they are ASCII, and a byte above 0x7F is looked up in a table of
//! its UTF-8 bytes made from `encoding_rs` itself, once per encoding (so the
//! two cannot disagree; a byte the encoding does not map becomes U+FFFD as
//! there). `encoding_rs` leaves its fast path at each such byte, which in
//! French or German text comes every few dozen bytes.

use std::sync::OnceLock;

use super::utf8::word;

mod simd;

use encoding_rs::{
    Encoding, IBM866, ISO_8859_2, ISO_8859_3, ISO_8859_4, ISO_8859_5, ISO_8859_6, ISO_8859_7,
    ISO_8859_8, ISO_8859_8_I, ISO_8859_10, ISO_8859_13, ISO_8859_14, ISO_8859_15, ISO_8859_16,
    KOI8_R, KOI8_U, MACINTOSH, WINDOWS_874, WINDOWS_1250, WINDOWS_1251, WINDOWS_1252, WINDOWS_1253,
    WINDOWS_1254, WINDOWS_1255, WINDOWS_1256, WINDOWS_1257, WINDOWS_1258, X_MAC_CYRILLIC,
    X_USER_DEFINED,
};

/// How many single-byte encodings `encoding_rs` has.
const ENCODINGS: usize = 29;

/// The single-byte encodings of `encoding_rs` (those whose
/// `is_single_byte()` is true), Windows-1252 first.
fn single_byte_encodings() -> [&'static Encoding; ENCODINGS] {
    [
        WINDOWS_1252,
        IBM866,
        ISO_8859_2,
        ISO_8859_3,
        ISO_8859_4,
        ISO_8859_5,
        ISO_8859_6,
        ISO_8859_7,
        ISO_8859_8,
        ISO_8859_8_I,
        ISO_8859_10,
        ISO_8859_13,
        ISO_8859_14,
        ISO_8859_15,
        ISO_8859_16,
        KOI8_R,
        KOI8_U,
        MACINTOSH,
        WINDOWS_874,
        WINDOWS_1250,
        WINDOWS_1251,
        WINDOWS_1253,
        WINDOWS_1254,
        WINDOWS_1255,
        WINDOWS_1256,
        WINDOWS_1257,
        WINDOWS_1258,
        X_MAC_CYRILLIC,
        X_USER_DEFINED,
    ]
}

/// How an encoding's bytes above 0x7F become UTF-8.
struct Table {
    /// The UTF-8 bytes of each byte value above 0x7F, in the low three
    /// bytes (little-endian), and their number in the high byte.
    utf8: [u32; 128],
    /// The bytes above 0x7F that are the character of the same number
    /// (U+0080 to U+00FF: Windows-1252's from 0xA0 up, most of the letters
    /// of ISO-8859-4 or -15): those can be converted sixteen at a time by
    /// arithmetic. Byte `0xHL` is bit `H - 8` of entry `L`.
    latin1: [u8; 16],
}

/// The table of `encoding`, made on first use; `None` when `encoding` is not
/// a single-byte encoding whose bytes below 0x80 are ASCII.
fn table(encoding: &'static Encoding) -> Option<&'static Table> {
    static TABLES: [OnceLock<Option<Table>>; ENCODINGS] = [const { OnceLock::new() }; ENCODINGS];
    let index = single_byte_encodings()
        .iter()
        .position(|e| *e == encoding)?;
    TABLES[index].get_or_init(|| make_table(encoding)).as_ref()
}

fn make_table(encoding: &'static Encoding) -> Option<Table> {
    let ascii: Vec<u8> = (0..0x80).collect();
    if encoding.decode_without_bom_handling(&ascii).0.as_bytes() != ascii {
        return None;
    }
    let mut utf8 = [0; 128];
    let mut latin1 = [0u8; 16];
    for (i, entry) in utf8.iter_mut().enumerate() {
        let byte = [0x80 + i as u8];
        let (text, _) = encoding.decode_without_bom_handling(&byte);
        // One character of the Basic Multilingual Plane, at most three
        // bytes (U+FFFD for a byte the encoding leaves unmapped).
        let mut chars = text.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            return None;
        };
        let mut bytes = [0u8; 4];
        let len = c.encode_utf8(&mut bytes).len();
        if len > 3 {
            return None;
        }
        bytes[3] = len as u8;
        *entry = u32::from_le_bytes(bytes);
        if u32::from(c) == 0x80 + i as u32 {
            latin1[i & 0xF] |= 1 << (i >> 4);
        }
    }
    Some(Table { utf8, latin1 })
}

/// `bytes` decoded as `encoding`: the same text as `encoding_rs`'s
/// `decode_without_bom_handling`, faster for a single-byte encoding.
pub fn single_byte_to_utf8(encoding: &'static Encoding, bytes: &[u8]) -> String {
    match table(encoding) {
        Some(table) => convert(table, bytes, simd::available()),
        None => encoding.decode_without_bom_handling(bytes).0.into_owned(),
    }
}

/// `bytes` decoded as Windows-1252.
pub fn windows_1252_to_utf8(bytes: &[u8]) -> String {
    single_byte_to_utf8(WINDOWS_1252, bytes)
}

/// How many of `bytes` are above 0x7F: a byte counter per lane of a 64-bit
/// word, summed every 255 words before it can overflow.
fn high_bytes(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let whole = bytes.len() / 8 * 8;
    let mut count = bytes[whole..].iter().filter(|&&b| b >= 0x80).count();
    for run in bytes[..whole].chunks(8 * 255) {
        let lanes = run
            .chunks_exact(8)
            .fold(0u64, |acc, w| acc + ((word(w) >> 7) & ONES));
        // Pairs of lanes into 16-bit lanes (at most 510 each), then summed.
        let pairs = (lanes & 0x00FF_00FF_00FF_00FF) + ((lanes >> 8) & 0x00FF_00FF_00FF_00FF);
        count += (pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48) as usize;
    }
    count
}

const HIGH: u128 = 0x8080_8080_8080_8080_8080_8080_8080_8080;

/// `bytes` converted with `table`; with `simd`, the SSSE3 steps (when some
/// bytes of the encoding are their Latin-1 characters).
fn convert(table: &Table, bytes: &[u8], simd: bool) -> String {
    // Every byte above 0x7F becomes at most three bytes; sixteen more bytes
    // give room for the sixteen written whole after the last one, and for
    // the four bytes a table entry is written as.
    let capacity = bytes.len() + 2 * high_bytes(bytes) + 16;
    let mut out: Vec<u8> = Vec::with_capacity(capacity);
    // SAFETY: `steps` writes below `capacity` (see there); the SSSE3
    // version runs only where the processor has SSSE3.
    unsafe {
        let len = if simd && table.latin1 != [0; 16] {
            simd::steps_ssse3(table, bytes, out.as_mut_ptr())
        } else {
            steps::<false>(table, bytes, out.as_mut_ptr())
        };
        debug_assert!(len + 4 <= capacity);
        out.set_len(len);
    }
    debug_assert!(std::str::from_utf8(&out).is_ok());
    // SAFETY: `out` is ASCII bytes as they were and whole entries of the
    // table, each the UTF-8 of one character (`encoding_rs` made them), or
    // the two bytes of U+00A0 to U+00FF where the table says so.
    unsafe { String::from_utf8_unchecked(out) }
}

/// Writes `bytes` converted with `table` at `dst`; returns the length.
/// With `LATIN1` (on x86_64, in a function with SSSE3 only), sixteen bytes
/// of ASCII and of `table.latin1` are converted in one step.
///
/// # Safety
/// `dst` must have room for `bytes.len()` plus two bytes per byte above
/// 0x7F plus sixteen: an ASCII byte takes one byte of it, a byte above 0x7F
/// at most three and is written as four bytes, and sixteen bytes (two times
/// sixteen in a SSSE3 step, which makes at least twenty-four) are written
/// at the output's end only while sixteen input bytes are left.
#[inline(always)]
unsafe fn steps<const LATIN1: bool>(table: &Table, bytes: &[u8], dst: *mut u8) -> usize {
    let sixteen = |at: usize| {
        let mut w = [0u8; 16];
        w.copy_from_slice(&bytes[at..at + 16]);
        u128::from_le_bytes(w)
    };
    let mut len = 0;
    let mut at = 0;
    // SAFETY: see the function's.
    unsafe {
        let put = |b: u8, len: &mut usize| {
            if b < 0x80 {
                dst.add(*len).write(b);
                *len += 1;
            } else {
                let entry = table.utf8[usize::from(b - 0x80)];
                dst.add(*len).cast::<u32>().write_unaligned(entry.to_le());
                *len += (entry >> 24) as usize;
            }
        };
        while at + 16 <= bytes.len() {
            // The sixteen bytes go out as they are; only those before the
            // first one above 0x7F are kept, and that one is looked up.
            let w = sixteen(at);
            let high = w & HIGH;
            if high == 0 {
                dst.add(len).cast::<u128>().write_unaligned(w.to_le());
                len += 16;
                at += 16;
                continue;
            }
            #[cfg(target_arch = "x86_64")]
            if LATIN1 && simd::all_latin1(&table.latin1, &bytes[at..at + 16]) {
                len += simd::latin1_sixteen(&bytes[at..at + 16], dst.add(len));
                at += 16;
                continue;
            }
            dst.add(len).cast::<u128>().write_unaligned(w.to_le());
            let ascii = high.trailing_zeros() as usize / 8;
            len += ascii;
            put(bytes[at + ascii], &mut len);
            at += ascii + 1;
        }
        for &b in &bytes[at..] {
            put(b, &mut len);
        }
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every encoding `encoding_rs` has.
    fn all_encodings() -> Vec<&'static Encoding> {
        use encoding_rs::*;
        let mut all = vec![
            BIG5,
            EUC_JP,
            EUC_KR,
            GBK,
            GB18030,
            ISO_2022_JP,
            REPLACEMENT,
            SHIFT_JIS,
            UTF_16BE,
            UTF_16LE,
            UTF_8,
        ];
        all.extend(single_byte_encodings());
        all
    }

    #[test]
    fn every_single_byte_encoding_has_a_table() {
        for encoding in all_encodings() {
            assert_eq!(
                table(encoding).is_some(),
                encoding.is_single_byte(),
                "{}",
                encoding.name()
            );
        }
    }

    /// Random text of `len` bytes: ASCII letters and spaces, line ends, and
    /// bytes above 0x7F, in runs and alone.
    fn mixture(rng: &mut crate::rng::Rng, len: usize) -> Vec<u8> {
        (0..len)
            .map(|_| match rng.below(4) {
                0 => rng.below(256) as u8,
                1 => 0x80 + rng.below(128) as u8,
                _ => b"Caf\xe9 na\xefve \x93x\x94\r\n"[rng.below(16) as usize],
            })
            .collect()
    }

    /// Random Western European text: ASCII and bytes from 0xA0 up (the
    /// SSSE3 step's for Windows-1252), now and then one from 0x80 to 0x9F.
    fn western(rng: &mut crate::rng::Rng, len: usize) -> Vec<u8> {
        let text = b"Kalevala, p\xe4\xe4 \xabq\xbb\r\n";
        (0..len)
            .map(|_| match rng.below(40) {
                0 => 0x80 + rng.below(32) as u8,
                1..=12 => 0xA0 + rng.below(96) as u8,
                _ => text[rng.below(text.len() as u64) as usize],
            })
            .collect()
    }

    fn samples() -> Vec<Vec<u8>> {
        let all: Vec<u8> = (0..=255u8).collect();
        let mut rng = crate::rng::Rng::new(3);
        let mut samples = vec![Vec::new(), all.clone(), all.repeat(3)];
        samples.extend((0..=255u8).map(|b| vec![b]));
        samples.extend((0..=255u8).map(|b| [b"0123456789abcdef", &[b][..], b" x"].concat()));
        // Every byte value at every place of sixteen bytes of accented text.
        for b in 0..=255u8 {
            for at in 0..16 {
                let mut bytes = b"\xe9t\xe9 \xe0 Paris \xe7a\xfb\xff\xa0!".to_vec();
                bytes[at] = b;
                samples.push(bytes.repeat(2));
            }
        }
        for len in [1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 1000] {
            samples.extend((0..30).map(|_| mixture(&mut rng, len)));
            samples.extend((0..30).map(|_| western(&mut rng, len)));
        }
        samples
    }

    /// The converter's paths to check: the portable one, and SSSE3 where
    /// the processor has it.
    fn paths() -> &'static [bool] {
        if simd::available() {
            &[false, true]
        } else {
            &[false]
        }
    }

    #[test]
    fn equals_encoding_rs_on_every_byte_and_mixture() {
        let samples = samples();
        let paths = paths();
        for encoding in single_byte_encodings() {
            let table = table(encoding).expect("a table");
            for bytes in &samples {
                let (expected, _) = encoding.decode_without_bom_handling(bytes);
                assert_eq!(single_byte_to_utf8(encoding, bytes), expected);
                for &simd in paths {
                    assert_eq!(
                        convert(table, bytes, simd),
                        expected,
                        "{} {bytes:?}, SSSE3 {simd}",
                        encoding.name()
                    );
                }
            }
        }
        for bytes in &samples {
            let (expected, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
            assert_eq!(windows_1252_to_utf8(bytes), expected);
        }
    }

    #[test]
    fn the_latin1_bytes_are_those_encoding_rs_makes_latin1() {
        for encoding in single_byte_encodings() {
            let table = table(encoding).expect("a table");
            for b in 0x80..=0xFFu8 {
                let byte = [b];
                let (text, _) = encoding.decode_without_bom_handling(&byte);
                let same = text.chars().eq([char::from(b)]);
                let bit = table.latin1[usize::from(b & 0xF)] >> (b >> 4 & 7) & 1 == 1;
                assert_eq!(bit, same, "{} {b:#x}", encoding.name());
            }
        }
        let latin1 = |e: &'static Encoding| table(e).expect("a table").latin1;
        // 0xA0 to 0xFF, and the five bytes Windows-1252 leaves undefined,
        // which encoding_rs makes U+0081, U+008D, U+008F, U+0090, U+009D.
        let mut expected = [0xFC; 16];
        for b in [0x81u8, 0x8D, 0x8F, 0x90, 0x9D] {
            expected[usize::from(b & 0xF)] |= 1 << (b >> 4 & 7);
        }
        assert_eq!(latin1(WINDOWS_1252), expected);
    }

    #[test]
    fn each_encoding_s_latin1_letters_in_runs() {
        // Text made of ASCII and each encoding's own Latin-1 bytes, now
        // and then another: the SSSE3 step for every table.
        let mut rng = crate::rng::Rng::new(6);
        let paths = paths();
        for encoding in single_byte_encodings() {
            let table = table(encoding).expect("a table");
            let latin1: Vec<u8> = (0x80..=0xFFu8)
                .filter(|&b| table.latin1[usize::from(b & 0xF)] >> (b >> 4 & 7) & 1 == 1)
                .collect();
            for len in [16, 17, 40, 300] {
                for _ in 0..40 {
                    let bytes: Vec<u8> = (0..len)
                        .map(|_| match rng.below(50) {
                            0 => 0x80 + rng.below(128) as u8,
                            1..=15 if !latin1.is_empty() => {
                                latin1[rng.below(latin1.len() as u64) as usize]
                            }
                            _ => b"ab, \r\n"[rng.below(6) as usize],
                        })
                        .collect();
                    let (expected, _) = encoding.decode_without_bom_handling(&bytes);
                    for &simd in paths {
                        assert_eq!(
                            convert(table, &bytes, simd),
                            expected,
                            "{}",
                            encoding.name()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn other_encodings_go_through_encoding_rs() {
        let bytes = b"\x82\xa0 \xff\x81\x40";
        for encoding in all_encodings() {
            let (expected, _) = encoding.decode_without_bom_handling(bytes);
            assert_eq!(
                single_byte_to_utf8(encoding, bytes),
                expected,
                "{}",
                encoding.name()
            );
        }
    }

    #[test]
    fn high_bytes_are_counted() {
        let mut rng = crate::rng::Rng::new(4);
        for len in [0, 1, 7, 8, 9, 100, 2039, 2040, 2041, 2048, 5000] {
            let bytes: Vec<u8> = (0..len).map(|_| rng.below(256) as u8).collect();
            let expected = bytes.iter().filter(|&&b| b >= 0x80).count();
            assert_eq!(high_bytes(&bytes), expected);
        }
        assert_eq!(high_bytes(&[0xFF; 10_000]), 10_000);
    }
}
