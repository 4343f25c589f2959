//! The command line, one file per subcommand: `run`, `validate`, `merge`
//! and `report`.
//!
//! Each subcommand turns its raw arguments into a checked configuration
//! before any work starts; a flag that another makes meaningless is refused.
//! Every failure is a [`CliError`], mapped to its exit code in one place:
//! 0 success; 1 runtime failure (I/O, threads); 2 usage or scenario error
//! (nothing is written).

mod backtest;
mod compare;
mod docs;
mod execute;
mod finish;
mod fit;
mod import;
mod merge;
mod prices;
mod report;
mod run;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use execute::peak_memory_kib;
pub use merge::MergeArgs;
pub use report::ReportArgs;
pub use run::{PrecisionOf, RunArgs, RunConfig};
pub use validate::ValidateArgs;

use crate::scenario::{Scenario, ScenarioErrors};

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
    disable_help_subcommand = true,
    after_help = "Exit codes: 0 success, 1 runtime failure (I/O), 2 usage or scenario error.\n\
                  Scenario format and output columns: docs/src/scenario.md and docs/src/outputs.md in the repository."
)]
pub struct Cli {
    /// Let a scenario name files (an empirical `csv`, a `calibration`) outside its directory.
    #[arg(long, global = true)]
    pub allow_outside_paths: bool,
    /// Print only errors and warnings: no progress, summary or "wrote" lines
    /// (any command; may be repeated).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub quiet: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and write its outputs: runs.csv, stages.csv, images.csv, cost.csv and
    /// exposure.csv (row files, see --rows), summary.csv, quotas.csv, quota_timeline.csv, cost_summary.csv,
    /// cost_breakdown.csv, cost_by_month.csv, manifest.json and scenario.toml (a copy of the scenario); a scenario
    /// with a `[sweep]` writes sweep.csv instead.
    Run(RunArgs),
    /// Check a scenario file and report every error found, without running it.
    Validate(ValidateArgs),
    /// Merge the outputs of `run --shard` into exactly what one process writes.
    Merge(MergeArgs),
    /// Write charts, report.md and report.html from the outputs in a directory.
    Report(ReportArgs),
    /// Compare runs side by side (time to all Regions, exposure, cost, the binding
    /// quota) with each one's differences from the first and their CIs.
    Compare(compare::CompareArgs),
    /// Write a scenario from the pipeline you already have (Image Builder's JSON,
    /// `terraform show -json`, a CloudFormation or a Packer template), with each
    /// value's source field, every field left out listed, and AWS's rules checked.
    Import(import::ImportArgs),
    /// Fit latency models to your own history (a CSV of observations such as
    /// stages.csv, Image Builder's step executions, EBS events, describe-snapshots,
    /// CloudTrail) by maximum likelihood, and write them as a calibration.
    Fit(fit::FitArgs),
    /// Fit the scenario's stages on your history before a cutoff, simulate the period
    /// after it, and test the prediction against what happened (backtest.json; with
    /// --report, backtest.md and .html with each metric's CDF and PIT histogram).
    Backtest(backtest::BacktestArgs),
    /// Read AWS's Price List offer files (EC2 and EBS, JSON or CSV) into the `[cost]`
    /// table a scenario includes with `[cost] prices = "prices.toml"`.
    Prices(prices::PricesArgs),
    /// Print the help of amisim or of one of its commands (the same text as `--help`).
    Help(HelpArgs),
    /// Print the completion script of a shell (bash, zsh, fish, elvish, powershell).
    Completions(docs::CompletionsArgs),
    /// Print amisim's man page (roff): `amisim man > amisim.1`.
    Man,
    /// Print the JSON Schema of scenario files, for editors (Taplo, Even Better TOML):
    /// `amisim schema > scenario.schema.json`, then `#:schema scenario.schema.json` atop a scenario.
    Schema,
}

/// Arguments of `amisim help`.
///
/// clap's built-in `help` subcommand takes no flags, so `amisim help --help`
/// was an error; this one is an ordinary subcommand with its own help.
#[derive(Debug, clap::Args)]
pub struct HelpArgs {
    /// The command whose help to print (any of amisim's commands); none prints amisim's.
    pub command: Option<String>,
}

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// The command line asks for something meaningless or impossible (exit 2).
    Usage(String),
    /// The scenario file is wrong (exit 2).
    Scenario(ScenarioErrors),
    /// A document to import or a log to fit is wrong (exit 2): each error,
    /// then what follows from them, if anything.
    Input(Vec<String>, Option<String>),
    /// The work failed: I/O, threads (exit 1).
    Runtime(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError::Runtime(e.into())
    }
}

impl CliError {
    /// Prints the error and gives its exit code: the one place where
    /// failures become exit codes.
    pub fn report(self) -> ExitCode {
        match self {
            CliError::Usage(msg) => {
                eprintln!("error: {msg}");
                ExitCode::from(EXIT_USAGE)
            }
            CliError::Scenario(e) => {
                for d in &e.0 {
                    eprintln!("error: {d}");
                }
                eprintln!("{}", e.summary());
                ExitCode::from(EXIT_USAGE)
            }
            CliError::Input(errors, summary) => {
                for e in &errors {
                    eprintln!("error: {e}");
                }
                if let Some(s) = summary {
                    eprintln!("{s}");
                }
                ExitCode::from(EXIT_USAGE)
            }
            CliError::Runtime(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(EXIT_RUNTIME)
            }
        }
    }
}

