//! `amisim report`: charts, report.md and report.html from the outputs in
//! a directory.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use super::{CliError, usage};
use crate::experiment::outputs;
use crate::report::manifest::Manifest;
use crate::scenario;

/// `amisim report`
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// `-q` (global): print only errors and warnings.
    #[arg(skip)]
    pub quiet: bool,
    /// A directory written by `amisim run` (or `merge`).
    pub dir: PathBuf,
    /// The scenario file [default: the one named in DIR/manifest.json].
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// How its scenarios are loaded (the global `--allow-outside-paths`).
    #[arg(skip)]
    pub load: crate::scenario::LoadOptions,
}

/// The manifest of the output directory `dir`, refused with a usage error
/// when there is none.
pub(super) fn manifest_of(dir: &Path) -> Result<Manifest, CliError> {
    let path = dir.join(outputs::MANIFEST.name);
    if let Err(e) = std::fs::metadata(&path) {
        return Err(usage(format!(
            "cannot read {}: {e}; is {} an amisim output directory?",
            path.display(),
            dir.display()
        )));
    }
    Ok(Manifest::read(dir)
        .with_context(|| format!("{} is not an amisim manifest", path.display()))?)
}

/// The scenario (and sweep) that wrote `dir`: `given`, or the file its
/// manifest names, refused when its SHA-256 is not the manifest's.
pub(super) fn scenario_of(
    dir: &Path,
    manifest: &Manifest,
    given: Option<&Path>,
    load: &scenario::LoadOptions,
) -> Result<(scenario::Scenario, Option<scenario::sweep::Sweep>), CliError> {
    // The manifest's absolute path, shown relative to here when it lies below.
    let scenario = given.map(Path::to_path_buf).unwrap_or_else(|| {
        let p = PathBuf::from(&manifest.scenario_file);
        std::env::current_dir()
            .ok()
            .and_then(|cwd| std::fs::canonicalize(cwd).ok())
            .and_then(|cwd| p.strip_prefix(cwd).ok().map(PathBuf::from))
            .unwrap_or(p)
    });
    // The original moved or gone: the copy the run kept, read as if it were
    // still in its place (files it names are relative to there).
    let copy = dir.join(outputs::SCENARIO_COPY.name);
    let (scn, sweep) = if given.is_none() && !scenario.exists() && copy.exists() {
        let text = scenario::read(&copy).map_err(CliError::Scenario)?;
        let scn = scenario::from_str_with(&scenario, &text, load).map_err(CliError::Scenario)?;
        (scn, None)
    } else {
        scenario::load_with_sweep(&scenario, load).map_err(CliError::Scenario)?
    };
    // A report of one scenario's results under another's name is refused.
    if scn.hash != manifest.scenario_sha256 {
        return Err(usage(format!(
            "{} was written from a scenario with SHA-256 {} ({}), but {} has SHA-256 {}: the report would describe results of another scenario; pass the scenario it was run from, or rerun `amisim run {} --report --out {}`",
            dir.display(),
            &manifest.scenario_sha256[..12.min(manifest.scenario_sha256.len())],
            manifest.scenario_file,
            scenario.display(),
            &scn.hash[..12],
            scenario.display(),
            dir.display()
        )));
    }
    Ok((scn, sweep))
}

/// Links (or, where that fails, copies) every entry of the output
/// directory `from` into the staging directory `to`, but the report's own
/// (report.md, report.html, charts/), which the report writes anew.
fn stage_outputs(from: &Path, to: &Path) -> Result<(), CliError> {
    let own = |name: &str| {
        outputs::REPORT_FILES
            .iter()
            .any(|f| f.trim_end_matches('/') == name)
    };
    for e in std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))? {
        let e = e.with_context(|| format!("cannot read {}", from.display()))?;
        let name = e.file_name();
        if own(&name.to_string_lossy()) {
            continue;
        }
        let (src, dst) = (e.path(), to.join(&name));
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            std::fs::create_dir(&dst)
                .with_context(|| format!("cannot create {}", dst.display()))?;
            stage_outputs(&src, &dst)?;
        } else if std::fs::hard_link(&src, &dst).is_err() {
            std::fs::copy(&src, &dst).with_context(|| format!("cannot copy {}", src.display()))?;
        }
    }
    Ok(())
}

/// Writes the report into a staged copy of `a.dir` and swaps it in, as a
/// run commits (`report::commit`): a reader, or an interrupted report,
/// sees the directory before the report or after it, never half of it.
pub(super) fn report(a: &ReportArgs) -> Result<(), CliError> {
    let mut manifest = manifest_of(&a.dir)?;
    let (scn, sweep) = scenario_of(&a.dir, &manifest, a.scenario.as_deref(), &a.load)?;
    // Locked: no run may replace the directory while the report is made.
    let staged = super::finish::stage(&a.dir)?;
    stage_outputs(&a.dir, staged.path())?;
    // A damaged output is an input error (exit 2), with how to get it back.
    let aggs =
        crate::report::plan::read_aggregates(&a.dir, sweep.as_ref()).map_err(|e| match e {
            crate::report::ReportError::Input { .. } => CliError::Input(
                vec![format!(
                    "{e}\n  help: run the scenario again into {} (or merge its shards again)",
                    a.dir.display()
                )],
                None,
            ),
            other => other.into(),
        })?;
    let inp = crate::report::plan::Inputs::precompute(&scn, &manifest, &aggs, sweep.as_ref())?;
    crate::report::plan::write_report(&inp, staged.path())?;
    // The manifest lists every file in the directory: the report's too.
    for f in outputs::REPORT_FILES {
        if !manifest.files.iter().any(|x| x == f) {
            manifest.files.push(f.into());
        }
    }
    let path = staged.path().join(outputs::MANIFEST.name);
    crate::report::write::atomic_write(&path, &manifest.to_json()?)?;
    staged.commit()?;
    if a.quiet {
        return Ok(());
    }
    println!(
        "wrote {0}/report.md, {0}/report.html and {0}/charts/",
        a.dir.display()
    );
    Ok(())
}
