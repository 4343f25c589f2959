//! `amisim run`'s arguments, checked into a [`RunConfig`] before any work;
//! `execute` runs it.

use std::path::{Path, PathBuf};

use clap::builder::PossibleValue;
use clap::{Args, ValueEnum};

use super::{CliError, usage};
use crate::experiment::outputs::RowSelection;
use crate::experiment::shard::Shard;
use crate::experiment::{self, Plan, Precision};
use crate::scenario::sweep::Sweep;
use crate::scenario::{self, Scenario};

/// Which statistic a precision target applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrecisionOf {
    /// The mean time to all Regions.
    Mean,
    /// The p95 of time to all Regions (over replication p95s).
    P95,
}

/// `-n`: a whole number from 1 to the scenario format's limit (negative
/// values are read, so that the message says what is wrong with them).
fn parse_replications(text: &str) -> Result<u64, String> {
    let max = u64::from(scenario::MAX_REPLICATIONS);
    text.parse::<u64>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| format!("the number of replications must be a whole number from 1 to {max}"))
}

/// `--seed`: a whole number, 0 or more.
fn parse_seed(text: &str) -> Result<u64, String> {
    text.parse::<u64>()
        .map_err(|_| format!("a seed must be a whole number from 0 to {}", u64::MAX))
}

/// Which replications get rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowReplications {
    /// The first ones, as many as fill [`ROW_BUDGET_BYTES`] (measured on replication 0).
    Auto,
    /// Every one.
    All,
    /// The first N.
    First(u64),
}

/// `--row-replications`: `auto`, `all` or a whole number from 1.
fn parse_row_replications(text: &str) -> Result<RowReplications, String> {
    match text {
        "auto" => Ok(RowReplications::Auto),
        "all" => Ok(RowReplications::All),
        n => n
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= 1)
            .map(RowReplications::First)
            .ok_or_else(|| "give auto, all, or a whole number of replications from 1".into()),
    }
}

/// Default of `--max-replications`.
const DEFAULT_MAX_REPLICATIONS: u64 = 10_000;

/// The precision a run chooses its count by when neither the scenario nor
/// `-n` gives one: every pipeline's p95 within ±5 % (95 % CI) ...
pub(super) const DEFAULT_PRECISION: f64 = 0.05;
/// ... in at most this many replications.
pub(super) const DEFAULT_PRECISION_MAX: u64 = 1_000;

/// `amisim run`
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario files (TOML), e.g. scenarios/quickstart.toml; several
    /// run one after the other on the same workers, each into its own
    /// directory, after every one has been checked.
    #[arg(required = true, num_args = 1..)]
    pub scenarios: Vec<PathBuf>,
    /// Independent replications to run, at most 1,000,000 [default: the scenario's `replications`, else 10].
    #[arg(short = 'n', long, allow_hyphen_values = true, value_parser = parse_replications)]
    pub replications: Option<u64>,
    /// Master seed; replication i uses streams derived from (seed, i) [default: the scenario's `seed`, else 1].
    #[arg(short, long, allow_hyphen_values = true, value_parser = parse_seed)]
    pub seed: Option<u64>,
    /// Worker threads (at most 1024), 0 for one per core; the outputs are
    /// identical for any value.
    #[arg(short = 'j', long, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=1024))]
    pub threads: u16,
    /// Output directory [default: results/NAME/, NAME being the scenario's
    /// `name`]; with several scenarios, DIR/NAME/ for each.
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// `-q` (global): print only errors and warnings.
    #[arg(skip)]
    pub quiet: bool,
    /// Run shard K of N (K from 0): a contiguous slice of the replications, for `amisim merge`;
    /// writes its row files, aggregate.json and shard.json.
    /// K may be `env`: taken from SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN),
    /// AWS_BATCH_JOB_ARRAY_INDEX or JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Keep adding replications (at least --replications) until the 95 % confidence
    /// interval's half-width is below this fraction of the estimate, e.g. 0.02.
    #[arg(long, value_name = "FRACTION", allow_hyphen_values = true)]
    pub precision: Option<f64>,
    /// With --precision: the statistic it applies to (of time to all Regions, every pipeline) [default: p95].
    #[arg(long, value_enum)]
    pub precision_of: Option<PrecisionOf>,
    /// With --precision: never run more replications than this [default: 10000].
    #[arg(long)]
    pub max_replications: Option<u64>,
    /// Which row files to write: `all` (runs, stages, images, cost, exposure), `runs`, or `none`
    /// (large experiments: the aggregated reports only) [default: all].
    #[arg(long)]
    pub rows: Option<RowSelection>,
    /// Which replications the row files hold: `auto` (the first ones, about
    /// 64 MB of rows, at least one; the aggregated files always hold every
    /// replication), `all`, or N (the first N) [default: auto].
    #[arg(long, value_parser = parse_row_replications, allow_hyphen_values = true)]
    pub row_replications: Option<RowReplications>,
    /// Also write charts (PNG and SVG), report.md and a self-contained report.html.
    #[arg(long)]
    pub report: bool,
    /// Also write trace.json: the first replication as a Chrome trace (open in Perfetto).
    #[arg(long)]
    pub trace: bool,
    /// List every pipeline in the summary (else the 20 slowest by p95 and a count of the rest).
    #[arg(long)]
    pub all: bool,
    /// Replace the output directory even if another scenario file's results are in it.
    #[arg(long)]
    pub force: bool,
    /// Print the process's peak resident memory (Linux) when done, for benchmarks.
    #[arg(long, hide = true)]
    pub peak_memory: bool,
    /// How its scenarios are loaded (the global `--allow-outside-paths`).
    #[arg(skip)]
    pub load: crate::scenario::LoadOptions,
}

