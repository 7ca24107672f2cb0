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
    // The build's identity too: shards of one run must come from one build (`merge` checks).
    version = concat!(env!("CARGO_PKG_VERSION"), " (build ", env!("SUPPLYRISK_BUILD_ID"), ")"),
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
    // clap's error messages print the usage with the arguments given, which showed an optional
    // SCENARIO as required (`supplyrisk run <SCENARIO>`) after `run x.toml --bogus`.
    #[command(override_usage = "supplyrisk run [OPTIONS] [SCENARIO]")]
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
    #[arg(long, allow_negative_numbers = true, value_parser = trials_value)]
    pub trials: Option<u64>,
    /// Random seed (default: the scenario's `seed`).
    #[arg(long, allow_negative_numbers = true, value_parser = seed_value)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, allow_negative_numbers = true, value_parser = threads_value)]
    pub threads: Option<u16>,
    /// Output folder (default: output/<scenario file stem>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only shard K of N (trials [⌊(K−1)·T/N⌋, ⌊K·T/N⌋)) and write a shard folder for
    /// `merge` (default output/<scenario file stem>-shard-K-of-N/).
    #[arg(long, value_name = "K/N", allow_hyphen_values = true)]
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

/// Parses a command line (program name first), as [`Cli::try_parse_from`] does, except that a
/// `--shard` followed by another flag (`--shard --trials 5`, its value forgotten) is always
/// reported as that: clap reports a positional argument left over by the flag taking the next
/// one's place (the `5`) before it checks the flag's value.
pub fn try_parse_args<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    Cli::try_parse_from(&args).map_err(|error| {
        let run = args.get(1).is_some_and(|command| command == "run");
        let flag = args
            .windows(2)
            .filter(|_| run)
            .find(|pair| pair[0] == "--shard" && pair[1].to_string_lossy().starts_with("--"))
            .map(|pair| pair[1].to_string_lossy().into_owned());
        match flag {
            Some(flag) => {
                use clap::CommandFactory;
                // `--shard` is a flag of `run`: its usage goes with the message.
                let mut command = Cli::command();
                command.build();
                let run = command
                    .find_subcommand_mut("run")
                    .expect("the run subcommand");
                // The message `--shard`'s own parser gives a flag for a value, as clap words
                // a refused value.
                let reason = flag
                    .parse::<ShardSpec>()
                    .expect_err("a flag is not K/N")
                    .to_string();
                run.error(
                    clap::error::ErrorKind::InvalidValue,
                    format!("invalid value '{flag}' for '--shard <K/N>': {reason}"),
                )
            }
            None => error,
        }
    })
}

/// [`try_parse_args`] on this process's command line, exiting as clap does on an error
/// (code 2, the message on stderr) or for `--help` and `--version` (code 0).
pub fn parse_command_line() -> Cli {
    try_parse_args(std::env::args_os()).unwrap_or_else(|error| error.exit())
}

/// `text` as a whole number in `low..=high`, or a message that says so: clap's own says
/// "invalid digit found in string" for `-1` or `1e6`.
fn whole_number(text: &str, low: u64, high: u64) -> Result<u64, String> {
    let expected = format!("expected a whole number from {low} to {high}");
    match text.trim().parse::<u64>() {
        Ok(n) if (low..=high).contains(&n) => Ok(n),
        Ok(n) => Err(format!("{n} is out of range; {expected}")),
        Err(_) if text.trim().starts_with('-') => Err(format!("{text} is negative; {expected}")),
        Err(_) if text.trim().bytes().all(|b| b.is_ascii_digit()) && !text.trim().is_empty() => {
            Err(format!("{text} is out of range; {expected}"))
        }
        Err(_) => Err(format!("{text} is not a whole number; {expected}")),
    }
}

/// `--trials`: 1 to [`crate::model::MAX_TRIALS`].
fn trials_value(text: &str) -> Result<u64, String> {
    whole_number(text, 1, crate::model::MAX_TRIALS)
}

