//! The exit codes of the `gutenpipe` command, as `docs/guide.md` documents
//! them, and the one a finished run or an [`ExperimentError`] ends with.

use super::ExperimentError;

/// Every book came through.
pub const OK: u8 = 0;
/// The command line or its input is wrong; nothing was downloaded.
pub const USAGE: u8 = 1;
/// The run finished but some books failed.
pub const BOOKS_FAILED: u8 = 2;
/// The run could not go on (a disk error, a mirror that would not start).
/// Books saved before stay whole and in the manifest; a rerun resumes.
pub const FATAL: u8 = 3;
/// Ctrl-C or SIGTERM: every book downloaded is kept.
pub const INTERRUPTED: u8 = crate::interrupt::EXIT_CODE;

/// The code of a run that finished: [`BOOKS_FAILED`] when some book
/// failed, else [`OK`].
pub fn of_finished(some_failed: bool) -> u8 {
    if some_failed { BOOKS_FAILED } else { OK }
}

impl ExperimentError {
    /// The code the command ends with when the experiment stops so.
    pub fn exit_code(&self) -> u8 {
        match self {
            ExperimentError::Usage(_) => USAGE,
            ExperimentError::Fatal(_) => FATAL,
            ExperimentError::Interrupted(_) => INTERRUPTED,
        }
    }
}
