//! Command-line flags (clap derive), turned into resolved commands for [`crate::app`].
//!
//! Doc comments here are also the `--help` text, shown verbatim: placeholders such as
//! `<scenario file stem>` are meant for the terminal, not HTML.
#![allow(rustdoc::invalid_html_tags)]

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::shard::ShardSpec;

/// Monte Carlo simulator of supply-chain dependency risk.
///
/// With no command, runs the bundled default scenario (`supplyrisk run`).
#[derive(Debug, Parser)]
#[command(
    name = "supplyrisk",
    version,
    about,
    long_about = None,
    after_help = "With no command, runs the bundled default scenario `pakistan` (the same as `supplyrisk run`)."
)]
pub struct Cli {
    /// What to do (default: `run`).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and write results to an output folder.
    Run(RunArgs),
    /// Validate a scenario and describe its network, processes and variants.
    Check {
        /// Scenario file, or the name of a bundled scenario.
        scenario: PathBuf,
    },
    /// Combine shard folders into the result of one run.
    Merge {
        /// Shard folders written by `run --shard K/N`, all N of them, in any order.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output folder for the merged result.
        #[arg(long)]
        out: PathBuf,
        /// Skip drawing the charts.
        #[arg(long)]
        no_charts: bool,
    },
    /// List the bundled scenarios.
    List,
    /// Print a scenario's network as Graphviz DOT.
    Graph {
        /// Scenario file, or the name of a bundled scenario.
        scenario: PathBuf,
        /// Highlight what this variant adds to the baseline (default: the first non-baseline).
        #[arg(long)]
        variant: Option<String>,
    },
}

/// Output format of the summary printed by `run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// A table for people.
    #[default]
    Table,
    /// The `summary.json` document.
    Json,
}

/// Flags of `supplyrisk run`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RunArgs {
    /// Scenario file, or the name of a bundled scenario (default: the bundled `pakistan`).
    pub scenario: Option<PathBuf>,
    /// Number of trials (default: the scenario's `trials`).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=crate::model::MAX_TRIALS))]
    pub trials: Option<u64>,
    /// Random seed (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Output folder (default: output/<scenario file stem>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only shard K of N (trials [⌊(K−1)·T/N⌋, ⌊K·T/N⌋)) and write a shard folder for
    /// `merge` (default output/<scenario file stem>-shard-K-of-N/).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<ShardSpec>,
    /// Also write trials.csv, one row per trial, variant and commodity.
    #[arg(long)]
    pub per_trial: bool,
    /// Skip drawing the charts.
    #[arg(long)]
    pub no_charts: bool,
    /// Summary printed on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// The top-level help names the bundled default that a bare `supplyrisk` runs (the text is
    /// a literal, so this keeps it in step with `bundled::DEFAULT`).
    #[test]
    fn help_names_the_bundled_default() {
        let help = Cli::command()
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(
            help.contains(&format!("`{}`", crate::scenario::bundled::DEFAULT)),
            "{help}"
        );
    }
}
