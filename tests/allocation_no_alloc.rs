//! The monthly min-cost flow solve must not allocate: a counting global allocator (in its own
//! test binary, so it affects no other test) watches every solve, warm with pivots, cold, and
//! basis resets.

#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::allocations_during;

use supplyrisk::engine::allocation::{FlowNetwork, Solver};

#[test]
fn solving_does_not_allocate() {
    // source 0 → mines 1, 2, 3 → refineries 4, 5 → markets 6, 7 → sink 8 → source.
    let mut network = FlowNetwork::new(9).expect("small network");
    let mut capacities = Vec::new();
    let mut arc = |from: usize, to: usize, cost: i128, capacity: f64| {
        network.add_arc(from, to, cost).expect("valid arc");
        capacities.push(capacity);
    };
    for (mine, supply) in [(1, 500.0), (2, 300.0), (3, 800.0)] {
        arc(0, mine, 0, supply);
    }
    for (mine, refinery, cost) in [(1, 4, 3), (2, 4, 5), (2, 5, 2), (3, 5, 7), (3, 4, 4)] {
        arc(mine, refinery, cost, 1600.0);
    }
    for (refinery, market, cost) in [(4, 6, 2), (4, 7, 6), (5, 6, 9), (5, 7, 1)] {
        arc(refinery, market, cost, 1600.0);
    }
    for (market, demand) in [(6, 700.0), (7, 500.0)] {
        arc(market, 8, -1_000_000_000_000, demand);
        arc(market, 8, -1_000_000, 100.0);
    }
    arc(8, 0, 0, 1600.0);
    let nominal_capacities = capacities.clone();

    let mut solver = Solver::new(&network);
    solver.solve_cold(&nominal_capacities).expect("nominal");
    let nominal_basis = solver.basis().clone();
    let mut month_capacities = nominal_capacities.clone();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut pivots = 0_u32;

    let allocations = allocations_during(|| {
        for trial in 0..20 {
            solver.set_basis(&nominal_basis).expect("same network");
            for month in 0..24 {
                // A xorshift draw per arc: outages, drifts and recoveries.
                for (capacity, &nominal) in month_capacities.iter_mut().zip(&nominal_capacities) {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    *capacity = match state % 16 {
                        0 => 0.0,
                        1 => nominal * 0.3,
                        _ => nominal * (0.9 + (month % 5) as f64 * 0.05),
                    };
                }
                let flows = solver.solve(&month_capacities).expect("solvable");
                assert!(flows.iter().all(|flow| flow.is_finite()));
                pivots += solver.pivots_last_solve();
                if (trial + month) % 7 == 0 {
                    solver.solve_cold(&month_capacities).expect("solvable");
                    pivots += solver.pivots_last_solve();
                }
            }
        }
    });
    assert_eq!(allocations, 0, "solve, solve_cold or set_basis allocated");
    // The pivot paths, not only the no-pivot one, must have been exercised.
    assert!(pivots > 100, "only {pivots} pivots");
    // The counter works: a Vec does allocate.
    assert_eq!(
        allocations_during(|| drop(std::hint::black_box(vec![1_u8; 64]))),
        1
    );
}
