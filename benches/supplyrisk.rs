//! Criterion benches, one group per area (STYLE habit 9): loading a scenario, one trial, engine
//! throughput at 1 and 2 threads, the monthly allocation solve (cold and re-used from the
//! previous month), the statistics merge and chart rendering. BENCHMARKS.md reports their
//! figures and how to reproduce them.
//!
//! ```text
//! cargo bench --bench supplyrisk                   # everything (about ten minutes)
//! cargo bench --bench supplyrisk -- allocation     # one group
//! ```

use std::hint::black_box;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use supplyrisk::engine::allocation::Solver;
use supplyrisk::engine::outcome::Outcomes;
use supplyrisk::engine::plan::Plan;
use supplyrisk::engine::run::{RunSettings, run};
use supplyrisk::engine::trial::{Scratch, layout, monthly_capacities, run_trial, run_trials};
use supplyrisk::model::Model;
use supplyrisk::report::markdown::network_views;
use supplyrisk::report::summary::Summary;
use supplyrisk::scenario::{self, Source, bundled};

/// The synthetic throughput network (not bundled: read from the repository).
const BENCH_MEDIUM: &str = include_str!("../scenarios/bench_medium.toml");

/// Seed of every bench run (any fixed value: results do not matter here, only time).
const SEED: u64 = 20_261_128;

fn source(name: &str, text: &str) -> Source {
    Source::from_text(format!("{name}.toml"), name, false, text)
}

fn model(name: &str, text: &str) -> Model {
    match scenario::parse(&source(name, text)) {
        Ok(model) => model,
        Err(error) => panic!("{name} does not validate: {error}"),
    }
}

/// The scenarios benched: every bundled one, then the synthetic `bench_medium`.
fn scenarios() -> Vec<(&'static str, &'static str)> {
    bundled::ALL
        .iter()
        .map(|b| (b.name, b.text))
        .chain([("bench_medium", BENCH_MEDIUM)])
        .collect()
}

/// Reading and validating a scenario text into a model, and compiling the plan.
fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    for (name, text) in scenarios() {
        let source = source(name, text);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(BenchmarkId::new("validate", name), |b| {
            b.iter(|| scenario::parse(black_box(&source)).expect("valid"))
        });
        let model = model(name, text);
        group.bench_function(BenchmarkId::new("plan", name), |b| {
            b.iter(|| Plan::new(black_box(&model)).expect("plan"))
        });
    }
    group.finish();
}

/// One trial of the default scenario and of `bench_medium`, every variant and commodity,
/// including adding its values to the accumulators; each iteration runs the next trial index.
fn one_trial(c: &mut Criterion) {
    let mut group = c.benchmark_group("trial");
    for (name, text) in [
        (bundled::DEFAULT, default_text()),
        ("bench_medium", BENCH_MEDIUM),
    ] {
        let plan = Plan::new(&model(name, text)).expect("plan");
        let mut outcomes = Outcomes::new(layout(&plan));
        let mut scratch = Scratch::new(&plan);
        let mut trial = 0_u64;
        group.throughput(Throughput::Elements(1));
        group.bench_function(name, |b| {
            b.iter(|| {
                trial += 1;
                run_trial(&plan, SEED, trial, &mut scratch, &mut outcomes).expect("trial")
            })
        });
        // The same trials as the engine runs them: buffered, flushed every chunk.
        let mut first = 0_u64;
        group.throughput(Throughput::Elements(64));
        group.bench_function(BenchmarkId::new("chunk_of_64", name), |b| {
            b.iter(|| {
                first += 64;
                run_trials(
                    &plan,
                    SEED,
                    first..first + 64,
                    &mut scratch,
                    &mut outcomes,
                    |_, _| {},
                )
                .expect("trials")
            })
        });
    }
    group.finish();
}

fn default_text() -> &'static str {
    bundled::find(bundled::DEFAULT)
        .expect("the default is bundled")
        .text
}

/// Engine throughput (`engine::run::run`, the whole run with its thread pool and the final
/// merge) at 1 and 2 threads, in trials per second.
fn throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("throughput");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.warm_up_time(Duration::from_secs(2));
    for (name, text) in scenarios() {
        let plan = Plan::new(&model(name, text)).expect("plan");
        // About a second of work per iteration at 1 thread: ~2^21 monthly solves (a power of
        // two of trials, at least 256).
        let solves_per_trial = plan.variants.len() * plan.commodities.len() * plan.horizon;
        let trials = ((1_u64 << 21) / solves_per_trial.max(1) as u64)
            .next_power_of_two()
            .max(256);
        group.throughput(Throughput::Elements(trials));
        for threads in [1, 2] {
            let settings = RunSettings {
                seed: SEED,
                trials: 0..trials,
                threads,
            };
            group.bench_function(BenchmarkId::new(name, format!("{threads}_threads")), |b| {
                b.iter(|| run(&plan, &settings, &AtomicU64::new(0), None).expect("run"))
            });
        }
    }
    group.finish();
}

