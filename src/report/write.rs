//! The only code that writes result files: a staging folder, moved into place once complete,
//! so a reader never sees a half-written result and a failed run leaves the previous one
//! untouched.
//!
//! A target that does not exist yet is staged beside it (`.NAME.partial-PID`) and the staging
//! folder renamed into place. An existing target is staged inside itself
//! (`.supplyrisk.partial-PID`, on the same file system whatever is mounted where) and the
//! run's files moved in one by one, so the folder itself (its permissions, a link to it, a
//! mount point, the shell's current folder) stays as it is; the files it replaces are set
//! aside first and put back if a move fails, so the commit is all or nothing (short of a kill
//! during the moves themselves). A live run holds a lock in its staging folder (made and
//! locked under a `.locking-PID` name first), so another run never removes it as abandoned,
//! even one that cannot see its process; a run whose staging folder vanished anyway fails
//! rather than commit an incomplete result.
//!
//! What an existing target holds is surveyed when the run starts and again when it commits
//! (the folder may change during a long run). An earlier result is recognised by its
//! `summary.json` provenance, a shard by its manifest; their files are exactly the names such
//! a folder holds: its charts those both named from its `summary.json` (as `plot::plan` names
//! them) and linked from its `report.md`, its `trials.csv` one with supplyrisk's header.
//! Everything else is the user's, symbolic links included, and is never deleted, overwritten
//! or written through: a run that would overwrite one of them stops with exit code 2, before
//! any work when the clash is known then, and before it moves anything in any case. A folder
//! holding an earlier result alone is replaced as a whole (its files the run does not write
//! again are removed); beside files of the user's, only the files of an earlier result of the
//! same kind are replaced or removed.
//!
//! An interrupted run (Ctrl-C, `SIGTERM`) leaves nothing: the binary's handler calls
//! [`abandon_live_runs`], which removes every live staging folder of the process. Each change
//! to a staging folder (made, written, committed, dropped) holds the lock of that list, so the
//! handler never removes a folder in the middle of a write or a commit, and nothing writes to
//! one after. (A kill that cannot be caught, `SIGKILL`, still leaves the staging folder, which
//! the next run into the same place removes.)

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The staging folders of this process's live runs, and the folders it has committed (see the
/// module documentation).
#[derive(Debug)]
pub struct Live {
    /// Staging folders of runs that have not committed.
    pub staging: Vec<PathBuf>,
    /// Result folders committed so far.
    pub committed: Vec<PathBuf>,
    /// Folders that runs which have not committed created to hold their result (the missing
    /// parents of the folder asked for, such as `output/`), in the order made: removed with
    /// the staging folders, last made first, if nothing else has been put in them.
    pub made: Vec<PathBuf>,
}

static LIVE: Mutex<Live> = Mutex::new(Live {
    staging: Vec::new(),
    committed: Vec::new(),
    made: Vec::new(),
});

impl Live {
    /// Takes a run's `made` folders off the list: removed first (those still empty) when the
    /// run did not commit, kept when they hold its result.
    fn forget_made(&mut self, made: &[PathBuf], remove: bool) {
        if remove {
            remove_if_empty(made);
        }
        self.made.retain(|folder| !made.contains(folder));
    }
}

/// The live list, locked (a panic while it was held leaves it usable: every entry is pushed
/// or removed whole).
fn live() -> MutexGuard<'static, Live> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// For an interrupt handler about to exit: waits for any write or commit in progress, removes
/// the staging folder of every live run and the folders made to hold it, and returns the
/// lock, to be held until the process exits so that no writer starts again, with the staging
/// folders that could not be removed.
/// The lock's [`Live::committed`] says what the process wrote before.
pub fn abandon_live_runs() -> (MutexGuard<'static, Live>, Vec<PathBuf>) {
    let live = live();
    let left = live
        .staging
        .iter()
        .filter(|staging| fs::remove_dir_all(staging).is_err() && staging.exists())
        .cloned()
        .collect();
    remove_if_empty(&live.made);
    (live, left)
}

