//! How the experiment's notes, warnings and progress reach a person: notes
//! and warnings on standard error (notes not with `--quiet`), without
//! control characters a server or a catalog may have put in them, wrapped
//! to the terminal's width, and progress bars when standard error is a
//! terminal. Also the width that tables on standard output are fitted to.

use super::grid::Layout;
use crate::experiment::{Listener, RunProgress};
use crate::terminal::clean;

use super::progress::Progress;

/// Narrower than this, text is laid out as if the terminal were this wide.
const NARROWEST: usize = 40;

/// One of the two streams text is printed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// The width to fit text printed on `stream` to: `COLUMNS` when it is set
/// to a number (so `COLUMNS=80 gutenpipe run > file` lays out for 80
/// columns), else the terminal's width when `stream` is a terminal, else
/// none — a file or a pipe gets every column, unwrapped.
pub fn width(stream: Stream) -> Option<usize> {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0);
    let width = columns.or_else(|| {
        let term = match stream {
            Stream::Stdout => console::Term::stdout(),
            Stream::Stderr => console::Term::stderr(),
        };
        term.size_checked()
            .map(|(_, cols)| usize::from(cols))
            .filter(|&c| c > 0)
    });
    width.map(|w| w.max(NARROWEST))
}

/// Prints `text` as it is on `stream`.
pub fn print_on(stream: Stream, text: &str) {
    match stream {
        Stream::Stdout => print!("{text}"),
        Stream::Stderr => eprint!("{text}"),
    }
}

/// The layout of what is printed on `stream`; `verbose` keeps every column.
pub fn layout(stream: Stream, verbose: bool) -> Layout {
    Layout {
        width: width(stream),
        verbose,
    }
}

/// The terminal the command runs on.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    /// Only results, warnings and errors (`--quiet`).
    pub quiet: bool,
    /// How notes and warnings on standard error are laid out.
    pub layout: Layout,
}

impl Terminal {
    /// The terminal, notes left out when `quiet`.
    pub fn new(quiet: bool) -> Terminal {
        Terminal {
            quiet,
            layout: layout(Stream::Stderr, false),
        }
    }

    /// Catches Ctrl-C and SIGTERM for the run ([`crate::interrupt`]): the
    /// first stops starting downloads, keeps what was downloaded and ends
    /// with exit code 130, saying so; a second one exits at once. Where
    /// they cannot be caught, a note says so.
    pub fn catch_interrupts(&self) {
        let stderr = self.layout;
        if let Err(e) = crate::interrupt::install(move || {
            eprintln!(
                "\n{}",
                stderr.wrap(
                    "interrupted: saving the books downloaded, then stopping (Ctrl-C again to quit at once)",
                    4
                )
            )
        }) {
            self.note(&format!("note: Ctrl-C will not be caught: {e}"));
        }
    }

    fn print(&self, text: &str) {
        eprintln!("{}", self.layout.wrap(&clean(text), 4));
    }
}

impl Listener for Terminal {
    fn note(&self, text: &str) {
        if !self.quiet {
            self.print(text);
        }
    }

    fn warn(&self, text: &str) {
        self.print(&format!("warning: {text}"));
    }

    fn run_started(&self, steps: &[&str], books: usize) -> Option<Box<dyn RunProgress>> {
        Progress::start(steps, books, self.quiet).map(|p| Box::new(p) as Box<dyn RunProgress>)
    }
}
