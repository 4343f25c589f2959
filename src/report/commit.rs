//! One run, one directory, atomically.
//!
//! A command that writes a result directory (`run`, a shard, `merge`, and
//! `report`, which links the directory's files in first) writes everything into a hidden staging directory beside it
//! (`.NAME.amisim-staging-PID`), then makes that the directory in one step:
//! `renameat2(RENAME_EXCHANGE)` swaps the two on Linux (elsewhere, two
//! renames), and the old result is deleted only after the swap. A reader
//! therefore sees the old result or the new one, whole, never a mix; a
//! file the old run wrote and the new one does not is gone with the old
//! directory.
//!
//! An exclusive `flock` on `.NAME.amisim-lock` beside the directory, held
//! from before the staging directory is made until after the swap, makes a
//! second run into the same directory fail at once. Holding the lock, a run
//! first removes the staging and old directories that a killed run left
//! there: they are recognised by name.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::experiment::outputs;

/// Why an output directory cannot be staged or committed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CommitError {
    /// The directory holds files amisim did not write (exit 2: nothing was done).
    #[error(
        "{dir} holds {entry}, which amisim does not write: a run replaces the whole directory, so it will not use this one\n  help: give --out a new or empty directory, or move {entry} out of it"
    )]
    Foreign {
        /// The directory.
        dir: String,
        /// The first entry amisim did not write.
        entry: String,
    },
    /// The path cannot be an output directory (exit 2: nothing was done).
    #[error("cannot use {path}: {reason}")]
    Unusable {
        /// The path given.
        path: String,
        /// Why, with the fix.
        reason: String,
    },
    /// Another process holds the lock (exit 1).
    #[error(
        "another amisim command is writing {dir} (it holds the lock {lock})\n  help: wait for it to finish, or give --out another directory"
    )]
    Busy {
        /// The directory.
        dir: String,
        /// The lock file.
        lock: String,
    },
    /// An I/O step failed (exit 1); the previous result, if any, is intact.
    #[error("cannot {what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

impl CommitError {
    /// True when nothing was done because of what the user asked (exit 2).
    pub(crate) fn is_usage(&self) -> bool {
        matches!(
            self,
            CommitError::Foreign { .. } | CommitError::Unusable { .. }
        )
    }
}

fn unusable(path: &Path, reason: impl Into<String>) -> CommitError {
    CommitError::Unusable {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> CommitError + use<> {
    let path = path.display().to_string();
    move |source| CommitError::Io { what, path, source }
}

/// The final component of the path (what names the lock and the staging
/// directory), and its parent.
fn split(target: &Path) -> Result<(PathBuf, String), CommitError> {
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| {
            unusable(
                target,
                "an output directory needs a name (not `.`, `..` or `/`)",
            )
        })?
        .to_string();
    // The staging name adds about 30 bytes; file names stop at 255.
    let most = crate::scenario::MAX_NAME_BYTES;
    if name.len() > most {
        return Err(unusable(
            target,
            format!("an output directory's name is at most {most} bytes; give --out a shorter one"),
        ));
    }
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

/// True for a name amisim writes in a result directory, or a temporary file
/// an earlier version or a killed run left there.
fn ours(name: &str, is_dir: bool) -> bool {
    if is_dir {
        return name == "charts";
    }
    if outputs::FILES.iter().any(|f| f.name == name) || outputs::BACKTEST_FILES.contains(&name) {
        return true;
    }
    // `.STEM.XXXXXX.EXT` (write::temp_beside), `.NAME.tmp-PID`, the write probe.
    name.starts_with(".amisim-probe-")
        || name.starts_with('.')
            && (name.contains(".tmp-")
                || outputs::FILES.iter().any(|f| {
                    let (stem, ext) = f.name.rsplit_once('.').unwrap_or((f.name, ""));
                    name.starts_with(&format!(".{stem}.")) && name.ends_with(&format!(".{ext}"))
                }))
}

/// Refuses a directory holding anything amisim does not write: a swap
/// would delete it.
pub(crate) fn check_replaceable(target: &Path) -> Result<(), CommitError> {
    // The first existing part of the path must be a directory.
    if let Some(file) = target
        .ancestors()
        .find(|p| p.exists())
        .filter(|p| !p.is_dir())
    {
        return Err(unusable(
            target,
            format!(
                "{} is a file, not a directory; give --out a directory",
                file.display()
            ),
        ));
    }
    let target = &resolve(target)?;
    let meta = match std::fs::symlink_metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(unusable(target, e.to_string())),
    };
    if !meta.is_dir() {
        return Err(unusable(
            target,
            "it is not a directory; give --out a directory",
        ));
    }
    let entries = std::fs::read_dir(target).map_err(io("read", target))?;
    for e in entries {
        let e = e.map_err(io("read", target))?;
        let name = e.file_name().to_string_lossy().into_owned();
        let is_dir = e.file_type().map_err(io("read", target))?.is_dir();
        if !ours(&name, is_dir) {
            return Err(CommitError::Foreign {
                dir: target.display().to_string(),
                entry: name,
            });
        }
    }
    Ok(())
}

/// The lock on a result directory, held while it is written. The lock
/// file is removed when it is released, so none is left beside the result.
#[derive(Debug)]
pub(crate) struct Lock {
    /// Held open: closing it releases the lock.
    _file: File,
    path: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Unlinked while still locked: a process that opened this file
        // before finds, once it gets the lock, that the path no longer
        // names it, and starts again (see `lock`).
        #[cfg(unix)]
        let _ = std::fs::remove_file(&self.path);
    }
}

