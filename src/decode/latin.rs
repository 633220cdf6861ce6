//! Windows-1252 (what Gutenberg's ISO-8859-1 files are decoded as) to
//! UTF-8, the same text as `encoding_rs` gives, faster on the text of
//! Western European books: eight bytes are copied at once while they are
//! ASCII, and a byte above 0x7F is looked up in a table of its UTF-8 bytes
//! made from `encoding_rs` itself (so the two cannot disagree).
//! `encoding_rs` leaves its fast path at each such byte, which in French or
//! German text comes every few dozen bytes.

use std::sync::OnceLock;

use encoding_rs::WINDOWS_1252;

/// The UTF-8 bytes of each byte value above 0x7F: their number and the bytes.
type Table = [(u8, [u8; 3]); 128];

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        std::array::from_fn(|i| {
            let byte = [0x80 + i as u8];
            let (text, _) = WINDOWS_1252.decode_without_bom_handling(&byte);
            // One character of the Basic Multilingual Plane: at most 3 bytes
            // (U+FFFD, never needed for Windows-1252, keeps the output UTF-8).
            let mut chars = text.chars();
            let c = match (chars.next(), chars.next()) {
                (Some(c), None) if c.len_utf8() <= 3 => c,
                _ => '\u{FFFD}',
            };
            let mut utf8 = [0u8; 3];
            let len = c.encode_utf8(&mut utf8).len();
            (len as u8, utf8)
        })
    })
}

const HIGH: u64 = 0x8080_8080_8080_8080;

/// `bytes` decoded as Windows-1252.
pub fn windows_1252_to_utf8(bytes: &[u8]) -> String {
    let table = table();
    let word = |at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let whole = bytes.len() / 8 * 8;
    // Every byte above 0x7F becomes at most three bytes; eight more bytes
    // give room for the word written whole after the last one.
    let high: usize = (0..whole)
        .step_by(8)
        .map(|at| (word(at) & HIGH).count_ones() as usize)
        .sum::<usize>()
        + bytes[whole..].iter().filter(|&&b| b >= 0x80).count();
    let capacity = bytes.len() + 2 * high + 8;
    let mut out: Vec<u8> = Vec::with_capacity(capacity);
    let dst = out.as_mut_ptr();
    let mut len = 0;
    let mut at = 0;
    // SAFETY: every write stays below `capacity`: an ASCII byte takes one
    // byte of it, a byte above 0x7F at most three (counted above), and a
    // word of eight is written at `len` only while eight input bytes are
    // left, so `len + 8 <= capacity`.
    unsafe {
        let put = |b: u8, len: &mut usize| {
            if b < 0x80 {
                dst.add(*len).write(b);
                *len += 1;
            } else {
                let (n, utf8) = &table[usize::from(b - 0x80)];
                std::ptr::copy_nonoverlapping(utf8.as_ptr(), dst.add(*len), usize::from(*n));
                *len += usize::from(*n);
            }
        };
        while at + 8 <= bytes.len() {
            // The eight bytes go out as they are; only those before the
            // first one above 0x7F are kept, and that one is looked up.
            let w = word(at);
            dst.add(len).cast::<u64>().write_unaligned(w);
            let high = w & HIGH;
            if high == 0 {
                len += 8;
                at += 8;
            } else {
                let ascii = high.trailing_zeros() as usize / 8;
                len += ascii;
                put(bytes[at + ascii], &mut len);
                at += ascii + 1;
            }
        }
        for &b in &bytes[at..] {
            put(b, &mut len);
        }
        debug_assert!(len <= capacity);
        out.set_len(len);
    }
    debug_assert!(std::str::from_utf8(&out).is_ok());
    // SAFETY: `out` is ASCII bytes as they were and whole entries of the
    // table, each the UTF-8 of one character (`encoding_rs` made them).
    unsafe { String::from_utf8_unchecked(out) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_encoding_rs_on_every_byte_and_mixture() {
        let all: Vec<u8> = (0..=255u8).collect();
        let mut rng = crate::rng::Rng::new(3);
        let mut samples = vec![Vec::new(), all.clone(), all.repeat(3)];
        for len in [1, 7, 8, 9, 15, 16, 17, 100, 1000] {
            for _ in 0..50 {
                samples.push(
                    (0..len)
                        .map(|_| match rng.below(4) {
                            0 => rng.below(256) as u8,
                            _ => b"Caf\xe9 na\xefve \x93x\x94\r\n"[rng.below(16) as usize],
                        })
                        .collect(),
                );
            }
        }
        for bytes in samples {
            let (expected, _) = WINDOWS_1252.decode_without_bom_handling(&bytes);
            assert_eq!(windows_1252_to_utf8(&bytes), expected, "{bytes:?}");
        }
    }
}
