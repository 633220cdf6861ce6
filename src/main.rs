//! The `gutenpipe` command: parses the command line, runs the subcommand,
//! and turns its outcome into a message and an exit code (see the README).

mod cli;

use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, exit};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
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
    match cli.command.execute() {
        Ok(code) => code,
        // Interrupted (Ctrl-C, SIGTERM): whatever stopped the work, the
        // exit code says so; the message says what was kept.
        Err(failure) if gutenpipe::interrupt::requested() => {
            let text = message(&failure.error);
            let text = gutenpipe::terminal::clean(&text);
            if text.starts_with("interrupted") {
                eprintln!("gutenpipe: {text}");
            } else {
                eprintln!("gutenpipe: interrupted: {text}");
            }
            ExitCode::from(gutenpipe::interrupt::EXIT_CODE)
        }
        Err(failure) => {
            let text = message(&failure.error);
            eprintln!("gutenpipe: error: {}", gutenpipe::terminal::clean(&text));
            ExitCode::from(failure.code)
        }
    }
}

/// The error and its causes in one line, leaving out causes whose text the
/// message before them already includes.
fn message(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}
