use supplyrisk::engine::allocation::Solver;
use supplyrisk::engine::plan::Plan;
use supplyrisk::engine::trial::monthly_capacities;
use supplyrisk::scenario;
fn main() {
    let name = std::env::args().nth(1).unwrap();
    let (model, _) = scenario::load(&name).unwrap();
    let plan = Plan::new(&model).unwrap();
    let mut tot = [0u64; 4];
    let mut cnt = [0u64; 4];
    let mut months = 0u64;
    for (v, vp) in plan.variants.iter().enumerate() {
        for (c, cp) in vp.commodities.iter().enumerate() {
            let mut solver = Solver::new(&cp.network);
            let demand: Vec<usize> = cp
                .markets
                .iter()
                .flat_map(|m| std::iter::once(m.demand_arc).chain(m.refill_arc))
                .collect();
            let regime: Vec<usize> = cp.regime_effects.iter().map(|e| e.arc).collect();
            for t in 0..100 {
                let ms = monthly_capacities(&plan, model.seed, t, v, c).unwrap();
                solver.set_basis(&cp.nominal_basis).unwrap();
                let mut prev: Option<&Vec<f64>> = None;
                for caps in &ms {
                    solver.solve(caps).unwrap();
                    let p = solver.pivots_last_solve() as u64;
                    let cause = match prev {
                        None => 0,
                        Some(pr) => {
                            let ch: Vec<usize> = pr
                                .iter()
                                .zip(caps)
                                .enumerate()
                                .filter(|(_, (a, b))| a != b)
                                .map(|(i, _)| i)
                                .collect();
                            if ch.iter().any(|a| regime.contains(a)) {
                                1
                            } else if ch.iter().any(|a| !demand.contains(a)) {
                                2
                            } else {
                                3
                            }
                        }
                    };
                    tot[cause] += p;
                    cnt[cause] += 1;
                    months += 1;
                    prev = Some(caps);
                }
            }
        }
    }
    let all: u64 = tot.iter().sum();
    for (i, n) in [
        "month 0",
        "regime change",
        "outage/node change",
        "demand+stock only",
    ]
    .iter()
    .enumerate()
    {
        println!(
            "{n:20}: {:5.1}% of months, {:5.1}% of pivots, {:.2} pivots/month",
            100.0 * cnt[i] as f64 / months as f64,
            100.0 * tot[i] as f64 / all as f64,
            tot[i] as f64 / cnt[i].max(1) as f64
        );
    }
    println!("pivots per month {:.3}", all as f64 / months as f64);
}
