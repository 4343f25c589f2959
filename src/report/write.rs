//! Atomic file output: a temporary file in the same directory (the
//! `tempfile` crate: unique names, removed on error or panic), then rename.

use std::io::Write;
use std::path::Path;

use tempfile::NamedTempFile;

use super::ReportError;

/// Temporary files get the permissions an output file would (0666 less the
/// umask on Unix), not tempfile's private 0600: the renamed file is the output.
fn builder() -> tempfile::Builder<'static, 'static> {
    let mut b = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o666));
    }
    b
}

/// A temporary file beside `path`, named after it and keeping its
/// extension (`.STEM.XXXXXX.EXT`, as writers that choose a format by
/// extension need): unique per call, removed if it is dropped before
/// [`persist`] renames it.
pub(crate) fn temp_beside(path: &Path) -> std::io::Result<NamedTempFile> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let part = |p: Option<&std::ffi::OsStr>| {
        p.map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    builder()
        .prefix(&format!(".{}.", part(path.file_stem())))
        .suffix(&format!(".{}", part(path.extension())))
        .tempfile_in(dir)
}

/// Syncs a temporary file and renames it to `path`.
pub(crate) fn persist(tmp: NamedTempFile, path: &Path) -> std::io::Result<()> {
    tmp.as_file().sync_all()?;
    tmp.persist(path).map(|_| ()).map_err(|e| e.error)
}

/// Writes `bytes` to `path` so that readers see the old file or the whole
/// new one, never half of it.
pub(crate) fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let io = |source| ReportError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut tmp = temp_beside(path).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    persist(tmp, path).map_err(io)
}

/// Writes `value` as JSON to `path` as [`atomic_write`] does, streamed:
/// the text is never held whole in memory (a thousand pipelines'
/// aggregate.json is about 100 MB).
pub(crate) fn atomic_write_json<T: serde::Serialize + ?Sized>(
    path: &Path,
    value: &T,
) -> Result<(), ReportError> {
    let io = |source| ReportError::Io {
        path: path.display().to_string(),
        source,
    };
    let tmp = temp_beside(path).map_err(io)?;
    let mut w = std::io::BufWriter::new(tmp);
    serde_json::to_writer(&mut w, value).map_err(|e| io(std::io::Error::other(e)))?;
    let tmp = w.into_inner().map_err(|e| io(e.into_error()))?;
    persist(tmp, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_files_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        atomic_write(&p, b"one").unwrap();
        atomic_write(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
            let plain = dir.path().join("plain");
            std::fs::write(&plain, b"x").unwrap();
            assert_eq!(mode(&p), mode(&plain), "the mode any new file gets");
        }
        assert!(atomic_write(&dir.path().join("missing/a.csv"), b"x").is_err());
    }
}
