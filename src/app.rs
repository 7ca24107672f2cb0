//! The command layer: runs a parsed command line and says what to print and which exit code.
//!
//! This is the edge of the program: it may read files, write the output folder (through
//! `report::write`) and show progress; the library underneath never does.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::cli::{Cli, Command, Format, RunArgs};
use crate::engine::plan::{Plan, PlanError};
use crate::engine::run::RunSettings;
use crate::report::summary::{self, Provenance, Summary};
use crate::report::table;
use crate::report::write::{Contents, Staged};
use crate::scenario::{self, ScenarioError, bundled};
use crate::shard::{HashingWriter, ShardFiles, ShardSet};
use crate::{engine, report};

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for anything the user fixes by changing arguments or files.
pub const EXIT_USAGE: i32 = 2;
/// Exit code for other failures.
pub const EXIT_FAILURE: i32 = 1;
/// Exit code of a run interrupted by Ctrl-C (128 + SIGINT, as shells report it); `SIGTERM`
/// gives 143 (128 + 15).
pub const EXIT_INTERRUPTED: i32 = 130;

/// Handles Ctrl-C (`SIGINT`) and `SIGTERM` on a thread of their own: the live runs' staging
/// folders are removed (nothing is written, an earlier result stays as it was) and the
/// process exits with 128 + the signal. Without it their default action would leave a hidden
/// staging folder. `SIGHUP` keeps its default, so `nohup` still protects a run, and a signal
/// the parent set to be ignored stays ignored (a background job of a script ignores Ctrl-C).
/// Messages are written without panicking (a closed terminal must not stop the exit).
pub fn handle_interrupts() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let ignored = ignored_signals();
    let handled: Vec<i32> = [SIGINT, SIGTERM]
        .into_iter()
        .filter(|&signal| ignored & (1 << (signal - 1)) == 0)
        .collect();
    if handled.is_empty() {
        return;
    }
    let Ok(mut signals) = signal_hook::iterator::Signals::new(handled) else {
        // The default actions stay.
        return;
    };
    std::thread::spawn(move || {
        let Some(signal) = signals.forever().next() else {
            return;
        };
        let (live, left) = report::write::abandon_live_runs();
        let mut stderr = std::io::stderr();
        for staging in &left {
            let _ = writeln!(
                stderr,
                "interrupted: could not remove `{}`",
                staging.display()
            );
        }
        let _ = match live.committed.last() {
            Some(folder) => writeln!(
                stderr,
                "interrupted: the results were already written to {}",
                folder.display()
            ),
            None => writeln!(stderr, "interrupted: nothing written"),
        };
        std::process::exit(128 + signal);
    });
}

/// The signals this process ignores, as a mask (bit `n − 1` for signal `n`), from the
/// kernel's `SigIgn` line in `/proc/self/status`; 0 where there is none (not Linux).
fn ignored_signals() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find_map(|l| l.strip_prefix("SigIgn:"))?;
            u64::from_str_radix(line.trim(), 16).ok()
        })
        .unwrap_or(0)
}

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
        Command::Merge {
            dirs,
            out: out_dir,
            no_charts,
        } => merge(&dirs, &out_dir, no_charts, out),
        Command::Graph { scenario, variant } => graph(&scenario, variant.as_deref(), out),
    }
}

fn print(out: &mut dyn Write, text: &str) -> Result<(), AppError> {
    out.write_all(text.as_bytes())
        .map_err(|e| AppError::Failure(format!("cannot write to standard output: {e}")))
}

fn check(name: &Path, out: &mut dyn Write) -> Result<(), AppError> {
    let (model, source) = scenario::load(name)?;
    print(
        out,
        &report::check::describe(&model, &source.label, &source.sha256),
    )
}

