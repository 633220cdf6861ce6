//! The `gutenpipe` command: parses the command line, runs the subcommand,
//! and turns its outcome into a message and an exit code (see docs/guide.md).

mod cli;

use std::process::ExitCode;

use cli::{Cli, exit};

fn main() -> ExitCode {
    // Before any thread starts: a freed book's memory serves the next one.
    gutenpipe::malloc::tune();
    let cli = match Cli::parse_args() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(exit::USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    // Messages fit the terminal's width (wrapped, never cut).
    let say = |text: &str| {
        let layout =
            gutenpipe::report::console::layout(gutenpipe::report::console::Stream::Stderr, false);
        eprintln!("{}", layout.wrap(text, 4));
    };
    match cli.command.execute() {
        Ok(code) => code,
        // Interrupted (Ctrl-C, SIGTERM): whatever stopped the work, the
        // exit code says so; the message says what was kept.
        Err(failure) if gutenpipe::interrupt::requested() => {
            let message = failure.to_string();
            let text = gutenpipe::terminal::clean(&message);
            if text.starts_with("interrupted") {
                say(&format!("gutenpipe: {text}"));
            } else {
                say(&format!("gutenpipe: interrupted: {text}"));
            }
            ExitCode::from(gutenpipe::interrupt::EXIT_CODE)
        }
        Err(failure) => {
            let message = failure.to_string();
            say(&format!(
                "gutenpipe: error: {}",
                gutenpipe::terminal::clean(&message)
            ));
            ExitCode::from(failure.exit_code())
        }
    }
}
