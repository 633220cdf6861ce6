//! Which vector instructions the scanner uses: AVX2 where the processor has
//! it (detected once, at run time), else the baseline every build can rely
//! on (SSE2 on x86_64, a table elsewhere). Both give the same words; the
//! baseline can be forced, for one thread ([`with_simd`], what the tests
//! use to check both paths) or for the process (the environment variable
//! `GUTENPIPE_SIMD=baseline`, read once).

use std::cell::Cell;
use std::sync::OnceLock;

/// The instruction set the scanner classifies bytes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Simd {
    /// 32 bytes per instruction (x86_64 processors with AVX2, BMI1, BMI2).
    Avx2,
    /// SSE2 on x86_64 (16 bytes per instruction), a lookup table elsewhere.
    Baseline,
}

impl Simd {
    /// Whether this processor can run `self`.
    pub fn is_available(self) -> bool {
        match self {
            Simd::Baseline => true,
            Simd::Avx2 => avx2_detected(),
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn avx2_detected() -> bool {
    std::is_x86_feature_detected!("avx2")
        && std::is_x86_feature_detected!("bmi1")
        && std::is_x86_feature_detected!("bmi2")
}

#[cfg(not(target_arch = "x86_64"))]
fn avx2_detected() -> bool {
    false
}

/// The process's choice: AVX2 when available, unless `GUTENPIPE_SIMD=baseline`.
fn process_choice() -> Simd {
    static CHOICE: OnceLock<Simd> = OnceLock::new();
    *CHOICE.get_or_init(|| {
        let forced = std::env::var("GUTENPIPE_SIMD").is_ok_and(|v| v == "baseline");
        if !forced && avx2_detected() {
            Simd::Avx2
        } else {
            Simd::Baseline
        }
    })
}

thread_local! {
    static FORCED: Cell<Option<Simd>> = const { Cell::new(None) };
}

/// The instruction set [`crate::count()`] and the `fold` of [`crate::words()`]
/// (so `for_each`, `count` …) use on the calling thread; pulling words one at a
/// time with `next` always uses the baseline.
#[inline]
pub fn simd() -> Simd {
    FORCED
        .with(Cell::get)
        .filter(|s| s.is_available())
        .unwrap_or_else(process_choice)
}

/// Runs `f` with the calling thread's tokenizer using `simd` (if this
/// processor has it; else what [`simd`] would choose). Work `f` sends to
/// other threads (such as [`crate::count_parallel()`]'s) is not affected.
pub fn with_simd<R>(simd: Simd, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Simd>);
    impl Drop for Restore {
        fn drop(&mut self) {
            FORCED.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(FORCED.with(|c| c.replace(Some(simd))));
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_can_be_forced_per_thread() {
        with_simd(Simd::Baseline, || {
            assert_eq!(simd(), Simd::Baseline);
            with_simd(Simd::Avx2, || {
                assert_eq!(simd() == Simd::Avx2, Simd::Avx2.is_available());
            });
            assert_eq!(simd(), Simd::Baseline);
        });
    }
}