fn graph(name: &Path, variant: Option<&str>, out: &mut dyn Write) -> Result<(), AppError> {
    let (model, _) = scenario::load(name)?;
    let index = report::graph::resolve_variant(&model, variant).map_err(AppError::Usage)?;
    let view = report::graph::NetworkView::new(&model, Some(index));
    print(out, &report::graph::dot(&view))
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

fn run(args: &RunArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), AppError> {
    let name = args
        .scenario
        .as_deref()
        .unwrap_or(Path::new(bundled::DEFAULT));
    let (model, source) = scenario::load(name)?;
    // What `check` would flag, said before the results it may explain (also in report.md).
    for warning in report::check::warnings(&model) {
        let _ = writeln!(err, "warning: {warning}");
    }
    let trials = args.trials.unwrap_or(model.trials);
    let seed = args.seed.unwrap_or(model.seed);
    // A shard runs its slice of the T trials; everything else about the run is unchanged.
    let range = match args.shard {
        Some(spec) => spec.trials(trials),
        None => 0..trials,
    };
    let threads = args
        .threads
        .map(usize::from)
        .unwrap_or_else(default_threads);
    let out_dir = args.out.clone().unwrap_or_else(|| match args.shard {
        Some(spec) => PathBuf::from("output").join(format!(
            "{}-shard-{}-of-{}",
            source.stem, spec.index, spec.count
        )),
        None => PathBuf::from("output").join(&source.stem),
    });
    // Fail on an unwritable folder before any work is done.
    let contents = if args.shard.is_some() {
        Contents::Shard {
            trials: args.per_trial,
        }
    } else {
        Contents::Result {
            trials: args.per_trial,
            charts: !args.no_charts,
        }
    };
    let staged = Staged::begin(&out_dir, contents).map_err(|e| AppError::Usage(e.to_string()))?;
    if !source.bundled
        && let Some(file) = staged.removes(name)
    {
        return Err(AppError::Usage(format!(
            "cannot write results to `{}`: its `{file}`, from an earlier run, is the scenario \
             this run reads, and would be removed with that run's other files; choose another \
             --out, or copy the scenario out of the folder first",
            out_dir.display()
        )));
    }
    let plan = Plan::new(&model).map_err(|e| match e {
        PlanError::CostOverflow => AppError::Usage(e.to_string()),
        other => AppError::Failure(other.to_string()),
    })?;
    let settings = RunSettings {
        seed,
        trials: range.clone(),
        threads,
    };

    let mut trial_file = None;
    if args.per_trial {
        let file = staged
            .create("trials.csv")
            .map_err(|e| AppError::Usage(e.to_string()))?;
        let mut writer = BufWriter::new(HashingWriter::new(file));
        writer
            .write_all(summary::trials_header(&model).as_bytes())
            .map_err(|e| AppError::Usage(format!("cannot write trials.csv: {e}")))?;
        trial_file = Some(writer);
    }
    let progress = AtomicU64::new(0);
    let outcomes = with_progress(&progress, range.end - range.start, || {
        let mut write_error = None;
        let mut line = String::new();
        let result = match trial_file.as_mut() {
            Some(writer) => {
                let mut sink = |trial: u64, metrics: &[f64]| {
                    line.clear();
                    summary::trial_rows(&model, trial, metrics, &mut line);
                    if write_error.is_none()
                        && let Err(e) = writer.write_all(line.as_bytes())
                    {
                        write_error = Some(e);
                    }
                };
                engine::run::run(&plan, &settings, &progress, Some(&mut sink))
            }
            None => engine::run::run(&plan, &settings, &progress, None),
        };
        if let Some(e) = write_error {
            return Err(AppError::Usage(format!("cannot write trials.csv: {e}")));
        }
        result.map_err(|e| AppError::Failure(e.to_string()))
    })?;
    let trials_sha256 = match trial_file {
        Some(writer) => {
            let hashing = writer
                .into_inner()
                .map_err(|e| AppError::Usage(format!("cannot write trials.csv: {}", e.error())))?;
            Some(hashing.finish())
        }
        None => None,
    };
    if let Some(spec) = args.shard {
        let files = ShardFiles::new(
            &model,
            &source,
            seed,
            trials,
            spec,
            &outcomes,
            trials_sha256,
        );
        return write_shard(files, staged, args.format, out);
    }

    let provenance = provenance(&model, &source, seed, trials);
    let summary = Summary::new(&model, &outcomes, provenance);
    let usage = |e: crate::report::write::WriteError| AppError::Usage(e.to_string());
    write_results(&staged, &summary)?;
    render(&staged, &model, &summary, !args.no_charts)?;
    let written = staged.commit().map_err(usage)?;

    match args.format {
        Format::Table => {
            let mut text = table::render(&summary);
            text.push_str(&format!("\nResults written to {}\n", written.display()));
            print(out, &text)
        }
        Format::Json => {
            let json = summary.summary_json();
            out.write_all(&json)
                .map_err(|e| AppError::Failure(format!("cannot write to standard output: {e}")))
        }
    }
}

/// Commits a shard folder and prints one line about it (or, with `--format json`, its manifest).
fn write_shard(
    files: ShardFiles,
    staged: Staged,
    format: Format,
    out: &mut dyn Write,
) -> Result<(), AppError> {
    let usage = |e: crate::report::write::WriteError| AppError::Usage(e.to_string());
    for (name, bytes) in &files.files {
        staged.write(name, bytes).map_err(usage)?;
    }
    let written = staged.commit().map_err(usage)?;
    let m = &files.manifest;
    match format {
        Format::Table => print(
            out,
            &format!(
                "shard {}/{}: {} (seed {}) written to {}; merge all {} shards with `supplyrisk merge DIR... --out DIR`\n",
                m.shard,
                m.shards,
                if m.trial_start == m.trial_end {
                    // N > T leaves some shards empty: still a shard, merged like the others.
                    format!("no trials (N = {} > {} trials)", m.shards, m.trials_total)
                } else {
                    format!(
                        "trials {}..{} of {}",
                        m.trial_start, m.trial_end, m.trials_total
                    )
                },
                m.seed,
                written.display(),
                m.shards
            ),
        ),
        Format::Json => print(
            out,
            std::str::from_utf8(&m.to_json()).expect("JSON is UTF-8"),
        ),
    }
}

/// `merge`: checks that `dirs` are the N shards of one run, merges their state and writes the
/// result a single run of the same trials would write, byte for byte.
fn merge(
    dirs: &[PathBuf],
    out_dir: &Path,
    no_charts: bool,
    out: &mut dyn Write,
) -> Result<(), AppError> {
    let refused = |e: crate::shard::MergeRefused| AppError::Usage(e.to_string());
    let usage = |e: crate::report::write::WriteError| AppError::Usage(e.to_string());
    let set = ShardSet::open(dirs).map_err(refused)?;
    // Writing over one of the shards would destroy an input (a re-merge would then fail).
    if let Some(dir) = dirs.iter().find(|d| same_folder(d, out_dir)) {
        return Err(AppError::Usage(format!(
            "cannot write the merged result to `{}`: it is the shard folder `{}`, one of the inputs; choose another --out",
            out_dir.display(),
            dir.display()
        )));
    }
    let with_trials = set.per_trial_count();
    let all_trials = with_trials as u64 == set.count();
    let contents = Contents::Result {
        trials: all_trials,
        charts: !no_charts,
    };
    // Fail on an unwritable folder before the states are read.
    let staged = Staged::begin(out_dir, contents).map_err(usage)?;
    let outcomes = set.merge().map_err(refused)?;
    let model = set.model();
    // The provenance of a single run: shard 1's scenario label, the shared seed and T.
    let provenance = provenance(model, set.source(), set.seed(), set.trials());
    let summary = Summary::new(model, &outcomes, provenance);
    write_results(&staged, &summary)?;
    if all_trials {
        let file = staged.create("trials.csv").map_err(usage)?;
        let mut writer = BufWriter::new(file);
        set.concatenate_trials(&mut writer).map_err(refused)?;
        writer
            .flush()
            .map_err(|e| AppError::Usage(format!("cannot write trials.csv: {e}")))?;
    }
    // The merged folder holds everything a single run's does: report and charts too.
    render(&staged, model, &summary, !no_charts)?;
    let written = staged.commit().map_err(usage)?;

    let mut text = table::render(&summary);
    text.push_str(&format!(
        "\nMerged {} shards into {}\n",
        set.count(),
        written.display()
    ));
    if with_trials > 0 && (with_trials as u64) < set.count() {
        text.push_str(&format!(
            "trials.csv not written: only {with_trials} of the {} shards were run with --per-trial\n",
            set.count()
        ));
    }
    print(out, &text)
}

/// Whether `a` and `b` are the same existing folder, by whatever paths (links, bind mounts).
fn same_folder(a: &Path, b: &Path) -> bool {
    a.is_dir() && report::write::same_entry(a, b)
}

/// Writes the three result files of SPEC 8 that a run and a merge share.
fn write_results(staged: &Staged, summary: &Summary) -> Result<(), AppError> {
    let usage = |e: crate::report::write::WriteError| AppError::Usage(e.to_string());
    staged
        .write("summary.csv", &summary.summary_csv())
        .map_err(usage)?;
    staged
        .write("summary.json", &summary.summary_json())
        .map_err(usage)?;
    staged
        .write("monthly.csv", &summary.monthly_csv())
        .map_err(usage)
}

/// Writes `report.md` and, unless `draw_charts` is false, the charts.
fn render(
    staged: &Staged,
    model: &crate::model::Model,
    summary: &Summary,
    draw_charts: bool,
) -> Result<(), AppError> {
    report::render_all(model, summary, staged, draw_charts).map_err(|e| match e {
        report::RenderError::Write(e) => AppError::Usage(e.to_string()),
        report::RenderError::Chart(e) => AppError::Failure(e.to_string()),
    })
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Provenance recorded in every summary.
pub fn provenance(
    model: &crate::model::Model,
    source: &scenario::Source,
    seed: u64,
    trials: u64,
) -> Provenance {
    Provenance {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: model.name.clone(),
        scenario_file: source.label.clone(),
        scenario_sha256: source.sha256.clone(),
        seed,
        trials,
        generator: "Xoshiro256++ per (seed, trial, stream key), seeded by SplitMix64; libm maths"
            .to_string(),
        chunk_size: engine::run::CHUNK_TRIALS,
        // From the bin counts themselves, so provenance cannot drift from the histograms.
        quantile_resolution: format!(
            "shares: 1/{}; reductions: 1/{} over [-1, 1]; monthly series: 1/{}; counts exact",
            crate::stats::SHARE_BINS,
            crate::stats::SIGNED_SHARE_BINS / 2,
            crate::stats::SERIES_BINS
        ),
    }
}

/// Seconds a run must have taken before progress is shown at all.
const PROGRESS_AFTER_SECONDS: f64 = 1.0;

/// Seconds between two plain progress lines when stderr is not a terminal, at least; the gap
/// grows to a tenth of the time elapsed, so an hour-long shard logs about 60 lines, not 700.
const PROGRESS_LINE_EVERY_SECONDS: f64 = 5.0;

/// One plain progress line, for a stderr that is a file or a pipe (a batch job's log), where
/// a redrawn bar would be invisible or garbage.
fn progress_line(done: u64, total: u64, elapsed_seconds: f64) -> String {
    let percent = if total == 0 {
        100.0
    } else {
        100.0 * done as f64 / total as f64
    };
    let left = seconds_left(done, total, elapsed_seconds)
        .map(|seconds| format!(", about {seconds:.0} s left"))
        .unwrap_or_default();
    format!(
        "progress: {done} of {total} trials ({percent:.0}%), {elapsed_seconds:.0} s elapsed{left}\n"
    )
}

/// Seconds the rest of the run should take at the pace so far, or nothing while no trial is
/// done (no pace to go by).
fn seconds_left(done: u64, total: u64, elapsed_seconds: f64) -> Option<f64> {
    (done > 0).then(|| elapsed_seconds * total.saturating_sub(done) as f64 / done as f64)
}

/// The figures a terminal's bar shows after `done/total`: time elapsed, trials a second and
/// time left, all from the run's own start. indicatif's `{elapsed}`, `{per_sec}` and `{eta}`
/// cannot be used: the bar only appears after a second of work, so its clock starts late
/// while its position counts that second's trials, and its rate sees them as one huge jump.
fn progress_figures(done: u64, total: u64, elapsed_seconds: f64) -> String {
    let mut figures = format!("{elapsed_seconds:.0} s elapsed");
    if elapsed_seconds > 0.0 {
        let rate = (done as f64 / elapsed_seconds).round() as i64;
        figures.push_str(&format!(
            ", {} trials/s",
            report::format::group_thousands(rate)
        ));
    }
    if let Some(seconds) = seconds_left(done, total, elapsed_seconds) {
        figures.push_str(&format!(", about {seconds:.0} s left"));
    }
    figures
}

/// Runs `work` while stderr follows `progress` (out of `total`), shown only once the work
/// has taken more than a second: a redrawn bar on a terminal, otherwise a plain line every
/// few seconds, so that a long run in a batch job still says how far it is.
fn with_progress<T: Send>(progress: &AtomicU64, total: u64, work: impl FnOnce() -> T + Send) -> T {
    use std::io::IsTerminal;
    let stop = AtomicBool::new(false);
    let terminal = std::io::stderr().is_terminal();
    std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let started = std::time::Instant::now();
            let mut bar: Option<indicatif::ProgressBar> = None;
            let mut next_line = PROGRESS_AFTER_SECONDS;
            while !stop.load(Ordering::Relaxed) {
                // Parked rather than asleep, so the end of the work wakes it at once: a short
                // run (a small shard) does not wait out the 50 ms tick.
                std::thread::park_timeout(std::time::Duration::from_millis(50));
                let elapsed = started.elapsed().as_secs_f64();
                if !terminal {
                    if elapsed > next_line && !stop.load(Ordering::Relaxed) {
                        let line = progress_line(progress.load(Ordering::Relaxed), total, elapsed);
                        // Progress is a courtesy: a closed stderr must not fail the run.
                        let _ = std::io::stderr().write_all(line.as_bytes());
                        next_line = elapsed + PROGRESS_LINE_EVERY_SECONDS.max(elapsed / 10.0);
                    }
                    continue;
                }
                let done = progress.load(Ordering::Relaxed);
                let figures = progress_figures(done, total, elapsed);
                if let Some(b) = &bar {
                    // The message last: unlike the position, it asks for a redraw every
                    // time, so the frame left on screen has the position and the figures of
                    // the same moment.
                    b.set_position(done);
                    b.set_message(figures);
                } else if elapsed > PROGRESS_AFTER_SECONDS {
                    // Position and figures given before the first draw, which would otherwise
                    // show the bar with an empty message.
                    bar = Some(
                        indicatif::ProgressBar::with_draw_target(
                            Some(total),
                            indicatif::ProgressDrawTarget::stderr(),
                        )
                        .with_style(
                            indicatif::ProgressStyle::with_template(
                                "[{bar:40}] {pos}/{len} trials, {msg}",
                            )
                            .expect("a valid template")
                            .progress_chars("=> "),
                        )
                        .with_position(done)
                        .with_message(figures),
                    );
                }
            }
            if let Some(b) = bar {
                b.finish_and_clear();
            }
        });
        // Stops the watcher however `work` ends: if it panicked (a bug), the scope would
        // otherwise wait for the watcher for ever instead of passing the panic on.
        struct StopWatcher<'a> {
            stop: &'a AtomicBool,
            watcher: &'a std::thread::Thread,
        }
        impl Drop for StopWatcher<'_> {
            fn drop(&mut self) {
                self.stop.store(true, Ordering::Relaxed);
                self.watcher.unpark();
            }
        }
        let _stop = StopWatcher {
            stop: &stop,
            watcher: watcher.thread(),
        };
        work()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_progress_line_says_how_far_and_how_long_is_left() {
        assert_eq!(
            progress_line(5_000, 20_000, 2.0),
            "progress: 5000 of 20000 trials (25%), 2 s elapsed, about 6 s left\n"
        );
        // Nothing done yet: no estimate rather than a division by zero.
        assert_eq!(
            progress_line(0, 20_000, 1.2),
            "progress: 0 of 20000 trials (0%), 1 s elapsed\n"
        );
    }

    #[test]
    fn the_bar_figures_count_from_the_start_of_the_run() {
        // The first frame of a run that showed 257,963,998.5591/s and eta 0s when indicatif
        // timed it: 8,612 trials in 1.06 s is about 8,125 a second, 11,388 more take 1.4 s.
        assert_eq!(
            progress_figures(8_612, 20_000, 1.06),
            "1 s elapsed, 8,125 trials/s, about 1 s left"
        );
        assert_eq!(
            progress_figures(20_000, 20_000, 2.47),
            "2 s elapsed, 8,097 trials/s, about 0 s left"
        );
        // Nothing done yet: no estimate of the time left rather than a division by zero.
        assert_eq!(progress_figures(0, 20_000, 1.2), "1 s elapsed, 0 trials/s");
        // No time elapsed: no rate rather than an infinite one.
        assert_eq!(progress_figures(0, 20_000, 0.0), "0 s elapsed");
    }

    #[test]
    fn a_panic_in_the_work_is_passed_on_not_waited_on() {
        // Before the watcher was stopped on unwinding, a panicking run hung for ever.
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let progress = AtomicU64::new(0);
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                with_progress(&progress, 10, || -> u32 { panic!("a bug in a trial") })
            }));
            let _ = done.send(outcome.is_err());
        });
        let panicked = finished
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("with_progress returned instead of waiting for its watcher");
        assert!(panicked, "the panic is passed on to the caller");
    }
}
