//! How an experiment tells its user what it is doing: a [`Listener`] hears
//! notes (what is happening), warnings (what went wrong but did not stop
//! it) and the start of every run, for which it may return a
//! [`RunProgress`] that hears of each task (the command line draws progress
//! bars with it). [`Silent`] hears nothing.

use crate::pipeline::TaskObserver;

/// Hears what an experiment does.
pub trait Listener: Sync {
    /// Something worth knowing: what is being run, where files go.
    fn note(&self, text: &str);

    /// Something that went wrong without stopping the experiment.
    fn warn(&self, text: &str);

    /// A run of `books` books through `steps` (download, save, …) starts;
    /// the returned observer hears of each of its tasks and is finished
    /// when the run ends.
    fn run_started(&self, _steps: &[&str], _books: usize) -> Option<Box<dyn RunProgress>> {
        None
    }
}

/// Hears of each task of one run, then that the run ended.
pub trait RunProgress: TaskObserver {
    /// The run has ended (also when it failed).
    fn finish(self: Box<Self>);

    /// The observer as the pipeline takes it.
    fn as_observer(&self) -> &dyn TaskObserver;
}

/// A listener that hears nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Listener for Silent {
    fn note(&self, _text: &str) {}
    fn warn(&self, _text: &str) {}
}
