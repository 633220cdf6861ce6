//! gutenpipe downloads Project Gutenberg ebooks, saves them, and processes
//! them (cleaning and tokenizing first), each stage on the kind of pool that suits its
//! work, and it times every stage so that I/O-bound work (download, save) and
//! CPU-bound work (decoding, tokenizing) can be seen side by side.
//!
//! Data flows one way. A [`book::BookRequest`] names a book; the
//! [`fetch::Fetcher`] downloads it on the download pool; the [`store::Store`]
//! saves it atomically on the save pool; [`decode`] turns its bytes into
//! text and the [`stages`] process that text on a rayon pool; the
//! [`pipeline`] wires stages to pools, records a span per task, and hands a
//! [`report::RunReport`] to the [`report`] printers.
//!
//! Offline, books come from the embedded [`mirror`] serving a synthetic
//! [`corpus`]; with a network, from any Gutenberg mirror. Books can be
//! named by ebook id or chosen from Gutenberg's [`catalog`] by language,
//! author, title, subject or bookshelf.
//!
//! | module | what it is for |
//! |---|---|
//! | [`book`] | ebook ids, Gutenberg URL layouts, book requests |
//! | [`catalog`] | Gutenberg's `pg_catalog.csv`: parsing, caching, choosing books |
//! | [`clock`] | RFC 3339 timestamps and HTTP dates |
//! | [`corpus`] | the synthetic Gutenberg-format corpus |
//! | [`mirror`] | the embedded HTTP mirror with its latency model and fault injection |
//! | [`fetch`] | downloading: agent, timeouts, layouts, size limit, retries, politeness |
//! | [`store`] | saving: atomic writes, the manifest, resume |
//! | [`decode`] | bytes to text: UTF-8, BOM, 8-bit charsets |
//! | [`gutenberg`] | Gutenberg's markers, licences and metadata header |
//! | [`stages`] | the `Stage` trait and the processing stages |
//! | [`emit`] | `--emit`: text, tokens and counts in the SPGC layout |
//! | [`pipeline`] | the per-book steps, the modes that schedule them (sequential, staged, streamed), pools, timing |
//! | [`report`] | tables, JSON, statistics of repeated runs, the trace, the SVG pictures |
//! | [`tokenizer`] | words as `unicode_words` finds them, fast; lowercasing; counting |
//! | [`units`] | parsing and printing durations, sizes, rates |
//! | [`interrupt`] | Ctrl-C and SIGTERM: stop starting work, keep what was downloaded |
//! | [`outputs`] | report paths checked before a run; `-` for standard output |
//! | [`input`] | reading the files a user names, capped, regular files and pipes only |
//! | [`terminal`] | text for a terminal: without control characters, fitted to its width |
//! | [`lock`] | the advisory lock that keeps two runs out of one output folder |
//! | [`rng`] | the seeded generator behind the corpus and the jitter |

// Thread CPU clocks, `/proc` or `getrusage`, `flock`, file modes and
// signals: gutenpipe is written for Linux and other Unix-like systems.
#[cfg(not(unix))]
compile_error!("gutenpipe runs on Linux and other Unix-like systems (macOS, the BSDs)");

// Lets code inside the crate name it `gutenpipe::…` as code outside does,
// so the example stage of docs/extending.md compiles as it is, in `src/stages/` or out.
extern crate self as gutenpipe;

pub mod book;
pub mod cache;
pub mod catalog;
pub mod clock;
pub mod corpus;
pub mod decode;
pub mod emit;
pub mod experiment;
pub mod fetch;
pub mod gutenberg;
pub mod input;
pub mod interrupt;
pub mod latency;
pub mod lock;
pub mod mirror;
pub mod outputs;
pub mod pipeline;
pub mod record;
pub mod report;
pub mod rng;
pub mod stages;
pub mod store;
pub mod terminal;
pub mod units;

/// The tokenizer (the `gutenpipe-tokenizer` crate of this workspace): words as
/// `unicode_words` finds them, fast; lowercasing; counting.
pub use gutenpipe_tokenizer as tokenizer;
