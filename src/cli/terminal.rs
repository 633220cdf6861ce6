//! How the experiment's notes, warnings and progress reach a person: notes
//! and warnings on standard error (notes not with `--quiet`), without
//! control characters a server or a catalog may have put in them, and
//! progress bars when standard error is a terminal.

use gutenpipe::experiment::{Listener, RunProgress};
use gutenpipe::terminal::clean;

use super::progress::Progress;

/// The terminal the command runs on.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    /// Only results, warnings and errors (`--quiet`).
    pub quiet: bool,
}

impl Listener for Terminal {
    fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("{}", clean(text));
        }
    }

    fn warn(&self, text: &str) {
        eprintln!("warning: {}", clean(text));
    }

    fn run_started(&self, steps: &[&str], books: usize) -> Option<Box<dyn RunProgress>> {
        Progress::start(steps, books, self.quiet).map(|p| Box::new(p) as Box<dyn RunProgress>)
    }
}
