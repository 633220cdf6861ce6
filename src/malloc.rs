//! How the process's memory allocator is set up for a pipeline of books,
//! on Linux with glibc (elsewhere [`tune`] does nothing).
//!
//! A book's bytes are allocated on a download thread and freed on a
//! rayon thread, and the counting tables are made and freed on the rayon
//! threads, a few megabytes each. glibc's defaults serve that badly:
//! every thread gets an arena of its own (up to eight per core), memory
//! freed into one arena is reused only by the threads of that arena, and
//! blocks of more than the mmap threshold (which grows with what the
//! program frees, up to 32 MiB) or freed memory above the trim threshold
//! are given back to the kernel. Each book then lands in memory the
//! process has never touched, and every 4 KiB of it costs a page fault
//! and a page zeroed by the kernel before the download's first write:
//! on a run of 104 MB of books, about a tenth of the process's CPU time.
//!
//! [`tune`] asks for two arenas, keeps blocks below 32 MiB on the heap,
//! and lets up to 512 MiB of freed memory stay with the process, so a
//! freed book's memory is reused for the next one. The peak of memory is
//! unchanged (it is the memory of the books in flight, as before); the
//! process gives back less of it between peaks.
//!
//! A user who sets glibc's own tunables (`GLIBC_TUNABLES`, or the older
//! `MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`)
//! keeps them: [`tune`] then changes nothing.

/// Arenas: one per CPU worker of the default run on two cores.
pub const ARENAS: i32 = 2;
/// Blocks of up to this size stay on the heap (glibc's largest
/// mmap threshold).
pub const MMAP_THRESHOLD: i32 = 32 << 20;
/// Freed memory kept by the process before any is given back.
pub const TRIM_THRESHOLD: i32 = 512 << 20;

/// The environment variables through which a user tunes glibc's malloc.
const USER_SETTINGS: [&str; 4] = [
    "GLIBC_TUNABLES",
    "MALLOC_ARENA_MAX",
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TRIM_THRESHOLD_",
];

/// What [`tune`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tuning {
    /// The settings above are in force.
    Tuned,
    /// The user tuned malloc through the environment: left as it is.
    LeftToUser,
    /// Not glibc, or glibc refused a setting: the allocator's defaults.
    Unsupported,
}

/// Sets up glibc's malloc as the module docs say. Call it first thing in
/// `main`, before any thread starts.
pub fn tune() -> Tuning {
    tune_unless(|name| std::env::var_os(name).is_some())
}

/// [`tune`], with `set` saying whether an environment variable is set.
fn tune_unless(set: impl Fn(&str) -> bool) -> Tuning {
    if USER_SETTINGS.iter().any(|name| set(name)) {
        return Tuning::LeftToUser;
    }
    apply()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn apply() -> Tuning {
    let settings = [
        (libc::M_ARENA_MAX, ARENAS),
        (libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD),
        (libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD),
    ];
    // SAFETY: `mallopt` only sets malloc's parameters; it is called before
    // `main` starts any thread, and takes plain integers.
    let all_taken = settings
        .iter()
        .all(|&(param, value)| unsafe { libc::mallopt(param, value) } == 1);
    if all_taken {
        Tuning::Tuned
    } else {
        Tuning::Unsupported
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn apply() -> Tuning {
    Tuning::Unsupported
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_users_own_malloc_settings_are_kept() {
        for name in USER_SETTINGS {
            assert_eq!(tune_unless(|n| n == name), Tuning::LeftToUser, "{name}");
        }
    }

    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn glibc_takes_the_settings() {
        assert_eq!(tune_unless(|_| false), Tuning::Tuned);
    }
}
