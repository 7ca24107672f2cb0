//! Min-cost flow for the monthly allocation (network simplex, warm-started).
