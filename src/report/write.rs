//! The only code that writes result files: a staging folder, moved into place once complete,
//! so a reader never sees a half-written result and a failed run leaves the previous one
//! untouched.
//!
//! Where the result goes depends on what the target folder holds, surveyed when the run
//! starts and again when it commits (the folder may change during a long run):
//! - nothing (or no folder): the staging folder is renamed into place;
//! - an earlier result or shard and nothing else: it is replaced as a whole, in one rename;
//! - anything else: the run's files are moved in one by one, next to what is there.
//!
//! An earlier result is recognised by its `summary.json` provenance or shard manifest, and its
//! files are the names that kind of folder holds (its charts named from its `summary.json`).
//! Everything else is the user's, symbolic links included, and is never deleted, overwritten
//! or written through: a run that would overwrite one of them stops with exit code 2 before
//! it moves anything. Only files of an earlier result of the same kind are replaced, and
//! those this run does not write again (`trials.csv` without `--per-trial`, charts of a
//! removed variant) are removed.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why output could not be written (the user fixes it: exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("cannot write results to `{path}`: {reason}")]
pub struct WriteError {
    /// The folder or file concerned.
    pub path: String,
    /// The operating system's reason.
    pub reason: String,
}

fn error(path: &Path, e: &std::io::Error) -> WriteError {
    WriteError {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// What a folder being written will hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contents {
    /// A run's or a merge's result (SPEC 8), with `trials.csv` if `trials`, with `charts/` if
    /// `charts`.
    Result {
        /// `trials.csv` is written (`--per-trial`).
        trials: bool,
        /// `charts/` is written (no `--no-charts`).
        charts: bool,
    },
    /// A shard's state and manifest (SPEC 7), with `trials.csv` if `trials`.
    Shard {
        /// `trials.csv` is written (`--per-trial`).
        trials: bool,
    },
}

/// The two kinds of folder a run writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Result,
    Shard,
}

/// Written by file browsers that showed a folder (macOS Finder, Windows Explorer): part of an
/// earlier result's folder, to be replaced with it.
const BROWSER_FILES: [&str; 2] = [".DS_Store", "Thumbs.db"];

impl Contents {
    fn kind(self) -> Kind {
        match self {
            Contents::Result { .. } => Kind::Result,
            Contents::Shard { .. } => Kind::Shard,
        }
    }

    /// The names it writes at the folder's top.
    fn names(self) -> Vec<&'static str> {
        let (mut names, trials) = match self {
            Contents::Result { trials, charts } => {
                let mut names = vec!["summary.csv", "summary.json", "monthly.csv", "report.md"];
                if charts {
                    names.push("charts");
                }
                (names, trials)
            }
            Contents::Shard { trials } => (
                vec![
                    "manifest.json",
                    "metrics.bin",
                    "series.bin",
                    "scenario.toml",
                ],
                trials,
            ),
        };
        if trials {
            names.push("trials.csv");
        }
        names
    }
}

/// A folder being written: files go to a hidden staging folder until [`Staged::commit`].
#[derive(Debug)]
pub struct Staged {
    target: PathBuf,
    staging: PathBuf,
    contents: Contents,
    /// The staging folder is inside the target (which is on another device than its parent,
    /// a mount point say, where a rename from beside it fails), so the files are always moved
    /// in one by one.
    inside: bool,
    committed: bool,
}

/// How [`Staged::commit`] puts the staged files in place.
#[derive(Debug)]
enum Placement {
    /// No folder, an empty one, or an earlier result alone: rename the staging folder over it.
    Whole,
    /// A folder with files of the user's: move the run's files in one by one, replacing only
    /// `replaceable` files (the earlier result's, when it is of the same kind), and remove
    /// those of them the run does not write.
    Into { replaceable: Vec<String> },
}

