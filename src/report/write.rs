//! The only code that writes result files: a staging folder beside the target, moved into
//! place once complete, so a reader never sees a half-written result and a failed run leaves
//! the previous one untouched.
//!
//! Where the result goes depends on what the target folder holds:
//! - nothing (or no folder): the staging folder is renamed into place;
//! - an earlier result and nothing else: it is replaced as a whole, in one rename;
//! - anything else: the run's files are moved in one by one, next to what is there. Nothing
//!   of the user's is deleted or overwritten: in a folder that is not an earlier result, a
//!   file bearing one of the run's names stops the run before any work (exit code 2); in an
//!   earlier result to which the user added files, only the earlier result's own files are
//!   replaced or removed.

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

/// A folder being written: files go to a hidden staging folder until [`Staged::commit`].
#[derive(Debug)]
pub struct Staged {
    target: PathBuf,
    staging: PathBuf,
    placement: Placement,
    committed: bool,
}

/// What a folder being written will hold: the names it may write at its top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contents {
    /// A run's or a merge's result (SPEC 8).
    Result,
    /// A shard's state and manifest (SPEC 7).
    Shard,
}

impl Contents {
    /// Every name it may write at the folder's top (some only with `--per-trial` or charts).
    fn names(self) -> &'static [&'static str] {
        match self {
            Contents::Result => &[
                "summary.csv",
                "summary.json",
                "monthly.csv",
                "trials.csv",
                "report.md",
                "charts",
            ],
            Contents::Shard => &[
                "manifest.json",
                "metrics.bin",
                "series.bin",
                "scenario.toml",
                "trials.csv",
            ],
        }
    }
}

/// How [`Staged::commit`] puts the staged files in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// No folder, an empty one, or an earlier result alone: rename the staging folder over it.
    Whole,
    /// A folder with other things in it: move the run's files in one by one. `earlier`: it is
    /// an earlier result with files of the user's added, whose own files the run replaces and
    /// whose files the run does not write again are removed.
    Into { earlier: bool },
}

