//! The flags that shape the processing stages and the files written for
//! researchers: `--emit`, and the flags of the stages' own options
//! (`--keep-case`, `--top` …), made from what the registered stages declare,
//! so a new stage's option is a flag without any change here.

use clap::{Arg, ArgAction, ArgMatches, Args, Command};
use gutenpipe::emit::{Emit, EmitKind};
use gutenpipe::stages::{
    KEEP_CASE, OptionKind, OptionValue, Options, StageOption, StageSpec, declared_options,
};

const HEADING: &str = "Processing stages and outputs";

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = HEADING)]
pub struct ProcessingArgs {
    /// Also write, under --out, each book's raw text, text, tokens and/or
    /// counts in the Standardized Project Gutenberg Corpus layout
    /// (raw/PG84_raw.txt, text/PG84_text.txt …), metadata/metadata.csv, the
    /// corpus counts and results.jsonl (e.g. --emit raw,text,counts,metadata).
    #[arg(long, value_delimiter = ',', value_name = "KINDS", value_parser = super::named(&EmitKind::ALL, |k| k.name()))]
    pub emit: Vec<EmitKind>,
}

impl ProcessingArgs {
    /// What to emit; `sync` as for the books, words cased as the stages
    /// count them (`--keep-case`).
    pub fn emit(&self, sync: bool, options: &Options) -> Emit {
        let mut kinds = Vec::new();
        for kind in &self.emit {
            if !kinds.contains(kind) {
                kinds.push(*kind);
            }
        }
        Emit {
            kinds,
            keep_case: options.flag(KEEP_CASE.name),
            sync,
            ..Emit::default()
        }
    }
}

/// `command` with a flag for every option `specs` declare and `--stages`'
/// help listing them.
pub fn with_stage_flags(command: Command, specs: &[StageSpec]) -> Command {
    let list: Vec<String> = specs
        .iter()
        .map(|s| format!("{} ({})", s.name, s.about))
        .collect();
    let command = command.mut_arg("stages", |a| {
        let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
        a.help(format!(
            "{}. The stages: {}; `none` runs none (download and save only)",
            help.trim_end_matches('.'),
            list.join("; ")
        ))
    });
    command.args(declared_options(specs).into_iter().map(flag))
}

/// The flag of one stage option.
fn flag(option: StageOption) -> Arg {
    let arg = Arg::new(option.name)
        .long(option.name)
        .help(option.help)
        .help_heading(HEADING);
    match option.kind {
        OptionKind::Flag => arg.action(ArgAction::SetTrue),
        _ => arg
            .value_name("VALUE")
            .default_value(option.default)
            .value_parser(move |text: &str| option.parse(text)),
    }
}

/// The values the command line gave the stages' options (their defaults
/// where not given).
pub fn stage_options(specs: &[StageSpec], matches: &ArgMatches) -> Options {
    let declared = declared_options(specs);
    let mut options = Options::defaults(declared.iter());
    for option in &declared {
        let value = match option.kind {
            OptionKind::Flag => Some(OptionValue::Flag(matches.get_flag(option.name))),
            _ => matches.get_one::<OptionValue>(option.name).cloned(),
        };
        if let Some(value) = value {
            options.set(option.name, value);
        }
    }
    options
}

/// The example stage of docs/extending.md, registered as a user would.
#[cfg(test)]
#[path = "../../examples/stage/sentences.rs"]
mod sentences;

#[cfg(test)]
mod tests {
    use super::*;

    fn run_command(specs: &[StageSpec]) -> Command {
        let stages = Arg::new("stages").long("stages").help("Stages to run.");
        with_stage_flags(Command::new("run").arg(stages), specs)
    }

    #[test]
    fn a_registered_stage_option_is_a_flag_with_its_default_and_help() {
        let mut specs = gutenpipe::stages::registry();
        specs.push(sentences::SPEC);
        let matches = run_command(&specs)
            .try_get_matches_from(["run", "--long-sentence", "12", "--keep-case"])
            .unwrap();
        let options = stage_options(&specs, &matches);
        assert_eq!(options.count("long-sentence", 0), 12);
        assert!(options.flag("keep-case"));
        assert_eq!(options.count("top", 0), 10, "a default");
        let err = run_command(&specs)
            .try_get_matches_from(["run", "--long-sentence", "0"])
            .unwrap_err();
        assert!(err.to_string().contains("--long-sentence"), "{err}");
        let help = run_command(&specs).render_long_help().to_string();
        assert!(help.contains("--long-sentence <VALUE>"), "{help}");
        assert!(help.contains("sentences (sentences per book"), "{help}");
    }
}
