//! Peak resident memory of this process, per run: the kernel's high-water
//! mark (`VmHWM` in `/proc/self/status`), reset at the start of each run by
//! writing `5` to `/proc/self/clear_refs`. Where either is missing (not
//! Linux, or a restricted `/proc`), the peak since the process started
//! (`getrusage`, in the units each system uses) is reported instead, and
//! where nothing is known, nothing.

/// Starts a new peak: from now on, [`peak_rss_bytes`] reports the highest
/// resident memory from this moment. Returns whether the kernel allowed it.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", b"5").is_ok()
}

/// The highest resident memory of the process since the last
/// [`reset_peak`] (or since it started), in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        let kib = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            });
        if let Some(kib) = kib {
            return Some(kib * 1024);
        }
    }
    // SAFETY: getrusage only writes the struct we pass it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 || usage.ru_maxrss <= 0 {
        return None;
    }
    Some(maxrss_bytes(usage.ru_maxrss as u64))
}

/// `ru_maxrss` in bytes: macOS counts bytes, Linux and the BSDs kilobytes.
fn maxrss_bytes(maxrss: u64) -> u64 {
    if cfg!(target_os = "macos") {
        maxrss
    } else {
        maxrss * 1024
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_sees_memory_that_was_touched() {
        reset_peak();
        let before = peak_rss_bytes().expect("a peak on Linux");
        let block = vec![1u8; 64 << 20];
        std::hint::black_box(&block);
        let after = peak_rss_bytes().unwrap();
        assert!(after >= before + (48 << 20), "{before} → {after}");
    }
}
