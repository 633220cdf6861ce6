//! gutenpipe downloads Project Gutenberg ebooks, saves them, and processes
//! them (cleaning and tokenizing first), each stage on the kind of pool that suits its
//! work, and it times every stage so that I/O-bound work (download, save) and
//! CPU-bound work (decoding, tokenizing) can be seen side by side.
//!
//! Data flows one way. A [`book::BookRequest`] names a book; the
//! [`fetch::Fetcher`] downloads it on the download pool; the [`store::Store`]
//! saves it atomically on the save pool; [`decode`] turns its bytes into
//! text and the [`stages`] process that text on a rayon pool; the
//! [`pipeline`] runs these steps from one table of steps in the mode asked
//! for and tallies each task, and the [`record`] of the run goes to the
//! [`report`] printers. The [`experiment`] module owns a whole run or sweep:
//! choosing the books, starting the source, repeated runs.
//!
//! The command line (`src/cli`, not part of the library) turns flags into an
//! [`experiment::RunConfig`], calls, and prints. Offline, books come from the
//! embedded [`mirror`] serving a synthetic [`corpus`]: that test world is
//! started by the command line through [`experiment::SourceStarter`]; no
//! other module of the library imports it. With a network, books come from
//! any Gutenberg mirror. Books can be named by ebook id or chosen from
//! Gutenberg's [`catalog`] by language, author, title, subject or bookshelf.
//!
//! | module | what it is for |
//! |---|---|
//! | [`experiment`] | a run and a sweep from their configs: books, source, catalog, repeats, defaults |
//! | [`book`] | ebook ids, Gutenberg URL layouts, book requests |
//! | [`catalog`] | Gutenberg's `pg_catalog.csv`: parsing, caching, choosing books |
//! | [`fetch`] | downloading: agent, name lookups, timeouts, layouts, size limit, retries, politeness |
//! | [`store`] | saving: atomic writes, the manifest, resume |
//! | [`decode`] | bytes to text: UTF-8, UTF-16, BOM, 8-bit charsets |
//! | [`gutenberg`] | Gutenberg's markers, licences and metadata header |
//! | [`stages`] | the `Stage` trait, the registry of processing stages and their options |
//! | [`emit`] | `--emit`: text, tokens and counts in the SPGC layout |
//! | [`pipeline`] | the table of steps, the modes that schedule them (sequential, staged, streamed), pools, tallies |
//! | [`record`] | the record of a run and of a sweep, its books spooled to disk; statistics of repeated runs |
//! | [`report`] | tables, JSON, exports, the trace, the SVG pictures |
//! | [`tokenizer`] | words as `unicode_words` finds them, fast; lowercasing; counting |
//! | [`latency`] | the latency and bandwidth model the embedded mirror follows and the sweep plots |
//! | [`cache`] | the cache folder: corpora and catalogs kept between runs |
//! | [`clock`] | RFC 3339 timestamps and HTTP dates |
//! | [`units`] | parsing and printing durations, sizes, rates |
//! | [`names`] | reading a value by its name, refusing others with every name |
//! | [`interrupt`] | Ctrl-C and SIGTERM: stop starting work, keep what was downloaded |
//! | [`outputs`] | report paths checked before a run; `-` for standard output |
//! | [`input`] | reading the files a user names, capped, regular files and pipes only |
//! | [`terminal`] | text for a terminal: without control characters, fitted to its width |
//! | [`lock`] | the advisory lock that keeps two runs out of one output folder |
//! | [`malloc`] | the memory allocator set up so that a freed book's memory serves the next |
//! | [`rng`] | the seeded generator behind the corpus and the jitter |
//! | [`mirror`] | test world: the embedded HTTP mirror with its latency model and fault injection |
//! | [`corpus`] | test world: the synthetic Gutenberg-format corpus |

#![warn(missing_docs)]

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
pub mod malloc;
pub mod mirror;
pub mod names;
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
