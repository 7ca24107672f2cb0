//! What the profiling examples share: `SCENARIO [TRIALS]` from the command line, loaded and
//! planned.

// Each example uses what it needs of it.
#![allow(dead_code)]

use std::process::ExitCode;

use supplyrisk::engine::allocation::Solver;
use supplyrisk::engine::plan::Plan;
use supplyrisk::engine::trial::monthly_capacities;
use supplyrisk::model::Model;
use supplyrisk::scenario;

/// A scenario given on the command line, with its plan and the trials asked for.
pub struct Setup {
    /// The scenario file (or bundled name) as given.
    pub name: String,
    /// Trials to run.
    pub trials: u64,
    /// The validated scenario.
    pub model: Model,
    /// Its plan.
    pub plan: Plan,
}

/// Reads `SCENARIO [TRIALS]` (default `scenarios/bench_medium.toml` and `default_trials`),
/// loads and plans it; on failure prints why and returns the exit code (2 for bad arguments
/// or a bad scenario, 1 for a planning failure).
pub fn setup(default_trials: u64) -> Result<Setup, ExitCode> {
    let mut args = std::env::args().skip(1);
    let name = args
        .next()
        .unwrap_or_else(|| "scenarios/bench_medium.toml".to_string());
    let trials = match args.next().map(|t| t.parse::<u64>()) {
        None => default_trials,
        Some(Ok(t)) => t,
        Some(Err(e)) => {
            eprintln!("trials: {e}");
            return Err(ExitCode::from(2));
        }
    };
    let (model, _) = scenario::load(&name).map_err(|e| {
        eprintln!("{e}");
        ExitCode::from(2)
    })?;
    let plan = Plan::new(&model).map_err(|e| {
        eprintln!("{e}");
        ExitCode::FAILURE
    })?;
    Ok(Setup {
        name,
        trials,
        model,
        plan,
    })
}

/// Trial `trial`'s capacities of variant `v`'s network `c`, month by month, with `solver` reset
/// to the network's nominal basis, as the engine starts a trial; on failure prints why and
/// returns the exit code.
pub fn start_trial(
    plan: &Plan,
    seed: u64,
    trial: u64,
    v: usize,
    c: usize,
    solver: &mut Solver,
) -> Result<Vec<Vec<f64>>, ExitCode> {
    let months = monthly_capacities(plan, seed, trial, v, c).map_err(|e| {
        eprintln!("{e}");
        ExitCode::FAILURE
    })?;
    solver
        .set_basis(&plan.variants[v].commodities[c].nominal_basis)
        .expect("the plan's basis fits its network");
    Ok(months)
}