/// Creates `folder` and its missing ancestors, as `fs::create_dir_all` does, adding to `made`
/// each folder this call created, in the order made (on an error too: those made before it).
/// Only what `mkdir` made is listed, never a folder that was there: predicting the list from
/// the path would be wrong for `nope/../keep`, which names the existing `keep` once `nope` is
/// made.
fn create_folders(folder: &Path, made: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if folder.as_os_str().is_empty() || folder.is_dir() {
        return Ok(());
    }
    if let Some(parent) = folder.parent() {
        create_folders(parent, made)?;
    }
    match fs::create_dir(folder) {
        Ok(()) => {
            made.push(folder.to_path_buf());
            Ok(())
        }
        // Made by another process meanwhile, or `x/..` once `x` exists.
        Err(_) if folder.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

/// Removes each of `folders` that is empty, last made first: what a run that did not commit
/// made, unless something else has been put there since.
fn remove_if_empty(folders: &[PathBuf]) {
    for folder in folders.iter().rev() {
        let _ = fs::remove_dir(folder);
    }
}

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

/// How every `trials.csv` supplyrisk writes starts (SPEC 8).
const TRIALS_HEADER: &str = "trial,variant,commodity,";

impl Contents {
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
    /// The staging folder is inside the (existing) target.
    inside: bool,
    /// Held (locked) while the run lives, so that another run, even one that cannot see this
    /// process (another container or host on a shared file system), leaves its staging
    /// folder alone.
    lock: Option<fs::File>,
    /// The folders made to hold the result (see [`Live::made`]), in the order made.
    made: Vec<PathBuf>,
    committed: bool,
}

/// The lock file in a staging folder (see [`Staged`]'s `lock`).
const LOCK: &str = ".lock";

/// The folder inside the staging folder where a commit sets aside the files it replaces or
/// removes, until every new file is in place; they go with the staging folder.
const SET_ASIDE: &str = ".replaced";

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
        if fs::symlink_metadata(target).is_ok() && !target.is_dir() {
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
        let inside = target.is_dir();
        let mut made = Vec::new();
        Self::stage(target, name, &parent, contents, inside, &mut made)
            .inspect_err(|_| live().forget_made(&made, true))
    }

    /// [`Staged::begin`] once `target` is known to be a place for a folder: creates the
    /// missing parent folders, listing them in `made` (and as live, so that an interrupt
    /// removes them), and the staging folder. On an error, the caller removes the `made`
    /// folders.
    fn stage(
        target: &Path,
        name: String,
        parent: &Path,
        contents: Contents,
        inside: bool,
        made: &mut Vec<PathBuf>,
    ) -> Result<Staged, WriteError> {
        let pid = std::process::id();
        let (staging, locking) = if inside {
            // A clash known now stops the run before any work.
            replaceable(target, contents)?;
            remove_abandoned(target, "supplyrisk");
            // A run killed before the folder existed staged beside it.
            remove_abandoned(parent, &name);
            (
                target.join(format!(".supplyrisk.partial-{pid}")),
                target.join(format!(".supplyrisk.locking-{pid}")),
            )
        } else {
            {
                let mut live = live();
                let created = create_folders(parent, made);
                live.made.extend(made.iter().cloned());
                created.map_err(|e| error(parent, &e))?;
            }
            remove_abandoned(parent, &name);
            (
                parent.join(format!(".{name}.partial-{pid}")),
                parent.join(format!(".{name}.locking-{pid}")),
            )
        };
        // Errors name the folder asked for, not the hidden staging folder. Creating it is the
        // check that the location is writable. It is made and locked under another name, so
        // that no other run sees it unlocked; and listed as live before an interrupt can come.
        let mut live = live();
        for stale in [&staging, &locking] {
            if stale.exists() {
                fs::remove_dir_all(stale).map_err(|e| error(target, &e))?;
            }
        }
        fs::create_dir(&locking).map_err(|e| error(target, &e))?;
        let lock = fs::File::create(locking.join(LOCK))
            .ok()
            .filter(|file| file.try_lock().is_ok());
        if let Err(e) = rename(&locking, &staging) {
            let _ = fs::remove_dir_all(&locking);
            return Err(error(target, &e));
        }
        live.staging.push(staging.clone());
        Ok(Staged {
            target: target.to_path_buf(),
            staging,
            contents,
            inside,
            lock,
            made: std::mem::take(made),
            committed: false,
        })
    }

    /// The name of the earlier output's file that is `path`, if committing would remove it (a
    /// file of the earlier output that this run does not write again): the scenario a run
    /// reads may be one (a shard's `scenario.toml`, run as a full result into the shard's
    /// folder), and it must not vanish with the run's results.
    pub fn removes(&self, path: &Path) -> Option<String> {
        if !self.inside {
            return None;
        }
        let writes = self.contents.names();
        replaceable(&self.target, self.contents)
            .ok()?
            .into_iter()
            .filter(|name| !writes.contains(&name.as_str()))
            .find(|name| same_entry(&self.target.join(name), path))
    }

    /// The staging folder (for writers that stream, such as `trials.csv`).
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Writes `bytes` to `relative` inside the staging folder, creating subfolders.
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<(), WriteError> {
        let _live = live();
        self.check_staging()?;
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
        let _live = live();
        self.check_staging()?;
        let path = self.staging.join(relative);
        fs::File::create(&path).map_err(|e| error(&path, &e))
    }

    /// Fails if the staging folder is gone (removed by something else: writing on would make
    /// a new one and commit an incomplete result).
    fn check_staging(&self) -> Result<(), WriteError> {
        if is_plain_dir(&self.staging) {
            Ok(())
        } else {
            Err(WriteError {
                path: self.target.display().to_string(),
                reason: "its staging folder was removed during the run by another process"
                    .to_string(),
            })
        }
    }

    /// Moves the staged files into place, replacing an earlier result only now. An existing
    /// target is surveyed again first: what the user put there during the run is theirs too.
    pub fn commit(mut self) -> Result<PathBuf, WriteError> {
        let mut live = live();
        self.check_staging()?;
        let new = !self.inside && fs::symlink_metadata(&self.target).is_err();
        if new {
            // The staging folder becomes the result: without its lock file.
            self.lock = None;
            let _ = fs::remove_file(self.staging.join(LOCK));
        }
        if !(new && fs::rename(&self.staging, &self.target).is_ok()) {
            // An existing folder (or one made by someone else during the run).
            let replaceable = replaceable(&self.target, self.contents)?;
            self.move_into(&replaceable)?;
        }
        self.committed = true;
        let _ = fs::remove_dir_all(&self.staging);
        live.staging.retain(|staging| *staging != self.staging);
        live.forget_made(&self.made, false);
        live.committed.push(self.target.clone());
        Ok(self.target.clone())
    }

    /// Moves each staged file into the target folder, over a `replaceable` file of the same
    /// name, and removes the `replaceable` files this run did not write: all or nothing. Every
    /// move is checked before the first (a file of the user's in the way stops the commit
    /// with nothing moved); the files replaced or removed are first set aside in the staging
    /// folder, and put back if a move fails (a read-only or immutable file, a sticky folder of
    /// another user's).
    fn move_into(&self, replaceable: &[String]) -> Result<(), WriteError> {
        fs::create_dir_all(&self.target).map_err(|e| error(&self.target, &e))?;
        let mut staged = Vec::new();
        for entry in sorted_entries(&self.staging)? {
            if entry == LOCK || entry == SET_ASIDE {
                continue;
            }
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
        let charts = self.target.join("charts");
        let charts_existed = fs::symlink_metadata(&charts).is_ok();
        let aside = self.staging.join(SET_ASIDE);
        let mut set_aside = Vec::new();
        let mut moved = Vec::new();
        let result = (|| {
            for relative in replaceable {
                let from = self.target.join(relative);
                if !is_plain_file(&from) {
                    continue;
                }
                let to = aside.join(relative);
                if let Some(folder) = to.parent() {
                    fs::create_dir_all(folder).map_err(|e| error(folder, &e))?;
                }
                rename(&from, &to).map_err(|e| error(&from, &e))?;
                set_aside.push(relative.as_str());
            }
            for relative in &staged {
                let (from, to) = (self.staging.join(relative), self.target.join(relative));
                if let Some(folder) = to.parent() {
                    fs::create_dir_all(folder).map_err(|e| error(folder, &e))?;
                }
                rename(&from, &to).map_err(|e| error(&to, &e))?;
                moved.push(relative.as_str());
            }
            Ok(())
        })();
        if result.is_err() {
            // Back as it was: the new files out, the old ones in.
            for relative in moved {
                let _ = fs::rename(self.target.join(relative), self.staging.join(relative));
            }
            for relative in set_aside {
                let _ = fs::rename(aside.join(relative), self.target.join(relative));
            }
        }
        // A `charts/` this commit made and undid, or one it emptied of the earlier result's
        // charts (a run with --no-charts), goes; a user's empty one stays.
        let emptied = result.is_ok() && replaceable.iter().any(|r| r.starts_with("charts/"));
        if !charts_existed || emptied {
            let _ = fs::remove_dir(&charts);
        }
        result
    }
}

/// `fs::rename`, which the tests can make fail at the n-th call of a thread (to show that a
/// commit failing midway leaves the target as it was).
fn rename(from: &Path, to: &Path) -> std::io::Result<()> {
    #[cfg(test)]
    if tests::FAIL_RENAME_AT.with(|n| {
        let left = n.get();
        n.set(left.saturating_sub(1));
        left == 1
    }) {
        return Err(std::io::Error::other("a failure the test asked for"));
    }
    fs::rename(from, to)
}

/// The target as given, or, for a symbolic link to a folder or a name such as `.`, `..` or
/// `DIR/`, the folder itself (so that the link is followed, and the folder has a name).
fn resolve(target: &Path) -> Result<PathBuf, WriteError> {
    let is_link = fs::symlink_metadata(target).is_ok_and(|m| m.file_type().is_symlink());
    let plain_name = matches!(target.components().next_back(), Some(Component::Normal(_)))
        && !target.as_os_str().to_string_lossy().ends_with(['/', '\\'])
        && !target.as_os_str().to_string_lossy().ends_with("/.");
    if !is_link && (plain_name || fs::symlink_metadata(target).is_err()) {
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

/// Whether `a` and `b` name one existing file or folder, by whatever paths (links, bind
/// mounts, spellings).
pub fn same_entry(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::metadata(a), fs::metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        match (fs::canonicalize(a), fs::canonicalize(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
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
            "it holds `{name}`, which the run would overwrite and which is not part of an earlier supplyrisk result; choose another --out, or move `{name}` out of it"
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

/// Whether a name in a target folder is a staging folder of this program (of this run or of
/// one killed).
fn is_transient(name: &str) -> bool {
    name.starts_with(".supplyrisk.partial-")
}

/// The files of the existing folder `target` that `contents` may replace or remove (see the
/// module's documentation), or why they cannot go there without overwriting a file of the
/// user's. Relative paths, `charts/NAME` for a chart.
fn replaceable(target: &Path, contents: Contents) -> Result<Vec<String>, WriteError> {
    let mut present = Vec::new();
    if let Ok(entries) = fs::read_dir(target) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_transient(&name) {
                continue;
            }
            if name == "charts" && is_plain_dir(&entry.path()) {
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
    }
    let earlier = Earlier::read(target);
    let own_any: Vec<String> = earlier
        .kinds()
        .into_iter()
        .flat_map(|kind| own_files(target, kind, &earlier))
        .collect();
    // The files of an earlier result or shard, whichever this run writes: a folder holds one
    // output of supplyrisk's at a time, so a shard written where a result was (or the
    // reverse) replaces it, as it would in a folder without the user's files, rather than
    // leaving stale figures beside new ones. The user's files stay.
    let mut replaceable: Vec<String> = present
        .into_iter()
        .filter(|name| own_any.contains(name))
        .collect();
    replaceable.sort();
    for name in contents.names() {
        let path = target.join(name);
        if fs::symlink_metadata(&path).is_err() {
            continue;
        }
        let fine = if name == "charts" {
            is_plain_dir(&path)
        } else {
            replaceable.iter().any(|r| r == name)
        };
        if !fine {
            return Err(clash(target, name));
        }
    }
    Ok(replaceable)
}

/// What an existing folder's earlier result says of itself, read once per survey: its
/// `summary.json` if it has supplyrisk's provenance, its `manifest.json` if it is a shard's.
struct Earlier {
    summary: Option<serde_json::Value>,
    manifest: Option<serde_json::Value>,
}

impl Earlier {
    fn read(target: &Path) -> Earlier {
        let summary = read_json(&target.join("summary.json")).filter(|summary| {
            summary
                .get("provenance")
                .and_then(|p| p.get("tool_version"))
                .is_some()
        });
        let manifest = read_json(&target.join("manifest.json")).filter(|manifest| {
            manifest.get("format").and_then(serde_json::Value::as_str) == Some("supplyrisk-shard")
        });
        Earlier { summary, manifest }
    }

    /// The kinds of earlier result the folder holds.
    fn kinds(&self) -> Vec<Kind> {
        let mut kinds = Vec::new();
        if self.summary.is_some() {
            kinds.push(Kind::Result);
        }
        if self.manifest.is_some() {
            kinds.push(Kind::Shard);
        }
        kinds
    }
}

/// The largest `summary.json` or `manifest.json` read: supplyrisk's are far smaller (a few
/// kilobytes per variant and commodity); a user's large JSON file is not parsed (a 200 MB one
/// took 14 GB as a JSON tree).
const LARGEST_JSON: u64 = 32 << 20;

/// The JSON document at `path`, if it is a plain file of at most [`LARGEST_JSON`] bytes.
fn read_json(path: &Path) -> Option<serde_json::Value> {
    let size = fs::symlink_metadata(path)
        .ok()
        .filter(|m| m.file_type().is_file())?
        .len();
    if size > LARGEST_JSON {
        return None;
    }
    serde_json::from_str(&fs::read_to_string(path).ok()?).ok()
}

/// The first line of the file at `path` (without its end), read from at most 64 KiB.
fn first_line(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut head = Vec::new();
    fs::File::open(path)
        .ok()?
        .take(64 << 10)
        .read_to_end(&mut head)
        .ok()?;
    let end = head.iter().position(|&b| b == b'\n')?;
    String::from_utf8(head[..end].to_vec()).ok()
}

/// Whether `target`'s `trials.csv` is the one an earlier result of `kind` there wrote: for a
/// result, one whose header names that result's metrics (its `summary.json`); for a shard,
/// one with supplyrisk's header in a shard run with `--per-trial` (its manifest).
fn trials_are_own(target: &Path, kind: Kind, earlier: &Earlier) -> bool {
    let Some(header) = first_line(&target.join("trials.csv")) else {
        return false;
    };
    match kind {
        Kind::Result => earlier
            .summary
            .as_ref()
            .and_then(|summary| {
                let metrics: Vec<String> = summary
                    .get("metrics")?
                    .as_array()?
                    .iter()
                    .filter_map(|m| m.as_str().map(str::to_string))
                    .collect();
                Some(header == format!("{TRIALS_HEADER}{}", metrics.join(",")))
            })
            .unwrap_or(false),
        Kind::Shard => {
            header.starts_with(TRIALS_HEADER)
                && earlier.manifest.as_ref().is_some_and(|manifest| {
                    manifest
                        .get("per_trial")
                        .and_then(serde_json::Value::as_bool)
                        == Some(true)
                })
        }
    }
}

/// The files present in `target` that an earlier result of `kind` there wrote, relative to it,
/// plus the files a file browser adds.
fn own_files(target: &Path, kind: Kind, earlier: &Earlier) -> Vec<String> {
    let top: &[&str] = match kind {
        Kind::Result => &["summary.csv", "summary.json", "monthly.csv", "report.md"],
        Kind::Shard => &[
            "manifest.json",
            "metrics.bin",
            "series.bin",
            "scenario.toml",
        ],
    };
    let mut own: Vec<String> = top
        .iter()
        .chain(&BROWSER_FILES)
        .map(|name| (*name).to_string())
        .collect();
    // A `trials.csv` of the user's may sit beside a result written without one.
    if trials_are_own(target, kind, earlier) {
        own.push("trials.csv".to_string());
    }
    if let (Kind::Result, Some(summary)) = (kind, &earlier.summary) {
        own.extend(
            earlier_chart_names(target, summary)
                .into_iter()
                .chain(BROWSER_FILES.iter().map(|name| (*name).to_string()))
                .map(|name| format!("charts/{name}")),
        );
    }
    own.retain(|name| is_plain_file(&target.join(name)));
    own
}

/// The charts the earlier result in `target` drew: those its `report.md` links to (none with
/// `--no-charts`) among those `plot::plan` names for its `summary` (so a link the user added
/// does not make their figure the result's).
fn earlier_chart_names(target: &Path, summary: &serde_json::Value) -> Vec<String> {
    let path = target.join("report.md");
    let small = fs::metadata(&path).is_ok_and(|m| m.len() <= LARGEST_JSON);
    let Some(report) = small.then(|| fs::read_to_string(&path).ok()).flatten() else {
        return Vec::new();
    };
    let Some(planned) = planned_chart_names(summary) else {
        return Vec::new();
    };
    planned
        .into_iter()
        .filter(|name| report.contains(&format!("](charts/{name})")))
        .collect()
}

/// The chart names `plot::plan` gives the result whose `summary.json` is `summary`: they
/// follow from its `dependency_on` countries and its variants. `None` if it lacks them.
fn planned_chart_names(summary: &serde_json::Value) -> Option<Vec<String>> {
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

/// Removes the staging (`.NAME.partial-PID`) folders, and the replaced (`.NAME.old-PID`) ones
/// that versions before 2026-11-29 made, that a run killed by a signal (Ctrl-C, a batch
/// system's time limit) left beside `NAME` (a target's own staging folders are
/// `.supplyrisk.partial-PID` inside it): `Drop` never ran for them. A folder whose lock can be
/// taken is abandoned; one without a lock file (an older version's) only if its process is
/// gone, and where that cannot be known (no `/proc`) it is kept.
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
        let Some(pid) = pid else {
            continue;
        };
        // A live run holds the lock of its staging folder; one without a lock file (an older
        // version's, or one being renamed into place) is judged by its process.
        let abandoned = match fs::File::open(entry.path().join(LOCK)) {
            Ok(lock) => lock.try_lock().is_ok(),
            Err(_) => pid != std::process::id() && process_is_gone(pid),
        };
        if abandoned {
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
        let mut live = live();
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
        live.staging.retain(|staging| *staging != self.staging);
        live.forget_made(&self.made, !self.committed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// When n > 0, the n-th call of [`rename`] on this thread fails.
        pub(super) static FAIL_RENAME_AT: Cell<usize> = const { Cell::new(0) };
    }

    /// A run's result with charts, without `trials.csv`.
    const RESULT: Contents = Contents::Result {
        trials: false,
        charts: true,
    };

    /// The `summary.json` of an earlier result, as far as [`earlier_kind`] and
    /// [`earlier_chart_names`] read it: a comparison of `base` and `more` on CN.
    const EARLIER_SUMMARY: &str = r#"{"provenance": {"tool_version": "0.1.0"},
        "dependency_on": ["CN"], "metrics": ["dependency_CN", "shortfall_share"],
        "variants": [{"id": "base", "baseline": true}, {"id": "more", "baseline": false}]}"#;

    /// The header of the earlier result's `trials.csv`.
    const EARLIER_TRIALS: &str = "trial,variant,commodity,dependency_CN,shortfall_share\n";

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

    /// A `report.md` linking `files`' charts, as a result's does.
    fn report_linking(files: &[&str]) -> String {
        files
            .iter()
            .filter(|f| f.starts_with("charts/"))
            .map(|f| format!("![a chart]({f})\n"))
            .collect()
    }

    /// An earlier result of `base` and `more` in `folder`, every file reading "old" (its
    /// `trials.csv` after supplyrisk's header).
    fn earlier_result(folder: &Path) {
        let charts = [
            "charts/dependency_CN.png",
            "charts/reduction_CN.png",
            "charts/network_more.png",
        ];
        put(folder, &["summary.csv", "monthly.csv"], "old");
        put(folder, &charts, "old");
        put(folder, &["trials.csv"], &format!("{EARLIER_TRIALS}old"));
        put(folder, &["report.md"], &report_linking(&charts));
        fs::write(folder.join("summary.json"), EARLIER_SUMMARY).expect("write");
    }

    /// Stages and commits a result holding `files` ("new"), plus a `summary.json` and a
    /// `report.md` linking its charts.
    fn run_into(target: &Path, contents: Contents, files: &[&str]) -> Result<(), WriteError> {
        let staged = Staged::begin(target, contents)?;
        for file in files {
            staged.write(file, b"new").expect("write");
        }
        staged
            .write("summary.json", EARLIER_SUMMARY.as_bytes())
            .expect("write");
        staged
            .write("report.md", report_linking(files).as_bytes())
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
    fn folders_made_for_a_result_go_with_a_run_that_does_not_commit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("output").join("deeper").join("out");

        // Abandoned (dropped, as on an error): the folders it made to hold the result go.
        {
            let staged = Staged::begin(&target, RESULT).expect("begin");
            staged.write("summary.csv", b"partial").expect("write");
            assert!(dir.path().join("output/deeper").is_dir());
        }
        assert_eq!(names(dir.path()), Vec::<String>::new());

        // Failing in `begin` itself, after making them: they go too.
        FAIL_RENAME_AT.with(|n| n.set(1));
        let failed = Staged::begin(&target, RESULT);
        FAIL_RENAME_AT.with(|n| n.set(0));
        assert!(failed.is_err());
        assert_eq!(names(dir.path()), Vec::<String>::new());

        // A folder that held something before the run stays, as does one the user put a file
        // in during the run; only the empty one the run made goes.
        fs::create_dir(dir.path().join("output")).expect("mkdir");
        {
            let _staged = Staged::begin(&target, RESULT).expect("begin");
            fs::write(dir.path().join("output/deeper/notes.txt"), b"mine").expect("write");
        }
        assert_eq!(names(&dir.path().join("output/deeper")), ["notes.txt"]);
        fs::remove_file(dir.path().join("output/deeper/notes.txt")).expect("rm");
        fs::remove_dir(dir.path().join("output/deeper")).expect("rmdir");
        {
            let _staged = Staged::begin(&target, RESULT).expect("begin");
        }
        assert_eq!(names(dir.path()), ["output"]);
        assert_eq!(names(&dir.path().join("output")), Vec::<String>::new());

        // A path through a folder it makes and back out (`nope/../keep`) names a folder that
        // was there: only `nope` goes, never the user's empty `keep`.
        fs::create_dir(dir.path().join("keep")).expect("mkdir");
        let through = dir.path().join("nope").join("..").join("keep").join("out");
        {
            let _staged = Staged::begin(&through, RESULT).expect("begin");
            assert!(dir.path().join("nope").is_dir());
        }
        assert_eq!(names(dir.path()), ["keep", "output"]);
        fs::remove_dir(dir.path().join("keep")).expect("rmdir");

        // Committed: they hold the result, and stay.
        let staged = Staged::begin(&target, RESULT).expect("begin");
        staged.write("summary.csv", b"done").expect("write");
        staged.commit().expect("commit");
        assert_eq!(names(&target), ["summary.csv"]);
        assert!(
            !live().made.iter().any(|f| f.starts_with(dir.path())),
            "nothing left to remove on an interrupt"
        );
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
                    "report.md",
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
            [
                "notes.txt",
                "report.md",
                "scenario.toml",
                "summary.csv",
                "summary.json"
            ]
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

        // `--out` a link to a folder, with or without a trailing slash: the folder is written,
        // the link stays a link.
        let store = dir.path().join("store");
        let link = dir.path().join("link");
        symlink(&store, &link).expect("link");
        for out in [link.clone(), PathBuf::from(format!("{}/", link.display()))] {
            earlier_result(&store);
            run_into(&out, RESULT, &["summary.csv"]).expect("runs");
            assert!(
                fs::symlink_metadata(&link)
                    .expect("link")
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(fs::read(store.join("summary.csv")).expect("read"), b"new");
        }
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
    fn a_trials_csv_or_a_figure_of_the_users_is_not_taken_for_the_results() {
        // Regression: a result written without --per-trial beside the user's own trials.csv
        // took it for its own on the next run and removed it; a result written with
        // --no-charts took the user's charts/dependency_CN.png for one of its charts.
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("work");
        put(
            &target,
            &["trials.csv", "charts/dependency_CN.png", "notes.txt"],
            "mine",
        );
        let no_charts = Contents::Result {
            trials: false,
            charts: false,
        };
        for _ in 0..2 {
            run_into(&target, no_charts, &["summary.csv"]).expect("runs");
            for mine in ["trials.csv", "charts/dependency_CN.png"] {
                assert_eq!(
                    fs::read(target.join(mine)).expect("kept"),
                    b"mine",
                    "{mine}"
                );
            }
        }
        // A run that would write them is refused, with the user's files as they were.
        let per_trial = Contents::Result {
            trials: true,
            charts: false,
        };
        assert!(Staged::begin(&target, per_trial).is_err());
        let refused = run_into(&target, RESULT, &["charts/dependency_CN.png"]);
        assert!(
            refused.is_err_and(|e| e.to_string().contains("`charts/dependency_CN.png`")),
            "the user's figure is in the way"
        );
        assert_eq!(
            fs::read(target.join("charts/dependency_CN.png")).expect("kept"),
            b"mine"
        );
    }

    #[test]
    fn a_shard_replaces_a_result_beside_the_users_files_and_a_result_a_shard() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("out");
        earlier_result(&target);
        put(&target, &["notes.txt"], "mine");
        let shard = Contents::Shard { trials: false };
        for _ in 0..2 {
            let staged = Staged::begin(&target, shard).expect("begin");
            staged
                .write("manifest.json", br#"{"format": "supplyrisk-shard"}"#)
                .expect("write");
            staged.commit().expect("commit");
        }
        // No stale figures of the earlier result beside the shard; the user's notes stay.
        assert_eq!(names(&target), ["manifest.json", "notes.txt"]);

        // And back: a result written there replaces the shard's files.
        run_into(&target, RESULT, &["summary.csv", "monthly.csv"]).expect("written");
        assert_eq!(
            names(&target),
            [
                "monthly.csv",
                "notes.txt",
                "report.md",
                "summary.csv",
                "summary.json"
            ]
        );
        assert_eq!(fs::read(target.join("notes.txt")).expect("kept"), b"mine");
    }

    #[cfg(unix)]
    #[test]
    fn an_existing_folder_is_written_in_place_not_replaced() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        // Staged inside the folder, the run renames nothing across file systems or mounts
        // (a bind mount once failed after the work), and the folder keeps its identity (the
        // shell's current folder, a mount point) and permissions.
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("out");
        earlier_result(&target);
        fs::set_permissions(&target, fs::Permissions::from_mode(0o750)).expect("chmod");
        let inode = fs::metadata(&target).expect("stat").ino();
        let staged = Staged::begin(&target, RESULT).expect("begin");
        assert!(staged.staging().starts_with(&target), "staged inside");
        staged.write("summary.csv", b"new").expect("write");
        staged.commit().expect("commit");
        let after = fs::metadata(&target).expect("stat");
        assert_eq!(after.ino(), inode);
        assert_eq!(after.permissions().mode() & 0o777, 0o750);
        assert_eq!(
            names(&target),
            ["summary.csv"],
            "the earlier result alone is replaced"
        );
        assert_eq!(names(dir.path()), ["out"]);
    }

    #[test]
    fn a_commit_failing_midway_leaves_the_folder_as_it_was() {
        // Regression: the files were moved one by one, so a move failing midway (an immutable
        // or read-only file, a sticky folder of another user's) left old and new mixed.
        let snapshot = |folder: &Path| -> Vec<(String, Vec<u8>)> {
            let mut files = Vec::new();
            for name in names(folder) {
                let path = folder.join(&name);
                if path.is_dir() {
                    for chart in names(&path) {
                        let chart_path = path.join(&chart);
                        files.push((
                            format!("{name}/{chart}"),
                            fs::read(chart_path).expect("read"),
                        ));
                    }
                } else {
                    files.push((name, fs::read(path).expect("read")));
                }
            }
            files
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("out");
        earlier_result(&target);
        put(&target, &["notes.txt"], "mine");
        let before = snapshot(&target);
        let files = [
            "summary.csv",
            "charts/dependency_CN.png",
            "charts/network_more.png",
        ];
        // 8 files set aside (everything of the earlier result's), then 5 moved in.
        for failing in 1..=13 {
            FAIL_RENAME_AT.with(|n| n.set(failing));
            let refused = run_into(&target, RESULT, &files);
            FAIL_RENAME_AT.with(|n| n.set(0));
            assert!(refused.is_err(), "rename {failing} failed");
            assert_eq!(
                snapshot(&target),
                before,
                "after a failure at rename {failing}"
            );
            assert_eq!(names(dir.path()), ["out"]);
        }
        run_into(&target, RESULT, &files).expect("runs");
        assert_eq!(
            names(&target),
            [
                "charts",
                "notes.txt",
                "report.md",
                "summary.csv",
                "summary.json"
            ]
        );
    }

    #[test]
    fn a_live_runs_staging_folder_is_never_removed() {
        // Regression: a run that could not see another's process (another PID namespace: a
        // container, or a host sharing the file system) took its staging folder for abandoned
        // and removed it; the other run then wrote an incomplete result.
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("out");
        earlier_result(&target);
        // A process id above the kernel's maximum is never running here.
        let other = target.join(".supplyrisk.partial-4294967295");
        fs::create_dir(&other).expect("mkdir");
        let lock = fs::File::create(other.join(LOCK)).expect("lock file");
        lock.try_lock().expect("locked");
        let staged = Staged::begin(&target, RESULT).expect("begin");
        assert!(other.is_dir(), "its lock is held: a live run's");
        drop(staged);
        drop(lock);
        let staged = Staged::begin(&target, RESULT).expect("begin");
        assert!(!other.exists(), "unlocked: abandoned");
        drop(staged);
    }

    #[test]
    fn a_users_empty_charts_folder_and_trials_file_stay() {
        // Regression: an empty `charts/` of the user's was removed by every run (even a
        // failed one), and a `trials.csv` of the user's starting like supplyrisk's passed
        // for the earlier result's.
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("work");
        fs::create_dir_all(target.join("charts")).expect("mkdir");
        let no_charts = Contents::Result {
            trials: false,
            charts: false,
        };
        run_into(&target, no_charts, &["summary.csv"]).expect("runs");
        assert!(target.join("charts").is_dir(), "after a run");
        let mine = "trial,variant,commodity,my own column\n1,a,b,2\n";
        put(&target, &["trials.csv"], mine);
        FAIL_RENAME_AT.with(|n| n.set(2));
        let failed = run_into(&target, no_charts, &["summary.csv"]);
        FAIL_RENAME_AT.with(|n| n.set(0));
        assert!(failed.is_err());
        assert!(target.join("charts").is_dir(), "after a failed run");
        run_into(&target, no_charts, &["summary.csv"]).expect("runs");
        assert_eq!(
            fs::read_to_string(target.join("trials.csv")).expect("kept"),
            mine
        );
        // The earlier result's own trials.csv, with its metrics' header, goes.
        put(
            &target,
            &["trials.csv"],
            &format!("{EARLIER_TRIALS}1,a,b,0.5,0"),
        );
        run_into(&target, no_charts, &["summary.csv"]).expect("runs");
        assert!(!target.join("trials.csv").exists());
    }

    #[test]
    fn a_staging_folder_removed_during_the_run_fails_the_commit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("out");
        earlier_result(&target);
        let staged = Staged::begin(&target, RESULT).expect("begin");
        staged.write("summary.csv", b"new").expect("write");
        fs::remove_dir_all(staged.staging()).expect("removed by another process");
        assert!(staged.write("monthly.csv", b"new").is_err());
        assert!(staged.commit().is_err());
        assert_eq!(fs::read(target.join("summary.csv")).expect("read"), b"old");
    }

    #[test]
    fn a_dot_names_the_current_folder() {
        let dir = tempfile::tempdir().expect("temp dir");
        put(dir.path(), &["question.toml"], "mine");
        let dot = dir.path().join(".");
        run_into(&dot, RESULT, &["summary.csv"]).expect("runs");
        assert_eq!(
            names(dir.path()),
            ["question.toml", "report.md", "summary.csv", "summary.json"]
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
