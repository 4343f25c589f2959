//! SIGINT and SIGTERM while a result is being written: the staging
//! directories and locks of this process are removed, the previous result
//! is left as it was, and the process exits 130 or 143 (128 + the signal),
//! as a shell reports a process the signal killed.

use std::path::PathBuf;
use std::sync::Mutex;

/// What a live [`super::commit::Staged`] would leave behind if killed.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Live {
    pub(super) staging: PathBuf,
    /// Where the previous result is moved aside while the new one goes in.
    pub(super) old: PathBuf,
    pub(super) target: PathBuf,
    pub(super) lock: PathBuf,
}

// A process-wide list: a signal arrives on its own thread, with no other
// way to find what the writers have open.
static LIVE: Mutex<Vec<Live>> = Mutex::new(Vec::new());

/// Registers `l` and runs `make` (which creates its staging directory)
/// under the list's lock: a signal's clean-up, which takes the same lock,
/// comes before both or after both, never between.
pub(super) fn register_with<T>(
    l: Live,
    make: impl FnOnce() -> std::io::Result<T>,
) -> std::io::Result<T> {
    let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let out = make()?;
    live.push(l);
    Ok(out)
}

pub(super) fn unregister(staging: &std::path::Path) {
    LIVE.lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|l| l.staging != staging);
}

/// Removes what the live writes would leave: the staging directory, the
/// lock; the previous result is put back where a non-atomic commit had
/// moved it aside.
fn abandon_all() {
    let live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    for l in live.iter() {
        remove_while_written(&l.staging);
        if !l.target.exists() && l.old.exists() {
            let _ = std::fs::rename(&l.old, &l.target);
        }
        let _ = std::fs::remove_file(&l.lock);
    }
}

/// Removes `dir`, again if a writer still running added a file to it while
/// it was being removed (a report draws its charts on the pool: the removal
/// then fails, the directory not empty, and the staging directory was left).
fn remove_while_written(dir: &std::path::Path) {
    for _ in 0..100 {
        if std::fs::remove_dir_all(dir).is_ok() || !dir.exists() {
            return;
        }
    }
}

/// Installs the handler (once, at start): on SIGINT or SIGTERM, the live
/// writes are abandoned and the process exits 128 + the signal.
pub(crate) fn install() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("amisim-signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                abandon_all();
                std::process::exit(128 + sig);
            }
        })?;
    Ok(())
}