impl Staged {
    /// Prepares to write `contents` to `target`: checks that they can go there without
    /// touching a file of the user's, creates the target's parent and a staging folder, so that
    /// an unwritable location or a clash fails here, before any work is done.
    pub fn begin(target: &Path, contents: Contents) -> Result<Staged, WriteError> {
        let target = &resolve(target)?;
        let name = target
            .file_name()
            .ok_or_else(|| WriteError {
                path: target.display().to_string(),
                reason: "not a folder name".to_string(),
            })?
            .to_string_lossy()
            .into_owned();
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if target.exists() && !target.is_dir() {
            return Err(WriteError {
                path: target.display().to_string(),
                reason: "it exists and is not a folder".to_string(),
            });
        }
        // A file where a parent folder should be: name it, rather than the OS's "File exists".
        if let Some(file) = parent
            .ancestors()
            .find(|a| !a.as_os_str().is_empty() && a.exists() && !a.is_dir())
        {
            return Err(WriteError {
                path: target.display().to_string(),
                reason: format!("`{}` is a file, not a folder", file.display()),
            });
        }
        let inside = target.is_dir() && on_another_device(target, &parent);
        let placement = placement(target, contents)?;
        fs::create_dir_all(&parent).map_err(|e| error(&parent, &e))?;
        let staging = if inside || matches!(placement, Placement::Into { .. }) {
            // The files will be moved into the folder itself: make sure that can be done
            // before any work, as for the staging folder.
            let probe = target.join(format!(".supplyrisk.probe-{}", std::process::id()));
            fs::write(&probe, b"").map_err(|e| error(target, &e))?;
            let _ = fs::remove_file(&probe);
            if inside {
                remove_abandoned(target, "supplyrisk");
                target.join(format!(".supplyrisk.partial-{}", std::process::id()))
            } else {
                parent.join(format!(".{name}.partial-{}", std::process::id()))
            }
        } else {
            parent.join(format!(".{name}.partial-{}", std::process::id()))
        };
        remove_abandoned(&parent, &name);
        // Errors name the folder asked for, not the hidden staging folder.
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| error(target, &e))?;
        }
        fs::create_dir(&staging).map_err(|e| error(target, &e))?;
        Ok(Staged {
            target: target.clone(),
            staging,
            contents,
            inside,
            committed: false,
        })
    }

    /// The staging folder (for writers that stream, such as `trials.csv`).
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Writes `bytes` to `relative` inside the staging folder, creating subfolders.
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<(), WriteError> {
        let path = self.staging.join(relative);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| error(dir, &e))?;
        }
        let mut file = fs::File::create(&path).map_err(|e| error(&path, &e))?;
        file.write_all(bytes).map_err(|e| error(&path, &e))?;
        file.sync_all().map_err(|e| error(&path, &e))
    }

    /// Opens a file in the staging folder for streaming writes.
    pub fn create(&self, relative: &str) -> Result<fs::File, WriteError> {
        let path = self.staging.join(relative);
        fs::File::create(&path).map_err(|e| error(&path, &e))
    }

    /// Moves the staged files into place, replacing an earlier result only now. The target is
    /// surveyed again first: what the user put there during the run is theirs too.
    pub fn commit(mut self) -> Result<PathBuf, WriteError> {
        let placement = placement(&self.target, self.contents)?;
        match placement {
            Placement::Into { replaceable } => self.move_into(&replaceable)?,
            Placement::Whole if self.inside => self.move_into(&own_files(&self.target))?,
            Placement::Whole => self.rename_over()?,
        }
        self.committed = true;
        let _ = fs::remove_dir_all(&self.staging);
        Ok(self.target.clone())
    }

    /// Renames the staging folder over the target (which holds nothing, or an earlier result
    /// alone).
    fn rename_over(&self) -> Result<(), WriteError> {
        let old = self.target.with_file_name(format!(
            ".{}.old-{}",
            self.target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        let had_old = self.target.exists();
        if had_old {
            fs::rename(&self.target, &old).map_err(|e| error(&self.target, &e))?;
        }
        if let Err(e) = fs::rename(&self.staging, &self.target) {
            if had_old {
                let _ = fs::rename(&old, &self.target);
            }
            return Err(error(&self.target, &e));
        }
        if had_old {
            let _ = fs::remove_dir_all(&old);
        }
        Ok(())
    }

    /// Moves each staged file into the target folder, over a `replaceable` file of the same
    /// name, then removes the `replaceable` files this run did not write. Every move is
    /// checked before the first: a file of the user's in the way stops the commit with
    /// nothing moved.
    fn move_into(&self, replaceable: &[String]) -> Result<(), WriteError> {
        let mut staged = Vec::new();
        for entry in sorted_entries(&self.staging)? {
            let from = self.staging.join(&entry);
            if from.is_dir() {
                for file in sorted_entries(&from)? {
                    staged.push(format!("{entry}/{file}"));
                }
            } else {
                staged.push(entry);
            }
        }
        for relative in &staged {
            let to = self.target.join(relative);
            let in_the_way = fs::symlink_metadata(&to).is_ok()
                && !(replaceable.contains(relative) && is_plain_file(&to));
            let folder = Path::new(relative)
                .parent()
                .filter(|p| !p.as_os_str().is_empty());
            let folder_in_the_way = folder.is_some_and(|f| {
                let f = self.target.join(f);
                fs::symlink_metadata(&f).is_ok() && !is_plain_dir(&f)
            });
            if in_the_way || folder_in_the_way {
                return Err(clash(&self.target, relative));
            }
        }
        for relative in &staged {
            let (from, to) = (self.staging.join(relative), self.target.join(relative));
            if let Some(folder) = to.parent() {
                fs::create_dir_all(folder).map_err(|e| error(folder, &e))?;
            }
            fs::rename(&from, &to).map_err(|e| error(&to, &e))?;
        }
        for relative in replaceable {
            let path = self.target.join(relative);
            if !staged.contains(relative) && is_plain_file(&path) {
                let _ = fs::remove_file(path);
            }
        }
        // A `charts/` the removals left empty (a run with --no-charts) goes too.
        let _ = fs::remove_dir(self.target.join("charts"));
        Ok(())
    }
}

/// The target as given, or, for a symbolic link to a folder or a name such as `.`, the folder
/// itself (so that the link is followed, not replaced, and the folder has a name).
fn resolve(target: &Path) -> Result<PathBuf, WriteError> {
    let is_link = fs::symlink_metadata(target).is_ok_and(|m| m.file_type().is_symlink());
    let unnamed = target.file_name().is_none_or(|n| n == "." || n == "..");
    if !is_link && !unnamed {
        return Ok(target.to_path_buf());
    }
    fs::canonicalize(target).map_err(|e| WriteError {
        path: target.display().to_string(),
        reason: if is_link {
            format!("it is a symbolic link to nothing usable ({e})")
        } else {
            e.to_string()
        },
    })
}

/// Whether `target` is on another device than `parent` (a mount point): a rename between
/// them fails.
fn on_another_device(target: &Path, parent: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::metadata(target), fs::metadata(parent)) {
            (Ok(t), Ok(p)) => t.dev() != p.dev(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (target, parent);
        false
    }
}

fn is_plain_file(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

fn is_plain_dir(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_dir())
}

fn clash(target: &Path, name: &str) -> WriteError {
    WriteError {
        path: target.display().to_string(),
        reason: format!(
            "it holds `{name}`, which the run would overwrite and which is not part of an earlier supplyrisk result of this kind; choose another --out, or move `{name}` out of it"
        ),
    }
}

/// The names in `folder`, sorted (so moves happen in the same order every time).
fn sorted_entries(folder: &Path) -> Result<Vec<String>, WriteError> {
    let mut names: Vec<String> = fs::read_dir(folder)
        .map_err(|e| error(folder, &e))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// Whether a name in a target folder is this program's own passing file: a staging folder or
/// a write probe (of this run or of one killed).
fn is_transient(name: &str) -> bool {
    name.starts_with(".supplyrisk.partial-") || name.starts_with(".supplyrisk.probe-")
}

/// Where `contents` for `target` go (see the module's documentation), or why they cannot go
/// there without overwriting a file of the user's.
fn placement(target: &Path, contents: Contents) -> Result<Placement, WriteError> {
    let Ok(entries) = fs::read_dir(target) else {
        return Ok(Placement::Whole);
    };
    let mut present = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_transient(&name) {
            continue;
        }
        if name == "charts" && is_plain_dir(&entry.path()) {
            present.push("charts/".to_string());
            if let Ok(charts) = fs::read_dir(entry.path()) {
                present.extend(
                    charts
                        .flatten()
                        .map(|e| format!("charts/{}", e.file_name().to_string_lossy())),
                );
            }
        } else {
            present.push(name);
        }
    }
    if present.is_empty() {
        return Ok(Placement::Whole);
    }
    let own = own_files(target);
    let is_own = |name: &String| {
        own.contains(name)
            && (if name == "charts/" {
                is_plain_dir(&target.join("charts"))
            } else {
                is_plain_file(&target.join(name))
            })
    };
    if present.iter().all(is_own) {
        return Ok(Placement::Whole);
    }
    // Files of the user's stay. Only an earlier result's files of the same kind are replaced.
    let same_kind = earlier_kind(target) == Some(contents.kind());
    let replaceable: Vec<String> = if same_kind {
        present
            .iter()
            .filter(|name| is_own(name) && *name != "charts/")
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    for name in contents.names() {
        let path = target.join(name);
        if fs::symlink_metadata(&path).is_err() {
            continue;
        }
        let fine = if name == "charts" {
            is_plain_dir(&path) && same_kind
        } else {
            replaceable.iter().any(|r| r == name)
        };
        if !fine {
            return Err(clash(target, name));
        }
    }
    Ok(Placement::Into { replaceable })
}

/// The kind of earlier result `target` holds: a `summary.json` with supplyrisk's provenance,
/// or a shard `manifest.json`.
fn earlier_kind(target: &Path) -> Option<Kind> {
    let read = |name: &str| -> Option<serde_json::Value> {
        if !is_plain_file(&target.join(name)) {
            return None;
        }
        serde_json::from_str(&fs::read_to_string(target.join(name)).ok()?).ok()
    };
    let result = read("summary.json").is_some_and(|summary| {
        summary
            .get("provenance")
            .and_then(|p| p.get("tool_version"))
            .is_some()
    });
    if result {
        return Some(Kind::Result);
    }
    let shard = read("manifest.json").is_some_and(|manifest| {
        manifest.get("format").and_then(serde_json::Value::as_str) == Some("supplyrisk-shard")
    });
    shard.then_some(Kind::Shard)
}

/// The files the earlier result in `target` wrote, relative to it (`charts/` for its charts
/// folder), plus the files a file browser adds; none if it holds no earlier result.
fn own_files(target: &Path) -> Vec<String> {
    let top: &[&str] = match earlier_kind(target) {
        None => return Vec::new(),
        Some(Kind::Result) => &[
            "summary.csv",
            "summary.json",
            "monthly.csv",
            "trials.csv",
            "report.md",
        ],
        Some(Kind::Shard) => &[
            "manifest.json",
            "metrics.bin",
            "series.bin",
            "scenario.toml",
            "trials.csv",
        ],
    };
    let mut own: Vec<String> = top
        .iter()
        .chain(&BROWSER_FILES)
        .map(|name| (*name).to_string())
        .collect();
    if let Some(charts) = earlier_chart_names(target) {
        own.push("charts/".to_string());
        own.extend(
            charts
                .into_iter()
                .chain(BROWSER_FILES.iter().map(|name| (*name).to_string()))
                .map(|name| format!("charts/{name}")),
        );
    }
    own
}

/// The charts the earlier result in `target` wrote, by name, from its `summary.json`: the
/// names `plot::plan` gives them, which follow from its `dependency_on` countries and its
/// variants. `None` if there is no readable `summary.json`.
fn earlier_chart_names(target: &Path) -> Option<Vec<String>> {
    let text = fs::read_to_string(target.join("summary.json")).ok()?;
    let summary: serde_json::Value = serde_json::from_str(&text).ok()?;
    let countries = summary.get("dependency_on")?.as_array()?;
    let variants = summary.get("variants")?.as_array()?;
    let comparison = variants.len() > 1;
    let mut names = Vec::new();
    for country in countries.iter().filter_map(serde_json::Value::as_str) {
        names.push(format!("dependency_{country}.png"));
        if comparison {
            names.push(format!("reduction_{country}.png"));
        }
        names.push(format!("monthly_dependency_{country}.png"));
    }
    names.push("shortfall_exceedance.png".to_string());
    names.push("monthly_shortfall.png".to_string());
    if comparison {
        for variant in variants {
            let baseline = variant.get("baseline").and_then(serde_json::Value::as_bool);
            if let (Some(id), Some(false)) = (
                variant.get("id").and_then(serde_json::Value::as_str),
                baseline,
            ) {
                names.push(format!("network_{id}.png"));
            }
        }
    } else {
        names.push("network.png".to_string());
    }
    Some(names)
}

/// Removes the staging (`.NAME.partial-PID`) and replaced (`.NAME.old-PID`) folders that a
/// run killed by a signal (Ctrl-C, a batch system's time limit) left beside `NAME`: `Drop`
/// never ran for them. Only folders whose process is gone are touched, so a concurrent run
/// into the same folder keeps its own; where that cannot be known (no `/proc`), nothing is
/// removed.
fn remove_abandoned(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name
            .to_str()
            .and_then(|f| f.strip_prefix('.'))
            .and_then(|f| f.strip_prefix(name))
        else {
            continue;
        };
        let pid = rest
            .strip_prefix(".partial-")
            .or_else(|| rest.strip_prefix(".old-"))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && process_is_gone(pid)
        {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// True only when `pid` is known not to be running (Linux: no `/proc/PID`).
fn process_is_gone(pid: u32) -> bool {
    let proc = Path::new("/proc");
    proc.join("self").exists() && !proc.join(pid.to_string()).exists()
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run's result with charts, without `trials.csv`.
    const RESULT: Contents = Contents::Result {
        trials: false,
        charts: true,
    };

    /// The `summary.json` of an earlier result, as far as [`earlier_kind`] and
    /// [`earlier_chart_names`] read it: a comparison of `base` and `more` on CN.
    const EARLIER_SUMMARY: &str = r#"{"provenance": {"tool_version": "0.1.0"},
        "dependency_on": ["CN"],
        "variants": [{"id": "base", "baseline": true}, {"id": "more", "baseline": false}]}"#;

    /// The sorted names in `folder`.
    fn names(folder: &Path) -> Vec<String> {
        sorted_entries(folder).expect("list")
    }

    /// Writes `files` (relative paths) with `text` under `folder`, creating subfolders.
    fn put(folder: &Path, files: &[&str], text: &str) {
        for file in files {
            let path = folder.join(file);
            fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            fs::write(path, text).expect("write");
        }
    }

    /// An earlier result of `base` and `more` in `folder`, every file reading "old".
    fn earlier_result(folder: &Path) {
        put(
            folder,
            &[
                "summary.csv",
                "monthly.csv",
                "report.md",
                "trials.csv",
                "charts/dependency_CN.png",
                "charts/reduction_CN.png",
                "charts/network_more.png",
            ],
            "old",
        );
        fs::write(folder.join("summary.json"), EARLIER_SUMMARY).expect("write");
    }

    /// Stages and commits a result holding `files` ("new"), plus a `summary.json`.
    fn run_into(target: &Path, contents: Contents, files: &[&str]) -> Result<(), WriteError> {
        let staged = Staged::begin(target, contents)?;
        for file in files {
            staged.write(file, b"new").expect("write");
        }
        staged
            .write("summary.json", EARLIER_SUMMARY.as_bytes())
            .expect("write");
        staged.commit().map(|_| ())
    }

    #[test]
    fn commit_replaces_only_when_complete_and_drop_cleans_up() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("out");
        earlier_result(&target);

        let staged = Staged::begin(&target, RESULT).expect("begin");
        staged.write("monthly.csv", b"new").expect("write");
        staged
            .write("summary.json", EARLIER_SUMMARY.as_bytes())
            .expect("write");
        // Before commit, the old result is intact.
        assert!(target.join("summary.csv").exists());
        staged.commit().expect("commit");
        // An earlier result alone is replaced as a whole.
        assert_eq!(names(&target), ["monthly.csv", "summary.json"]);
        assert_eq!(fs::read(target.join("monthly.csv")).expect("read"), b"new");

        // An abandoned run leaves neither staging folder nor changes.
        {
            let staged = Staged::begin(&target, RESULT).expect("begin");
            staged.write("trials.csv", b"partial").expect("write");
        }
        assert!(!target.join("trials.csv").exists());
        assert_eq!(names(dir.path()), ["out"]);
    }

    #[test]
    fn folders_abandoned_by_a_killed_run_are_removed_by_the_next() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("out");
        // PIDs above the kernel's maximum (4194304) never run.
        let dead = dir.path().join(".out.partial-4294967295");
        let old = dir.path().join(".out.old-4294967294");
        let other = dir.path().join(".other.partial-4294967295");
        let live = dir
            .path()
            .join(format!(".out.partial-{}", std::process::id()));
        for d in [&dead, &old, &other] {
            fs::create_dir(d).expect("mkdir");
        }
        let staged = Staged::begin(&target, RESULT).expect("begin");
        assert_eq!(staged.staging(), live.as_path());
        if Path::new("/proc/self").exists() {
            assert!(!dead.exists() && !old.exists(), "abandoned folders removed");
        }
        assert!(other.exists(), "another target's folder is left alone");
    }

    #[test]
    fn a_folder_of_the_users_gets_the_files_beside_its_own() {
        // Regression: a folder holding only the user's scenario saved as `scenario.toml` (a
        // name shard folders use) passed for an earlier result and was replaced: the scenario
        // was deleted. Then, once results were written beside it, the next run took the
        // scenario for a stale file of theirs and removed it.
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("work");
        put(&target, &["scenario.toml", "notes.txt"], "mine");
        for _ in 0..3 {
            run_into(&target, RESULT, &["summary.csv", "charts/network_more.png"]).expect("runs");
            assert_eq!(
                names(&target),
                [
                    "charts",
                    "notes.txt",
                    "scenario.toml",
                    "summary.csv",
                    "summary.json"
                ]
            );
            for mine in ["scenario.toml", "notes.txt"] {
                assert_eq!(fs::read(target.join(mine)).expect("read"), b"mine");
            }
        }
        // Without the charts this time: the earlier result's chart goes, with its folder.
        run_into(&target, RESULT, &["summary.csv"]).expect("runs");
        assert_eq!(
            names(&target),
            ["notes.txt", "scenario.toml", "summary.csv", "summary.json"]
        );
        assert_eq!(names(dir.path()), ["work"], "no staging folder left");
    }

    #[test]
    fn a_file_of_the_users_with_a_result_name_is_never_overwritten() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("work");
        fs::create_dir(&target).expect("mkdir");
        let with_trials = Contents::Result {
            trials: true,
            charts: true,
        };
        let cases = [
            ("report.md", RESULT),
            ("summary.csv", RESULT),
            ("charts", RESULT),
            ("trials.csv", with_trials),
            ("scenario.toml", Contents::Shard { trials: false }),
            ("trials.csv", Contents::Shard { trials: true }),
        ];
        for (mine, contents) in cases {
            let path = target.join(mine);
            fs::write(&path, "mine").expect("write");
            let refused = Staged::begin(&target, contents).expect_err("refuses");
            let message = refused.to_string();
            assert!(
                message.contains(&format!("holds `{mine}`, which the run would overwrite")),
                "{message}"
            );
            assert_eq!(fs::read(&path).expect("kept"), b"mine");
            fs::remove_file(&path).expect("remove");
        }
        // A name this run does not write is no obstacle.
        put(&target, &["trials.csv"], "mine");
        run_into(&target, RESULT, &["summary.csv"]).expect("runs");
        assert_eq!(fs::read(target.join("trials.csv")).expect("kept"), b"mine");
        assert_eq!(names(dir.path()), ["work"], "nothing staged");
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_are_followed_as_the_target_and_never_written_through() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().expect("temp dir");
        // A dangling link with a result's name is the user's: refused, not replaced.
        let work = dir.path().join("work");
        put(&work, &["notes.txt"], "mine");
        symlink(dir.path().join("nowhere.csv"), work.join("summary.csv")).expect("link");
        let refused = Staged::begin(&work, RESULT).expect_err("refuses");
        assert!(refused.to_string().contains("`summary.csv`"), "{refused}");
        assert!(fs::symlink_metadata(work.join("summary.csv")).is_ok());

        // An earlier result whose charts folder the user made a link to their figures: the
        // link is theirs, nothing is written or removed through it.
        let figures = dir.path().join("figures");
        put(&figures, &["network_more.png", "fig1.pdf"], "mine");
        let result = dir.path().join("result");
        earlier_result(&result);
        fs::remove_dir_all(result.join("charts")).expect("rm");
        symlink(&figures, result.join("charts")).expect("link");
        let refused = run_into(&result, RESULT, &["charts/network_more.png"]);
        assert!(refused.is_err(), "charts is the user's link");
        run_into(
            &result,
            Contents::Result {
                trials: false,
                charts: false,
            },
            &["summary.csv"],
        )
        .expect("no charts: the link stays");
        assert_eq!(names(&figures), ["fig1.pdf", "network_more.png"]);
        assert_eq!(
            fs::read(figures.join("network_more.png")).expect("read"),
            b"mine"
        );

        // `--out` a link to a folder: the folder is written, the link stays a link.
        let store = dir.path().join("store");
        earlier_result(&store);
        let link = dir.path().join("link");
        symlink(&store, &link).expect("link");
        run_into(&link, RESULT, &["summary.csv"]).expect("runs");
        assert!(
            fs::symlink_metadata(&link)
                .expect("link")
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(store.join("summary.csv")).expect("read"), b"new");
    }

    #[test]
    fn an_earlier_result_with_files_of_the_users_loses_only_its_own() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("precious");
        earlier_result(&target);
        put(
            &target,
            &[
                "thesis.txt",
                // Names like a chart's but not one the earlier result wrote are the user's:
                // a comparison writes `network_more.png`, never `network.png`.
                "charts/network.png",
                "charts/annotated.png",
                "charts/dependency_CN_annotated.png",
            ],
            "mine",
        );
        run_into(
            &target,
            RESULT,
            &["summary.csv", "report.md", "charts/dependency_CN.png"],
        )
        .expect("an earlier result with the user's files");
        // trials.csv (no --per-trial this time), monthly.csv and the charts this run did not
        // draw are gone; the user's files are as they were.
        assert_eq!(
            names(&target),
            [
                "charts",
                "report.md",
                "summary.csv",
                "summary.json",
                "thesis.txt"
            ]
        );
        assert_eq!(
            names(&target.join("charts")),
            [
                "annotated.png",
                "dependency_CN.png",
                "dependency_CN_annotated.png",
                "network.png"
            ]
        );
        for mine in ["thesis.txt", "charts/network.png", "charts/annotated.png"] {
            assert_eq!(
                fs::read(target.join(mine)).expect("read"),
                b"mine",
                "{mine}"
            );
        }
        assert_eq!(
            fs::read(target.join("charts/dependency_CN.png")).expect("read"),
            b"new"
        );
        // A single-variant result would write `network.png`: the user's is in the way.
        let single = r#"{"provenance": {"tool_version": "0.1.0"}, "dependency_on": [],
            "variants": [{"id": "base", "baseline": true}]}"#;
        let staged = Staged::begin(&target, RESULT).expect("begin");
        staged.write("charts/network.png", b"new").expect("write");
        staged
            .write("summary.json", single.as_bytes())
            .expect("write");
        let refused = staged
            .commit()
            .expect_err("would overwrite the user's chart");
        assert!(
            refused.to_string().contains("`charts/network.png`"),
            "{refused}"
        );
        assert_eq!(
            fs::read(target.join("charts/network.png")).expect("read"),
            b"mine"
        );
        assert_eq!(
            fs::read(target.join("summary.json")).expect("read"),
            EARLIER_SUMMARY.as_bytes(),
            "nothing moved"
        );
    }

    #[test]
    fn a_shard_folder_keeps_the_users_files_and_a_result_does_not_overwrite_them() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("shard");
        put(&target, &["report.md", "summary.csv"], "mine");
        let shard = Contents::Shard { trials: false };
        let manifest = br#"{"format": "supplyrisk-shard"}"#;
        for _ in 0..2 {
            let staged = Staged::begin(&target, shard).expect("begin");
            staged.write("manifest.json", manifest).expect("write");
            staged.write("metrics.bin", b"new").expect("write");
            staged.commit().expect("commit");
            for mine in ["report.md", "summary.csv"] {
                assert_eq!(fs::read(target.join(mine)).expect("read"), b"mine");
            }
        }
        // A full result into it would overwrite the user's summary.csv and report.md: refused.
        let refused = Staged::begin(&target, RESULT).expect_err("refuses");
        assert!(refused.to_string().contains("`summary.csv`"), "{refused}");
    }

    #[test]
    fn what_the_user_puts_in_the_folder_during_a_run_is_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("out");
        earlier_result(&target);
        let staged = Staged::begin(&target, RESULT).expect("an earlier result alone");
        staged.write("summary.csv", b"new").expect("write");
        // During the run the user adds notes, and a report.md where there was none.
        put(&target, &["notes.txt"], "mine");
        staged.commit().expect("commit");
        assert_eq!(fs::read(target.join("notes.txt")).expect("kept"), b"mine");
        assert_eq!(fs::read(target.join("summary.csv")).expect("read"), b"new");

        let work = dir.path().join("work");
        put(&work, &["question.toml"], "mine");
        let staged = Staged::begin(&work, RESULT).expect("a folder of the user's");
        staged.write("report.md", b"new").expect("write");
        put(&work, &["report.md"], "mine");
        assert!(
            staged.commit().is_err(),
            "the user's new report.md is in the way"
        );
        assert_eq!(fs::read(work.join("report.md")).expect("kept"), b"mine");
        assert_eq!(names(&work), ["question.toml", "report.md"]);
    }

    #[test]
    fn a_folder_in_the_way_stops_the_commit_before_anything_moves() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("out");
        earlier_result(&target);
        put(&target, &["notes.txt"], "mine");
        fs::remove_file(target.join("report.md")).expect("rm");
        fs::create_dir(target.join("report.md")).expect("mkdir");
        let refused = run_into(&target, RESULT, &["summary.csv", "report.md"]);
        assert!(refused.is_err());
        assert_eq!(fs::read(target.join("summary.csv")).expect("read"), b"old");
        assert_eq!(names(dir.path()), ["out"], "no staging folder left");
    }

    #[test]
    fn a_dot_names_the_current_folder() {
        let dir = tempfile::tempdir().expect("temp dir");
        put(dir.path(), &["question.toml"], "mine");
        let dot = dir.path().join(".");
        run_into(&dot, RESULT, &["summary.csv"]).expect("runs");
        assert_eq!(
            names(dir.path()),
            ["question.toml", "summary.csv", "summary.json"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_folder_of_the_users_fails_before_any_work() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("work");
        put(&target, &["question.toml"], "mine");
        fs::set_permissions(&target, fs::Permissions::from_mode(0o555)).expect("chmod");
        // Root writes anyway: then there is nothing to check.
        let writable = fs::write(target.join("x"), b"").is_ok();
        let result = Staged::begin(&target, RESULT);
        fs::set_permissions(&target, fs::Permissions::from_mode(0o755)).expect("chmod");
        if writable {
            fs::remove_file(target.join("x")).expect("remove");
            return;
        }
        assert!(result.is_err(), "refused before any work");
        assert_eq!(names(dir.path()), ["work"], "no staging folder left");
    }

    #[test]
    fn unwritable_location_fails_before_any_work() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("a_file");
        fs::write(&file, "x").expect("write");
        let nested =
            Staged::begin(&file.join("sub").join("deeper"), RESULT).expect_err("a file on the way");
        assert!(
            nested.to_string().contains("is a file, not a folder"),
            "{nested}"
        );
        assert!(Staged::begin(&file, RESULT).is_err());
    }
}
