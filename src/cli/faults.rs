//! `--faults SPEC --fault-seed S`: the faults the embedded mirror injects,
//! shared by `gutenpipe mirror` and `gutenpipe run --source embedded`.

use clap::Args;
use gutenpipe::mirror::FaultPlan;

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Embedded mirror's faults")]
pub struct FaultArgs {
    /// Faults to inject, as KIND=PROBABILITY pairs separated by commas
    /// (kinds: 500, 503, 429, reset-head, reset-body, truncate, stall, drip,
    /// charset, gzip, redirect, redirect-loop, oversize, gzip-bomb,
    /// retry-after-absurd, content-length-absurd, encoding-two-headers,
    /// utf16, empty-200), or mixed=P for P spread over the network and
    /// server faults a client can recover from; retry-after=SECONDS sets the
    /// 429's Retry-After. See docs/guide.md, "Fault injection".
    #[arg(long, value_name = "SPEC", default_value = "none", value_parser = parse_spec)]
    pub faults: FaultPlan,
    /// Seed of the fault decisions: the same seed injects the same faults.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub fault_seed: u64,
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
