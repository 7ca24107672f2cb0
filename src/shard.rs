//! Shards: which trials shard K of N runs, what a shard folder holds, and how shard folders are
//! checked and merged into the outcomes of one run.
//!
//! A shard folder (written by `run --shard K/N` through `report::write`, atomically) holds:
//!
//! - `manifest.json`: [`Manifest`], the shard's identity (tool version, scenario SHA-256,
//!   seed, total trials, K, N, trial range, chunk size, state layout and checksums);
//! - `metrics.bin`, `series.bin`: the mergeable state ([`MetricBank::to_bytes`],
//!   [`SeriesBank::to_bytes`]), exact integers, so merging in any order gives the same bytes;
//! - `scenario.toml`: the scenario text, so `merge` rebuilds the model without the original file
//!   and checks it against the hash;
//! - `trials.csv`, only with `--per-trial`: this shard's rows, concatenated by `merge`.
//!
//! [`ShardSet::open`] reads every manifest and refuses, naming each offending folder, a set that
//! is not exactly the N shards of one run; [`ShardSet::merge`] then decodes the states one at a
//! time (memory does not grow with N) and refuses unreadable or corrupt ones. Every refusal
//! lists the shard numbers to re-run. This module reads files but never writes them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::ops::{Range, RangeInclusive};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::outcome::{Layout, Outcomes};
use crate::engine::plan::Plan;
use crate::engine::run::CHUNK_TRIALS;
use crate::engine::trial::layout;
use crate::model::Model;
use crate::scenario::{self, Source, sha256_hex};
use crate::stats::{MetricBank, SeriesBank};

/// The `format` field of every shard manifest.
pub const SHARD_FORMAT: &str = "supplyrisk-shard";
/// Version of the shard folder's layout (manifest fields and file names).
pub const SHARD_SCHEMA_VERSION: u32 = 2;
/// The manifest's file name.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The metric bank's file name.
pub const METRICS_FILE: &str = "metrics.bin";
/// The series bank's file name.
pub const SERIES_FILE: &str = "series.bin";
/// The scenario copy's file name.
pub const SCENARIO_FILE: &str = "scenario.toml";
/// The per-trial rows' file name (only with `--per-trial`).
pub const TRIALS_FILE: &str = "trials.csv";
/// This build's version, recorded in every manifest and required of every merged shard.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
/// This build's identity (16 hex digits, from `build.rs`: a hash of the sources, the lock file
/// and the compiler's version), recorded in every manifest and required of every merged shard:
/// builds of one version with different code can give different results for the same seed.
pub const BUILD_ID: &str = env!("SUPPLYRISK_BUILD_ID");