/// `--seed`: any u64.
fn seed_value(text: &str) -> Result<u64, String> {
    whole_number(text, 0, u64::MAX)
}

/// `--threads`: 1 to 1024.
fn threads_value(text: &str) -> Result<u16, String> {
    whole_number(text, 1, 1024).map(|n| n as u16)
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

    /// Numbers on the command line: a negative one is a value of its flag (clap took `-1` for
    /// an unknown flag and suggested `-- -1`, which does not work), and each refusal says what
    /// is expected.
    #[test]
    fn bad_numbers_on_the_command_line_say_what_is_expected() {
        let refused = |args: &[&str]| {
            let error =
                Cli::try_parse_from([&["supplyrisk", "run"], args].concat()).expect_err("refused");
            assert_eq!(error.exit_code(), 2, "{args:?}");
            error.to_string()
        };
        let trials = "expected a whole number from 1 to 1000000000000";
        for (args, wanted) in [
            (vec!["--trials", "-1"], format!("-1 is negative; {trials}")),
            (vec!["--trials=-1"], format!("-1 is negative; {trials}")),
            (
                vec!["--trials", "0"],
                format!("0 is out of range; {trials}"),
            ),
            (
                vec!["--trials", "1e6"],
                format!("1e6 is not a whole number; {trials}"),
            ),
            (
                vec!["--trials", "1000000000001"],
                format!("1000000000001 is out of range; {trials}"),
            ),
            (
                vec!["--threads", "-2"],
                "-2 is negative; expected a whole number from 1 to 1024".to_string(),
            ),
            (
                vec!["--seed", "18446744073709551616"],
                "18446744073709551616 is out of range; expected a whole number from 0 to \
                 18446744073709551615"
                    .to_string(),
            ),
            (vec!["--shard", "-1/2"], "`-1/2` is not K/N".to_string()),
            (
                vec!["--shard", "--trials", "5"],
                "found the flag `--trials` where shard K/N was expected".to_string(),
            ),
        ] {
            let message = refused(&args);
            assert!(message.contains(&wanted), "{args:?}: {message}");
        }
        // With the scenario before the flags, clap alone would report the `5` that `--trials`
        // left behind ("unexpected argument '5'"); the command line is read so as to say what
        // is wrong instead, with clap's usage exit code.
        let error = try_parse_args(["supplyrisk", "run", "tutorial", "--shard", "--trials", "5"])
            .expect_err("refused");
        assert_eq!(error.exit_code(), 2);
        assert!(
            error
                .to_string()
                .contains("found the flag `--trials` where shard K/N was expected"),
            "{error}"
        );
        // Other errors are clap's own.
        let error =
            try_parse_args(["supplyrisk", "run", "tutorial", "extra"]).expect_err("refused");
        assert!(
            error.to_string().contains("unexpected argument 'extra'"),
            "{error}"
        );
        // Their usage line keeps the scenario optional, whether or not one was given.
        for args in [vec!["run", "tutorial", "--bogus"], vec!["run", "--bogus"]] {
            let error = try_parse_args(std::iter::once("supplyrisk").chain(args.iter().copied()))
                .expect_err("refused");
            let message = error.to_string();
            assert!(
                message.contains("Usage: supplyrisk run [OPTIONS] [SCENARIO]"),
                "{args:?}: {message}"
            );
        }
        // The bounds themselves are accepted.
        let cli = Cli::try_parse_from([
            "supplyrisk",
            "run",
            "--trials",
            "1000000000000",
            "--seed",
            "18446744073709551615",
            "--threads",
            "1024",
        ])
        .expect("accepted");
        let Some(Command::Run(run)) = cli.command else {
            panic!("a run: {cli:?}");
        };
        assert_eq!(
            (run.trials, run.seed, run.threads),
            (Some(1_000_000_000_000), Some(u64::MAX), Some(1024))
        );
    }
}
