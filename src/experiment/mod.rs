//! The experiment: everything a run of gutenpipe does between reading its
//! settings and printing its results — choosing the books, starting the
//! source, getting the catalog, running each mode (repeated, with warm-up
//! runs), and the sweep over pool sizes. The command line only turns flags
//! into a [`RunConfig`] or [`SweepConfig`], calls [`run()`] or [`sweep()`],
//! and prints what comes back; tests and other programs call the same.
//!
//! | module | what it is for |
//! |---|---|
//! | [`listener`] | how the experiment tells its user what it does: notes, warnings, progress |
//! | [`source`] | where books come from: a started source, remote servers, local folders |
//! | [`books`] | which books: ids, a file of ids, URLs, a catalog selection |
//! | [`defaults`] | the defaults `run`, `sweep` and `make run` share |
//! | [`exit`] | the command's exit codes, and the one an outcome ends with |
//! | [`repeat`] | one mode run several times on fresh folders |
//! | [`run`](mod@run) | `gutenpipe run`: every mode asked for, one after the other |
//! | [`sweep`](mod@sweep) | `gutenpipe sweep`: the staged mode at each pool size |

pub mod books;
pub mod defaults;
pub mod exit;
pub mod listener;
pub mod repeat;
pub mod run;
pub mod source;
pub mod sweep;

pub use books::{BookChoice, CatalogChoice};
pub use listener::{Listener, RunProgress, Silent};
pub use run::{RunConfig, run};
pub use source::{LocalSource, RemoteSource, Source, SourceSpec, SourceStarter, parse_source};
pub use sweep::{SweepConfig, sweep};

/// Why an experiment stopped, sorted by what it means for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExperimentError {
    /// The settings or input are wrong; found before any book was
    /// downloaded.
    #[error("{0}")]
    Usage(String),
    /// The work could not go on (a refused write, a source that would not
    /// start, no catalog). Books saved before stay whole and in the
    /// manifest; a rerun resumes.
    #[error("{0}")]
    Fatal(String),
    /// Ctrl-C or SIGTERM: every book downloaded is saved and recorded; the
    /// message says what was kept and how to go on.
    #[error("{0}")]
    Interrupted(String),
}

impl ExperimentError {
    /// A usage error from anything that prints.
    pub fn usage(error: impl std::fmt::Display) -> ExperimentError {
        ExperimentError::Usage(error.to_string())
    }

    /// A fatal error from anything that prints.
    pub fn fatal(error: impl std::fmt::Display) -> ExperimentError {
        ExperimentError::Fatal(error.to_string())
    }

    /// A fatal error from `error` and its causes, in one line: each cause
    /// whose text the message before it does not already include is added
    /// after a colon.
    pub fn fatal_with_causes(error: &dyn std::error::Error) -> ExperimentError {
        let mut text = error.to_string();
        let mut cause = error.source();
        while let Some(c) = cause {
            let t = c.to_string();
            if !text.contains(&t) {
                text.push_str(": ");
                text.push_str(&t);
            }
            cause = c.source();
        }
        ExperimentError::Fatal(text)
    }
}