impl Staged {
    /// Prepares to write `contents` to `target`: creates its parent and a staging folder
    /// beside it, so an unwritable location fails here, before any work is done.
    pub fn begin(target: &Path, contents: Contents) -> Result<Staged, WriteError> {
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
        let placement = placement(target, contents)?;
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
        fs::create_dir_all(&parent).map_err(|e| error(&parent, &e))?;
        remove_abandoned(&parent, &name);
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        // Errors name the folder asked for, not the hidden staging folder beside it.
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| error(target, &e))?;
        }
        fs::create_dir(&staging).map_err(|e| error(target, &e))?;
        if let Placement::Into { .. } = placement {
            // The files will be moved into the folder itself: make sure that can be done
            // before any work, as for the staging folder.
            let probe = target.join(format!(".{name}.probe-{}", std::process::id()));
            fs::write(&probe, b"").map_err(|e| error(target, &e))?;
            let _ = fs::remove_file(&probe);
        }
        Ok(Staged {
            target: target.to_path_buf(),
            staging,
            placement,
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

    /// Moves the staged files into place, replacing an earlier result only now.
    pub fn commit(mut self) -> Result<PathBuf, WriteError> {
        if let Placement::Into { earlier } = self.placement {
            self.move_into(earlier)?;
            self.committed = true;
            let _ = fs::remove_dir_all(&self.staging);
            return Ok(self.target.clone());
        }
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
        self.committed = true;
        if had_old {
            let _ = fs::remove_dir_all(&old);
        }
        Ok(self.target.clone())
    }

    /// Moves each staged file into the target folder, over the file of the same name; in an
    /// earlier result (`earlier`), first lists that result's own files, so that those this run
    /// does not write again (`trials.csv` without `--per-trial`, charts of a removed variant)
    /// can be removed after. Everything else in the folder stays as it was.
    fn move_into(&self, earlier: bool) -> Result<(), WriteError> {
        let stale_charts = if earlier {
            earlier_chart_names(&self.target).unwrap_or_default()
        } else {
            Vec::new()
        };
        let mut written = Vec::new();
        for entry in sorted_entries(&self.staging)? {
            let from = self.staging.join(&entry);
            let to = self.target.join(&entry);
            if from.is_dir() {
                fs::create_dir_all(&to).map_err(|e| error(&to, &e))?;
                for file in sorted_entries(&from)? {
                    let to_file = to.join(&file);
                    fs::rename(from.join(&file), &to_file).map_err(|e| error(&to_file, &e))?;
                    written.push(format!("{entry}/{file}"));
                }
            } else {
                fs::rename(&from, &to).map_err(|e| error(&to, &e))?;
            }
            written.push(entry);
        }
        if earlier {
            let top = RESULT_FILES.iter().map(|name| (*name).to_string());
            let charts = stale_charts.iter().map(|name| format!("charts/{name}"));
            for name in top.chain(charts) {
                let path = self.target.join(&name);
                if !written.contains(&name) && path.is_file() {
                    let _ = fs::remove_file(path);
                }
            }
            // A `charts/` left empty by that (a run with --no-charts) goes too.
            let _ = fs::remove_dir(self.target.join("charts"));
        }
        Ok(())
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

/// Where `contents` for `target` go (see the module's documentation), or why they cannot go
/// there without overwriting a file of the user's.
fn placement(target: &Path, contents: Contents) -> Result<Placement, WriteError> {
    let Ok(entries) = fs::read_dir(target) else {
        return Ok(Placement::Whole);
    };
    if entries.flatten().next().is_none() {
        return Ok(Placement::Whole);
    }
    let earlier = is_earlier_result(target);
    let foreign = foreign_entry(target);
    if earlier {
        return Ok(match foreign {
            None => Placement::Whole,
            Some(_) => Placement::Into { earlier: true },
        });
    }
    // Not a result of ours: its files are the user's, even those with our names (a scenario
    // saved as `scenario.toml`, notes in `report.md`), and none may be overwritten.
    let clash = contents
        .names()
        .iter()
        .find(|name| target.join(name).exists());
    match clash {
        Some(name) => Err(WriteError {
            path: target.display().to_string(),
            reason: format!(
                "it holds `{name}`, which a run would overwrite, and it is not an earlier supplyrisk result; choose another --out, or move `{name}` out of it"
            ),
        }),
        None => Ok(Placement::Into { earlier: false }),
    }
}

/// Whether `target` holds an earlier result or shard written by supplyrisk: a `summary.json`
/// with its provenance, or a shard `manifest.json`.
fn is_earlier_result(target: &Path) -> bool {
    let read = |name: &str| -> Option<serde_json::Value> {
        serde_json::from_str(&fs::read_to_string(target.join(name)).ok()?).ok()
    };
    let summary = read("summary.json").is_some_and(|summary| {
        summary
            .get("provenance")
            .and_then(|p| p.get("tool_version"))
            .is_some()
    });
    let shard = read("manifest.json").is_some_and(|manifest| {
        manifest.get("format").and_then(serde_json::Value::as_str) == Some("supplyrisk-shard")
    });
    summary || shard
}

/// Every file a result or shard folder holds at its top (SPEC 8; a shard's state and
/// manifest), besides `charts/`.
const RESULT_FILES: &[&str] = &[
    "summary.csv",
    "summary.json",
    "monthly.csv",
    "trials.csv",
    "report.md",
    "manifest.json",
    "metrics.bin",
    "series.bin",
    "scenario.toml",
];

/// Every name an earlier result may hold at its top: a folder with anything else also holds
/// the user's files, which a run leaves alone.
const RESULT_ENTRIES: &[&str] = &[
    "summary.csv",
    "summary.json",
    "monthly.csv",
    "trials.csv",
    "report.md",
    "charts",
    "manifest.json",
    "metrics.bin",
    "series.bin",
    "scenario.toml",
    // Written by file browsers that showed the folder (macOS Finder, Windows Explorer).
    ".DS_Store",
    "Thumbs.db",
];

/// The charts the earlier result in `target` wrote, by name, from its `summary.json` (the
/// names follow from its `dependency_on` countries and variant ids: see `plot::charts`), plus
/// the files a file browser adds. `None` if there is no readable `summary.json`.
fn earlier_chart_names(target: &Path) -> Option<Vec<String>> {
    let text = fs::read_to_string(target.join("summary.json")).ok()?;
    let summary: serde_json::Value = serde_json::from_str(&text).ok()?;
    let countries = summary.get("dependency_on")?.as_array()?;
    let variants = summary.get("variants")?.as_array()?;
    let mut names: Vec<String> = ["shortfall_exceedance", "monthly_shortfall", "network"]
        .iter()
        .map(|stem| format!("{stem}.png"))
        .chain([".DS_Store".to_string(), "Thumbs.db".to_string()])
        .collect();
    for country in countries.iter().filter_map(serde_json::Value::as_str) {
        for kind in ["dependency", "reduction", "monthly_dependency"] {
            names.push(format!("{kind}_{country}.png"));
        }
    }
    for id in variants
        .iter()
        .filter_map(|v| v.get("id").and_then(serde_json::Value::as_str))
    {
        names.push(format!("network_{id}.png"));
    }
    Some(names)
}

/// The first entry of the existing folder `target` that no run writes, if any (sorted, so
/// the message is the same every time): a name no run writes at the top, or anything in
/// `charts/` that is not one of the charts the earlier result wrote (`charts/NAME`; with no
/// readable `summary.json` to name them, everything in `charts/` is foreign).
fn foreign_entry(target: &Path) -> Option<String> {
    let entries = fs::read_dir(target).ok()?;
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !RESULT_ENTRIES.contains(&n.as_str()))
        .collect();
    if let Ok(charts) = fs::read_dir(target.join("charts")) {
        let ours = earlier_chart_names(target).unwrap_or_default();
        names.extend(
            charts
                .flatten()
                .filter(|e| {
                    let is_file = e.file_type().is_ok_and(|t| t.is_file());
                    let name = e.file_name().to_string_lossy().into_owned();
                    !(is_file && ours.contains(&name))
                })
                .map(|e| format!("charts/{}", e.file_name().to_string_lossy())),
        );
    }
    names.sort();
    names.into_iter().next()
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

    #[test]
    fn commit_replaces_only_when_complete_and_drop_cleans_up() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("out");
        fs::create_dir(&target).expect("mkdir");
        fs::write(target.join("summary.csv"), "old").expect("write");
        fs::write(target.join("summary.json"), EARLIER_SUMMARY).expect("write");

        let staged = Staged::begin(&target, Contents::Result).expect("begin");
        staged.write("monthly.csv", b"new").expect("write");
        staged
            .write("summary.json", EARLIER_SUMMARY.as_bytes())
            .expect("write");
        // Before commit, the old result is intact.
        assert!(target.join("summary.csv").exists());
        staged.commit().expect("commit");
        assert!(!target.join("summary.csv").exists());
        assert_eq!(fs::read(target.join("monthly.csv")).expect("read"), b"new");

        // An abandoned run leaves neither staging folder nor changes.
        {
            let staged = Staged::begin(&target, Contents::Result).expect("begin");
            staged.write("trials.csv", b"partial").expect("write");
        }
        assert!(!target.join("trials.csv").exists());
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
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
        let staged = Staged::begin(&target, Contents::Result).expect("begin");
        assert_eq!(staged.staging(), live.as_path());
        if Path::new("/proc/self").exists() {
            assert!(!dead.exists() && !old.exists(), "abandoned folders removed");
        }
        assert!(other.exists(), "another target's folder is left alone");
    }

    /// The `summary.json` of an earlier result, as far as [`is_earlier_result`] and
    /// [`earlier_chart_names`] read it.
    const EARLIER_SUMMARY: &str = r#"{"provenance": {"tool_version": "0.1.0"},
        "dependency_on": ["CN"], "variants": [{"id": "base"}, {"id": "more"}]}"#;

    /// The sorted names in `folder`.
    fn names(folder: &Path) -> Vec<String> {
        sorted_entries(folder).expect("list")
    }

    #[test]
    fn a_folder_of_the_users_gets_the_files_beside_its_own() {
        // Regression: a folder holding only the user's scenario saved as `scenario.toml` (a
        // name shard folders use) passed for an earlier result and was replaced: the scenario
        // was deleted.
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("work");
        fs::create_dir(&target).expect("mkdir");
        fs::write(target.join("question.toml"), "mine").expect("write");
        fs::write(target.join("notes.txt"), "mine").expect("write");
        let staged = Staged::begin(&target, Contents::Result).expect("a folder of other files");
        staged.write("summary.csv", b"new").expect("write");
        staged.write("charts/network.png", b"new").expect("write");
        staged.commit().expect("commit");
        assert_eq!(
            names(&target),
            ["charts", "notes.txt", "question.toml", "summary.csv"]
        );
        assert_eq!(names(&target.join("charts")), ["network.png"]);
        assert_eq!(fs::read(target.join("notes.txt")).expect("read"), b"mine");
        let leftovers = names(dir.path());
        assert_eq!(leftovers, ["work"], "no staging folder left");

        // The summary written there is an earlier result now: the next run replaces its files
        // and keeps the user's.
        fs::write(target.join("summary.json"), EARLIER_SUMMARY).expect("write");
        let staged = Staged::begin(&target, Contents::Result)
            .expect("an earlier result with the user's files");
        staged.write("summary.csv", b"newer").expect("write");
        staged.commit().expect("commit");
        assert_eq!(
            fs::read(target.join("summary.csv")).expect("read"),
            b"newer"
        );
        assert_eq!(
            names(&target),
            ["notes.txt", "question.toml", "summary.csv"]
        );
    }

    #[test]
    fn a_file_of_the_users_with_a_result_name_is_never_overwritten() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("work");
        fs::create_dir(&target).expect("mkdir");
        let cases = [
            ("report.md", Contents::Result),
            ("summary.csv", Contents::Result),
            ("charts", Contents::Result),
            ("scenario.toml", Contents::Shard),
            ("trials.csv", Contents::Shard),
        ];
        for (mine, contents) in cases {
            let path = target.join(mine);
            fs::write(&path, "mine").expect("write");
            let refused = Staged::begin(&target, contents).expect_err("refuses");
            let message = refused.to_string();
            assert!(
                message.contains(&format!("holds `{mine}`, which a run would overwrite")),
                "{message}"
            );
            assert_eq!(fs::read(&path).expect("kept"), b"mine");
            fs::remove_file(&path).expect("remove");
        }
        assert_eq!(names(dir.path()), ["work"], "nothing staged");
    }

    #[test]
    fn an_earlier_result_with_files_of_the_users_loses_only_its_own() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("precious");
        fs::create_dir_all(target.join("charts")).expect("mkdir");
        fs::write(target.join("summary.json"), EARLIER_SUMMARY).expect("write");
        for old in ["summary.csv", "trials.csv", "thesis.txt"] {
            fs::write(target.join(old), "old").expect("write");
        }
        for chart in [
            "dependency_CN.png",
            "network_more.png",
            "monthly_shortfall.png",
            // Names like a chart's but not one the earlier result wrote are the user's.
            "annotated.png",
            "dependency_CN_annotated.png",
            "network_mine.png",
        ] {
            fs::write(target.join("charts").join(chart), "old").expect("write");
        }
        let staged = Staged::begin(&target, Contents::Result)
            .expect("an earlier result with the user's files");
        staged.write("summary.csv", b"new").expect("write");
        staged.write("summary.json", b"{}").expect("write");
        staged
            .write("charts/dependency_CN.png", b"new")
            .expect("write");
        staged.commit().expect("commit");
        // trials.csv (no --per-trial this time) and the charts of variant `more` and of the
        // shortfall are gone; the user's files are as they were.
        assert_eq!(
            names(&target),
            ["charts", "summary.csv", "summary.json", "thesis.txt"]
        );
        assert_eq!(
            names(&target.join("charts")),
            [
                "annotated.png",
                "dependency_CN.png",
                "dependency_CN_annotated.png",
                "network_mine.png"
            ]
        );
        assert_eq!(fs::read(target.join("thesis.txt")).expect("read"), b"old");
        assert_eq!(
            fs::read(target.join("charts/dependency_CN.png")).expect("read"),
            b"new"
        );
        assert_eq!(
            fs::read(target.join("charts/annotated.png")).expect("read"),
            b"old"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_folder_of_the_users_fails_before_any_work() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("work");
        fs::create_dir(&target).expect("mkdir");
        fs::write(target.join("question.toml"), "mine").expect("write");
        fs::set_permissions(&target, fs::Permissions::from_mode(0o555)).expect("chmod");
        // Root writes anyway: then there is nothing to check.
        let writable = fs::write(target.join("x"), b"").is_ok();
        let result = Staged::begin(&target, Contents::Result);
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
        let nested = Staged::begin(&file.join("sub").join("deeper"), Contents::Result)
            .expect_err("a file on the way");
        assert!(
            nested.to_string().contains("is a file, not a folder"),
            "{nested}"
        );
        assert!(Staged::begin(&file, Contents::Result).is_err());
    }
}