/// True if `path` still names the open, locked `file`.
fn still_named(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

/// Takes the exclusive lock on `target` (creating its parent directories),
/// or fails at once if another process holds it.
pub(crate) fn lock(target: &Path) -> Result<Lock, CommitError> {
    let (parent, name) = split(&resolve(target)?)?;
    std::fs::create_dir_all(&parent).map_err(io("create", &parent))?;
    let path = parent.join(format!(".{name}.amisim-lock"));
    loop {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io("create the lock file", &path))?;
        match file.try_lock() {
            // The holder released and removed it after we opened it: again.
            Ok(()) if !still_named(&file, &path) => continue,
            Ok(()) => return Ok(Lock { _file: file, path }),
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(CommitError::Busy {
                    dir: target.display().to_string(),
                    lock: path.display().to_string(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io("lock", &path)(e)),
        }
    }
}

/// `target`, or where it points if it is a symbolic link: a link to a
/// result directory stays a link, and the directory it names is replaced.
fn resolve(target: &Path) -> Result<PathBuf, CommitError> {
    match std::fs::symlink_metadata(target) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(target).map_err(io("follow the link", target))
        }
        _ => Ok(target.to_path_buf()),
    }
}

/// A result being written: its staging directory, and the lock.
#[derive(Debug)]
pub(crate) struct Staged {
    target: PathBuf,
    staging: PathBuf,
    parent: PathBuf,
    prefix: String,
    committed: bool,
    _lock: Lock,
}

/// Removes what a killed run left beside `target`: its staging and old
/// directories (the lock is held, so none is in use).
fn remove_leftovers(parent: &Path, prefix: &str) -> Result<(), CommitError> {
    for e in std::fs::read_dir(parent).map_err(io("read", parent))? {
        let e = e.map_err(io("read", parent))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(rest) = name.strip_prefix(prefix)
            && (rest.starts_with("staging-") || rest.starts_with("old-"))
        {
            let p = e.path();
            std::fs::remove_dir_all(&p).map_err(io("remove the leftover", &p))?;
        }
    }
    Ok(())
}

impl Staged {
    /// Locks `target`, removes leftovers, and makes an empty staging
    /// directory. `target` must pass [`check_replaceable`], checked again here.
    pub(crate) fn begin(target: &Path) -> Result<Staged, CommitError> {
        check_replaceable(target)?;
        let lock = lock(target)?;
        // Checked again under the lock: another run may have committed.
        check_replaceable(target)?;
        let (parent, name) = split(&resolve(target)?)?;
        let prefix = format!(".{name}.amisim-");
        remove_leftovers(&parent, &prefix)?;
        let staging = parent.join(format!("{prefix}staging-{}", std::process::id()));
        // Made and registered together: a signal finds both or neither.
        let live = super::interrupt::Live {
            staging: staging.clone(),
            old: parent.join(format!("{prefix}old-{}", std::process::id())),
            target: parent.join(&name),
            lock: lock.path.clone(),
        };
        super::interrupt::register_with(live, || std::fs::create_dir(&staging))
            .map_err(io("create", &staging))?;
        Ok(Staged {
            target: parent.join(&name),
            staging,
            parent,
            prefix,
            committed: false,
            _lock: lock,
        })
    }

