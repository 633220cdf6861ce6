//! The one set of defaults `gutenpipe run`, `gutenpipe sweep` and `make run`
//! share: the synthetic corpus, the embedded mirror's latency model, the
//! pools and the processing stages. They are chosen so that a bare
//! `gutenpipe run` finishes in a couple of seconds on two cores (60 books of
//! Gutenberg's spread of sizes, 26 MB, at 100 ms and 8 MB/s a connection,
//! through 16 download workers) while each kind of work still shows: the
//! download waits on the network, `stats` keeps the cores busy for a large
//! part of a second. `make run` asks for more runs and modes through its
//! variables, whose defaults are these (a test checks the Makefile).
//!
//! Values that flags take as text (durations, rates, lists) are kept as the
//! text a user would type, so `--help` shows them as written here.

/// Books in the synthetic corpus (`--books`).
pub const BOOKS: u32 = 60;
/// Seed of the synthetic corpus and of `--random` (`--seed`).
pub const SEED: u64 = 42;
/// Multiplies every synthetic book's size (`--size-scale`).
pub const SIZE_SCALE: f64 = 1.0;
/// The embedded mirror's delay before each response (`--latency`).
pub const LATENCY: &str = "100ms";
/// Spread of that delay (`--jitter`): 0.2 draws it from ±20 %.
pub const JITTER: f64 = 0.2;
/// The embedded mirror's bandwidth per connection (`--bandwidth`).
pub const BANDWIDTH: &str = "8MB/s";
/// Threads downloading at once (`--download-workers`).
pub const DOWNLOAD_WORKERS: u16 = 16;
/// Threads saving at once (`--save-workers`).
pub const SAVE_WORKERS: u16 = 4;
/// The processing stages, in order (`--stages`): `stats`'s sentence
/// segmentation is the heavy CPU work that shows the cores at work.
pub const STAGES: &str = "clean,tokenize,stats";
/// The download pool sizes `gutenpipe sweep` tries.
pub const SWEEP_DOWNLOAD_WORKERS: &str = "1,2,4,8,16,32,64";
