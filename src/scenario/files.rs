//! The files a scenario is read from and names: size and kind checked
//! before reading, and kept inside the scenario's directory unless
//! `--allow-outside-paths`.

use std::path::{Path, PathBuf};

use super::{ScenarioError, ScenarioErrors};

/// How a scenario is loaded: the policy for the files it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoadOptions {
    /// Files a scenario names (an empirical `csv`, a `calibration`) may lie
    /// outside its directory (`--allow-outside-paths`); by default they may not.
    pub allow_outside_paths: bool,
    /// The `[cost] prices` file is not read (`amisim prices --scenario`,
    /// which writes it, reads only the scenario's Regions and instances).
    pub without_prices_file: bool,
}

/// Where the files a scenario names are read from: its directory, and
/// whether they may lie outside it.
#[derive(Debug, Clone, Default)]
pub struct Files {
    /// The scenario's directory.
    pub dir: PathBuf,
    /// [`LoadOptions::allow_outside_paths`].
    pub allow_outside: bool,
    /// [`LoadOptions::without_prices_file`].
    pub without_prices: bool,
}

impl Files {
    /// The files of the scenario at `path`, under `opts`.
    pub fn of(path: &Path, opts: &LoadOptions) -> Self {
        Files {
            dir: path.parent().unwrap_or_else(|| Path::new("")).to_path_buf(),
            allow_outside: opts.allow_outside_paths,
            without_prices: opts.without_prices_file,
        }
    }

    /// `file`, named in the scenario, as a path: see [`inside`].
    pub fn inside(&self, file: &str) -> Result<PathBuf, String> {
        if self.allow_outside {
            return Ok(self.dir.join(file));
        }
        inside(&self.dir, file)
    }
}

/// `file`, named in a scenario in `base`, as a path; refused if it is
/// absolute, climbs out with `..`, or is a symbolic link to a file outside
/// (unless [`LoadOptions::allow_outside_paths`], see [`Files::inside`]). A
/// scenario from elsewhere then cannot make amisim read (and report on) any
/// file the user can read.
pub fn inside(base: &Path, file: &str) -> Result<PathBuf, String> {
    use std::path::Component;
    let path = base.join(file);
    let dir = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let outside = || {
        format!(
            "{file} lies outside the scenario's directory ({}), and amisim reads only files inside it",
            dir.display()
        )
    };
    let mut depth = 0i64;
    for c in Path::new(file).components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => depth -= 1,
            Component::RootDir | Component::Prefix(_) => return Err(outside()),
        }
        if depth < 0 {
            return Err(outside());
        }
    }
    // A link inside may point outside: compare where both really are.
    if let (Ok(b), Ok(p)) = (std::fs::canonicalize(dir), std::fs::canonicalize(&path))
        && !p.starts_with(&b)
    {
        return Err(outside());
    }
    Ok(path)
}

/// The help for [`inside`]'s refusal.
pub const OUTSIDE_HELP: &str = "copy the file beside the scenario (or below it), or pass --allow-outside-paths to read it where it is";

/// At most this many bytes in a scenario or calibration file.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// Reads a regular file of at most `max` bytes as UTF-8. Anything else (a
/// FIFO, which would block, a device, a directory, a file over the limit)
/// is refused before it is read.
pub fn read_input(path: &Path, max: u64) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read as _};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "not a regular file (a FIFO, a device or a directory); give a file",
        ));
    }
    let too_big = || {
        Error::new(
            ErrorKind::InvalidInput,
            format!("over the limit of {max} bytes for this input"),
        )
    };
    if meta.len() > max {
        return Err(too_big());
    }
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > max {
        return Err(too_big());
    }
    Ok(text)
}

/// Reads a scenario file, or a located error saying why it cannot be read.
pub fn read(path: &Path) -> Result<String, ScenarioErrors> {
    read_input(path, MAX_SCENARIO_BYTES).map_err(|e| {
        ScenarioErrors::new(vec![ScenarioError {
            file: path.to_path_buf(),
            line: 0,
            col: 0,
            key_path: String::new(),
            reason: format!("cannot read the scenario file: {e}"),
            help: Some("check the path; shipped scenarios are in scenarios/".into()),
            aws_rule: false,
        }])
    })
}
