//! The command line: `amisim run` and `amisim validate`.
//!
//! Exit codes: 0 success; 1 runtime failure (I/O, threads); 2 usage or
//! scenario error (nothing is written).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::report::{capacity, csv_files, text, write::atomic_write};
use crate::scenario::{self, ScenarioErrors};

/// Exit code for a usage or scenario error.
pub const EXIT_USAGE: u8 = 2;
/// Exit code for a runtime failure.
pub const EXIT_RUNTIME: u8 = 1;

/// amisim: a discrete-event simulator of multi-region AWS AMI pipelines.
#[derive(Debug, Parser)]
#[command(
    name = "amisim",
    version,
    about,
    after_help = "Exit codes: 0 success, 1 runtime failure (I/O), 2 usage or scenario error.\n\
                  Scenario format and output columns: README.md."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and write runs, stages, summary, quotas, quota_timeline and images CSVs and manifest.json.
    Run(RunArgs),
    /// Check a scenario file and report every error found, without running it.
    Validate(ValidateArgs),
}

/// `amisim run`
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (TOML), e.g. scenarios/quickstart.toml.
    pub scenario: PathBuf,
    /// Independent replications to run [default: the scenario's `replications`, else 10].
    #[arg(short = 'n', long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub replications: Option<u32>,
    /// Master seed; replication i uses streams derived from (seed, i) [default: the scenario's `seed`, else 1].
    #[arg(short, long)]
    pub seed: Option<u64>,
    /// Worker threads, 0 for one per core; the outputs are identical for any value.
    #[arg(short = 'j', long, default_value_t = 0)]
    pub threads: usize,
    /// Output directory [default: results/NAME/, NAME being the scenario's `name`].
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// Print nothing on success.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `amisim validate`
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
}

/// Prints the rule violations a scenario simulates on purpose.
fn print_warnings(scn: &crate::scenario::Scenario) {
    for w in &scn.warnings {
        eprintln!("warning: {w}");
    }
    if !scn.warnings.is_empty() {
        eprintln!(
            "{} rule violation{} simulated on purpose (model_misconfigurations = true): the stage fails where AWS fails it",
            scn.warnings.len(),
            if scn.warnings.len() == 1 { "" } else { "s" }
        );
    }
}

fn scenario_failed(e: &ScenarioErrors) -> ExitCode {
    eprintln!("{e}");
    ExitCode::from(EXIT_USAGE)
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Validate(a) => match scenario::load(&a.scenario) {
            Ok(s) => {
                print_warnings(&s);
                println!(
                    "{}: ok ({} pipeline{}, {} Region{})",
                    a.scenario.display(),
                    s.world.pipelines.len(),
                    if s.world.pipelines.len() == 1 {
                        ""
                    } else {
                        "s"
                    },
                    s.world.regions.len(),
                    if s.world.regions.len() == 1 { "" } else { "s" },
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => Ok(scenario_failed(&e)),
        },
        Command::Run(a) => run_scenario(&a),
    }
}

fn prepare_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output directory {}", dir.display()))?;
    // Fail before the run, not after it, if the directory is not writable.
    let probe = dir.join(format!(".amisim-probe-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .with_context(|| format!("cannot write in the output directory {}", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

fn run_scenario(a: &RunArgs) -> anyhow::Result<ExitCode> {
    let scn = match scenario::load(&a.scenario) {
        Ok(s) => s,
        Err(e) => return Ok(scenario_failed(&e)),
    };
    if !a.quiet {
        print_warnings(&scn);
    }
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(&scn.name));
    prepare_dir(&dir)?;
    let seed = a.seed.unwrap_or(scn.seed);
    let reps = a.replications.unwrap_or(scn.replications);
    let res = crate::experiment::run(&scn, seed, reps, a.threads)?;
    let summaries = csv_files::summarize(&scn, &res);
    let files = [
        ("runs.csv", csv_files::runs_csv(&scn, &res)?),
        ("stages.csv", csv_files::stages_csv(&scn, &res)?),
        ("summary.csv", csv_files::summary_csv(&summaries)?),
        ("quotas.csv", capacity::quotas_csv(&scn, &res)?),
        ("quota_timeline.csv", capacity::timeline_csv(&scn, &res)?),
        ("images.csv", csv_files::images_csv(&scn, &res)?),
        ("manifest.json", csv_files::manifest_json(&scn, &res)?),
    ];
    for (name, bytes) in &files {
        atomic_write(&dir.join(name), bytes)?;
    }
    if !a.quiet {
        print!(
            "{}",
            text::render(&scn, seed, res.replications.len(), &summaries)
        );
        println!(
            "wrote {}/{{runs,stages,summary,quotas,quota_timeline,images}}.csv and manifest.json",
            dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
