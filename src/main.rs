//! The `gutenpipe` command: parses the command line, runs the subcommand,
//! and turns its outcome into a message and an exit code (see docs/guide.md).

mod cli;

use std::process::ExitCode;

use cli::{Cli, exit};

fn main() -> ExitCode {
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
    match cli.command.execute() {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("gutenpipe: error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