// `--rows` takes the experiment's own choice, in the order the help lists it.
impl ValueEnum for RowSelection {
    fn value_variants<'a>() -> &'a [Self] {
        &[RowSelection::All, RowSelection::Runs, RowSelection::None]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            RowSelection::All => PossibleValue::new("all")
                .help("runs.csv, stages.csv, images.csv, cost.csv and exposure.csv"),
            RowSelection::Runs => PossibleValue::new("runs").help("runs.csv only"),
            RowSelection::None => PossibleValue::new("none").help("No row file"),
        })
    }
}

/// A checked `amisim run`: everything the run needs, nothing left to check.
#[derive(Debug)]
pub struct RunConfig {
    /// The scenario.
    pub scenario: Scenario,
    /// Its sweep, if it has one.
    pub sweep: Option<Sweep>,
    /// Output directory.
    pub out: PathBuf,
    /// The whole run's replications (a shard runs a slice of them).
    pub total: u64,
    /// The shard this process runs.
    pub shard: Option<Shard>,
    /// What the workers run.
    pub plan: Plan,
    /// Row files written (none for a sweep).
    pub rows: RowSelection,
    /// `--row-replications`.
    pub row_replications: RowReplications,
    /// `--report`.
    pub report: bool,
    /// `--trace`.
    pub trace: bool,
    /// `--quiet`.
    pub quiet: bool,
    /// `--all`.
    pub all: bool,
    /// `--peak-memory`.
    pub peak_memory: bool,
    /// Neither the scenario nor `-n` gave a count: it is chosen by
    /// the default precision.
    pub precision_by_default: bool,
}

impl RunConfig {
    /// Loads the scenario and checks the arguments against each other and
    /// against it; `env` reads the batch engine's variables for `--shard env/N`.
    pub fn from_args(a: &RunArgs, env: impl Fn(&str) -> Option<String>) -> Result<Self, CliError> {
        match a.scenarios.as_slice() {
            [one] => Self::of(a, one, a.out.clone(), env),
            _ => Err(usage(
                "several scenarios make several runs; check them with RunConfig::all",
            )),
        }
    }

    /// The runs of every scenario named, all checked before any runs: one
    /// bad file refuses them all, and nothing is written. With several,
    /// each goes to `--out`/NAME (or results/NAME), and two that would
    /// share a directory are refused.
    pub fn all(a: &RunArgs, env: impl Fn(&str) -> Option<String>) -> Result<Vec<Self>, CliError> {
        if a.scenarios.len() == 1 {
            let c = Self::from_args(a, env)?;
            c.refuse_replacing(a.force)?;
            return Ok(vec![c]);
        }
        if a.shard.is_some() {
            return Err(usage(
                "--shard splits one scenario's replications; shard each scenario in its own job",
            ));
        }
        let mut configs: Vec<Self> = Vec::with_capacity(a.scenarios.len());
        for path in &a.scenarios {
            let c = Self::of(a, path, None, &env)?;
            let c = match &a.out {
                Some(root) => RunConfig {
                    out: root.join(&c.scenario.name),
                    ..c
                },
                None => c,
            };
            if let Some(other) = configs.iter().find(|o| o.out == c.out) {
                return Err(usage(format!(
                    "{} and {} both write {} (their scenarios are both named `{}`); give them different `name`s",
                    other.scenario.path.display(),
                    path.display(),
                    c.out.display(),
                    c.scenario.name
                )));
            }
            c.refuse_replacing(a.force)?;
            configs.push(c);
        }
        Ok(configs)
    }