    /// Where the files are written.
    pub(crate) fn path(&self) -> &Path {
        &self.staging
    }

    /// Makes the staging directory the result: the old one, if any, is
    /// swapped out and deleted.
    pub(crate) fn commit(mut self) -> Result<(), CommitError> {
        sync_dir(&self.staging)?;
        let old = self
            .parent
            .join(format!("{}old-{}", self.prefix, std::process::id()));
        if self.target.exists() {
            if !exchange(&self.staging, &self.target)? {
                // No atomic swap here: two renames, the old kept until both succeed.
                std::fs::rename(&self.target, &old).map_err(io("move aside", &self.target))?;
                if let Err(e) = std::fs::rename(&self.staging, &self.target) {
                    let _ = std::fs::rename(&old, &self.target);
                    return Err(io("rename", &self.staging)(e));
                }
            } else {
                // The staging path now holds the old result.
                std::fs::rename(&self.staging, &old).map_err(io("move aside", &self.staging))?;
            }
        } else {
            std::fs::rename(&self.staging, &self.target).map_err(io("rename", &self.staging))?;
        }
        self.committed = true;
        sync_dir(&self.parent)?;
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(io("remove the previous result", &old))?;
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        super::interrupt::unregister(&self.staging);
        if !self.committed {
            // Best effort: the next run into this place removes it otherwise.
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// Syncs a directory's entries to disk (a no-op where directories cannot be opened).
fn sync_dir(dir: &Path) -> Result<(), CommitError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io("sync", dir))?;
    let _ = dir;
    Ok(())
}

/// Swaps two directories atomically; false where the system cannot.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn exchange(a: &Path, b: &Path) -> Result<bool, CommitError> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => Ok(false),
        Err(e) => Err(io("swap in", a)(e.into())),
    }
}

/// Swaps two directories atomically; false where the system cannot.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn exchange(_: &Path, _: &Path) -> Result<bool, CommitError> {
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_replaces_the_whole_directory_and_leaves_nothing_beside_it() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        for (i, files) in [&["runs.csv", "summary.csv"][..], &["summary.csv"]]
            .iter()
            .enumerate()
        {
            let s = Staged::begin(&target).unwrap();
            for f in *files {
                std::fs::write(s.path().join(f), format!("{i}")).unwrap();
            }
            s.commit().unwrap();
        }
        let names = |d: &Path| -> Vec<String> {
            let mut v: Vec<String> = std::fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        assert_eq!(names(&target), ["summary.csv"]);
        assert_eq!(std::fs::read(target.join("summary.csv")).unwrap(), b"1");
        assert_eq!(names(root.path()), ["out"]);
    }

    #[test]
    fn a_dropped_stage_leaves_the_old_result_and_a_second_writer_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        let s = Staged::begin(&target).unwrap();
        std::fs::write(s.path().join("summary.csv"), b"old").unwrap();
        s.commit().unwrap();
        let s = Staged::begin(&target).unwrap();
        std::fs::write(s.path().join("summary.csv"), b"new").unwrap();
        assert!(matches!(
            Staged::begin(&target),
            Err(CommitError::Busy { .. })
        ));
        drop(s);
        assert_eq!(std::fs::read(target.join("summary.csv")).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);
    }

    #[test]
    fn leftovers_are_removed_and_foreign_files_refused() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        std::fs::create_dir_all(root.path().join(".out.amisim-staging-999/charts")).unwrap();
        std::fs::create_dir_all(root.path().join(".out.amisim-old-998")).unwrap();
        std::fs::create_dir_all(root.path().join(".other.amisim-staging-1")).unwrap();
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join(".runs.csv.tmp-123"), b"").unwrap();
        std::fs::write(target.join(".stages.a1B2c3.csv"), b"").unwrap();
        Staged::begin(&target).unwrap().commit().unwrap();
        assert!(!root.path().join(".out.amisim-staging-999").exists());
        assert!(!root.path().join(".out.amisim-old-998").exists());
        assert!(root.path().join(".other.amisim-staging-1").exists());
        assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);
        std::fs::write(target.join("notes.txt"), b"mine").unwrap();
        let e = Staged::begin(&target).unwrap_err();
        assert!(e.is_usage() && e.to_string().contains("notes.txt"), "{e}");
        assert!(target.join("notes.txt").exists());
    }
}
