//! Running many trials on a thread pool, deterministically.
//!
//! Trials are handed out in fixed-size chunks from a shared counter; each worker keeps its own
//! accumulators and scratch space, and the workers' accumulators are merged at the end. Every
//! accumulator is exactly associative and commutative (integer counts and fixed-point sums), so
//! the result is byte-identical whatever the thread count, the order in which chunks finish, or
//! the split of the trials into shards (SCALE-OUT: no float sums across threads).

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::engine::outcome::Outcomes;
use crate::engine::plan::Plan;
use crate::engine::trial::{Scratch, TrialError, layout, run_trials};

/// Trials per chunk handed to a worker. Results do not depend on it (accumulators are exact);
/// it sets the granularity of load balancing and progress.
pub const CHUNK_TRIALS: u64 = 64;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// Seed of every random stream.
    pub seed: u64,
    /// Global trial indices to run (a shard runs a sub-range).
    pub trials: Range<u64>,
    /// Worker threads.
    pub threads: usize,
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A trial failed (a solver bug).
    #[error(transparent)]
    Trial(#[from] TrialError),
    /// The thread pool could not be built.
    #[error("cannot start {threads} worker threads: {reason}")]
    Threads {
        /// Requested threads.
        threads: usize,
        /// The system's reason.
        reason: String,
    },
    /// Accumulators did not merge (a bug).
    #[error("internal error merging results: {0}")]
    Merge(String),
}

/// Receives each trial's metrics in trial order: (trial index, metrics per
/// `[variant][commodity][metric]`).
pub type TrialSink<'a> = dyn FnMut(u64, &[f64]) + Send + 'a;

/// Runs `settings.trials` of `plan`. `progress` counts finished trials; `sink`, if given,
/// receives every trial's metrics in trial order.
pub fn run(
    plan: &Plan,
    settings: &RunSettings,
    progress: &AtomicU64,
    sink: Option<&mut TrialSink<'_>>,
) -> Result<Outcomes, RunError> {
    let threads = settings.threads.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::Threads {
            threads,
            reason: e.to_string(),
        })?;
    let Range { start, end } = settings.trials.clone();
    let chunks = (end - start).div_ceil(CHUNK_TRIALS);
    let next_chunk = AtomicU64::new(0);
    let failure: Mutex<Option<TrialError>> = Mutex::new(None);
    let ordered = Mutex::new(Ordered {
        next: 0,
        pending: BTreeMap::new(),
        sink,
    });
    let want_records = ordered.lock().expect("not poisoned").sink.is_some();
    let layout = layout(plan);

    // A worker makes its accumulators and scratch space when it takes its first chunk: one
    // that finds no chunk left (fewer chunks than threads) allocates nothing and adds nothing
    // to the merge below.
    let results: Vec<Option<Outcomes>> = pool.broadcast(|_| {
        let mut worker: Option<(Outcomes, Scratch)> = None;
        let mut records = Vec::new();
        loop {
            let chunk = next_chunk.fetch_add(1, Ordering::Relaxed);
            if chunk >= chunks || failure.lock().map(|f| f.is_some()).unwrap_or(true) {
                break;
            }
            let (outcomes, scratch) =
                worker.get_or_insert_with(|| (Outcomes::new(layout.clone()), Scratch::new(plan)));
            let from = start + chunk * CHUNK_TRIALS;
            let to = (from + CHUNK_TRIALS).min(end);
            records.clear();
            let result = run_trials(
                plan,
                settings.seed,
                from..to,
                scratch,
                outcomes,
                |_, metrics| {
                    if want_records {
                        records.extend_from_slice(metrics);
                    }
                    progress.fetch_add(1, Ordering::Relaxed);
                },
            );
            if let Err(error) = result {
                if let Ok(mut slot) = failure.lock() {
                    slot.get_or_insert(error);
                }
                break;
            }
            if want_records && let Ok(mut ordered) = ordered.lock() {
                ordered.deliver(
                    chunk,
                    from,
                    std::mem::take(&mut records),
                    scratch.metrics.len(),
                );
            }
        }
        worker.map(|(outcomes, _)| outcomes)
    });

    if let Some(error) = failure.into_inner().ok().flatten() {
        return Err(RunError::Trial(error));
    }
    // Merged into the first worker's accumulators rather than into fresh ones: they are
    // exact, so the result is the same, without allocating and filling another set (tens of
    // megabytes of monthly histograms for the default scenario, most of a short run's fixed
    // cost).
    let mut parts = results.into_iter().flatten();
    let mut merged = parts.next().unwrap_or_else(|| Outcomes::new(layout));
    for part in parts {
        merged
            .merge(&part)
            .map_err(|e| RunError::Merge(e.to_string()))?;
    }
    Ok(merged)
}

/// Reorders chunks of per-trial records so the sink sees trials in order.
struct Ordered<'s, 'a> {
    next: u64,
    pending: BTreeMap<u64, (u64, Vec<f64>)>,
    sink: Option<&'s mut TrialSink<'a>>,
}

impl Ordered<'_, '_> {
    fn deliver(&mut self, chunk: u64, first_trial: u64, records: Vec<f64>, width: usize) {
        self.pending.insert(chunk, (first_trial, records));
        while let Some((first, records)) = self.pending.remove(&self.next) {
            if let Some(sink) = self.sink.as_mut() {
                for (i, row) in records.chunks(width.max(1)).enumerate() {
                    sink(first + i as u64, row);
                }
            }
            self.next += 1;
        }
    }
}
