//! Addressed random streams: a pure function of (seed, trial, stream key).
