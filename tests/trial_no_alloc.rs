//! Whole trials allocate nothing once the worker's scratch space has grown: a counting global
//! allocator (this test binary's own) watches the calling thread while trials run, so the
//! per-month loop (capacities, warm-started solves, origin tracing, buffered statistics) and
//! the per-trial sampling are both covered. Memory is therefore flat in the number of trials.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use supplyrisk::engine::outcome::Outcomes;
use supplyrisk::engine::plan::Plan;
use supplyrisk::engine::trial::{Scratch, layout, run_trials};
use supplyrisk::scenario::{self, Source};

/// Counts allocations made on threads that switched counting on, and passes everything to the
/// system allocator.
struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // `const`-initialised and without destructor, so reading it never allocates.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn note_allocation() {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the contract.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: same layout contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: same layout contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: `ptr` came from `System` with `layout`, as the caller guarantees for us.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Allocations made on this thread while `work` runs.
fn allocations_during(work: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTING.with(|counting| counting.set(true));
    work();
    COUNTING.with(|counting| counting.set(false));
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

/// Runs `warm_up` trials, then counts the allocations of the next `measured` ones.
fn allocations_of_trials(text: &str, warm_up: u64, measured: u64) -> usize {
    let source = Source::from_text("test.toml", "test", false, text);
    let model = scenario::parse(&source).expect("a valid scenario");
    let plan = Plan::new(&model).expect("plan");
    let mut outcomes = Outcomes::new(layout(&plan));
    let mut scratch = Scratch::new(&plan);
    // Warm-up: buffers that hold a trial's outages grow to the largest trial seen so far.
    run_trials(&plan, 1, 0..warm_up, &mut scratch, &mut outcomes, |_, _| {}).expect("trials run");
    let mut metrics_seen = 0.0;
    let allocations = allocations_during(|| {
        run_trials(
            &plan,
            1,
            warm_up..warm_up + measured,
            &mut scratch,
            &mut outcomes,
            |_, metrics| metrics_seen += metrics[0],
        )
        .expect("trials run");
    });
    assert_eq!(outcomes.trials(), warm_up + measured);
    assert!(metrics_seen.is_finite());
    allocations
}

#[test]
fn trials_of_the_benchmark_network_do_not_allocate() {
    // Every disruption kind, random growth, stocks, three commodities, pivots every month or
    // so: all the paths of the monthly loop.
    let text = include_str!("../scenarios/bench_medium.toml");
    let (warm_up, measured) = if cfg!(debug_assertions) {
        (60, 40)
    } else {
        (400, 400)
    };
    assert_eq!(allocations_of_trials(text, warm_up, measured), 0);
}

#[test]
fn trials_of_the_bundled_scenarios_do_not_allocate() {
    for bundled in supplyrisk::scenario::bundled::ALL {
        let allocations = allocations_of_trials(bundled.text, 200, 200);
        assert_eq!(allocations, 0, "{} allocated", bundled.name);
    }
}

#[test]
fn the_counter_sees_allocations() {
    assert_eq!(
        allocations_during(|| drop(std::hint::black_box(vec![1_u8; 64]))),
        1
    );
}