    /// Refuses (exit 2) to replace a result directory that another scenario
    /// file wrote (its manifest says which), unless `force`: two scenarios
    /// with one `name` would otherwise overwrite each other's results.
    fn refuse_replacing(&self, force: bool) -> Result<(), CliError> {
        let Ok(text) = std::fs::read_to_string(self.out.join("manifest.json")) else {
            return Ok(());
        };
        let Ok(prev) = serde_json::from_str::<crate::report::manifest::Manifest>(&text) else {
            return Ok(()); // not a finished run's (a damaged one is replaced)
        };
        let this = crate::report::manifest::absolute(&self.scenario.path);
        if force || prev.scenario_file == this {
            return Ok(());
        }
        let refused = crate::diag::Diagnostic::new(
            format!(
                "holds the results of {}; this run of {this} would replace them (both scenarios are named `{}`); nothing was run",
                prev.scenario_file, self.scenario.name
            ),
            "give this run its own directory with --out DIR (or another `name`), or --force to replace them",
        );
        Err(super::input(&refused.at(&self.out, (0, 0), "")))
    }

    /// The run of the scenario at `path`, into `out` (default results/NAME).
    fn of(
        a: &RunArgs,
        path: &Path,
        out: Option<PathBuf>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, CliError> {
        let (scn, sweep) = scenario::load_with_sweep(path, &a.load).map_err(CliError::Scenario)?;
        let shard = a
            .shard
            .as_deref()
            .map(|s| Shard::parse(s, &env))
            .transpose()
            .map_err(CliError::Usage)?;
        if let Some(p) = a.precision
            && !(p > 0.0 && p < 1.0)
        {
            return Err(usage(format!(
                "--precision {p}: give a fraction between 0 and 1, e.g. 0.02"
            )));
        }
        if a.precision.is_some() && shard.is_some() {
            return Err(usage(
                "--precision decides the number of replications as it goes; it cannot be sharded (run without --shard)",
            ));
        }
        refuse_meaningless_flags(a, shard.is_some())?;
        if sweep.is_some() {
            refuse_sweep_flags(a)?;
        }
        let seed = a.seed.unwrap_or(scn.seed);
        let total = a.replications.unwrap_or(u64::from(scn.replications));
        let (first, count) = shard.map_or((0, total), |s| s.range(total));
        let workers = experiment::workers(usize::from(a.threads))? as u64;
        let by_default = sweep.is_none() && shard.is_none() && a.precision.is_none();
        let by_default = by_default && a.replications.is_none() && !scn.replications_given;
        let precision = precision(a, by_default, count);
        // Row files only for a single scenario: a sweep reports per point.
        let row_selection = a.rows.unwrap_or(RowSelection::All);
        let rows = if sweep.is_some() {
            None
        } else {
            Some(row_selection)
        };
        let plan = Plan {
            seed,
            first,
            count,
            threads: usize::from(a.threads),
            chunk: experiment::first_chunk(
                workers,
                precision.is_some(),
                rows.is_some_and(|r| r != RowSelection::None),
            ),
            precision,
        };
        let out = out.unwrap_or_else(|| Path::new("results").join(&scn.name));
        Ok(RunConfig {
            scenario: scn,
            sweep,
            out,
            total,
            shard,
            plan,
            rows: row_selection,
            row_replications: a.row_replications.unwrap_or(RowReplications::Auto),
            report: a.report,
            trace: a.trace,
            quiet: a.quiet,
            all: a.all,
            peak_memory: a.peak_memory,
            precision_by_default: by_default,
        })
    }
}

/// The precision target: `--precision`'s, or with `by_default` (no count
/// given anywhere) [`DEFAULT_PRECISION`] on the p95 within
/// [`DEFAULT_PRECISION_MAX`] replications; at least `count`.
fn precision(a: &RunArgs, by_default: bool, count: u64) -> Option<Precision> {
    let (p, max) = match (a.precision, by_default) {
        (Some(p), _) => (p, a.max_replications.unwrap_or(DEFAULT_MAX_REPLICATIONS)),
        (None, true) => (DEFAULT_PRECISION, DEFAULT_PRECISION_MAX),
        (None, false) => return None,
    };
    Some(Precision {
        relative_half_width: p,
        of_p95: a.precision_of.unwrap_or(PrecisionOf::P95) == PrecisionOf::P95,
        max_replications: max.max(count),
    })
}

/// A sweep writes sweep.csv and each point's aggregated files, no rows and
/// no trace: their flags are refused, never ignored.
fn refuse_sweep_flags(a: &RunArgs) -> Result<(), CliError> {
    let given = [
        (a.trace, "--trace"),
        (a.rows.is_some(), "--rows"),
        (a.row_replications.is_some(), "--row-replications"),
    ];
    if let Some((_, flag)) = given.iter().find(|(on, _)| *on) {
        return Err(usage(format!(
            "{flag}: a sweep writes no row files and no trace (sweep.csv and each point's aggregated files); run one point's scenario without [sweep] for them"
        )));
    }
    if a.precision.is_some() {
        return Err(usage(
            "--precision would stop each sweep point after a different number of replications, and its points would no longer share common random numbers; give the count with -n",
        ));
    }
    Ok(())
}

/// A flag that another makes meaningless is refused, never ignored.
fn refuse_meaningless_flags(a: &RunArgs, sharded: bool) -> Result<(), CliError> {
    if a.precision.is_none() {
        if a.precision_of.is_some() {
            return Err(usage(
                "--precision-of says which statistic --precision applies to; give --precision too (e.g. --precision 0.02)",
            ));
        }
        if a.max_replications.is_some() {
            return Err(usage(
                "--max-replications bounds a --precision run; give --precision too, or set the count with -n",
            ));
        }
    }
    if a.rows == Some(RowSelection::None) && a.row_replications.is_some() {
        return Err(usage(
            "--row-replications says which replications the row files hold, and --rows none writes none",
        ));
    }
    if sharded && (a.report || a.trace) {
        let flag = if a.report { "--report" } else { "--trace" };
        return Err(usage(format!(
            "{flag} needs the whole run, and a shard holds a slice of it: run `amisim merge`, then `amisim report` on the merged directory"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn config(args: &[&str]) -> Result<RunConfig, CliError> {
        let mut argv = vec!["amisim", "run", "scenarios/quickstart.toml"];
        argv.extend(args);
        let cli = Cli::try_parse_from(argv).expect("clap accepts it");
        let Command::Run(a) = cli.command else {
            unreachable!()
        };
        let root = env!("CARGO_MANIFEST_DIR");
        let a = RunArgs {
            scenarios: a
                .scenarios
                .iter()
                .map(|s| Path::new(root).join(s))
                .collect(),
            ..a
        };
        RunConfig::from_args(&a, |v| (v == "JOB_COMPLETION_INDEX").then(|| "1".into()))
    }

    fn usage_message(args: &[&str]) -> String {
        match config(args) {
            Err(CliError::Usage(m)) => m,
            other => panic!("{args:?}: not a usage error: {other:?}"),
        }
    }

    #[test]
    fn a_checked_run_holds_the_plan_the_flags_ask_for() {
        let c = config(&["-n", "10", "--shard", "env/3", "-j", "1"]).unwrap();
        assert_eq!(c.shard, Some(Shard { k: 1, n: 3 }));
        assert_eq!((c.plan.first, c.plan.count, c.total), (3, 3, 10));
        assert_eq!(
            c.plan.chunk, 1,
            "one replication per worker first, with rows"
        );
        let c = config(&["--precision", "0.05", "--max-replications", "64"]).unwrap();
        let p = c.plan.precision.unwrap();
        assert_eq!((p.max_replications, p.of_p95), (64, true));
        assert_eq!(c.plan.chunk, experiment::PRECISION_CHUNK);
    }

    #[test]
    fn a_flag_another_makes_meaningless_is_refused_with_the_reason() {
        assert!(usage_message(&["--precision-of", "mean"]).contains("give --precision too"));
        assert!(usage_message(&["--max-replications", "5"]).contains("give --precision too"));
        assert!(
            usage_message(&["--shard", "0/2", "--report"])
                .starts_with("--report needs the whole run")
        );
        assert!(
            usage_message(&["--shard", "0/2", "--trace"])
                .starts_with("--trace needs the whole run")
        );
        assert!(
            usage_message(&["--shard", "0/2", "--precision", "0.1"]).contains("cannot be sharded")
        );
        assert!(usage_message(&["--precision", "1.5"]).contains("between 0 and 1"));
    }
}