/// A usage error.
fn usage(msg: impl Into<String>) -> CliError {
    CliError::Usage(msg.into())
}

/// Writes `bytes` to `out` whole or not at all (a temporary file beside it,
/// renamed), with the permissions any new file gets (not tempfile's 0600).
fn write_whole(out: &std::path::Path, bytes: &[u8]) -> Result<(), CliError> {
    // An output that cannot be written is a runtime failure (exit 1), as
    // README's exit codes say; checks of the path itself come before.
    // Its message already ends with the OS's words: not repeated as a cause.
    crate::report::write::atomic_write(out, bytes)
        .map_err(|e| CliError::Runtime(anyhow::anyhow!("{e}")))
}

/// `-o FILE` of a command that reads `inputs`: refused (exit 2) if it is
/// one of them (writing it would destroy what was read), or if it exists
/// and `force` is not given.
fn new_output(
    out: &std::path::Path,
    inputs: &[std::path::PathBuf],
    force: bool,
) -> Result<(), CliError> {
    use crate::diag::Diagnostic;
    let Ok(target) = std::fs::canonicalize(out) else {
        return Ok(()); // nothing there yet
    };
    let refused = if inputs
        .iter()
        .any(|i| std::fs::canonicalize(i).is_ok_and(|c| c == target))
    {
        Diagnostic::new(
            "an input of this command: writing it would destroy the data it reads; nothing was written",
            "write the output to another file",
        )
    } else if !force {
        Diagnostic::new(
            "exists; nothing was written",
            "give another file, or --force to replace it",
        )
    } else {
        return Ok(());
    };
    Err(input(&refused.at(out, (0, 0), "-o")))
}

/// One located input error (exit 2).
fn input(d: &crate::diag::Diagnostic) -> CliError {
    CliError::Input(vec![d.to_string()], None)
}

/// Parses the process's arguments and runs them.
pub fn main() -> ExitCode {
    // Without the handler a signal still stops the process; only the
    // clean-up of a run being written is lost, and the next run does it.
    let _ = crate::report::interrupt::install();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => e.report(),
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    let load = crate::scenario::LoadOptions {
        allow_outside_paths: cli.allow_outside_paths,
        without_prices_file: false,
    };
    let quiet = cli.quiet > 0;
    match cli.command {
        Command::Validate(mut a) => {
            a.load = load;
            a.quiet = quiet;
            validate::validate(&a)
        }
        Command::Run(mut a) => {
            a.load = load;
            a.quiet = quiet;
            let configs = RunConfig::all(&a, |v| std::env::var(v).ok())?;
            for c in &configs {
                execute::run(c)?;
            }
            let singles: Vec<String> = configs
                .iter()
                .filter(|c| c.sweep.is_none() && c.shard.is_none())
                .map(|c| c.out.display().to_string())
                .collect();
            if singles.len() > 1 && !a.quiet {
                println!("compare them: amisim compare {}", singles.join(" "));
            }
            Ok(())
        }
        Command::Merge(mut a) => {
            a.load = load;
            a.quiet = quiet;
            merge::merge(&a)
        }
        Command::Report(mut a) => {
            a.load = load;
            a.quiet = quiet;
            report::report(&a)
        }
        Command::Compare(mut a) => {
            a.load = load;
            a.quiet = quiet;
            compare::compare(&a)
        }
        Command::Import(mut a) => {
            a.quiet = quiet;
            import::import(&a)
        }
        Command::Fit(mut a) => {
            a.quiet = quiet;
            fit::fit(&a)
        }
        Command::Backtest(mut a) => {
            a.quiet = quiet;
            backtest::backtest(&a, load)
        }
        Command::Prices(mut a) => {
            a.load = load;
            a.quiet = quiet;
            prices::prices(&a)
        }
        Command::Help(a) => help(&a),
        Command::Completions(a) => docs::completions(&a),
        Command::Man => docs::man(),
        Command::Schema => docs::schema(),
    }
}

/// Prints the help `amisim help [COMMAND]` asks for: exactly what
/// `amisim [COMMAND] --help` prints, by asking clap for that.
fn help(a: &HelpArgs) -> Result<(), CliError> {
    use clap::CommandFactory;
    let mut argv = vec!["amisim".to_string()];
    if let Some(name) = &a.command {
        let known: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        if !known.contains(name) {
            return Err(usage(format!(
                "`{name}` is not a command of amisim; the commands are {}",
                known.join(", ")
            )));
        }
        argv.push(name.clone());
    }
    argv.push("--help".into());
    match Cli::try_parse_from(argv) {
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => {
            e.print()?;
            Ok(())
        }
        other => Err(CliError::Runtime(anyhow::anyhow!(
            "clap did not print the help: {other:?}"
        ))),
    }
}

/// Prints a scenario's warnings, and how many rule violations it simulates on purpose.
fn print_warnings(scn: &Scenario) {
    for w in &scn.warnings {
        eprintln!("warning: {w}");
    }
    let n = scn.simulated_violations;
    if n > 0 {
        eprintln!(
            "{n} rule violation{} simulated on purpose (model_misconfigurations = true): the stage fails where AWS fails it",
            if n == 1 { "" } else { "s" }
        );
    }
}
