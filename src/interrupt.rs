//! Ctrl-C and SIGTERM: the first one asks the run to stop — no new download
//! starts, downloads under way end at their next read, every book already
//! downloaded is saved and recorded in the manifest — and a second one ends
//! the process at once (every file is written aside and renamed into place,
//! so even then nothing is left half-written under a final name).
//!
//! The request is one flag for the whole process, since a signal is: the
//! pipeline and the downloads check [`requested`] where they already check
//! their own stop.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::record::RunReport;

/// Exit code of a run ended by Ctrl-C or SIGTERM, as shells report a
/// process killed by SIGINT (128 + 2).
pub const EXIT_CODE: u8 = 130;

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Whether the run has been asked to stop.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Asks the run to stop, as Ctrl-C does.
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// What an interrupted run kept, and how to go on: the short summary
/// printed instead of the tables.
pub fn summary(run: &RunReport) -> String {
    let saved = run.books.tally().saved;
    let resumed = run.resumed();
    let left = run.books.len() - saved - resumed;
    format!(
        "interrupted: {} of {} saved in {} and recorded in its manifest \
         ({saved} downloaded by this run, {resumed} already there); {left} not saved. \
         Run the same command again to resume.",
        saved + resumed,
        match run.books.len() {
            1 => "1 book is".to_string(),
            n => format!("{n} books are"),
        },
        run.out
    )
}

/// Catches SIGINT, SIGTERM and SIGHUP: the first asks the run to stop and
/// calls `first` (to tell the user); the next one exits at once with
/// [`EXIT_CODE`].
pub fn install(first: impl Fn() + Send + 'static) -> Result<(), ctrlc::Error> {
    ctrlc::set_handler(move || {
        if REQUESTED.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(EXIT_CODE));
        }
        first();
    })
}