/// One monthly allocation, on the real months of a few trials: cold (from the trivial basis)
/// against re-used (warm-started from the previous month's optimal basis, reset to the
/// nominal basis at the start of each trial, as the engine does; the months that need pivots
/// included), and the no-pivot floor of a re-used solve. Small network: the
/// tutorial's (14 arcs); large: `bench_medium`'s rare-earth network with Pakistan (60 arcs).
fn allocation(c: &mut Criterion) {
    let mut group = c.benchmark_group("allocation");
    let cases = [
        ("small_14_arcs", bundled_text("tutorial")),
        ("medium_60_arcs", BENCH_MEDIUM),
    ];
    for (label, text) in cases {
        let plan = Plan::new(&model(label, text)).expect("plan");
        let (variant, commodity) = largest_network(&plan);
        let network_plan = &plan.variants[variant].commodities[commodity];
        let months: Vec<Vec<f64>> = (0..8)
            .flat_map(|trial| {
                monthly_capacities(&plan, SEED, trial, variant, commodity).expect("months")
            })
            .collect();
        let horizon = plan.horizon;
        group.throughput(Throughput::Elements(1));

        let mut solver = Solver::new(&network_plan.network);
        let mut month = 0;
        group.bench_function(BenchmarkId::new("reused", label), |b| {
            b.iter(|| {
                if month % horizon == 0 {
                    solver
                        .set_basis(&network_plan.nominal_basis)
                        .expect("same network");
                }
                let flows = solver.solve(&months[month]).expect("solvable");
                month = (month + 1) % months.len();
                black_box(flows[0])
            })
        });
        // The floor of a warm month: the basis is already optimal for these capacities, so
        // the solve is the O(nodes + arcs) flow computation alone, no pivot.
        let typical = &months[horizon / 2];
        solver.solve(typical).expect("solvable");
        group.bench_function(BenchmarkId::new("reused_no_pivot", label), |b| {
            b.iter(|| black_box(solver.solve(black_box(typical)).expect("solvable")[0]))
        });
        let mut month = 0;
        group.bench_function(BenchmarkId::new("cold", label), |b| {
            b.iter(|| {
                let flows = solver.solve_cold(&months[month]).expect("solvable");
                month = (month + 1) % months.len();
                black_box(flows[0])
            })
        });
    }
    group.finish();
}

fn bundled_text(name: &str) -> &'static str {
    bundled::find(name).expect("bundled").text
}

/// The (variant, commodity) whose flow network has the most arcs.
fn largest_network(plan: &Plan) -> (usize, usize) {
    let mut best = (0, 0, 0);
    for (v, variant) in plan.variants.iter().enumerate() {
        for (c, commodity) in variant.commodities.iter().enumerate() {
            let arcs = commodity.network.arc_count();
            if arcs > best.2 {
                best = (v, c, arcs);
            }
        }
    }
    (best.0, best.1)
}

/// Merging the accumulators of two workers (or shards) of `bench_medium`: 1440 monthly series
/// and 63 metrics.
fn stats_merge(c: &mut Criterion) {
    let mut group = c.benchmark_group("stats_merge");
    let plan = Plan::new(&model("bench_medium", BENCH_MEDIUM)).expect("plan");
    let settings = RunSettings {
        seed: SEED,
        trials: 0..256,
        threads: 1,
    };
    let part = run(&plan, &settings, &AtomicU64::new(0), None).expect("run");
    let mut total = Outcomes::new(layout(&plan));
    group.throughput(Throughput::Bytes(
        (part.series.len() * supplyrisk::stats::SERIES_BYTES) as u64,
    ));
    group.bench_function("bench_medium_outcomes", |b| {
        b.iter(|| total.merge(black_box(&part)).expect("same layout"))
    });
    group.finish();
}

/// Rendering every chart of a run of the default scenario (the charts `supplyrisk run` writes),
/// from its summary: each chart a PNG in memory.
fn charts(c: &mut Criterion) {
    let mut group = c.benchmark_group("charts");
    group.sample_size(20);
    let text = default_text();
    let source = source(bundled::DEFAULT, text);
    let model = model(bundled::DEFAULT, text);
    let plan = Plan::new(&model).expect("plan");
    let trials = 512;
    let settings = RunSettings {
        seed: SEED,
        trials: 0..trials,
        threads: 2,
    };
    let outcomes = run(&plan, &settings, &AtomicU64::new(0), None).expect("run");
    let provenance = supplyrisk::app::provenance(&model, &source, SEED, trials);
    let summary = Summary::new(&model, &outcomes, provenance);
    let networks = network_views(&model);
    for spec in supplyrisk::plot::plan(&summary, &networks) {
        group.bench_function(spec.file_name.clone(), |b| {
            b.iter(|| spec.draw(&summary, &networks).expect("drawn"))
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    load,
    one_trial,
    throughput,
    allocation,
    stats_merge,
    charts
);
criterion_main!(benches);
