//! `--faults SPEC --fault-seed S`: the faults the embedded mirror injects,
//! shared by `gutenpipe mirror` and `gutenpipe run --source embedded`.

use clap::Args;
use gutenpipe::mirror::{Fault, FaultPlan};

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Embedded mirror's faults")]
pub struct FaultArgs {
    /// Faults to inject: KIND=P pairs separated by commas (P a probability,
    /// 0.05 or 5%), KIND@ID=P for one ebook's files, mixed=P (--help lists
    /// the kinds).
    #[arg(long, value_name = "SPEC", default_value = "none", value_parser = parse_spec,
          long_help = long_help())]
    pub faults: FaultPlan,
    /// Seed of the fault decisions: the same seed injects the same faults.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub fault_seed: u64,
}

/// `--faults`' help with every kind and what it does.
fn long_help() -> String {
    let width = Fault::ALL.iter().map(|f| f.name().len()).max().unwrap_or(0);
    let kinds: Vec<String> = Fault::ALL
        .iter()
        .map(|f| format!("  {:width$}  {}", f.name(), f.about()))
        .collect();
    format!(
        "Faults to inject, as KIND=P pairs separated by commas, P a probability (0.05 or 5%): \
         --faults 500=2%,reset-body=0.01,gzip=10%. KIND@ID=P sets P for the files of ebook ID \
         alone (oversize@84=1); mixed=P spreads P over the network and server faults a correct \
         client recovers from; retry-after=SECONDS sets the 429's Retry-After.\n\nThe kinds:\n{}",
        kinds.join("\n")
    )
}

fn parse_spec(text: &str) -> Result<FaultPlan, String> {
    FaultPlan::parse(text, 0)
}

impl FaultArgs {
    /// The plan with its seed.
    pub fn plan(&self) -> FaultPlan {
        let mut plan = self.faults.clone();
        plan.seed = self.fault_seed;
        plan
    }

    /// Whether any fault is asked for.
    pub fn any(&self) -> bool {
        !self.faults.is_empty()
    }
}
