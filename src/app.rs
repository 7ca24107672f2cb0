//! The command layer: runs a parsed command line and says what to print and which exit code.
//!
//! This is the edge of the program: it may read files, write the output folder (through
//! `report::write`) and show progress; the library underneath never does.

use std::io::Write;

use crate::cli::{Cli, Command, RunArgs};
use crate::report;
use crate::scenario::{self, ScenarioError, bundled};

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for anything the user fixes by changing arguments or files.
pub const EXIT_USAGE: i32 = 2;
/// Exit code for other failures.
pub const EXIT_FAILURE: i32 = 1;

/// A failure of a command, with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A scenario that cannot be read or is invalid.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// Arguments or files the user must change.
    #[error("{0}")]
    Usage(String),
    /// Anything else.
    #[error("{0}")]
    Failure(String),
}

impl AppError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Scenario(_) | AppError::Usage(_) => EXIT_USAGE,
            AppError::Failure(_) => EXIT_FAILURE,
        }
    }
}

/// Runs the command line, writing normal output to `out` and progress to `err`.
pub fn execute(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), AppError> {
    match cli.command.unwrap_or(Command::Run(RunArgs::default())) {
        Command::Check { scenario } => check(&scenario, out),
        Command::List => list(out),
        Command::Run(args) => run(&args, out, err),
        Command::Merge { .. } => Err(AppError::Failure("merge is not implemented yet".into())),
        Command::Graph { .. } => Err(AppError::Failure("graph is not implemented yet".into())),
    }
}

fn print(out: &mut dyn Write, text: &str) -> Result<(), AppError> {
    out.write_all(text.as_bytes())
        .map_err(|e| AppError::Failure(format!("cannot write to standard output: {e}")))
}

fn check(name: &str, out: &mut dyn Write) -> Result<(), AppError> {
    let (model, source) = scenario::load(name)?;
    print(
        out,
        &report::check::describe(&model, &source.label, &source.sha256),
    )
}

fn list(out: &mut dyn Write) -> Result<(), AppError> {
    let mut text = String::from("Bundled scenarios (run one with `supplyrisk run <name>`):\n");
    for b in bundled::ALL {
        let default = if b.name == bundled::DEFAULT {
            " (default)"
        } else {
            ""
        };
        text.push_str(&format!("  {:<16} {}{default}\n", b.name, b.summary));
    }
    print(out, &text)
}

fn run(args: &RunArgs, out: &mut dyn Write, _err: &mut dyn Write) -> Result<(), AppError> {
    let name = args.scenario.as_deref().unwrap_or(bundled::DEFAULT);
    let (model, _source) = scenario::load(name)?;
    print(
        out,
        &format!("{}: the engine is not implemented yet\n", model.name),
    )
}
