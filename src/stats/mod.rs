//! Streaming, exactly mergeable statistics: fixed-point moments and fixed-layout histograms.