/// A writer that passes bytes on and hashes them (SHA-256), for a file whose hash goes into a
/// manifest written after it: `run --shard K/N --per-trial`'s `trials.csv`.
#[derive(Debug)]
pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
        }
    }

    /// Hashes `bytes` as if written, without passing them on: a part of a file that is read
    /// but not copied (the header of every shard's `trials.csv` but the first).
    pub fn skip(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
    }

    /// The SHA-256 of every byte written or skipped, lowercase hex (as [`sha256_hex`] gives).
    pub fn finish(self) -> String {
        self.hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        // Only what the inner writer took is hashed.
        let n = self.inner.write(bytes)?;
        self.hasher.update(&bytes[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Shard K of N (1 ≤ K ≤ N), as given to `run --shard K/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShardSpec {
    /// K, 1-based.
    pub index: u64,
    /// N, the number of shards.
    pub count: u64,
}

/// A `--shard` value that is not K/N with 1 ≤ K ≤ N.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ShardSpecError(pub String);

impl ShardSpec {
    /// Shard `index` of `count`, checking 1 ≤ index ≤ count.
    pub fn new(index: u64, count: u64) -> Result<Self, ShardSpecError> {
        if count == 0 {
            return Err(ShardSpecError(format!(
                "`{index}/{count}`: N, the number of shards, must be at least 1"
            )));
        }
        if index == 0 || index > count {
            return Err(ShardSpecError(format!(
                "`{index}/{count}`: K must be between 1 and N = {count} (shards are numbered from 1)"
            )));
        }
        Ok(ShardSpec { index, count })
    }

    /// The global trial indices this shard runs out of `total`: [⌊(K−1)·T/N⌋, ⌊K·T/N⌋),
    /// empty for some shards when N > T (SPEC 7: N is free).
    pub fn trials(&self, total: u64) -> Range<u64> {
        shard_range(self.index, self.count, total)
    }
}

/// Trials [⌊(K−1)·T/N⌋, ⌊K·T/N⌋) of shard `index` (K) of `count` (N) out of `total` (T).
/// Computed in 128 bits: K·T overflows 64 bits for T near the trial limit. The ranges of
/// K = 1..N tile [0, T); each holds ⌊T/N⌋ or ⌈T/N⌉ trials, so with N > T some are empty.
pub fn shard_range(index: u64, count: u64, total: u64) -> Range<u64> {
    let bound = |k: u64| -> u64 {
        let value = u128::from(k) * u128::from(total) / u128::from(count.max(1));
        u64::try_from(value).expect("k ≤ count, so k·total/count ≤ total")
    };
    bound(index.saturating_sub(1))..bound(index)
}

impl fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for ShardSpec {
    type Err = ShardSpecError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let malformed = || {
            ShardSpecError(format!(
                "`{text}` is not K/N: give shard K of N as two whole numbers with 1 ≤ K ≤ N, e.g. 3/8"
            ))
        };
        // `--shard` takes values with a leading `-` (so that `-1/2` gets the message below),
        // and with it a flag that follows a `--shard` missing its value.
        if text.starts_with("--") {
            return Err(ShardSpecError(format!(
                "found the flag `{text}` where shard K/N was expected: give `--shard` a value, e.g. --shard 3/8"
            )));
        }
        let (k, n) = text.split_once('/').ok_or_else(malformed)?;
        let number = |part: &str| -> Result<u64, ShardSpecError> {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(malformed());
            }
            part.parse::<u64>().map_err(|_| {
                ShardSpecError(format!("`{text}`: {part} is too large for a shard number"))
            })
        };
        ShardSpec::new(number(k)?, number(n)?)
    }
}

/// The shape of the state, as recorded in a manifest (mirrors [`Layout`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayoutRecord {
    /// Number of variants.
    pub variants: usize,
    /// Index of the baseline variant.
    pub baseline: usize,
    /// Number of reported commodities.
    pub commodities: usize,
    /// Number of `dependency_on` countries.
    pub countries: usize,
    /// Months in the horizon.
    pub horizon_months: usize,
}

impl From<&Layout> for LayoutRecord {
    fn from(layout: &Layout) -> Self {
        LayoutRecord {
            variants: layout.variants,
            baseline: layout.baseline,
            commodities: layout.commodities,
            countries: layout.countries,
            horizon_months: layout.horizon,
        }
    }
}

impl fmt::Display for LayoutRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} variants (baseline #{}), {} commodities, {} countries, {} months",
            self.variants, self.baseline, self.commodities, self.countries, self.horizon_months
        )
    }
}

/// `manifest.json` of a shard folder: everything `merge` checks before combining shards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`SHARD_FORMAT`].
    pub format: String,
    /// [`SHARD_SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// supplyrisk version that ran the shard.
    pub tool_version: String,
    /// [`BUILD_ID`] of the build that ran the shard.
    pub build_id: String,
    /// Scenario name (for people; the hash identifies the scenario).
    pub scenario: String,
    /// The scenario as named on the command line (goes into the merged provenance).
    pub scenario_file: String,
    /// The scenario's file stem or bundled name (the model's default name).
    pub scenario_stem: String,
    /// Whether the scenario was a bundled copy.
    pub scenario_bundled: bool,
    /// SHA-256 of the scenario text, lowercase hex.
    pub scenario_sha256: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// T, the trials of the whole run.
    pub trials_total: u64,
    /// K.
    pub shard: u64,
    /// N.
    pub shards: u64,
    /// First global trial index of this shard.
    pub trial_start: u64,
    /// One past the last global trial index of this shard.
    pub trial_end: u64,
    /// Trials per chunk of work of the writer.
    pub chunk_size: u64,
    /// Shape of the state.
    pub layout: LayoutRecord,
    /// [`MetricBank::layout_fingerprint`], 16 hex digits.
    pub metrics_layout_fingerprint: String,
    /// [`SeriesBank::layout_fingerprint`], 16 hex digits.
    pub series_layout_fingerprint: String,
    /// SHA-256 of `metrics.bin`.
    pub metrics_sha256: String,
    /// SHA-256 of `series.bin`.
    pub series_sha256: String,
    /// Whether the folder holds `trials.csv`.
    pub per_trial: bool,
    /// SHA-256 of `trials.csv` when the folder holds it (its rows are copied, not decoded, so
    /// this is what catches a damaged or edited file).
    pub trials_sha256: Option<String>,
}

fn hex64(value: u64) -> String {
    format!("{value:016x}")
}

/// The files of a shard folder, as (file name, bytes), ready for `report::write::Staged`.
#[derive(Debug, Clone)]
pub struct ShardFiles {
    /// The manifest.
    pub manifest: Manifest,
    /// Every file but `trials.csv` (which `run` streams), in writing order.
    pub files: Vec<(&'static str, Vec<u8>)>,
}

impl ShardFiles {
    /// The folder contents of shard `spec` of a run of `total` trials with `seed`, whose trials
    /// accumulated into `outcomes`.
    pub fn new(
        model: &Model,
        source: &Source,
        seed: u64,
        total: u64,
        spec: ShardSpec,
        outcomes: &Outcomes,
        trials_sha256: Option<String>,
    ) -> ShardFiles {
        let range = shard_range(spec.index, spec.count, total);
        let metrics = outcomes.metrics.to_bytes();
        let series = outcomes.series.to_bytes();
        let manifest = Manifest {
            format: SHARD_FORMAT.to_string(),
            schema_version: SHARD_SCHEMA_VERSION,
            tool_version: TOOL_VERSION.to_string(),
            build_id: BUILD_ID.to_string(),
            scenario: model.name.clone(),
            scenario_file: source.label.clone(),
            scenario_stem: source.stem.clone(),
            scenario_bundled: source.bundled,
            scenario_sha256: source.sha256.clone(),
            seed,
            trials_total: total,
            shard: spec.index,
            shards: spec.count,
            trial_start: range.start,
            trial_end: range.end,
            chunk_size: CHUNK_TRIALS,
            layout: LayoutRecord::from(&outcomes.layout),
            metrics_layout_fingerprint: hex64(outcomes.metrics.layout_fingerprint()),
            series_layout_fingerprint: hex64(outcomes.series.layout_fingerprint()),
            metrics_sha256: sha256_hex(&metrics),
            series_sha256: sha256_hex(&series),
            per_trial: trials_sha256.is_some(),
            trials_sha256,
        };
        let files = vec![
            (SCENARIO_FILE, source.text.clone().into_bytes()),
            (METRICS_FILE, metrics),
            (SERIES_FILE, series),
            // Last, so a folder with a manifest is complete even if copied file by file.
            (MANIFEST_FILE, manifest.to_json()),
        ];
        ShardFiles { manifest, files }
    }
}

impl Manifest {
    /// Pretty JSON ending in a newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("a manifest always serialises");
        bytes.push(b'\n');
        bytes
    }

    /// Parses a manifest, checking the format, schema version, tool version and chunk size
    /// against this build first so that a manifest from another version gets that message
    /// rather than a field-by-field complaint.
    pub fn from_json(bytes: &[u8]) -> Result<Manifest, String> {
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| format!("{MANIFEST_FILE} is corrupt: {e}"))?;
        let field = |name: &str| value.get(name).cloned().unwrap_or(serde_json::Value::Null);
        // A field's value for a message: a string as it is, anything else as JSON.
        let text = |v: serde_json::Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
        if field("format") != SHARD_FORMAT {
            return Err(format!(
                "{MANIFEST_FILE} is not a supplyrisk shard manifest (no \"format\": \"{SHARD_FORMAT}\")"
            ));
        }
        let version = field("tool_version");
        if version != TOOL_VERSION {
            let version = text(version);
            return Err(format!(
                "written by supplyrisk {version}, but this is supplyrisk {TOOL_VERSION}: re-run the shard with this version, or merge with that one"
            ));
        }
        let schema = field("schema_version");
        if schema != SHARD_SCHEMA_VERSION {
            return Err(format!(
                "shard format version {schema}, but this build reads version {SHARD_SCHEMA_VERSION}"
            ));
        }
        let build = field("build_id");
        if build != BUILD_ID {
            let build = text(build);
            return Err(format!(
                "written by another build of supplyrisk {TOOL_VERSION} (build {build}; this is build {BUILD_ID}): builds of different code can give different results for the same seed; run every shard with one build (`supplyrisk --version` shows it), or re-run this shard with this one"
            ));
        }
        // The figures do not depend on the chunk size (exact accumulators), but the merged
        // `summary.json` records it in its provenance, which must be one run's; and a build
        // with another chunk size is another build, so the build identity refuses it first.
        let chunk = field("chunk_size");
        if chunk != CHUNK_TRIALS {
            return Err(format!(
                "run with a chunk size of {chunk} trials, but this build uses {CHUNK_TRIALS}: it was built differently; re-run the shard with this build"
            ));
        }
        let manifest: Manifest = serde_json::from_value(value)
            .map_err(|e| format!("{MANIFEST_FILE} is corrupt: {e}"))?;
        if manifest.per_trial != manifest.trials_sha256.is_some() {
            return Err(format!(
                "{MANIFEST_FILE} is corrupt: per_trial is {} but trials_sha256 is {}",
                manifest.per_trial,
                if manifest.trials_sha256.is_some() {
                    "set"
                } else {
                    "missing"
                }
            ));
        }
        let consistent = manifest.shard >= 1
            && manifest.shard <= manifest.shards
            && shard_range(manifest.shard, manifest.shards, manifest.trials_total)
                == (manifest.trial_start..manifest.trial_end);
        if !consistent {
            return Err(format!(
                "{MANIFEST_FILE} is corrupt: shard {}/{} of {} trials cannot run trials {}..{}",
                manifest.shard,
                manifest.shards,
                manifest.trials_total,
                manifest.trial_start,
                manifest.trial_end
            ));
        }
        Ok(manifest)
    }

    /// K/N.
    pub fn spec(&self) -> ShardSpec {
        ShardSpec {
            index: self.shard,
            count: self.shards,
        }
    }

    /// Trials in this shard.
    pub fn trial_count(&self) -> u64 {
        self.trial_end - self.trial_start
    }
}

/// Why shard folders were not merged: every problem found, each naming its folder, and the
/// shard numbers to re-run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", refusal_message(.problems, .rerun, *.shards))]
pub struct MergeRefused {
    /// One line per problem.
    pub problems: Vec<String>,
    /// Shard numbers (K) to run again, as ascending runs `first..=last` (ranges, so that a
    /// merge of one shard of a huge N does not list every missing number).
    pub rerun: Vec<RangeInclusive<u64>>,
    /// N, when the shards agree on it.
    pub shards: Option<u64>,
}

fn refusal_message(
    problems: &[String],
    rerun: &[RangeInclusive<u64>],
    shards: Option<u64>,
) -> String {
    let mut text = String::from("cannot merge: the folders are not the complete shards of one run");
    for problem in problems {
        text.push_str("\n  - ");
        text.push_str(problem);
    }
    if let (false, Some(n)) = (rerun.is_empty(), shards) {
        let count: u128 = rerun
            .iter()
            .map(|r| u128::from(r.end() - r.start()) + 1)
            .sum();
        let hint = rerun
            .iter()
            .flat_map(|r| r.clone().take(3))
            .take(3)
            .map(|k| format!("--shard {k}/{n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let more = if count > 3 { ", …" } else { "" };
        text.push_str(&format!(
            "\nre-run shard{} {} of {n} ({hint}{more}) and merge again",
            if count == 1 { "" } else { "s" },
            range_list(rerun)
        ));
    }
    text
}

/// `1, 3-5, 9` from ascending runs of shard numbers.
pub fn range_list(ranges: &[RangeInclusive<u64>]) -> String {
    let parts: Vec<String> = ranges
        .iter()
        .map(|r| match r.end() - r.start() {
            0 => r.start().to_string(),
            1 => format!("{}, {}", r.start(), r.end()),
            _ => format!("{}-{}", r.start(), r.end()),
        })
        .collect();
    parts.join(", ")
}

/// Numbers as their ascending runs `first..=last` (repeats dropped).
pub fn runs(numbers: &[u64]) -> Vec<RangeInclusive<u64>> {
    let mut sorted = numbers.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut ranges: Vec<RangeInclusive<u64>> = Vec::new();
    for k in sorted {
        match ranges.last_mut() {
            Some(last) if *last.end() + 1 == k => *last = *last.start()..=k,
            _ => ranges.push(k..=k),
        }
    }
    ranges
}

/// The numbers of `1..=n` that are not in `present` (ascending), as runs: `O(present)`, not
/// `O(n)`.
fn gaps(present: impl Iterator<Item = u64>, n: u64) -> Vec<RangeInclusive<u64>> {
    let mut gaps = Vec::new();
    let mut next = 1u64;
    for k in present {
        if k > next {
            gaps.push(next..=k - 1);
        }
        next = next.max(k + 1);
    }
    if next <= n {
        gaps.push(next..=n);
    }
    gaps
}

/// `1, 3-5, 9`: ascending numbers with runs collapsed.
pub fn number_list(numbers: &[u64]) -> String {
    range_list(&runs(numbers))
}

/// A shard folder whose manifest was read.
#[derive(Debug, Clone)]
struct Opened {
    dir: PathBuf,
    manifest: Manifest,
}

impl Opened {
    fn name(&self) -> String {
        format!("`{}` (shard {})", self.dir.display(), self.manifest.spec())
    }
}

/// Shard folders checked to be exactly the N shards of one run, with the scenario rebuilt from
/// their copy: ready to [`merge`](ShardSet::merge).
#[derive(Debug)]
pub struct ShardSet {
    /// Shards in K order.
    shards: Vec<Opened>,
    source: Source,
    model: Model,
    plan: Plan,
}

impl ShardSet {
    /// Reads the manifests of `dirs` (any order) and checks that they are the N shards of one
    /// run: same tool version, chunk size, scenario hash, seed, trial count and N; every K from 1
    /// to N exactly once; a state layout this build and scenario produce. Refuses with every
    /// problem found, each naming its folder; a field on which the shards disagree names the
    /// minority as offenders.
    pub fn open(dirs: &[PathBuf]) -> Result<ShardSet, MergeRefused> {
        let mut problems = Vec::new();
        let mut opened = Vec::new();
        for dir in dirs {
            match read_manifest(dir) {
                Ok(manifest) => opened.push(Opened {
                    dir: dir.clone(),
                    manifest,
                }),
                Err(reason) => problems.push(format!("`{}`: {reason}", dir.display())),
            }
        }
        // Shard numbers that some problem rules out (re-run them if nothing else provides K).
        let mut excluded = BTreeSet::new();
        let fields: Vec<(&str, Field)> = vec![
            (
                "scenario",
                Field::new(
                    &opened,
                    |m| m.scenario_sha256.clone(),
                    |v| format!("scenario SHA-256 {}…", &v[..v.len().min(12)]),
                ),
            ),
            (
                "seed",
                Field::new(&opened, |m| m.seed.to_string(), |v| format!("seed {v}")),
            ),
            (
                "trial count",
                Field::new(
                    &opened,
                    |m| m.trials_total.to_string(),
                    |v| format!("{v} trials"),
                ),
            ),
            (
                "shard count",
                Field::new(
                    &opened,
                    |m| m.shards.to_string(),
                    |v| format!("N = {v} shards"),
                ),
            ),
        ];
        for (what, field) in &fields {
            problems.extend(field.disagreements(&opened, what, &mut excluded));
        }
        let agreed_n = fields[3]
            .1
            .reference
            .as_ref()
            .and_then(|v| v.parse::<u64>().ok());
        let mut good: Vec<Opened> = opened
            .iter()
            .enumerate()
            .filter(|(i, _)| !excluded.contains(i))
            .map(|(_, o)| o.clone())
            .collect();
        good.sort_by_key(|o| o.manifest.shard);

        // Shards split into groups with no majority on some field (two complete runs with
        // different seeds, say): every shard is set aside, so none is "missing"; the problem
        // already says to pass one run's shards.
        let split = fields
            .iter()
            .any(|(_, field)| field.reference.is_none() && field.groups.len() > 1);
        let mut rerun = Vec::new();
        if let Some(n) = agreed_n.filter(|_| !split) {
            let mut by_k: BTreeMap<u64, Vec<&Opened>> = BTreeMap::new();
            for o in &good {
                by_k.entry(o.manifest.shard).or_default().push(o);
            }
            for (k, copies) in &by_k {
                if copies.len() > 1 {
                    let names: Vec<String> = copies.iter().map(|o| o.name()).collect();
                    problems.push(format!(
                        "shard {k}/{n} is given {} times: {} (pass each shard once)",
                        copies.len(),
                        names.join(", ")
                    ));
                }
            }
            let missing = gaps(by_k.keys().copied().filter(|&k| k <= n), n);
            if !missing.is_empty() {
                let one = missing.len() == 1 && missing[0].start() == missing[0].end();
                problems.push(format!(
                    "shard{} {} of {n} {} missing",
                    if one { "" } else { "s" },
                    range_list(&missing),
                    if one { "is" } else { "are" },
                ));
                rerun = missing;
            }
        } else if opened.is_empty() && problems.is_empty() {
            problems.push("no shard folder given".to_string());
        }
        if !problems.is_empty() {
            return Err(MergeRefused {
                problems,
                rerun,
                shards: agreed_n,
            });
        }

        // Every K from 1 to N exactly once: `good[0]` is shard 1, whose scenario label and stem
        // go into the provenance, whatever the order of the folders.
        let first = &good[0];
        let refuse = |problem: String, k: u64| MergeRefused {
            problems: vec![problem],
            rerun: vec![k..=k],
            shards: agreed_n,
        };
        let text = read_text(&first.dir.join(SCENARIO_FILE)).map_err(|reason| {
            refuse(
                format!("{}: cannot read {SCENARIO_FILE}: {reason}", first.name()),
                first.manifest.shard,
            )
        })?;
        let source = Source::from_text(
            first.manifest.scenario_file.clone(),
            first.manifest.scenario_stem.clone(),
            first.manifest.scenario_bundled,
            text,
        );
        if source.sha256 != first.manifest.scenario_sha256 {
            return Err(refuse(
                format!(
                    "{}: {SCENARIO_FILE} does not match the SHA-256 in its manifest: the copy was altered",
                    first.name()
                ),
                first.manifest.shard,
            ));
        }
        let invalid = |reason: String| MergeRefused {
            problems: vec![format!(
                "the scenario copy in {} does not load in this build: {reason}",
                first.name()
            )],
            rerun: Vec::new(),
            shards: agreed_n,
        };
        let model = scenario::parse(&source).map_err(|e| invalid(e.to_string()))?;
        let plan = Plan::new(&model).map_err(|e| invalid(e.to_string()))?;

        // The state layout the scenario produces in this build.
        let expected = Outcomes::new(layout(&plan));
        let record = LayoutRecord::from(&expected.layout);
        let metrics_fp = hex64(expected.metrics.layout_fingerprint());
        let series_fp = hex64(expected.series.layout_fingerprint());
        let mut problems = Vec::new();
        let mut rerun = Vec::new();
        for o in &good {
            let m = &o.manifest;
            if m.layout != record
                || m.metrics_layout_fingerprint != metrics_fp
                || m.series_layout_fingerprint != series_fp
            {
                problems.push(format!(
                    "{}: incompatible state layout ({}; fingerprints {}/{}), but this build lays out the scenario as {record} (fingerprints {metrics_fp}/{series_fp})",
                    o.name(),
                    m.layout,
                    m.metrics_layout_fingerprint,
                    m.series_layout_fingerprint
                ));
                rerun.push(m.shard);
            }
        }
        if !problems.is_empty() {
            return Err(MergeRefused {
                problems,
                rerun: runs(&rerun),
                shards: agreed_n,
            });
        }
        Ok(ShardSet {
            shards: good,
            source,
            model,
            plan,
        })
    }

    /// The scenario rebuilt from the shards' copy.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The scenario source as shard 1 named it (label, stem, text, hash).
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The seed of the run.
    pub fn seed(&self) -> u64 {
        self.shards[0].manifest.seed
    }

    /// T, the trials of the whole run.
    pub fn trials(&self) -> u64 {
        self.shards[0].manifest.trials_total
    }

    /// N.
    pub fn count(&self) -> u64 {
        self.shards[0].manifest.shards
    }

    /// How many shards hold `trials.csv`.
    pub fn per_trial_count(&self) -> usize {
        self.shards.iter().filter(|o| o.manifest.per_trial).count()
    }

    /// Decodes every shard's state, checks it against its manifest (checksums, layout, number
    /// of trials) and merges them. The accumulators are exactly associative and commutative,
    /// so the result does not depend on N or on the order; it is the state a single run of the
    /// T trials accumulates. Corrupt shards are all reported, not just the first.
    pub fn merge(&self) -> Result<Outcomes, MergeRefused> {
        let mut merged = Outcomes::new(layout(&self.plan));
        let mut problems = Vec::new();
        let mut rerun = Vec::new();
        for o in &self.shards {
            let part = read_state(o, &merged.layout).and_then(|part| {
                merged
                    .merge(&part)
                    .map_err(|e| format!("its state does not merge: {e}"))
            });
            if let Err(reason) = part {
                problems.push(format!("{}: {reason}", o.name()));
                rerun.push(o.manifest.shard);
            }
        }
        if !problems.is_empty() {
            return Err(MergeRefused {
                problems,
                rerun: runs(&rerun),
                shards: Some(self.count()),
            });
        }
        let total = merged.trials();
        if total != self.trials() {
            // The manifests' ranges tile [0, T) and each state holds its range's count, so
            // this is an internal error, reported rather than producing a wrong result.
            return Err(MergeRefused {
                problems: vec![format!(
                    "the shards hold {total} trials in all, not the {} of the run",
                    self.trials()
                )],
                rerun: Vec::new(),
                shards: Some(self.count()),
            });
        }
        Ok(merged)
    }

    /// Writes the shards' `trials.csv` files one after another (the header once) to `out`:
    /// the rows of a single run with `--per-trial`, in trial order. Call only when
    /// [`ShardSet::per_trial_count`] equals N.
    pub fn concatenate_trials(&self, out: &mut dyn Write) -> Result<(), MergeRefused> {
        let mut header: Option<Vec<u8>> = None;
        for o in &self.shards {
            let path = o.dir.join(TRIALS_FILE);
            let refuse = |reason: String| MergeRefused {
                problems: vec![format!("{}: {TRIALS_FILE}: {reason}", o.name())],
                rerun: vec![o.manifest.shard..=o.manifest.shard],
                shards: Some(self.count()),
            };
            let file = std::fs::File::open(&path).map_err(|e| refuse(e.to_string()))?;
            let mut reader = BufReader::new(file);
            let mut first = Vec::new();
            reader
                .read_until(b'\n', &mut first)
                .map_err(|e| refuse(e.to_string()))?;
            // The rows are copied as they are, so their hash is what tells a damaged file
            // (truncated, a row lost, a byte changed) from the one the shard wrote.
            let mut copy = HashingWriter::new(&mut *out);
            match &header {
                None => {
                    copy.write_all(&first)
                        .map_err(|e| refuse(format!("cannot write the merged copy: {e}")))?;
                    header = Some(first);
                }
                Some(h) if *h != first => {
                    return Err(refuse("its header differs from shard 1's".to_string()));
                }
                Some(_) => copy.skip(&first),
            }
            std::io::copy(&mut reader, &mut copy)
                .map_err(|e| refuse(format!("cannot copy the rows: {e}")))?;
            let actual = copy.finish();
            if o.manifest.trials_sha256.as_deref() != Some(actual.as_str()) {
                return Err(refuse(
                    "it is not the file the shard wrote (its SHA-256 differs from the manifest's): \
                     damaged or edited; re-run the shard"
                        .to_string(),
                ));
            }
        }
        Ok(())
    }
}

/// One field on which all shards must agree, grouped by value.
struct Field {
    /// Value → indices of the shards (in `opened`) holding it, in first-seen order.
    groups: Vec<(String, Vec<usize>)>,
    describe: fn(&str) -> String,
    /// The value of the largest group, if it is strictly the largest.
    reference: Option<String>,
}

impl Field {
    fn new(opened: &[Opened], get: fn(&Manifest) -> String, describe: fn(&str) -> String) -> Field {
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, o) in opened.iter().enumerate() {
            let value = get(&o.manifest);
            match groups.iter_mut().find(|(v, _)| *v == value) {
                Some((_, members)) => members.push(i),
                None => groups.push((value, vec![i])),
            }
        }
        let largest = groups.iter().map(|(_, m)| m.len()).max().unwrap_or(0);
        let mut leaders = groups.iter().filter(|(_, m)| m.len() == largest);
        let reference = match (leaders.next(), leaders.next()) {
            (Some((value, _)), None) => Some(value.clone()),
            _ => None,
        };
        Field {
            groups,
            describe,
            reference,
        }
    }

    /// Problems naming the shards outside the majority (or every group, when no value has a
    /// strict majority), adding them to `excluded`.
    fn disagreements(
        &self,
        opened: &[Opened],
        what: &str,
        excluded: &mut BTreeSet<usize>,
    ) -> Vec<String> {
        if self.groups.len() <= 1 {
            return Vec::new();
        }
        let names = |members: &[usize]| -> String {
            let mut names: Vec<String> = members.iter().map(|&i| opened[i].name()).collect();
            if names.len() > 4 {
                let more = names.len() - 3;
                names.truncate(3);
                names.push(format!("and {more} more"));
            }
            names.join(", ")
        };
        match &self.reference {
            Some(reference) => {
                let majority = self
                    .groups
                    .iter()
                    .find(|(v, _)| v == reference)
                    .map_or(0, |(_, m)| m.len());
                self.groups
                    .iter()
                    .filter(|(v, _)| v != reference)
                    .map(|(value, members)| {
                        excluded.extend(members);
                        let other = if majority == 1 {
                            "the other shard has".to_string()
                        } else {
                            format!("the other {majority} shards have")
                        };
                        format!(
                            "{}: {what} differs: {}, but {other} {}",
                            names(members),
                            (self.describe)(value),
                            (self.describe)(reference)
                        )
                    })
                    .collect()
            }
            None => {
                let listed: Vec<String> = self
                    .groups
                    .iter()
                    .map(|(value, members)| {
                        excluded.extend(members);
                        format!("{} in {}", (self.describe)(value), names(members))
                    })
                    .collect();
                vec![format!(
                    "the shards disagree on the {what}, with no majority: {}; pass the shards of \
                     one run only",
                    listed.join("; ")
                )]
            }
        }
    }
}

fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| io_reason(&e))
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}

