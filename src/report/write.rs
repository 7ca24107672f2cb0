//! The only code that writes result files: a staging folder beside the target, renamed into
//! place once complete, so a reader never sees a half-written result and a failed run leaves
//! the previous one untouched.

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
    committed: bool,
}

impl Staged {
    /// Prepares to write `target`: creates its parent and a staging folder beside it, so an
    /// unwritable location fails here, before any work is done.
    pub fn begin(target: &Path) -> Result<Staged, WriteError> {
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
        // A result replaces an earlier result, never a folder of the user's own files.
        if let Some(foreign) = foreign_entry(target) {
            return Err(WriteError {
                path: target.display().to_string(),
                reason: format!(
                    "it holds `{foreign}`, which is not a supplyrisk output, so it is not an earlier result to replace; choose another --out, or empty the folder"
                ),
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
        fs::create_dir_all(&parent).map_err(|e| error(&parent, &e))?;
        remove_abandoned(&parent, &name);
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        // Errors name the folder asked for, not the hidden staging folder beside it.
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| error(target, &e))?;
        }
        fs::create_dir(&staging).map_err(|e| error(target, &e))?;
        Ok(Staged {
            target: target.to_path_buf(),
            staging,
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

    /// Moves the staging folder into place, replacing an earlier result only now.
    pub fn commit(mut self) -> Result<PathBuf, WriteError> {
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
}

/// Every name a result or shard folder holds (SPEC 8; a shard's state and manifest): a folder
/// with anything else is not an earlier result.
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

        let staged = Staged::begin(&target).expect("begin");
        staged.write("monthly.csv", b"new").expect("write");
        // Before commit, the old result is intact.
        assert!(target.join("summary.csv").exists());
        staged.commit().expect("commit");
        assert!(!target.join("summary.csv").exists());
        assert_eq!(fs::read(target.join("monthly.csv")).expect("read"), b"new");

        // An abandoned run leaves neither staging folder nor changes.
        {
            let staged = Staged::begin(&target).expect("begin");
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
        let staged = Staged::begin(&target).expect("begin");
        assert_eq!(staged.staging(), live.as_path());
        if Path::new("/proc/self").exists() {
            assert!(!dead.exists() && !old.exists(), "abandoned folders removed");
        }
        assert!(other.exists(), "another target's folder is left alone");
    }

    #[test]
    fn a_folder_with_other_files_is_never_replaced() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("precious");
        fs::create_dir(&target).expect("mkdir");
        fs::write(target.join("summary.csv"), "old result").expect("write");
        fs::write(target.join("thesis.txt"), "mine").expect("write");
        let refused = Staged::begin(&target).expect_err("refuses");
        assert!(refused.to_string().contains("`thesis.txt`"), "{refused}");
        assert!(target.join("thesis.txt").exists());
        // Nor is one with a file of the user's among the charts.
        fs::remove_file(target.join("thesis.txt")).expect("remove");
        fs::create_dir(target.join("charts")).expect("mkdir");
        fs::write(
            target.join("summary.json"),
            r#"{"dependency_on": ["CN"], "variants": [{"id": "base"}, {"id": "more"}]}"#,
        )
        .expect("write");
        for chart in [
            "dependency_CN.png",
            "network_more.png",
            "monthly_shortfall.png",
        ] {
            fs::write(target.join("charts").join(chart), "old chart").expect("write");
        }
        // Names like a chart's but not one the earlier result wrote are the user's too.
        for mine in [
            "annotated.png",
            "dependency_CN_annotated.png",
            "network_mine.png",
        ] {
            fs::write(target.join("charts").join(mine), "mine").expect("write");
            let refused = Staged::begin(&target).expect_err("refuses");
            assert!(
                refused.to_string().contains(&format!("`charts/{mine}`")),
                "{refused}"
            );
            assert!(target.join("charts").join(mine).exists());
            fs::remove_file(target.join("charts").join(mine)).expect("remove");
        }
        // An empty folder, or an earlier result, is fine.
        let staged = Staged::begin(&target).expect("an earlier result");
        staged.write("summary.csv", b"new").expect("write");
        staged.commit().expect("commit");
        assert_eq!(fs::read(target.join("summary.csv")).expect("read"), b"new");
    }

    #[test]
    fn unwritable_location_fails_before_any_work() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("a_file");
        fs::write(&file, "x").expect("write");
        let nested =
            Staged::begin(&file.join("sub").join("deeper")).expect_err("a file on the way");
        assert!(
            nested.to_string().contains("is a file, not a folder"),
            "{nested}"
        );
        assert!(Staged::begin(&file).is_err());
    }
}