fn read_manifest(dir: &Path) -> Result<Manifest, String> {
    if !dir.is_dir() {
        return Err(if dir.exists() {
            "not a folder: give the shard folders written by `run --shard K/N`".to_string()
        } else {
            "no such folder".to_string()
        });
    }
    let bytes = std::fs::read(dir.join(MANIFEST_FILE)).map_err(|e| {
        format!(
            "not a shard folder: cannot read {MANIFEST_FILE} ({})",
            io_reason(&e)
        )
    })?;
    Manifest::from_json(&bytes)
}

/// Reads and checks one shard's state against its manifest and the expected layout.
fn read_state(o: &Opened, expected: &Layout) -> Result<Outcomes, String> {
    let m = &o.manifest;
    let read = |file: &str, sha: &str| -> Result<Vec<u8>, String> {
        let bytes = std::fs::read(o.dir.join(file))
            .map_err(|e| format!("cannot read {file}: {}", io_reason(&e)))?;
        if sha256_hex(&bytes) != sha {
            return Err(format!(
                "{file} is corrupt: its SHA-256 differs from the one in {MANIFEST_FILE}"
            ));
        }
        Ok(bytes)
    };
    let metrics = MetricBank::from_bytes(&read(METRICS_FILE, &m.metrics_sha256)?)
        .map_err(|e| format!("{METRICS_FILE} is corrupt: {e}"))?;
    let series = SeriesBank::from_bytes(&read(SERIES_FILE, &m.series_sha256)?)
        .map_err(|e| format!("{SERIES_FILE} is corrupt: {e}"))?;
    if hex64(metrics.layout_fingerprint()) != m.metrics_layout_fingerprint
        || hex64(series.layout_fingerprint()) != m.series_layout_fingerprint
    {
        return Err("its state's layout differs from its manifest's".to_string());
    }
    let part = Outcomes {
        layout: expected.clone(),
        metrics,
        series,
    };
    let held = part.trials();
    let series_ok = (0..part.series.len()).all(|s| part.series.count(s) == held);
    if held != m.trial_count() || !series_ok {
        return Err(format!(
            "its state holds {held} trials, but shard {} runs {} (trials {}..{})",
            m.spec(),
            m.trial_count(),
            m.trial_start,
            m.trial_end
        ));
    }
    Ok(part)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_tile_the_trials_for_every_n() {
        for total in [0u64, 1, 2, 7, 64, 100, 1001] {
            for count in 1..=40 {
                let mut next = 0;
                for index in 1..=count {
                    let range = ShardSpec::new(index, count).expect("valid").trials(total);
                    assert_eq!(range.start, next, "T={total} N={count} K={index}");
                    // ⌊T/N⌋ or ⌈T/N⌉ trials: empty only when N > T.
                    let size = range.end - range.start;
                    assert!(
                        size == total / count || size == total.div_ceil(count),
                        "T={total} N={count} K={index}: {size} trials"
                    );
                    next = range.end;
                }
                assert_eq!(next, total);
            }
        }
    }

    #[test]
    fn ranges_do_not_overflow_at_the_trial_limit() {
        let total = crate::model::MAX_TRIALS;
        let count = total - 1;
        let range = shard_range(count, count, total);
        assert_eq!(range.end, total);
        // ⌊(N−1)·T/N⌋ with T = N + 1 is N − 1 + ⌊(N−1)/N⌋ = N − 1.
        assert_eq!(range.start, count - 1);
    }

    #[test]
    fn parse_accepts_k_of_n_and_explains_every_mistake() {
        assert_eq!("3/8".parse(), Ok(ShardSpec { index: 3, count: 8 }));
        assert_eq!("1/1".parse(), Ok(ShardSpec { index: 1, count: 1 }));
        for (text, needle) in [
            ("0/4", "K must be between 1 and N = 4"),
            ("5/4", "K must be between 1 and N = 4"),
            ("1/0", "at least 1"),
            ("3", "is not K/N"),
            ("3/", "is not K/N"),
            ("/3", "is not K/N"),
            ("a/3", "is not K/N"),
            ("-1/3", "is not K/N"),
            ("1/3/4", "is not K/N"),
            (" 1/3", "is not K/N"),
            ("1/99999999999999999999", "too large"),
        ] {
            let error = text.parse::<ShardSpec>().expect_err(text);
            assert!(error.0.contains(needle), "{text}: {error}");
        }
    }

    #[test]
    fn gaps_are_found_from_the_shards_present_not_by_counting_to_n() {
        assert_eq!(gaps([2, 3, 7].into_iter(), 8), vec![1..=1, 4..=6, 8..=8]);
        assert_eq!(
            gaps([1, 2].into_iter(), 2),
            Vec::<RangeInclusive<u64>>::new()
        );
        assert_eq!(gaps(std::iter::empty(), 3), vec![1..=3]);
        // One shard of an absurd N: instant, two runs.
        let n = 100_000_000_000;
        assert_eq!(gaps([5].into_iter(), n), vec![1..=4, 6..=n]);
        assert_eq!(runs(&[1, 2, 3, 5, 7, 8]), vec![1..=3, 5..=5, 7..=8]);
        let refusal = refusal_message(&["x".into()], &[1..=4, 6..=n], Some(n));
        assert!(
            refusal.ends_with(&format!(
                "re-run shards 1-4, 6-{n} of {n} (--shard 1/{n}, --shard 2/{n}, --shard 3/{n}, …) and merge again"
            )),
            "{refusal}"
        );
    }

    /// A writer that takes at most three bytes a call, as a file may take fewer than offered.
    struct Stingy(Vec<u8>);

    impl Write for Stingy {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            let n = bytes.len().min(3);
            self.0.extend_from_slice(&bytes[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What the writer passes on is what it hashes, however the bytes arrive: a partial write
    /// is hashed for the bytes taken only (hashing what was offered would count the rest twice
    /// when `write_all` offers it again).
    #[test]
    fn the_hashing_writer_hashes_what_it_writes() {
        let mut writer = HashingWriter::new(Stingy(Vec::new()));
        writer.write_all(b"variant,commodity\n").expect("write");
        writer.write_all(b"a,b\n").expect("write");
        assert_eq!(writer.inner.0, b"variant,commodity\na,b\n");
        assert_eq!(
            writer.finish(),
            sha256_hex(b"variant,commodity\na,b\n"),
            "SHA-256 of the bytes written"
        );
    }

    #[test]
    fn number_lists_collapse_runs() {
        assert_eq!(number_list(&[]), "");
        assert_eq!(number_list(&[4]), "4");
        assert_eq!(number_list(&[1, 2]), "1, 2");
        assert_eq!(number_list(&[1, 2, 3, 5, 7, 8, 9, 10]), "1-3, 5, 7-10");
    }
}
